"""CRM CSV files in, canonical records and per-row errors out; bulk upserts.

The pipeline, used by the `import_crm` command and by portal imports:

- options: what a person asks (kind, preset, column mapping, stage→status map, skip invalid rows),
  one `ImportOptions`;
- decoding: the file's bytes → header and records, streamed (encodings, delimiters, not-CSV
  files);
- columns: which column feeds which canonical field (schema: the kinds and their fields; presets:
  Salesforce and HubSpot column names);
- rows and values: every record → its field values, or row errors (line, column, value, reason);
- staging: a file streamed (read twice, never held), validated in chunks, loaded into a temporary
  table (COPY on PostgreSQL), then duplicates, accounts and the upsert in set-based SQL;
- parsing: a table in memory (a CRM sync's page) → `Parsed` (valid records, errors,
  duplicates), and a file's preview;
- writing: a `Parsed`'s accounts looked up in batches, then bulk upserts by each kind's key
  (CRM syncs, the demo data);
- services: import a file now, or as a portal ImportJob (upload, preview, start, run);
  views: the portal pages over those services.
"""
