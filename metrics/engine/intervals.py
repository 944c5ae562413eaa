"""The 95 % Wilson score interval of a proportion (statsmodels).

Its own module because statsmodels takes about 1.5 s to import: the engine imports this
only when it computes an interval (`--detail`, the pages), and the app imports it once
at start-up (ui.cells) so that no page's first render pays for it.
"""

from __future__ import annotations

from statsmodels.stats.proportion import proportion_confint


def wilson(successes: float, n: float) -> tuple[float, float]:
    """The 95 % Wilson score interval (z = 1.959964) of `successes` out of `n`."""
    lo, hi = proportion_confint(successes, n, alpha=0.05, method="wilson")
    return float(lo), float(hi)
