from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from playbook.views import media as playbook_media

from . import sso

# A database outage anywhere in a request answers 503 "briefly unavailable" (revops_portal.errors).
handler500 = "revops_portal.errors.server_error"
handler400 = "revops_portal.errors.bad_request"  # the page in the reader's language

admin.site.site_header = _("RevOps Portal administration")
admin.site.site_title = _("RevOps Portal admin")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="playbook:index", permanent=False), name="home"),
    # Before Django's auth URLs: after an SSO login, logout also ends the provider's session.
    path("accounts/logout/", sso.PortalLogoutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("oidc/", include(sso.urlpatterns)),
    path("admin/", admin.site.urls),
    path("playbook/", include("playbook.urls")),
    path("metrics/", include("metrics.urls")),
    path("reviews/", include("metrics.review_urls")),
    path("notifications/", include("revops_portal.notifications.urls")),
    path("profile/", include("revops_portal.profiles.urls")),
    # Playbook images only, by the names the playbook gives them (playbook.views.media):
    # login required, image content types, nosniff. Nothing else under /media/ exists.
    path("media/playbook/<str:folder>/<str:name>", playbook_media, name="media"),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
