"""The one error the drift check knows how to report: it could not check at all (exit 2)."""

from __future__ import annotations


class CannotCheck(Exception):
    """The check could not run. The message is one line that says why and what to do."""
