from django.urls import path
from django.views.decorators.http import require_http_methods

from . import views

app_name = "notifications"
urlpatterns = [
    path("", require_http_methods(["GET", "POST"])(views.settings_page), name="settings"),
]
