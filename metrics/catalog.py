"""Every metric: its stable key, name, unit, cuts, formula, and what it measures and why.

The single source of the definitions: `manage.py metrics_docs` writes docs/metrics.md from
it, and the metric pages show the same text. The keys are the metrics' identifiers in URLs,
JSON, the admin and playbook shortcodes: never rename one.
"""

from dataclasses import dataclass

ALL = "all"
SEGMENT = "segment"
CHANNEL = "channel"
INDUSTRY = "industry"  # an account's industry
OWNER = "owner"  # an opportunity's owner
TEAM = "team"  # the opportunity owner's team (the `teams` records)
CUT_KINDS = (ALL, SEGMENT, CHANNEL, INDUSTRY, OWNER, TEAM)

PIPELINE, RECURRING, ACQUISITION = "pipeline", "recurring", "acquisition"
FUNNEL = "funnel"
GROUPS = (PIPELINE, RECURRING, ACQUISITION, FUNNEL)
UNITS = ("ratio", "money", "count", "days", "months", "money_per_day", "multiple")

ALL_ONLY = (ALL,)
ALL_AND_CHANNEL = (ALL, CHANNEL)  # spend has a channel, but no account
PIPELINE_CUTS = (ALL, SEGMENT, INDUSTRY, OWNER, TEAM)
# Recurring revenue and new customers: by the account's segment, industry or acquisition channel.
ACCOUNT_CUTS = (ALL, SEGMENT, INDUSTRY, CHANNEL)


@dataclass(frozen=True, kw_only=True)
class MetricDefinition:
    key: str
    name: str
    group: str  # one of GROUPS
    unit: str  # one of UNITS
    higher_is_better: bool | None  # None: neither direction is good in itself
    cuts: tuple[str, ...]
    formula: str
    what: str  # what it measures, in a sentence a manager reads
    why: str  # why it matters

    def __post_init__(self):
        if self.group not in GROUPS or self.unit not in UNITS:
            raise ValueError(f"{self.key}: unknown group {self.group!r} or unit {self.unit!r}.")
        if ALL not in self.cuts or not set(self.cuts) <= set(CUT_KINDS):
            raise ValueError(f"{self.key}: cuts must include {ALL!r} and only {CUT_KINDS}.")


METRICS: tuple[MetricDefinition, ...] = (
    # --- Pipeline (opportunities) ---
    MetricDefinition(
        key="win_rate",
        name="Win rate",
        group=PIPELINE,
        unit="ratio",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula="won closed in P / (won + lost closed in P)",
        what="The share of opportunities closed in the period that were won.",
        why=(
            "It shows how well sales turns qualified pipeline into customers; a falling rate "
            "warns of weak qualification, pricing or competition before revenue drops."
        ),
    ),
    MetricDefinition(
        key="won_count",
        name="Won deals",
        group=PIPELINE,
        unit="count",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula="count of won opportunities closed in P",
        what="How many opportunities were won in the period.",
        why="The raw count of deals behind win rate, new customers and average deal size.",
    ),
    MetricDefinition(
        key="lost_count",
        name="Lost deals",
        group=PIPELINE,
        unit="count",
        higher_is_better=False,
        cuts=PIPELINE_CUTS,
        formula="count of lost opportunities closed in P",
        what="How many opportunities were lost in the period.",
        why=(
            "Losses are the other half of win rate; a spike points at a problem worth a loss "
            "review."
        ),
    ),
    MetricDefinition(
        key="won_amount",
        name="Won amount",
        group=PIPELINE,
        unit="money",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula="sum(amount of won opportunities closed in P)",
        what="The total amount of the opportunities won in the period.",
        why="Bookings: the actual that forecast accuracy is measured against.",
    ),
    MetricDefinition(
        key="avg_deal_size",
        name="Average deal size",
        group=PIPELINE,
        unit="money",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula="sum(amount of won closed in P) / count(won closed in P)",
        what="The average amount of an opportunity won in the period.",
        why=(
            "With win rate and cycle length it drives pipeline velocity; a shift shows a change "
            "in who we sell to or how we price."
        ),
    ),
    MetricDefinition(
        key="sales_cycle_days",
        name="Sales cycle length",
        group=PIPELINE,
        unit="days",
        higher_is_better=False,
        cuts=PIPELINE_CUTS,
        formula="mean(close_date − created_date) over won closed in P",
        what=(
            "The average number of days from an opportunity's creation to its win, over deals won "
            "in the period."
        ),
        why="Shorter cycles turn pipeline into revenue faster and make forecasts more reliable.",
    ),
    MetricDefinition(
        key="open_pipeline_count",
        name="Open pipeline (deals)",
        group=PIPELINE,
        unit="count",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula="count of opportunities open at the end of P",
        what="How many opportunities are open at the end of the period.",
        why="The deals sales can still win: the volume input of pipeline velocity.",
    ),
    MetricDefinition(
        key="open_pipeline_amount",
        name="Open pipeline (amount)",
        group=PIPELINE,
        unit="money",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula="sum(amount) of opportunities open at the end of P",
        what=(
            "The total amount of the opportunities open at the end of the period (unvalued deals "
            "count as 0)."
        ),
        why="Tells whether there is enough pipeline to reach next period's target.",
    ),
    MetricDefinition(
        key="pipeline_velocity",
        name="Pipeline velocity",
        group=PIPELINE,
        unit="money_per_day",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula="open pipeline count × win rate × average deal size / sales cycle length",
        what="How much money the open pipeline is expected to turn into per day.",
        why=(
            "One number that combines pipeline volume, win rate, deal size and speed; improving "
            "any of the four raises it."
        ),
    ),
    MetricDefinition(
        key="renewal_rate",
        name="Renewal rate",
        group=PIPELINE,
        unit="ratio",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula="won / (won + lost) among renewal opportunities closed in P",
        what="The share of renewal opportunities closed in the period that were won.",
        why=(
            "Keeping customers is cheaper than winning new ones; a falling renewal rate is an "
            "early churn warning for customer success."
        ),
    ),
    MetricDefinition(
        key="renewal_rate_amount",
        name="Renewal rate (amount)",
        group=PIPELINE,
        unit="ratio",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula="won amount / (won + lost amount) among renewal opportunities closed in P",
        what="The share of the renewal amount closed in the period that was won.",
        why=(
            "Weights renewals by value: losing one large customer shows here even when the count "
            "rate looks fine."
        ),
    ),
    MetricDefinition(
        key="forecast_amount",
        name="Forecast",
        group=PIPELINE,
        unit="money",
        higher_is_better=None,
        cuts=ALL_ONLY,
        formula=(
            "the latest forecast for P recorded on or before its first day (if none, the earliest "
            "recorded for P)"
        ),
        what=(
            "The bookings forecast for the period: the latest recorded on or before its first day."
        ),
        why="The commitment that forecast accuracy holds sales to.",
    ),
    MetricDefinition(
        key="forecast_accuracy",
        name="Forecast accuracy",
        group=PIPELINE,
        unit="ratio",
        higher_is_better=True,
        cuts=ALL_ONLY,
        formula="1 − abs(F − A) / A, A = won amount closed in P, F = the forecast for P",
        what="How close the forecast came to the amount actually won in the period (1 = exact).",
        why=(
            "Leadership plans hiring and spend on the forecast; a predictable revenue engine is "
            "the whole point of RevOps."
        ),
    ),
    # --- Recurring revenue (subscriptions) ---
    MetricDefinition(
        key="mrr",
        name="MRR",
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="closing MRR of all accounts",
        what=(
            "Monthly recurring revenue on the last day of the period: the sum of the running "
            "subscriptions."
        ),
        why="The size of the recurring business today; every movement metric explains its change.",
    ),
    MetricDefinition(
        key="arr",
        name="ARR",
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="12 × MRR",
        what="Annual recurring revenue: twelve times MRR on the last day of the period.",
        why="The headline size of a subscription business, the figure boards and investors track.",
    ),
    MetricDefinition(
        key="opening_mrr",
        name="Opening MRR",
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="MRR on the day before P starts",
        what="MRR on the day before the period starts.",
        why="The base that retention and churn rates are measured against.",
    ),
    MetricDefinition(
        key="new_mrr",
        name="New MRR",
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="closing MRR of accounts with no MRR before P and no earlier subscription",
        what="MRR from accounts that became customers for the first time in the period.",
        why="Growth from acquisition: what marketing and sales added.",
    ),
    MetricDefinition(
        key="reactivation_mrr",
        name="Reactivation MRR",
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="closing MRR of returning accounts with no MRR on the day before P",
        what="MRR from former customers who came back in the period.",
        why="Win-backs, kept apart so they don't flatter new business.",
    ),
    MetricDefinition(
        key="expansion_mrr",
        name="Expansion MRR",
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="sum(closing − opening) over accounts with 0 < opening < closing",
        what=(
            "MRR added by existing customers who pay more at the end of the period than at its "
            "start."
        ),
        why="Upsell and cross-sell: growth that needs no acquisition spend.",
    ),
    MetricDefinition(
        key="contraction_mrr",
        name="Contraction MRR",
        group=RECURRING,
        unit="money",
        higher_is_better=False,
        cuts=ACCOUNT_CUTS,
        formula="sum(opening − closing) over accounts with 0 < closing < opening",
        what="MRR lost from customers who still pay, but less than at the start of the period.",
        why="Downgrades often come before churn; customer success should know who they are.",
    ),
    MetricDefinition(
        key="churned_mrr",
        name="Churned MRR",
        group=RECURRING,
        unit="money",
        higher_is_better=False,
        cuts=ACCOUNT_CUTS,
        formula="sum(opening) over accounts with opening > 0 and closing = 0",
        what="The opening MRR of the customers who stopped paying during the period.",
        why="Revenue lost to churn must be won again before the business grows.",
    ),
    MetricDefinition(
        key="customers",
        name="Customers",
        group=RECURRING,
        unit="count",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="accounts with MRR > 0 on the last day of P",
        what="Accounts paying (MRR above zero) on the last day of the period.",
        why="The customer base: denominator of ARPA and the next period's churn rate.",
    ),
    MetricDefinition(
        key="opening_customers",
        name="Opening customers",
        group=RECURRING,
        unit="count",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="accounts with MRR > 0 on the day before P",
        what="Accounts paying on the day before the period starts.",
        why="The base the customer churn rate is measured against.",
    ),
    MetricDefinition(
        key="churned_customers",
        name="Churned customers",
        group=RECURRING,
        unit="count",
        higher_is_better=False,
        cuts=ACCOUNT_CUTS,
        formula="accounts with opening MRR > 0 and closing MRR = 0",
        what="Accounts that paid at the start of the period and pay nothing at its end.",
        why="Each one is a lost relationship; the list behind it is customer success's follow-up.",
    ),
    MetricDefinition(
        key="arpa",
        name="ARPA",
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="MRR / customers on the last day of P",
        what="Average MRR per paying account at the end of the period.",
        why="Shows whether we move up- or down-market and feeds LTV.",
    ),
    MetricDefinition(
        key="customer_churn_rate",
        name="Customer churn rate",
        group=RECURRING,
        unit="ratio",
        higher_is_better=False,
        cuts=ACCOUNT_CUTS,
        formula="churned customers / customers on the day before P",
        what="The share of the period's opening customers who churned during it.",
        why=(
            "Retention is the foundation of recurring revenue: every churned customer must be "
            "replaced before the business can grow."
        ),
    ),
    MetricDefinition(
        key="gross_mrr_churn_rate",
        name="Gross MRR churn rate",
        group=RECURRING,
        unit="ratio",
        higher_is_better=False,
        cuts=ACCOUNT_CUTS,
        formula="(churn + contraction) / opening MRR",
        what="The share of opening MRR lost to churn and contraction in the period.",
        why="Revenue-weighted churn: the gross leak before any expansion offsets it.",
    ),
    MetricDefinition(
        key="nrr",
        name="Net revenue retention",
        group=RECURRING,
        unit="ratio",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="(opening MRR + expansion − contraction − churn) / opening MRR",
        what="Opening MRR plus expansion minus contraction and churn, as a share of opening MRR.",
        why=(
            "Above 100% the existing customers grow the business on their own; the single best "
            "sign of product value and customer success."
        ),
    ),
    MetricDefinition(
        key="grr",
        name="Gross revenue retention",
        group=RECURRING,
        unit="ratio",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="(opening MRR − contraction − churn) / opening MRR",
        what="Opening MRR minus contraction and churn, as a share of opening MRR (at most 100%).",
        why="How much revenue we keep without counting upsell: the floor of retention.",
    ),
    MetricDefinition(
        key="expansion_rate",
        name="Expansion rate",
        group=RECURRING,
        unit="ratio",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="expansion / opening MRR",
        what="Expansion MRR as a share of opening MRR.",
        why="How well we grow inside existing accounts through upsell and cross-sell.",
    ),
    MetricDefinition(
        key="monthly_churn_rate",
        name="Monthly churn",
        group=RECURRING,
        unit="ratio",
        higher_is_better=False,
        cuts=ACCOUNT_CUTS,
        formula="1 − (1 − customer churn rate)^(1/n), n = calendar months in P",
        what=(
            "The customer churn rate converted to a per-month rate, so quarters and years compare "
            "with months."
        ),
        why="The churn input of LTV.",
    ),
    MetricDefinition(
        key="ltv",
        name="LTV",
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="ARPA × gross margin / monthly churn",
        what=(
            "Customer lifetime value: ARPA × gross margin / monthly churn — the gross profit a "
            "customer brings over their life."
        ),
        why="Tells how much it is worth spending to acquire and keep a customer; read with CAC.",
    ),
    MetricDefinition(
        key="quick_ratio",
        name="SaaS quick ratio",
        group=RECURRING,
        unit="multiple",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="(new + reactivation + expansion) / (contraction + churn)",
        what="MRR gained (new, reactivation, expansion) per unit of MRR lost (contraction, churn).",
        why="Growth efficiency: above 4 is healthy, below 1 the business shrinks.",
    ),
    # --- Acquisition (opportunities, accounts, spend) ---
    MetricDefinition(
        key="new_customers",
        name="New customers",
        group=ACQUISITION,
        unit="count",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula="accounts whose earliest won opportunity closes in P",
        what=(
            "Accounts whose first won opportunity closed in the period; by channel, the source of "
            "that first deal."
        ),
        why="The denominator of CAC: what the acquisition spend bought.",
    ),
    MetricDefinition(
        key="spend",
        name="Spend",
        group=ACQUISITION,
        unit="money",
        higher_is_better=None,
        cuts=ALL_AND_CHANNEL,
        formula="marketing + sales spend over the months in P",
        what="Marketing plus sales spend over the months of the period.",
        why="The cost side of acquisition: the numerator of CAC and CAC payback.",
    ),
    MetricDefinition(
        key="cac",
        name="CAC",
        group=ACQUISITION,
        unit="money",
        higher_is_better=False,
        cuts=ALL_AND_CHANNEL,
        formula="(marketing + sales spend in P) / new customers in P",
        what=(
            "Customer acquisition cost: sales and marketing spend per new customer in the period "
            "(by channel: that channel's spend per customer it brought)."
        ),
        why="Shows how efficiently we buy growth and which channels deserve the next dollar.",
    ),
    MetricDefinition(
        key="ltv_cac",
        name="LTV : CAC",
        group=ACQUISITION,
        unit="multiple",
        higher_is_better=True,
        cuts=ALL_AND_CHANNEL,
        formula="LTV / CAC",
        what=(
            "Lifetime value divided by acquisition cost (by channel: the LTV of the accounts "
            "acquired through it over the channel's CAC)."
        ),
        why=(
            "Whether customers are worth what they cost to win: around 3 or more is healthy, "
            "below 1 every new customer loses money."
        ),
    ),
    MetricDefinition(
        key="cac_payback_months",
        name="CAC payback",
        group=ACQUISITION,
        unit="months",
        higher_is_better=False,
        cuts=ALL_AND_CHANNEL,
        formula="spend in P / (new MRR in P × gross margin)",
        what=(
            "Months of a new customer's gross-margin MRR needed to earn back the acquisition spend "
            "(by channel: its spend and the new MRR of the accounts acquired through it)."
        ),
        why="Cash efficiency: a long payback ties up cash and makes growth expensive to fund.",
    ),
)

# --- Funnel (leads; metrics/calculations/funnel.py): a lead counts in the period it was created in ---
FUNNEL_METRICS: tuple[MetricDefinition, ...] = (
    MetricDefinition(
        key="leads_created",
        name="Leads",
        group=FUNNEL,
        unit="count",
        higher_is_better=True,
        cuts=ALL_AND_CHANNEL,
        formula="leads with created_date in P",
        what="How many leads came in during the period (by channel: the leads' source).",
        why="The top of the funnel: marketing's volume, and the cohort the funnel rates follow.",
    ),
    MetricDefinition(
        key="qualified_leads",
        name="Qualified leads",
        group=FUNNEL,
        unit="count",
        higher_is_better=True,
        cuts=ALL_AND_CHANNEL,
        formula="leads created in P that have a qualified_date",
        what="How many of the leads created in the period have qualified so far.",
        why="The leads worth sales' time: the hand-over from marketing to sales.",
    ),
    MetricDefinition(
        key="lead_qualification_rate",
        name="Lead qualification rate",
        group=FUNNEL,
        unit="ratio",
        higher_is_better=True,
        cuts=ALL_AND_CHANNEL,
        formula="qualified leads / leads created",
        what="The share of the leads created in the period that have qualified so far.",
        why=(
            "Lead quality: a channel that brings many leads but few qualified ones costs sales "
            "time without filling the pipeline."
        ),
    ),
    MetricDefinition(
        key="converted_leads",
        name="Converted leads",
        group=FUNNEL,
        unit="count",
        higher_is_better=True,
        cuts=ALL_AND_CHANNEL,
        formula="leads created in P that have a converted_date",
        what="How many of the leads created in the period have converted so far.",
        why="The leads that became business: what the funnel is for.",
    ),
    MetricDefinition(
        key="lead_conversion_rate",
        name="Lead conversion rate",
        group=FUNNEL,
        unit="ratio",
        higher_is_better=True,
        cuts=ALL_AND_CHANNEL,
        formula="converted leads / leads created",
        what="The share of the leads created in the period that have converted so far.",
        why=(
            "The funnel's yield end to end; compared by channel it says where the next "
            "marketing dollar works hardest. A recent cohort is still young: its rate rises."
        ),
    ),
    MetricDefinition(
        key="lead_conversion_days",
        name="Lead conversion time",
        group=FUNNEL,
        unit="days",
        higher_is_better=False,
        cuts=ALL_AND_CHANNEL,
        formula="mean(converted_date − created_date) over the leads whose converted_date is in P",
        what="The average number of days from a lead's creation to its conversion, over the "
        "leads converted in the period.",
        why="A slow funnel delays revenue and makes marketing's results show up late.",
    ),
    MetricDefinition(
        key="cost_per_lead",
        name="Cost per lead",
        group=FUNNEL,
        unit="money",
        higher_is_better=False,
        cuts=ALL_AND_CHANNEL,
        formula="marketing spend in P / leads created in P",
        what="Marketing spend per lead created in the period (by channel: that channel's spend "
        "and leads).",
        why="What a lead costs, per channel: read with the qualification and conversion rates.",
    ),
)
METRICS = METRICS + FUNNEL_METRICS

BY_KEY: dict[str, MetricDefinition] = {m.key: m for m in METRICS}
KEYS: tuple[str, ...] = tuple(BY_KEY)


def get(key: str) -> MetricDefinition | None:
    return BY_KEY.get(key)
