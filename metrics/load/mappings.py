"""Named header mappings: how one source system's extract headers map to contract columns.

An analyst who maps an unknown header by hand ("客户号" -> customer_id) can save the
mapping under a name (usually the source system) and reuse it for the next extract
from that system. A mapping is one JSON file per name under `data/mappings/`, or
under the directory named by the environment variable CRM_MAPPINGS_DIR. Pure
functions, no Streamlit: the page, the CLI and the tests share them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from metrics.contract import TABLES, normalize_header
from metrics.errors import CodedError

DEFAULT_MAPPINGS_DIR = Path("data/mappings")
# Letters/digits of any script (so a Chinese system name works), space, dot, dash, underscore.
_NAME_RE = re.compile(r"^[\w][\w .\-]{0,79}$")


class MappingError(CodedError, ValueError):
    """A mapping name or content the analyst must fix (shown as one sentence; also as codes)."""


@dataclass(frozen=True)
class SavedMapping:
    """One named mapping for one table: file header -> contract column (None = ignore)."""

    name: str
    table: str
    columns: dict[str, str | None] = field(default_factory=dict)
    saved_at: str = ""

    def for_headers(self, headers: Iterable[str]) -> dict[str, str | None]:
        """The entries that apply to these headers, keyed by the headers as spelt in the file.

        Matching ignores case, spaces and underscores, as header matching does.
        """
        by_norm = {normalize_header(k): v for k, v in self.columns.items()}
        out: dict[str, str | None] = {}
        for header in headers:
            norm = normalize_header(header)
            if norm in by_norm:
                out[header] = by_norm[norm]
        return out

    def covers(self, headers: Iterable[str]) -> int:
        """How many of these headers the mapping names (0 = not for this file)."""
        return len(self.for_headers(headers))


def mappings_dir(directory: str | os.PathLike[str] | None = None) -> Path:
    """An explicit directory wins, then CRM_MAPPINGS_DIR, then data/mappings."""
    if directory:
        return Path(directory)
    env = os.environ.get("CRM_MAPPINGS_DIR")
    return Path(env) if env else DEFAULT_MAPPINGS_DIR


def check_name(name: str) -> str:
    """The name stripped, or MappingError if it cannot be a file name."""
    clean = name.strip()
    if not _NAME_RE.match(clean) or clean.startswith("."):
        raise MappingError(
            "A mapping name is 1 to 80 letters, digits, spaces, '.', '-' or '_' "
            f"and does not start with a dot; got {name!r}.",
            "mapping_name",
            name=name,
        )
    return clean


def check_columns(table: str, columns: Mapping[str, str | None]) -> dict[str, str | None]:
    """Only contract columns of `table`, each at most once; MappingError otherwise."""
    if table not in TABLES:
        raise MappingError(
            f"Unknown table {table!r}; expected one of {', '.join(TABLES)}.",
            "mapping_table",
            name=table,
        )
    known = set(TABLES[table].column_names)
    seen: dict[str, str] = {}
    out: dict[str, str | None] = {}
    for header, column in columns.items():
        if column is not None:
            if column not in known:
                raise MappingError(
                    f"{table} has no column {column!r} (header {header!r}).",
                    "mapping_column",
                    table=table,
                    name=column,
                    header=header,
                )
            if column in seen:
                raise MappingError(
                    f"Headers {seen[column]!r} and {header!r} both map to {table}.{column}.",
                    "mapping_twice",
                    first=seen[column],
                    header=header,
                    table=table,
                    field=column,
                )
            seen[column] = header
        out[str(header)] = column
    return out


def _path(name: str, directory: str | os.PathLike[str] | None) -> Path:
    return mappings_dir(directory) / f"{check_name(name)}.json"


def save_mapping(
    name: str,
    table: str,
    columns: Mapping[str, str | None],
    directory: str | os.PathLike[str] | None = None,
) -> Path:
    """Write (or overwrite) the named mapping atomically; returns the file written."""
    path = _path(name, directory)
    body = {
        "name": check_name(name),
        "table": table,
        "columns": check_columns(table, columns),
        "saved_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def load_mapping(name: str, directory: str | os.PathLike[str] | None = None) -> SavedMapping:
    """Read one named mapping; MappingError if it is missing or not a valid mapping."""
    path = _path(name, directory)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        table = str(body["table"])
        raw = body["columns"]
        if not isinstance(raw, dict):
            raise TypeError("columns is not an object")
        columns = check_columns(table, {str(k): v for k, v in raw.items()})
    except FileNotFoundError:
        raise MappingError(
            f"No saved mapping named {name!r} in {path.parent}.",
            "mapping_missing",
            name=name,
            folder=path.parent,
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, MappingError):
            raise
        raise MappingError(
            f"The mapping file {path} is not a valid mapping: {exc}",
            "mapping_invalid",
            path=path,
            detail=exc,
        ) from None
    return SavedMapping(str(body.get("name", name)), table, columns, str(body.get("saved_at", "")))


def list_mappings(
    table: str | None = None, directory: str | os.PathLike[str] | None = None
) -> list[SavedMapping]:
    """Every readable saved mapping (of `table` if given), sorted by name."""
    folder = mappings_dir(directory)
    if not folder.is_dir():
        return []
    out: list[SavedMapping] = []
    for path in sorted(folder.glob("*.json")):
        try:
            saved = load_mapping(path.stem, folder)
        except MappingError:
            continue  # a broken or foreign file is not offered
        if table is None or saved.table == table:
            out.append(saved)
    return out


def delete_mapping(name: str, directory: str | os.PathLike[str] | None = None) -> bool:
    """Remove the named mapping; False if there was none."""
    path = _path(name, directory)
    if not path.exists():
        return False
    path.unlink()
    return True


def best_mapping(
    headers: Iterable[str],
    table: str | None = None,
    directory: str | os.PathLike[str] | None = None,
) -> SavedMapping | None:
    """The saved mapping that names the most of these headers (ties: by name), or None."""
    header_list = list(headers)
    best: SavedMapping | None = None
    best_n = 0
    for saved in list_mappings(table, directory):
        n = saved.covers(header_list)
        if n > best_n:
            best, best_n = saved, n
    return best
