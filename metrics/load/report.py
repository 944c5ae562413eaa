"""What a load says back: problems a person can act on, and the report of one file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from metrics.errors import CodedError
from metrics.load.headers import HeaderMatch

MAX_PROBLEMS = 20


class LoadRefusedError(ValueError):
    """A load the caller required to succeed (e.g. the demo bank) was refused."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: spreadsheet row (1 = header, None = whole file).

    `expected` is the English sentence (CLI, logs); `code` names the rule and `args` its
    facts (`field`: the contract column; `arg`: a row, key or date the rule mentions), so
    a user interface words it in its own language. An empty code has only the sentence.
    """

    row: int | None
    column: str
    value: str | None
    expected: str
    code: str = ""
    args: tuple[tuple[str, str], ...] = ()

    def arg(self, name: str) -> str:
        return dict(self.args).get(name, "")


@dataclass(frozen=True)
class Note:
    """A warning or message as a code and its facts, beside its English text (see Problem)."""

    code: str
    args: tuple[tuple[str, str], ...] = ()


def notes_of(error: BaseException) -> list[Note]:
    """An error's coded parts (metrics.errors.CodedError) as Notes; none for another error."""
    if not isinstance(error, CodedError):
        return []
    return [Note(code, tuple(facts.items())) for code, facts in error.parts]


def notes_json(notes: list[Note]) -> str | None:
    """Notes as the JSON of load_history.message_codes: [[code, {name: value}], ...]."""
    if not notes:
        return None
    return json.dumps([[n.code, dict(n.args)] for n in notes], ensure_ascii=False)


def notes_from_json(text: object) -> list[Note]:
    """The Notes of a load_history.message_codes value; none for an empty or unreadable one."""
    if not isinstance(text, str) or not text:
        return []
    try:
        parts = json.loads(text)
        return [
            Note(str(code), tuple((str(k), str(v)) for k, v in args.items()))
            for code, args in parts
        ]
    except (ValueError, TypeError, AttributeError):
        return []


@dataclass
class LoadReport:
    """What happened to one file: loaded, or refused with the problems a person can act on."""

    table: str
    file_name: str
    format: str
    encoding: str | None
    mode: str
    rows_in: int = 0
    rows_refused: int = 0
    problems: list[Problem] = field(default_factory=list)
    total_problems: int = 0
    warnings: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # the warnings as codes, same order
    header_map: list[HeaderMatch] = field(default_factory=list)
    checksum: str = ""
    ok: bool = False
    load_id: int | None = None
    rows_added: int = 0
    rows_replaced: int = 0  # stored rows replaced (replace) or updated (upsert)
    columns_kept: list[str] = field(default_factory=list)  # upsert: left as stored
    message: str = ""
    message_codes: list[Note] = field(default_factory=list)  # the message's parts as codes

    def render_text(self) -> str:
        """The report as plain text for a terminal: a summary, the first problems, warnings."""
        lines: list[str] = []
        if self.ok:
            lines.append(self.message or self._loaded_line())
        else:
            head = f"REFUSED {self.file_name} -> {self.table} (mode {self.mode})"
            lines.append(f"{head}: {self.message}" if self.message else head)
            for p in self.problems:
                where = "file" if p.row is None else f"row {p.row}"
                value = "(empty)" if p.value is None else repr(p.value)
                lines.append(f"  {where}, column {p.column}: {value}; expected {p.expected}")
            if self.total_problems > len(self.problems):
                lines.append(
                    f"  ... showing the first {len(self.problems)} of "
                    f"{self.total_problems} problems"
                )
            if self.total_problems:
                lines.append(
                    f"  {self.total_problems} problem(s) in {self.rows_refused} of "
                    f"{self.rows_in} rows; nothing was loaded."
                )
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _loaded_line(self) -> str:
        text = (
            f"Loaded {self.rows_added} rows into {self.table} from {self.file_name} "
            f"(load {self.load_id}, mode {self.mode}"
        )
        if self.mode == "upsert":
            text += (
                f": {self.rows_replaced} updated, {self.rows_added - self.rows_replaced} inserted"
            )
            if self.columns_kept and self.rows_replaced:
                text += f"; kept as stored: {', '.join(self.columns_kept)}"
        elif self.rows_replaced:
            text += f", {self.rows_replaced} stored rows replaced"
        return text + ")"

    def loaded_notes(self) -> list[Note]:
        """The loaded line (`_loaded_line`) as codes: loaded, then upserted/kept or replaced."""
        facts = (
            ("rows", str(self.rows_added)),
            ("table", self.table),
            ("file", self.file_name),
            ("load_id", str(self.load_id)),
            ("mode", self.mode),
        )
        notes = [Note("loaded", facts)]
        if self.mode == "upsert":
            inserted = self.rows_added - self.rows_replaced
            notes.append(
                Note(
                    "upserted", (("updated", str(self.rows_replaced)), ("inserted", str(inserted)))
                )
            )
            if self.columns_kept and self.rows_replaced:
                notes.append(Note("kept", (("columns", ", ".join(self.columns_kept)),)))
        elif self.rows_replaced:
            notes.append(Note("replaced", (("rows", str(self.rows_replaced)),)))
        return notes

    def problems_frame(self) -> pd.DataFrame:
        """The kept problems as a table: row, column, value, expected."""
        return pd.DataFrame(
            [(p.row, p.column, p.value, p.expected) for p in self.problems],
            columns=pd.Index(["row", "column", "value", "expected"]),
        ).astype({"row": "Int64"})
