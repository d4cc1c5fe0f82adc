# The kept per-day tables share one shape (metrics/models/kept.py KeptDay): one length for each of kind and value.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('metrics', '0029_kept_pipeline'),
    ]

    operations = [
        migrations.AlterField(
            model_name='keptleadday',
            name='kind',
            field=models.CharField(max_length=20),
        ),
        migrations.AlterField(
            model_name='keptleadday',
            name='value',
            field=models.CharField(max_length=255),
        ),
        migrations.AlterField(
            model_name='keptmrrbalance',
            name='value',
            field=models.CharField(max_length=255),
        ),
        migrations.AlterField(
            model_name='keptnewcustomerday',
            name='kind',
            field=models.CharField(max_length=20),
        ),
        migrations.AlterField(
            model_name='keptnewcustomerday',
            name='value',
            field=models.CharField(max_length=255),
        ),
        migrations.AlterField(
            model_name='keptpipeline',
            name='kind',
            field=models.CharField(max_length=20),
        ),
    ]
