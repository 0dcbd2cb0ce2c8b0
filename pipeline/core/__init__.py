"""Rules every stage shares: the indicator catalogue, financial-year quarters, the default
area, and where the project keeps things."""
