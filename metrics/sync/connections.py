"""CRM connections: saved with their secrets encrypted, "Test connection", what each kind reads."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from metrics.importing import parsing
from metrics.importing.columns import MissingColumns
from metrics.importing.decoding import Table
from metrics.importing.errors import ImportFileError
from metrics.importing.options import ImportOptions
from metrics.importing.schema import kind_label

from . import secrets as secret_store
from .clients import CredentialsRefused, CrmError, client_for
from .kinds import SYNC_ORDER, KindSource, kind_source
from .models import CrmConnection, SyncRun

# The secrets each way of signing in needs (stored encrypted, never shown again).
SECRET_FIELDS = {
    CrmConnection.Auth.HUBSPOT_TOKEN: ("access_token",),
    CrmConnection.Auth.SF_CLIENT_CREDENTIALS: ("client_secret",),
    CrmConnection.Auth.SF_JWT: ("private_key",),
    CrmConnection.Auth.SF_PASSWORD: ("password", "security_token"),
}
NO_CREDENTIALS = gettext_lazy("The connection has no credentials yet: edit it and enter them.")


def connection_secrets(connection: CrmConnection) -> dict[str, str]:
    """Raises secrets.SecretsUnavailable without a (the right) CRM_SECRETS_KEY."""
    return secret_store.decrypt(connection.secrets_encrypted)


@sensitive_variables("new_secrets", "stored", "merged")
@transaction.atomic
def save_connection(*, connection: CrmConnection, new_secrets: dict[str, str]) -> CrmConnection:
    """Save the connection; a secret left blank keeps the stored one. Secrets of another way of
    signing in are dropped. Raises SecretsUnavailable without CRM_SECRETS_KEY."""
    wanted = SECRET_FIELDS[connection.auth]
    stored = connection_secrets(connection) if connection.secrets_encrypted else {}
    merged = {
        name: new_secrets.get(name) or stored.get(name, "")
        for name in wanted
        if new_secrets.get(name) or stored.get(name)
    }
    connection.secrets_encrypted = secret_store.encrypt(merged)
    connection.secret_names = sorted(merged)
    connection.full_clean()
    connection.save()
    return connection


def missing_secrets(connection: CrmConnection) -> list[str]:
    wanted = SECRET_FIELDS.get(connection.auth, ())
    return [name for name in wanted if name not in connection.secret_names]


@dataclass(frozen=True)
class CheckLine:
    kind: str
    ok: bool
    text: str


def test_connection(*, connection: CrmConnection) -> list[CheckLine]:
    """What the connection can read: each kind's record count in the CRM, or why not."""
    if missing_secrets(connection):
        return [CheckLine("", False, str(NO_CREDENTIALS))]
    try:
        client = client_for(connection, connection_secrets(connection))
    except (secret_store.SecretsUnavailable, CrmError) as exc:
        return [CheckLine("", False, str(exc))]
    lines = []
    for kind in kinds_to_sync(connection, ()):
        source = kind_source_of(connection, kind)
        try:
            count = client.count(source)
        except CrmError as exc:
            lines.append(CheckLine(kind, False, str(exc)))
            if isinstance(exc, CredentialsRefused):
                break
        else:
            lines.append(
                CheckLine(
                    kind,
                    True,
                    _("can read %(count)s %(object)s")
                    % {"count": count, "object": source.object_name},
                )
            )
    return lines


def kinds_to_sync(connection: CrmConnection, asked) -> list[str]:
    chosen = set(asked or connection.kinds)
    return [kind for kind in SYNC_ORDER if kind in chosen and kind in connection.kinds]


def kind_source_of(connection: CrmConnection, kind: str) -> KindSource:
    return kind_source(connection.crm, kind, (connection.mapping or {}).get(kind))


def mapping_problem(crm: str, kind: str, mapping: dict[str, str]) -> str:
    """Why the kind cannot be read with this mapping (a required field unmapped), or ""."""
    source = kind_source(crm, kind, mapping)
    options = ImportOptions(kind=kind, preset=crm, mapping=dict(source.properties))
    try:
        parsing.parse_table(Table(source.columns, [], ",", "utf-8"), options)
    except MissingColumns as exc:  # worded without the file's columns: a CRM has no file
        return _("Missing required column(s) for %(kind)s: %(missing)s.") % {
            "kind": kind_label(exc.kind),
            "missing": ", ".join(exc.missing),
        }
    except ImportFileError as exc:
        return str(exc)
    return ""


def import_options(connection: CrmConnection, source: KindSource) -> ImportOptions:
    return ImportOptions(
        kind=source.kind,
        preset=connection.crm,
        mapping=dict(source.properties),
        status_map=connection.status_map or {},
        skip_invalid=True,  # a bad record is rejected and reported; the others are written
    )


RUNS_LISTED = 20


def connection_list() -> list[CrmConnection]:
    return list(
        CrmConnection.objects.select_related("owner").annotate(last_run=Max("runs__created_at"))
    )


def connection_runs(connection: CrmConnection, *, limit: int = RUNS_LISTED) -> list[SyncRun]:
    return list(connection.runs.select_related("requested_by")[:limit])
