from django.urls import path, register_converter

from . import catalog, data_views, views
from .importing import views as import_views
from .sync import views as sync_views


class MetricKeyConverter:
    """Matches only the catalogue's keys, so `/metrics/<anything else>/` stays free for other pages."""

    regex = "|".join(sorted(catalog.KEYS, key=len, reverse=True))

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(MetricKeyConverter, "metric_key")

app_name = "metrics"
urlpatterns = [
    path("", views.scorecard, name="scorecard"),
    path("recompute/", views.recompute, name="recompute"),
    path("runs/<int:pk>/status.json", views.run_status, name="run_status"),
    path("<metric_key:key>/", views.metric, name="metric"),
    path("<metric_key:key>.csv", views.metric_csv, name="metric_csv"),
    path("<metric_key:key>.json", views.metric_json, name="metric_json"),
    path("<metric_key:key>/records/", views.records, name="records"),
    path("<metric_key:key>/records.csv", views.records_csv, name="records_csv"),
    # --- Data you can trust (metrics/data_views.py) ---
    path("<metric_key:key>/owner/", data_views.metric_owner, name="metric_owner"),
    path("data/", data_views.data_page, name="data"),
    path("data/check/", data_views.data_check, name="data_check"),
    path("data/<slug:code>/", data_views.finding_records, name="finding"),
    path("data/<slug:code>.csv", data_views.finding_csv, name="finding_csv"),
    path("data/<slug:code>/accept/", data_views.finding_accept, name="finding_accept"),
    # --- end data you can trust ---
    # --- CRM imports (metrics/importing/views.py) ---
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/new/", import_views.import_new, name="import_new"),
    path("imports/<int:job_id>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:job_id>/options/", import_views.import_options, name="import_options"),
    path("imports/<int:job_id>/status.json", import_views.import_status, name="import_status"),
    path("imports/<int:job_id>/errors.csv", import_views.import_errors_csv, name="import_errors"),
    # --- end CRM imports ---
    # --- CRM connections and syncs (metrics/sync/views.py) ---
    path("connections/", sync_views.connection_list, name="connection_list"),
    path("connections/new/", sync_views.connection_new, name="connection_new"),
    path(
        "connections/<int:connection_id>/", sync_views.connection_detail, name="connection_detail"
    ),
    path(
        "connections/<int:connection_id>/edit/", sync_views.connection_edit, name="connection_edit"
    ),
    path(
        "connections/<int:connection_id>/test/", sync_views.connection_test, name="connection_test"
    ),
    path(
        "connections/<int:connection_id>/sync/", sync_views.connection_sync, name="connection_sync"
    ),
    # --- end CRM connections ---
]
