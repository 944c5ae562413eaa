"""Looking text up: `t(key, lang, **fmt)` and `value_name`; the catalog lives in modules.

Each part of the app keeps its strings in its own `ui/i18n_<part>.py` as a dict
`STRINGS` (key -> {"zh", "en"} or (zh, en)); `_merged()` lists those modules, and a
new part adds one line there. KPI labels and definitions come from metrics.registry.
"""

from __future__ import annotations

import importlib
from typing import Any

from ui.i18n_app import STRINGS
from ui.i18n_values import VALUE_COLUMNS, VALUE_NAMES

__all__ = [
    "ALL_STRINGS",
    "LANG_STATE_KEY",
    "STRINGS",
    "VALUE_COLUMNS",
    "VALUE_NAMES",
    "current_lang",
    "t",
    "value_name",
    "value_names",
]


def value_name(kind: str, value: Any, lang: str | None = None) -> Any:
    """A code's display name ("food" -> "食品" / "Food"); unknown values come back unchanged."""
    names = VALUE_NAMES.get(kind, {})
    if not isinstance(value, str) or value not in names:
        return value
    zh, en = names[value]
    return zh if (lang or current_lang()) == "zh" else en


def value_names(kind: str, lang: str | None = None) -> dict[str, str]:
    """Every known code of a kind with its display name (chart and selectbox labels)."""
    return {code: str(value_name(kind, code, lang)) for code in VALUE_NAMES.get(kind, {})}


# Modules of a part's own strings, each with STRINGS: key -> (zh, en) or {"zh", "en"}.
EXTRA_STRINGS: tuple[str, ...] = ("ui.i18n_upload", "ui.i18n_brief")


def _merged() -> dict[str, dict[str, str]]:
    """Every part's STRINGS in one dict; a new part adds its module to this list."""
    return _merge(
        [
            "ui.i18n_app",
            "ui.i18n_upload",
            "ui.i18n_load",
            "ui.i18n_desk",  # the relationship manager's desk
            "ui.i18n_honesty",  # n, intervals, flags, axes, drill-down and export text
            "ui.i18n_brief",  # the board brief, alerts, events and impact
        ]
    )


def _merge(modules: list[str]) -> dict[str, dict[str, str]]:
    """The STRINGS of each module (key -> (zh, en) or {"zh", "en"}), as {"zh", "en"}; a key
    defined by two modules is an error."""
    out: dict[str, dict[str, str]] = {}
    for name in modules:
        for key, value in getattr(importlib.import_module(name), "STRINGS", {}).items():
            if key in out:
                raise ValueError(f"text key {key!r} of {name} is already in the catalog")
            if isinstance(value, dict):
                out[key] = {"zh": str(value.get("zh", "")), "en": str(value.get("en", ""))}
            else:
                zh, en = value
                out[key] = {"zh": zh, "en": en}
    return out


ALL_STRINGS: dict[str, dict[str, str]] = _merged()


LANG_STATE_KEY = "w_lang"
# The language last seen in a session: used when a widget's format_func is called outside
# a script run (Streamlit's AppTest evaluates it on the test thread).
_last_lang = "zh"


def current_lang() -> str:
    """The language the sidebar selected ('zh' before it is drawn or outside Streamlit)."""
    global _last_lang
    try:
        import streamlit as st
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        if get_script_run_ctx(suppress_warning=True) is None:
            return _last_lang
        value = st.session_state.get(LANG_STATE_KEY, "zh")
    except Exception:
        return "zh"
    _last_lang = value if value in ("zh", "en") else "zh"
    return _last_lang


def t(key: str, lang: str | None = None, **fmt: Any) -> str:
    """The string `key` in `lang` (default: the selected language), formatted with `fmt`.

    An unknown key shows itself, so a missing string is visible, never an exception; so
    does a field the caller did not pass.
    """
    lang = lang or current_lang()
    entry = ALL_STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get("en") or key
    return text.format_map(_Fields(fmt)) if fmt else text


class _Fields(dict[str, Any]):
    """Format fields; one the caller did not pass shows as {name} instead of raising."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"
