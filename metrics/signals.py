"""Signals the metrics engine sends; other apps listen (the playbook's metric-triggered reviews)
without the engine knowing them."""

from django.dispatch import Signal

# Sent once a run succeeded and its values are visible: run=<MetricRun>.
run_succeeded = Signal()
