"""The thin Dagster layer over `lineage_assets`: resources, assets, checks, jobs, schedules."""
