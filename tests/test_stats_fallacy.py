"""The fallacy probe's statistics (judgekit.stats.fallacy): hand-computed tables and planted judges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from judgekit.stats.fallacy import fallacy_metrics
from judgekit.stats.intervals import exact_mcnemar


def _row(m: pd.DataFrame, metric: str, subset: str = "all") -> pd.Series:
    rows = m[(m.metric == metric) & (m.subset == subset)]
    assert len(rows) == 1, (metric, subset)
    return rows.iloc[0]


def _frame(rows):
    """rows: (item_id, category, label, chosen in the AB order, chosen in the BA order)."""
    out = []
    swap = {"A": "B", "B": "A", "tie": "tie", "invalid": "invalid", "error": "error"}
    for item, cat, label, ab, ba in rows:
        for order, chosen in (("AB", ab), ("BA", ba)):
            if chosen is None:
                continue
            valid = chosen in ("A", "B", "tie")
            choice = chosen if order == "AB" or not valid else swap[chosen]
            out.append({"item_id": item, "probe": "fallacy", "condition": "control", "order": order, "repeat": 0,
                        "label": label, "kind": "fact", "category": cat, "choice": choice,
                        "chosen": chosen if valid else None})
    return pd.DataFrame(out)


def test_hand_computed_table():
    # i1: flawed twice (+2), i2: flawed once, sound once (0), i3: sound twice (-2), i4: flawed + tie (+1),
    # i5: flawed + invalid (+1), i6: flawed twice (+2), i7: error + sound (-1).
    rows = [("i1", "circular", "A", "B", "B"), ("i2", "circular", "A", "B", "A"), ("i3", "authority", "B", "B", "B"),
            ("i4", "authority", "A", "B", "tie"), ("i5", "authority", "A", "B", "invalid"),
            ("i6", "circular", "B", "A", "A"), ("i7", "circular", "A", "error", "A")]
    m = fallacy_metrics(_frame(rows), n_boot=500)
    rate = _row(m, "flawed_preference_rate")
    # decisive verdicts: i1 2/2, i2 1/2, i3 0/2, i4 1/1, i5 1/1, i6 2/2, i7 0/1 -> 7 flawed of 11
    assert (rate.estimate, rate.n) == (pytest.approx(7 / 11), 11)
    assert rate.p_value == pytest.approx(exact_mcnemar(4, 2))  # items leaning flawed: i1 i4 i5 i6; sound: i3 i7
    assert "4 lean flawed, 2 lean sound" in rate.note
    assert rate.ci_low < 7 / 11 < rate.ci_high
    circ = _row(m, "flawed_preference_rate", "category:circular")
    assert (circ.estimate, circ.n) == (pytest.approx(5 / 7), 7)
    auth = _row(m, "flawed_preference_rate", "category:authority")
    assert (auth.estimate, auth.n) == (pytest.approx(2 / 4), 4)
    assert _row(m, "tie_rate").estimate == pytest.approx(1 / 12)
    assert _row(m, "accuracy").estimate == pytest.approx(4 / 12)  # a tie is wrong
    both = _row(m, "flawed_both_orders")
    assert (both.estimate, both.n) == (pytest.approx(2 / 5), 5)  # i1, i6 of i1 i2 i3 i4 i6 (i5, i7 lack one)
    assert _row(m, "parse_failure_rate").estimate == pytest.approx(1 / 13)
    assert _row(m, "error_count").estimate == 1


def test_empty_and_unlabelled_input_give_nan_rows():
    for frame in (pd.DataFrame(), _frame([("i1", "x", None, "A", "B")])):
        m = fallacy_metrics(frame)
        assert np.isnan(_row(m, "flawed_preference_rate").estimate) and _row(m, "flawed_preference_rate").n == 0


def test_position_only_judge_sits_on_the_no_discrimination_line():
    # Always the first response: each item is flawed once, sound once -> 0.5, no item leans, p = 1.
    rows = [(f"i{k}", "c", "AB"[k % 2], "A", "B") for k in range(30)]
    rate = _row(fallacy_metrics(_frame(rows), n_boot=300), "flawed_preference_rate")
    assert rate.estimate == 0.5 and rate.p_value == 1.0 and rate.ci_low <= 0.5 <= rate.ci_high


def _sim(n_items: int, q: float, rng: np.random.Generator) -> pd.DataFrame:
    """A judge that picks the flawed argument with item-level probability around q."""
    rows = []
    for k in range(n_items):
        label = "AB"[k % 2]
        flawed = "B" if label == "A" else "A"
        qi = float(np.clip(q + rng.choice([-0.1, 0.0, 0.1]), 0, 1)) if 0.1 <= q <= 0.9 else q
        ab, ba = (flawed if rng.random() < qi else label for _ in range(2))
        rows.append((f"i{k}", "c", label, ab, ba))
    return _frame(rows)


@pytest.mark.parametrize("q", [0.5, 0.7, 0.3])
def test_planted_rate_is_covered_and_the_null_keeps_its_level(q):
    rng = np.random.default_rng(int(q * 100))
    cover = reject = 0
    reps = 200
    for r in range(reps):
        rate = _row(fallacy_metrics(_sim(60, q, rng), n_boot=300, seed=r), "flawed_preference_rate")
        cover += rate.ci_low <= q <= rate.ci_high
        reject += rate.p_value < 0.05
    assert cover / reps >= 0.92, cover
    if q == 0.5:
        assert reject / reps <= 0.05 + 0.03, reject
    else:
        assert reject / reps >= 0.8, reject  # power at 60 items
