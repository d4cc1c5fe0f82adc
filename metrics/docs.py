"""docs/metrics.md, written from the catalog: the definitions documented inside the project.

`manage.py metrics_docs` writes the file; `--check` (and a test) fails when it is out of date.
The conventions below are the rules the calculations follow; each metric's entry comes from
its catalog definition, so a definition changed in one place is documented in the same change.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import translation

from . import catalog
from .importing.schema import RECORD_KINDS
from .periods import WEEKS_COMPUTED

GROUP_TITLES = {
    catalog.PIPELINE: "Pipeline metrics (from opportunities)",
    catalog.RECURRING: "Recurring revenue metrics (from subscriptions)",
    catalog.ACQUISITION: "Acquisition metrics (opportunities, accounts, spend)",
    catalog.FUNNEL: "Funnel metrics (from leads)",
}
UNIT_NAMES = {
    "ratio": "ratio (shown as a percentage)",
    "money": "money",
    "count": "count",
    "days": "days",
    "months": "months",
    "money_per_day": "money per day",
    "multiple": "multiple (×)",
}
DIRECTION = {True: "higher is better", False: "lower is better", None: "neither way is better"}

CONVENTIONS = f"""\
## Conventions

- **Money** is a Decimal in one currency (setting `METRICS_CURRENCY`), never a float.
- A **period** P is a half-open range of days `[s, e)`: `s-1` is the day before P starts,
  `e-1` its last day. A run stores every calendar month, quarter and year that the records
  cover, and their last {WEEKS_COMPUTED} ISO weeks (Monday to Sunday, written `2026-W48` in the ISO
  week-numbering year, so 2026-W01 starts on 2025-12-29; a week counts its 7 days / 30.4375
  months), within the plausible dates (settings `METRICS_EARLIEST_DATE`, default 1970-01-01, to
  `METRICS_YEARS_AHEAD` years after today); pages also read custom ranges
  (`2017-01-01..2017-07-01`).
- A **subscription** covers the days `start_date <= d < end_date`; an empty `end_date` means
  it still runs (`end_date` is the first day without service). An account's **MRR on day d**
  is the sum of the `mrr` of its subscriptions covering d; its **opening MRR** for P is its MRR
  on `s-1`, its **closing MRR** its MRR on `e-1`. A **customer** on day d is an account with
  MRR > 0.
- The recurring **movements** of an account with opening MRR `o` and closing MRR `c`: *new*
  (`o = 0, c > 0`, no subscription starting before `s`) adds `c`; *reactivation* (`o = 0,
  c > 0`, one before) adds `c`; *expansion* (`0 < o < c`) adds `c − o`; *contraction*
  (`0 < c < o`) adds `o − c`; *churn* (`o > 0, c = 0`) adds `o`. Opening MRR + new +
  reactivation + expansion − contraction − churn = closing MRR, always.
- An opportunity is **closed in P** when it is won or lost and its `close_date` is in P; it
  is **open at the end of P** when `created_date <= e-1` and it is not closed with
  `close_date <= e-1`. An empty `amount` counts as 0 in every sum.
- A **new customer in P** is an account whose earliest won opportunity (earliest
  `close_date`, then `created_date`, then `external_id`) closes in P. **Spend** in P is the
  sum of the spend rows of the months in P. **Gross margin** is a setting
  (`METRICS_GROSS_MARGIN`, 0 < gm ≤ 1, default 1).
- A **forecast is for P** when its `period_start` is `s` and its `period_end` is `e-1`; F is
  the latest recorded on or before `s`, else the earliest recorded for P.
- A **lead** counts in the period it was **created** in (a cohort): the funnel's counts and
  rates answer "of the leads that came in during P, how many have qualified, and how many have
  converted, so far"; conversion time averages over the leads converted in P. Cost per lead
  divides the **marketing** spend in P.
- A ratio whose denominator is zero is **undefined**: stored as null and shown as "—" with the
  reason, never 0 or ∞. A sum or a count over no records is 0.
- **Cuts**, one at a time: `segment` (the record's account's segment; records without an
  account are in "all" only) and `channel` (spend: its channel; an account and its becoming a
  customer: the `source` of its first won opportunity). Every figure has the "all" cut; the
  cuts each metric has are listed with it.
"""


RECORDS_INTRO = """\
## Records (the canonical CSV columns)

What `import_crm` and the portal's imports read; presets map Salesforce and HubSpot exports
onto these columns, and a mapping can name any other column. Dates are ISO `YYYY-MM-DD`
(presets also read the exporters' own formats) within the plausible dates above; money is a
plain decimal; spend's `month` is `YYYY-MM`. Importing a record whose key exists updates it:
imports are idempotent. Opportunities also need a status (`open`, `won` or `lost`): a
`status` column, a stage → status map, or the Salesforce closed/won flags; a closed one
needs a `close_date`. A subscription's `end_date` is not before its `start_date`. A lead's
`qualified_date` and `converted_date` are not before its `created_date`.
"""


def _records() -> list[str]:
    lines = [RECORDS_INTRO, "| kind | columns (required in bold) | key |", "|---|---|---|"]
    for kind in RECORD_KINDS.values():
        columns = ", ".join(
            f"**{name}**" if name in kind.required else name for name in kind.fields
        )
        lines.append(f"| {kind.name} | {columns} | {', '.join(kind.key)} |")
    return lines + [""]


def _cuts(definition: catalog.MetricDefinition) -> str:
    return ", ".join(f"`{cut}`" for cut in definition.cuts)


@translation.override("en")  # the catalogue's texts are lazy translations; the file is English
def render() -> str:
    """The whole of docs/metrics.md."""
    lines = [
        "# Metric definitions",
        "",
        "<!-- Generated from metrics/catalog.py by `python manage.py metrics_docs`: edit the "
        "catalog, not this file. -->",
        "",
        "One definition per metric, the same for every team. The key is the metric's stable "
        "identifier: in URLs, in the JSON the portal emits, in the admin and in playbook "
        "shortcodes (`{{ metric:win_rate }}`). Every figure is stored with its numerator and "
        "denominator.",
        "",
        CONVENTIONS,
    ]
    for group in catalog.GROUPS:
        members = [m for m in catalog.METRICS if m.group == group]
        lines += [f"## {GROUP_TITLES[group]}", "", "| key | metric | formula |", "|---|---|---|"]
        lines += [f"| `{m.key}` | {m.name} | {m.formula} |" for m in members]
        lines.append("")
        for m in members:
            lines += [
                f"### {m.name} (`{m.key}`)",
                "",
                f"- Formula: {m.formula}",
                f"- Unit: {UNIT_NAMES[m.unit]}; {DIRECTION[m.higher_is_better]}",
                f"- Cuts: {_cuts(m)}",
                "",
                str(m.what),
                "",
                f"**Why it matters.** {m.why}",
                "",
            ]
    lines += _records()
    return "\n".join(lines).rstrip("\n") + "\n"


def default_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "metrics.md"


def is_current(path: Path) -> bool:
    return path.exists() and path.read_text(encoding="utf-8") == render()


def write(path: Path) -> bool:
    """Write the file; True when it changed."""
    if is_current(path):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return True
