"""Every metric of docs/metrics.md, computed from the records for periods and cuts.

Pure: records, periods and cuts in, figures out; nothing is written. Sums and counts are
aggregated in the database; Python only combines the aggregated numbers into ratios. One
family per module: `pipeline` (opportunities), `recurring` (subscriptions), `acquisition`
(first won deals, spend), `funnel` (leads); `figures` holds the arithmetic they share (exact
cents, canonical numbers, ratios), `batch` the SQL.

`compute_many` computes many periods and cut values together, with one query per family (seven:
recurring revenue has two; every cut kind grouped in each), however many periods, cut values,
accounts or records there are, and what they read again and again (each account's first won
deal, its MRR timeline...) kept between computations (`kept`, filled again when a record it
derives from was written); `compute_all` is the same for one period and cut.

Exactness: money is summed as whole cents, so SQLite, which keeps decimals as floats, gives
the same figures as PostgreSQL. Every figure is then brought to its canonical form
(`canonical`): at most 10 decimal places and 15 significant digits, the precision a
MetricValue keeps on both databases, so a stored figure reads back unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import catalog
from ..cuts import ALL_CUT, Cut
from ..models import KeptPipeline, Spend, Team
from ..periods import Period
from . import acquisition, batch, funnel, kept, pipeline, recurring
from .acquisition import new_customers_in, spend_in
from .figures import NOT_AVAILABLE, Figure, canonical
from .funnel import FUNNEL_KEYS, lead_sources
from .pipeline import closed_in, forecasts_for, open_at_end, opportunities_for, pipeline_figures
from .recurring import (
    accounts_for,
    covering,
    customers_with_first_won,
    monthly_churn,
    subscriptions_for,
)

__all__ = [
    "ALL_CUT",
    "FUNNEL_KEYS",
    "Figure",
    "accounts_for",
    "canonical",
    "channels",
    "closed_in",
    "compute_all",
    "compute_many",
    "compute_one",
    "covering",
    "customers_with_first_won",
    "forecasts_for",
    "industries",
    "lead_sources",
    "monthly_churn",
    "new_customers_in",
    "not_available_reason",
    "open_at_end",
    "opportunities_for",
    "owners",
    "pipeline_figures",
    "segments",
    "spend_in",
    "subscriptions_for",
    "teams",
]


def not_available_reason(cut: Cut) -> str:
    return NOT_AVAILABLE % {"cut": cut.kind}


# Every kept table the families read (kept.py), made current before a computation.
KEPT = (
    kept.FIRST_WON,
    acquisition.NEW_CUSTOMER_DAYS,
    funnel.LEAD_DAYS,
    *recurring.KEPT,
    pipeline.KEPT,
)


def available_keys(cut: Cut) -> set[str]:
    return {m.key for m in catalog.METRICS if cut.kind in m.cuts}


def compute_many(
    periods: Sequence[Period], cuts: Sequence[Cut]
) -> dict[tuple[Period, Cut], dict[str, Figure]]:
    """Every metric each cut has, for every period and cut: {(period, cut): {key: figure}}."""
    periods, cuts = list(periods), list(cuts)
    if not periods or not cuts:
        return {}
    kept.ensure(*KEPT)
    with batch.engine_settings():
        return _compute_many(periods, cuts)


def _compute_many(
    periods: list[Period], cuts: list[Cut]
) -> dict[tuple[Period, Cut], dict[str, Figure]]:
    pipeline_totals = pipeline.totals(periods, cuts)
    forecasts = pipeline.latest_forecasts(periods) if ALL_CUT in cuts else {}
    mrr_totals, new_customers = {}, {}
    if batch.by_kind(cuts, batch.ACCOUNT_CUT_VALUE):
        mrr_totals = recurring.totals(periods, cuts)
        new_customers = acquisition.new_customer_totals(periods, cuts)
    spend = acquisition.spend_totals(periods, cuts)
    leads = funnel.totals(periods, cuts)
    result = {}
    for cut in cuts:
        available = available_keys(cut)
        for idx, period in enumerate(periods):
            figures: dict[str, Figure] = {}
            mrr_figures = exact = None
            if "win_rate" in available:
                figures.update(
                    pipeline.figures(
                        pipeline_totals.get((idx, cut), pipeline.EMPTY),
                        forecasts.get(period),
                        with_forecast="forecast_amount" in available,
                    )
                )
            if "mrr" in available:
                t = mrr_totals.get((idx, cut), recurring.EMPTY)
                mrr_figures, exact = recurring.figures(t, period)
                figures.update(mrr_figures)
            if "new_customers" in available:
                figures.update(
                    acquisition.figures(
                        available,
                        new_customers.get((idx, cut)),
                        spend.get((idx, cut), {}).get("spend"),
                        mrr_figures,
                        exact,
                    )
                )
            if "leads_created" in available:
                figures.update(
                    funnel.figures(
                        leads.get((idx, cut), funnel.EMPTY),
                        spend.get((idx, cut), {}).get("marketing"),
                    )
                )
            result[period, cut] = {key: figures[key] for key in catalog.KEYS if key in available}
    return result


def compute_all(period: Period, cut: Cut = ALL_CUT) -> dict[str, Figure]:
    """Every metric of the catalogue that exists for this cut, keyed by metric key."""
    return compute_many([period], [cut])[period, cut]


def compute_one(key: str, period: Period, cut: Cut = ALL_CUT) -> Figure:
    definition = catalog.get(key)
    if definition is None:
        raise KeyError(f"Unknown metric {key!r}.")
    if cut.kind not in definition.cuts:
        return Figure(None, undefined_reason=not_available_reason(cut))
    return compute_all(period, cut)[key]


# --- The cut values a run computes ----------------------------------------------------------


def segments() -> list[str]:
    """Every account segment in the records (an empty segment belongs to 'all' only), from
    the segment's index."""
    return batch.distinct_values(batch.ACCOUNTS, "segment")


def industries() -> list[str]:
    """Every account industry (an empty industry belongs to 'all' only), from the industry's
    index."""
    return batch.distinct_values(batch.ACCOUNTS, "industry")


def owners() -> list[str]:
    """Every opportunity owner (an opportunity without one belongs to 'all' only): the owners'
    rows of the pipeline's kept events (every opportunity has one, its created day's), from
    their (kind, value, day) index."""
    kept.ensure(pipeline.KEPT)
    table = KeptPipeline._meta.db_table
    return batch.distinct_values(table, "value", where="kind = %s", params=[catalog.OWNER])


def teams() -> list[str]:
    """Every team of the teams records."""
    return sorted(set(Team.objects.exclude(team="").values_list("team", flat=True)))


def channels() -> list[str]:
    """Every channel: the acquisition channels of accounts (the source of their first won deal)
    and the spend rows' channels."""
    spend_channels = Spend.objects.values_list("channel", flat=True).distinct()
    return sorted((set(kept.first_won_channels()) | set(spend_channels)) - {""})
