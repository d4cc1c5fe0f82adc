"""Dashboard pages with stored figures and with no data at all, what each persona is offered,
recompute, bad periods and cuts. Who gets which status on each route is stated once, in
tests/portal/test_route_matrix.py."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from metrics.models import MetricRun
from tests.metrics.dashboard_support import PERSONAS, make_persona, stored_run

PAGES = [
    ("metrics:scorecard", {}, ""),
    ("metrics:metric", {"key": "win_rate"}, ""),
    ("metrics:metric", {"key": "arr"}, "?period=2017-Q4"),
    ("metrics:records", {"key": "win_rate"}, "?period=2017-06"),
    ("metrics:records", {"key": "nrr"}, "?period=2017-06&segment=SMB"),
    ("metrics:records", {"key": "cac"}, "?period=2017"),
    ("metrics:records", {"key": "forecast_accuracy"}, "?period=2017-06"),
    ("metrics:metric_csv", {"key": "win_rate"}, ""),
    ("metrics:records_csv", {"key": "open_pipeline_count"}, "?period=2017-06"),
    ("metrics:metric_json", {"key": "win_rate"}, "?period=2017-06"),
]


def url_of(name, kwargs, query):
    return reverse(name, kwargs=kwargs) + query


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs", "query"), PAGES)
def test_every_page_renders_with_stored_figures(client, name, kwargs, query):
    stored_run(months=12)
    client.force_login(make_persona("reader"))
    response = client.get(url_of(name, kwargs, query))
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs", "query"), PAGES)
def test_every_page_renders_with_no_data_at_all(client, name, kwargs, query):
    client.force_login(make_persona("reader"))
    response = client.get(url_of(name, kwargs, query))
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("who", PERSONAS)
def test_the_empty_scorecard_says_what_to_do(client, who):
    client.force_login(make_persona(who))
    body = client.get(reverse("metrics:scorecard")).content.decode()
    assert "No figures yet" in body
    # Only importers are offered the import page; the manager persona may recompute only.
    assert 'href="/metrics/imports/"' not in body
    assert "Ask a RevOps manager to import CRM data" in body
    if who == "manager":
        assert "Recompute now" in body
    else:
        assert "Ask a RevOps manager to run a computation" in body
        assert "Recompute now" not in body


@pytest.mark.django_db
def test_importers_are_offered_the_import_page_on_the_empty_pages(client):
    importer = make_persona("manager")
    importer.user_permissions.add(Permission.objects.get(codename="add_importjob"))
    client.force_login(importer)
    for url in (reverse("metrics:scorecard"), reverse("metrics:metric", kwargs={"key": "nrr"})):
        body = client.get(url).content.decode()
        assert 'href="/metrics/imports/"' in body, url


@pytest.mark.django_db
def test_the_empty_metric_page_says_no_computation_has_finished(client):
    client.force_login(make_persona("reader"))
    body = client.get(reverse("metrics:metric", kwargs={"key": "nrr"})).content.decode()
    assert "No computation has finished yet" in body
    assert "Net revenue retention" in body


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["reader", "owner", "champion"])
def test_only_managers_may_recompute_and_a_refused_post_creates_no_run(client, who):
    client.force_login(make_persona(who))
    response = client.post(reverse("metrics:recompute"))
    assert response.status_code == 403
    assert MetricRun.objects.count() == 0


@pytest.mark.django_db
def test_anonymous_recompute_is_sent_to_login_and_creates_no_run(client):
    response = client.post(reverse("metrics:recompute"))
    assert response.status_code == 302
    assert MetricRun.objects.count() == 0


@pytest.mark.django_db
def test_recompute_is_post_only(client):
    client.force_login(make_persona("manager"))
    assert client.get(reverse("metrics:recompute")).status_code == 405
    assert MetricRun.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/metrics/no_such_metric/", "/metrics/no_such_metric.csv", "/metrics/no_such_metric.json",
     "/metrics/no_such_metric/records/"],
)  # fmt: skip
def test_an_unknown_metric_is_not_found(client, path):
    client.force_login(make_persona("reader"))
    assert client.get(path).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["?period=2017-13", "?period=June", "?period=2017-01-01..2017-02-01", "?kind=fortnight",
     "?segment=SMB&channel=Referral"],
)  # fmt: skip
@pytest.mark.parametrize("name", ["metrics:scorecard", "metrics:metric", "metrics:records"])
def test_a_bad_period_or_cut_is_a_400_with_a_message(client, name, query):
    client.force_login(make_persona("reader"))
    kwargs = {} if name == "metrics:scorecard" else {"key": "win_rate"}
    response = client.get(reverse(name, kwargs=kwargs) + query)
    assert response.status_code == 400
    assert "Can't show that" in response.content.decode()


@pytest.mark.django_db
def test_a_cut_the_metric_does_not_allow_is_a_400_on_the_drill_down(client):
    client.force_login(make_persona("reader"))
    response = client.get(
        reverse("metrics:records", kwargs={"key": "win_rate"}) + "?channel=Referral"
    )
    assert response.status_code == 400
    assert "can&#x27;t be cut by channel" in response.content.decode()


@pytest.mark.django_db
def test_run_status_reports_progress_as_json(client):
    from tests.metrics.factories import MetricRunFactory

    run = MetricRunFactory(status=MetricRun.Status.RUNNING, progress=40)
    client.force_login(make_persona("reader"))
    data = client.get(reverse("metrics:run_status", kwargs={"pk": run.pk})).json()
    assert data == {
        "id": run.pk,
        "status": "running",
        "status_label": "Running",
        "progress": 40,
        "finished_at": None,
        "done": False,
    }


@pytest.mark.django_db
def test_a_manager_recompute_queues_a_manual_run_and_shows_its_progress(
    client, django_capture_on_commit_callbacks
):
    manager = make_persona("manager")
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("metrics:recompute"))
    run = MetricRun.objects.get()
    assert (run.trigger, run.requested_by) == ("manual", manager)
    assert response.status_code == 302
    assert response["Location"] == f"/metrics/?run={run.pk}"
    page = client.get(response["Location"]).content.decode()
    assert f"Run {run.pk}" in page


@pytest.mark.django_db
def test_a_superuser_may_recompute(client):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("root", "root@example.com", "x" * 16))
    assert client.post(reverse("metrics:recompute")).status_code == 302
    assert MetricRun.objects.count() == 1
