"""A test's own small translation catalogue, compiled to .mo for the languages it names.

Tests of *which* language a text is written in use it, so they do not depend on the project's
catalogues (built from locale/_incoming by the lead) and fail on a renamed msgid."""

from pathlib import Path

import polib

PLURAL_FORMS = {
    "pl": "nplurals=4; plural=(n==1 ? 0 : (n%10>=2 && n%10<=4) && (n%100<12 || n%100>14) ? 1 : "
    "n!=1 && (n%10>=0 && n%10<=1) || (n%10>=5 && n%10<=9) || (n%100>=12 && n%100<=14) ? 2 : 3);",
    "ro": "nplurals=3; plural=(n==1 ? 0 : (n==0 || (n%100>0 && n%100<20)) ? 1 : 2);",
    "ru": "nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || "
    "n%100>14) ? 1 : n%10==0 || (n%10>=5 && n%10<=9) || (n%100>=11 && n%100<=14)? 2 : 3);",
    "fa": "nplurals=2; plural=(n > 1);",
}


def _entry(key, translation) -> polib.MOEntry:
    """key: msgid, (msgctxt, msgid) or (msgid, msgid_plural) with a list of forms."""
    if isinstance(translation, list):
        msgid, plural = key
        forms = dict(enumerate(translation))
        return polib.MOEntry(msgid=msgid, msgid_plural=plural, msgstr_plural=forms)
    if isinstance(key, tuple):
        context, msgid = key
        return polib.MOEntry(msgctxt=context, msgid=msgid, msgstr=translation)
    return polib.MOEntry(msgid=key, msgstr=translation)


def compiled_catalogue(settings, directory: Path, translations: dict[str, dict]) -> None:
    """Compile {language: {key: translation}} under ``directory`` and make it the project's
    catalogue for this test (Django drops its cached catalogues when LOCALE_PATHS changes)."""
    for language, entries in translations.items():
        catalogue = polib.MOFile()
        catalogue.metadata = {
            "Content-Type": "text/plain; charset=UTF-8",
            "Plural-Forms": PLURAL_FORMS[language],
        }
        catalogue.extend(_entry(key, text) for key, text in entries.items())
        folder = directory / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        catalogue.save(str(folder / "django.mo"))
    settings.LOCALE_PATHS = [directory]
