"""CRM CSV files in, canonical records and per-row errors out; bulk upserts.

The pipeline, used by the `import_crm` command and by portal imports:

- options: what a person asks (kind, preset, column mapping, stage→status map, skip invalid rows),
  one `ImportOptions`;
- decoding: the file's bytes → header and records (encodings, delimiters, not-CSV files);
- columns: which column feeds which canonical field (schema: the kinds and their fields; presets:
  Salesforce and HubSpot column names);
- rows and values: every record → a model instance, or row errors (line, column, value, reason);
- parsing: the whole file once → `Parsed` (valid records, errors, duplicates), and the preview;
- writing: accounts looked up in batches, then bulk upserts by each kind's key;
- services: import a file now, or as a portal ImportJob (upload, preview, start, run);
  views: the portal pages over those services.
"""
