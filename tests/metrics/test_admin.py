"""The metrics admin: every list loads for a RevOps manager, runs are read-only, and
"Recompute now" requests a run."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from metrics.models import MetricRun, MetricTarget

from .factories import (
    ForecastFactory,
    MetricRunFactory,
    MetricTargetFactory,
    MetricValueFactory,
    OpportunityFactory,
    SpendFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db
MODELS = [
    "account",
    "opportunity",
    "subscription",
    "spend",
    "forecast",
    "metricrun",
    "metricvalue",
    "metrictarget",
    "importjob",
]


@pytest.fixture
def manager(client):
    user = get_user_model().objects.create_superuser("manager", "manager@example.com", "x" * 16)
    client.force_login(user)
    return user


@pytest.mark.parametrize("model", MODELS)
def test_every_metrics_list_loads(client, manager, model):
    OpportunityFactory()
    SubscriptionFactory()
    SpendFactory()
    ForecastFactory()
    MetricValueFactory()
    MetricTargetFactory()
    response = client.get(reverse(f"admin:metrics_{model}_changelist"))
    assert response.status_code == 200


def test_runs_and_values_cannot_be_added_or_edited(client, manager):
    value = MetricValueFactory()
    assert client.get(reverse("admin:metrics_metricrun_add")).status_code == 403
    assert client.get(reverse("admin:metrics_metricvalue_add")).status_code == 403
    response = client.post(
        reverse("admin:metrics_metricvalue_change", args=[value.pk]), {"key": "x"}
    )
    assert response.status_code == 403
    value.refresh_from_db()
    assert value.key == "win_rate"


def test_recompute_now_requests_a_run(client, manager, django_capture_on_commit_callbacks):
    page = client.get(reverse("admin:metrics_metricrun_changelist"))
    assert b"Recompute now" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:metrics_metricrun_recompute"))
    assert response.status_code == 302
    run = MetricRun.objects.get()
    assert (run.trigger, run.requested_by) == (MetricRun.Trigger.MANUAL, manager)
    assert run.status == MetricRun.Status.SUCCEEDED  # eager: computed in-process


def test_the_recompute_action_also_requests_a_run(client, manager):
    existing = MetricRunFactory()
    client.post(
        reverse("admin:metrics_metricrun_changelist"),
        {"action": "recompute_now", "_selected_action": [existing.pk]},
    )
    assert MetricRun.objects.count() == 2


def test_a_staff_user_without_permission_cannot_recompute(client):
    user = get_user_model().objects.create_user("staff", password="x" * 16, is_staff=True)
    client.force_login(user)
    response = client.post(reverse("admin:metrics_metricrun_recompute"))
    assert response.status_code in (302, 403)
    assert not MetricRun.objects.exists()


def test_a_target_key_must_come_from_the_catalogue(client, manager):
    url = reverse("admin:metrics_metrictarget_add")
    data = {
        "key": "not_a_metric",
        "cut_kind": "all",
        "cut_value": "",
        "period_kind": "",
        "value": "0.5",
        "direction": "higher",
        "amber_band": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with an error
    assert b"Select a valid choice" in response.content
    response = client.post(url, {**data, "key": "win_rate"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "cut, error",
    [
        ({"cut_kind": "team", "cut_value": ""}, b"Give a value for a segment, team"),
        ({"cut_kind": "all", "cut_value": "SMB"}, b"Give a value for a segment, team"),
        ({"cut_kind": "channel", "cut_value": "Web"}, b"Win rate has no channel cut"),
    ],
)
def test_a_target_names_a_cut_the_metric_has_with_its_value(client, manager, cut, error):
    data = {"key": "win_rate", "period_kind": "", "value": "0.5", "direction": "higher"}
    response = client.post(
        reverse("admin:metrics_metrictarget_add"), {**data, **cut, "amber_band": "0"}
    )
    assert response.status_code == 200 and error in response.content
    assert not MetricTarget.objects.exists()


def test_a_team_target_for_months_is_saved(client, manager):
    data = {"key": "win_rate", "cut_kind": "team", "cut_value": " Enterprise ", "value": "0.5"}
    response = client.post(
        reverse("admin:metrics_metrictarget_add"),
        {**data, "period_kind": "month", "direction": "higher", "amber_band": "0"},
    )
    assert response.status_code == 302
    target = MetricTarget.objects.get()
    assert (target.cut_kind, target.cut_value, target.period_kind) == (
        "team",
        "Enterprise",
        "month",
    )
