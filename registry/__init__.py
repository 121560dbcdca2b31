"""The registry: one DuckDB file, created and migrated by ohr, written in batches."""
