"""The translation catalogues (locale/<lang>/LC_MESSAGES/django.po) are complete and current:
every message the code marks is in them, translated, with every plural form the language
has and the same placeholders; and the compiled .mo files Django reads say the same."""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
LOCALE = Path(settings.BASE_DIR) / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{\w*\}")
# What makemessages reads: the project's code and templates (as bin/test and the catalogues).
SOURCES = ("manage.py", "revops_portal", "playbook", "metrics", "templates")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def nplurals(po: polib.POFile) -> int:
    return int(re.search(r"nplurals\s*=\s*(\d+)", po.metadata["Plural-Forms"]).group(1))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set:
    """The messages the code marks today: makemessages over a copy of the sources."""
    root = tmp_path_factory.mktemp("sources")
    base = Path(settings.BASE_DIR)
    for name in SOURCES:
        source = base / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, root / name)
    (root / "locale").mkdir()
    with override_settings(LOCALE_PATHS=[root / "locale"]), pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        call_command("makemessages", locale=["pl"], verbosity=0)
    po = polib.pofile(str(root / "locale" / "pl" / "LC_MESSAGES" / "django.po"))
    return {(entry.msgctxt, entry.msgid) for entry in po}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_holds_every_message_the_code_marks(language, extracted):
    held = {(entry.msgctxt, entry.msgid) for entry in catalogue(language) if not entry.obsolete}
    missing = sorted(msgid for _context, msgid in extracted - held)
    stale = sorted(msgid for _context, msgid in held - extracted)
    assert not missing, f"{language}: run makemessages and translate: {missing[:20]}"
    assert not stale, f"{language}: messages no code uses any more: {stale[:20]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_all_its_plural_forms(language):
    po = catalogue(language)
    forms = nplurals(po)
    untranslated, fuzzy, short_plurals = [], [], []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            fuzzy.append(entry.msgid)
        if entry.msgid_plural:
            texts = [entry.msgstr_plural.get(i, "") for i in range(forms)]
            if not all(texts):
                short_plurals.append(entry.msgid)
        elif not entry.msgstr:
            untranslated.append(entry.msgid)
    assert not untranslated, f"{language}: untranslated: {untranslated[:20]}"
    assert not fuzzy, f"{language}: fuzzy (check and clear the flag): {fuzzy[:20]}"
    assert not short_plurals, f"{language}: plural forms missing ({forms} needed): {short_plurals}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_their_message(language):
    wrong = []
    for entry in catalogue(language):
        if entry.obsolete:
            continue
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        texts = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            # A plural form may leave the count out ("один файл"), never add or rename one.
            got = sorted(PLACEHOLDER.findall(text))
            if not set(got) <= set(wanted) or (not entry.msgid_plural and got != wanted):
                wrong.append((entry.msgid, text))
    assert not wrong, f"{language}: placeholders differ: {wrong[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_current_one(language):
    """Django reads the .mo: it must say what the .po says (compilemessages after each edit)."""
    po = catalogue(language)
    compiled = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))

    def pairs(entries):
        return {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in entries
            if e.msgid
        }

    translated = [e for e in po if e.translated()]  # the .mo holds only these
    assert pairs(compiled) == pairs(translated)
