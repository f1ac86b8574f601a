"""PII classification without any external service: a multilingual column-name dictionary,
value detectors with check digits, a per-column classifier and masking of examples."""

from lineage_assets.pii.classifier import ColumnClassification, classify_column
from lineage_assets.pii.masking import mask

__all__ = ["ColumnClassification", "classify_column", "mask"]
