"""`python -m metrics ...`: one argparse front door; each module adds its commands."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from metrics import store
from metrics.contract import TABLE_ORDER
from metrics.errors import CliError
from metrics.load import (
    MODES,
    ExtractError,
    UndoError,
    history,
    load_dir,
    load_file,
    read_extract,
    undo_load,
    validate,
)

# Each module defines `register_cli(subparsers)` adding its sub-commands, each
# with `set_defaults(handler=callable(args) -> int)`. ui.brief.cli (the board brief,
# which formats as the app does) imports nothing of ui until its command runs.
COMMAND_MODULES: tuple[str, ...] = (
    "metrics.cli",
    "metrics.demo",
    "metrics.kpis",
    "metrics.access",
    "metrics.watchlist",  # the relationship manager's desk
    "metrics.whitespace",
    "metrics.impact",
    "metrics.alerts",
    "ui.brief.cli",
)


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


# --- the loader's commands: load, validate, load-dir, undo, history ----------------------------

ENCODING_HELP = (
    "the CSV files' text encoding, e.g. utf-8, gb18030, cp1252 "
    "(default: UTF-8, or GBK/GB18030 when the bytes read as Chinese)"
)


def _read_for_cli(path_text: str) -> tuple[Path, bytes]:
    path = Path(path_text)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    return path, path.read_bytes()


def _audit_loads(db: Path, reports: Sequence[Any]) -> None:
    """Each CLI load or refusal in the audit trail beside the store, as the OS user."""
    from metrics import access

    for r in reports:
        detail = {
            "table": r.table, "file": r.file_name, "mode": r.mode, "rows": r.rows_in,
            "checksum": r.checksum, "load_id": r.load_id, "via": "cli",
        }  # fmt: skip
        access.audit(access.admin_db_for(db), access.os_user(), "load",
                     "ok" if r.ok else "refused", detail)  # fmt: skip


def _cmd_load(args: argparse.Namespace) -> int:
    db = store.resolve_db(args.db)
    path, _ = _read_for_cli(args.file)
    try:
        rep = load_file(
            db, args.table, path, mode=args.mode, sheet=args.sheet, encoding=args.encoding
        )
    except (ValueError, OSError, store.StoreBusyError) as exc:
        raise CliError(str(exc)) from exc
    _audit_loads(db, [rep])
    if rep.ok:
        print(rep.message)
        for w in rep.warnings:
            print(f"warning: {w}", file=sys.stderr)
        return 0
    print(rep.render_text(), file=sys.stderr)
    return 1


def _cmd_validate(args: argparse.Namespace) -> int:
    db = store.resolve_db(args.db)
    path, data = _read_for_cli(args.file)
    try:
        extract = read_extract(data, path.name, sheet=args.sheet, encoding=args.encoding)
    except ExtractError as exc:
        print(f"REFUSED {path.name} -> {args.table}: {exc}", file=sys.stderr)
        return 1
    try:
        rep = validate(db, args.table, extract, mode=args.mode)
    except (ValueError, OSError, store.StoreBusyError) as exc:
        raise CliError(str(exc)) from exc
    if rep.ok:
        print(f"OK: {rep.rows_in} rows of {path.name} fit {args.table} (mode {args.mode})")
        for w in rep.warnings:
            print(f"warning: {w}", file=sys.stderr)
        return 0
    print(
        rep.render_text().replace("nothing was loaded", "nothing would be loaded"), file=sys.stderr
    )
    return 1


def _cmd_load_dir(args: argparse.Namespace) -> int:
    db = store.resolve_db(args.db)
    if not Path(args.directory).is_dir():
        raise CliError(f"no such directory: {args.directory}")
    try:
        reports = load_dir(db, args.directory, mode=args.mode, encoding=args.encoding)
    except (ValueError, OSError, store.StoreBusyError) as exc:
        raise CliError(str(exc)) from exc
    _audit_loads(db, reports)
    if all(r.ok for r in reports):
        for r in reports:
            print(r.message)
            for w in r.warnings:
                print(f"warning: {w}", file=sys.stderr)
        return 0
    for r in reports:
        print(r.render_text(), file=sys.stderr)
    return 1


def _cmd_undo(args: argparse.Namespace) -> int:
    from metrics import access

    db = store.resolve_db(args.db)
    admin, detail = access.admin_db_for(db), {"load_id": args.load_id, "via": "cli"}
    try:
        print(undo_load(db, args.load_id))
    except (UndoError, OSError, store.StoreBusyError) as exc:
        access.audit(admin, access.os_user(), "undo", "refused", {**detail, "reason": str(exc)})
        raise CliError(str(exc)) from exc
    access.audit(admin, access.os_user(), "undo", "ok", detail)
    return 0


def _cmd_history(args: argparse.Namespace) -> int:
    db = store.resolve_db(args.db)
    try:
        con = store.connect_reader(db)
    except store.StoreMissingError as exc:
        raise CliError(str(exc)) from exc
    try:
        frame = history(con, db)
    except duckdb.CatalogException as exc:
        raise CliError(f"{db} has no load history") from exc
    finally:
        con.close()
    if frame.empty:
        print("No loads yet.")
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(frame.drop(columns=["message_codes"], errors="ignore").to_string(index=False))
    return 0


def register_cli(sub: Any) -> None:
    """Add the load, validate, load-dir, undo and history commands."""
    db_help = "the store (default: $CRM_DB, else data/crm.duckdb)"
    p = sub.add_parser("load", help="load one extract file into a table")
    p.add_argument("table", choices=TABLE_ORDER)
    p.add_argument("file")
    p.add_argument("--db", help=db_help)
    p.add_argument("--mode", choices=MODES, default="append")
    p.add_argument("--sheet", help="xlsx sheet to read (default: the first)")
    p.add_argument("--encoding", help=ENCODING_HELP)
    p.set_defaults(handler=_cmd_load)

    p = sub.add_parser("validate", help="check an extract file without loading it")
    p.add_argument("table", choices=TABLE_ORDER)
    p.add_argument("file")
    p.add_argument("--db", help=db_help)
    p.add_argument("--mode", choices=MODES, default="append")
    p.add_argument("--sheet", help="xlsx sheet to read (default: the first)")
    p.add_argument("--encoding", help=ENCODING_HELP)
    p.set_defaults(handler=_cmd_validate)

    p = sub.add_parser("load-dir", help="load every table file of a directory as one batch")
    p.add_argument("directory")
    p.add_argument("--db", help=db_help)
    p.add_argument("--mode", choices=MODES, default="append")
    p.add_argument("--encoding", help=ENCODING_HELP)
    p.set_defaults(handler=_cmd_load_dir)

    p = sub.add_parser("undo", help="undo one load, putting its table back as it was")
    p.add_argument("load_id", type=int)
    p.add_argument("--db", help=db_help)
    p.set_defaults(handler=_cmd_undo)

    p = sub.add_parser("history", help="list every load, newest first")
    p.add_argument("--db", help=db_help)
    p.set_defaults(handler=_cmd_history)
