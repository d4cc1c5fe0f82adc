"""Admin for CRM records, metric runs and values (read-only), targets, import jobs and the
import presets saved from previews (read-only, deletable)."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import catalog, permissions, services
from .models import (
    Account,
    Forecast,
    ImportJob,
    ImportPreset,
    Lead,
    MetricOwner,
    MetricRun,
    MetricTarget,
    MetricValue,
    Opportunity,
    Spend,
    Subscription,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the engine or the importer: viewable, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "external_id", "segment", "industry", "created_date")
    list_filter = ("segment", "industry")
    search_fields = ("name", "external_id")


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = (
        "external_id",
        "name",
        "account",
        "status",
        "type",
        "amount",
        "created_date",
        "close_date",
        "source",
        "owner",
    )
    list_filter = ("status", "type", "source", "account__segment", "close_date")
    search_fields = ("external_id", "name", "owner", "account__name", "account__external_id")
    list_select_related = ("account",)
    autocomplete_fields = ("account",)
    date_hierarchy = "close_date"


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("external_id", "account", "plan", "mrr", "start_date", "end_date")
    list_filter = ("plan", "account__segment")
    search_fields = ("external_id", "account__name", "account__external_id", "plan")
    list_select_related = ("account",)
    autocomplete_fields = ("account",)


@admin.register(Spend)
class SpendAdmin(admin.ModelAdmin):
    list_display = ("month", "channel", "category", "amount")
    list_filter = ("category", "channel")
    date_hierarchy = "month"


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = (
        "external_id",
        "created_date",
        "source",
        "status",
        "qualified_date",
        "converted_date",
        "account",
        "owner",
    )
    list_filter = ("source", "status")
    search_fields = ("external_id", "owner", "account__name", "account__external_id")
    list_select_related = ("account",)
    autocomplete_fields = ("account",)
    date_hierarchy = "created_date"


@admin.register(Forecast)
class ForecastAdmin(admin.ModelAdmin):
    list_display = ("period_start", "period_end", "amount", "recorded_on")
    date_hierarchy = "period_start"


@admin.register(MetricRun)
class MetricRunAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "status",
        "trigger",
        "requested_by",
        "created_at",
        "enqueued_at",
        "finished_at",
        "progress",
        "attempts",
    )
    list_filter = ("status", "trigger")
    list_select_related = ("requested_by",)
    actions = ["recompute_now"]
    change_list_template = "admin/metrics/metricrun/change_list.html"

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.action(description=_("Recompute now (all metrics from the current records)"))
    def recompute_now(self, request, queryset):
        self._request(request)

    def _request(self, request):
        if not permissions.can_recompute(request.user):
            self.message_user(
                request, gettext("You may not request a recomputation."), messages.ERROR
            )
            return
        run = services.request_recompute(
            trigger=MetricRun.Trigger.MANUAL, requested_by=request.user
        )
        self.message_user(
            request,
            gettext("Run %(id)s requested; the figures update when it succeeds.") % {"id": run.pk},
        )

    def get_urls(self):
        return [
            path(
                "recompute/",
                self.admin_site.admin_view(self.recompute_view),
                name="metrics_metricrun_recompute",
            ),
            *super().get_urls(),
        ]

    def recompute_view(self, request):
        if request.method == "POST":
            self._request(request)
        return HttpResponseRedirect(reverse("admin:metrics_metricrun_changelist"))


@admin.register(MetricValue)
class MetricValueAdmin(ReadOnlyAdmin):
    list_display = (
        "key",
        "period_kind",
        "period_start",
        "cut_kind",
        "cut_value",
        "value",
        "numerator",
        "denominator",
        "undefined_reason",
    )
    list_filter = ("period_kind", "cut_kind", "key")
    search_fields = ("key", "cut_value")
    show_full_result_count = False


def metric_choices() -> list[tuple[str, str]]:
    """Every metric by name (in the reader's language) and key: read when a form is shown."""
    return [(m.key, f"{m.name} ({m.key})") for m in catalog.METRICS]


class MetricTargetForm(forms.ModelForm):
    key = forms.ChoiceField(label=_("Metric"), choices=metric_choices)

    class Meta:
        model = MetricTarget
        fields = ["key", "cut_kind", "cut_value", "period_kind", "value", "direction", "amber_band"]


@admin.register(MetricTarget)
class MetricTargetAdmin(admin.ModelAdmin):
    form = MetricTargetForm
    list_filter = ("direction", "cut_kind", "period_kind")
    search_fields = ("key", "cut_value")

    list_display = (
        "key",
        "cut_kind",
        "cut_value",
        "period_kind",
        "value",
        "direction",
        "amber_band",
        "set_by",
        "set_at",
    )
    readonly_fields = ("set_by", "set_at")

    def save_model(self, request, obj, form, change):
        # Who set a target and when: the metric page shows it beside the target.
        obj.set_by, obj.set_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)

    def has_view_permission(self, request, obj=None):
        return permissions.can_set_targets(request.user, "view")

    def has_add_permission(self, request):
        return permissions.can_set_targets(request.user, "add")

    def has_change_permission(self, request, obj=None):
        return permissions.can_set_targets(request.user, "change")

    def has_delete_permission(self, request, obj=None):
        return permissions.can_set_targets(request.user, "delete")


@admin.register(ImportPreset)
class ImportPresetAdmin(ReadOnlyAdmin):
    """Saved from an import's preview; listed here to see and delete them."""

    list_display = ("name", "kind", "date_order", "created_by", "updated_at")
    list_filter = ("kind",)


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "kind",
        "original_name",
        "status",
        "rows_total",
        "rows_written",
        "rows_invalid",
        "created_by",
        "created_at",
    )
    list_filter = ("kind", "status")
    search_fields = ("original_name",)
    list_select_related = ("created_by",)
    exclude = ("file", "errors")  # what a file holds: its uploader's and superusers' (import pages)


class MetricOwnerForm(forms.ModelForm):
    key = forms.ChoiceField(label=_("Metric"), choices=metric_choices)

    class Meta:
        model = MetricOwner
        fields = ["key", "owner"]


@admin.register(MetricOwner)
class MetricOwnerAdmin(admin.ModelAdmin):
    """The person who answers for each metric's definition (also set on the metric page)."""

    form = MetricOwnerForm
    list_display = ("key", "owner", "set_by", "set_at")
    list_select_related = ("owner", "set_by")
    readonly_fields = ("set_by", "set_at")

    def save_model(self, request, obj, form, change):
        obj.set_by = request.user
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request):
        return permissions.can_set_metric_owner(request.user) and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)
