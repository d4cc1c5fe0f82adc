from django.urls import path

from . import views

app_name = "profiles"
urlpatterns = [
    path("language/", views.choose_language, name="language"),
]
