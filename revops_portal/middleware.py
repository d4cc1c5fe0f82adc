"""Middleware of the project itself (not of one app)."""

from django.http import HttpResponse

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    """Answer GET /healthz with "ok" before host validation, the HTTPS redirect and login.

    Container health checks call it on 127.0.0.1 over plain HTTP, whatever ALLOWED_HOSTS and
    SECURE_SSL_REDIRECT say for real visitors. It says only that this process serves requests:
    it reads no database (restarting the web container would not bring a database back) and
    shows no data. First in MIDDLEWARE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return HttpResponse("ok", content_type="text/plain")
        return self.get_response(request)
