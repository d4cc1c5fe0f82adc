"""A run's values in value sets its periods point at (MetricRunPeriod), shared by the runs that
show the same figures: an incremental run writes a row per period it did not compute instead of
copying every value of it. Each stored run's values become one set per period of the run."""

import django.db.models.deletion
from django.db import migrations, models


def values_into_sets(apps, schema_editor):
    MetricValue = apps.get_model("metrics", "MetricValue")
    MetricValueSet = apps.get_model("metrics", "MetricValueSet")
    MetricRunPeriod = apps.get_model("metrics", "MetricRunPeriod")
    periods = (
        MetricValue.objects.values_list("run_id", "period_kind", "period_start", "period_end")
        .distinct()
        .order_by("run_id", "period_start", "period_end", "period_kind")
    )
    for run_id, kind, start, end in periods:
        value_set = MetricValueSet.objects.create()
        MetricRunPeriod.objects.create(
            run_id=run_id,
            value_set=value_set,
            period_kind=kind,
            period_start=start,
            period_end=end,
        )
        MetricValue.objects.filter(
            run_id=run_id, period_kind=kind, period_start=start, period_end=end
        ).update(value_set=value_set)
    if schema_editor.connection.vendor == "postgresql":
        # The deferred foreign-key checks now, not at commit: the table is altered next.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0022_opportunity_fewer_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="MetricValueSet",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="MetricRunPeriod",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "period_kind",
                    models.CharField(
                        choices=[
                            ("week", "Week"),
                            ("month", "Month"),
                            ("quarter", "Quarter"),
                            ("year", "Year"),
                        ],
                        max_length=8,
                    ),
                ),
                ("period_start", models.DateField()),
                ("period_end", models.DateField()),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="periods",
                        to="metrics.metricrun",
                    ),
                ),
                (
                    "value_set",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="run_periods",
                        to="metrics.metricvalueset",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("run", "period_kind", "period_start", "period_end"),
                        name="metric_run_period_unique",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="metricvalue",
            name="value_set",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="values",
                to="metrics.metricvalueset",
            ),
        ),
        migrations.RunPython(values_into_sets, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="metricvalue",
            name="metric_value_unique_per_run",
        ),
        migrations.RemoveIndex(
            model_name="metricvalue",
            name="metrics_met_run_id_5d87d1_idx",
        ),
        migrations.RemoveIndex(
            model_name="metricvalue",
            name="metrics_met_run_id_b39c71_idx",
        ),
        migrations.RemoveField(
            model_name="metricvalue",
            name="run",
        ),
        migrations.AlterField(
            model_name="metricvalue",
            name="value_set",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="values",
                to="metrics.metricvalueset",
            ),
        ),
        migrations.AddConstraint(
            model_name="metricvalue",
            constraint=models.UniqueConstraint(
                fields=("value_set", "key", "cut_kind", "cut_value"),
                name="metric_value_unique_per_set",
            ),
        ),
    ]
