"""`python -m metrics ...`: one argparse front door; each module adds its commands."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module defines `register_cli(subparsers)` adding its sub-commands, each
# with `set_defaults(handler=callable(args) -> int)`.
COMMAND_MODULES: tuple[str, ...] = ("metrics.loader", "metrics.demo", "metrics.kpis")
COMMAND_MODULES += ("metrics.watchlist", "metrics.whitespace")  # the relationship manager's desk


class CliError(Exception):
    """A user error: printed as one line, exit status 2, no traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m metrics", description="CRM KPI store and metrics."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register_cli(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
