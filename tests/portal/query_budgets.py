"""The query-count baselines: the most queries each page (or computation) may issue, in one table.

The tests that measure them (tests/playbook/test_query_counts.py,
tests/metrics/test_dashboard_queries.py, tests/metrics/test_calculation_queries.py) also check
that the count is the same with little and with much data, so a budget here is a ceiling for
regressions, not a figure that grows with the data. When a change lowers a count, lower the
budget with it; raising one needs a reason in the commit message.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

QUERY_BUDGETS = {
    # Playbook pages, for any logged-in persona, at 10 or 200 revisions per section. The table
    # of contents, a section and a page are kept whole for each reader under the change counter
    # (issue 10, revops_portal/kept/): the session, the user and the counter.
    "/playbook/": 3,
    "/playbook/target-audience/": 3,
    # A page under a section, at 2 or 30 pages in the section.
    "/playbook/<page>/": 3,
    # What a reader's first request after a change costs (what is kept for them made again).
    # The table of contents: + the sections with the reader's last-read revisions, the
    # reader's rights (champion and object permissions in one query), the recent changes.
    "/playbook/ (first reader)": 6,
    # A section: + it with the reader's last visit, watch and "I have read this" (one query),
    # their rights (one), its pages, open flags and metric links (kept for every reader under
    # the counter the request read); the titles of its [[page links]] one more when it has links.
    "/playbook/target-audience/ (first reader)": 8,
    # The champion's review queue and an owner's own, at 2 or 40 open flags.
    "/playbook/reviews/": 7,
    "/playbook/mine/": 7,  # 6, + the pages its sections' and pages' links name (issue 13)
    # Onboarding paths, at 2 or 27 people on a path.
    "/playbook/reading/": 8,
    "/playbook/reading/coverage/": 10,
    # The content-asset library, at 3 or 40 assets.
    "/playbook/assets/": 7,
    # A playbook page with metric shortcodes, at 1 or 36 months of stored figures: a section's
    # (kept for each reader under the counter of what it shows and the latest succeeded run,
    # read in one query: issue 10).
    "/playbook/success-metrics/": 3,
    # The whole playbook on one page: ten sections, the figures of their shortcodes (which run
    # is the latest read once for all; kept per run, day, language and time zone: issue 10).
    "/playbook/print/": 6,
    # Dashboards, at 1 or 36 months of stored figures and at 10 or 1,000 accounts, for a reader
    # after the run's first (issue 10: what shows the run's figures is kept per run,
    # metrics/kept_html.py): the session and the user, the latest run with the change counter
    # (one query: the as-of line, owners, findings, targets and the reader's permissions are
    # kept under it: revops_portal/kept/).
    "/metrics/": 3,
    "/metrics/?period=2017-Q4": 3,
    "/metrics/?segment=SMB": 3,
    "/metrics/win_rate/": 3,
    "/metrics/arr/?period=2017": 3,
    "/metrics/cac/?channel=Referral": 3,
    "/metrics/nrr/": 3,
    # The scorecard's "by team" view (a week, the all cut), at 2 or 30 teams.
    "/metrics/?period=2026-W48": 3,
    # The first reader of a run (per language, period and cut): + the stored values, targets,
    # the team view and the cut switcher's and default period's reads, kept per run, and the
    # as-of line's three reads and the reader's permissions, kept under the change counter.
    "/metrics/ (first reader)": 14,
    "/metrics/win_rate/ (first reader)": 13,
    "/metrics/win_rate.csv": 8,
    "/metrics/win_rate.json?period=2017-06": 4,
    # Drill-downs (keyset pages, no count: issue 10), at 10 or 1,000 accounts: kept under the
    # run and the change counter (which every write of the records listed moves), as a
    # dashboard's figures. Their first reader: + the keyset page (and the tables' second one);
    # the accounts' movements and the new customers + the run's kept listing (whose pages
    # are index ranges, where each page was an aggregate over the period's accounts).
    "/metrics/nrr/records/?period=2017-06": 3,
    "/metrics/win_rate/records/?period=2017-06&segment=SMB": 3,
    "/metrics/cac/records/?period=2017-06": 3,
    "/metrics/open_pipeline_count/records/?period=2017-06": 3,
    "/metrics/nrr/records/?period=2017-06 (first reader)": 5,
    "/metrics/win_rate/records/?period=2017-06&segment=SMB (first reader)": 4,
    "/metrics/cac/records/?period=2017-06 (first reader)": 6,
    "/metrics/open_pipeline_count/records/?period=2017-06 (first reader)": 4,
    # Funnel pages and drill-downs, at 10 or 1,000 leads.
    "/metrics/lead_conversion_rate/?channel=Referral": 3,  # as any metric page
    "/metrics/leads_created/records/?period=2017-06": 3,
    "/metrics/cost_per_lead/records/?period=2017-06&channel=Referral": 3,
    "/metrics/lead_conversion_days/records/?period=2017-06": 3,
    # The Data page and a finding's records (keyset pages), at 10 or 1,000 offending records.
    "/metrics/data/": 8,
    "/metrics/data/duplicate_account_names/": 5,
    "/metrics/data/closed_before_created/?after=": 6,
    # metrics.quality.evaluate: every finding counted, with its impact, at 10 or 400 records
    # (26, + the two leads findings' counts and impacts).
    "quality.evaluate": 30,
    # A weekly review (two scorecards from its frozen run), at 1 or 20 decisions and items.
    "/reviews/2026-W48/": 17,
    # The list of reviews and the Monday e-mail choice, at 3 or 30 reviews.
    "/reviews/": 6,
    # CRM connections and a connection's sync log, at 1 or 40 syncs per connection.
    "/metrics/connections/": 5,
    "/metrics/connections/<id>/": 8,
    # A user's notification settings, at 1 or 40 notifications sent to them.
    "/notifications/": 4,
    # metrics.calculations.compute_all for one period and one cut, at 10 or 200 accounts, its
    # kept totals current: their stamps and change markers (2) and the 7 family statements (the
    # funnel: the leads and the marketing spend; recurring revenue: balances and movements): 9
    # on SQLite; on PostgreSQL the engine's settings in a savepoint rolled back at the end (4
    # more: 13).
    "compute_all": 13,
}


def assert_within_budget(page: str, count: int) -> None:
    budget = QUERY_BUDGETS.get(page)
    assert budget is not None, f"{page}: no query budget in tests/portal/query_budgets.py"
    assert count <= budget, f"{page}: {count} queries, over its budget of {budget}"


def page_queries(client, url: str) -> int:
    """The queries one GET of `url` issues, counted after two GETs have warmed per-process
    caches (content types, permissions), so the count doesn't depend on test order, and what
    the page keeps for its reader (a playbook page kept for each reader is made again after
    their first visit, which the visit's record moves the change counter for)."""
    client.get(url)
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)
