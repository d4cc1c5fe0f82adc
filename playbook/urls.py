from django.urls import path

from . import views

app_name = "playbook"
urlpatterns = [
    path("", views.index, name="index"),
]
