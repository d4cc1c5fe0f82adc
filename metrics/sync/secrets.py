"""A connection's secrets (tokens, passwords, private keys), encrypted at rest with Fernet.

The key comes from CRM_SECRETS_KEY (one Fernet key, or several comma-separated: the first
encrypts, any decrypts, so a key can be rotated). The portal starts without it; a missing key is
an error only where a secret must be read or written (a connection exists: see checks.py).
Secrets are never put in a page, a log line or an error message (`redact` scrubs them).
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MISSING_KEY = gettext_lazy(
    "CRM_SECRETS_KEY is not set: CRM connections keep their secrets encrypted with it. Generate "
    "one with `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key()"
    ".decode())'` and set it in the environment (.env)."
)


class SecretsUnavailable(ImproperlyConfigured):
    """No key, a malformed key, or a key that did not encrypt the stored secrets."""


def _cipher() -> MultiFernet:
    keys = [key.strip() for key in (settings.CRM_SECRETS_KEY or "").split(",") if key.strip()]
    if not keys:
        raise SecretsUnavailable(str(MISSING_KEY))
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise SecretsUnavailable(
            _("CRM_SECRETS_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes).")
        ) from None


def encrypt(secrets: dict[str, str]) -> str:
    return _cipher().encrypt(json.dumps(secrets).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(_cipher().decrypt(token.encode()))
    except InvalidToken:
        raise SecretsUnavailable(
            _(
                "The connection's secrets cannot be decrypted with CRM_SECRETS_KEY (was the key "
                "changed? keep the old key after the new one, comma-separated, until every "
                "connection was saved again)."
            )
        ) from None


def redact(text: str, secrets: dict[str, str]) -> str:
    """The text with every secret value (and its longer lines, e.g. of a private key) blanked."""
    for value in secrets.values():
        for part in [value, *value.splitlines()]:
            part = part.strip()
            if len(part) >= 4:
                text = text.replace(part, "[secret]")
    return text
