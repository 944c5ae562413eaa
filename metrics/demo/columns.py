"""Array helpers and typed column builders shared by the demo generators.

Every date is generated as a day number (days since 1970-01-01) and every month as a
month index (months since 1970-01); the builders turn them into the typed pandas
columns an analyst's Parquet extract would have.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

IntArray = np.ndarray[Any, np.dtype[np.int64]]
FloatArray = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


def day(d: date) -> int:
    """Day number: days since 1970-01-01, the unit every date is generated in."""
    return int(np.datetime64(d, "D").astype(np.int64))


def month_of(days: IntArray) -> IntArray:
    """Month index (months since 1970-01) of each day number."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_first(months: IntArray) -> IntArray:
    """Day number of the first day of each month index."""
    months = np.asarray(months, dtype=np.int64)
    if months.size == 0:
        return months.copy()
    lo = int(months.min())
    table = np.arange(lo, int(months.max()) + 1).astype("datetime64[M]").astype("datetime64[D]")
    return table.astype(np.int64)[months - lo]  # a lookup: converting each row is slow


def month_last(months: IntArray) -> IntArray:
    """Day number of the last day of each month index."""
    return month_first(months + 1) - 1


def expand(counts: IntArray) -> tuple[IntArray, IntArray]:
    """Owner index and 0-based position for `counts[i]` rows per owner i."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    pos = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(starts, counts)
    return owner, pos


def pick(rng: np.random.Generator, n: int, weights: Sequence[float]) -> IntArray:
    """n category codes drawn with the given (unnormalised) weights."""
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int64)


def pick_rows(rng: np.random.Generator, probs: FloatArray) -> IntArray:
    """One category per row from a (rows, k) matrix of probabilities."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1).astype(np.int64)


# --- typed column builders -------------------------------------------------------------


def _str_dtype() -> Any:
    """pandas 3's default `str` dtype (pyarrow storage, NaN for missing)."""
    return pd.StringDtype("pyarrow", na_value=np.nan)


def text(labels: Sequence[str | None], codes: IntArray, missing: BoolArray | None = None) -> Any:
    """A `str` column taking labels[codes]; rows flagged missing are empty."""
    mask = None if missing is None else np.asarray(missing, dtype=bool)
    arr = pa.array(list(labels), type=pa.large_string()).take(pa.array(codes, mask=mask))
    return pd.Series(arr.to_pandas(types_mapper={pa.large_string(): _str_dtype()}.get))


def ids(prefix: str, numbers: IntArray, width: int, missing: BoolArray | None = None) -> Any:
    """Identifiers such as C000123: prefix plus zero-padded number, leading zeros kept."""
    numbers = np.asarray(numbers, dtype=np.int64)
    present = numbers if missing is None else numbers[~np.asarray(missing, dtype=bool)]
    lo, top = (int(present.min()), int(present.max())) if present.size else (0, 0)
    if missing is not None:
        numbers = np.where(missing, lo, numbers)
    # Format each distinct number once, then take: repeated references cost a gather.
    digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(lo, top + 1)), pa.string()), width, "0")
    labels = pc.cast(pc.binary_join_element_wise(prefix, digits, ""), pa.large_string())
    mask = None if missing is None else np.asarray(missing, dtype=bool)
    arr = labels.take(pa.array(numbers - lo, mask=mask))
    return pd.Series(arr.to_pandas(types_mapper={pa.large_string(): _str_dtype()}.get))


def dates(days: IntArray, missing: BoolArray | None = None) -> pd.Series:
    """A datetime64 date column from day numbers; missing rows are NaT."""
    arr = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[s]")
    if missing is not None:
        arr[missing] = np.datetime64("NaT")
    return pd.Series(arr)


def months(month_index: IntArray) -> pd.Series:
    """A month column: the first day of each month index."""
    return dates(month_first(month_index))


def timestamps(seconds: IntArray, missing: BoolArray | None = None) -> pd.Series:
    """A datetime64 timestamp column from seconds since 1970; missing rows are NaT."""
    arr = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")
    if missing is not None:
        arr[missing] = np.datetime64("NaT")
    return pd.Series(arr)


def money(values: FloatArray, missing: BoolArray | None = None) -> pd.Series:
    """A decimal column rounded to cents; missing rows are NaN."""
    out = pd.Series(np.round(np.asarray(values, dtype=np.float64), 2))
    if missing is not None:
        out[missing] = np.nan
    return out


def ints(values: IntArray, missing: BoolArray | None = None) -> pd.Series:
    """A nullable Int64 column; missing rows are <NA>."""
    return pd.Series(pd.array(np.asarray(values, dtype=np.int64), dtype="Int64").copy()).mask(
        missing if missing is not None else np.zeros(len(values), dtype=bool)
    )
