"""CRM sync: HubSpot and Salesforce records flow in by themselves, incrementally, on a schedule.

- models: a connection (CRM, record kinds, field mapping, schedule, encrypted secrets), its
  cursor per kind, its sync runs (the log) and the records waiting for their account;
- secrets: the connection's secrets encrypted at rest (Fernet, key CRM_SECRETS_KEY);
- kinds: which CRM object and properties feed each record kind (defaults: the import presets);
- clients: the CRMs' own client libraries (hubspot-api-client, simple-salesforce), one page of
  changed and deleted records at a time, with retries and Retry-After (urllib3's Retry);
- services: one sync = for each kind, accounts first, page by page through the importer's
  row validation and writers (metrics/importing: one code path for files and APIs), the cursor
  advanced in the same transaction as the page's records, so an interrupted sync resumes
  without duplicates; then one coalesced metric recomputation if anything changed;
- views, forms: /metrics/connections/ (managers add, edit, test, sync now; the sync log).
"""
