"""Performance analytics for a Local Safeguarding Children Partnership.

Quarterly returns from partner agencies are validated and loaded into DuckDB
(`pipeline.returns`, `pipeline.warehouse`), modelled with dbt (`dbt_project/`) and published
as Parquet marts for the dashboard.
"""
