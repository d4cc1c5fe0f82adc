"""Chat webhooks: the payload each format expects, which addresses may receive one, and the POST.

Slack's incoming webhooks (and Mattermost's, Rocket.Chat's: the same JSON) take {"text": ...};
Microsoft Teams' connectors take a MessageCard. The address is a user's own input that the
server will POST to, so it must be https to a host on NOTIFICATION_WEBHOOK_HOSTS (loopback
addresses may use http: a receiver on the same machine, and the tests').
"""

import ipaddress
from fnmatch import fnmatch
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import WebhookFormat


class WebhookError(Exception):
    """The receiver could not be reached in time, or answered with an error status."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def address_problem(url: str) -> str | None:
    """Why ``url`` may not be a webhook address, or None when it may."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        return _("Give a full address, https://…")
    if _is_loopback(host):
        return None if parts.scheme in {"http", "https"} else _("Use an http(s) address.")
    if parts.scheme != "https":
        return _("Webhook addresses must start with https://.")
    if not any(fnmatch(host, pattern) for pattern in settings.NOTIFICATION_WEBHOOK_HOSTS):
        allowed = ", ".join(settings.NOTIFICATION_WEBHOOK_HOSTS)
        return _("%(host)s is not an allowed chat host (allowed: %(allowed)s).") % {
            "host": host,
            "allowed": allowed,
        }
    return None


def payload(*, webhook_format: str, subject: str, body: str, url: str) -> dict:
    """The message for the receiver; its own words ("Open") in the active language: callers
    build it inside ``in_language_of(recipient)``."""
    if webhook_format == WebhookFormat.TEAMS:
        card = {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": subject,
            "title": subject,
            "text": body.replace("\n", "  \n"),  # Teams' Markdown needs two spaces to break
        }
        if url:
            card["potentialAction"] = [
                {
                    "@type": "OpenUri",
                    "name": pgettext("chat button", "Open"),
                    "targets": [{"os": "default", "uri": url}],
                }
            ]
        return card
    text = f"*{subject}*"
    if body:
        text += f"\n{body}"
    if url:
        link_text = _("Open in the portal")
        text += f"\n<{url}|{link_text}>"
    return {"text": text}


def post(*, webhook_url: str, data: dict) -> None:
    """POST ``data`` as JSON; raises WebhookError unless the receiver answers 2xx in time."""
    problem = address_problem(webhook_url)
    if problem:  # the address was valid when saved; the allowed hosts may have changed since
        raise WebhookError(problem)
    try:
        response = requests.post(
            webhook_url,
            json=data,
            timeout=settings.NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise WebhookError(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise WebhookError(f"The receiver answered {response.status_code}.")
