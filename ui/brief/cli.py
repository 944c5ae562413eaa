"""`python -m metrics brief --month YYYY-MM [--lang zh|en] [--branch ID]... [--tier T]...
--out FILE.pdf [--db PATH]`: the board brief as a PDF file.

Registered by metrics.cli (COMMAND_MODULES names this module); it imports the brief's
code, which lives in ui/ because it formats as the app does, only when it runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _run(args: argparse.Namespace) -> int:
    from metrics.alerts.evaluate import month_bounds
    from metrics.contract import TIERS
    from metrics.errors import CliError
    from metrics.store import StoreMissingError, connect_reader, resolve_db
    from ui.brief import make_pdf
    from ui.brief.content import Scope

    try:
        month_bounds(args.month)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    for tier in args.tier or ():
        if tier not in TIERS:
            raise CliError(f"unknown tier {tier!r}; expected one of {', '.join(TIERS)}")
    db = resolve_db(args.db)
    try:
        con = connect_reader(db)
    except StoreMissingError as exc:
        raise CliError(str(exc)) from None
    try:
        known = {str(r[0]) for r in con.execute("SELECT branch_id FROM branches").fetchall()}
    finally:
        con.close()
    unknown = [b for b in args.branch or () if b not in known]
    if unknown:
        raise CliError(f"unknown branch {unknown[0]!r}")
    scope = Scope(args.month, args.lang, tuple(args.branch or ()), tuple(args.tier or ()))
    try:
        pdf = make_pdf(db, scope)
        Path(args.out).write_bytes(pdf)
    except OSError as exc:
        raise CliError(str(exc)) from None
    print(f"wrote {args.out} ({len(pdf):,} bytes)", file=sys.stderr)
    return 0


def register_cli(sub: Any) -> None:
    p = sub.add_parser("brief", help="the board brief of a month as an A4 PDF")
    p.add_argument("--month", required=True, help="YYYY-MM")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--branch", action="append", help="branch_id; repeat for several")
    p.add_argument("--tier", action="append", help="A, B or C; repeat for several")
    p.add_argument("--out", required=True, help="the PDF file to write")
    p.add_argument("--db", default=None, help="store file (default: $CRM_DB or data/crm.duckdb)")
    p.set_defaults(handler=_run)
