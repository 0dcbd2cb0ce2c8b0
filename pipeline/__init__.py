"""Performance analytics for a Local Safeguarding Children Partnership.

Quarterly returns from partner agencies are validated and loaded into DuckDB
(`pipeline.ingest`), modelled with dbt (`dbt_project/`, run by `pipeline.transform`), checked
(`pipeline.quality`), questioned (`pipeline.flags`) and published as Parquet marts
(`pipeline.publish`) for the dashboard (`dashboard/`). `pipeline.cli` is the `pqa` command.
"""
