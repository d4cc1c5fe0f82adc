"""The shared factories build valid records (every other metrics test leans on them)."""

import pytest

from metrics.models import Opportunity

from .factories import (
    AccountFactory,
    ForecastFactory,
    LeadFactory,
    MetricRunFactory,
    MetricValueFactory,
    OpportunityFactory,
    SpendFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db


def test_every_factory_builds_a_record_that_passes_model_validation():
    for record in [
        AccountFactory(),
        OpportunityFactory(),
        OpportunityFactory(status=Opportunity.Status.OPEN),
        OpportunityFactory(status=Opportunity.Status.LOST),
        SubscriptionFactory(),
        SpendFactory(),
        ForecastFactory(),
        LeadFactory(),
        MetricRunFactory(),
        MetricValueFactory(),
    ]:
        record.full_clean()


def test_an_open_opportunity_has_no_close_date_and_a_closed_one_has_one():
    assert OpportunityFactory(status=Opportunity.Status.OPEN).close_date is None
    assert OpportunityFactory(status=Opportunity.Status.LOST).close_date is not None
