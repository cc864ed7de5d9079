"""The presented <-> original letter mapping (judgekit.types) and the code that relies on it."""

from __future__ import annotations

import itertools

import pandas as pd

from judgekit.engine.runner import _verdict_row
from judgekit.probes.base import present
from judgekit.types import (
    Item,
    JudgeOutput,
    Trial,
    original_p_a,
    original_p_a_col,
    original_to_presented,
    original_to_presented_col,
    original_verdict,
    presented_to_original,
    presented_to_original_col,
    score_against_gold,
    shown_first,
    shown_first_col,
)

LETTERS = ("A", "B", "tie")
ORDERS = ("AB", "BA")


def test_round_trip_and_known_values():
    for letter, order in itertools.product(LETTERS, ORDERS):
        assert presented_to_original(original_to_presented(letter, order), order) == letter
        assert original_to_presented(presented_to_original(letter, order), order) == letter
    assert presented_to_original("A", "BA") == "B" and presented_to_original("A", "AB") == "A"
    assert original_to_presented("B", "BA") == "A" and presented_to_original("tie", "BA") == "tie"
    for bad in ("invalid", "error", None):
        assert presented_to_original(bad, "BA") is None and original_to_presented(bad, "AB") is None
    assert shown_first("B", "BA") and not shown_first("A", "BA") and shown_first("A", "AB")


def test_scoring_against_gold():
    assert score_against_gold("A", "A") is True and score_against_gold("B", "A") is False
    assert score_against_gold("tie", "B") is False
    assert score_against_gold("A", None) is None and score_against_gold("A", "tie") is None
    assert score_against_gold(None, "A") is None
    # the judge says "A" (shown first) in order BA, i.e. it picked response_b
    assert original_verdict("A", "BA", "B") == ("B", True)
    assert original_verdict("invalid", "AB", "A") == (None, None)
    assert original_p_a(0.75, "BA") == 0.25 and original_p_a(0.75, "AB") == 0.75


def test_column_forms_agree_with_the_scalar_forms():
    rows = list(itertools.product((*LETTERS, "invalid", None), ORDERS))
    letters = pd.Series([r[0] for r in rows], dtype=object)
    orders = pd.Series([r[1] for r in rows])
    for col, one in ((presented_to_original_col, presented_to_original), (original_to_presented_col,
                                                                           original_to_presented)):
        got = [None if pd.isna(x) else x for x in col(letters, orders)]
        assert got == [one(v, o) for v, o in rows]
    assert list(shown_first_col(letters, orders)) == [shown_first(v, o) for v, o in rows]
    p = pd.Series([0.7] * len(rows))
    assert list(original_p_a_col(p, orders)) == [original_p_a(0.7, o) for _, o in rows]


def test_probes_and_the_engine_use_the_same_mapping():
    item = Item(id="x", prompt="q", response_a="right", response_b="wrong", label="A")
    for order in ORDERS:
        first, second, gold = present(item, order)  # type: ignore[arg-type]
        assert gold == original_to_presented("A", order)
        assert (first == "right") == shown_first("A", order)
        trial = Trial(trial_id="t", item_id="x", probe="position", condition="control", order=order,  # type: ignore
                      repeat=0, prompt="q", first=first, second=second, gold_position=gold)
        for choice in (*LETTERS, "invalid"):
            row = _verdict_row("r", trial, "k", item.label, JudgeOutput(choice=choice), cached=False)  # type: ignore
            assert row["choice"] == choice  # stored as presented
            assert row["chosen"] == presented_to_original(choice, order)  # stored as original
            assert row["correct"] == score_against_gold(row["chosen"], "A")
        # picking the gold position is always correct
        assert _verdict_row("r", trial, "k", "A", JudgeOutput(choice=gold), cached=False)["correct"] is True
