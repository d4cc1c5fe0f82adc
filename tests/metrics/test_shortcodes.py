"""`{{ metric:… }}` shortcodes in playbook Markdown: values, links, warnings, escaping, queries."""

import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.periods import Period
from playbook import services as playbook_services
from playbook.markdown import render_markdown
from playbook.models import Section
from playbook.shortcodes import MAX_SHORTCODES_PER_TEXT, expand, protect
from tests.metrics.dashboard_support import make_persona
from tests.metrics.factories import MetricRunFactory, MetricValueFactory


def month_value(run, key, year, month, value, **extra):
    period = Period.month(year, month)
    return MetricValueFactory(
        run=run, key=key, period_start=period.start, period_end=period.end, value=value, **extra
    )


@pytest.fixture
def run(db):
    run = MetricRunFactory()
    month_value(run, "win_rate", 2017, 12, Decimal("0.425"))
    month_value(run, "win_rate", 2017, 6, Decimal("0.3"))
    month_value(run, "arr", 2017, 12, Decimal("1200000"))
    month_value(
        run, "win_rate", 2017, 12, Decimal("0.6"), cut_kind="segment", cut_value="Mid market"
    )
    quarter = Period.quarter(2017, 4)
    MetricValueFactory(
        run=run, key="cac", period_kind="quarter", period_start=quarter.start,
        period_end=quarter.end, cut_kind="channel", cut_value="Referral", value=Decimal("850.5"),
    )  # fmt: skip
    MetricValueFactory(
        run=run, key="cac", period_kind="quarter", period_start=quarter.start,
        period_end=quarter.end, value=None, undefined_reason="no new customers",
    )  # fmt: skip
    return run


def render(text):
    return str(render_markdown(text))


@pytest.mark.django_db
def test_a_shortcode_shows_the_stored_value_with_a_link_and_as_of_date(run):
    html = render("Current win rate: {{ metric:win_rate }}")
    # Today (2026) has no stored month, so the latest stored month (Dec 2017) is shown.
    assert "42.5%" in html
    assert 'href="/metrics/win_rate/?period=2017-12"' in html
    assert "December 2017" in html
    assert f"as of {run.finished_at.date().isoformat()}" in html
    assert "{{" not in html and "MTRCSC" not in html


@pytest.mark.django_db
def test_last_month_means_the_last_complete_month_before_today_when_it_is_stored(run):
    html = expand(protect("{{ metric:win_rate }}"), today=date(2017, 7, 20))
    assert "30.0%" in html and "June 2017" in html


@pytest.mark.django_db
def test_an_explicit_period_and_a_cut_are_honoured(run):
    html = render('{{ metric:win_rate period=2017-12 segment="Mid market" }}')
    assert "60.0%" in html
    assert "Segment: Mid market" in html
    assert 'href="/metrics/win_rate/?period=2017-12&amp;segment=Mid+market"' in html


@pytest.mark.django_db
def test_a_channel_cut_over_the_last_quarter(run):
    html = render("{{ metric:cac period=last_quarter channel=Referral }}")
    assert "$850.50" in html
    assert "Q4 2017" in html


@pytest.mark.django_db
def test_an_undefined_value_shows_a_dash_and_its_reason(run):
    html = render("{{ metric:cac period=2017-Q4 }}")
    assert "—" in html
    assert "no new customers" in html


@pytest.mark.django_db
def test_a_period_without_a_stored_value_says_so(run):
    html = render("{{ metric:win_rate period=2015-03 }}")
    assert "no value stored for this period" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ metric:no_such_metric }}", "unknown metric “no_such_metric”"),
        ("{{ metric: }}", "no metric key"),
        ("{{ metric:win_rate period=yesterday }}", "bad period “yesterday”"),
        ("{{ metric:win_rate period=2017-13 }}", "bad period “2017-13”"),
        ("{{ metric:win_rate colour=red }}", "unknown argument “colour=red”"),
        ("{{ metric:win_rate segment=A channel=B }}", "give a segment or a channel, not both"),
        ("{{ metric:win_rate channel=Referral }}", "Win rate can&#x27;t be cut by channel"),
        ("{{ metric:win_rate period=2017 period=2016 }}", "period= given twice"),
        ("{{ metric:win_rate period=0001 }}", "bad period “0001”: No figures can exist"),
        ("{{ metric:win_rate period=9999-Q3 }}", "bad period “9999-Q3”: No figures can exist"),
        ("{{ metric:win_rate period=9999-11 }}", "periods run from 1970-01 to"),
        ("{{ metric:win_rate period=0000-01 }}", "bad period “0000-01”"),
        ('{{ metric:win_rate segment="a\x00b" }}', "no control characters"),
    ],
)
def test_a_bad_shortcode_becomes_a_visible_inline_warning(run, text, message):
    html = render(f"Before {text} after")
    assert '<span class="shortcode-warning">' in html
    assert message in html
    assert html.startswith("<p>Before ") and html.endswith(" after</p>")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        '{{ metric:win_rate segment="><script> }}',
        '{{ metric:win_rate segment="><script>alert(1)</script>" }}',
        "{{ metric:<img src=x onerror=alert(1)> }}",
        '{{ metric:win_rate period="<b onmouseover=x>" }}',
        "{{ metric:win_rate segment='\"><svg onload=alert(1)>' }}",
    ],
)
def test_shortcode_arguments_cannot_inject_html(run, text):
    html = render(text)
    assert "<script" not in html
    assert "<img" not in html and "<svg" not in html and "<b " not in html
    tags = re.findall(r"<[^>]*>", html)
    assert not [tag for tag in tags if re.search(r"\son\w+\s*=", tag)]
    assert "&lt;" in html or "shortcode-warning" in html


@pytest.mark.django_db
def test_without_any_computation_a_shortcode_says_no_figures_yet():
    html = render("{{ metric:arr }}")
    assert "no figures computed yet" in html
    assert 'href="/metrics/arr/"' in html


@pytest.mark.django_db
def test_a_pages_shortcodes_are_read_with_a_fixed_number_of_queries(run):
    few = " ".join(["{{ metric:win_rate }}", "{{ metric:arr period=2017 }}"])
    many = " ".join(
        [f"{{{{ metric:win_rate period=2017-{m:02d} }}}}" for m in range(1, 13)]
        + ["{{ metric:arr }}", "{{ metric:cac period=last_quarter channel=Referral }}"]
        + ["{{ metric:nrr period=last_year }}", '{{ metric:win_rate segment="Mid market" }}'] * 5
    )
    with CaptureQueriesContext(connection) as small:
        render(few)
    with CaptureQueriesContext(connection) as large:
        html = render(many)
    assert html.count('class="metric-figure"') == 12 + 1 + 1 + 10
    # The run (twice for a text not kept yet: its key, then its figures), at most two per
    # relative period kind, one for all the values.
    assert len(large.captured_queries) <= 2 + 2 * 3 + 1
    assert len(small.captured_queries) <= len(large.captured_queries)


@pytest.mark.django_db
def test_text_without_shortcodes_issues_no_query():
    with CaptureQueriesContext(connection) as queries:
        render("Plain **text** with {{ braces }} and {single}.")
    assert len(queries.captured_queries) == 0


@pytest.mark.django_db
def test_the_section_page_and_the_editor_preview_render_shortcodes(client, run):
    editor = make_persona("champion")
    section = Section.objects.get(slug="success-metrics")
    playbook_services.save_revision(
        section=section,
        author=editor,
        title=section.title,
        body="Win rate: {{ metric:win_rate }} and {{ metric:nope }}",
        change_note="figures",
        base_number=section.current_number,
    )
    client.force_login(editor)
    page = client.get(reverse("playbook:section", kwargs={"slug": section.slug})).content.decode()
    assert "42.5%" in page and 'class="shortcode-warning"' in page
    preview = client.post(
        reverse("playbook:preview", kwargs={"slug": section.slug}),
        {"content": "{{ metric:arr }}"},
    ).content.decode()
    assert "$1,200,000" in preview


def distinct_shortcodes(count: int) -> str:
    """`count` different shortcodes: every one asks for another period and segment."""
    return "\n".join(
        f"{{{{ metric:win_rate period={2010 + n % 8}-{n % 12 + 1:02d} segment=s{n} }}}}"
        for n in range(count)
    )


@pytest.mark.django_db
def test_a_text_resolves_at_most_the_limit_of_shortcodes_and_flags_the_rest_in_place(run):
    with CaptureQueriesContext(connection) as queries:
        html = render(distinct_shortcodes(1000) + "\n\nLast: {{ metric:win_rate }}")
    assert html.count('class="metric-figure"') == MAX_SHORTCODES_PER_TEXT
    assert html.count('class="shortcode-warning"') == 1001 - MAX_SHORTCODES_PER_TEXT
    assert f"more than {MAX_SHORTCODES_PER_TEXT} metric shortcodes" in html
    assert "MTRCSC" not in html
    # The run, the default month (at most two), the values in small bounded queries.
    assert len(queries.captured_queries) <= 1 + 2 + 2


@pytest.mark.django_db
def test_a_section_with_a_thousand_shortcodes_renders_its_page_and_preview(client, run):
    editor = make_persona("champion")
    section = Section.objects.get(slug="success-metrics")
    url = reverse("playbook:section", kwargs={"slug": section.slug})
    client.force_login(editor)

    def page_with(body):
        section.refresh_from_db()
        playbook_services.save_revision(
            section=section,
            author=editor,
            title=section.title,
            body=body,
            change_note="figures",
            base_number=section.current_number,
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        return response, len(queries.captured_queries)

    _, one_shortcode_queries = page_with(distinct_shortcodes(1))
    page, queries = page_with(distinct_shortcodes(1000))
    assert page.status_code == 200
    assert page.content.decode().count('class="metric-figure"') == MAX_SHORTCODES_PER_TEXT
    assert queries <= one_shortcode_queries + 1  # a second bounded query for the values
    preview = client.post(
        reverse("playbook:preview", kwargs={"slug": section.slug}),
        {"content": distinct_shortcodes(1000)},
    )
    assert preview.status_code == 200
    assert preview.content.decode().count('class="shortcode-warning"') == (
        1000 - MAX_SHORTCODES_PER_TEXT
    )


class _Structure(HTMLParser):
    """Start tags with their attributes, and whether a link ever opens inside a link."""

    def __init__(self):
        super().__init__()
        self.tags, self.open_links, self.nested_link = [], 0, False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "a":
            self.nested_link |= self.open_links > 0
            self.open_links += 1

    def handle_endtag(self, tag):
        if tag == "a":
            self.open_links -= 1


def structure(html: str) -> _Structure:
    parsed = _Structure()
    parsed.feed(html)
    return parsed


def assert_well_formed(html: str):
    parsed = structure(html)
    assert not parsed.nested_link
    for _, attributes in parsed.tags:
        for name, value in attributes.items():
            assert "<" not in (value or "") and "{{" not in (value if name == "href" else "")
    assert "MTRCSC" not in html


LITERAL = "{{ metric:win_rate }}"
QUOTED = "%7B%7B%20metric%3Awin_rate%20%7D%7D"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("markdown", "tag", "attribute", "expected"),
    [
        ("[x](https://example.com/{{ metric:win_rate }})", "a", "href", f"https://example.com/{QUOTED}"),
        ("![chart](https://example.com/{{ metric:win_rate }}.png)", "img", "src", f"https://example.com/{QUOTED}.png"),
        ("![alt {{ metric:win_rate }}](https://example.com/c.png)", "img", "alt", f"alt {LITERAL}"),
        ('[x](https://example.com/ "{{ metric:win_rate }}")', "a", "title", LITERAL),
        ("<https://example.com/{{ metric:win_rate }}>", "a", "href", f"https://example.com/{QUOTED}"),
        ('<img src="https://example.com/c.png" title="{{ metric:win_rate }}">', "img", "title", LITERAL),
        ('<a href="https://example.com/{{ metric:win_rate }}">x</a>', "a", "href", f"https://example.com/{QUOTED}"),
    ],
)  # fmt: skip
def test_a_shortcode_in_a_url_or_attribute_stays_plain_text_there(
    run, markdown, tag, attribute, expected
):
    html = render(f"Before {markdown} and {{{{ metric:arr }}}} after")
    assert_well_formed(html)
    # The text's own tag comes first (the figure after it has a link of its own).
    found = next(attrs for name, attrs in structure(html).tags if name == tag)
    assert found[attribute] == expected
    # The shortcode in running text still shows its figure.
    assert html.count('class="metric-figure"') == 1 and "$1,200,000" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "markdown",
    [
        "`{{ metric:win_rate }}`",
        "```\n{{ metric:win_rate }}\n```",
        "    {{ metric:win_rate }}",
        "[the rate {{ metric:win_rate }} today](https://example.com/)",
        "<https://example.com/{{ metric:win_rate }}>",
    ],
)
def test_a_shortcode_in_code_or_link_text_is_shown_as_typed(run, markdown):
    html = render(f"{markdown}\n\nRunning text: {{{{ metric:arr }}}}")
    assert_well_formed(html)
    assert html.count('class="metric-figure"') == 1  # only the one in running text
    assert LITERAL in html


@pytest.mark.django_db
def test_a_hand_typed_token_carrying_a_script_url_stays_inert(run):
    token = "MTRCSC" + b"javascript:alert(1)".hex() + "CSRTM"
    html = render(f"[y]({token}) and {token} and `{token}`")
    assert_well_formed(html)
    (link,) = [attrs for name, attrs in structure(html).tags if name == "a"]
    assert link["href"] == "javascript%3Aalert%281%29"  # a relative path, not a scheme
    assert "not a metric shortcode" in html
