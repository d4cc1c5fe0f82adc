"""Start-up check: CRM connections exist but CRM_SECRETS_KEY is not set (or is malformed)."""

from django.core.checks import Error, register
from django.db import DatabaseError

from . import secrets


@register()
def secrets_key_present(app_configs=None, **kwargs):
    from .models import CrmConnection

    try:
        if not CrmConnection.objects.exclude(secrets_encrypted="").exists():
            return []
    except DatabaseError:
        return []  # no table yet (before migrate): no connection either
    try:
        secrets._cipher()
    except secrets.SecretsUnavailable as exc:
        return [Error(str(exc), id="metrics.E101")]
    return []
