from django.urls import path

from . import views

app_name = "playbook"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("<slug:slug>/", views.section, name="section"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/history/", views.history, name="history"),
    path("<slug:slug>/diff/", views.diff, name="diff"),
    path("<slug:slug>/restore/<int:number>/", views.restore, name="restore"),
    path("<slug:slug>/review/", views.mark_reviewed, name="review"),
    path("<slug:slug>/owner/", views.change_owner, name="owner"),
    path("<slug:slug>/preview/", views.preview, name="preview"),
    path("<slug:slug>/upload/", views.upload, name="upload"),
]
