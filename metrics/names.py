"""Match keys for spotting the same company typed twice: a normalised name and a website domain.

Stored on each account when it is written (`Account.set_match_keys`), so the data-quality check
groups accounts by them in the database (metrics/quality.py) instead of comparing names in Python.
"""

import unicodedata
from urllib.parse import urlsplit

from cleanco import basename

# Legal forms written before the name, as in Russian and other CIS registrations
# ("ООО «Ромашка»"). cleanco strips legal forms at the end of a name; stripping its whole term
# list at the start too would also eat real words ("AG Bank"), so only these are.
LEADING_LEGAL_FORMS = frozenset({"ооо", "оао", "зао", "пао", "ао", "ooo", "oao", "zao", "pao"})


def _words(text: str) -> list[str]:
    """Words without case or accents, punctuation and symbols (quotes, dots, commas, «») turned
    into spaces: "Müller-Lüdenscheidt" → ["muller", "ludenscheidt"]."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = (
        " " if unicodedata.category(char)[0] in "PSZ" else char
        for char in decomposed
        if unicodedata.category(char) != "Mn"  # the accents NFKD split off
    )
    return "".join(kept).split()


def normalised_company_name(name: str) -> str:
    """The name without case, accents, punctuation or legal form: "ACME, Inc." and "Acme Inc"
    → "acme"; "Acme Health" stays "acme health".

    Legal forms at the end (Inc, Ltd, GmbH, S.A., Sp. z o.o., SRL, ...) are cleanco's term list,
    matched before punctuation goes (its terms carry their dots); those written first are
    LEADING_LEGAL_FORMS. A name that is nothing but a legal form keeps its words rather than
    becoming empty; an empty name gives "" (never a duplicate of anything).
    """
    text = unicodedata.normalize("NFKC", name).casefold().strip()
    words = _words(basename(text)) if text else []
    while len(words) > 1 and words[0] in LEADING_LEGAL_FORMS:
        words = words[1:]
    return " ".join(words) or " ".join(_words(text))


def website_domain(website: str) -> str:
    """The host of a website, lower-case, without "www.", scheme, port or path: empty if none.

    "https://WWW.Acme.com/about" and "acme.com" → "acme.com".
    """
    text = website.strip().casefold()
    if not text:
        return ""
    if "//" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    host = host.rstrip(".")
    return host.removeprefix("www.") if "." in host.removeprefix("www.") else host
