"""Named mappings saved by RevOps managers (ImportPreset), usable as a preset by name.

A saved preset is a mapping (and stage→status map, date order) for one kind of file; it reads the
file as the generic preset does with that mapping. Options given beside it (--map,
--status-from-stage, --date-order) override what it saved.
"""

from __future__ import annotations

from dataclasses import replace

from django.core.exceptions import PermissionDenied
from django.utils.text import slugify
from django.utils.translation import gettext as _

from metrics.models import ImportPreset
from metrics.permissions import can_import

from .errors import ImportFileError
from .options import ImportOptions
from .presets import PRESETS
from .schema import kind_label


def saved_preset_names(kind: str | None = None) -> list[str]:
    presets = ImportPreset.objects.all()
    if kind:
        presets = presets.filter(kind=kind)
    return list(presets.values_list("name", flat=True))


def options_with_preset(name: str, options: ImportOptions) -> ImportOptions:
    """`options` (read with the generic preset) completed by the saved preset called `name`."""
    saved = ImportPreset.objects.filter(name=name).first()
    if saved is None:
        known = ", ".join([*PRESETS, *saved_preset_names()])
        raise ImportFileError(
            _("Unknown preset “%(preset)s”: use one of %(presets)s.")
            % {"preset": name, "presets": known}
        )
    if saved.kind != options.kind:
        raise ImportFileError(
            _("The preset “%(preset)s” is for %(saved)s, not %(kind)s.")
            % {"preset": name, "saved": kind_label(saved.kind), "kind": kind_label(options.kind)}
        )
    return replace(
        options,
        preset="generic",
        mapping={**saved.mapping, **options.mapping},
        status_map={**saved.status_map, **options.status_map},
        date_order=options.date_order or saved.date_order,
    )


def save_preset(*, name: str, options: ImportOptions, saved_by) -> ImportPreset:
    """Save (or replace) a named preset from the options of an import. Managers only."""
    if not can_import(saved_by):
        raise PermissionDenied
    slug = slugify(name)[:40]
    if not slug or slug in PRESETS:
        raise ImportFileError(
            _("“%(name)s” cannot name a preset: use letters, digits and dashes, not %(presets)s.")
            % {"name": name, "presets": ", ".join(PRESETS)}
        )
    preset, _created = ImportPreset.objects.update_or_create(
        name=slug,
        defaults={
            "kind": options.kind,
            "mapping": options.mapping,
            "status_map": options.status_map,
            "date_order": options.date_order,
            "created_by": saved_by,
        },
    )
    return preset
