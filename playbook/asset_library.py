"""The content-asset library (section 5): filtered and grouped reads in a fixed number of queries,
and the writes (a link or a privately stored file, persona and pain-point tags).

Callers check ``permissions.can_manage_assets`` before writing.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .asset_files import delete_asset_file, store_asset_file
from .models import Asset, AssetKind, AssetStage, AssetTag

GROUPINGS = {
    "stage": _("Funnel stage"),
    "kind": _("Type"),
    "persona": _("Persona"),
    "pain_point": _("Pain point"),
}
# The last group of a list grouped by tags: the assets without one.
UNTAGGED = {"persona": _("No persona"), "pain_point": _("No pain point")}
SEARCH_MAX_CHARS = 200
SEARCH_MAX_TERMS = 8
TAG_MAX_CHARS = 80
MAX_TAGS = 12  # per kind, per asset


class BadFilter(ValueError):
    """A filter value the library does not know; the message is safe to show."""


@dataclass(frozen=True)
class AssetFilters:
    stage: str = ""
    kind: str = ""
    persona: str = ""
    pain_point: str = ""
    query: str = ""
    group: str = "stage"

    @property
    def active(self) -> bool:
        return any((self.stage, self.kind, self.persona, self.pain_point, self.query))


def _choice(params: Mapping[str, str], name: str, allowed) -> str:
    value = params.get(name, "").strip()
    if value and value not in allowed:
        raise BadFilter(
            gettext("Unknown %(name)s “%(value)s”: use one of %(allowed)s.")
            % {"name": name, "value": value[:40], "allowed": ", ".join(allowed)}
        )
    return value


def _bounded(params: Mapping[str, str], name: str, limit: int) -> str:
    value = params.get(name, "").strip()
    if len(value) > limit:
        raise BadFilter(
            ngettext(
                "%(name)s is longer than %(count)s character.",
                "%(name)s is longer than %(count)s characters.",
                limit,
            )
            % {"name": name, "count": limit}
        )
    return value


def parse_filters(params: Mapping[str, str]) -> AssetFilters:
    """Filters from a query string (or shortcode arguments); unknown values raise BadFilter."""
    return AssetFilters(
        stage=_choice(params, "stage", AssetStage.values),
        kind=_choice(params, "kind", AssetKind.values),
        persona=_bounded(params, "persona", TAG_MAX_CHARS),
        pain_point=_bounded(params, "pain_point", TAG_MAX_CHARS),
        query=_bounded(params, "q", SEARCH_MAX_CHARS),
        group=_choice(params, "group", GROUPINGS) or "stage",
    )


def _tagged(kind: str, name: str) -> Q:
    through = Asset.tags.through.objects.filter(assettag__kind=kind, assettag__name__iexact=name)
    return Q(pk__in=through.values("asset_id"))


def _assets(filters: AssetFilters) -> QuerySet[Asset]:
    assets = Asset.objects.select_related("owner").prefetch_related("tags")
    if filters.stage:
        assets = assets.filter(stage=filters.stage)
    if filters.kind:
        assets = assets.filter(kind=filters.kind)
    if filters.persona:
        assets = assets.filter(_tagged(AssetTag.Kind.PERSONA, filters.persona))
    if filters.pain_point:
        assets = assets.filter(_tagged(AssetTag.Kind.PAIN_POINT, filters.pain_point))
    for term in filters.query.split()[:SEARCH_MAX_TERMS]:
        by_tag = Asset.tags.through.objects.filter(assettag__name__icontains=term)
        assets = assets.filter(
            Q(title__icontains=term)
            | Q(summary__icontains=term)
            | Q(pk__in=by_tag.values("asset_id"))
        )
    return assets.order_by("title", "pk")


@dataclass
class AssetGroup:
    label: str
    assets: list[Asset] = field(default_factory=list)


def _tag_names(asset: Asset, kind: str) -> list[str]:
    return sorted(tag.name for tag in asset.tags.all() if tag.kind == kind)  # prefetched


def grouped_assets(filters: AssetFilters) -> list[AssetGroup]:
    """The assets matching ``filters`` in groups (two queries, however many assets): by stage
    or type in their own order, by persona or pain point alphabetically (an asset with two
    personas is in both groups; one with none in a last group)."""
    assets = list(_assets(filters))
    if filters.group in ("stage", "kind"):
        choices = AssetStage if filters.group == "stage" else AssetKind
        groups = {value: AssetGroup(label) for value, label in choices.choices}
        for asset in assets:
            groups[getattr(asset, filters.group)].assets.append(asset)
        return [group for group in groups.values() if group.assets]
    by_name: dict[str, AssetGroup] = {}
    untagged = AssetGroup(str(UNTAGGED[filters.group]))
    for asset in assets:
        names = _tag_names(asset, filters.group)
        for name in names:
            by_name.setdefault(name.casefold(), AssetGroup(name)).assets.append(asset)
        if not names:
            untagged.assets.append(asset)
    groups = [by_name[key] for key in sorted(by_name)]
    return groups + ([untagged] if untagged.assets else [])


def tag_options() -> dict[str, list[str]]:
    """Every persona and pain point in use or defined, for the filter menus (one query)."""
    options: dict[str, list[str]] = {kind: [] for kind in AssetTag.Kind.values}
    for kind, name in AssetTag.objects.order_by("kind", "name").values_list("kind", "name"):
        options[kind].append(name)
    return options


def parse_tag_names(text: str) -> list[str]:
    """'Controller, CFO,controller' → ['Controller', 'CFO']: trimmed, distinct, bounded."""
    names: dict[str, str] = {}
    for part in (text or "").split(","):
        name = " ".join(part.split())[:TAG_MAX_CHARS]
        if name and name.casefold() not in names:
            names[name.casefold()] = name
    return list(names.values())[:MAX_TAGS]


def _tags(kind: str, names: list[str]) -> list[AssetTag]:
    existing = {t.name.casefold(): t for t in AssetTag.objects.filter(kind=kind, name__in=names)}
    missing = [AssetTag(kind=kind, name=n) for n in names if n.casefold() not in existing]
    AssetTag.objects.bulk_create(missing, ignore_conflicts=True)
    return list(AssetTag.objects.filter(kind=kind, name__in=names))


def save_asset(*, asset: Asset, personas: list[str], pain_points: list[str], upload=None) -> Asset:
    """Save ``asset`` (new or changed) with its tags; an ``upload`` replaces its link or file,
    a link replaces its file. Raises AssetFileRejected (and writes nothing) for a bad file."""
    stored = store_asset_file(upload) if upload is not None else None
    previous_file = (
        Asset.objects.filter(pk=asset.pk).values_list("file", flat=True).first() if asset.pk else ""
    )
    if stored:
        asset.file.name, asset.file_name, asset.file_type = (
            stored.name, stored.download_name, stored.content_type,
        )  # fmt: skip
        asset.link = ""
    elif asset.link:
        asset.file.name, asset.file_name, asset.file_type = "", "", ""
    try:
        with transaction.atomic():
            asset.full_clean()
            asset.save()
            asset.tags.set(
                _tags(AssetTag.Kind.PERSONA, personas)
                + _tags(AssetTag.Kind.PAIN_POINT, pain_points)
            )
    except Exception:
        if stored:
            delete_asset_file(stored.name)
        raise
    if previous_file and previous_file != asset.file.name:
        transaction.on_commit(lambda: delete_asset_file(previous_file))
    return asset


def delete_asset(*, asset: Asset) -> None:
    name = asset.file.name
    with transaction.atomic():
        asset.delete()
        transaction.on_commit(lambda: delete_asset_file(name))
