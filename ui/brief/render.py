"""Plotly figures -> vector PDF pages through kaleido 1.x and the system Chromium.

One Chromium session renders every figure of a brief (the first figure costs the
browser's start, about 2-4 s; the next ones a fraction of that). Nothing is downloaded:
kaleido is pointed at the system Chromium (BROWSER_PATH, default /usr/bin/chromium).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")


def _browser() -> None:
    if not os.environ.get("BROWSER_PATH") and SYSTEM_CHROMIUM.exists():
        os.environ["BROWSER_PATH"] = str(SYSTEM_CHROMIUM)


async def _render(figs: Sequence[go.Figure], width: int, height: int) -> list[bytes]:
    import kaleido

    out: list[bytes] = []
    async with kaleido.Kaleido(n=1) as k:
        for fig in figs:
            opts = {"format": "pdf", "width": width, "height": height}
            out.append(bytes(await k.calc_fig(fig, opts=opts)))
    return out


def figures_to_pdf(figs: Sequence[go.Figure], width: int, height: int) -> list[bytes]:
    """Each figure as a one-page vector PDF of width x height CSS pixels, in order.

    Runs in its own thread with its own event loop, so it works inside Streamlit too.
    """
    if not figs:
        return []
    _browser()
    result: list[bytes] = []
    error: list[BaseException] = []

    def work() -> None:
        try:
            result.extend(asyncio.run(_render(figs, width, height)))
        except BaseException as exc:  # re-raised in the caller's thread
            error.append(exc)

    thread = threading.Thread(target=work, name="brief-kaleido")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result
