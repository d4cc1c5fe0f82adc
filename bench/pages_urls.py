"""The portal's URLs plus /bench/floor/: a login-required view that renders the base template
and runs no queries of its own, the pages benchmark's limit (bench/pages.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from revops_portal.urls import urlpatterns as portal_urlpatterns


@login_required
def floor(request):
    return render(request, "base.html")


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *portal_urlpatterns]
