"""Flagged questions: a flag engine of pure functions over indicator series (series, limits,
rules, engine, wording), the flags a refresh raises and publishes (current), the review log
that keeps every answer (review_log), and the yearly-report table (export)."""

STATUSES = ("open", "response requested", "answered", "closed")
