"""An undefined figure's reason is stored in English (the database, `metrics_report`'s JSON) and
shown in the reader's language by `calculations.figures.shown_reason`, which finds the msgid of
a reason that quotes another reason or a cut kind."""

from metrics import calculations
from metrics.calculations import figures
from metrics.calculations.figures import shown_reason
from metrics.cuts import Cut


def test_a_reason_quoting_another_is_split_into_its_msgid_and_the_quoted_reason():
    stored = figures.LTV_UNDEFINED % {"reason": "no churn in this period"}
    assert stored == "LTV is undefined (no churn in this period)"
    (msgid, pattern), _cac = figures._QUOTING
    assert msgid == figures.LTV_UNDEFINED
    assert pattern.fullmatch(stored)[1] == "no churn in this period"
    assert shown_reason(stored) == stored  # English: the same words back


def test_the_not_available_reason_is_read_back_with_its_cut_kind():
    stored = calculations.not_available_reason(Cut.segment("SMB"))
    assert figures._NOT_AVAILABLE.fullmatch(stored)[1] == "segment"
    assert shown_reason(stored) == "not available for a segment cut"


def test_no_reason_stays_empty():
    assert shown_reason("") == ""
