"""Pure logic with no Dagster import: tape formats, lineage, quarantine, features, models, metrics."""
