"""Checks on the built-in multiple-choice fact items in ``data/mcq.jsonl`` and their generator."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import math
import re
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
MCQ = DATA / "mcq.jsonl"
GENERATOR = DATA / "make_mcq_items.py"

FIELDS = {"id", "question", "options", "answer", "kind", "category", "source", "metadata"}
LETTERS = "ABCDEFGHIJ"
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Facts typed in again here, independently of the generator's tables.
SYMBOLS = {"gold": "Au", "silver": "Ag", "iron": "Fe", "lead": "Pb", "sodium": "Na", "potassium": "K", "tin": "Sn",
           "mercury": "Hg", "copper": "Cu", "tungsten": "W", "antimony": "Sb"}
ATOMIC_NUMBERS = {"aluminium": 13, "silicon": 14, "phosphorus": 15, "sulfur": 16, "chlorine": 17, "argon": 18,
                  "potassium": 19, "calcium": 20, "titanium": 22, "chromium": 24, "manganese": 25, "iron": 26,
                  "cobalt": 27, "nickel": 28, "copper": 29, "zinc": 30, "gallium": 31, "strontium": 38,
                  "molybdenum": 42, "palladium": 46, "silver": 47, "tin": 50, "antimony": 51, "iodine": 53,
                  "neodymium": 60, "gadolinium": 64, "terbium": 65, "hafnium": 72, "tungsten": 74, "iridium": 77,
                  "platinum": 78, "gold": 79, "mercury": 80, "lead": 82, "polonium": 84}
ELEMENT_SYMBOLS = """
H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr Rb Sr Y Zr Nb Mo
Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl
Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og
"""
PLANETS = ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune"]
SI_UNITS = {"force": "newton", "energy": "joule", "power": "watt", "pressure": "pascal", "electric charge": "coulomb",
            "electric current": "ampere", "electrical resistance": "ohm", "frequency": "hertz",
            "thermodynamic temperature": "kelvin", "amount of substance": "mole", "luminous intensity": "candela",
            "capacitance": "farad", "magnetic flux density": "tesla"}
CAPITALS = {"Australia": "Canberra", "Canada": "Ottawa", "Brazil": "Brasília", "Turkey": "Ankara",
            "New Zealand": "Wellington", "Pakistan": "Islamabad", "Morocco": "Rabat", "Vietnam": "Hanoi",
            "Nigeria": "Abuja", "Poland": "Warsaw", "Egypt": "Cairo", "Japan": "Tokyo", "Argentina": "Buenos Aires",
            "Ecuador": "Quito", "Cameroon": "Yaoundé", "Germany": "Berlin", "Italy": "Rome", "Spain": "Madrid",
            "India": "New Delhi", "China": "Beijing", "Kenya": "Nairobi", "Chile": "Santiago"}
CONTINENTS = {"Kenya": "Africa", "Peru": "South America", "Mongolia": "Asia", "Poland": "Europe", "Ghana": "Africa",
              "Paraguay": "South America", "Nepal": "Asia", "Portugal": "Europe", "Canada": "North America",
              "Mexico": "North America", "Laos": "Asia", "Zambia": "Africa"}


def load() -> list[dict]:
    with open(MCQ, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return load()


def gold(item: dict) -> str:
    return item["options"][LETTERS.index(item["answer"])]


def of(items: list[dict], category: str) -> list[dict]:
    group = [item for item in items if item["category"] == category]
    assert group, category
    return group


def number(text: str) -> Decimal:
    """The number in an option such as "$247", "45%", "-9 °F" or "86.36 cm"."""
    match = re.fullmatch(r"\$?(-?\d+(?:\.\d+)?)(?:%| °F| cm)?", text)
    assert match, text
    return Decimal(match.group(1))


def is_prime(n: int) -> bool:
    return n > 1 and all(n % d for d in range(2, math.isqrt(n) + 1))


def parse_date(text: str) -> dt.date:
    day, month, year = text.split()
    return dt.date(int(year), MONTHS.index(month) + 1, int(day))


# --------------------------------------------------------------------------- the file and its generator


def test_committed_file_matches_fresh_generation(tmp_path: Path) -> None:
    out = tmp_path / "mcq.jsonl"
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == MCQ.read_bytes(), "data/mcq.jsonl is stale: rerun data/make_mcq_items.py"


def test_generation_is_deterministic_and_seed_dependent(tmp_path: Path) -> None:
    outs = []
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        path = tmp_path / f"{name}.jsonl"
        subprocess.run([sys.executable, str(GENERATOR), "--seed", seed, "--out", str(path)], check=True,
                       capture_output=True, env={"PYTHONHASHSEED": str(len(outs) + 1)})
        outs.append(path.read_bytes())
    assert outs[0] == outs[1]  # under different hash seeds too
    assert outs[0] != outs[2]


def test_name_resolves_to_the_bundled_file_and_is_packaged() -> None:
    from judgekit.datasets import DatasetError, load_items
    from judgekit.datasets.loaders import builtin_path, resolve_path

    assert builtin_path("mcq").samefile(MCQ)
    assert Path(resolve_path("mcq")).samefile(MCQ)
    with pytest.raises(DatasetError, match=r"mcq\.jsonl: the built-in 'mcq' set holds multiple-choice items"):
        load_items("mcq")
    with pytest.raises(DatasetError, match="not a built-in data set; built-in data sets: facts, fallacies, mcq"):
        builtin_path("mmlu")
    # a wheel bundles the whole data/ folder, so mcq.jsonl ships the way facts.jsonl does
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]["targets"]
    assert wheel["wheel"]["force-include"]["data"] == "judgekit/_bundled/data"


# --------------------------------------------------------------------------- shape


def test_items_have_exactly_the_documented_fields(items: list[dict]) -> None:
    assert len(items) >= 120
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    for item in items:
        assert set(item) == FIELDS, item["id"]
        assert re.fullmatch(r"mcq-[a-z]+-\d{4}", item["id"]), item["id"]
        assert item["kind"] == "fact" and item["source"] == "judgekit-generated"
        assert isinstance(item["question"], str) and item["question"].strip().endswith("?"), item["id"]
        assert isinstance(item["metadata"], dict) and item["metadata"]["subtype"], item["id"]
        assert item["metadata"]["answer_text"] == gold(item), item["id"]


def test_questions_do_not_list_the_options(items: list[dict]) -> None:
    for item in items:
        q = item["question"]
        assert not re.search(r"(^|\s)\(?[A-J][.)]\s", q), item["id"]
        assert "\n" not in q
        assert sum(option in q for option in item["options"] if len(option) > 3) <= 1, item["id"]


def test_options_are_unique_and_between_four_and_ten(items: list[dict]) -> None:
    for item in items:
        options = item["options"]
        assert 4 <= len(options) <= 10, item["id"]
        assert all(isinstance(o, str) and o.strip() == o and o for o in options), item["id"]
        assert len({o.lower() for o in options}) == len(options), item["id"]
        assert item["answer"] in LETTERS[: len(options)], item["id"]
    counts = Counter(len(item["options"]) for item in items)
    assert set(counts) == set(range(4, 11)), counts
    assert counts[10] >= 0.3 * len(items), counts  # a good share of MMLU-Pro-sized items


def test_categories_are_broad_and_even(items: list[dict]) -> None:
    counts = Counter(item["category"] for item in items)
    assert len(counts) >= 6, counts
    assert min(counts.values()) >= 12 and max(counts.values()) - min(counts.values()) <= 4, counts
    prefixes = {item["category"]: item["id"].split("-")[1] for item in items}
    assert len(set(prefixes.values())) == len(prefixes)


def test_questions_are_unique_or_differ_in_their_options(items: list[dict]) -> None:
    seen = Counter((item["question"], tuple(sorted(item["options"]))) for item in items)
    assert max(seen.values()) == 1


# --------------------------------------------------------------------------- the gold position


def test_gold_slot_is_dealt_evenly_among_items_with_the_same_option_count(items: list[dict]) -> None:
    by_count: dict[int, Counter] = defaultdict(Counter)
    for item in items:
        by_count[len(item["options"])][item["answer"]] += 1
    for k, letters in by_count.items():
        per_slot = [letters[LETTERS[i]] for i in range(k)]
        assert max(per_slot) - min(per_slot) <= 1, (k, per_slot)


def test_gold_letter_distribution_is_roughly_uniform(items: list[dict]) -> None:
    seen = Counter(item["answer"] for item in items)
    for i, letter in enumerate(LETTERS):
        expected = sum(1 / len(item["options"]) for item in items if len(item["options"]) > i)
        assert abs(seen[letter] - expected) <= max(3, 0.25 * expected), (letter, seen[letter], expected)
    first = sum(item["answer"] == "A" for item in items)
    last = sum(LETTERS.index(item["answer"]) == len(item["options"]) - 1 for item in items)
    assert abs(first - last) <= 0.1 * len(items), (first, last)


def test_numeric_gold_is_not_given_away_by_its_rank(items: list[dict]) -> None:
    """The correct value is the smallest or largest option about as often as chance says."""
    extreme, expected, n = 0, 0.0, 0
    for item in items:
        if item["metadata"]["subtype"] in ("prime", "leap_year"):
            continue
        try:
            values = [number(o) for o in item["options"]]
        except AssertionError:
            continue
        k = len(values)
        rank = sorted(values).index(number(gold(item)))
        extreme += rank in (0, k - 1)
        expected += 2 / k
        n += 1
    assert n >= 60
    assert 0.6 * expected <= extreme <= 1.4 * expected, (extreme, expected)


def test_numeric_options_share_the_answers_format(items: list[dict]) -> None:
    for item in items:
        answer = gold(item)
        if not re.fullmatch(r"\$?-?\d+(\.\d+)?(%| °F| cm)?", answer):
            continue
        suffix = re.sub(r"^\$?-?[\d.]+", "", answer)
        for option in item["options"]:
            assert option.startswith("$") == answer.startswith("$"), item["id"]
            assert re.sub(r"^\$?-?[\d.]+", "", option) == suffix, item["id"]


# --------------------------------------------------------------------------- every answer, recomputed


def test_arithmetic_answers(items: list[dict]) -> None:
    ops = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}
    for item in of(items, "arithmetic"):
        meta = item["metadata"]
        a, b = meta["a"], meta["b"]
        if meta["subtype"] == "div":
            assert a % b == 0
            truth = a // b
        else:
            truth = ops[meta["subtype"]](a, b)
        assert re.findall(r"\d+", item["question"]) == [str(a), str(b)], item["id"]
        assert gold(item) == str(truth), item["id"]


def test_percentage_answers(items: list[dict]) -> None:
    for item in of(items, "percentages"):
        meta = item["metadata"]
        base = Decimal(meta["base"])
        kind = meta["subtype"]
        if kind == "percent_of":
            truth = base * meta["percent"] / 100
        elif kind == "discount":
            truth = base * (100 - meta["percent"]) / 100
        elif kind == "increase":
            truth = base * (100 + meta["percent"]) / 100
        else:
            truth = Decimal(meta["part"]) * 100 / base
        assert number(gold(item)) == truth, item["id"]
        assert sum(number(o) == truth for o in item["options"]) == 1, item["id"]


def test_unit_conversion_answers(items: list[dict]) -> None:
    for item in of(items, "unit_conversion"):
        meta = item["metadata"]
        kind = meta["subtype"]
        if kind == "metric":
            truth = Decimal(meta["value"]) * meta["factor"]
        elif kind == "in_to_cm":
            truth = Decimal(meta["value"]) * Decimal("2.54")  # the inch is defined as exactly 2.54 cm
        elif kind == "c_to_f":
            truth = Decimal(meta["value"]) * 9 / 5 + 32
        else:
            truth = Decimal(meta["value"]) * 3600
        assert number(gold(item)) == truth, item["id"]
        assert sum(number(o) == truth for o in item["options"]) == 1, item["id"]


def test_date_answers(items: list[dict]) -> None:
    for item in of(items, "dates"):
        meta = item["metadata"]
        kind = meta["subtype"]
        if kind == "weekday":
            assert gold(item) == WEEKDAYS[dt.date.fromisoformat(meta["date"]).weekday()], item["id"]
            assert set(item["options"]) <= set(WEEKDAYS)
        elif kind == "days_between":
            days = (dt.date.fromisoformat(meta["end"]) - dt.date.fromisoformat(meta["start"])).days
            assert gold(item) == str(days), item["id"]
        elif kind == "date_after":
            end = dt.date.fromisoformat(meta["start"]) + dt.timedelta(days=meta["days"])
            assert parse_date(gold(item)) == end, item["id"]
        elif kind == "month_after":
            assert gold(item) == MONTHS[(MONTHS.index(meta["month"]) + meta["months"]) % 12], item["id"]
        else:
            leap = [o for o in item["options"] if calendar.isleap(int(o))]
            assert leap == [gold(item)], item["id"]


def test_number_property_answers(items: list[dict]) -> None:
    for item in of(items, "number_properties"):
        meta = item["metadata"]
        kind = meta["subtype"]
        if kind == "prime":
            assert [o for o in item["options"] if is_prime(int(o))] == [gold(item)], item["id"]
            assert all(int(o) % 2 and int(o) % 5 for o in item["options"]), item["id"]  # no give-away composites
        elif kind == "gcd":
            assert gold(item) == str(math.gcd(meta["a"], meta["b"])), item["id"]
        elif kind == "lcm":
            assert gold(item) == str(math.lcm(meta["a"], meta["b"])), item["id"]
        else:
            n = meta["n"]
            assert gold(item) == str(sum(n % d == 0 for d in range(1, n + 1))), item["id"]


def test_string_answers(items: list[dict]) -> None:
    for item in of(items, "string_manipulation"):
        meta = item["metadata"]
        kind = meta["subtype"]
        if kind == "reverse":
            assert gold(item) == meta["word"][::-1], item["id"]
        elif kind == "count_letter":
            assert gold(item) == str(meta["word"].count(meta["letter"])), item["id"]
        elif kind == "nth_letter":
            assert gold(item) == meta["word"][meta["n"] - 1], item["id"]
        else:
            assert gold(item) == min(item["options"]), item["id"]


def test_science_answers(items: list[dict]) -> None:
    symbols = set(ELEMENT_SYMBOLS.split())
    assert len(symbols) == 118
    for item in of(items, "science"):
        meta = item["metadata"]
        kind, subject = meta["subtype"], meta.get("subject")
        if kind == "chemical_symbol":
            assert gold(item) == SYMBOLS[subject], item["id"]
            assert set(item["options"]) <= symbols, item["id"]  # every distractor is a real element symbol
        elif kind == "atomic_number":
            assert gold(item) == str(ATOMIC_NUMBERS[subject]), item["id"]
        elif kind == "planet_order":
            assert gold(item) == PLANETS[meta["position"] - 1], item["id"]
            assert set(item["options"]) <= {*PLANETS, "Pluto", "Ceres"}, item["id"]
        else:
            assert gold(item) == SI_UNITS[subject], item["id"]


def test_geography_answers(items: list[dict]) -> None:
    continents = {"Africa", "Asia", "Europe", "North America", "South America", "Oceania", "Antarctica"}
    for item in of(items, "geography"):
        meta = item["metadata"]
        if meta["subtype"] == "capital":
            assert gold(item) == CAPITALS[meta["country"]], item["id"]
            assert item["question"] == f"What is the capital of {meta['country']}?", item["id"]
        else:
            assert gold(item) == CONTINENTS[meta["country"]], item["id"]
            assert set(item["options"]) <= continents, item["id"]
