"""Pages under a section: adding one and setting their order. A page is a ``Section`` with a
``parent``, so saving, restoring, owners, reviews, flags and watchers are the sections' own
code (``playbook.services`` and friends); only what is particular to pages lives here."""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services, watching
from .models import Section

# What a page maps, at the level of standard work: beside the editor and on an empty page
# (kept on the page in the language of whoever added it).
PAGE_GUIDING_QUESTIONS = gettext_lazy(
    "- **The steps:** who does what, in which system, by when (an SLA where there is one)?\n"
    "- **The diagram:** the flow from trigger to outcome, with the handoffs (a ```mermaid "
    "block).\n"
    "- **Edge cases:** what goes differently (duplicates, exceptions, people away, late data), "
    "and who decides then?\n"
    "- **Handoffs:** what information passes at each one, from whom to whom, and in which "
    "fields?\n"
    "- **How we know it works:** which figures or checks, and who looks at them when?\n"
)


class PageOrderError(ValueError):
    """The page can't move that way (already first or last, or not a page of that section)."""


@transaction.atomic
def create_page(*, section: Section, title: str, slug: str, author, body: str = "") -> Section:
    """Add a page at the end of ``section``'s pages, with its first revision by ``author``.

    It has no owner of its own: the section's owner answers for it (and watches it) until a
    champion assigns one. Its review cadence starts as the section's.
    """
    if section.is_page:
        raise ValueError("Pages belong to one of the sections, not to another page.")
    locked = Section.objects.select_for_update().get(pk=section.pk)  # one position each
    last = locked.pages.aggregate(last=Max("position"))["last"] or 0
    page = Section(
        parent=locked,
        slug=slug,
        title=title.strip(),
        position=last + 1,
        team=locked.team,
        review_interval_days=locked.review_interval_days,
        guiding_questions=str(PAGE_GUIDING_QUESTIONS),
    )
    page.full_clean()
    page.save()
    services.save_revision(
        section=page, author=author, title=page.title, body=body, change_note=_("Page created"),
        base_number=0,
    )  # fmt: skip
    if locked.owner_id is not None:
        watching.watch(section=page, user=locked.owner)
    return page


@transaction.atomic
def move_page(*, section: Section, page_slug: str, offset: int) -> Section:
    """Move a page of ``section`` up (offset -1) or down (+1); positions stay 1..n."""
    Section.objects.select_for_update().get(pk=section.pk)  # one reordering at a time
    pages = list(section.pages.order_by("position", "pk"))
    index = next((i for i, page in enumerate(pages) if page.slug == page_slug), None)
    if index is None:
        raise PageOrderError(
            _("“%(section)s” has no page “%(page)s”.")
            % {"section": section.title, "page": page_slug}
        )
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(pages):
        raise PageOrderError(_("The page is already at that end of the list."))
    pages[index], pages[target] = pages[target], pages[index]
    for position, page in enumerate(pages, start=1):
        page.position = position
    Section.objects.bulk_update(pages, ["position"])
    return pages[target]
