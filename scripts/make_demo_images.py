"""Draw the demo playbook's images (flat shapes and text) into playbook/demo/images/.

A maintainer's tool, not part of the app: the committed PNGs are the demo content and
`manage.py seed_demo` copies them. Run from the project root to redraw them:

    .venv/bin/python scripts/make_demo_images.py [OUTPUT_DIR]

With DejaVu Sans installed (Debian: fonts-dejavu-core), found by name in the system's font
folders, the output is deterministic, so re-running it reproduces the committed PNGs;
without it, Pillow's built-in font stands in.
"""

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "playbook" / "demo" / "images"

NAVY = "#1B2A4A"
TEAL = "#1F9E89"
AMBER = "#F2A541"
CORAL = "#E4572E"
SLATE = "#5B6B7F"
SKY = "#3A7BD5"
LIGHT = "#F4F6F8"
WHITE = "#FFFFFF"
INK = "#1D232B"


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(name, size)  # Pillow searches the system's font folders
    except OSError:
        return ImageFont.load_default(size=size)


def canvas(width: int, height: int, title: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 64), fill=NAVY)
    draw.text((24, 32), title, font=font(26, bold=True), fill=WHITE, anchor="lm")
    draw.text((width - 24, 32), "Northwind Ledger", font=font(16), fill="#C9D3E3", anchor="rm")
    return image, draw


def wrap(draw: ImageDraw.ImageDraw, text: str, fnt, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words, line = paragraph.split(), ""
        for word in words:
            candidate = f"{line} {word}".strip()
            if draw.textlength(candidate, font=fnt) <= width:
                line = candidate
            else:
                if line:
                    lines.append(line)
                line = word
        lines.append(line)
    return lines


def box(draw, xy, title, body="", fill=TEAL, text=WHITE, title_size=20, body_size=15):
    """A rounded box with a bold centred title and optional wrapped body text."""
    x0, y0, x1, y1 = xy
    draw.rounded_rectangle(xy, radius=12, fill=fill)
    tfont, bfont = font(title_size, bold=True), font(body_size)
    tlines = wrap(draw, title, tfont, x1 - x0 - 20)
    blines = wrap(draw, body, bfont, x1 - x0 - 20) if body else []
    th, bh = title_size + 6, body_size + 5
    total = len(tlines) * th + (8 + len(blines) * bh if blines else 0)
    y = (y0 + y1) / 2 - total / 2
    for line in tlines:
        draw.text(((x0 + x1) / 2, y + th / 2), line, font=tfont, fill=text, anchor="mm")
        y += th
    y += 8
    for line in blines:
        draw.text(((x0 + x1) / 2, y + bh / 2), line, font=bfont, fill=text, anchor="mm")
        y += bh


def arrow(draw, start, end, fill=SLATE, width=4, head=12, dashed=False):
    (x0, y0), (x1, y1) = start, end
    if dashed:
        steps = max(int(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 // 14), 1)
        for i in range(0, steps, 2):
            a, b = i / steps, min((i + 1) / steps, 1)
            draw.line(
                (x0 + (x1 - x0) * a, y0 + (y1 - y0) * a, x0 + (x1 - x0) * b, y0 + (y1 - y0) * b),
                fill=fill,
                width=width,
            )
    else:
        draw.line((x0, y0, x1, y1), fill=fill, width=width)
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 or 1
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    left = (x1 - ux * head - uy * head * 0.6, y1 - uy * head + ux * head * 0.6)
    right = (x1 - ux * head + uy * head * 0.6, y1 - uy * head - ux * head * 0.6)
    draw.polygon([(x1, y1), left, right], fill=fill)


def save(image: Image.Image, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    image.save(path, optimize=True)
    print(f"{path}  {path.stat().st_size // 1024} KB")


def revops_engine() -> None:
    image, draw = canvas(
        1200, 560, "The revenue engine: one process, one data model, one scorecard"
    )
    teams = [
        ("Marketing", "Attract and qualify:\nICP, campaigns, MQLs", SKY),
        ("Sales", "Convert:\ndiscovery, close plan, deal desk", TEAL),
        ("Customer Success", "Retain and grow:\nonboarding, renewal, expansion", AMBER),
    ]
    xs = [60, 450, 840]
    for (name, body, colour), x in zip(teams, xs, strict=True):
        box(draw, (x, 120, x + 300, 270), name, body, fill=colour, title_size=24, body_size=16)
    arrow(draw, (360, 195), (446, 195))
    arrow(draw, (750, 195), (836, 195))
    draw.text((403, 170), "SQL", font=font(14, bold=True), fill=SLATE, anchor="mm")
    draw.text((793, 170), "Won", font=font(14, bold=True), fill=SLATE, anchor="mm")
    # expansion and referral loop back to marketing
    draw.line((990, 270, 990, 320), fill=SLATE, width=4)
    draw.line((990, 320, 210, 320), fill=SLATE, width=4)
    arrow(draw, (210, 320), (210, 274))
    draw.text(
        (600, 338), "Expansion, referrals and case studies feed the top of the funnel",
        font=font(15), fill=SLATE, anchor="mm",
    )  # fmt: skip
    box(
        draw, (60, 380, 1140, 470), "Revenue Operations",
        "Owns the playbook, the lead-to-renewal process, the tech stack and the metrics",
        fill=NAVY, title_size=24, body_size=17,
    )  # fmt: skip
    draw.text(
        (600, 515), "Finance (billing, forecast sign-off) and Product (roadmap, usage data) "
        "are stakeholders outside the team",
        font=font(15), fill=INK, anchor="mm",
    )  # fmt: skip
    save(image, "revops-engine")


def brand_card() -> None:
    image, draw = canvas(1100, 520, "Brand essentials")
    draw.rounded_rectangle((40, 100, 520, 300), radius=16, fill=NAVY)
    draw.polygon([(90, 230), (130, 150), (170, 230)], fill=TEAL)
    draw.polygon([(130, 230), (170, 150), (210, 230)], fill=AMBER)
    draw.text((235, 170), "Northwind", font=font(38, bold=True), fill=WHITE, anchor="lm")
    draw.text((235, 218), "Ledger", font=font(38), fill="#C9D3E3", anchor="lm")
    draw.text(
        (280, 272), "Close the books on busywork.", font=font(17), fill="#C9D3E3", anchor="mm"
    )
    swatches = [
        ("Harbour Navy", NAVY),
        ("Ledger Teal", TEAL),
        ("Signal Amber", AMBER),
        ("Slate", SLATE),
        ("Paper", LIGHT),
    ]
    for i, (name, colour) in enumerate(swatches):
        x = 570 + (i % 3) * 170
        y = 100 + (i // 3) * 110
        draw.rounded_rectangle((x, y, x + 150, y + 60), radius=8, fill=colour, outline="#D5DBE3")
        draw.text((x, y + 72), name, font=font(15, bold=True), fill=INK)
        draw.text((x, y + 92), colour, font=font(14), fill=SLATE)
    rules = [
        "Logo: never recolour, stretch or place on busy photos; keep clear space = triangle height.",
        "Type: Inter for product and web, DejaVu Sans as the fallback in documents.",
        "Teal for actions and positive numbers; amber for attention; coral only for errors.",
    ]
    y = 340
    for rule in rules:
        draw.ellipse((44, y + 6, 56, y + 18), fill=TEAL)
        draw.text((70, y), rule, font=font(18), fill=INK)
        y += 48
    save(image, "brand-card")


def personas() -> None:
    image, draw = canvas(1200, 560, "Buyer personas (mid-market finance)")
    cards = [
        (
            "Carla Reyes",
            "Corporate Controller (champion)",
            SKY,
            "Goals: close in 5 days, clean audit, fewer late fees",
            "Pains: 9-day close, approvals lost in email, duplicate payments",
        ),
        (
            "David Kim",
            "CFO / VP Finance (economic buyer)",
            NAVY,
            "Goals: cash visibility, headcount-flat growth, controls",
            "Pains: no real-time liabilities view, audit findings",
        ),
        (
            "Alex Moreno",
            "AP Manager (daily user)",
            TEAL,
            "Goals: zero manual keying, happy vendors, on-time pay",
            "Pains: 1,800 PDFs a month, vendor calls, paper checks",
        ),
    ]
    for i, (name, role, colour, goals, pains) in enumerate(cards):
        x0 = 40 + i * 385
        draw.rounded_rectangle((x0, 100, x0 + 355, 530), radius=16, fill=LIGHT, outline="#D5DBE3")
        draw.rounded_rectangle((x0, 100, x0 + 355, 210), radius=16, fill=colour)
        draw.rectangle((x0, 180, x0 + 355, 210), fill=colour)
        draw.ellipse((x0 + 20, 120, x0 + 90, 190), fill=WHITE)
        initials = "".join(part[0] for part in name.split())
        draw.text((x0 + 55, 155), initials, font=font(24, bold=True), fill=colour, anchor="mm")
        draw.text((x0 + 105, 138), name, font=font(22, bold=True), fill=WHITE, anchor="lm")
        for j, line in enumerate(wrap(draw, role, font(14), 235)):
            draw.text((x0 + 105, 168 + j * 18), line, font=font(14), fill=WHITE, anchor="lm")
        y = 235
        for label, text, accent in (("GOALS", goals, TEAL), ("PAINS", pains, CORAL)):
            draw.text((x0 + 20, y), label, font=font(15, bold=True), fill=accent)
            y += 28
            for item in text.split(": ", 1)[1].split(", "):
                for k, line in enumerate(wrap(draw, item, font(17), 290)):
                    if k == 0:
                        draw.ellipse((x0 + 22, y + 7, x0 + 30, y + 15), fill=accent)
                    draw.text((x0 + 40, y), line, font=font(17), fill=INK)
                    y += 26
                y += 6
            y += 20
    save(image, "personas")


def content_funnel() -> None:
    image, draw = canvas(1100, 600, "Content by funnel stage")
    stages = [
        ("Awareness", "Blog, State of AP report, webinars, LinkedIn", SKY),
        ("Consideration", "ROI calculator, buyer's guide, product tours", TEAL),
        ("Decision", "Case studies, security pack, reference calls", NAVY),
        ("Retain & expand", "Academy courses, onboarding guides, QBR decks", AMBER),
    ]
    top, height, gap = 100, 110, 12
    for i, (name, assets, colour) in enumerate(stages):
        inset = i * 60
        y0 = top + i * (height + gap)
        x0, x1 = 40 + inset, 700 - inset
        shrink = 60 if i < len(stages) - 1 else 0
        draw.polygon(
            [(x0, y0), (x1, y0), (x1 - shrink, y0 + height), (x0 + shrink, y0 + height)],
            fill=colour,
        )
        draw.text(
            ((x0 + x1) / 2, y0 + height / 2), name, font=font(22, bold=True), fill=WHITE,
            anchor="mm",
        )  # fmt: skip
        draw.line(
            (x1 - shrink / 2 + 10, y0 + height / 2, 740, y0 + height / 2), fill=SLATE, width=2
        )
        for j, line in enumerate(wrap(draw, assets, font(17), 330)):
            draw.text(
                (750, y0 + height / 2 - 12 + j * 24), line, font=font(17), fill=INK, anchor="lm"
            )
    save(image, "content-funnel")


def org_chart() -> None:
    image, draw = canvas(1300, 700, "Revenue team organisation")
    people = {
        "ceo": ((550, 95, 750, 165), "Priya Raman", "CEO & co-founder", NAVY),
        "cfo": ((950, 95, 1150, 165), "Elena Ortiz", "CFO", SLATE),
        "cro": ((550, 215, 750, 285), "Marcus Bell", "Chief Revenue Officer", NAVY),
        "mkt": ((40, 345, 280, 415), "Jordan Okafor", "VP Marketing", SKY),
        "sal": ((330, 345, 570, 415), "Luis Carvalho", "VP Sales", TEAL),
        "cs": ((620, 345, 860, 415), "Hannah Lindqvist", "VP Customer Success", AMBER),
        "rev": ((910, 345, 1150, 415), "Dana Whitfield", "Head of RevOps (champion)", NAVY),
    }
    for xy, name, role, colour in people.values():
        box(draw, xy, name, role, fill=colour, title_size=18, body_size=14)
    draw.line((650, 165, 650, 215), fill=SLATE, width=3)
    draw.line((750, 130, 950, 130), fill=SLATE, width=3)
    draw.line((650, 285, 650, 315), fill=SLATE, width=3)
    draw.line((160, 315, 1030, 315), fill=SLATE, width=3)
    for x in (160, 450, 740, 1030):
        draw.line((x, 315, x, 345), fill=SLATE, width=3)
    arrow(draw, (1100, 345), (1100, 169), fill=SLATE, width=2, dashed=True)
    draw.text((1110, 300), "dotted line:", font=font(13), fill=SLATE, anchor="lm")
    draw.text((1110, 316), "forecast, pricing", font=font(13), fill=SLATE, anchor="lm")
    teams = {
        "mkt": ["Demand gen", "Content & brand", "Partner marketing"],
        "sal": ["SDRs (Tessa Morgan)", "SMB, Mid-Market, Enterprise AEs", "Solutions consulting"],
        "cs": ["Onboarding (Maya Torres)", "CSMs", "Renewals (Greg Yamamoto)"],
        "rev": [
            "Sales Ops: Arjun Mehta",
            "Marketing Ops: Chloe Nakamura",
            "CS Ops: Ben Osei",
            "Deal Desk: Farah Haddad",
            "Analytics: Wei Zhang",
        ],
    }
    for key, items in teams.items():
        x0, _, x1, _ = people[key][0]
        y = 450
        draw.line(((x0 + x1) / 2, 415, (x0 + x1) / 2, 450), fill=SLATE, width=2)
        for item in items:
            draw.rounded_rectangle((x0, y, x1, y + 36), radius=8, fill=LIGHT, outline="#D5DBE3")
            draw.text(((x0 + x1) / 2, y + 18), item, font=font(14), fill=INK, anchor="mm")
            y += 44
    save(image, "org-chart")


def tech_stack() -> None:
    image, draw = canvas(1300, 720, "Tech stack and integrations")
    nodes = {
        "sfdc": ((520, 290, 780, 400), "Salesforce", "CRM: accounts, opps, CPQ", NAVY),
        "hub": ((60, 110, 300, 190), "HubSpot", "forms, scoring, nurture", SKY),
        "zoom": ((60, 250, 300, 330), "ZoomInfo", "enrichment", SLATE),
        "lean": ((60, 390, 300, 470), "LeanData", "matching and routing", SLATE),
        "outreach": ((390, 110, 630, 190), "Outreach", "sequences", SKY),
        "gong": ((680, 110, 920, 190), "Gong", "call recording, deal risk", SKY),
        "docusign": ((1000, 110, 1240, 190), "DocuSign", "order forms", SLATE),
        "stripe": ((1000, 250, 1240, 330), "Stripe Billing", "subscriptions, invoices", TEAL),
        "netsuite": ((1000, 390, 1240, 470), "NetSuite", "revenue, GL", TEAL),
        "zendesk": ((60, 550, 300, 630), "Zendesk", "support tickets", AMBER),
        "gainsight": ((390, 550, 630, 630), "Gainsight", "health, renewals", AMBER),
        "dwh": (
            (700, 550, 960, 630),
            "Snowflake + dbt",
            "loaded by Fivetran; one data model",
            NAVY,
        ),
        "portal": ((1020, 550, 1260, 630), "RevOps Portal", "playbook + scorecard", TEAL),
    }
    links = [
        ("hub", "sfdc", (300, 150), (560, 290)),
        ("zoom", "sfdc", (300, 290), (520, 330)),
        ("lean", "sfdc", (300, 430), (520, 370)),
        ("outreach", "sfdc", (560, 190), (600, 290)),
        ("gong", "sfdc", (760, 190), (700, 290)),
        ("sfdc", "docusign", (780, 300), (1000, 170)),
        ("sfdc", "stripe", (780, 330), (1000, 290)),
        ("stripe", "netsuite", (1120, 330), (1120, 390)),
        ("zendesk", "gainsight", (300, 590), (390, 590)),
        ("sfdc", "gainsight", (600, 400), (520, 550)),
        ("sfdc", "dwh", (700, 400), (800, 550)),
        ("netsuite", "dwh", (1050, 470), (930, 550)),
        ("dwh", "portal", (960, 590), (1020, 590)),
    ]
    for _, _, start, end in links:
        arrow(draw, start, end, width=3, head=11)
    for xy, name, role, colour in nodes.values():
        box(draw, xy, name, role, fill=colour, title_size=17, body_size=13)
    draw.text(
        (650, 690), "Arrows show the direction of the main sync; Salesforce is the system of "
        "record for accounts and opportunities, Stripe for subscriptions.",
        font=font(14), fill=SLATE, anchor="mm",
    )  # fmt: skip
    save(image, "tech-stack-map")


def lead_to_renewal() -> None:
    image, draw = canvas(1400, 560, "Lead-to-renewal process")
    lanes = [("Marketing", SKY), ("Sales", TEAL), ("Customer Success", AMBER)]
    steps = [
        (0, "1. Capture", "form, event, partner"),
        (0, "2. Enrich & score", "ZoomInfo + HubSpot"),
        (0, "3. MQL & route", "LeanData, 1 h SLA"),
        (1, "4. Qualify (SQL)", "SDR, BANT-lite"),
        (1, "5. Discovery", "pain, impact, process"),
        (1, "6. Close plan", "mutual, dated"),
        (1, "7. Deal desk", "discount matrix"),
        (2, "8. Handoff", "kickoff in 5 days"),
        (2, "9. Onboard", "live in 30-60 days"),
        (2, "10. Renew / expand", "120-day review"),
    ]
    lane_top, lane_h = 90, 140
    for i, (name, colour) in enumerate(lanes):
        y = lane_top + i * lane_h
        draw.rectangle((20, y, 1380, y + lane_h - 10), fill=LIGHT)
        draw.rectangle((20, y, 44, y + lane_h - 10), fill=colour)
        draw.text((56, y + 12), name, font=font(15, bold=True), fill=colour)
    width, gap = 116, 15
    centres = []
    for i, (lane, title, body) in enumerate(steps):
        x0 = 60 + i * (width + gap)
        y0 = lane_top + lane * lane_h + 36
        box(draw, (x0, y0, x0 + width, y0 + 86), title, body, fill=lanes[lane][1], title_size=14,
            body_size=12)  # fmt: skip
        centres.append((x0, y0, x0 + width, y0 + 86))
    for (_, ay0, ax1, ay1), (bx0, by0, _, by1) in zip(centres, centres[1:], strict=False):
        start_y, end_y, elbow_x = (ay0 + ay1) / 2, (by0 + by1) / 2, ax1 + gap / 2
        if start_y != end_y:  # a lane change: go right, down, then right again
            draw.line((ax1, start_y, elbow_x, start_y), fill=SLATE, width=3)
            draw.line((elbow_x, start_y, elbow_x, end_y), fill=SLATE, width=3)
        arrow(
            draw,
            (elbow_x if start_y != end_y else ax1 + 1, end_y),
            (bx0 - 2, end_y),
            width=3,
            head=9,
        )
    draw.text(
        (700, 528), "Rejected SQLs return to nurture in HubSpot; expansion opportunities "
        "re-enter at step 5 with the account's CSM attached.",
        font=font(15), fill=SLATE, anchor="mm",
    )  # fmt: skip
    save(image, "lead-to-renewal")


def metrics_map() -> None:
    image, draw = canvas(1200, 520, "What we measure across the life cycle")
    stages = [
        ("Acquire", "CAC, CAC payback,\nLTV : CAC", SKY),
        ("Convert", "win rate, deal size,\nsales cycle, velocity", TEAL),
        ("Retain", "GRR, customer churn,\nrenewal rate", AMBER),
        ("Grow", "NRR, expansion,\nARR / MRR, LTV", NAVY),
    ]
    for i, (name, body, colour) in enumerate(stages):
        x0 = 40 + i * 290
        box(draw, (x0, 120, x0 + 250, 300), name, body, fill=colour, title_size=26, body_size=17)
        if i < len(stages) - 1:
            arrow(draw, (x0 + 252, 210), (x0 + 288, 210))
    box(
        draw, (40, 350, 1160, 440), "Forecast accuracy",
        "How well we predict all of the above: the commit call vs. what actually closed",
        fill=SLATE, title_size=22, body_size=16,
    )  # fmt: skip
    draw.text(
        (600, 480), "Every figure is computed the same way for every team: see /metrics/",
        font=font(16), fill=INK, anchor="mm",
    )  # fmt: skip
    save(image, "metrics-map")


def main() -> None:
    revops_engine()
    brand_card()
    personas()
    content_funnel()
    org_chart()
    tech_stack()
    lead_to_renewal()
    metrics_map()


if __name__ == "__main__":
    main()
