"""The demo bank: a deterministic, seeded generator of every contract table, streamed into
the store through the same validation as an analyst's extract.

The data carries stories the dashboard must reveal: a relationship-management programme
from mid-2023 lifts satisfaction and cuts complaints and response times; one branch
(LAGGING_BRANCH) lags on satisfaction, SLA and churn; every branch has a few managers,
one of them weaker; one branch's pilot (an `events` row) speeds approval there; lending
surges in Q4 and dips at Chinese New Year; loans renew and migrate through the five risk
classes; revenue falls before churn and grows for young customers; every early-warning
flag occurs on the extract date.

Modules: `story` (the fixed knobs), `columns` (typed column builders), `bank` (bank-wide
tables), `facts` (one chunk's fact tables), `build` (chunks, loading, CLI).
"""

from metrics.demo.build import build_demo, chunks, generate, register_cli
from metrics.demo.story import (
    BRANCHES,
    CHUNK_CUSTOMERS,
    DEFAULT_END,
    EVENTS,
    LAGGING_BRANCH,
    PILOT_BRANCH,
    PILOT_START,
    PROGRAMME_START,
    manager_names,
)

__all__ = [
    "BRANCHES",
    "CHUNK_CUSTOMERS",
    "DEFAULT_END",
    "EVENTS",
    "LAGGING_BRANCH",
    "PILOT_BRANCH",
    "PILOT_START",
    "PROGRAMME_START",
    "build_demo",
    "chunks",
    "generate",
    "manager_names",
    "register_cli",
]
