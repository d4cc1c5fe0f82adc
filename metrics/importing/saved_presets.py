"""Named mappings saved by RevOps managers (ImportPreset), usable as a preset by name.

A saved preset is a mapping (and stage→status map, date order) for one kind of file; it reads the
file as the generic preset does with that mapping. Options given beside it (--map,
--status-from-stage, --date-order) override what it saved.
"""

from __future__ import annotations

from dataclasses import replace

from django.core.exceptions import PermissionDenied
from django.utils.text import slugify

from metrics.models import ImportPreset
from metrics.permissions import can_import

from .errors import ImportFileError
from .options import ImportOptions
from .presets import PRESETS


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
        raise ImportFileError(f"Unknown preset “{name}”: use one of {known}.")
    if saved.kind != options.kind:
        raise ImportFileError(f"The preset “{name}” is for {saved.kind}, not {options.kind}.")
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
            f"“{name}” cannot name a preset: use letters, digits and dashes, not "
            f"{', '.join(PRESETS)}."
        )
    preset, _ = ImportPreset.objects.update_or_create(
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
