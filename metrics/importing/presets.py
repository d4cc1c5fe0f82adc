"""Vendor presets: the column names and stage labels of Salesforce and HubSpot exports."""

PRESETS = ("generic", "salesforce", "hubspot")

# Preset column names per kind and field, tried in order (case-insensitive) before the canonical
# name. Salesforce: Data Loader / API-name exports first, then report exports' display labels.
PRESET_COLUMNS: dict[str, dict[str, dict[str, list[str]]]] = {
    "salesforce": {
        "accounts": {
            "external_id": ["Id", "Account ID"],
            "name": ["Name", "Account Name"],
            "industry": ["Industry"],
            "created_date": ["CreatedDate", "Created Date"],
        },
        "opportunities": {
            "external_id": ["Id", "Opportunity ID"],
            "account": ["AccountId", "Account ID"],
            "name": ["Name", "Opportunity Name"],
            "amount": ["Amount"],
            "stage": ["StageName", "Stage"],
            "is_closed": ["IsClosed", "Closed"],
            "is_won": ["IsWon", "Won"],
            "created_date": ["CreatedDate", "Created Date"],
            "close_date": ["CloseDate", "Close Date"],
            "source": ["LeadSource", "Lead Source"],
            "type": ["Type"],
            "owner": ["OwnerId", "Opportunity Owner"],
        },
    },
    "hubspot": {
        "accounts": {
            "external_id": ["Record ID", "Company ID"],
            "name": ["Company name", "Name"],
            "industry": ["Industry"],
            "created_date": ["Create Date"],
        },
        "opportunities": {
            "external_id": ["Record ID", "Deal ID"],
            "name": ["Deal Name"],
            "amount": ["Amount"],
            "stage": ["Deal Stage"],
            "created_date": ["Create Date"],
            "close_date": ["Close Date"],
            "owner": ["Deal owner"],
            "type": ["Deal Type"],
            "account": [
                "Associated Company IDs (Primary)",
                "Associated Company ID",
                "Associated Company IDs",
                "Associated Company",
            ],
            "source": ["Original Source Type", "Original Source"],
        },
    },
}

# HubSpot's default sales pipeline: internal stage ids and their labels.
HUBSPOT_STAGES = {
    "appointmentscheduled": "open",
    "appointment scheduled": "open",
    "qualifiedtobuy": "open",
    "qualified to buy": "open",
    "presentationscheduled": "open",
    "presentation scheduled": "open",
    "decisionmakerboughtin": "open",
    "decision maker bought-in": "open",
    "contractsent": "open",
    "contract sent": "open",
    "closedwon": "won",
    "closed won": "won",
    "closedlost": "lost",
    "closed lost": "lost",
}
PRESET_STAGE_MAPS = {"hubspot": HUBSPOT_STAGES}

# Opportunity types as CRMs label them (read in every preset): Salesforce's "Existing Customer -
# ..." types, HubSpot's "Existing Business", and the canonical values.
OPPORTUNITY_TYPES = {
    "": "new_business",
    "new_business": "new_business",
    "new business": "new_business",
    "newbusiness": "new_business",
    "new customer": "new_business",
    "expansion": "expansion",
    "upsell": "expansion",
    "existing customer - upgrade": "expansion",
    "existing business": "expansion",
    "existingbusiness": "expansion",
    "renewal": "renewal",
    "existing customer - replacement": "renewal",
    "existing customer - downgrade": "renewal",
}
