"""Personas and stored-figure builders for the dashboard tests (test_dashboard*, test_views*,
test_shortcodes, tests/browser). Imported by those modules; holds no tests itself."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission, User

from metrics import catalog, run_values
from metrics.models import MetricValue
from metrics.periods import Period
from playbook import services as playbook_services
from playbook.models import Section
from playbook.permissions import CHAMPIONS_GROUP
from tests.metrics.factories import MetricRunFactory

PASSWORD = "dashboards-test-pass-2026"
PERSONAS = ("reader", "owner", "champion", "manager")


def make_user(username: str, **extra) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, **extra)


def make_persona(name: str) -> User:
    """reader: staff who reads; owner: owns a playbook section; champion: the playbook champion;
    manager: a RevOps manager (may add metric runs, i.e. recompute)."""
    if name == "reader":
        return make_user("reader")
    if name == "owner":
        user = make_user("owner")
        section = Section.objects.order_by("position").first()
        playbook_services.assign_owner(section=section, owner=user, assigned_by=None)
        return user
    if name == "champion":
        user = make_user("champion")
        user.groups.add(Group.objects.get_or_create(name=CHAMPIONS_GROUP)[0])
        return user
    if name == "manager":
        user = make_user("manager", is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="add_metricrun"))
        return user
    raise ValueError(name)


@pytest.fixture
def persona(request, db):
    """Parametrise indirectly with a persona name."""
    return make_persona(request.param)


def months_ending(last: Period, count: int) -> list[Period]:
    periods = [last]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods[::-1]


def store_figures(
    run,
    *,
    keys=None,
    periods: list[Period],
    cut_kind: str = "all",
    cut_value: str = "",
    value=lambda key, index: Decimal(index + 1),
) -> list[MetricValue]:
    """Stored values for each key and period: by default value = the period's 1-based index,
    numerator = value, denominator = 1. Written with one bulk insert."""
    keys = keys or [m.key for m in catalog.METRICS if cut_kind in m.cuts]
    sets = [run_values.value_set(run, period) for period in periods]
    rows = []
    for key in keys:
        for index, period in enumerate(periods):
            number = value(key, index)
            rows.append(
                MetricValue(
                    value_set=sets[index],
                    key=key,
                    period_kind=period.kind,
                    period_start=period.start,
                    period_end=period.end,
                    cut_kind=cut_kind,
                    cut_value=cut_value,
                    value=number,
                    numerator=number,
                    denominator=None if number is None else Decimal(1),
                    undefined_reason="" if number is not None else "no closed opportunities",
                )
            )
    return MetricValue.objects.bulk_create(rows)


LAST_MONTH = Period.month(2017, 12)


def stored_run(*, months: int = 12, last: Period = LAST_MONTH, segments=("SMB",)):
    """A succeeded run with every metric stored for `months` months up to `last`, for the
    "all" cut and for each segment, plus the quarters and years those months cover."""
    run = MetricRunFactory()
    periods = months_ending(last, months)
    store_figures(run, periods=periods)
    for segment in segments:
        store_figures(run, periods=periods, cut_kind="segment", cut_value=segment)
    quarters = sorted({Period.containing(p.start, "quarter") for p in periods})
    years = sorted({Period.containing(p.start, "year") for p in periods})
    store_figures(run, periods=quarters)
    store_figures(run, periods=years)
    return run


TODAY = date(2018, 1, 15)  # the last complete month is then Dec 2017
