"""Every named route × every persona: the status each persona gets, stated once per route.

`ROUTES` is compared with the URL resolver, so a route added without a rule here fails the
suite until someone decides who may use it. Each rule names the personas allowed and the status
they get; every other logged-in persona gets 403 and an anonymous visitor is sent to log in.

Admin routes (the `admin:` namespace) are left out as a group: Django generates some fifty of
them from the registered models and guards them all in one place (`AdminSite.has_permission`:
active staff only); tests/portal/test_security.py sends anonymous visitors through them and
tests/metrics/test_admin.py covers our own admin actions.

The personas mirror the demo users (playbook/seeding.py): "reader" is staff who only reads
(demo reader), "owner" owns the sample section (demo marketing), "other_owner" owns another
(demo sales), "champion" is in the Playbook champions group, "revops_manager" holds the
metrics permissions to recompute and import, "superuser" is the demo manager.
Tests that check more than a status (a refused POST changes nothing, the page shows the right
controls) stay beside their feature: tests/playbook/test_permission_matrix.py,
tests/metrics/test_views_access.py, tests/metrics/test_import_views.py.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from metrics.models import (
    ActionItem,
    CrmConnection,
    DataFinding,
    Decision,
    ImportJob,
    WeeklyReview,
)
from playbook import pages as playbook_pages
from playbook import services as playbook_services
from playbook.models import Asset, Flag, PlaybookExport, Section
from playbook.permissions import CHAMPIONS_GROUP
from tests.metrics.factories import MetricRunFactory
from tests.playbook.images import png_bytes

PERSONAS = (
    "anonymous",
    "reader",
    "owner",
    "other_owner",
    "champion",
    "revops_manager",
    "superuser",
)
EVERYONE = frozenset(PERSONAS)
LOGGED_IN = EVERYONE - {"anonymous"}
SECTION_EDITORS = frozenset({"owner", "champion", "superuser"})  # of the sample section
OWNER_ASSIGNERS = frozenset({"champion", "superuser"})
REVOPS_MANAGERS = frozenset({"revops_manager", "superuser"})
REVIEW_EDITORS = frozenset({"revops_manager", "champion", "superuser"})
SUPERUSERS = frozenset({"superuser"})  # and, for an import, the manager who uploaded it
# The content-asset library: champions, superusers, owners of Marketing's sections ("owner" owns
# Target audience, a Marketing section; "other_owner" a Sales one).
ASSET_MANAGERS = frozenset({"owner", "champion", "superuser"})

SAMPLE_SECTION = "target-audience"  # owned by "owner"; "other_owner" owns products-and-services
SAMPLE_IMAGE = "0123456789abcdef0123456789abcdef.png"  # a name playbook.uploads could give
EXCLUDED_NAMESPACES = {"admin"}


@dataclass(frozen=True)
class Rule:
    """`allowed` personas get `status`; other logged-in personas get 403; anonymous visitors,
    unless allowed, are redirected (302) to the login page."""

    allowed: frozenset
    status: int = 200
    method: str = "GET"
    query: str = ""
    data: Callable[[], dict] | None = None  # a fresh POST body per request (files are read once)

    def expected(self, persona: str) -> int:
        if persona in self.allowed:
            return self.status
        return 302 if persona == "anonymous" else 403


def _action_item() -> dict:
    owner = User.objects.get(username="reader")
    return {"text": "Call back", "owner": owner.pk, "due_date": "2026-12-04"}


def _action_item_edit() -> dict:
    return {**_action_item(), "status": "open"}


# Deleting routes: each request puts the sample row back first (same id), so every persona
# allowed deletes it rather than finding it gone.
SAMPLE_REVIEW_WEEK, SAMPLE_DECISION_ID, SAMPLE_ITEM_ID = "2026-W48", 4242, 4343


def _sample_decision_back() -> dict:
    review = WeeklyReview.objects.get(week=SAMPLE_REVIEW_WEEK)
    Decision.objects.get_or_create(
        pk=SAMPLE_DECISION_ID, defaults={"review": review, "text": "Hire"}
    )
    return {}


def _sample_item_back() -> dict:
    review = WeeklyReview.objects.get(week=SAMPLE_REVIEW_WEEK)
    ActionItem.objects.get_or_create(
        pk=SAMPLE_ITEM_ID,
        defaults={"review": review, "text": "Call back", "due_date": date(2026, 12, 4)},
    )
    return {}


SAMPLE_PAGES = ("icp-scoring", "persona-interviews")  # pages under the sample section


def _move_sample_page() -> dict:
    """Move the first sample page down, or back up once it is last: always a possible move."""
    first = Section.objects.filter(parent__slug=SAMPLE_SECTION).order_by("position").first()
    return {"page": SAMPLE_PAGES[0], "direction": "down" if first.slug == SAMPLE_PAGES[0] else "up"}


def _image() -> dict:
    return {"image": SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")}


ROUTES = {
    # --- Project (revops_portal/urls.py) ---
    "home": Rule(LOGGED_IN, 302),  # redirects to the playbook
    # /healthz is no route: revops_portal.middleware answers it first (test_env_example.py).
    "media": Rule(LOGGED_IN),  # uploaded playbook images
    # --- Django's auth views under accounts/ ---
    "login": Rule(EVERYONE),
    "logout": Rule(EVERYONE, 302, "POST"),
    "password_change": Rule(LOGGED_IN),
    "password_change_done": Rule(LOGGED_IN),
    "password_reset": Rule(EVERYONE),
    "password_reset_done": Rule(EVERYONE),
    "password_reset_confirm": Rule(EVERYONE),  # a bad token shows "invalid link"
    "password_reset_complete": Rule(EVERYONE),
    # --- Single sign-on (revops_portal/sso.py): login-exempt; with SSO off (these settings) they
    # answer 404 to everyone. tests/portal/test_sso.py drives them against a loopback provider.
    "oidc_authentication_init": Rule(EVERYONE, 404),
    "oidc_authentication_callback": Rule(EVERYONE, 404),
    # --- Playbook ---
    "playbook:index": Rule(LOGGED_IN),
    "playbook:search": Rule(LOGGED_IN, query="?q=customer"),
    "playbook:section": Rule(LOGGED_IN),
    "playbook:history": Rule(LOGGED_IN),
    "playbook:diff": Rule(LOGGED_IN, query="?from=1&to=1"),
    "playbook:edit": Rule(SECTION_EDITORS),
    "playbook:preview": Rule(SECTION_EDITORS, 200, "POST", data=lambda: {"content": "**hi**"}),
    "playbook:upload": Rule(SECTION_EDITORS, 200, "POST", data=_image),
    "playbook:restore": Rule(SECTION_EDITORS, 302, "POST"),
    "playbook:review": Rule(SECTION_EDITORS, 302, "POST"),
    "playbook:owner": Rule(OWNER_ASSIGNERS),
    # Pages under a section: its owner and the champions add them and set their order.
    "playbook:new_page": Rule(SECTION_EDITORS),
    "playbook:move_page": Rule(SECTION_EDITORS, 302, "POST", data=_move_sample_page),
    # The living playbook (issue 12): anyone flags; the owner or a champion resolves; the
    # champions run the review queue and remind; everyone has their own /playbook/mine/.
    "playbook:flag": Rule(LOGGED_IN),
    "playbook:resolve_flag": Rule(SECTION_EDITORS, 302, "POST", data=lambda: {"note": "Done"}),
    "playbook:reviews": Rule(OWNER_ASSIGNERS),
    "playbook:mine": Rule(LOGGED_IN),
    "playbook:remind": Rule(OWNER_ASSIGNERS, 302, "POST"),
    "playbook:watch": Rule(LOGGED_IN, 302, "POST"),
    # The whole playbook: everyone prints; champions export (a Celery task) and download.
    "playbook:print": Rule(LOGGED_IN),
    "playbook:export": Rule(OWNER_ASSIGNERS, 302, "POST", data=lambda: {"kind": "markdown"}),
    "playbook:export_detail": Rule(OWNER_ASSIGNERS),  # the sample export has no requester
    "playbook:export_download": Rule(OWNER_ASSIGNERS),
    "playbook:reading": Rule(LOGGED_IN),
    "playbook:reading_coverage": Rule(OWNER_ASSIGNERS),  # the champions and managers
    "playbook:mark_read": Rule(LOGGED_IN, 302, "POST"),
    "playbook:assets": Rule(LOGGED_IN, query="?stage=decision&group=persona"),
    "playbook:asset_new": Rule(ASSET_MANAGERS),
    "playbook:asset_edit": Rule(ASSET_MANAGERS),
    "playbook:asset_delete": Rule(ASSET_MANAGERS, 302, "POST"),
    "playbook:asset_download": Rule(LOGGED_IN),
    # --- Metrics dashboards ---
    "metrics:scorecard": Rule(LOGGED_IN),
    "metrics:recompute": Rule(REVOPS_MANAGERS, 302, "POST"),
    "metrics:run_status": Rule(LOGGED_IN),
    "metrics:metric": Rule(LOGGED_IN),
    "metrics:metric_csv": Rule(LOGGED_IN),
    "metrics:metric_json": Rule(LOGGED_IN, query="?period=2017-06"),
    "metrics:records": Rule(LOGGED_IN, query="?period=2017-06"),
    "metrics:records_csv": Rule(LOGGED_IN, query="?period=2017-06"),
    # --- Data you can trust (metrics/data_views.py): everyone reads; managers check and accept ---
    "metrics:data": Rule(LOGGED_IN),
    "metrics:data_check": Rule(REVOPS_MANAGERS, 302, "POST"),
    "metrics:finding": Rule(LOGGED_IN),
    "metrics:finding_csv": Rule(LOGGED_IN),
    "metrics:finding_accept": Rule(REVOPS_MANAGERS, 302, "POST", data=lambda: {"note": "Known"}),
    "metrics:metric_owner": Rule(REVOPS_MANAGERS, 302, "POST", data=lambda: {"owner": ""}),
    # --- Metrics CRM imports ---
    "metrics:import_list": Rule(REVOPS_MANAGERS),
    "metrics:import_new": Rule(REVOPS_MANAGERS),
    "metrics:import_detail": Rule(SUPERUSERS),  # the sample job has no uploader
    "metrics:import_options": Rule(SUPERUSERS, 302, "POST"),  # the sample job has no uploader
    "metrics:import_status": Rule(SUPERUSERS),  # the sample job has no uploader
    "metrics:import_errors": Rule(SUPERUSERS),  # the sample job has no uploader
    # --- CRM connections (metrics/sync/views.py) ---
    "metrics:connection_list": Rule(REVOPS_MANAGERS),
    "metrics:connection_new": Rule(REVOPS_MANAGERS),
    "metrics:connection_detail": Rule(REVOPS_MANAGERS),
    "metrics:connection_edit": Rule(SUPERUSERS),  # the sample connection has no owner
    "metrics:connection_test": Rule(SUPERUSERS, 302, "POST"),  # a failure is a message
    "metrics:connection_sync": Rule(SUPERUSERS, 302, "POST"),
    # --- Weekly reviews (metrics/review_views.py) ---
    "reviews:list": Rule(LOGGED_IN),
    "reviews:open": Rule(REVIEW_EDITORS, 302, "POST"),
    # Everyone chooses for themselves whether to get the Monday e-mail.
    "reviews:email_choice": Rule(LOGGED_IN, 302, "POST", data=lambda: {"subscribed": "1"}),
    "reviews:detail": Rule(LOGGED_IN),
    "reviews:notes": Rule(REVIEW_EDITORS, 302, "POST", data=lambda: {"notes": "Thin pipeline"}),
    "reviews:decision": Rule(REVIEW_EDITORS, 302, "POST", data=lambda: {"text": "Hire"}),
    "reviews:item": Rule(REVIEW_EDITORS, 302, "POST", data=_action_item),
    "reviews:item_done": Rule(REVIEW_EDITORS, 302, "POST"),
    "reviews:decision_edit": Rule(REVIEW_EDITORS, 302, "POST", data=lambda: {"text": "Hire 2"}),
    "reviews:decision_delete": Rule(REVIEW_EDITORS, 302, "POST", data=_sample_decision_back),
    "reviews:item_edit": Rule(REVIEW_EDITORS, 302, "POST", data=_action_item_edit),
    "reviews:item_delete": Rule(REVIEW_EDITORS, 302, "POST", data=_sample_item_back),
    # --- Notifications (revops_portal/notifications): each user's own settings ---
    "notifications:settings": Rule(LOGGED_IN),
    # --- Profiles (revops_portal/profiles): the language switcher, on the log-in page too ---
    "profiles:language": Rule(EVERYONE, 302, "POST", data=lambda: {"language": "pl"}),
}


def project_routes(patterns=None, namespace="", params=()) -> dict[str, tuple[str, ...]]:
    """Every named route the resolver knows (outside EXCLUDED_NAMESPACES) → its parameter names."""
    routes = {}
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        names = params + tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            prefix = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes.update(project_routes(entry.url_patterns, prefix, names))
        elif entry.name:
            routes[namespace + entry.name] = names
    return routes


def test_every_route_of_the_project_has_exactly_one_rule():
    routes = set(project_routes())
    missing, stale = sorted(routes - set(ROUTES)), sorted(set(ROUTES) - routes)
    assert not missing, f"Routes without a rule in ROUTES (say who may use them): {missing}"
    assert not stale, f"Rules for routes that no longer exist: {stale}"


def make_personas() -> dict[str, User | None]:
    def user(username, **extra):
        return User.objects.create_user(username, f"{username}@example.com", "x" * 16, **extra)

    superuser = user("superuser", is_staff=True, is_superuser=True)
    owner, other_owner = user("owner"), user("other_owner")
    for slug, who in ((SAMPLE_SECTION, owner), ("products-and-services", other_owner)):
        section = Section.objects.get(slug=slug)
        playbook_services.assign_owner(section=section, owner=who, assigned_by=superuser)
    champion = user("champion", is_staff=True)
    champion.groups.add(Group.objects.get(name=CHAMPIONS_GROUP))
    revops_manager = user("revops_manager", is_staff=True)
    revops_manager.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_metricrun", "add_importjob"])
    )
    return {
        "anonymous": None,
        "reader": user("reader", is_staff=True),
        "owner": owner,
        "other_owner": other_owner,
        "champion": champion,
        "revops_manager": revops_manager,
        "superuser": superuser,
    }


@pytest.fixture
def sample_kwargs(db, settings, tmp_path) -> dict:
    """A value for every URL parameter name, pointing at rows and files that exist."""
    settings.MEDIA_ROOT = tmp_path / "media"
    stored = settings.MEDIA_ROOT / "playbook" / "uploads" / SAMPLE_IMAGE
    stored.parent.mkdir(parents=True)
    stored.write_bytes(png_bytes())
    job = ImportJob.objects.create(
        kind="accounts", file="imports/known.csv", original_name="known.csv", status="succeeded"
    )
    run = MetricRunFactory()
    review = WeeklyReview.objects.create(week=SAMPLE_REVIEW_WEEK, run=run)
    _sample_decision_back(), _sample_item_back()
    # No secrets stored: testing it says so and syncing it fails at once, without a CRM.
    connection = CrmConnection.objects.create(
        name="sample", crm="hubspot", auth="hubspot_token", kinds=["accounts"]
    )
    flag = Flag.objects.create(section=Section.objects.get(slug=SAMPLE_SECTION), comment="Old")
    for slug in SAMPLE_PAGES:
        playbook_pages.create_page(
            section=Section.objects.get(slug=SAMPLE_SECTION), title=slug, slug=slug, author=None
        )
    export = PlaybookExport.objects.create(kind="markdown", status="succeeded")
    export.file.save("sample.zip", ContentFile(b"PK"), save=True)
    default_storage.save("playbook/assets/sample.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    asset = Asset.objects.create(
        title="Case study", kind="case_study", stage="decision", file="playbook/assets/sample.pdf",
        file_name="case-study.pdf", file_type="application/pdf",
    )  # fmt: skip
    finding = DataFinding.objects.create(code="closed_before_created", title="t", explanation="e")
    return {
        "folder": "uploads",
        "name": SAMPLE_IMAGE,
        "slug": SAMPLE_SECTION,
        "number": 1,
        "key": "win_rate",
        "pk": run.pk,
        "job_id": job.pk,
        "uidb64": "MQ",
        "token": "not-a-valid-token",
        "week": review.week,
        "item_id": SAMPLE_ITEM_ID,
        "decision_id": SAMPLE_DECISION_ID,
        "connection_id": connection.pk,
        "flag_id": flag.pk,
        "export_id": export.pk,
        "asset_id": asset.pk,
        "code": finding.code,
    }


def url_of(name: str, sample_kwargs: dict) -> str:
    params = project_routes()[name]
    unknown = [p for p in params if p not in sample_kwargs]
    assert not unknown, f"{name}: add a sample value for {unknown} to sample_kwargs"
    return reverse(name, kwargs={p: sample_kwargs[p] for p in params})


def request_as(user, rule: Rule, url: str):
    client = Client()
    if user is not None:
        client.force_login(user)
    if rule.method == "POST":
        return client.post(url + rule.query, rule.data() if rule.data else {})
    return client.get(url + rule.query)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_each_persona_gets_the_stated_status(name, sample_kwargs):
    rule, url = ROUTES[name], url_of(name, sample_kwargs)
    personas = make_personas()
    got, sent_elsewhere = {}, []
    for persona in PERSONAS:
        response = request_as(personas[persona], rule, url)
        got[persona] = response.status_code
        refused_anonymous = persona == "anonymous" and persona not in rule.allowed
        if refused_anonymous and not response.get("Location", "").startswith("/accounts/login/"):
            sent_elsewhere.append(response.get("Location"))
    wrong = {
        p: f"got {got[p]}, expected {rule.expected(p)}"
        for p in PERSONAS
        if got[p] != rule.expected(p)
    }
    assert not wrong, f"{name}: {wrong}"
    assert not sent_elsewhere, f"{name}: anonymous visitor not sent to log in: {sent_elsewhere}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(n for n, rule in ROUTES.items() if rule.method == "POST"))
def test_routes_that_act_refuse_get(name, sample_kwargs):
    client = Client()
    client.force_login(make_personas()["superuser"])
    assert client.get(url_of(name, sample_kwargs)).status_code == 405
