"""Read the registry: curated `.sql` queries, search, and the `ohr` command line."""
