"""Errors shared across metrics modules, in a module that imports nothing of metrics."""

from __future__ import annotations


class CliError(Exception):
    """A user error: printed as one line, exit status 2, no traceback."""
