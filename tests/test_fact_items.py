"""Checks on the built-in fact items in ``data/facts.jsonl`` and their generator."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
FACTS = DATA / "facts.jsonl"
GENERATOR = DATA / "make_fact_items.py"

REQUIRED = ("id", "prompt", "response_a", "response_b", "label", "kind", "category", "source", "metadata")
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]


def load() -> list[dict]:
    with open(FACTS, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return load()


def gold_and_other(item: dict) -> tuple[str, str]:
    if item["label"] == "A":
        return item["response_a"], item["response_b"]
    return item["response_b"], item["response_a"]


def has_number(text: str, number: str) -> bool:
    return re.search(r"(?<![\d.])" + re.escape(number) + r"(?!\d|\.\d)", text) is not None


def by_category(items: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        out[item["category"]].append(item)
    return out


def test_committed_file_matches_fresh_generation(tmp_path: Path) -> None:
    out = tmp_path / "facts.jsonl"
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == FACTS.read_bytes(), "data/facts.jsonl is stale: rerun data/make_fact_items.py"


def test_generation_is_deterministic_and_seed_dependent(tmp_path: Path) -> None:
    paths = []
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        path = tmp_path / f"{name}.jsonl"
        subprocess.run([sys.executable, str(GENERATOR), "--seed", seed, "--out", str(path)], check=True,
                       capture_output=True)
        paths.append(path.read_bytes())
    assert paths[0] == paths[1]
    assert paths[0] != paths[2]


def test_items_are_valid(items: list[dict]) -> None:
    assert len(items) >= 330
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    for item in items:
        for key in REQUIRED:
            assert key in item, (item["id"], key)
        for key in ("id", "prompt", "response_a", "response_b", "category", "source"):
            assert isinstance(item[key], str) and item[key].strip(), (item["id"], key)
        assert item["label"] in ("A", "B")
        assert item["kind"] == "fact"
        assert item["source"] == "judgekit-generated"
        assert re.fullmatch(r"fact-[a-z]+-\d{4}", item["id"]), item["id"]
        assert item["response_a"] != item["response_b"]
        meta = item["metadata"]
        assert isinstance(meta, dict)
        assert str(meta["answer"]).strip() and str(meta["distractor"]).strip()
        assert meta["answer"] != meta["distractor"]


def test_items_load_as_judgekit_items(items: list[dict]) -> None:
    from judgekit.types import Item

    for raw in items:
        item = Item(**raw)
        assert item.kind == "fact" and item.label in ("A", "B")


def test_categories_are_broad_and_even(items: list[dict]) -> None:
    counts = {cat: len(group) for cat, group in by_category(items).items()}
    assert len(counts) >= 8, counts
    assert max(counts.values()) - min(counts.values()) <= 0.2 * max(counts.values()), counts


def test_gold_label_is_balanced(items: list[dict]) -> None:
    share_a = sum(item["label"] == "A" for item in items) / len(items)
    assert 0.40 <= share_a <= 0.60, share_a
    for cat, group in by_category(items).items():
        share = sum(item["label"] == "A" for item in group) / len(group)
        assert 0.40 <= share <= 0.60, (cat, share)


def test_responses_have_similar_length(items: list[dict]) -> None:
    for cat, group in by_category(items).items():
        ratios = []
        for item in group:
            a, b = len(item["response_a"]), len(item["response_b"])
            ratio = max(a, b) / min(a, b)
            assert ratio <= 1.6, (item["id"], ratio)
            ratios.append(ratio)
        assert statistics.median(ratios) <= 1.25, (cat, statistics.median(ratios))


def test_gold_response_is_not_always_longer(items: list[dict]) -> None:
    longer = sum(len(gold_and_other(item)[0]) > len(gold_and_other(item)[1]) for item in items)
    shorter = sum(len(gold_and_other(item)[0]) < len(gold_and_other(item)[1]) for item in items)
    assert abs(longer - shorter) <= 0.3 * len(items), (longer, shorter)


def test_each_item_carries_its_answer(items: list[dict]) -> None:
    for item in items:
        gold, other = gold_and_other(item)
        meta = item["metadata"]
        if item["category"] == "string_manipulation" or meta.get("subtype") in ("min_to_h", "prime", "parity"):
            continue
        assert str(meta["answer"]).lower() in gold.lower(), item["id"]
        assert str(meta["distractor"]).lower() in other.lower(), item["id"]


ARITH = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}


def test_arithmetic_answers(items: list[dict]) -> None:
    arith = [item for item in items if item["category"] == "arithmetic"]
    assert arith
    for item in arith:
        meta = item["metadata"]
        a, b = meta["a"], meta["b"]
        if meta["op"] == "div":
            assert a % b == 0
            truth = a // b
        else:
            truth = ARITH[meta["op"]](a, b)
        assert meta["answer"] == str(truth), item["id"]
        assert meta["distractor"] != str(truth), item["id"]
        gold, other = gold_and_other(item)
        assert has_number(gold, str(truth)), item["id"]
        assert not has_number(other, str(truth)), item["id"]
        assert has_number(other, meta["distractor"]), item["id"]


def test_percentage_answers(items: list[dict]) -> None:
    for item in (i for i in items if i["category"] == "percentages"):
        meta = item["metadata"]
        kind, base = meta["subtype"], meta["base"]
        if kind == "percent_of":
            truth = base * meta["percent"] / 100
        elif kind == "discount":
            truth = base * (100 - meta["percent"]) / 100
        elif kind == "increase":
            truth = base * (100 + meta["percent"]) / 100
        else:
            truth = meta["part"] * 100 / base
        assert float(meta["answer"]) == truth, item["id"]
        assert float(meta["distractor"]) != truth, item["id"]


def test_unit_conversion_answers(items: list[dict]) -> None:
    per_unit = {"km_to_mi": 1 / 1.609344, "mi_to_km": 1.609344, "kg_to_lb": 1 / 0.45359237, "lb_to_kg": 0.45359237}
    for item in (i for i in items if i["category"] == "unit_conversion"):
        meta = item["metadata"]
        kind, v = meta["subtype"], meta["value"]
        if kind in per_unit:
            assert abs(float(meta["answer"]) - v * per_unit[kind]) <= 0.05 + 1e-9, item["id"]
            assert abs(float(meta["distractor"]) - v * per_unit[kind]) > 0.05, item["id"]
        elif kind == "c_to_f":
            assert float(meta["answer"]) == v * 9 / 5 + 32, item["id"]
        elif kind == "f_to_c":
            assert float(meta["answer"]) == (v - 32) * 5 / 9, item["id"]
        elif kind == "h_to_min":
            assert float(meta["answer"]) == round(float(v) * 60), item["id"]
        else:
            assert meta["answer"] == f"{v // 60} h {v % 60} min", item["id"]


def parse_date(text: str) -> dt.date:
    day, month, year = text.split()
    return dt.date(int(year), MONTHS.index(month) + 1, int(day))


def test_date_answers(items: list[dict]) -> None:
    weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    for item in (i for i in items if i["category"] == "dates"):
        meta = item["metadata"]
        if meta["subtype"] == "weekday":
            truth = weekdays[dt.date.fromisoformat(meta["date"]).weekday()]
        elif meta["subtype"] == "days_between":
            truth = str((dt.date.fromisoformat(meta["end"]) - dt.date.fromisoformat(meta["start"])).days)
        else:
            end = dt.date.fromisoformat(meta["start"]) + dt.timedelta(days=meta["days"])
            truth = f"{end.day} {MONTHS[end.month - 1]} {end.year}"
            assert abs((parse_date(meta["distractor"]) - end).days) <= 2, item["id"]
        assert meta["answer"] == truth, item["id"]
        assert meta["distractor"] != truth, item["id"]


def test_string_answers(items: list[dict]) -> None:
    for item in (i for i in items if i["category"] == "string_manipulation"):
        meta = item["metadata"]
        kind = meta["subtype"]
        if kind == "reverse":
            truth = meta["word"][::-1]
        elif kind == "count_letter":
            truth = str(meta["word"].count(meta["letter"]))
        elif kind == "word_length":
            truth = str(len(meta["word"]))
        elif kind == "nth_letter":
            truth = meta["word"][meta["n"] - 1]
        else:
            truth = ", ".join(sorted(meta["words"]))
        assert meta["answer"] == truth, item["id"]
        assert meta["distractor"] != truth, item["id"]
        gold, other = gold_and_other(item)
        if kind in ("reverse", "nth_letter"):
            assert f"'{truth}'" in gold and f"'{truth}'" not in other, item["id"]
        elif kind == "sort":
            assert truth in gold and truth not in other, item["id"]


def test_number_property_answers(items: list[dict]) -> None:
    for item in (i for i in items if i["category"] == "number_properties"):
        meta = item["metadata"]
        kind = meta["subtype"]
        if kind == "prime":
            n = meta["n"]
            is_prime = n > 1 and all(n % d for d in range(2, math.isqrt(n) + 1))
            truth = "prime" if is_prime else "not prime"
        elif kind == "gcd":
            truth = str(math.gcd(meta["a"], meta["b"]))
        elif kind == "lcm":
            truth = str(math.lcm(meta["a"], meta["b"]))
        else:
            truth = "even" if (meta["a"] * meta["b"] + meta["c"]) % 2 == 0 else "odd"
        assert meta["answer"] == truth, item["id"]
        assert meta["distractor"] != truth, item["id"]


def test_prompts_are_unique_within_category(items: list[dict]) -> None:
    for cat, group in by_category(items).items():
        prompts = [item["prompt"] for item in group]
        assert len(prompts) == len(set(prompts)), cat
