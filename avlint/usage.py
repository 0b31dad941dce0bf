"""What every command shares at its edge: the exit codes and the usage error (exit 2).

A module of its own so that the commands (lint, fix, payload, migrate, diff, apply) and the
steps around them can all raise and map it without importing one another.
"""

from __future__ import annotations

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad options or configuration: reported on stderr, exit code 2."""
