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
            # An id when the export has one; a report often carries only the account's name.
            "account": ["AccountId", "Account ID", "Account Name"],
            "name": ["Name", "Opportunity Name"],
            "amount": ["Amount"],
            "stage": ["StageName", "Stage"],
            "is_closed": ["IsClosed", "Closed"],
            "is_won": ["IsWon", "Won"],
            "created_date": ["CreatedDate", "Created Date"],
            "close_date": ["CloseDate", "Close Date"],
            "source": ["LeadSource", "Lead Source"],
            "type": ["Type"],
            # A person's name reads better in the owner cut than an id.
            "owner": ["Opportunity Owner", "Owner Name", "Owner Full Name", "OwnerId"],
        },
    },
    "hubspot": {
        "accounts": {
            "external_id": ["Record ID", "Company ID", "hs_object_id"],
            "name": ["Company name", "Name"],
            "industry": ["Industry"],
            "created_date": ["Create Date"],
        },
        # Export labels first, then the internal property names (API and some exports).
        "opportunities": {
            "external_id": ["Record ID", "Deal ID", "hs_object_id", "dealId"],
            "name": ["Deal Name", "dealname"],
            "amount": ["Amount"],
            "stage": ["Deal Stage", "dealstage"],
            "created_date": ["Create Date", "createdate"],
            "close_date": ["Close Date", "closedate"],
            "owner": ["Deal owner", "hubspot_owner_id"],
            "type": ["Deal Type", "dealtype"],
            "account": [
                "Associated Company IDs (Primary)",
                "Associated Company ID",
                "Associated Company IDs",
                "Associated Company",
                "associatedcompanyid",
            ],
            "source": ["Original Source Type", "Original Source", "hs_analytics_source"],
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
# Salesforce's closed stages, and the open ones of its default sales process and of the sample
# data's (Discovery, Proposal/Quote, Negotiation). Another stage needs --status-from-stage when
# the file has no IsClosed/IsWon (Closed/Won) columns.
SALESFORCE_STAGES = {
    "closed won": "won",
    "closed lost": "lost",
    **{
        stage: "open"
        for stage in (
            "prospecting",
            "qualification",
            "needs analysis",
            "value proposition",
            "id. decision makers",
            "perception analysis",
            "proposal/price quote",
            "negotiation/review",
            "discovery",
            "proposal/quote",
            "negotiation",
        )
    },
}
PRESET_STAGE_MAPS = {"hubspot": HUBSPOT_STAGES, "salesforce": SALESFORCE_STAGES}

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
