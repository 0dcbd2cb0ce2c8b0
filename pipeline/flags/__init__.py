"""Flagged questions: a flag engine of pure functions over indicator series (series, limits,
rules, engine, wording), the review log that keeps every answer (review_log), and what a
refresh publishes (publish)."""

STATUSES = ("open", "response requested", "answered", "closed")
