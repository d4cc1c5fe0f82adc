"""Every metric of METRICS.md: its stable key, name, unit, cuts and formula.

The keys are the metrics' identifiers in URLs, JSON, the admin and playbook shortcodes.
"""

from dataclasses import dataclass

ALL = "all"
SEGMENT = "segment"
CHANNEL = "channel"


@dataclass(frozen=True)
class MetricDefinition:
    key: str
    name: str
    group: str  # pipeline | recurring | acquisition
    unit: str  # ratio | money | count | days | months | money_per_day | multiple
    higher_is_better: bool | None  # None: neither direction is good in itself
    cuts: tuple[str, ...]
    formula: str
    what: str = ""
    why: str = ""


_P, _R, _A = "pipeline", "recurring", "acquisition"
_ALL_SEG = (ALL, SEGMENT)

METRICS: tuple[MetricDefinition, ...] = (
    # Pipeline (opportunities)
    MetricDefinition("win_rate", "Win rate", _P, "ratio", True, _ALL_SEG,
                     "won closed in P / (won + lost closed in P)"),
    MetricDefinition("won_count", "Won deals", _P, "count", True, _ALL_SEG,
                     "count of won opportunities closed in P"),
    MetricDefinition("lost_count", "Lost deals", _P, "count", False, _ALL_SEG,
                     "count of lost opportunities closed in P"),
    MetricDefinition("won_amount", "Won amount", _P, "money", True, _ALL_SEG,
                     "sum(amount of won opportunities closed in P)"),
    MetricDefinition("avg_deal_size", "Average deal size", _P, "money", True, _ALL_SEG,
                     "sum(amount of won closed in P) / count(won closed in P)"),
    MetricDefinition("sales_cycle_days", "Sales cycle length", _P, "days", False, _ALL_SEG,
                     "mean(close_date − created_date) over won closed in P"),
    MetricDefinition("open_pipeline_count", "Open pipeline (deals)", _P, "count", True, _ALL_SEG,
                     "count of opportunities open at the end of P"),
    MetricDefinition("open_pipeline_amount", "Open pipeline (amount)", _P, "money", True, _ALL_SEG,
                     "sum(amount) of opportunities open at the end of P"),
    MetricDefinition("pipeline_velocity", "Pipeline velocity", _P, "money_per_day", True, _ALL_SEG,
                     "open pipeline count × win rate × average deal size / sales cycle length"),
    MetricDefinition("renewal_rate", "Renewal rate", _P, "ratio", True, _ALL_SEG,
                     "won / (won + lost) among renewal opportunities closed in P"),
    MetricDefinition("renewal_rate_amount", "Renewal rate (amount)", _P, "ratio", True, _ALL_SEG,
                     "won amount / (won + lost amount) among renewal opportunities closed in P"),
    MetricDefinition("forecast_amount", "Forecast", _P, "money", None, (ALL,),
                     "the latest forecast for P recorded on or before its first day "
                     "(if none, the earliest recorded for P)"),
    MetricDefinition("forecast_accuracy", "Forecast accuracy", _P, "ratio", True, (ALL,),
                     "1 − abs(F − A) / A, A = won amount closed in P, F = the forecast for P"),
    # Recurring revenue (subscriptions)
    MetricDefinition("mrr", "MRR", _R, "money", True, _ALL_SEG, "closing MRR of all accounts"),
    MetricDefinition("arr", "ARR", _R, "money", True, _ALL_SEG, "12 × MRR"),
    MetricDefinition("opening_mrr", "Opening MRR", _R, "money", True, _ALL_SEG,
                     "MRR on the day before P starts"),
    MetricDefinition("new_mrr", "New MRR", _R, "money", True, _ALL_SEG,
                     "closing MRR of accounts with no MRR before P and no earlier subscription"),
    MetricDefinition("reactivation_mrr", "Reactivation MRR", _R, "money", True, _ALL_SEG,
                     "closing MRR of returning accounts with no MRR on the day before P"),
    MetricDefinition("expansion_mrr", "Expansion MRR", _R, "money", True, _ALL_SEG,
                     "sum(closing − opening) over accounts with 0 < opening < closing"),
    MetricDefinition("contraction_mrr", "Contraction MRR", _R, "money", False, _ALL_SEG,
                     "sum(opening − closing) over accounts with 0 < closing < opening"),
    MetricDefinition("churned_mrr", "Churned MRR", _R, "money", False, _ALL_SEG,
                     "sum(opening) over accounts with opening > 0 and closing = 0"),
    MetricDefinition("customers", "Customers", _R, "count", True, _ALL_SEG,
                     "accounts with MRR > 0 on the last day of P"),
    MetricDefinition("opening_customers", "Opening customers", _R, "count", True, _ALL_SEG,
                     "accounts with MRR > 0 on the day before P"),
    MetricDefinition("churned_customers", "Churned customers", _R, "count", False, _ALL_SEG,
                     "accounts with opening MRR > 0 and closing MRR = 0"),
    MetricDefinition("arpa", "ARPA", _R, "money", True, _ALL_SEG, "MRR / customers on the last day of P"),
    MetricDefinition("customer_churn_rate", "Customer churn rate", _R, "ratio", False, _ALL_SEG,
                     "churned customers / customers on the day before P"),
    MetricDefinition("gross_mrr_churn_rate", "Gross MRR churn rate", _R, "ratio", False, _ALL_SEG,
                     "(churn + contraction) / opening MRR"),
    MetricDefinition("nrr", "Net revenue retention", _R, "ratio", True, _ALL_SEG,
                     "(opening MRR + expansion − contraction − churn) / opening MRR"),
    MetricDefinition("grr", "Gross revenue retention", _R, "ratio", True, _ALL_SEG,
                     "(opening MRR − contraction − churn) / opening MRR"),
    MetricDefinition("expansion_rate", "Expansion rate", _R, "ratio", True, _ALL_SEG,
                     "expansion / opening MRR"),
    MetricDefinition("monthly_churn_rate", "Monthly churn", _R, "ratio", False, _ALL_SEG,
                     "1 − (1 − customer churn rate)^(1/n), n = calendar months in P"),
    MetricDefinition("ltv", "LTV", _R, "money", True, _ALL_SEG,
                     "ARPA × gross margin / monthly churn"),
    MetricDefinition("quick_ratio", "SaaS quick ratio", _R, "multiple", True, _ALL_SEG,
                     "(new + reactivation + expansion) / (contraction + churn)"),
    # Acquisition (opportunities, accounts, spend)
    MetricDefinition("new_customers", "New customers", _A, "count", True, (ALL, SEGMENT, CHANNEL),
                     "accounts whose earliest won opportunity closes in P"),
    MetricDefinition("spend", "Spend", _A, "money", None, (ALL, CHANNEL),
                     "marketing + sales spend over the months in P"),
    MetricDefinition("cac", "CAC", _A, "money", False, (ALL, CHANNEL),
                     "(marketing + sales spend in P) / new customers in P"),
    MetricDefinition("ltv_cac", "LTV : CAC", _A, "multiple", True, (ALL,), "LTV / CAC"),
    MetricDefinition("cac_payback_months", "CAC payback", _A, "months", False, (ALL,),
                     "spend in P / (new MRR in P × gross margin)"),
)

BY_KEY: dict[str, MetricDefinition] = {m.key: m for m in METRICS}
KEYS: tuple[str, ...] = tuple(BY_KEY)


def get(key: str) -> MetricDefinition | None:
    return BY_KEY.get(key)
