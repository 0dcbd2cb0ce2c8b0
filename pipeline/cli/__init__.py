"""The `pqa` command: one module per command group, each with its parser, handler and output."""
