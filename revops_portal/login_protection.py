"""Login lockout (django-axes) inputs and output: who is trying, and what a locked-out person sees.

Failures are counted per user name *and* client address (``AXES_LOCKOUT_PARAMETERS``), so
made-up names cannot lock out everyone behind one address, and nobody can lock a named person
out from everywhere.
"""

import ipaddress

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

LOCKED_OUT_STATUS = 429


def client_address(request) -> str:
    """The address a request came from.

    With ``TRUSTED_PROXY_COUNT`` = 0 (the default) that is ``REMOTE_ADDR``: X-Forwarded-For is
    ignored, as anyone can send it. Behind N trusted proxies, each appends the address it
    received the request from to X-Forwarded-For, so the client is the Nth entry from the
    right; entries further left were written by the client itself and are ignored. A header
    with fewer entries (a request that bypassed a proxy) or a malformed entry: ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies == 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def locked_out_response(request, original_response=None, credentials=None):
    """The locked-out page, with when to try again.

    Every attempt during a lockout restarts the cool-off
    (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT``), so it ends one cool-off from now.
    """
    cool_off = settings.AXES_COOLOFF_TIME
    context = {"retry_at": timezone.now() + cool_off, "failure_limit": settings.AXES_FAILURE_LIMIT}
    response = render(request, "registration/locked_out.html", context, status=LOCKED_OUT_STATUS)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
