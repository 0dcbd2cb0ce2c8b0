"""Development data: the deterministic sample returns, synthetic returns at any scale, and the
reference seeds derived from the ONS file. Never used by the product at run time."""
