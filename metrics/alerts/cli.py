"""`python -m metrics alerts [--month YYYY-MM] [--json] [--send] [--db PATH]`.

Exit status 0 when no rule fires, 3 when some fire (so cron can act), 2 on an error.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

FIRED_EXIT = 3


def _run(args: argparse.Namespace) -> int:
    from metrics.alerts.deliver import deliver, describe
    from metrics.alerts.evaluate import evaluate, latest_month, month_bounds
    from metrics.errors import CliError
    from metrics.store import StoreMissingError, connect_reader, resolve_db

    db = resolve_db(args.db)
    if args.month:
        try:
            month_bounds(args.month)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    try:
        con = connect_reader(db)
    except StoreMissingError as exc:
        raise CliError(str(exc)) from None
    try:
        month = args.month or latest_month(con)
        if month is None:
            raise CliError(f"{db} holds no data")
        try:
            fired = evaluate(con, month)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    finally:
        con.close()
    sent = deliver(db, month, fired) if args.send and fired else {}
    if args.json:
        out: dict[str, Any] = {"month": month, "fired": [asdict(a) for a in fired]}
        if args.send:
            out["sent"] = {c: len(v) for c, v in sent.items()}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(f"{month}: {len(fired)} alert(s)")
        for a in fired:
            print("  " + describe(a))
        for channel, alerts in sent.items():
            print(f"sent {len(alerts)} by {channel}")
    return FIRED_EXIT if fired else 0


def register(sub: Any) -> None:
    p = sub.add_parser("alerts", help="which alert rules fire for a month (exit 3 when some do)")
    p.add_argument("--month", help="YYYY-MM (default: the month of the latest data)")
    p.add_argument("--json", action="store_true", help="JSON on stdout")
    p.add_argument(
        "--send", action="store_true", help="also deliver by the configured webhook / e-mail"
    )
    p.add_argument("--db", default=None, help="store file (default: $CRM_DB or data/crm.duckdb)")
    p.set_defaults(handler=_run)
