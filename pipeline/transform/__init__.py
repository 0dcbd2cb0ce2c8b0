"""Running the dbt project (dbt_project/) that models the loaded figures into marts."""
