"""Data is text: file names, headers, branch and customer names shown literally, never run.

Streamlit renders markdown (links, bold, LaTeX) in captions, labels, warnings and
messages; Plotly renders HTML tags in labels and hovers. Data goes into either
through one of these two functions; text the app writes itself does not.
"""

from __future__ import annotations

import html
import re
from typing import Any

import plotly.graph_objects as go

# Every ASCII punctuation character may be backslash-escaped in CommonMark; `$` is
# Streamlit's LaTeX, `:` its emoji/colour directives, `~` strikethrough.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:=^&\"'%/@,;?])")
# GitHub-flavoured markdown links bare URLs and e-mail addresses in the rendered text, after
# escapes are resolved; an invisible word joiner (U+2060) keeps them plain text.
_AUTOLINK = re.compile(r"(?i)(:)(//)|(www)(\.)|()(@)")
WORD_JOINER = "\u2060"
# Trace fields that carry data (categories, names) rather than the app's own templates.
_DATA_FIELDS = ("x", "y", "labels", "parents", "ids", "name", "legendgroup")


def md(value: Any) -> str:
    """`value` as markdown that shows exactly its characters (one line, nothing active)."""
    text = str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    text = _AUTOLINK.sub(lambda m: WORD_JOINER.join(g for g in m.groups() if g is not None), text)
    return _MD_SPECIAL.sub(r"\\\1", text)


def plot_text(value: Any) -> Any:
    """A Plotly label that shows exactly its characters (tags and entities escaped)."""
    return html.escape(value, quote=False) if isinstance(value, str) else value


def _escaped(values: Any) -> Any:
    if isinstance(values, str):
        return plot_text(values)
    if isinstance(values, tuple | list) or hasattr(values, "tolist"):
        items = values.tolist() if hasattr(values, "tolist") else list(values)
        if any(isinstance(v, str) for v in items):
            return [plot_text(v) for v in items]
    return values


def figure(fig: go.Figure) -> go.Figure:
    """A copy of `fig` with the data of every trace escaped (categories, labels, names, nodes)."""
    fig = go.Figure(fig)
    for trace in fig.data:
        for name in _DATA_FIELDS:
            if name in trace and trace[name] is not None:
                trace[name] = _escaped(trace[name])
        if trace.type == "sankey" and trace.node.label is not None:
            trace.node.label = _escaped(trace.node.label)
    return fig
