"""S3 dataset schemas: bounded sampling (Parquet footers, CSV/JSON heads), union with widening,
content-hash versions and classified drift; `records` turns a sample into store rows, `views`
reads them back, `posture` reads each bucket's security settings, `ids` names their sources."""
