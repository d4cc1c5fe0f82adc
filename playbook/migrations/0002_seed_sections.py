"""The ten playbook sections, each with its guiding questions as revision 1 (author: System),
and the "Playbook champions" group.

Self-contained on purpose: later code changes must not change what this migration wrote.
"""

from django.db import migrations
from django.utils import timezone

CHAMPIONS_GROUP = "Playbook champions"

SECTIONS = [
    (
        "revops-overview",
        "RevOps overview",
        "revops",
        """\
## Guiding questions

- Which challenges is the RevOps function meant to solve (for example, misalignment of sales, marketing and customer success)?
- Who are the key stakeholders, inside and outside the RevOps team?
- Which outcomes do we expect from RevOps?
- By which metrics will the team's success be judged?
""",
    ),
    (
        "company-essentials",
        "Company essentials",
        "marketing",
        """\
## Guiding questions

- Who are we and what do we do?
- What is our value proposition?
- What is our founding story?
- What is our mission statement?
- What are our company values and our purpose?
- What is our brand identity?

Every customer conversation should describe the company the same way.
""",
    ),
    (
        "target-audience",
        "Target audience",
        "marketing",
        """\
## Guiding questions

- What is our ideal customer profile?
- Who are our buyer personas: demographics and firmographics, behaviours, business goals, pain points?
- Where are the deeper persona documents?
""",
    ),
    (
        "products-and-services",
        "Products and services",
        "sales",
        """\
## Guiding questions

- What do we sell, to which audience, for which use case?
- At what estimated price?
- What measurable value (time or money saved, ROI) does each product or service deliver?
""",
    ),
    (
        "content-assets",
        "Content assets",
        "marketing",
        """\
## Guiding questions

- Which videos, case studies and testimonials, guides, product catalogues, e-books and white papers, brochures and blog posts do we have?
- How are they grouped for navigation: by funnel stage, content type, pain point or persona?
- Where does each asset live?
""",
    ),
    (
        "roles-and-responsibilities",
        "Roles, responsibilities and skills",
        "revops",
        """\
## Guiding questions

- How is the revenue team structured (for example, a head of RevOps or CRO reporting to the CEO/CFO/COO, with sales-ops, marketing-ops and CS-ops managers beneath)?
- Who does what, and who do we talk to about what?
- Which skills does each role need?
- Which arrangements do we have with outside agencies or freelancers?
""",
    ),
    (
        "tech-stack",
        "Tech stack and systems",
        "revops",
        """\
## Guiding questions

- Which tools run the revenue engine (CRM, marketing automation, billing, support, data tools)?
- What is each one for, who owns it, what data does it hold, and how do the tools integrate?
- How do we choose new tools: requirements, vendor trials, build vs buy, total cost of ownership, switching cost, rollout plan, training?
""",
    ),
    (
        "processes-and-workflows",
        "Standardized processes and workflows",
        "sales",
        """\
## Guiding questions

- How are leads generated and qualified?
- When does an account pass from marketing to sales to customer success?
- Who decides on upsell vs cross-sell?
- What are the top-level steps of: lead form capture; lead enrichment and routing; outbound outreach and inbound qualification; discovery; mutual close plans; deal desk and discount approval; order management and fulfilment; renewal forecasting?
- Where are the detailed documents and diagrams?
""",
    ),
    (
        "success-metrics",
        "Success metrics",
        "revops",
        """\
## Guiding questions

- Which metrics describe success across the life cycle, from the cost of acquiring an account to renewal, upsell and cross-sell rates?
- What does each metric measure, and why does it matter?
- Where are the live dashboards that track them?
""",
    ),
    (
        "tone-of-voice",
        "Tone of voice",
        "customer_success",
        """\
## Guiding questions

- Which few traits describe our shared voice (conversational? supportive? playful? strictly business?)?
- What would we say, and what would we never say? Give practical examples.
- Where is the fuller style guide, if one exists? Summarise it here.
""",
    ),
]


def create_sections(apps, schema_editor):
    Section = apps.get_model("playbook", "Section")
    Revision = apps.get_model("playbook", "Revision")
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name=CHAMPIONS_GROUP)
    now = timezone.now()
    for position, (slug, title, team, body) in enumerate(SECTIONS, start=1):
        if Section.objects.filter(slug=slug).exists():
            continue
        section = Section.objects.create(
            slug=slug, title=title, position=position, team=team, created_at=now
        )
        revision = Revision.objects.create(
            section=section,
            number=1,
            title=title,
            body=body,
            change_note="Guiding questions",
            author=None,
            created_at=now,
        )
        section.current_revision = revision
        section.save(update_fields=["current_revision"])


def remove_sections(apps, schema_editor):
    Section = apps.get_model("playbook", "Section")
    Section.objects.filter(slug__in=[s[0] for s in SECTIONS]).delete()
    apps.get_model("auth", "Group").objects.filter(name=CHAMPIONS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("playbook", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_sections, remove_sections)]
