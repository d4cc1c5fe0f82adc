"""factory_boy factories for the metrics records, runs and values (shared by every metrics test)."""

import random
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from metrics import run_values
from metrics.models import (
    Account,
    Forecast,
    Lead,
    MetricRun,
    MetricTarget,
    MetricValue,
    Opportunity,
    Spend,
    Subscription,
    Team,
)
from metrics.periods import Period


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    external_id = factory.Sequence(lambda n: f"ACC-{n:05d}")
    name = factory.Sequence(lambda n: f"Account {n}")
    segment = "SMB"
    industry = "Software"
    created_date = date(2016, 1, 1)


class OpportunityFactory(factory.django.DjangoModelFactory):
    """A won new-business deal by default; pass status="open" (close_date=None) or "lost"."""

    class Meta:
        model = Opportunity

    external_id = factory.Sequence(lambda n: f"OPP-{n:06d}")
    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Deal {n}")
    owner = "Alex Owner"
    amount = Decimal("1000.00")
    stage = factory.LazyAttribute(
        lambda o: {"won": "Closed Won", "lost": "Closed Lost"}.get(o.status, "Discovery")
    )
    status = Opportunity.Status.WON
    created_date = date(2017, 1, 1)
    close_date = factory.LazyAttribute(
        lambda o: (
            None if o.status == Opportunity.Status.OPEN else o.created_date + timedelta(days=30)
        )
    )
    source = "Referral"
    type = Opportunity.Type.NEW_BUSINESS


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    external_id = factory.Sequence(lambda n: f"SUB-{n:06d}")
    account = factory.SubFactory(AccountFactory)
    plan = "Standard"
    mrr = Decimal("100.00")
    start_date = date(2017, 1, 1)
    end_date = None


class SpendFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Spend

    month = date(2017, 1, 1)
    channel = factory.Sequence(lambda n: f"Channel {n}")
    category = Spend.Category.MARKETING
    amount = Decimal("500.00")


class LeadFactory(factory.django.DjangoModelFactory):
    """A new lead by default: neither qualified nor converted."""

    class Meta:
        model = Lead

    external_id = factory.Sequence(lambda n: f"LEAD-{n:06d}")
    created_date = date(2017, 1, 1)
    source = "Webinar"
    owner = "Alex Owner"
    status = "New"


class ForecastFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Forecast

    period_start = date(2017, 1, 1)
    period_end = date(2017, 1, 31)
    amount = Decimal("10000.00")
    recorded_on = factory.Sequence(lambda n: date(2016, 12, 1) - timedelta(days=n))


class MetricRunFactory(factory.django.DjangoModelFactory):
    """A finished, successful run by default."""

    class Meta:
        model = MetricRun

    status = MetricRun.Status.SUCCEEDED
    trigger = MetricRun.Trigger.MANUAL
    enqueued_at = factory.LazyFunction(timezone.now)
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == MetricRun.Status.SUCCEEDED else None
    )
    progress = factory.LazyAttribute(lambda o: 100 if o.status == MetricRun.Status.SUCCEEDED else 0)


class MetricValueFactory(factory.django.DjangoModelFactory):
    """A value `run` shows (in the run's value set of the value's period)."""

    class Meta:
        model = MetricValue

    class Params:
        run = factory.SubFactory(MetricRunFactory)

    value_set = factory.LazyAttribute(
        lambda o: run_values.value_set(o.run, Period(o.period_start, o.period_end, o.period_kind))
    )
    key = "win_rate"
    period_kind = MetricValue.PeriodKind.MONTH
    period_start = date(2017, 6, 1)
    period_end = date(2017, 7, 1)
    cut_kind = MetricValue.CutKind.ALL
    cut_value = ""
    value = Decimal("0.5")
    numerator = Decimal("1")
    denominator = Decimal("2")
    undefined_reason = ""


class MetricTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MetricTarget
        django_get_or_create = ("key", "cut_kind", "cut_value", "period_kind")

    key = "win_rate"
    cut_kind = "all"
    cut_value = ""
    period_kind = MetricTarget.ANY_PERIOD
    value = Decimal("0.5")
    direction = MetricTarget.Direction.HIGHER
    amber_band = Decimal("0.05")


def make_book(accounts: int, seed: int = 7) -> None:
    """A small company over 2017 with every kind of record (leads too) and every cut kind."""
    rng = random.Random(seed)
    made = Account.objects.bulk_create(
        Account(
            external_id=f"B{n}",
            name=f"B{n}",
            segment=rng.choice(["SMB", "Enterprise", ""]),
            industry=rng.choice(["Health", "Retail", ""]),
        )
        for n in range(accounts)
    )
    opportunities, subscriptions = [], []
    for n, account in enumerate(made):
        for k in range(3):
            created = date(2017, 1, 1) + timedelta(days=rng.randint(0, 300))
            status = rng.choice(["won", "won", "lost", "open"])
            opportunities.append(
                Opportunity(
                    external_id=f"B{n}-O{k}",
                    account=account if rng.random() > 0.1 else None,
                    owner=rng.choice(["Ana", "Bo", "Cy", ""]),
                    status=status,
                    type=rng.choice(["new_business", "renewal"]),
                    created_date=created,
                    close_date=None
                    if status == "open"
                    else created + timedelta(days=rng.randint(0, 90)),
                    amount=None if rng.random() < 0.1 else Decimal(rng.randint(1, 900000)) / 100,
                    source=rng.choice(["Events", "Referral", ""]),
                )
            )
        for k in range(2):
            start = date(2017, 1, 1) + timedelta(days=rng.randint(0, 300))
            end = start + timedelta(days=rng.randint(1, 200)) if rng.random() < 0.5 else None
            subscriptions.append(
                Subscription(
                    external_id=f"B{n}-S{k}",
                    account=account,
                    mrr=Decimal(rng.randint(1, 90000)) / 100,
                    start_date=start,
                    end_date=end,
                )
            )
    Opportunity.objects.bulk_create(opportunities)
    Subscription.objects.bulk_create(subscriptions)
    Spend.objects.bulk_create(
        Spend(
            month=date(2017, month, 1),
            channel=channel,
            category="marketing",
            amount=Decimal("1234.56"),
        )
        for month in range(1, 13)
        for channel in ["Events", "Referral", "Paid"]
    )
    Spend.objects.create(month=date(2017, 6, 1), channel="Events", category="sales", amount=99)
    leads = []
    for n in range(accounts * 3):
        created = date(2017, 1, 1) + timedelta(days=rng.randint(0, 330))
        qualified = created + timedelta(days=rng.randint(0, 20)) if rng.random() < 0.6 else None
        converted = (
            qualified + timedelta(days=rng.randint(0, 40))
            if qualified and rng.random() < 0.5
            else None
        )
        leads.append(
            Lead(
                external_id=f"B-L{n}",
                created_date=created,
                source=rng.choice(["Events", "Webinar", ""]),
                qualified_date=qualified,
                converted_date=converted,
            )
        )
    Lead.objects.bulk_create(leads)
    Forecast.objects.create(
        period_start=date(2017, 6, 1),
        period_end=date(2017, 6, 30),
        amount=Decimal(50000),
        recorded_on=date(2017, 5, 20),
    )
    Team.objects.create(owner="Ana", team="East")
    Team.objects.create(owner="Bo", team="West")
