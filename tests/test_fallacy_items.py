"""Checks on the built-in fallacy items in ``data/fallacies.jsonl`` and their generator."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
FALLACIES = DATA / "fallacies.jsonl"
GENERATOR = DATA / "make_fallacy_items.py"

FIELDS = {"id", "prompt", "response_a", "response_b", "label", "kind", "category", "source", "metadata"}
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
# "a op b = c" with whole or decimal numbers, not the tail of a longer chain such as "1 + 2 + 3 = 6"
EQUATION = re.compile(r"(?<![\d.])(?<![+×÷−] )(\d+(?:\.\d+)?) ([+×÷−]) (\d+(?:\.\d+)?) = (\d+(?:\.\d+)?)")
# "c = a × b" as in "437 = 19 × 23", not followed by more terms as in "82 = 4 × 20 + 2"
FACTORED = re.compile(r"(?<![\d.])(\d+) = (\d+) × (\d+)(?![\d.]| [+×÷−])")
OPS = {"+": lambda a, b: a + b, "−": lambda a, b: a - b, "×": lambda a, b: a * b, "÷": lambda a, b: a / b}


def load() -> list[dict]:
    with open(FALLACIES, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return load()


def sound_and_flawed(item: dict) -> tuple[str, str]:
    if item["label"] == "A":
        return item["response_a"], item["response_b"]
    return item["response_b"], item["response_a"]


def by_type(items: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        out[item["category"]].append(item)
    return out


def equations(text: str) -> list[tuple[Decimal, str, Decimal, Decimal]]:
    """Every binary equation "a op b = c" or "c = a × b" written in a response (degree signs dropped)."""
    text = text.replace("°", "")
    out = [(Decimal(a), op, Decimal(b), Decimal(c)) for a, op, b, c in EQUATION.findall(text)]
    return out + [(Decimal(a), "×", Decimal(b), Decimal(c)) for c, a, b in FACTORED.findall(text)]


def holds(eq: tuple[Decimal, str, Decimal, Decimal]) -> bool:
    a, op, b, c = eq
    return OPS[op](a, b) == c


def last_sentence(text: str) -> str:
    return re.split(r"(?<=[.])\s+", text.strip())[-1]


# --------------------------------------------------------------------------- the file and its generator


def test_committed_file_matches_fresh_generation(tmp_path: Path) -> None:
    out = tmp_path / "fallacies.jsonl"
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == FALLACIES.read_bytes(), "data/fallacies.jsonl is stale: rerun data/make_fallacy_items.py"


def test_generation_is_deterministic_and_seed_dependent(tmp_path: Path) -> None:
    outs = []
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        path = tmp_path / f"{name}.jsonl"
        subprocess.run([sys.executable, str(GENERATOR), "--seed", seed, "--out", str(path)], check=True,
                       capture_output=True, env={"PYTHONHASHSEED": str(len(outs) + 1)})
        outs.append(path.read_bytes())
    assert outs[0] == outs[1]
    assert outs[0] != outs[2]


def test_loads_by_name_as_pairwise_items(items: list[dict]) -> None:
    from judgekit.datasets import load_items
    from judgekit.datasets.loaders import builtin_path

    assert builtin_path("fallacies").samefile(FALLACIES)
    loaded = load_items("fallacies")
    assert [it.id for it in loaded] == [item["id"] for item in items]
    for it, raw in zip(loaded, items, strict=True):
        assert it.label == raw["label"] and it.kind == "fact" and it.category == raw["category"]
        assert it.metadata["answer"] == raw["metadata"]["answer"]


# --------------------------------------------------------------------------- shape and balance


def test_items_have_the_pairwise_fields(items: list[dict]) -> None:
    assert len(items) >= 72
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    for item in items:
        assert set(item) == FIELDS, item["id"]
        assert re.fullmatch(r"fallacy-\d{4}", item["id"]), item["id"]
        assert item["label"] in ("A", "B") and item["kind"] == "fact" and item["source"] == "judgekit-generated"
        meta = item["metadata"]
        assert meta["fallacy"] == item["category"], item["id"]
        assert str(meta["answer"]).strip(), item["id"]
        assert meta["flaw"].endswith(".") and len(meta["flaw"].split()) >= 8, item["id"]
        assert item["response_a"] != item["response_b"], item["id"]


def test_at_least_eight_fallacy_types_evenly_filled(items: list[dict]) -> None:
    counts = Counter(item["category"] for item in items)
    assert len(counts) >= 8, counts
    assert min(counts.values()) >= 6 and max(counts.values()) == min(counts.values()), counts


def test_labels_are_balanced(items: list[dict]) -> None:
    share_a = sum(item["label"] == "A" for item in items) / len(items)
    assert 0.45 <= share_a <= 0.55, share_a
    for fallacy, group in by_type(items).items():
        a = sum(item["label"] == "A" for item in group)
        assert abs(2 * a - len(group)) <= 1, (fallacy, a, len(group))
    # the gold position is not simply alternating or grouped: both letters follow each letter
    pairs = Counter((x["label"], y["label"]) for x, y in itertools.pairwise(items))
    assert len(pairs) == 4, pairs


def test_responses_have_similar_length(items: list[dict]) -> None:
    ratios = []
    for item in items:
        a, b = len(item["response_a"]), len(item["response_b"])
        ratio = max(a, b) / min(a, b)
        assert ratio <= 1.2, (item["id"], ratio)
        ratios.append(ratio)
    assert statistics.median(ratios) <= 1.1
    longer = sum(len(s) > len(f) for s, f in map(sound_and_flawed, items))
    shorter = sum(len(s) < len(f) for s, f in map(sound_and_flawed, items))
    assert abs(longer - shorter) <= 0.3 * len(items), (longer, shorter)


def test_both_responses_state_the_same_final_answer(items: list[dict]) -> None:
    for item in items:
        sound, flawed = sound_and_flawed(item)
        answer = item["metadata"]["answer"]
        assert last_sentence(sound) == last_sentence(flawed), item["id"]
        assert answer in last_sentence(sound), item["id"]
        assert re.fullmatch(r"(So the answer is|The answer is|Final answer:) .+\.", last_sentence(sound)), item["id"]


def test_prompts_are_unique(items: list[dict]) -> None:
    prompts = [item["prompt"] for item in items]
    assert len(prompts) == len(set(prompts))


# --------------------------------------------------------------------------- the reasoning


def test_every_equation_in_a_sound_response_holds(items: list[dict]) -> None:
    checked = 0
    for item in items:
        sound, _ = sound_and_flawed(item)
        for eq in equations(sound):
            assert holds(eq), (item["id"], eq)
            checked += 1
    assert checked >= 100


def test_cancelling_errors_have_wrong_steps_that_cancel(items: list[dict]) -> None:
    for item in by_type(items)["cancelling_errors"]:
        _, flawed = sound_and_flawed(item)
        wrong = [eq for eq in equations(flawed) if not holds(eq)]
        assert len(wrong) == 2, (item["id"], wrong)
        assert sum(eq[3] - OPS[eq[1]](eq[0], eq[2]) for eq in wrong) == 0, item["id"]  # the errors cancel


def test_appeals_argue_without_any_working(items: list[dict]) -> None:
    groups = by_type(items)
    for fallacy in ("appeal_to_authority", "appeal_to_popularity", "false_cause", "circular_reasoning"):
        for item in groups[fallacy]:
            sound, flawed = sound_and_flawed(item)
            assert equations(sound), item["id"]
            assert not equations(flawed), item["id"]


def test_unit_errors_treat_an_hour_as_100_minutes(items: list[dict]) -> None:
    for item in by_type(items)["unit_error_cancels"]:
        sound, flawed = sound_and_flawed(item)
        assert "60 minutes" in sound and "100 minutes" in flawed and "100 minutes" not in sound, item["id"]


def test_answers_are_recomputed_from_the_inputs(items: list[dict]) -> None:
    for item in items:
        meta, fallacy = item["metadata"], item["category"]
        answer = meta["answer"]
        if fallacy in ("cancelling_errors", "appeal_to_authority", "appeal_to_popularity") and "op" in meta:
            if meta["op"] == "percent_of":
                truth = meta["base"] * meta["percent"] / 100
            else:
                truth = OPS["+" if meta["op"] == "add" else "×"](meta["a"], meta["b"])
            assert Decimal(answer) == truth, item["id"]
        elif fallacy == "appeal_to_popularity":
            days = (dt.date.fromisoformat(meta["end"]) - dt.date.fromisoformat(meta["start"])).days
            assert answer == str(days), item["id"]
            start, end = dt.date.fromisoformat(meta["start"]), dt.date.fromisoformat(meta["end"])
            assert f"{start.day} {MONTHS[start.month - 1]}" in item["prompt"], item["id"]
            assert f"{end.day} {MONTHS[end.month - 1]} {end.year}" in item["prompt"], item["id"]
        elif fallacy == "unit_error_cancels":
            speed = Decimal(meta["distance_km"]) / Decimal(meta["hours"])
            assert answer.endswith(" km/h") and Decimal(answer.removesuffix(" km/h")) == speed, item["id"]
        elif fallacy == "affirming_the_consequent":
            assert meta["n"] % meta["divisor"] == 0 and answer == "yes", item["id"]
        elif fallacy == "denying_the_antecedent":
            assert meta["n"] % meta["divisor"] != 0 and answer == "no", item["id"]
        elif fallacy == "circular_reasoning":
            if "sides" in meta:
                assert answer == f"{(meta['sides'] - 2) * 180}°", item["id"]
            else:
                n = meta["n"]
                assert any(n % d == 0 for d in range(2, math.isqrt(n) + 1)) and answer == "no", item["id"]
        elif fallacy == "hasty_generalisation":
            if meta["op"] == "odd_sum":
                assert answer == str(sum(range(1, 2 * meta["k"], 2))), item["id"]
            else:
                assert answer == str(sum(range(1, meta["n"] + 1))), item["id"]
        elif fallacy == "false_cause":
            assert Decimal(answer.rstrip("%")) == Decimal(meta["june"] - meta["may"]) * 100 / meta["may"], item["id"]
        elif fallacy == "median_for_mean":
            values = meta["values"]
            assert Decimal(answer) == Decimal(sum(values)) / len(values) == Decimal(statistics.median(values))
            assert [str(v) for v in values] == re.findall(r"\d+", item["prompt"]), item["id"]
        else:
            raise AssertionError(f"no check for {fallacy}")
