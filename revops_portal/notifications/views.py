"""The user's own notification settings page."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import services
from .forms import NotificationSettingsForm
from .models import Notification


def settings_page(request):
    current = services.settings_for(request.user)
    form = NotificationSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Notification settings saved."))
        return redirect("notifications:settings")
    recent = list(Notification.objects.filter(recipient=request.user).order_by("-pk")[:10])
    return render(request, "notifications/settings.html", {"form": form, "recent": recent})
