"""Every metric of METRICS.md: its stable key, name, unit, cuts and formula.

The keys are the metrics' identifiers in URLs, JSON, the admin and playbook shortcodes.
"""

from dataclasses import dataclass, replace

ALL = "all"
SEGMENT = "segment"
CHANNEL = "channel"
CUT_KINDS = (ALL, SEGMENT, CHANNEL)


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
    MetricDefinition(
        "win_rate",
        "Win rate",
        _P,
        "ratio",
        True,
        _ALL_SEG,
        "won closed in P / (won + lost closed in P)",
    ),
    MetricDefinition(
        "won_count",
        "Won deals",
        _P,
        "count",
        True,
        _ALL_SEG,
        "count of won opportunities closed in P",
    ),
    MetricDefinition(
        "lost_count",
        "Lost deals",
        _P,
        "count",
        False,
        _ALL_SEG,
        "count of lost opportunities closed in P",
    ),
    MetricDefinition(
        "won_amount",
        "Won amount",
        _P,
        "money",
        True,
        _ALL_SEG,
        "sum(amount of won opportunities closed in P)",
    ),
    MetricDefinition(
        "avg_deal_size",
        "Average deal size",
        _P,
        "money",
        True,
        _ALL_SEG,
        "sum(amount of won closed in P) / count(won closed in P)",
    ),
    MetricDefinition(
        "sales_cycle_days",
        "Sales cycle length",
        _P,
        "days",
        False,
        _ALL_SEG,
        "mean(close_date − created_date) over won closed in P",
    ),
    MetricDefinition(
        "open_pipeline_count",
        "Open pipeline (deals)",
        _P,
        "count",
        True,
        _ALL_SEG,
        "count of opportunities open at the end of P",
    ),
    MetricDefinition(
        "open_pipeline_amount",
        "Open pipeline (amount)",
        _P,
        "money",
        True,
        _ALL_SEG,
        "sum(amount) of opportunities open at the end of P",
    ),
    MetricDefinition(
        "pipeline_velocity",
        "Pipeline velocity",
        _P,
        "money_per_day",
        True,
        _ALL_SEG,
        "open pipeline count × win rate × average deal size / sales cycle length",
    ),
    MetricDefinition(
        "renewal_rate",
        "Renewal rate",
        _P,
        "ratio",
        True,
        _ALL_SEG,
        "won / (won + lost) among renewal opportunities closed in P",
    ),
    MetricDefinition(
        "renewal_rate_amount",
        "Renewal rate (amount)",
        _P,
        "ratio",
        True,
        _ALL_SEG,
        "won amount / (won + lost amount) among renewal opportunities closed in P",
    ),
    MetricDefinition(
        "forecast_amount",
        "Forecast",
        _P,
        "money",
        None,
        (ALL,),
        "the latest forecast for P recorded on or before its first day "
        "(if none, the earliest recorded for P)",
    ),
    MetricDefinition(
        "forecast_accuracy",
        "Forecast accuracy",
        _P,
        "ratio",
        True,
        (ALL,),
        "1 − abs(F − A) / A, A = won amount closed in P, F = the forecast for P",
    ),
    # Recurring revenue (subscriptions)
    MetricDefinition("mrr", "MRR", _R, "money", True, _ALL_SEG, "closing MRR of all accounts"),
    MetricDefinition("arr", "ARR", _R, "money", True, _ALL_SEG, "12 × MRR"),
    MetricDefinition(
        "opening_mrr", "Opening MRR", _R, "money", True, _ALL_SEG, "MRR on the day before P starts"
    ),
    MetricDefinition(
        "new_mrr",
        "New MRR",
        _R,
        "money",
        True,
        _ALL_SEG,
        "closing MRR of accounts with no MRR before P and no earlier subscription",
    ),
    MetricDefinition(
        "reactivation_mrr",
        "Reactivation MRR",
        _R,
        "money",
        True,
        _ALL_SEG,
        "closing MRR of returning accounts with no MRR on the day before P",
    ),
    MetricDefinition(
        "expansion_mrr",
        "Expansion MRR",
        _R,
        "money",
        True,
        _ALL_SEG,
        "sum(closing − opening) over accounts with 0 < opening < closing",
    ),
    MetricDefinition(
        "contraction_mrr",
        "Contraction MRR",
        _R,
        "money",
        False,
        _ALL_SEG,
        "sum(opening − closing) over accounts with 0 < closing < opening",
    ),
    MetricDefinition(
        "churned_mrr",
        "Churned MRR",
        _R,
        "money",
        False,
        _ALL_SEG,
        "sum(opening) over accounts with opening > 0 and closing = 0",
    ),
    MetricDefinition(
        "customers",
        "Customers",
        _R,
        "count",
        True,
        _ALL_SEG,
        "accounts with MRR > 0 on the last day of P",
    ),
    MetricDefinition(
        "opening_customers",
        "Opening customers",
        _R,
        "count",
        True,
        _ALL_SEG,
        "accounts with MRR > 0 on the day before P",
    ),
    MetricDefinition(
        "churned_customers",
        "Churned customers",
        _R,
        "count",
        False,
        _ALL_SEG,
        "accounts with opening MRR > 0 and closing MRR = 0",
    ),
    MetricDefinition(
        "arpa", "ARPA", _R, "money", True, _ALL_SEG, "MRR / customers on the last day of P"
    ),
    MetricDefinition(
        "customer_churn_rate",
        "Customer churn rate",
        _R,
        "ratio",
        False,
        _ALL_SEG,
        "churned customers / customers on the day before P",
    ),
    MetricDefinition(
        "gross_mrr_churn_rate",
        "Gross MRR churn rate",
        _R,
        "ratio",
        False,
        _ALL_SEG,
        "(churn + contraction) / opening MRR",
    ),
    MetricDefinition(
        "nrr",
        "Net revenue retention",
        _R,
        "ratio",
        True,
        _ALL_SEG,
        "(opening MRR + expansion − contraction − churn) / opening MRR",
    ),
    MetricDefinition(
        "grr",
        "Gross revenue retention",
        _R,
        "ratio",
        True,
        _ALL_SEG,
        "(opening MRR − contraction − churn) / opening MRR",
    ),
    MetricDefinition(
        "expansion_rate", "Expansion rate", _R, "ratio", True, _ALL_SEG, "expansion / opening MRR"
    ),
    MetricDefinition(
        "monthly_churn_rate",
        "Monthly churn",
        _R,
        "ratio",
        False,
        _ALL_SEG,
        "1 − (1 − customer churn rate)^(1/n), n = calendar months in P",
    ),
    MetricDefinition(
        "ltv", "LTV", _R, "money", True, _ALL_SEG, "ARPA × gross margin / monthly churn"
    ),
    MetricDefinition(
        "quick_ratio",
        "SaaS quick ratio",
        _R,
        "multiple",
        True,
        _ALL_SEG,
        "(new + reactivation + expansion) / (contraction + churn)",
    ),
    # Acquisition (opportunities, accounts, spend)
    MetricDefinition(
        "new_customers",
        "New customers",
        _A,
        "count",
        True,
        (ALL, SEGMENT, CHANNEL),
        "accounts whose earliest won opportunity closes in P",
    ),
    MetricDefinition(
        "spend",
        "Spend",
        _A,
        "money",
        None,
        (ALL, CHANNEL),
        "marketing + sales spend over the months in P",
    ),
    MetricDefinition(
        "cac",
        "CAC",
        _A,
        "money",
        False,
        (ALL, CHANNEL),
        "(marketing + sales spend in P) / new customers in P",
    ),
    MetricDefinition("ltv_cac", "LTV : CAC", _A, "multiple", True, (ALL,), "LTV / CAC"),
    MetricDefinition(
        "cac_payback_months",
        "CAC payback",
        _A,
        "months",
        False,
        (ALL,),
        "spend in P / (new MRR in P × gross margin)",
    ),
)

# What each metric measures and why it matters (METRICS.md, PRODUCT.md), shown on its page.
_EXPLAINED: dict[str, tuple[str, str]] = {
    "win_rate": (
        "The share of opportunities closed in the period that were won.",
        "It shows how well sales turns qualified pipeline into customers; a falling rate warns of "
        "weak qualification, pricing or competition before revenue drops.",
    ),
    "won_count": (
        "How many opportunities were won in the period.",
        "The raw count of deals behind win rate, new customers and average deal size.",
    ),
    "lost_count": (
        "How many opportunities were lost in the period.",
        "Losses are the other half of win rate; a spike points at a problem worth a loss review.",
    ),
    "won_amount": (
        "The total amount of the opportunities won in the period.",
        "Bookings: the actual that forecast accuracy is measured against.",
    ),
    "avg_deal_size": (
        "The average amount of an opportunity won in the period.",
        "With win rate and cycle length it drives pipeline velocity; a shift shows a change in "
        "who we sell to or how we price.",
    ),
    "sales_cycle_days": (
        "The average number of days from an opportunity's creation to its win, over deals won in "
        "the period.",
        "Shorter cycles turn pipeline into revenue faster and make forecasts more reliable.",
    ),
    "open_pipeline_count": (
        "How many opportunities are open at the end of the period.",
        "The deals sales can still win: the volume input of pipeline velocity.",
    ),
    "open_pipeline_amount": (
        "The total amount of the opportunities open at the end of the period (unvalued deals count "
        "as 0).",
        "Tells whether there is enough pipeline to reach next period's target.",
    ),
    "pipeline_velocity": (
        "How much money the open pipeline is expected to turn into per day.",
        "One number that combines pipeline volume, win rate, deal size and speed; improving any "
        "of the four raises it.",
    ),
    "renewal_rate": (
        "The share of renewal opportunities closed in the period that were won.",
        "Keeping customers is cheaper than winning new ones; a falling renewal rate is an early "
        "churn warning for customer success.",
    ),
    "renewal_rate_amount": (
        "The share of the renewal amount closed in the period that was won.",
        "Weights renewals by value: losing one large customer shows here even when the count "
        "rate looks fine.",
    ),
    "forecast_amount": (
        "The bookings forecast for the period: the latest recorded on or before its first day.",
        "The commitment that forecast accuracy holds sales to.",
    ),
    "forecast_accuracy": (
        "How close the forecast came to the amount actually won in the period (1 = exact).",
        "Leadership plans hiring and spend on the forecast; a predictable revenue engine is the "
        "whole point of RevOps.",
    ),
    "mrr": (
        "Monthly recurring revenue on the last day of the period: the sum of the running "
        "subscriptions.",
        "The size of the recurring business today; every movement metric explains its change.",
    ),
    "arr": (
        "Annual recurring revenue: twelve times MRR on the last day of the period.",
        "The headline size of a subscription business, the figure boards and investors track.",
    ),
    "opening_mrr": (
        "MRR on the day before the period starts.",
        "The base that retention and churn rates are measured against.",
    ),
    "new_mrr": (
        "MRR from accounts that became customers for the first time in the period.",
        "Growth from acquisition: what marketing and sales added.",
    ),
    "reactivation_mrr": (
        "MRR from former customers who came back in the period.",
        "Win-backs, kept apart so they don't flatter new business.",
    ),
    "expansion_mrr": (
        "MRR added by existing customers who pay more at the end of the period than at its start.",
        "Upsell and cross-sell: growth that needs no acquisition spend.",
    ),
    "contraction_mrr": (
        "MRR lost from customers who still pay, but less than at the start of the period.",
        "Downgrades often come before churn; customer success should know who they are.",
    ),
    "churned_mrr": (
        "The opening MRR of the customers who stopped paying during the period.",
        "Revenue lost to churn must be won again before the business grows.",
    ),
    "customers": (
        "Accounts paying (MRR above zero) on the last day of the period.",
        "The customer base: denominator of ARPA and the next period's churn rate.",
    ),
    "opening_customers": (
        "Accounts paying on the day before the period starts.",
        "The base the customer churn rate is measured against.",
    ),
    "churned_customers": (
        "Accounts that paid at the start of the period and pay nothing at its end.",
        "Each one is a lost relationship; the list behind it is customer success's follow-up.",
    ),
    "arpa": (
        "Average MRR per paying account at the end of the period.",
        "Shows whether we move up- or down-market and feeds LTV.",
    ),
    "customer_churn_rate": (
        "The share of the period's opening customers who churned during it.",
        "Retention is the foundation of recurring revenue: every churned customer must be "
        "replaced before the business can grow.",
    ),
    "gross_mrr_churn_rate": (
        "The share of opening MRR lost to churn and contraction in the period.",
        "Revenue-weighted churn: the gross leak before any expansion offsets it.",
    ),
    "nrr": (
        "Opening MRR plus expansion minus contraction and churn, as a share of opening MRR.",
        "Above 100% the existing customers grow the business on their own; the single best sign "
        "of product value and customer success.",
    ),
    "grr": (
        "Opening MRR minus contraction and churn, as a share of opening MRR (at most 100%).",
        "How much revenue we keep without counting upsell: the floor of retention.",
    ),
    "expansion_rate": (
        "Expansion MRR as a share of opening MRR.",
        "How well we grow inside existing accounts through upsell and cross-sell.",
    ),
    "monthly_churn_rate": (
        "The customer churn rate converted to a per-month rate, so quarters and years compare "
        "with months.",
        "The churn input of LTV.",
    ),
    "ltv": (
        "Customer lifetime value: ARPA × gross margin / monthly churn — the gross profit a "
        "customer brings over their life.",
        "Tells how much it is worth spending to acquire and keep a customer; read with CAC.",
    ),
    "quick_ratio": (
        "MRR gained (new, reactivation, expansion) per unit of MRR lost (contraction, churn).",
        "Growth efficiency: above 4 is healthy, below 1 the business shrinks.",
    ),
    "new_customers": (
        "Accounts whose first won opportunity closed in the period; by channel, the source of "
        "that first deal.",
        "The denominator of CAC: what the acquisition spend bought.",
    ),
    "spend": (
        "Marketing plus sales spend over the months of the period.",
        "The cost side of acquisition: the numerator of CAC and CAC payback.",
    ),
    "cac": (
        "Customer acquisition cost: sales and marketing spend per new customer in the period "
        "(by channel: that channel's spend per customer it brought).",
        "Shows how efficiently we buy growth and which channels deserve the next dollar.",
    ),
    "ltv_cac": (
        "Lifetime value divided by acquisition cost.",
        "Whether customers are worth what they cost to win: around 3 or more is healthy, below 1 "
        "every new customer loses money.",
    ),
    "cac_payback_months": (
        "Months of a new customer's gross-margin MRR needed to earn back the acquisition spend.",
        "Cash efficiency: a long payback ties up cash and makes growth expensive to fund.",
    ),
}

METRICS = tuple(replace(m, what=_EXPLAINED[m.key][0], why=_EXPLAINED[m.key][1]) for m in METRICS)

BY_KEY: dict[str, MetricDefinition] = {m.key: m for m in METRICS}
KEYS: tuple[str, ...] = tuple(BY_KEY)


def get(key: str) -> MetricDefinition | None:
    return BY_KEY.get(key)
