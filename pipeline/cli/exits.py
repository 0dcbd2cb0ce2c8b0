"""The exit codes every `pqa` command uses, so monitoring can act on them: 0 success."""

EXIT_REFUSED = 1  # a file refused, a check failed, nothing changed
EXIT_USAGE = 2  # the command was written wrongly
EXIT_BUSY = 3  # another load or refresh holds the warehouse, or the review log: try again
EXIT_UNEXPECTED = 4  # a failure the product did not expect: one line, details in the log
