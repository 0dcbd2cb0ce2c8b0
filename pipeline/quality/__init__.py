"""Great Expectations suites (expectations/) run on the marts before anything is published."""
