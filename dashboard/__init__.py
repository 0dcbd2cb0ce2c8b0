"""The Streamlit dashboard. It reads only the published marts in data/marts/ and the review
log, never the warehouse the pipeline writes, so it keeps working while a refresh runs."""
