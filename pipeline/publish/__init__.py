"""A refresh from inbox to published marts, all at once or not at all; its status; backups
and restore of what must never be lost."""
