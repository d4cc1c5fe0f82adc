"""Pages under a section: adding them, their order, breadcrumbs, who edits them, links between
pages checked on save, search, the contents and the print page. Revisions, diffs, restoring,
the conflict page and the permission matrix run on pages too (``@over_documents`` in
test_revisions.py and test_permission_matrix.py)."""

import pytest
from django.urls import URLPattern, reverse

from playbook import page_links, pages, permissions, services
from playbook.markdown import render_markdown
from playbook.models import Revision, Section
from playbook.models.documents import RESERVED_SLUGS
from playbook.urls import urlpatterns
from revops_portal.notifications.models import Notification

from .conftest import add_sample_page
from .factories import UserFactory


def save(document, author, body, title=None):
    return services.save_revision(
        section=document, author=author, title=title or document.title, body=body,
        change_note="", base_number=document.current_number,
    )  # fmt: skip


def page_slugs(section):
    return list(section.pages.order_by("position").values_list("slug", flat=True))


def test_no_page_can_take_the_address_of_a_playbook_page():
    fixed = {
        str(p.pattern).split("/")[0]
        for p in urlpatterns
        if isinstance(p, URLPattern) and not str(p.pattern).startswith("<")
    } - {""}
    assert fixed == RESERVED_SLUGS


@pytest.mark.django_db
def test_the_sections_owner_adds_a_page_at_the_end_and_writes_it(client_as, section, personas):
    add_sample_page(section, slug="icp-scoring")
    response = client_as("owner").post(
        reverse("playbook:new_page", args=[section.slug]), {"title": "Buying committee"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("playbook:edit", args=["buying-committee"])
    page = Section.objects.get(slug="buying-committee")
    assert (page.parent, page.team, page.owner) == (section, section.team, None)
    assert page_slugs(section) == ["icp-scoring", "buying-committee"]
    assert page.current_revision.number == 1 and page.current_revision.author == personas["owner"]
    assert page.watches.filter(user=personas["owner"]).exists()  # its owner hears of changes
    # Empty, it shows what a page maps: the questions of standard work.
    html = client_as("reader").get(reverse("playbook:section", args=[page.slug])).content.decode()
    assert "Guiding questions" in html and "Edge cases:" in html


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["target-audience", "search", "assets"])
def test_a_page_cannot_take_a_slug_in_use(client_as, section, slug):
    response = client_as("champion").post(
        reverse("playbook:new_page", args=[section.slug]), {"title": "Anything", "slug": slug}
    )
    assert response.status_code == 200
    assert "is taken" in response.content.decode()
    assert not section.pages.exists()


@pytest.mark.django_db
def test_pages_belong_to_a_section_not_to_another_page(client_as, section):
    page = add_sample_page(section)
    assert (
        client_as("champion").get(reverse("playbook:new_page", args=[page.slug])).status_code == 403
    )
    with pytest.raises(ValueError):
        pages.create_page(section=page, title="Deeper", slug="deeper", author=None)


@pytest.mark.django_db
def test_a_page_can_have_its_own_owner_who_edits_it_but_not_the_section(section, personas):
    page = add_sample_page(section)
    page_owner = UserFactory(username="page_owner")
    assert not permissions.can_edit(page_owner, page)
    services.assign_owner(section=page, owner=page_owner, assigned_by=personas["manager"])
    page_owner = type(page_owner).objects.get(pk=page_owner.pk)  # guardian caches per checker
    assert permissions.can_edit(page_owner, page) and permissions.can_restore(page_owner, page)
    assert not permissions.can_edit(page_owner, section)
    assert not permissions.can_manage_pages(page_owner, section)
    # The section's owner still answers for the section and edits its pages.
    assert permissions.can_edit(personas["owner"], page)
    assert not permissions.can_edit(personas["other_owner"], page)
    # Reassigning the page revokes its previous owner's right.
    services.assign_owner(section=page, owner=personas["reader"], assigned_by=personas["manager"])
    page_owner = type(page_owner).objects.get(pk=page_owner.pk)
    assert not permissions.can_edit(page_owner, Section.objects.get(pk=page.pk))


@pytest.mark.django_db
def test_the_owner_sets_the_order_of_the_pages(client_as, section, personas):
    for slug in ("lead-capture", "qualification", "handoff-to-cs"):
        add_sample_page(section, slug=slug)
    client = client_as("owner")
    url = reverse("playbook:move_page", args=[section.slug])
    assert client.post(url, {"page": "handoff-to-cs", "direction": "up"}).status_code == 302
    assert page_slugs(section) == ["lead-capture", "handoff-to-cs", "qualification"]
    assert client.post(url, {"page": "lead-capture", "direction": "down"}).status_code == 302
    assert page_slugs(section) == ["handoff-to-cs", "lead-capture", "qualification"]
    assert list(section.pages.order_by("position").values_list("position", flat=True)) == [1, 2, 3]
    html = client.get(reverse("playbook:section", args=[section.slug])).content.decode()
    listed = html[html.index('id="pb-pages"') :]
    order = [listed.index(f'href="/playbook/{slug}/"') for slug in page_slugs(section)]
    assert order == sorted(order)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"page": "lead-capture", "direction": "up"},  # first already
        {"page": "qualification", "direction": "down"},  # last already
        {"page": "lead-capture", "direction": "sideways"},
        {"page": "products-and-services", "direction": "down"},  # not a page of this section
    ],
)
def test_an_impossible_move_is_a_bad_request_and_changes_nothing(client_as, section, data):
    for slug in ("lead-capture", "qualification"):
        add_sample_page(section, slug=slug)
    response = client_as("owner").post(reverse("playbook:move_page", args=[section.slug]), data)
    assert response.status_code == 400
    assert page_slugs(section) == ["lead-capture", "qualification"]


@pytest.mark.django_db
def test_breadcrumbs_lead_from_the_playbook_through_the_section_to_the_page(client_as, section):
    page = add_sample_page(section)
    client = client_as("reader")
    html = client.get(reverse("playbook:section", args=[page.slug])).content.decode()
    crumbs = html[html.index('class="muted pb-breadcrumbs"') :]
    crumbs = crumbs[: crumbs.index("</nav>")]
    assert crumbs.index('href="/playbook/"') < crumbs.index('href="/playbook/target-audience/"')
    assert '<span aria-current="page" translate="no" dir="auto">Icp scoring</span>' in crumbs
    history = client.get(reverse("playbook:history", args=[page.slug])).content.decode()
    assert (
        'href="/playbook/target-audience/" translate="no" dir="auto">Target audience</a> › '
        '<a href="/playbook/icp-scoring/" translate="no" dir="auto">' in history
    )


@pytest.mark.django_db
def test_the_contents_list_each_page_under_its_section(client_as, section):
    add_sample_page(section)
    html = client_as("reader").get(reverse("playbook:index")).content.decode()
    at = html.index
    assert (
        at('"/playbook/target-audience/"')
        < at('"/playbook/icp-scoring/"')
        < at('"/playbook/products-and-services/"')
    )
    assert ">3.1</td>" in html  # target audience is section 3


@pytest.mark.django_db
def test_search_finds_a_page_and_says_whose_page_it_is(client_as, section):
    add_sample_page(section, body="Score every account for fit with the firmographic rubric.")
    html = client_as("reader").get(reverse("playbook:search") + "?q=firmographic").content.decode()
    assert 'href="/playbook/icp-scoring/"' in html
    assert 'a page of <span translate="no" dir="auto">Target audience</span>' in html


@pytest.mark.django_db
def test_the_print_page_prints_each_page_after_its_section(client_as, section):
    add_sample_page(section, body="The page’s own words, printed.")
    html = client_as("reader").get(reverse("playbook:print")).content.decode()
    assert html.index('id="section-target-audience"') < html.index('id="section-icp-scoring"')
    assert html.index('id="section-icp-scoring"') < html.index('id="section-products-and-services"')
    assert "The page’s own words, printed." in html


@pytest.mark.django_db
def test_a_flag_on_a_page_is_told_to_its_sections_owner(client_as, section, personas):
    page = add_sample_page(section)
    client_as("reader").post(reverse("playbook:flag", args=[page.slug]), {"comment": "Out of date"})
    told = Notification.objects.filter(recipient=personas["owner"], subject__contains="flagged")
    assert told.count() == 1


# --- Links between pages ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_slug_link_renders_as_a_link_titled_with_the_page_in_another_section(section):
    page = add_sample_page(
        Section.objects.get(slug="processes-and-workflows"), slug="handoff-to-cs"
    )
    html = render_markdown("See [[handoff-to-cs]] and [[handoff-to-cs|the handoff]].")
    assert f'<a href="/playbook/{page.slug}/">Handoff to cs</a>' in html
    assert '<a href="/playbook/handoff-to-cs/">the handoff</a>' in html


@pytest.mark.django_db
def test_a_slug_link_to_nothing_is_marked_and_code_is_left_as_typed(section):
    html = render_markdown(
        "See [[no-such-page]].\n\n`[[handoff-to-cs]]`\n\n```mermaid\nflowchart LR\n  A[[lead-capture]] --> B\n```"
    )
    assert (
        '<span class="pb-broken-link" title="No section or page “no-such-page”">[[no-such-page]]</span>'
        in html
    )
    assert "<code>[[handoff-to-cs]]</code>" in html
    assert "A[[lead-capture]] --&gt; B" in html  # a Mermaid subroutine shape, not a link


@pytest.mark.django_db
def test_a_label_cannot_inject_markup(section):
    add_sample_page(section, slug="handoff-to-cs")
    html = render_markdown(
        '[[handoff-to-cs|<img src=x onerror="alert(1)">]] [[handoff-to-cs|a &amp; b]]'
    )
    assert "onerror" not in html  # the sanitiser ran first; a tag is no label
    assert '<a href="/playbook/handoff-to-cs/">a &amp; b</a>' in html


BODY_WITH_LINKS = """Good: [[handoff-to-cs]], [the handoff](../handoff-to-cs/), [ICP](/playbook/target-audience/),
[scorecard](/metrics/), [vendor](https://example.com/x), [mail](mailto:a@example.com), [here](#steps).

Broken: [[no-such-page]], [old](../renewals-old/), [typo](/playbook/targt-audience/), [gone](/nowhere/).
"""


@pytest.mark.django_db
def test_links_are_checked_good_and_broken_slug_and_relative(section):
    add_sample_page(Section.objects.get(slug="processes-and-workflows"), slug="handoff-to-cs")
    page = add_sample_page(section, slug="lead-capture", body=BODY_WITH_LINKS)
    broken = page_links.broken_links([page])[page.pk]
    assert [link.target for link in broken] == [
        "[[no-such-page]]",
        "../renewals-old/",
        "/playbook/targt-audience/",
        "/nowhere/",
    ]
    assert broken[0].reason == "no section or page “no-such-page”"
    assert broken[3].reason == "no such address in the portal"


@pytest.mark.django_db
def test_a_save_with_broken_links_is_kept_and_the_owner_is_told(client_as, section, personas):
    page = add_sample_page(section)
    client = client_as("owner")
    response = client.post(
        reverse("playbook:edit", args=[page.slug]),
        {"title": "ICP scoring", "body": "See [[renewal]].", "change_note": "", "base_number": 1},
        follow=True,
    )
    html = response.content.decode()
    assert Revision.objects.filter(section=page).count() == 2  # saved all the same
    assert "Broken link [[renewal]]: no section or page “renewal”." in html
    assert 'id="pb-broken-links"' in html  # listed on the page, for those who can fix it
    reader_view = client_as("reader").get(reverse("playbook:section", args=[page.slug]))
    assert 'id="pb-broken-links"' not in reader_view.content.decode()
    mine = client.get(reverse("playbook:mine")).content.decode()
    queue = mine[mine.index('id="pb-queue-broken-links"') :]
    assert (
        'href="/playbook/icp-scoring/" translate="no" dir="auto">Target audience › Icp scoring</a>'
        in queue
    )
    assert '<code translate="no" dir="auto">[[renewal]]</code>' in queue
    # Writing the missing page mends the link.
    add_sample_page(section, slug="renewal")
    assert page_links.broken_links([page])[page.pk] == []


@pytest.mark.django_db
def test_broken_links_of_many_documents_cost_one_query(section, django_assert_num_queries):
    documents = [
        add_sample_page(section, slug=f"p{n}", body=f"[[p{n + 1}]] [x](/playbook/q{n}/)")
        for n in range(12)
    ]
    with django_assert_num_queries(1):
        report = page_links.broken_links(documents)
    assert sum(len(links) for links in report.values()) == 13  # [[p12]] and the twelve /q…/


# --- The demo -----------------------------------------------------------------------------

DEMO_PAGES = ["lead-capture", "qualification-and-routing", "handoff-to-cs", "renewal"]


@pytest.mark.django_db
def test_the_demo_maps_each_process_on_its_own_page_with_a_diagram(client_as):
    from playbook.models import ReadingPathStep
    from playbook.seeding import seed_playbook

    seed_playbook()
    section = Section.objects.get(slug="processes-and-workflows")
    assert page_slugs(section) == DEMO_PAGES
    documents = list(Section.objects.select_related("current_revision"))
    for page in section.pages.select_related("current_revision", "owner"):
        body = page.current_revision.body
        assert body.count("```mermaid\n") >= 1, page.slug
        for heading in ("## The steps", "## Edge cases", "handed over"):
            assert heading in body, (page.slug, heading)
    owners = dict(section.pages.values_list("slug", "owner__username"))
    assert owners == {
        "lead-capture": "marketing",
        "qualification-and-routing": None,  # the section's owner (sales) answers
        "handoff-to-cs": "cs",
        "renewal": "cs",
    }
    # Every link of the demo leads somewhere.
    assert {pk: links for pk, links in page_links.broken_links(documents).items() if links} == {}
    steps = ReadingPathStep.objects.filter(path__name="SDR").values_list("section__slug", flat=True)
    assert {"lead-capture", "qualification-and-routing"} <= set(steps)
    # Seeding again adds nothing.
    before = Revision.objects.count()
    seed_playbook()
    assert Revision.objects.count() == before and page_slugs(section) == DEMO_PAGES
