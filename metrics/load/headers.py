"""Header matching: each file header to a contract column, and which table a file is."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from metrics.contract import TABLES, Table, header_lookup, normalize_header


class HeaderMatch(NamedTuple):
    """How one file header was matched: 'canonical', 'alias', 'manual' or 'unknown'."""

    header: str
    column: str | None
    how: str


def match_headers(
    table: Table, headers: list[str], mapping: dict[str, str | None] | None = None
) -> list[HeaderMatch]:
    """Match each file header to a contract column (canonical name, alias or manual mapping)."""
    lookup = header_lookup(table)
    canon = {normalize_header(c.name): c.name for c in table.columns}
    manual = {normalize_header(k): v for k, v in (mapping or {}).items()}
    out: list[HeaderMatch] = []
    for header in headers:
        if mapping and (header in mapping or normalize_header(header) in manual):
            target = mapping[header] if header in mapping else manual[normalize_header(header)]
            if target and target not in table.column_names:
                raise ValueError(f"{target!r} is not a column of {table.name}")
            out.append(HeaderMatch(header, target or None, "manual"))
            continue
        key = normalize_header(header)
        if key in lookup:
            out.append(HeaderMatch(header, lookup[key], "canonical" if key in canon else "alias"))
        else:
            out.append(HeaderMatch(header, None, "unknown"))
    return out


def recognise_table(headers: Iterable[str]) -> str | None:
    """The contract table these headers fit best, or None if they name no known column."""
    keys = [normalize_header(h) for h in headers]
    best: tuple[tuple[int, int, int, int], str] | None = None
    for table in TABLES.values():
        lookup = header_lookup(table)
        matched = {lookup[k] for k in keys if k in lookup}
        if not matched:
            continue
        missing = sum(1 for c in table.columns if c.required and c.name not in matched)
        unknown = sum(1 for k in keys if k not in lookup)
        score = (int(missing == 0), len(matched), -missing, -unknown)
        if best is None or score > best[0]:
            best = (score, table.name)
    return best[1] if best else None
