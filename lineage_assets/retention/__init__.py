"""Retention cross-check: deletion reports (ids deleted from a database) and usage reports
(ids found in S3 objects) read from configured locations, stored with ids only as salted
hashes, and matched to the datasets of the lineage by location.

`load.load_reports` writes; `views.retention_for` gives the contract's `retention` block per
artifact; `check.violations` lists the datasets that still hold ids reported deleted.
"""
