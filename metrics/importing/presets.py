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
            "website": ["Website"],
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
        # Lead exports: no qualification date on the standard object; a custom one is mapped
        # (--map qualified_date=MQL_Date__c), else the Status says it (SALESFORCE_QUALIFIED).
        "leads": {
            "external_id": ["Id", "Lead ID"],
            "created_date": ["CreatedDate", "Create Date", "Created Date"],
            "email": ["Email"],
            "source": ["LeadSource", "Lead Source"],
            "owner": ["Lead Owner", "Owner Name", "Owner Full Name", "OwnerId"],
            "status": ["Status", "Lead Status"],
            "converted_date": ["ConvertedDate", "Converted Date"],
            "account": ["ConvertedAccountId", "Converted Account ID", "Converted Account"],
        },
    },
    "hubspot": {
        "accounts": {
            "external_id": ["Record ID", "Company ID", "hs_object_id"],
            "name": ["Company name", "Name"],
            "industry": ["Industry"],
            "website": ["Website URL", "Company Domain Name", "website", "domain"],
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
        # Contact exports: the lifecycle stage is the status; its "Became a …" dates say when the
        # contact qualified (marketing-qualified) and converted (customer).
        "leads": {
            "external_id": ["Record ID", "Contact ID", "hs_object_id", "vid"],
            "created_date": ["Create Date", "createdate"],
            "email": ["Email", "email"],
            "source": ["Original Source", "Original Source Type", "hs_analytics_source"],
            "owner": ["Contact owner", "hubspot_owner_id"],
            "status": ["Lifecycle Stage", "lifecyclestage"],
            "qualified_date": [
                "Became a Marketing Qualified Lead Date",
                "hs_lifecyclestage_marketingqualifiedlead_date",
            ],
            "converted_date": ["Became a Customer Date", "hs_lifecyclestage_customer_date"],
            "account": [
                "Associated Company IDs (Primary)",
                "Associated Company ID",
                "Associated Company IDs",
                "associatedcompanyid",
            ],
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

# The lead statuses that mean "qualified" when a lead's qualified_date cell is blank (rows.py),
# casefolded. Salesforce: the default Lead Status values of Lightning orgs (Qualified) and of
# classic ones (Closed - Converted). HubSpot: every lifecycle stage from marketing-qualified on,
# as internal names and labels (a contact that skipped the MQL stage has no MQL date).
# --qualified-status replaces these.
SALESFORCE_QUALIFIED = ("qualified", "closed - converted", "converted")
HUBSPOT_QUALIFIED = (
    "marketingqualifiedlead",
    "marketing qualified lead",
    "salesqualifiedlead",
    "sales qualified lead",
    "opportunity",
    "customer",
    "evangelist",
)
PRESET_QUALIFIED_STATUSES = {
    "salesforce": dict.fromkeys(SALESFORCE_QUALIFIED, "qualified"),
    "hubspot": dict.fromkeys(HUBSPOT_QUALIFIED, "qualified"),
}
