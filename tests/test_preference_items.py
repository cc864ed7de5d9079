"""Checks on the built-in preference items in ``data/preferences.jsonl``."""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from judgekit.datasets import load_items
from judgekit.types import Item

DATA = Path(__file__).resolve().parent.parent / "data"
PREFERENCES = DATA / "preferences.jsonl"
GENERATOR = DATA / "make_preference_items.py"

CATEGORIES = {"correctness", "helpfulness", "safety", "instruction_following", "honesty"}


@pytest.fixture(scope="module")
def items() -> list[Item]:
    return load_items("preferences")


def gold_and_other(item: Item) -> tuple[str, str]:
    if item.label == "A":
        return item.response_a, item.response_b
    return item.response_b, item.response_a


def test_builtin_name_resolves_to_the_committed_file(items: list[Item]) -> None:
    assert len(items) == len(load_items(str(PREFERENCES)))


def test_committed_file_matches_fresh_generation(tmp_path: Path) -> None:
    out = tmp_path / "preferences.jsonl"
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == PREFERENCES.read_bytes(), (
        "data/preferences.jsonl is stale: rerun data/make_preference_items.py"
    )


def test_items_are_valid(items: list[Item]) -> None:
    assert len(items) >= 120
    ids = [it.id for it in items]
    assert len(ids) == len(set(ids))
    for it in items:
        assert it.kind == "preference", it.id
        assert it.label in ("A", "B"), it.id
        assert it.category in CATEGORIES, it.id
        assert it.source == "judgekit-handwritten", it.id
        assert it.prompt.strip() and it.response_a.strip() and it.response_b.strip(), it.id
        assert it.response_a != it.response_b, it.id


def test_every_item_states_a_reason(items: list[Item]) -> None:
    for it in items:
        reason = it.metadata.get("reason")
        assert isinstance(reason, str) and reason.strip(), it.id
        assert isinstance(it.metadata.get("topic"), str) and it.metadata["topic"].strip(), it.id


def test_prompts_are_unique(items: list[Item]) -> None:
    prompts = [it.prompt for it in items]
    assert len(prompts) == len(set(prompts))


def test_every_category_is_well_covered(items: list[Item]) -> None:
    counts = Counter(it.category for it in items)
    assert set(counts) == CATEGORIES
    for category, n in counts.items():
        assert n >= 20, f"{category}: only {n} items"


def test_gold_position_is_balanced(items: list[Item]) -> None:
    share_a = sum(it.label == "A" for it in items) / len(items)
    assert 0.40 <= share_a <= 0.60, f"gold is A in {share_a:.0%} of items"


def test_length_does_not_predict_the_label(items: list[Item]) -> None:
    longer = sum(len(g) > len(o) for g, o in map(gold_and_other, items))
    share = longer / len(items)
    assert 0.35 <= share <= 0.65, f"gold response is the longer one in {share:.0%} of items"


def test_responses_have_comparable_length(items: list[Item]) -> None:
    ratios = [max(len(a), len(b)) / min(len(a), len(b)) for a, b in ((it.response_a, it.response_b) for it in items)]
    assert statistics.median(ratios) <= 1.5, f"median longer/shorter ratio is {statistics.median(ratios):.2f}"
