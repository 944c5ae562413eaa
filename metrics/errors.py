"""Errors shared across metrics modules, in a module that imports nothing of metrics."""

from __future__ import annotations

from typing import Self


class CliError(Exception):
    """A user error: printed as one line, exit status 2, no traceback."""


class CodedError(Exception):
    """An error whose English sentence is its message, with a code naming the case and the
    facts it mentions, so a user interface words it in its own language (ui/upload_text.py).

    `str(exc)` stays the sentence (CLI, logs); `parts` are its (code, facts), one per
    sentence, empty where there is no wording yet.
    """

    def __init__(self, message: str, code: str = "", **facts: object) -> None:
        super().__init__(message)
        self.parts: list[tuple[str, dict[str, str]]] = []
        if code:
            self.also(code, **facts)

    def also(self, code: str, **facts: object) -> Self:
        """Add one more coded part (a sentence of its own); returns the error."""
        self.parts.append((code, {k: str(v) for k, v in facts.items()}))
        return self
