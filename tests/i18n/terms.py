"""Words that stay in Latin letters in every language (brands, standard acronyms), so the
every-page test does not count them as untranslated. Keep it short: anything a reader of
Russian or Persian would expect in their own script does not belong here."""

LATIN_TERMS = [
    "RevOps Portal",
    "RevOps",
    "HubSpot",
    "Salesforce",
    # Chat products a notification can go to (the notification settings page).
    "Slack",
    "Mattermost",
    "Rocket.Chat",
    "Microsoft Teams",
    "Markdown",
    "Mermaid",
    "CRM",
    "CSV",
    "PDF",
    "JSON",
    "SSO",
    "OIDC",
    "URL",
    "API",
    "ISO",
    "UTC",
    "ARR",
    "MRR",
    "CAC",
    "LTV",
    "NRR",
    "GRR",
    "MQL",
    "SQL",
    "KPI",
    "CS",
    "USD",
    "EUR",
]
