"""Bootstrap weights of items: one Poisson(1) weight per (item, replicate), a function of the item id and the seed.

The item-clustered intervals of the bias suites are Poisson bootstraps: replicate ``b`` weights
item ``i`` by ``w[b, i] ~ Poisson(1)``, independently over items and replicates, and a statistic
that is a ratio of per-item sums becomes ``(w @ num) / (w @ den)``. The weight depends only on
``(str(item_id), seed, b)``: the item's 64-bit key (SplitMix64 of a BLAKE2b hash of the id and
the seed) and the replicate index give a uniform number by a counter-based SplitMix64 stream, and
the weight is the Poisson(1) quantile of that number (inverse CDF), vectorised over items and
replicates, so

* every statistic over the same items sees the same draws, whichever subset or frame it is
  computed from (a subset's replicates are the full replicates restricted to its items);
* two arms measured on overlapping items are resampled jointly (a paired bootstrap) with no
  bookkeeping;
* the replicates of a statistic are one matrix product, computed once per item set.

Weights are cached per ``(seed, n_boot)`` in a bank of float32 columns (exact small integers);
products over integer-valued sums are computed in float32 only when the result is exact, in
float64 otherwise, so the replicates equal the plain loop ``sum_i w[b, i] * v[i]`` exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
# Weights of at most this many (replicate x item) cells are kept in memory (float32: 256 MB).
MAX_BANK_CELLS = 1 << 26


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser (wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
        return x ^ (x >> np.uint64(31))


def _mix_inplace(x: np.ndarray) -> np.ndarray:
    """:func:`_mix` overwriting ``x`` (no temporaries of its size but the shifts)."""
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= _M1
        x ^= x >> np.uint64(27)
        x *= _M2
        x ^= x >> np.uint64(31)
    return x


def _keys(ids: Sequence[object], seed: int) -> np.ndarray:
    h = np.fromiter((int.from_bytes(hashlib.blake2b(str(i).encode(), digest_size=8).digest(), "little")
                     for i in ids), dtype=np.uint64, count=len(ids))
    s = _mix(np.array([int(seed) & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64) + _GOLDEN)
    return _mix(h ^ s)


#: Poisson(1) CDF at 0, 1, ..., 31 (the quantile of a uniform below the last entry; 32 beyond it, p < 1e-35)
_POISSON1_CDF = np.cumsum(np.exp(-1.0) / np.cumprod(np.concatenate([[1.0], np.arange(1.0, 32.0)])))
#: the same CDF scaled to 53-bit integers: ``u < cdf[k]`` iff ``bits < cdf[k] * 2**53`` (to float rounding)
_POISSON1_BITS = np.floor(_POISSON1_CDF * 2.0 ** 53).astype(np.uint64)
_ITEMS_PER_BLOCK = 256  # bounds the uint64 temporaries to n_boot x 256 x 8 bytes (4 MB at 2,000 replicates)


def item_weights(ids: Sequence[object], n_boot: int, seed: int = 0) -> np.ndarray:
    """The ``(n_boot, len(ids))`` Poisson(1) weights of the items ``ids`` (float32, small integers).

    ``w[b, i]`` is the Poisson(1) quantile of ``u = (mix(key_i + (b + 1) * golden) >> 11) / 2**53``,
    ``key_i`` the 64-bit key of ``(str(ids[i]), seed)``: a function of the id, the seed and ``b`` only."""
    keys = _keys(list(ids), seed)
    n_boot = int(n_boot)
    out = np.empty((n_boot, keys.size), dtype=np.float32)
    steps = (np.arange(1, n_boot + 1, dtype=np.uint64) * _GOLDEN)[:, None]
    for start in range(0, keys.size, _ITEMS_PER_BLOCK):
        block = keys[None, start:start + _ITEMS_PER_BLOCK]
        with np.errstate(over="ignore"):
            bits = _mix_inplace(block + steps)
        bits >>= np.uint64(11)
        out[:, start:start + block.shape[1]] = np.searchsorted(_POISSON1_BITS, bits, side="right")
    return out


class _Bank:
    """Cached weights of one (seed, n_boot): columns in first-seen order, indexed by the id's text."""

    def __init__(self, n_boot: int, seed: int) -> None:
        self.n_boot, self.seed = n_boot, seed
        self.ids = pd.Index([], dtype=object)
        self.w = np.empty((n_boot, 0), dtype=np.float32)
        self.max = 0.0

    def columns(self, ids: pd.Index) -> np.ndarray:
        cols = self.ids.get_indexer(ids)
        new = cols < 0
        if new.any():
            fresh = pd.Index(pd.unique(ids[new]), dtype=object)
            block = item_weights(fresh, self.n_boot, self.seed)
            self.max = max(self.max, float(block.max()) if block.size else 0.0)
            self.w = np.concatenate([self.w, block], axis=1)
            self.ids = self.ids.append(fresh)
            cols = self.ids.get_indexer(ids)
        return cols


_BANKS: dict[tuple[int, int], _Bank] = {}


def _weights_of(ids: pd.Index, n_boot: int, seed: int) -> tuple[np.ndarray, np.ndarray | None, float]:
    """(matrix, columns, max weight): the bank and the ids' columns in it, or the ids' own weights (columns None)."""
    bank = _BANKS.get((n_boot, seed))
    if bank is None:
        if len(_BANKS) >= 4:
            _BANKS.clear()
        bank = _BANKS[(n_boot, seed)] = _Bank(n_boot, seed)
    if (bank.ids.size + ids.size) * n_boot > MAX_BANK_CELLS and ids.difference(bank.ids).size:
        if ids.size * n_boot > MAX_BANK_CELLS:
            w = item_weights(ids, n_boot, seed)
            return w, None, float(w.max()) if w.size else 0.0
        bank.ids, bank.w, bank.max = pd.Index([], dtype=object), np.empty((n_boot, 0), dtype=np.float32), 0.0
    cols = bank.columns(ids)
    return bank.w, cols, bank.max


def weighted_sums(clusters: Sequence[object] | np.ndarray, values: np.ndarray, n_boot: int,
                  seed: int = 0) -> np.ndarray:
    """``out[b, j] = sum_i w[b, clusters[i]] * values[i, j]``: the Poisson-bootstrap replicates of column sums.

    ``values`` is ``(len(clusters), k)``; a cluster id may repeat (its rows share its weight).
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    raw = np.asarray(clusters, dtype=object)
    if pd.api.types.infer_dtype(raw, skipna=False) != "string":
        raw = np.array([str(c) for c in raw], dtype=object)
    ids = pd.Index(raw, dtype=object)
    w, cols, w_max = _weights_of(ids, int(n_boot), int(seed))
    if cols is None:
        cols = np.arange(ids.size)
    n_total = w.shape[1]
    if cols.size * 4 < n_total:  # few items of a large bank: gather their columns
        w, v = w[:, cols], values
    else:  # scatter the values onto the bank's columns
        v = np.zeros((n_total, values.shape[1]))
        np.add.at(v, cols, values)
    bound = float(np.abs(v).sum(axis=0).max()) * w_max if v.size and w.size else 0.0
    if bound < 2.0 ** 24 and np.array_equal(v, np.round(v)):
        return (w @ v.astype(np.float32)).astype(np.float64)  # exact: integers below 2**24
    out = np.empty((w.shape[0], v.shape[1]))
    for start in range(0, w.shape[0], 256):
        out[start:start + 256] = w[start:start + 256].astype(np.float64) @ v
    return out
