"""`python -m metrics kpis ...`: KPIs for a period as JSON on stdout, one-line errors."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

import duckdb

from metrics.config import get_settings
from metrics.contract import TIERS

BY_CHOICES = ("tier", "branch", "relationship_type", "relationship_manager", "month")


def _parse_date(text: str, flag: str) -> dt.date:
    from metrics.errors import CliError

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{flag} {text!r} is not a date YYYY-MM-DD") from None


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def _filters(args: argparse.Namespace) -> Any:
    from metrics.errors import CliError
    from metrics.filters import Filters

    date_from = _parse_date(args.date_from, "--from")
    date_to = _parse_date(args.date_to, "--to")
    if date_from > date_to:
        raise CliError(f"--from {date_from} is after --to {date_to}")
    tiers = tuple(args.tier or ())
    for t in tiers:
        if t not in TIERS:
            raise CliError(f"unknown tier {t!r}; expected one of {', '.join(TIERS)}")
    if args.by is not None and args.by not in BY_CHOICES:
        raise CliError(f"--by {args.by!r}: expected one of {', '.join(BY_CHOICES)}")
    discount = get_settings().discount_rate
    if args.discount_rate is not None:
        try:
            discount = float(args.discount_rate)
        except ValueError:
            raise CliError(f"--discount-rate {args.discount_rate!r} is not a number") from None
    if not 0 <= discount < 10:
        raise CliError(f"--discount-rate {discount} is out of range (e.g. 0.08)")
    return Filters(
        date_from,
        date_to,
        branches=tuple(args.branch or ()),
        tiers=tiers,
        managers=tuple(args.manager or ()),
        discount_rate=discount,
    )


def _run_cli(args: argparse.Namespace) -> int:
    from metrics.engine import query
    from metrics.errors import CliError
    from metrics.kpis.catalog import KPIS
    from metrics.store import StoreMissingError, connect_reader, resolve_db

    f = _filters(args)
    ids = list(dict.fromkeys(args.kpi)) if args.kpi else list(KPIS)
    unknown_kpi = [k for k in ids if k not in KPIS]
    if unknown_kpi:
        raise CliError(f"unknown KPI {unknown_kpi[0]!r}")
    try:
        con = connect_reader(resolve_db(args.db))
    except StoreMissingError as exc:
        raise CliError(str(exc)) from None
    except duckdb.Error as exc:
        raise CliError(f"cannot open the store: {str(exc).splitlines()[0]}") from None
    try:
        known = {str(r[0]) for r in con.execute("SELECT branch_id FROM branches").fetchall()}
        unknown = [b for b in f.branches if b not in known]
        if unknown:
            raise CliError(f"unknown branch {unknown[0]!r}")

        def shape(cell: query.Cell, covered: bool = False) -> Any:
            return cell.as_dict(with_covered=covered) if args.detail else cell.value

        filters: dict[str, Any] = {"branches": list(f.branches), "tiers": list(f.tiers)}
        if f.managers:
            filters["managers"] = list(f.managers)
        filters["discount_rate"] = f.discount_rate
        out: dict[str, Any] = {
            "period": {"from": f.date_from.isoformat(), "to": f.date_to.isoformat()},
            "filters": filters,
        }
        if args.compare:
            blocks = query.compare_detail(con, f, ids)
            out["kpis"] = {k: shape(c) for k, c in blocks["current"].items()}
            for name in ("previous", "year_ago"):
                g = f.previous_period() if name == "previous" else f.year_earlier()
                out[name] = {
                    "period": {"from": g.date_from.isoformat(), "to": g.date_to.isoformat()},
                    "kpis": {k: c.as_dict(with_covered=True) for k, c in blocks[name].items()},
                }
        else:
            cells = query.detail(con, f, ids, intervals=args.detail)
            out["kpis"] = {k: shape(c) for k, c in cells.items()}
        if args.by:
            rows = query.breakdown_detail(con, f, args.by, ids, intervals=args.detail)
            out["by"] = {g: {k: shape(c) for k, c in row.items()} for g, row in rows.items()}
        out["sources"] = {
            name: {"start": _iso(d.start), "as_of": _iso(d.as_of)}
            for name, d in query.source_dates(con).items()
        }
    finally:
        con.close()
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`kpis --from D --to D [--branch ID]... [--tier T]... [--manager NAME]... [--kpi ID]...
    [--by DIM] [--compare] [--detail]` -> JSON."""
    p = sub.add_parser("kpis", help="Print KPIs for a period as JSON.")
    p.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
    p.add_argument("--db", default=None, help="store file (default: $CRM_DB or data/crm.duckdb)")
    p.add_argument("--branch", action="append", help="branch_id; repeat for several")
    p.add_argument("--tier", action="append", help="A, B or C; repeat for several")
    p.add_argument(
        "--manager", action="append", help="relationship manager, or (unassigned); repeatable"
    )
    p.add_argument("--kpi", action="append", help="only this KPI id; repeat for several")
    p.add_argument("--discount-rate", default=None, help="CLV discount rate, e.g. 0.08")
    p.add_argument("--by", default=None, help="also break down by " + ", ".join(BY_CHOICES))
    p.add_argument(
        "--compare", action="store_true", help="add the previous period and a year earlier"
    )
    p.add_argument(
        "--detail", action="store_true", help="numerator, denominator, interval and flags"
    )
    p.set_defaults(handler=_run_cli)
