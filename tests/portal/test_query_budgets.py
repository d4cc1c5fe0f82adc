"""The query-budget table lists exactly what the query-count tests measure."""

from tests.metrics.test_dashboard_funnel import FUNNEL_PAGES
from tests.metrics.test_dashboard_queries import (
    FIRST_READER_DRILLDOWNS,
    FIRST_READER_PAGES,
    PAGES_BY_ACCOUNTS,
    PAGES_BY_MONTHS,
)
from tests.metrics.test_data_trust_pages import DATA_PAGES
from tests.metrics.test_review_edits import REVIEW_LIST, SCORECARD_BY_TEAM
from tests.metrics.test_reviews import REVIEW_PAGE
from tests.notifications.test_settings_page import SETTINGS_PAGE
from tests.playbook.test_assets import LIST_PAGE as ASSET_LIST_PAGE
from tests.playbook.test_query_counts import PAGES as PLAYBOOK_PAGES
from tests.playbook.test_query_counts import PAGES_OF_PAGES
from tests.playbook.test_reading import READING_PAGES
from tests.playbook.test_review_queue_queries import QUEUE_PAGES
from tests.portal.query_budgets import QUERY_BUDGETS
from tests.sync.test_connections_pages import CONNECTION_PAGES


def test_every_budget_is_measured_by_a_test():
    measured = {
        *PLAYBOOK_PAGES,
        *(f"{url} (first reader)" for url in PLAYBOOK_PAGES),
        *(budget for _, budget in PAGES_OF_PAGES),
        *PAGES_BY_MONTHS,
        *PAGES_BY_ACCOUNTS,
        *(f"{url} (first reader)" for url in FIRST_READER_PAGES),
        *(f"{url} (first reader)" for url in FIRST_READER_DRILLDOWNS),
        *FUNNEL_PAGES,
        REVIEW_PAGE,
        SETTINGS_PAGE,
        *QUEUE_PAGES,
        ASSET_LIST_PAGE,
        *READING_PAGES,
        "compute_all",
    }
    measured |= set(CONNECTION_PAGES)
    measured |= {REVIEW_LIST, SCORECARD_BY_TEAM}
    measured |= {*DATA_PAGES, "quality.evaluate"}
    assert set(QUERY_BUDGETS) - measured == set(), "budgets no test measures"
