"""Demo data for the playbook: users, owners, revisions from ``playbook/demo/``.

Content format (written by hand, see ``playbook/demo/``)::

    playbook/demo/<slug>/<NN>-<username>.md   NN orders the files; username is the author
        first line:  <!-- change: <change note> -->
        the rest:    the Markdown body (the section title stays the section's title)
    playbook/demo/<slug>/pages.json           the section's pages, in order: slug, title,
                                              owner (a demo username, or null: the section's)
    playbook/demo/<slug>/pages/<page-slug>/<NN>-<username>.md   a page's revisions, as above

Diagrams are Mermaid source in the bodies (```mermaid blocks), so the champion edits them.

Idempotent: users are found by username, owners only reassigned when they differ,
and a file whose revision (same author, change note and body) exists is skipped.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from . import asset_library, pages, services
from .models import Asset, MetricLink, Reader, ReadingPath, ReadingPathStep, Revision, Section
from .permissions import CHAMPIONS_GROUP

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - documented demo password, DEBUG only
FILE_NAME = re.compile(r"^(?P<order>\d+)-(?P<username>[\w.@+-]+)\.md$")
CHANGE_LINE = re.compile(r"^<!--\s*change:\s*(?P<note>.*?)\s*-->\s*$")

USERS = [
    # username, first, last, staff, superuser, champion
    ("champion", "Avery", "Lindqvist", True, False, True),
    ("marketing", "Jordan", "Okafor", False, False, False),
    ("sales", "Priya", "Raman", False, False, False),
    ("cs", "Mateo", "Alvarez", False, False, False),
    ("reader", "Sam", "Whitfield", True, False, False),
    ("manager", "Dana", "Kowalski", True, True, False),
]
OWNERS = {
    "revops-overview": "champion",
    "company-essentials": "marketing",
    "target-audience": "marketing",
    "products-and-services": "sales",
    "content-assets": "marketing",
    "roles-and-responsibilities": "champion",
    "tech-stack": "champion",
    "processes-and-workflows": "sales",
    "success-metrics": "champion",
    "tone-of-voice": "cs",
}
# Days since the last review, so the table of contents shows every review state.
DEMO_REVIEW_AGES = {
    "tone-of-voice": 120,
    "processes-and-workflows": 80,
    "content-assets": 95,
    "renewal": 84,
}
DEFAULT_REVIEW_AGE = 20
# Metrics sections depend on (default thresholds): a move makes them due (metric_reviews).
DEMO_METRIC_LINKS = {
    "processes-and-workflows": ["win_rate", "sales_cycle_days"],
    "target-audience": ["customer_churn_rate"],
    "products-and-services": ["avg_deal_size"],
}
# Days between two demo revisions of a section, so the history reads like months of use.
DEMO_REVISION_SPACING = 23


class DemoContentError(Exception):
    pass


@dataclass
class SeedReport:
    users_created: list[str] = field(default_factory=list)
    owners_assigned: list[str] = field(default_factory=list)
    revisions_added: list[str] = field(default_factory=list)
    revisions_skipped: int = 0
    pages_added: list[str] = field(default_factory=list)
    assets_added: int = 0
    reviews_set: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"Users created: {', '.join(self.users_created) or 'none (all existed)'}",
            f"Owners assigned: {', '.join(self.owners_assigned) or 'none (all already set)'}",
            f"Revisions added: {len(self.revisions_added)}"
            + (f" ({', '.join(self.revisions_added)})" if self.revisions_added else ""),
            f"Revisions already present, skipped: {self.revisions_skipped}",
            f"Pages added: {', '.join(self.pages_added) or 'none (all existed)'}",
            f"Content assets added: {self.assets_added}",
            f"Review dates set: {', '.join(self.reviews_set) or 'none (already reviewed)'}",
        ]


@dataclass
class DemoFile:
    slug: str
    order: int
    username: str
    change_note: str
    body: str
    path: Path


def _document_folders(content_dir: Path) -> list[Path]:
    """Each section's folder, and each of its pages' folders (``<slug>/pages/<page-slug>``)."""
    folders = []
    for section_dir in sorted(p for p in content_dir.iterdir() if p.is_dir()):
        folders.append(section_dir)
        if (section_dir / "pages").is_dir():
            folders += sorted(p for p in (section_dir / "pages").iterdir() if p.is_dir())
    return folders


def read_demo_files(content_dir: Path) -> list[DemoFile]:
    """Every ``<slug>/<NN>-<username>.md`` under ``content_dir`` (and every page's), in slug
    then NN order."""
    files = []
    for section_dir in _document_folders(content_dir):
        for path in sorted(section_dir.glob("*.md")):
            match = FILE_NAME.match(path.name)
            if not match:
                raise DemoContentError(f"{path}: name must be <NN>-<username>.md")
            first, _, body = path.read_text(encoding="utf-8").partition("\n")
            change = CHANGE_LINE.match(first.strip())
            if not change:
                raise DemoContentError(f"{path}: first line must be <!-- change: ... -->")
            files.append(
                DemoFile(
                    slug=section_dir.name,
                    order=int(match["order"]),
                    username=match["username"],
                    change_note=change["note"],
                    body=body.strip("\n") + "\n",
                    path=path,
                )
            )
    files.sort(key=lambda f: (f.slug, f.order))
    return files


def _ensure_users(report: SeedReport) -> dict:
    User = get_user_model()
    champions = Group.objects.get(name=CHAMPIONS_GROUP)
    users = {}
    for username, first, last, staff, superuser, champion in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email=f"{username}@example.com")
            user.set_password(DEMO_PASSWORD)
            report.users_created.append(username)
        user.first_name, user.last_name = first, last
        user.is_staff, user.is_superuser, user.is_active = staff, superuser, True
        user.full_clean()
        user.save()
        if champion:
            user.groups.add(champions)
        users[username] = user
    return users


def _spread_over_time(sections: dict, added: dict[str, list[Revision]]) -> None:
    """Date the demo revisions weeks apart (and revision 1 before them), newest a few days ago.

    Demo data only: revisions are immutable through save(), so this uses update() on purpose.
    """
    now = timezone.now()
    for slug, revisions in added.items():
        position = sections[slug].position
        newest = now - timedelta(days=position % 5 + 1, hours=position)
        dated = [(r.pk, newest - timedelta(days=DEMO_REVISION_SPACING * i)) for i, r in
                 enumerate(reversed(revisions))]  # fmt: skip
        first = Revision.objects.filter(section_id=sections[slug].pk, number=1)
        dated.append(
            (first.values_list("pk", flat=True).first(), dated[-1][1] - timedelta(days=30))
        )
        for pk, created_at in dated:
            Revision.objects.filter(pk=pk).update(created_at=created_at)


# Onboarding paths by role: the sections and pages each reads, in order; the demo reader is a
# new SDR. A slug the content folder has no page for is left out.
DEMO_READING_PATHS = {
    "SDR": ["revops-overview", "company-essentials", "target-audience", "tone-of-voice",
            "processes-and-workflows", "lead-capture", "qualification-and-routing"],
    "Account executive": ["company-essentials", "target-audience", "products-and-services",
                          "processes-and-workflows", "qualification-and-routing",
                          "handoff-to-cs", "success-metrics"],
    "Customer success manager": ["company-essentials", "products-and-services",
                                 "processes-and-workflows", "handoff-to-cs", "renewal",
                                 "tone-of-voice"],
    "Marketing ops": ["revops-overview", "target-audience", "content-assets", "tech-stack",
                      "success-metrics"],
}  # fmt: skip
DEMO_NEW_HIRE = ("reader", "SDR")


def _seed_reading_paths(sections: dict, users: dict) -> None:
    for name, slugs in DEMO_READING_PATHS.items():
        path, created = ReadingPath.objects.get_or_create(name=name)
        if created:
            ReadingPathStep.objects.bulk_create(
                ReadingPathStep(path=path, section=sections[slug], position=position)
                for position, slug in enumerate(s for s in slugs if s in sections)
            )
    username, path_name = DEMO_NEW_HIRE
    Reader.objects.get_or_create(
        user=users[username], defaults={"path": ReadingPath.objects.get(name=path_name)}
    )


def _seed_pages(content_dir: Path, sections: dict, users: dict, report: SeedReport) -> None:
    """The pages each ``<slug>/pages.json`` lists, in its order, with their own owners."""
    for section_dir in sorted(p for p in content_dir.iterdir() if p.is_dir()):
        listing = section_dir / "pages.json"
        if not listing.is_file():
            continue
        for entry in json.loads(listing.read_text(encoding="utf-8")):
            page = sections.get(entry["slug"])
            if page is None:
                page = pages.create_page(
                    section=sections[section_dir.name], title=entry["title"],
                    slug=entry["slug"], author=None,
                )  # fmt: skip
                sections[page.slug] = page
                report.pages_added.append(page.slug)
            owner = users[entry["owner"]] if entry["owner"] else None
            if owner is not None and page.owner_id != owner.pk:
                services.assign_owner(section=page, owner=owner, assigned_by=users["manager"])
                report.owners_assigned.append(f"{page.slug} → {entry['owner']}")


DEMO_ASSET_LINK = "https://www.example.com/northwind/{}"


def _seed_assets(content_dir: Path, owner, report: SeedReport) -> None:
    """The content-asset library from ``assets.json`` (links to example.com), by title."""
    listing = content_dir / "assets.json"
    if not listing.is_file():
        return
    existing = set(Asset.objects.values_list("title", flat=True))
    for entry in json.loads(listing.read_text(encoding="utf-8")):
        if entry["title"] in existing:
            continue
        slug = re.sub(r"[^a-z0-9]+", "-", entry["title"].lower()).strip("-")
        asset = Asset(
            title=entry["title"], summary=entry["summary"], kind=entry["kind"],
            stage=entry["stage"], link=DEMO_ASSET_LINK.format(slug), owner=owner,
            last_reviewed_on=timezone.localdate() - timedelta(days=40),
        )  # fmt: skip
        asset_library.save_asset(
            asset=asset, personas=entry["personas"], pain_points=entry["pain_points"]
        )
        report.assets_added += 1


@transaction.atomic
def seed_playbook(*, content_dir: Path = DEMO_DIR) -> SeedReport:
    report = SeedReport()
    users = _ensure_users(report)
    manager = users["manager"]
    sections = {s.slug: s for s in Section.objects.select_related("owner", "current_revision")}

    for slug, username in OWNERS.items():
        section = sections[slug]
        if section.owner_id != users[username].pk:
            services.assign_owner(section=section, owner=users[username], assigned_by=manager)
            report.owners_assigned.append(f"{slug} → {username}")

    if content_dir.is_dir():
        _seed_pages(content_dir, sections, users, report)
    demo_files = read_demo_files(content_dir) if content_dir.is_dir() else []
    added: dict[str, list[Revision]] = {}
    for demo in demo_files:
        section = sections.get(demo.slug)
        if section is None:
            raise DemoContentError(f"{demo.path}: no section or page with slug {demo.slug!r}")
        author = users.get(demo.username)
        if author is None:
            raise DemoContentError(f"{demo.path}: unknown demo user {demo.username!r}")
        exists = Revision.objects.filter(
            section=section, author=author, change_note=demo.change_note, body=demo.body
        ).exists()
        if exists:
            report.revisions_skipped += 1
            continue
        section.refresh_from_db()
        revision = services.save_revision(
            section=section,
            author=author,
            title=section.title,
            body=demo.body,
            change_note=demo.change_note,
            base_number=section.current_number,
        )
        report.revisions_added.append(f"{demo.slug} #{revision.number}")
        added.setdefault(demo.slug, []).append(revision)
    _spread_over_time(sections, added)

    now = timezone.now()
    for slug, section in sections.items():
        section.refresh_from_db()
        if section.last_reviewed_at is None:
            age = DEMO_REVIEW_AGES.get(slug, DEFAULT_REVIEW_AGE)
            section.last_reviewed_at = now - timedelta(days=age)
            section.last_reviewed_by = section.owner
            section.save(update_fields=["last_reviewed_at", "last_reviewed_by"])
            report.reviews_set.append(f"{slug} ({age} days ago)")
    _seed_assets(content_dir, users["marketing"], report)
    _seed_reading_paths(sections, users)

    for slug, keys in DEMO_METRIC_LINKS.items():
        for key in keys:
            MetricLink.objects.get_or_create(section=sections[slug], metric_key=key)

    return report
