"""Admin for RevOps managers (and champions, who assign owners).

Ownership changes go through ``services.assign_owner`` so edit permissions follow.
Revisions are history: shown read-only, never edited or deleted here.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from metrics.admin import metric_choices

from . import asset_library, permissions, services
from .models import (
    Asset,
    AssetTag,
    MetricLink,
    Reader,
    ReadingPath,
    ReadingPathStep,
    Revision,
    Section,
)


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ("number", "title", "change_note", "author", "created_at", "restored_from")
    readonly_fields = fields
    ordering = ("-number",)
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return permissions.can_assign_owner(request.user)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "restored_from")


class MetricLinkForm(forms.ModelForm):
    metric_key = forms.ChoiceField(choices=metric_choices, label=_("Metric"))

    class Meta:
        model = MetricLink
        fields = ("metric_key", "threshold")


class MetricLinkInline(admin.TabularInline):
    """The metrics a section depends on: a move past the threshold makes it due for review."""

    model = MetricLink
    form = MetricLinkForm
    extra = 0

    def has_view_permission(self, request, obj=None):
        return permissions.can_assign_owner(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(Section)
class SectionAdmin(GuardedModelAdmin):
    list_display = (
        "position",
        "title",
        "parent",
        "owner",
        "team",
        "review_interval_days",
        "last_reviewed_at",
    )
    list_display_links = ("title",)
    list_select_related = ("owner", "parent")
    list_filter = ("team",)
    fields = ("title", "slug", "parent", "position", "team", "owner", "review_interval_days",
              "last_reviewed_at", "last_reviewed_by", "guiding_questions")  # fmt: skip
    readonly_fields = ("slug", "parent", "position", "last_reviewed_at", "last_reviewed_by")
    inlines = [MetricLinkInline, RevisionInline]

    # The ten sections come from a migration: nobody adds or deletes them here. Pages are added
    # on the section's page; a page no longer needed is deleted here.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return obj is not None and obj.is_page and permissions.can_assign_owner(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_assign_owner(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_assign_owner(request.user)

    def has_module_permission(self, request):
        return permissions.can_assign_owner(request.user)

    def save_model(self, request, obj, form, change):
        new_owner = obj.owner
        if change and "owner" in form.changed_data:
            # Save the other fields with the old owner; assign_owner then moves the permission.
            obj.owner = Section.objects.select_related("owner").get(pk=obj.pk).owner
            super().save_model(request, obj, form, change)
            services.assign_owner(section=obj, owner=new_owner, assigned_by=request.user)
        else:
            super().save_model(request, obj, form, change)


@admin.register(AssetTag)
class AssetTagAdmin(admin.ModelAdmin):
    list_display = ("name", "kind")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    """The content-asset library for RevOps managers; files are replaced on the portal's own form
    (/playbook/assets/), which checks their type: here they are shown, not uploaded."""

    list_display = ("title", "kind", "stage", "owner", "last_reviewed_on")
    list_filter = ("stage", "kind", "tags")
    list_select_related = ("owner", "parent")
    search_fields = ("title", "summary")
    filter_horizontal = ("tags",)
    readonly_fields = ("file", "file_name", "file_type")

    def delete_model(self, request, obj):
        asset_library.delete_asset(asset=obj)


class ReadingPathStepInline(admin.TabularInline):
    model = ReadingPathStep
    fields = ("position", "section")
    ordering = ("position",)
    extra = 1


@admin.register(ReadingPath)
class ReadingPathAdmin(admin.ModelAdmin):
    """Onboarding paths by role: the sections each role reads, in order."""

    list_display = ("name", "description")
    inlines = [ReadingPathStepInline]


@admin.register(Reader)
class ReaderAdmin(admin.ModelAdmin):
    list_display = ("user", "path", "started_on")
    list_filter = ("path",)
    list_select_related = ("user", "path")
    autocomplete_fields = ("user",)
