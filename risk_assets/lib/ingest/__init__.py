"""Landing-file ingestion: format detection, text-first parsing, lineage, manifest, quarantine."""
