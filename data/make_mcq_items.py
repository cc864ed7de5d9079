"""Generate ``mcq.jsonl``: multiple-choice fact items with one checkable answer.

Every item is a question, a list of 4 to 10 options and the letter of the one
correct option (A = the first option). Answers are computed in code (integer
and ``Decimal`` arithmetic, ``datetime``, trial division) or taken from small
tables of facts that have a single accepted answer. Distractors come from the
mistakes a solver plausibly makes (a dropped carry, a fencepost error, the
complement of a percentage, a neighbouring planet, the largest city instead of
the capital) and from neighbouring values of the same type.

For numeric answers the number of distractors below and above the answer is
drawn at random, so the correct value is neither the middle nor an end of the
sorted options more often than chance. The gold slot is dealt evenly over the
slots among items with the same number of options.

The script uses only the standard library and is deterministic for a given
``--seed``: running it twice writes byte-identical files.

    python data/make_mcq_items.py                  # writes data/mcq.jsonl
    python data/make_mcq_items.py --out /tmp/m.jsonl --seed 7
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import math
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

DEFAULT_SEED = 20261202
SOURCE = "judgekit-generated"
LETTERS = "ABCDEFGHIJ"
# Option counts dealt to the 16 items of every category: 7 of them MMLU-Pro-sized (10 options).
OPTION_COUNTS = [4, 4, 5, 5, 6, 6, 7, 8, 9, 10, 10, 10, 10, 10, 10, 10]

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]

# A draft: (question, correct option text, distractors in order of preference, metadata).
Draft = tuple[str, str, list[str], dict]
Gen = Callable[[random.Random, int], Draft]


class Reject(Exception):
    """Raised by a sub-generator when a random draw does not give a clean item."""


# --------------------------------------------------------------------------- helpers


def unique(values: list[str], answer: str) -> list[str]:
    """``values`` without repeats (case-insensitive) and without the answer, first occurrence kept."""
    seen = {answer.strip().lower()}
    out = []
    for v in values:
        key = v.strip().lower()
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def numeric_distractors(rng: random.Random, answer: int, mistakes: list[int], step: int, k: int,
                        fmt: Callable[[int], str] = str, lo: int = 1) -> list[str]:
    """k - 1 distractors for a numeric answer: the named mistakes first, then values one or more steps away.

    The number of distractors below the answer is drawn uniformly from 0..k-1 (as far as ``lo`` allows), so
    the answer's rank among the sorted options carries no information.
    """
    below = [m for m in dict.fromkeys(mistakes) if lo <= m < answer]
    above = [m for m in dict.fromkeys(mistakes) if m > answer]
    room_below = len(range(lo, answer))
    n_below = min(rng.randrange(k), room_below)
    n_above = k - 1 - n_below
    anchors = [answer, *below, *above]

    def fill(chosen: list[int], n: int, side: int) -> list[int]:
        chosen = chosen[:n]
        j = 1
        while len(chosen) < n:
            for a in anchors:
                v = a + side * j * step
                if (v < answer if side < 0 else v > answer) and v >= lo and v not in chosen:
                    chosen.append(v)
                    if len(chosen) == n:
                        break
            j += 1
            if j > 50:
                if side < 0:
                    step_down = [v for v in range(answer - 1, lo - 1, -1) if v not in chosen]
                    chosen.extend(step_down[: n - len(chosen)])
                if len(chosen) < n:
                    raise Reject
        return chosen

    values = fill(below, n_below, -1) + fill(above, n_above, +1)
    out = unique([fmt(v) for v in values], fmt(answer))
    if len(out) != k - 1:
        raise Reject
    return out


def fmt_date(d: dt.date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def dec(x: Decimal) -> str:
    """Plain decimal notation without trailing zeros."""
    text = format(x, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def factorize(n: int) -> list[int]:
    out, p = [], 2
    while p * p <= n:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    if n > 1:
        out.append(n)
    return out


def is_prime(n: int) -> bool:
    return n > 1 and all(n % d for d in range(2, math.isqrt(n) + 1))


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


# --------------------------------------------------------------------------- arithmetic


def carry_places(p: int, q: int) -> list[int]:
    """Powers of ten that receive a carry in p + q."""
    places, carry, place = [], 0, 0
    while p or q or carry:
        s = p % 10 + q % 10 + carry
        carry = 1 if s >= 10 else 0
        if carry:
            places.append(10 ** (place + 1))
        p, q, place = p // 10, q // 10, place + 1
    return places


def arith_add(rng: random.Random, k: int) -> Draft:
    a, b = rng.randint(1200, 8999), rng.randint(130, 8999)
    s = a + b
    mistakes = [s - c for c in carry_places(a, b)] + [s + 10, s - 1, s + 1]
    q = rng.choice([f"What is {a} + {b}?", f"What is the sum of {a} and {b}?"])
    return q, str(s), numeric_distractors(rng, s, mistakes, 10, k), {"subtype": "add", "a": a, "b": b}


def arith_sub(rng: random.Random, k: int) -> Draft:
    a = rng.randint(3000, 9999)
    b = rng.randint(1000, a - 500)
    s = a - b
    borrows = carry_places(s, b)  # a borrow in a - b is a carry in s + b = a
    mistakes = [s + c for c in borrows] + [s - 10, s + 1]
    q = rng.choice([f"What is {a} − {b}?", f"What is {a} minus {b}?"])
    return q, str(s), numeric_distractors(rng, s, mistakes, 10, k), {"subtype": "sub", "a": a, "b": b}


def arith_mul(rng: random.Random, k: int) -> Draft:
    a, b = rng.randint(13, 98), rng.randint(13, 98)
    if a % 10 == 0 or b % 10 == 0:
        raise Reject
    s = a * b
    mistakes = [s - a, s + a, s + 10, s - 100, a * (b - b % 10) + b % 10]
    q = rng.choice([f"What is {a} × {b}?", f"What is the product of {a} and {b}?"])
    return q, str(s), numeric_distractors(rng, s, mistakes, 10, k), {"subtype": "mul", "a": a, "b": b}


def arith_div(rng: random.Random, k: int) -> Draft:
    d, q_ = rng.randint(6, 19), rng.randint(14, 79)
    n = d * q_
    mistakes = [q_ - 1, q_ + 1, q_ + 10]
    q = rng.choice([f"What is {n} ÷ {d}?", f"What is {n} divided by {d}?"])
    return q, str(q_), numeric_distractors(rng, q_, mistakes, 1, k), {"subtype": "div", "a": n, "b": d}


# --------------------------------------------------------------------------- percentages


def pct_of(rng: random.Random, k: int) -> Draft:
    p = rng.choice([15, 35, 45, 55, 65, 85])
    n = rng.randint(4, 40) * 20
    x = n * p // 100
    step = n // 20  # 5 percentage points of n
    mistakes = [n * (100 - p) // 100, x + step, x - step]
    q = rng.choice([f"What is {p}% of {n}?", f"How much is {p} percent of {n}?"])
    return q, str(x), numeric_distractors(rng, x, mistakes, step, k), {"subtype": "percent_of", "percent": p,
                                                                        "base": n}


def pct_discount(rng: random.Random, k: int) -> Draft:
    p = rng.choice([15, 20, 25, 30, 35, 40])
    price = rng.randint(3, 30) * 20
    final = price * (100 - p) // 100
    step = price // 20
    mistakes = [price * p // 100, price - p, price * (100 - p + 5) // 100]
    q = f"An item costs ${price}. What does it cost after a {p}% discount?"
    return (q, f"${final}", numeric_distractors(rng, final, mistakes, step, k, lambda v: f"${v}"),
            {"subtype": "discount", "percent": p, "base": price})


def pct_what(rng: random.Random, k: int) -> Draft:
    p = rng.choice([5, 15, 35, 45, 55, 65, 85, 95])
    n = rng.choice([20, 40, 60, 80, 120, 140, 160, 180])
    m = n * p // 100
    mistakes = [100 - p, p + 10, p - 10]
    q = rng.choice([f"What percentage of {n} is {m}?", f"{m} is what percent of {n}?"])
    return (q, f"{p}%", numeric_distractors(rng, p, mistakes, 5, k, lambda v: f"{v}%"),
            {"subtype": "what_percent", "part": m, "base": n})


def pct_increase(rng: random.Random, k: int) -> Draft:
    p = rng.choice([15, 20, 25, 30, 35, 45])
    n = rng.randint(5, 45) * 20
    new = n * (100 + p) // 100
    step = n // 20
    mistakes = [n + p, n * p // 100, new + step]
    q = f"A town of {n} people grows by {p}%. What is its new population?"
    return q, str(new), numeric_distractors(rng, new, mistakes, step, k), {"subtype": "increase", "percent": p,
                                                                            "base": n}


# --------------------------------------------------------------------------- unit conversion


def unit_metric(rng: random.Random, k: int) -> Draft:
    big, small, factor = rng.choice([("kilometres", "metres", 1000), ("kilograms", "grams", 1000),
                                     ("litres", "millilitres", 1000), ("metres", "centimetres", 100)])
    value = Decimal(rng.randint(101, 999)) / rng.choice([10, 100])
    answer = int(value * factor)
    if value % 1 == 0 or answer % 10:
        raise Reject
    mistakes = [answer // 10, answer * 10, answer + factor]  # a wrong power of ten, one unit too many
    q = f"How many {small} are in {dec(value)} {big}?"
    opts = numeric_distractors(rng, answer, mistakes, 10, k)
    return q, str(answer), opts, {"subtype": "metric", "value": dec(value), "factor": factor,
                                  "units": [big, small]}


def unit_inches(rng: random.Random, k: int) -> Draft:
    n = rng.randint(6, 40)
    answer = Decimal(n) * Decimal("2.54")
    cents = int(answer * 100)
    # 2.5 for 2.54, transposed digits (2.45), divided instead of multiplied; values in hundredths of a cm
    mistakes = [n * 250, n * 245, round(n / 2.54 * 100)]

    def fmt(v: int) -> str:
        return f"{dec(Decimal(v) / 100)} cm"

    opts = numeric_distractors(rng, cents, mistakes, 254, k, fmt)
    return f"How many centimetres are in {n} inches?", fmt(cents), opts, {"subtype": "in_to_cm", "value": n}


def unit_c_to_f(rng: random.Random, k: int) -> Draft:
    c = rng.choice(range(-30, 105, 5))
    f = c * 9 // 5 + 32
    mistakes = [c * 9 // 5, (c + 32) * 9 // 5, c * 2 + 30]
    opts = numeric_distractors(rng, f, mistakes, 9, k, lambda v: f"{v} °F", lo=-100)
    return f"What is {c} °C in degrees Fahrenheit?", f"{f} °F", opts, {"subtype": "c_to_f", "value": c}


def unit_seconds(rng: random.Random, k: int) -> Draft:
    h = Decimal(rng.choice([1, 2, 3, 4, 5])) + Decimal(rng.choice([1, 2, 3])) / 4
    answer = int(h * 3600)
    whole, frac = int(h), h - int(h)
    mistakes = [int(h * 60), whole * 3600 + int(frac * 100) * 60, answer + 600]
    q = f"How many seconds are in {dec(h)} hours?"
    return q, str(answer), numeric_distractors(rng, answer, mistakes, 900, k), {"subtype": "h_to_s",
                                                                                 "value": dec(h)}


# --------------------------------------------------------------------------- dates


def random_date(rng: random.Random, lo: int = 1990, hi: int = 2035) -> dt.date:
    return dt.date(rng.randint(lo, hi), 1, 1) + dt.timedelta(days=rng.randint(0, 364))


def date_weekday(rng: random.Random, k: int) -> Draft:
    d = random_date(rng)
    w = d.weekday()
    order = [(w + 1) % 7, (w - 1) % 7, (w + 2) % 7, (w - 2) % 7, (w + 3) % 7, (w - 3) % 7]
    q = f"What day of the week was {fmt_date(d)}?" if d < dt.date(2026, 1, 1) else \
        f"What day of the week will {fmt_date(d)} be?"
    return q, WEEKDAYS[w], [WEEKDAYS[i] for i in order][: k - 1], {"subtype": "weekday", "date": d.isoformat()}


def date_between(rng: random.Random, k: int) -> Draft:
    start = random_date(rng, 2000, 2030)
    end = start + dt.timedelta(days=rng.randint(40, 300))
    days = (end - start).days
    months30 = (end.year - start.year) * 360 + (end.month - start.month) * 30 + end.day - start.day
    mistakes = [days + 1, days - 1, months30]
    q = f"How many days after {fmt_date(start)} is {fmt_date(end)}?"
    return q, str(days), numeric_distractors(rng, days, mistakes, 1, k), {"subtype": "days_between",
                                                                          "start": start.isoformat(),
                                                                          "end": end.isoformat()}


def date_add(rng: random.Random, k: int) -> Draft:
    start = random_date(rng, 2000, 2030)
    days = rng.randint(20, 150)
    end = start + dt.timedelta(days=days)
    mistakes = [end.toordinal() + 1, end.toordinal() - 1, end.toordinal() + 2]
    opts = numeric_distractors(rng, end.toordinal(), mistakes, 1, k, lambda v: fmt_date(dt.date.fromordinal(v)))
    q = f"What is the date {days} days after {fmt_date(start)}?"
    return q, fmt_date(end), opts, {"subtype": "date_after", "start": start.isoformat(), "days": days}


def date_leap(rng: random.Random, k: int) -> Draft:
    leap = rng.choice([y for y in range(1904, 2097, 4)])
    century = [y for y in (1700, 1800, 1900, 2100, 2200) if abs(y - leap) < 400]
    near = [leap + d for d in (1, -1, 2, -2, 3, -3, 5, -5, 6, -6, 7, -7)]
    pool = [str(y) for y in rng.sample(century, 2) + near if not calendar.isleap(y)]
    return "Which of these years is a leap year?", str(leap), pool, {"subtype": "leap_year"}


def date_month(rng: random.Random, k: int) -> Draft:
    m = rng.randrange(12)
    n = rng.randint(5, 40)
    ans = (m + n) % 12
    order = [ans + 1, ans - 1, ans + 2, ans - 2, ans + 3, ans - 3, ans + 4, ans - 4, ans + 5, ans + 6]
    q = f"Which month is it {n} months after {MONTHS[m]}?"
    return q, MONTHS[ans], [MONTHS[i % 12] for i in order], {"subtype": "month_after", "month": MONTHS[m],
                                                              "months": n}


# --------------------------------------------------------------------------- number properties


def num_prime(rng: random.Random, k: int) -> Draft:
    p = rng.choice([p for p in range(101, 1000) if is_prime(p)])
    near = [n for d in range(2, 60, 2) for n in (p - d, p + d)
            if n % 2 and n % 5 and not is_prime(n)]
    hard = [n for n in near if n % 3]  # composites with no factor 2, 3 or 5 are the plausible ones
    pool = hard + [n for n in near if n not in hard]
    return "Which of these numbers is prime?", str(p), [str(n) for n in pool], {"subtype": "prime"}


def num_gcd(rng: random.Random, k: int) -> Draft:
    g = rng.choice([12, 18, 20, 24, 28, 30, 36, 42])
    x, y = rng.sample(range(2, 12), 2)
    if math.gcd(x, y) != 1:
        raise Reject
    a, b = sorted((g * x, g * y))
    common = [d for d in divisors(g) if d != g][::-1]
    others = sorted((d for d in dict.fromkeys(divisors(a) + divisors(b)) if g % d), key=lambda d: abs(d - g))
    pool = [str(d) for d in common[:3] + others + common[3:]]
    q = rng.choice([f"What is the greatest common divisor of {a} and {b}?", f"What is the GCD of {a} and {b}?"])
    return q, str(g), pool, {"subtype": "gcd", "a": a, "b": b}


def num_lcm(rng: random.Random, k: int) -> Draft:
    g = rng.choice([2, 3, 4, 6])
    x, y = rng.sample(range(2, 10), 2)
    if math.gcd(x, y) != 1:
        raise Reject
    a, b = sorted((g * x, g * y))
    lcm = a * b // g
    mistakes = [a * b, lcm + a, lcm - a, lcm + b]
    q = rng.choice([f"What is the least common multiple of {a} and {b}?", f"What is the LCM of {a} and {b}?"])
    return q, str(lcm), numeric_distractors(rng, lcm, mistakes, a, k), {"subtype": "lcm", "a": a, "b": b}


def num_divisors(rng: random.Random, k: int) -> Draft:
    n = rng.choice([n for n in range(48, 400) if len(divisors(n)) >= 10])
    d = len(divisors(n))
    mistakes = [d - 2, d - 1, len(factorize(n))]
    q = f"How many positive divisors does {n} have, counting 1 and {n}?"
    return q, str(d), numeric_distractors(rng, d, mistakes, 1, k), {"subtype": "divisors", "n": n}


# --------------------------------------------------------------------------- science

ELEMENTS = [  # name, symbol, atomic number
    ("hydrogen", "H", 1), ("helium", "He", 2), ("lithium", "Li", 3), ("carbon", "C", 6), ("nitrogen", "N", 7),
    ("oxygen", "O", 8), ("fluorine", "F", 9), ("neon", "Ne", 10), ("sodium", "Na", 11), ("magnesium", "Mg", 12),
    ("aluminium", "Al", 13), ("silicon", "Si", 14), ("phosphorus", "P", 15), ("sulfur", "S", 16),
    ("chlorine", "Cl", 17), ("argon", "Ar", 18), ("potassium", "K", 19), ("calcium", "Ca", 20),
    ("chromium", "Cr", 24), ("manganese", "Mn", 25), ("iron", "Fe", 26), ("cobalt", "Co", 27),
    ("nickel", "Ni", 28), ("copper", "Cu", 29), ("zinc", "Zn", 30), ("silver", "Ag", 47), ("tin", "Sn", 50),
    ("antimony", "Sb", 51), ("iodine", "I", 53), ("tungsten", "W", 74), ("platinum", "Pt", 78),
    ("gold", "Au", 79), ("mercury", "Hg", 80), ("lead", "Pb", 82), ("gallium", "Ga", 31),
    ("gadolinium", "Gd", 64), ("palladium", "Pd", 46), ("strontium", "Sr", 38), ("titanium", "Ti", 22),
    ("molybdenum", "Mo", 42), ("iridium", "Ir", 77), ("neodymium", "Nd", 60), ("polonium", "Po", 84),
    ("hafnium", "Hf", 72), ("terbium", "Tb", 65),
]
SYMBOL_CONFUSIONS = {  # element asked -> the real symbols a solver confuses it with, most plausible first
    "gold": ["Ag", "Gd", "Ga", "Pt", "Pb"], "silver": ["Au", "Si", "Sr", "S", "Sn"],
    "iron": ["Ir", "I", "F", "Fe"], "lead": ["Pd", "Li", "Pt", "Sn"], "sodium": ["S", "Sn", "N", "Nd", "Sb"],
    "potassium": ["P", "Po", "Pt", "Pd", "Ca"], "tin": ["Ti", "Sb", "S", "Tb"],
    "mercury": ["Mn", "Mg", "Mo", "Hf", "Me"], "copper": ["Co", "Cr", "C", "Ca"],
    "tungsten": ["Ti", "Tb", "Sn", "Pt"], "antimony": ["An", "Sn", "Sr", "Ag"],
}
PLANETS = ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune"]
SI_UNITS = [  # quantity, its SI unit, the units it is confused with first
    ("force", "newton", ["joule", "pascal", "watt"]), ("energy", "joule", ["watt", "newton", "volt"]),
    ("power", "watt", ["joule", "volt", "ampere"]), ("pressure", "pascal", ["newton", "bar", "joule"]),
    ("electric charge", "coulomb", ["ampere", "volt", "farad"]),
    ("electric current", "ampere", ["volt", "coulomb", "ohm"]),
    ("electrical resistance", "ohm", ["siemens", "volt", "henry"]), ("frequency", "hertz", ["second", "becquerel"]),
    ("thermodynamic temperature", "kelvin", ["degree Celsius", "joule"]),
    ("amount of substance", "mole", ["kilogram", "gram"]), ("luminous intensity", "candela", ["lux", "lumen"]),
    ("capacitance", "farad", ["henry", "coulomb", "tesla"]), ("magnetic flux density", "tesla", ["weber", "gauss"]),
]
SI_POOL = ["newton", "joule", "watt", "pascal", "coulomb", "ampere", "volt", "ohm", "hertz", "kelvin", "mole",
           "candela", "farad", "tesla", "weber", "henry", "siemens", "lux", "lumen", "becquerel", "kilogram",
           "metre", "second"]


def science_drafts(rng: random.Random) -> list[tuple[Gen, int]]:
    symbols = {name: sym for name, sym, _ in ELEMENTS}
    real = set(symbols.values())

    def symbol(name: str) -> Gen:
        def gen(r: random.Random, k: int) -> Draft:
            first = [s for s in SYMBOL_CONFUSIONS[name] if s in real and s != symbols[name]]
            rest = sorted(s for s in real if s not in first and s != symbols[name])
            r.shuffle(rest)
            q = f"What is the chemical symbol for {name}?"
            return q, symbols[name], first + rest, {"subtype": "chemical_symbol", "subject": name}
        return gen

    def atomic(name: str, z: int) -> Gen:
        def gen(r: random.Random, k: int) -> Draft:
            return (f"What is the atomic number of {name}?", str(z), numeric_distractors(r, z, [z - 1, z + 1], 1, k),
                    {"subtype": "atomic_number", "subject": name})
        return gen

    def planet(pos: int) -> Gen:
        def gen(r: random.Random, k: int) -> Draft:
            near = sorted((p for p in range(8) if p != pos), key=lambda p: abs(p - pos))
            pool = [PLANETS[p] for p in near] + ["Pluto", "Ceres"]
            return (f"Which planet is {ORDINALS[pos]} from the Sun?", PLANETS[pos], pool,
                    {"subtype": "planet_order", "position": pos + 1})
        return gen

    def si(q: str, unit: str, confused: list[str]) -> Gen:
        def gen(r: random.Random, k: int) -> Draft:
            rest = [u for u in SI_POOL if u not in confused and u != unit]
            r.shuffle(rest)
            return (f"What is the SI unit of {q}?", unit, confused + rest, {"subtype": "si_unit", "subject": q})
        return gen

    named = sorted(SYMBOL_CONFUSIONS)
    plan: list[tuple[Gen, int]] = [(symbol(n), 10) for n in rng.sample(named, 5)]
    plan += [(atomic(n, z), 10) for n, _, z in rng.sample([e for e in ELEMENTS if e[2] > 12], 3)]
    plan += [(planet(p), 10) for p in rng.sample(range(8), 3)]
    plan += [(si(*row), 10) for row in rng.sample(SI_UNITS, 5)]
    return plan


# --------------------------------------------------------------------------- geography

CAPITALS = [  # country, region, capital, other cities of the country (largest or best known first)
    ("Australia", "oceania", "Canberra", ["Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide"]),
    ("Canada", "americas", "Ottawa", ["Toronto", "Montreal", "Vancouver", "Calgary", "Quebec City"]),
    ("Brazil", "americas", "Brasília", ["Rio de Janeiro", "São Paulo", "Salvador", "Belo Horizonte"]),
    ("Turkey", "asia", "Ankara", ["Istanbul", "Izmir", "Antalya", "Bursa"]),
    ("New Zealand", "oceania", "Wellington", ["Auckland", "Christchurch", "Hamilton", "Dunedin"]),
    ("Pakistan", "asia", "Islamabad", ["Karachi", "Lahore", "Rawalpindi", "Peshawar"]),
    ("Morocco", "africa", "Rabat", ["Casablanca", "Marrakesh", "Fez", "Tangier"]),
    ("Vietnam", "asia", "Hanoi", ["Ho Chi Minh City", "Da Nang", "Hue", "Haiphong"]),
    ("Nigeria", "africa", "Abuja", ["Lagos", "Kano", "Ibadan", "Port Harcourt"]),
    ("Poland", "europe", "Warsaw", ["Kraków", "Łódź", "Wrocław", "Gdańsk"]),
    ("Egypt", "africa", "Cairo", ["Alexandria", "Giza", "Luxor", "Aswan"]),
    ("Japan", "asia", "Tokyo", ["Osaka", "Kyoto", "Yokohama", "Nagoya"]),
    ("Argentina", "americas", "Buenos Aires", ["Córdoba", "Rosario", "Mendoza"]),
    ("Ecuador", "americas", "Quito", ["Guayaquil", "Cuenca", "Manta"]),
    ("Cameroon", "africa", "Yaoundé", ["Douala", "Garoua", "Bamenda"]),
    ("Germany", "europe", "Berlin", ["Munich", "Hamburg", "Frankfurt", "Bonn", "Cologne"]),
    ("Italy", "europe", "Rome", ["Milan", "Naples", "Turin", "Florence"]),
    ("Spain", "europe", "Madrid", ["Barcelona", "Seville", "Valencia", "Bilbao"]),
    ("India", "asia", "New Delhi", ["Mumbai", "Kolkata", "Bengaluru", "Chennai"]),
    ("China", "asia", "Beijing", ["Shanghai", "Chongqing", "Guangzhou", "Shenzhen"]),
    ("Kenya", "africa", "Nairobi", ["Mombasa", "Kisumu", "Nakuru"]),
    ("Chile", "americas", "Santiago", ["Valparaíso", "Concepción", "Antofagasta"]),
]
CONTINENTS = {  # countries that lie wholly in one continent
    "Kenya": "Africa", "Peru": "South America", "Mongolia": "Asia", "Poland": "Europe", "Ghana": "Africa",
    "Paraguay": "South America", "Nepal": "Asia", "Portugal": "Europe", "Canada": "North America",
    "Mexico": "North America", "Laos": "Asia", "Zambia": "Africa",
}
CONTINENT_NAMES = ["Africa", "Asia", "Europe", "North America", "South America", "Oceania", "Antarctica"]


def geography_drafts(rng: random.Random) -> list[tuple[Gen, int]]:
    def capital(row: tuple) -> Gen:
        country, region, cap, cities = row

        def gen(r: random.Random, k: int) -> Draft:
            same = [c[2] for c in CAPITALS if c[1] == region and c[0] != country]
            far = [c[2] for c in CAPITALS if c[1] != region]
            r.shuffle(same)
            r.shuffle(far)
            q = f"What is the capital of {country}?"
            return q, cap, cities + same + far, {"subtype": "capital", "country": country}
        return gen

    def continent(country: str) -> Gen:
        def gen(r: random.Random, k: int) -> Draft:
            pool = [c for c in CONTINENT_NAMES if c != CONTINENTS[country]]
            r.shuffle(pool)
            q = f"On which continent is {country}?"
            return q, CONTINENTS[country], pool, {"subtype": "continent", "country": country}
        return gen

    plan: list[tuple[Gen, int]] = [(capital(row), 10) for row in rng.sample(CAPITALS, 12)]
    plan += [(continent(c), 7) for c in rng.sample(sorted(CONTINENTS), 4)]
    return plan


# --------------------------------------------------------------------------- strings

WORDS = ["notebook", "calendar", "triangle", "elephant", "dinosaur", "mountain", "computer", "alphabet",
         "kangaroo", "umbrella", "chocolate", "butterfly", "pineapple", "telephone", "adventure", "hurricane",
         "labyrinth", "saxophone", "orchestra", "symphony", "vocabulary", "microscope", "watermelon"]
COUNT_WORDS = [("mississippi", "s"), ("bookkeeper", "e"), ("assessment", "s"), ("banana", "a"),
               ("committee", "t"), ("possessions", "s"), ("referee", "e"), ("cassowary", "a"),
               ("intelligence", "e"), ("independence", "e"), ("abracadabra", "a"), ("successes", "s")]
ALPHA_GROUPS = [
    ["parade", "parable", "paradox", "paragon", "parallel", "paramount", "parasol", "parcel", "pardon", "parent",
     "parish", "parody"],
    ["station", "static", "statue", "stature", "status", "statute", "stately", "statement", "stationery", "statistic",
     "statuette"],
    ["contract", "contrast", "control", "contour", "contrary", "contrite", "contraband", "contralto", "controversy",
     "contraption", "contrive"],
    ["marine", "mariner", "marionette", "marital", "maritime", "marigold", "marinade", "marina", "marimba", "marjoram",
     "markdown"],
]


def swaps(word: str) -> list[str]:
    return [word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1) if word[i] != word[i + 1]]


def str_reverse(rng: random.Random, k: int) -> Draft:
    word = rng.choice(WORDS)
    rev = word[::-1]
    near = swaps(rev)
    rng.shuffle(near)
    pool = [*near, word, rev[1:] + rev[0]]
    return f"What is the word '{word}' spelled backwards?", rev, pool, {"subtype": "reverse", "word": word}


def str_count(rng: random.Random, k: int) -> Draft:
    word, letter = rng.choice(COUNT_WORDS)
    n = word.count(letter)
    opts = numeric_distractors(rng, n, [n - 1, n + 1], 1, k, lo=0)
    q = f"How many times does the letter '{letter}' appear in the word '{word}'?"
    return q, str(n), opts, {"subtype": "count_letter", "word": word, "letter": letter}


def str_nth(rng: random.Random, k: int) -> Draft:
    word = rng.choice([w for w in WORDS if len(w) >= 9])
    n = rng.randint(3, len(word) - 1)
    ans = word[n - 1]
    near = [word[n - 2], word[n], *word]
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    i = alphabet.index(ans)
    pool = near + [alphabet[(i + d) % 26] for d in (1, -1, 2, -2, 3, -3, 4, -4, 5)]
    q = f"What is letter number {n} of the word '{word}' (counting from the left)?"
    return q, ans, pool, {"subtype": "nth_letter", "word": word, "n": n}


def str_alpha(rng: random.Random, k: int) -> Draft:
    group = rng.choice(ALPHA_GROUPS)
    words = rng.sample(group, k)
    first = min(words)
    rest = [w for w in words if w != first]
    q = "Which of these words comes first in alphabetical order?"
    return q, first, rest, {"subtype": "alphabetical_first"}


# --------------------------------------------------------------------------- assembly


def draft_items(rng: random.Random, plan: list[tuple[Gen, int, int]]) -> list[tuple[Draft, int]]:
    """Draw one item per plan row (generator, option count), retrying rejected draws and repeated questions."""
    out: list[tuple[Draft, int]] = []
    seen: set[str] = set()
    for gen, k, _ in plan:
        for _try in range(10_000):
            try:
                question, answer, pool, meta = gen(rng, k)
            except Reject:
                continue
            pool = unique(pool, answer)
            if len(pool) < k - 1:  # this draw (a word with many double letters, say) has too few distractors
                continue
            key = question + "|" + json.dumps(meta, sort_keys=True) + "|" + answer
            if question in seen and meta["subtype"] not in ("prime", "leap_year", "alphabetical_first"):
                continue
            if key in seen:
                continue
            seen.update((question, key))
            out.append(((question, answer, pool[: k - 1], meta), k))
            break
        else:
            raise RuntimeError(f"could not draw an item from {gen}")
    return out


def deal_counts(rng: random.Random, rows: list[tuple[Gen, int]]) -> list[tuple[Gen, int, int]]:
    """Give every (generator, max options) row an option count from OPTION_COUNTS, capped rows first."""
    counts = list(OPTION_COUNTS)
    rng.shuffle(counts)
    assert len(counts) == len(rows), (len(counts), len(rows))
    order = sorted(range(len(rows)), key=lambda i: rows[i][1])
    dealt: dict[int, int] = {}
    for i in order:
        cap = rows[i][1]
        fits = [j for j, c in enumerate(counts) if c <= cap]
        j = rng.choice(fits)
        dealt[i] = counts.pop(j)
    return [(rows[i][0], dealt[i], rows[i][1]) for i in range(len(rows))]


def categories(rng: random.Random) -> list[tuple[str, str, list[tuple[Gen, int]]]]:
    def each(gens: list[tuple[Gen, int]], n: int = 4) -> list[tuple[Gen, int]]:
        return [row for row in gens for _ in range(n)]

    return [
        ("arithmetic", "arith", each([(arith_add, 10), (arith_sub, 10), (arith_mul, 10), (arith_div, 10)])),
        ("percentages", "pct", each([(pct_of, 10), (pct_discount, 10), (pct_what, 10), (pct_increase, 10)])),
        ("unit_conversion", "unit", each([(unit_metric, 10), (unit_inches, 10), (unit_c_to_f, 10),
                                          (unit_seconds, 10)])),
        ("dates", "date", each([(date_weekday, 7), (date_between, 10), (date_add, 10), (date_month, 10)], 3)
         + each([(date_leap, 10)])),
        ("number_properties", "num", each([(num_prime, 10), (num_gcd, 10), (num_lcm, 10), (num_divisors, 10)])),
        ("science", "sci", science_drafts(rng)),
        ("geography", "geo", geography_drafts(rng)),
        ("string_manipulation", "str", each([(str_reverse, 10), (str_count, 10), (str_nth, 10), (str_alpha, 10)])),
    ]


def gold_slots(rng: random.Random, ks: list[int]) -> list[int]:
    """A gold slot per item: among items with k options every slot gets the gold equally often (±1)."""
    slots = [0] * len(ks)
    for k in sorted(set(ks)):
        idx = [i for i, kk in enumerate(ks) if kk == k]
        deck = list(range(k)) * (len(idx) // k) + rng.sample(range(k), len(idx) % k)
        rng.shuffle(deck)
        for i, s in zip(idx, deck, strict=True):
            slots[i] = s
    return slots


def build_items(seed: int = DEFAULT_SEED) -> list[dict]:
    rng = random.Random(seed)
    drafted: list[tuple[str, str, tuple[Draft, int]]] = []
    for category, prefix, rows in categories(rng):
        drafts = draft_items(rng, deal_counts(rng, rows))
        rng.shuffle(drafts)
        drafted.extend((category, prefix, d) for d in drafts)
    slots = gold_slots(rng, [k for _, _, (_, k) in drafted])
    items = []
    numbers: dict[str, int] = {}
    for (category, prefix, ((question, answer, distractors, meta), k)), slot in zip(drafted, slots, strict=True):
        options = list(distractors)
        rng.shuffle(options)
        options.insert(slot, answer)
        assert len(options) == k and len({o.lower() for o in options}) == k
        assert "A." not in question and "(A)" not in question
        numbers[prefix] = numbers.get(prefix, 0) + 1
        items.append({
            "id": f"mcq-{prefix}-{numbers[prefix]:04d}",
            "question": question,
            "options": options,
            "answer": LETTERS[slot],
            "kind": "fact",
            "category": category,
            "source": SOURCE,
            "metadata": {"answer_text": answer, **meta},
        })
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"RNG seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().with_name("mcq.jsonl"),
                        help="output path (default: mcq.jsonl next to this script)")
    args = parser.parse_args(argv)
    items = build_items(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    print(f"wrote {len(items)} items to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
