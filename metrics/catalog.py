"""Every metric: its stable key, name, unit, cuts, formula, and what it measures and why.

The single source of the definitions: `manage.py metrics_docs` writes docs/metrics.md from
it, and the metric pages show the same text. The keys are the metrics' identifiers in URLs,
JSON, the admin and playbook shortcodes: never rename one.
"""

from dataclasses import dataclass

# Lazy: the catalogue is built at import, each text is read in the reader's language at render.
# Machine outputs (docs/metrics.md, the console report) render it with translation.override("en").
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ALL = "all"
SEGMENT = "segment"
CHANNEL = "channel"
INDUSTRY = "industry"  # an account's industry
OWNER = "owner"  # an opportunity's owner
TEAM = "team"  # the opportunity owner's team (the `teams` records)
CUT_KINDS = (ALL, SEGMENT, CHANNEL, INDUSTRY, OWNER, TEAM)
# What people read for a cut kind (filters, headings); the kinds themselves stay machine words.
CUT_KIND_NAMES = {
    ALL: pgettext_lazy("metric cut", "All"),
    SEGMENT: pgettext_lazy("metric cut", "Segment"),
    CHANNEL: pgettext_lazy("metric cut", "Channel"),
    INDUSTRY: pgettext_lazy("metric cut", "Industry"),
    OWNER: pgettext_lazy("metric cut", "Owner"),
    TEAM: pgettext_lazy("metric cut", "Team"),
}


def cut_kind_name(kind: str) -> str:
    """A cut kind as a sentence names it, in the active language: "segment", "сегмент"."""
    return str(CUT_KIND_NAMES.get(kind, kind)).lower()


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
    name: str  # this and the other texts: lazy translations (str() reads the active language)
    group: str  # one of GROUPS
    unit: str  # one of UNITS
    higher_is_better: bool | None  # None: neither direction is good in itself
    cuts: tuple[str, ...]
    formula: str
    what: str  # what it measures, in a sentence a manager reads
    why: str  # why it matters

    def __hash__(self):
        # By key: the texts are lazy, and would hash (and fail before start-up) by language.
        return hash(self.key)

    def __post_init__(self):
        if self.group not in GROUPS or self.unit not in UNITS:
            raise ValueError(f"{self.key}: unknown group {self.group!r} or unit {self.unit!r}.")
        if ALL not in self.cuts or not set(self.cuts) <= set(CUT_KINDS):
            raise ValueError(f"{self.key}: cuts must include {ALL!r} and only {CUT_KINDS}.")


METRICS: tuple[MetricDefinition, ...] = (
    # --- Pipeline (opportunities) ---
    MetricDefinition(
        key="win_rate",
        name=_("Win rate"),
        group=PIPELINE,
        unit="ratio",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula=_("won closed in P / (won + lost closed in P)"),
        what=_("The share of opportunities closed in the period that were won."),
        why=_(
            "It shows how well sales turns qualified pipeline into customers; a falling rate "
            "warns of weak qualification, pricing or competition before revenue drops."
        ),
    ),
    MetricDefinition(
        key="won_count",
        name=_("Won deals"),
        group=PIPELINE,
        unit="count",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula=_("count of won opportunities closed in P"),
        what=_("How many opportunities were won in the period."),
        why=_("The raw count of deals behind win rate, new customers and average deal size."),
    ),
    MetricDefinition(
        key="lost_count",
        name=_("Lost deals"),
        group=PIPELINE,
        unit="count",
        higher_is_better=False,
        cuts=PIPELINE_CUTS,
        formula=_("count of lost opportunities closed in P"),
        what=_("How many opportunities were lost in the period."),
        why=_(
            "Losses are the other half of win rate; a spike points at a problem worth a loss "
            "review."
        ),
    ),
    MetricDefinition(
        key="won_amount",
        name=_("Won amount"),
        group=PIPELINE,
        unit="money",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula=_("sum(amount of won opportunities closed in P)"),
        what=_("The total amount of the opportunities won in the period."),
        why=_("Bookings: the actual that forecast accuracy is measured against."),
    ),
    MetricDefinition(
        key="avg_deal_size",
        name=_("Average deal size"),
        group=PIPELINE,
        unit="money",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula=_("sum(amount of won closed in P) / count(won closed in P)"),
        what=_("The average amount of an opportunity won in the period."),
        why=_(
            "With win rate and cycle length it drives pipeline velocity; a shift shows a change "
            "in who we sell to or how we price."
        ),
    ),
    MetricDefinition(
        key="sales_cycle_days",
        name=_("Sales cycle length"),
        group=PIPELINE,
        unit="days",
        higher_is_better=False,
        cuts=PIPELINE_CUTS,
        formula=_("mean(close_date − created_date) over won closed in P"),
        what=_(
            "The average number of days from an opportunity's creation to its win, over deals won "
            "in the period."
        ),
        why=_("Shorter cycles turn pipeline into revenue faster and make forecasts more reliable."),
    ),
    MetricDefinition(
        key="open_pipeline_count",
        name=_("Open pipeline (deals)"),
        group=PIPELINE,
        unit="count",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula=_("count of opportunities open at the end of P"),
        what=_("How many opportunities are open at the end of the period."),
        why=_("The deals sales can still win: the volume input of pipeline velocity."),
    ),
    MetricDefinition(
        key="open_pipeline_amount",
        name=_("Open pipeline (amount)"),
        group=PIPELINE,
        unit="money",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula=_("sum(amount) of opportunities open at the end of P"),
        what=_(
            "The total amount of the opportunities open at the end of the period (unvalued deals "
            "count as 0)."
        ),
        why=_("Tells whether there is enough pipeline to reach next period's target."),
    ),
    MetricDefinition(
        key="pipeline_velocity",
        name=_("Pipeline velocity"),
        group=PIPELINE,
        unit="money_per_day",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula=_("open pipeline count × win rate × average deal size / sales cycle length"),
        what=_("How much money the open pipeline is expected to turn into per day."),
        why=_(
            "One number that combines pipeline volume, win rate, deal size and speed; improving "
            "any of the four raises it."
        ),
    ),
    MetricDefinition(
        key="renewal_rate",
        name=_("Renewal rate"),
        group=PIPELINE,
        unit="ratio",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula=_("won / (won + lost) among renewal opportunities closed in P"),
        what=_("The share of renewal opportunities closed in the period that were won."),
        why=_(
            "Keeping customers is cheaper than winning new ones; a falling renewal rate is an "
            "early churn warning for customer success."
        ),
    ),
    MetricDefinition(
        key="renewal_rate_amount",
        name=_("Renewal rate (amount)"),
        group=PIPELINE,
        unit="ratio",
        higher_is_better=True,
        cuts=PIPELINE_CUTS,
        formula=_("won amount / (won + lost amount) among renewal opportunities closed in P"),
        what=_("The share of the renewal amount closed in the period that was won."),
        why=_(
            "Weights renewals by value: losing one large customer shows here even when the count "
            "rate looks fine."
        ),
    ),
    MetricDefinition(
        key="forecast_amount",
        name=_("Forecast"),
        group=PIPELINE,
        unit="money",
        higher_is_better=None,
        cuts=ALL_ONLY,
        formula=_(
            "the latest forecast for P recorded on or before its first day (if none, the earliest "
            "recorded for P)"
        ),
        what=_(
            "The bookings forecast for the period: the latest recorded on or before its first day."
        ),
        why=_("The commitment that forecast accuracy holds sales to."),
    ),
    MetricDefinition(
        key="forecast_accuracy",
        name=_("Forecast accuracy"),
        group=PIPELINE,
        unit="ratio",
        higher_is_better=True,
        cuts=ALL_ONLY,
        formula=_("1 − abs(F − A) / A, A = won amount closed in P, F = the forecast for P"),
        what=_("How close the forecast came to the amount actually won in the period (1 = exact)."),
        why=_(
            "Leadership plans hiring and spend on the forecast; a predictable revenue engine is "
            "the whole point of RevOps."
        ),
    ),
    # --- Recurring revenue (subscriptions) ---
    MetricDefinition(
        key="mrr",
        name=pgettext_lazy("metric name", "MRR"),
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("closing MRR of all accounts"),
        what=_(
            "Monthly recurring revenue on the last day of the period: the sum of the running "
            "subscriptions."
        ),
        why=_(
            "The size of the recurring business today; every movement metric explains its change."
        ),
    ),
    MetricDefinition(
        key="arr",
        name=pgettext_lazy("metric name", "ARR"),
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("12 × MRR"),
        what=_("Annual recurring revenue: twelve times MRR on the last day of the period."),
        why=_(
            "The headline size of a subscription business, the figure boards and investors track."
        ),
    ),
    MetricDefinition(
        key="opening_mrr",
        name=_("Opening MRR"),
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("MRR on the day before P starts"),
        what=_("MRR on the day before the period starts."),
        why=_("The base that retention and churn rates are measured against."),
    ),
    MetricDefinition(
        key="new_mrr",
        name=_("New MRR"),
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("closing MRR of accounts with no MRR before P and no earlier subscription"),
        what=_("MRR from accounts that became customers for the first time in the period."),
        why=_("Growth from acquisition: what marketing and sales added."),
    ),
    MetricDefinition(
        key="reactivation_mrr",
        name=_("Reactivation MRR"),
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("closing MRR of returning accounts with no MRR on the day before P"),
        what=_("MRR from former customers who came back in the period."),
        why=_("Win-backs, kept apart so they don't flatter new business."),
    ),
    MetricDefinition(
        key="expansion_mrr",
        name=_("Expansion MRR"),
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("sum(closing − opening) over accounts with 0 < opening < closing"),
        what=_(
            "MRR added by existing customers who pay more at the end of the period than at its "
            "start."
        ),
        why=_("Upsell and cross-sell: growth that needs no acquisition spend."),
    ),
    MetricDefinition(
        key="contraction_mrr",
        name=_("Contraction MRR"),
        group=RECURRING,
        unit="money",
        higher_is_better=False,
        cuts=ACCOUNT_CUTS,
        formula=_("sum(opening − closing) over accounts with 0 < closing < opening"),
        what=_("MRR lost from customers who still pay, but less than at the start of the period."),
        why=_("Downgrades often come before churn; customer success should know who they are."),
    ),
    MetricDefinition(
        key="churned_mrr",
        name=_("Churned MRR"),
        group=RECURRING,
        unit="money",
        higher_is_better=False,
        cuts=ACCOUNT_CUTS,
        formula=_("sum(opening) over accounts with opening > 0 and closing = 0"),
        what=_("The opening MRR of the customers who stopped paying during the period."),
        why=_("Revenue lost to churn must be won again before the business grows."),
    ),
    MetricDefinition(
        key="customers",
        name=_("Customers"),
        group=RECURRING,
        unit="count",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("accounts with MRR > 0 on the last day of P"),
        what=_("Accounts paying (MRR above zero) on the last day of the period."),
        why=_("The customer base: denominator of ARPA and the next period's churn rate."),
    ),
    MetricDefinition(
        key="opening_customers",
        name=_("Opening customers"),
        group=RECURRING,
        unit="count",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("accounts with MRR > 0 on the day before P"),
        what=_("Accounts paying on the day before the period starts."),
        why=_("The base the customer churn rate is measured against."),
    ),
    MetricDefinition(
        key="churned_customers",
        name=_("Churned customers"),
        group=RECURRING,
        unit="count",
        higher_is_better=False,
        cuts=ACCOUNT_CUTS,
        formula=_("accounts with opening MRR > 0 and closing MRR = 0"),
        what=_("Accounts that paid at the start of the period and pay nothing at its end."),
        why=_(
            "Each one is a lost relationship; the list behind it is customer success's follow-up."
        ),
    ),
    MetricDefinition(
        key="arpa",
        name=pgettext_lazy("metric name", "ARPA"),
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("MRR / customers on the last day of P"),
        what=_("Average MRR per paying account at the end of the period."),
        why=_("Shows whether we move up- or down-market and feeds LTV."),
    ),
    MetricDefinition(
        key="customer_churn_rate",
        name=_("Customer churn rate"),
        group=RECURRING,
        unit="ratio",
        higher_is_better=False,
        cuts=ACCOUNT_CUTS,
        formula=_("churned customers / customers on the day before P"),
        what=_("The share of the period's opening customers who churned during it."),
        why=_(
            "Retention is the foundation of recurring revenue: every churned customer must be "
            "replaced before the business can grow."
        ),
    ),
    MetricDefinition(
        key="gross_mrr_churn_rate",
        name=_("Gross MRR churn rate"),
        group=RECURRING,
        unit="ratio",
        higher_is_better=False,
        cuts=ACCOUNT_CUTS,
        formula=_("(churn + contraction) / opening MRR"),
        what=_("The share of opening MRR lost to churn and contraction in the period."),
        why=_("Revenue-weighted churn: the gross leak before any expansion offsets it."),
    ),
    MetricDefinition(
        key="nrr",
        name=_("Net revenue retention"),
        group=RECURRING,
        unit="ratio",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("(opening MRR + expansion − contraction − churn) / opening MRR"),
        what=_(
            "Opening MRR plus expansion minus contraction and churn, as a share of opening MRR."
        ),
        why=_(
            "Above 100% the existing customers grow the business on their own; the single best "
            "sign of product value and customer success."
        ),
    ),
    MetricDefinition(
        key="grr",
        name=_("Gross revenue retention"),
        group=RECURRING,
        unit="ratio",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("(opening MRR − contraction − churn) / opening MRR"),
        what=_(
            "Opening MRR minus contraction and churn, as a share of opening MRR (at most 100%)."
        ),
        why=_("How much revenue we keep without counting upsell: the floor of retention."),
    ),
    MetricDefinition(
        key="expansion_rate",
        name=_("Expansion rate"),
        group=RECURRING,
        unit="ratio",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("expansion / opening MRR"),
        what=_("Expansion MRR as a share of opening MRR."),
        why=_("How well we grow inside existing accounts through upsell and cross-sell."),
    ),
    MetricDefinition(
        key="monthly_churn_rate",
        name=_("Monthly churn"),
        group=RECURRING,
        unit="ratio",
        higher_is_better=False,
        cuts=ACCOUNT_CUTS,
        formula=_("1 − (1 − customer churn rate)^(1/n), n = calendar months in P"),
        what=_(
            "The customer churn rate converted to a per-month rate, so quarters and years compare "
            "with months."
        ),
        why=_("The churn input of LTV."),
    ),
    MetricDefinition(
        key="ltv",
        name=pgettext_lazy("metric name", "LTV"),
        group=RECURRING,
        unit="money",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("ARPA × gross margin / monthly churn"),
        what=_(
            "Customer lifetime value: ARPA × gross margin / monthly churn — the gross profit a "
            "customer brings over their life."
        ),
        why=_("Tells how much it is worth spending to acquire and keep a customer; read with CAC."),
    ),
    MetricDefinition(
        key="quick_ratio",
        name=_("SaaS quick ratio"),
        group=RECURRING,
        unit="multiple",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("(new + reactivation + expansion) / (contraction + churn)"),
        what=_(
            "MRR gained (new, reactivation, expansion) per unit of MRR lost (contraction, churn)."
        ),
        why=_("Growth efficiency: above 4 is healthy, below 1 the business shrinks."),
    ),
    # --- Acquisition (opportunities, accounts, spend) ---
    MetricDefinition(
        key="new_customers",
        name=_("New customers"),
        group=ACQUISITION,
        unit="count",
        higher_is_better=True,
        cuts=ACCOUNT_CUTS,
        formula=_("accounts whose earliest won opportunity closes in P"),
        what=_(
            "Accounts whose first won opportunity closed in the period; by channel, the source of "
            "that first deal."
        ),
        why=_("The denominator of CAC: what the acquisition spend bought."),
    ),
    MetricDefinition(
        key="spend",
        name=_("Spend"),
        group=ACQUISITION,
        unit="money",
        higher_is_better=None,
        cuts=ALL_AND_CHANNEL,
        formula=_("marketing + sales spend over the months in P"),
        what=_("Marketing plus sales spend over the months of the period."),
        why=_("The cost side of acquisition: the numerator of CAC and CAC payback."),
    ),
    MetricDefinition(
        key="cac",
        name=pgettext_lazy("metric name", "CAC"),
        group=ACQUISITION,
        unit="money",
        higher_is_better=False,
        cuts=ALL_AND_CHANNEL,
        formula=_("(marketing + sales spend in P) / new customers in P"),
        what=_(
            "Customer acquisition cost: sales and marketing spend per new customer in the period "
            "(by channel: that channel's spend per customer it brought)."
        ),
        why=_("Shows how efficiently we buy growth and which channels deserve the next dollar."),
    ),
    MetricDefinition(
        key="ltv_cac",
        name=pgettext_lazy("metric name", "LTV : CAC"),
        group=ACQUISITION,
        unit="multiple",
        higher_is_better=True,
        cuts=ALL_AND_CHANNEL,
        formula=_("LTV / CAC"),
        what=_(
            "Lifetime value divided by acquisition cost (by channel: the LTV of the accounts "
            "acquired through it over the channel's CAC)."
        ),
        why=_(
            "Whether customers are worth what they cost to win: around 3 or more is healthy, "
            "below 1 every new customer loses money."
        ),
    ),
    MetricDefinition(
        key="cac_payback_months",
        name=_("CAC payback"),
        group=ACQUISITION,
        unit="months",
        higher_is_better=False,
        cuts=ALL_AND_CHANNEL,
        formula=_("spend in P / (new MRR in P × gross margin)"),
        what=_(
            "Months of a new customer's gross-margin MRR needed to earn back the acquisition spend "
            "(by channel: its spend and the new MRR of the accounts acquired through it)."
        ),
        why=_("Cash efficiency: a long payback ties up cash and makes growth expensive to fund."),
    ),
)

# --- Funnel (leads; metrics/calculations/funnel.py): a lead counts in the period it was created in ---
FUNNEL_METRICS: tuple[MetricDefinition, ...] = (
    MetricDefinition(
        key="leads_created",
        name=_("Leads"),
        group=FUNNEL,
        unit="count",
        higher_is_better=True,
        cuts=ALL_AND_CHANNEL,
        formula=_("leads with created_date in P"),
        what=_("How many leads came in during the period (by channel: the leads' source)."),
        why=_("The top of the funnel: marketing's volume, and the cohort the funnel rates follow."),
    ),
    MetricDefinition(
        key="qualified_leads",
        name=_("Qualified leads"),
        group=FUNNEL,
        unit="count",
        higher_is_better=True,
        cuts=ALL_AND_CHANNEL,
        formula=_("leads created in P that have a qualified_date"),
        what=_("How many of the leads created in the period have qualified so far."),
        why=_("The leads worth sales' time: the hand-over from marketing to sales."),
    ),
    MetricDefinition(
        key="lead_qualification_rate",
        name=_("Lead qualification rate"),
        group=FUNNEL,
        unit="ratio",
        higher_is_better=True,
        cuts=ALL_AND_CHANNEL,
        formula=_("qualified leads / leads created"),
        what=_("The share of the leads created in the period that have qualified so far."),
        why=_(
            "Lead quality: a channel that brings many leads but few qualified ones costs sales "
            "time without filling the pipeline."
        ),
    ),
    MetricDefinition(
        key="converted_leads",
        name=_("Converted leads"),
        group=FUNNEL,
        unit="count",
        higher_is_better=True,
        cuts=ALL_AND_CHANNEL,
        formula=_("leads created in P that have a converted_date"),
        what=_("How many of the leads created in the period have converted so far."),
        why=_("The leads that became business: what the funnel is for."),
    ),
    MetricDefinition(
        key="lead_conversion_rate",
        name=_("Lead conversion rate"),
        group=FUNNEL,
        unit="ratio",
        higher_is_better=True,
        cuts=ALL_AND_CHANNEL,
        formula=_("converted leads / leads created"),
        what=_("The share of the leads created in the period that have converted so far."),
        why=_(
            "The funnel's yield end to end; compared by channel it says where the next "
            "marketing dollar works hardest. A recent cohort is still young: its rate rises."
        ),
    ),
    MetricDefinition(
        key="lead_conversion_days",
        name=_("Lead conversion time"),
        group=FUNNEL,
        unit="days",
        higher_is_better=False,
        cuts=ALL_AND_CHANNEL,
        formula=_(
            "mean(converted_date − created_date) over the leads whose converted_date is in P"
        ),
        what=_(
            "The average number of days from a lead's creation to its conversion, over the "
            "leads converted in the period."
        ),
        why=_("A slow funnel delays revenue and makes marketing's results show up late."),
    ),
    MetricDefinition(
        key="cost_per_lead",
        name=_("Cost per lead"),
        group=FUNNEL,
        unit="money",
        higher_is_better=False,
        cuts=ALL_AND_CHANNEL,
        formula=_("marketing spend in P / leads created in P"),
        what=_(
            "Marketing spend per lead created in the period (by channel: that channel's spend "
            "and leads)."
        ),
        why=_("What a lead costs, per channel: read with the qualification and conversion rates."),
    ),
)
METRICS = METRICS + FUNNEL_METRICS

BY_KEY: dict[str, MetricDefinition] = {m.key: m for m in METRICS}
KEYS: tuple[str, ...] = tuple(BY_KEY)


def get(key: str) -> MetricDefinition | None:
    return BY_KEY.get(key)
