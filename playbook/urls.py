from django.urls import path

from . import asset_views, print_views, reading_views, review_views, views

app_name = "playbook"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    # The living playbook (review_views): before <slug>/, so these names are never sections.
    path("reviews/", review_views.reviews, name="reviews"),
    path("mine/", review_views.mine, name="mine"),
    path("print/", print_views.print_page, name="print"),
    path("print/export/", print_views.export, name="export"),
    path("exports/<int:export_id>/", print_views.export_detail, name="export_detail"),
    path("exports/<int:export_id>/download/", print_views.export_download, name="export_download"),
    path("flags/<int:flag_id>/resolve/", review_views.resolve_flag, name="resolve_flag"),
    path("<slug:slug>/flag/", review_views.flag, name="flag"),
    path("<slug:slug>/remind/", review_views.remind, name="remind"),
    path("<slug:slug>/watch/", review_views.watch, name="watch"),
    # Onboarding paths: before "<slug>/" too.
    path("reading/", reading_views.my_reading, name="reading"),
    path("reading/coverage/", reading_views.coverage, name="reading_coverage"),
    # The content-asset library: before "<slug>/" ("assets" is no section's slug).
    path("assets/", asset_views.asset_list, name="assets"),
    path("assets/new/", asset_views.asset_new, name="asset_new"),
    path("assets/<int:asset_id>/edit/", asset_views.asset_edit, name="asset_edit"),
    path("assets/<int:asset_id>/delete/", asset_views.asset_delete, name="asset_delete"),
    path("assets/<int:asset_id>/file/", asset_views.asset_download, name="asset_download"),
    path("<slug:slug>/", views.section, name="section"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/history/", views.history, name="history"),
    path("<slug:slug>/diff/", views.diff, name="diff"),
    path("<slug:slug>/restore/<int:number>/", views.restore, name="restore"),
    path("<slug:slug>/review/", views.mark_reviewed, name="review"),
    path("<slug:slug>/owner/", views.change_owner, name="owner"),
    path("<slug:slug>/preview/", views.preview, name="preview"),
    path("<slug:slug>/upload/", views.upload, name="upload"),
    path("<slug:slug>/read/", reading_views.mark_read, name="mark_read"),
    # Pages under a section (a page is served by the section routes above, by its own slug).
    path("<slug:slug>/pages/new/", views.new_page, name="new_page"),
    path("<slug:slug>/pages/move/", views.move_page, name="move_page"),
]
