"""Generate ``facts.jsonl``: pairwise items whose gold answer can be checked.

Every item is a question with a verifiable answer and two responses written
from the same template: one carries the correct answer, the other a plausible
wrong answer (a dropped carry, a neighbouring date, a swapped planet, ...) that
is carried consistently through the explanation. The gold position is drawn
from a seeded RNG so that A and B are balanced within every category.

The script uses only the standard library and is deterministic for a given
``--seed``: running it twice writes byte-identical files.

    python data/make_fact_items.py                  # writes data/facts.jsonl
    python data/make_fact_items.py --out /tmp/f.jsonl --seed 7
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import math
import random
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

DEFAULT_SEED = 20261129
PER_CATEGORY = 42
SOURCE = "judgekit-generated"

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ORDINAL_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]
PLANETS = ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune"]

# A draft item: (prompt, correct response, wrong response, metadata). The
# metadata must hold "answer" and "distractor"; everything else is structured
# detail that lets a test recompute the answer.
Draft = tuple[str, str, str, dict]


class Reject(Exception):
    """Raised by a sub-generator when a random draw does not give a clean item."""


# --------------------------------------------------------------------------- helpers


def has_number(text: str, number: str) -> bool:
    """True when ``number`` occurs in ``text`` as a whole number (not inside a longer one)."""
    pattern = r"(?<![\d.])" + re.escape(number) + r"(?!\d|\.\d)"
    return re.search(pattern, text) is not None


def check_numeric(correct: str, wrong: str, answer: str, distractor: str) -> None:
    """Reject a draw whose texts would let a reader spot the answer without reasoning."""
    if answer == distractor:
        raise Reject
    if not has_number(correct, answer) or has_number(wrong, answer):
        raise Reject
    if not has_number(wrong, distractor) or has_number(correct, distractor):
        raise Reject


def join_and(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def cap(text: str) -> str:
    return text[0].upper() + text[1:]


def fmt_date(d: dt.date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def month_len(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def dec_str(x: Decimal) -> str:
    """Plain decimal notation without trailing zeros."""
    text = format(x, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def num(x: int) -> str:
    return str(x)


def carry_slip(p: int, q: int, rng: random.Random) -> int:
    """A plausible error in p + q: drop a carry that happens, or add one that does not."""
    carries = []
    carry, place, pp, qq = 0, 0, p, q
    while pp or qq:
        s = pp % 10 + qq % 10 + carry
        carry = 1 if s >= 10 else 0
        if carry:
            carries.append(place + 1)
        pp, qq, place = pp // 10, qq // 10, place + 1
    if carries:
        return -(10 ** rng.choice(carries))
    return 10 ** rng.choice([1, 2])


def borrow_slip(p: int, q: int, rng: random.Random) -> int:
    """A plausible error in p - q: forget to reduce the next digit after a borrow, or borrow needlessly."""
    borrows = []
    borrow, place, pp, qq = 0, 0, p, q
    while qq or borrow:
        d = pp % 10 - qq % 10 - borrow
        borrow = 1 if d < 0 else 0
        if borrow:
            borrows.append(place + 1)
        pp, qq, place = pp // 10, qq // 10, place + 1
    if borrows:
        return 10 ** rng.choice(borrows)
    return -(10 ** rng.choice([1, 2]))


def primes_upto(n: int) -> list[int]:
    sieve = [True] * (n + 1)
    sieve[0] = sieve[1] = False
    for i in range(2, math.isqrt(n) + 1):
        if sieve[i]:
            sieve[i * i :: i] = [False] * len(sieve[i * i :: i])
    return [i for i, ok in enumerate(sieve) if ok]


PRIMES = primes_upto(1000)
PRIME_SET = set(PRIMES)


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


# --------------------------------------------------------------------------- arithmetic

ARITH_PROMPTS = {
    "add": ["What is {a} + {b}?", "Can you add {a} and {b} for me?", "What's {a} plus {b}?"],
    "sub": ["What is {a} - {b}?", "What's {a} minus {b}?", "Can you work out {a} - {b}?"],
    "mul": ["What is {a} × {b}?", "What's {a} times {b}?", "Can you multiply {a} by {b}?"],
    "div": ["What is {a} ÷ {b}?", "What's {a} divided by {b}?", "How many times does {b} go into {a}?"],
}

ADD_TEMPLATES = [
    "{a} + {b} = {s}. Adding {bh} to {a} gives {x}, and adding the remaining {bl} gives {s}.",
    "The sum is {s}: {a} + {bh} = {x}, then {x} + {bl} = {s}.",
    "{a} plus {b} is {s}. Split {b} into {bh} and {bl}: {a} + {bh} = {x}, and {x} + {bl} = {s}.",
]
SUB_TEMPLATES = [
    "{a} − {b} = {s}. Subtracting {bh} from {a} leaves {x}, and taking away the remaining {bl} leaves {s}.",
    "The difference is {s}: {a} − {bh} = {x}, then {x} − {bl} = {s}.",
    "{a} minus {b} is {s}. Split {b} into {bh} and {bl}: {a} − {bh} = {x}, and {x} − {bl} = {s}.",
]
MUL_TEMPLATES = [
    ("{a} × {b} = {t}. Multiplying {f} by {y1} gives {p1}, and {f} by {y2} gives {p2}, "
    "so the total is {p1} + {p2} = {t}."),
    "The product is {t}: {f} × {y1} = {p1} and {f} × {y2} = {p2}, and {p1} + {p2} = {t}.",
    ("{a} times {b} is {t}. Break {g} into {y1} + {y2}: {f} × {y1} = {p1}, {f} × {y2} = {p2}, "
    "and together that makes {t}."),
]
DIV_TEMPLATES = [
    ("{n} ÷ {d} = {q}. Since {d} × {qt} = {m}, that leaves {n} − {m} = {r}, and {r} ÷ {d} = {qu}, "
    "so the answer is {qt} + {qu} = {q}."),
    "The answer is {q}: {d} × {qt} = {m}, the remaining {r} is {qu} more groups of {d}, and {qt} + {qu} = {q}.",
]


def arith_add(rng: random.Random) -> Draft:
    a, b = rng.randint(1000, 8999), rng.randint(1000, 8999)
    bh, bl = b - b % 100, b % 100
    if bl < 11 or bl % 10 == 0:
        raise Reject
    x, s = a + bh, a + b
    if rng.random() < 0.5:
        step, delta = "first", carry_slip(a, bh, rng)
        wx, ws = x + delta, x + delta + bl
    else:
        step, delta = "second", carry_slip(x, bl, rng)
        wx, ws = x, s + delta
    t = rng.randrange(len(ADD_TEMPLATES))
    correct = ADD_TEMPLATES[t].format(a=a, b=b, bh=bh, bl=bl, x=x, s=s)
    wrong = ADD_TEMPLATES[t].format(a=a, b=b, bh=bh, bl=bl, x=wx, s=ws)
    prompt = rng.choice(ARITH_PROMPTS["add"]).format(a=a, b=b)
    meta = {"op": "add", "a": a, "b": b, "error": f"carry slip in the {step} step ({delta:+d})"}
    return prompt, correct, wrong, meta | {"answer": num(s), "distractor": num(ws), "template": t}


def arith_sub(rng: random.Random) -> Draft:
    a = rng.randint(3000, 9999)
    b = rng.randint(1000, a - 1000)
    bh, bl = b - b % 100, b % 100
    if bl < 11 or bl % 10 == 0 or bh == 0:
        raise Reject
    x, s = a - bh, a - b
    if rng.random() < 0.5:
        step, delta = "first", borrow_slip(a, bh, rng)
        wx, ws = x + delta, x + delta - bl
    else:
        step, delta = "second", borrow_slip(x, bl, rng)
        wx, ws = x, s + delta
    if ws <= 0 or wx <= 0:
        raise Reject
    t = rng.randrange(len(SUB_TEMPLATES))
    correct = SUB_TEMPLATES[t].format(a=a, b=b, bh=bh, bl=bl, x=x, s=s)
    wrong = SUB_TEMPLATES[t].format(a=a, b=b, bh=bh, bl=bl, x=wx, s=ws)
    prompt = rng.choice(ARITH_PROMPTS["sub"]).format(a=a, b=b)
    meta = {"op": "sub", "a": a, "b": b, "error": f"borrow slip in the {step} step ({delta:+d})"}
    return prompt, correct, wrong, meta | {"answer": num(s), "distractor": num(ws), "template": t}


def arith_mul(rng: random.Random) -> Draft:
    if rng.random() < 0.6:  # two digits by two digits: split the second factor into tens and units
        a, b = rng.randint(12, 98), rng.randint(13, 98)
        f, g = a, b
        y1, y2 = b - b % 10, b % 10
        if y2 < 2:
            raise Reject
    else:  # three digits by one digit: split the first factor into hundreds and the rest
        a, b = rng.randint(112, 989), rng.randint(3, 9)
        f, g = b, a
        y1, y2 = a - a % 100, a % 100
        if y2 < 11 or y2 % 10 == 0:
            raise Reject
    p1, p2 = f * y1, f * y2
    t_ = a * b
    t = rng.randrange(len(MUL_TEMPLATES))
    where = rng.choice(["first", "second"] if t == 2 else ["first", "second", "sum"])
    if where == "first":
        # a carry slip in f × (leading digit of y1), scaled by the zeros of y1: 17 × 20 -> 340 ± 100
        delta = rng.choice([-1, 1]) * 10 * (10 ** (len(str(y1)) - 1))
        wp1, wp2 = p1 + delta, p2
        wt = wp1 + wp2
    elif where == "second":
        delta = rng.choice([-10, 10])
        wp1, wp2 = p1, p2 + delta
        wt = wp1 + wp2
    else:
        delta = carry_slip(p1, p2, rng)
        wp1, wp2 = p1, p2
        wt = t_ + delta
    if min(wp1, wp2, wt) <= 0:
        raise Reject
    kw = {"a": a, "b": b, "f": f, "g": g, "y1": y1, "y2": y2}
    correct = MUL_TEMPLATES[t].format(**kw, p1=p1, p2=p2, t=t_)
    wrong = MUL_TEMPLATES[t].format(**kw, p1=wp1, p2=wp2, t=wt)
    prompt = rng.choice(ARITH_PROMPTS["mul"]).format(a=a, b=b)
    error = {"first": "partial product", "second": "partial product", "sum": "final sum"}[where]
    meta = {"op": "mul", "a": a, "b": b, "error": f"carry slip in the {error} ({delta:+d})"}
    return prompt, correct, wrong, meta | {"answer": num(t_), "distractor": num(wt), "template": t}


def arith_div(rng: random.Random) -> Draft:
    d, q = rng.randint(3, 19), rng.randint(12, 49)
    qt, qu = q - q % 10, q % 10
    if qu < 2:
        raise Reject
    n, m = d * q, d * qt
    r = n - m
    wqu = qu + rng.choice([-1, 1])
    if not 1 <= wqu <= 9:
        raise Reject
    wq = qt + wqu
    t = rng.randrange(len(DIV_TEMPLATES))
    kw = {"n": n, "d": d, "qt": qt, "m": m, "r": r}
    correct = DIV_TEMPLATES[t].format(**kw, qu=qu, q=q)
    wrong = DIV_TEMPLATES[t].format(**kw, qu=wqu, q=wq)
    prompt = rng.choice(ARITH_PROMPTS["div"]).format(a=n, b=d)
    meta = {"op": "div", "a": n, "b": d, "error": f"times-table slip on the remainder ({wqu - qu:+d})"}
    return prompt, correct, wrong, meta | {"answer": num(q), "distractor": num(wq), "template": t}


ARITH_OPS: dict[str, Callable[[int, int], int]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a // b,
}


def arith_checked(fn: Callable[[random.Random], Draft]) -> Callable[[random.Random], Draft]:
    def run(rng: random.Random) -> Draft:
        prompt, correct, wrong, meta = fn(rng)
        truth = ARITH_OPS[meta["op"]](meta["a"], meta["b"])
        if meta["op"] == "div":
            assert meta["a"] % meta["b"] == 0
        assert int(meta["answer"]) == truth
        assert int(meta["distractor"]) != truth, meta
        check_numeric(correct, wrong, meta["answer"], meta["distractor"])
        return prompt, correct, wrong, meta

    return run


# --------------------------------------------------------------------------- percentages

PCT_OF_PROMPTS = ["What is {p}% of {n}?", "Can you work out {p}% of {n}?", "What's {p} percent of {n}?"]
PCT_OF_TEMPLATES = [
    "{p}% of {n} is {x}. Multiply {n} by {p} to get {prod}, then divide by 100 to get {x}.",
    "The answer is {x}: {n} × {p} = {prod}, and {prod} ÷ 100 = {x}.",
    "{x}. Taking {p}% means multiplying by {p}/100, and {n} × {p} = {prod}, which divided by 100 is {x}.",
]
DISCOUNT_ITEMS = ["jacket", "pair of boots", "desk lamp", "backpack", "bicycle", "coffee maker", "tent",
                  "winter coat", "pair of headphones", "office chair", "suitcase", "blender"]
DISCOUNT_PROMPTS = [
    "A {item} costs ${price}. How much is it after a {p}% discount?",
    "If a {item} priced at ${price} is {p}% off, what's the sale price?",
    "I'm buying a {item} that normally costs ${price}, and it's {p}% off. What will I pay?",
]
DISCOUNT_TEMPLATES = [
    "The discount is {p}% of ${price}, which is ${disc}, so the sale price is ${price} − ${disc} = ${final}.",
    "It costs ${final}. {p}% of ${price} is ${disc}, and ${price} − ${disc} = ${final}.",
]
FRACTIONS = {20: (1, 5), 25: (1, 4), 40: (2, 5), 50: (1, 2), 60: (3, 5), 75: (3, 4), 80: (4, 5)}
FRACTION_MIXUPS = {20: 25, 25: 20, 40: 50, 50: 40, 60: 75, 75: 60, 80: 75}
PCT_WHAT_PROMPTS = [
    "What percentage of {n} is {m}?",
    "{m} is what percent of {n}?",
    "If {m} out of {n} people said yes, what percentage is that?",
]
PCT_WHAT_TEMPLATES = [
    "{m} out of {n} simplifies to {fa}/{fb}, and {fa}/{fb} is {p}%, so {m} is {p}% of {n}.",
    "It is {p}%: {m}/{n} reduces to {fa}/{fb}, which equals {p} out of 100.",
]
GROWTH_CONTEXTS = [
    ("A town of {n} people grows by {p}%. What is its new population?", "population", "people"),
    (("A savings account holds ${n} and earns {p}% interest this year. What is the balance after the interest "
     "is added?"), "balance", "$"),
    ("A factory made {n} bikes last year and plans to make {p}% more this year. How many bikes is that?",
     "production", "bikes"),
    ("A website had {n} visitors in May and {p}% more in June. How many visitors did it have in June?",
     "visitor count", "visitors"),
]
GROWTH_TEMPLATES = [
    "{p}% of {n} is {inc}, so the new {what} is {n} + {inc} = {new}.",
    "The new {what} is {new}: the increase is {n} × {p}/100 = {inc}, and {n} + {inc} = {new}.",
]


def money(context_unit: str, x: int) -> str:
    return f"${x}" if context_unit == "$" else str(x)


def pct_of(rng: random.Random) -> Draft:
    p = rng.choice([5, 12, 15, 18, 24, 35, 45, 65, 72, 85])
    n = rng.randint(3, 60) * 20
    prod = n * p
    if prod % 100:
        raise Reject
    x = prod // 100
    delta = rng.choice([-200, -100, 100, 200]) if x < 60 else rng.choice([-1000, -100, 100, 1000])
    wprod = prod + delta
    wx = wprod // 100
    if wx <= 0:
        raise Reject
    t = rng.randrange(len(PCT_OF_TEMPLATES))
    correct = PCT_OF_TEMPLATES[t].format(p=p, n=n, prod=prod, x=x)
    wrong = PCT_OF_TEMPLATES[t].format(p=p, n=n, prod=wprod, x=wx)
    prompt = rng.choice(PCT_OF_PROMPTS).format(p=p, n=n)
    meta = {"subtype": "percent_of", "percent": p, "base": n, "error": f"multiplication slip ({delta:+d})"}
    return prompt, correct, wrong, meta | {"answer": num(x), "distractor": num(wx), "template": t}


def pct_discount(rng: random.Random) -> Draft:
    p = rng.choice([10, 15, 20, 25, 30, 40])
    price = rng.randint(24, 480)
    if price * p % 100:
        raise Reject
    disc = price * p // 100
    final = price - disc
    if rng.random() < 0.5:
        delta = borrow_slip(price, disc, rng)
        wdisc, wfinal, error = disc, final + delta, f"borrow slip in the subtraction ({delta:+d})"
    else:
        delta = rng.choice([-1, 1])
        wdisc, wfinal, error = disc + delta, final - delta, f"slip computing the discount ({delta:+d})"
    if wfinal <= 0 or wdisc <= 0:
        raise Reject
    t = rng.randrange(len(DISCOUNT_TEMPLATES))
    correct = DISCOUNT_TEMPLATES[t].format(p=p, price=price, disc=disc, final=final)
    wrong = DISCOUNT_TEMPLATES[t].format(p=p, price=price, disc=wdisc, final=wfinal)
    prompt = rng.choice(DISCOUNT_PROMPTS).format(item=rng.choice(DISCOUNT_ITEMS), price=price, p=p)
    meta = {"subtype": "discount", "percent": p, "base": price, "error": error}
    return prompt, correct, wrong, meta | {"answer": num(final), "distractor": num(wfinal), "template": t}


def pct_what(rng: random.Random) -> Draft:
    p = rng.choice(sorted(FRACTIONS))
    fa, fb = FRACTIONS[p]
    n = fb * rng.randint(3, 60)
    m = n * fa // fb
    wp = FRACTION_MIXUPS[p]
    wfa, wfb = FRACTIONS[wp]
    t = rng.randrange(len(PCT_WHAT_TEMPLATES))
    correct = PCT_WHAT_TEMPLATES[t].format(m=m, n=n, fa=fa, fb=fb, p=p)
    wrong = PCT_WHAT_TEMPLATES[t].format(m=m, n=n, fa=wfa, fb=wfb, p=wp)
    prompt = rng.choice(PCT_WHAT_PROMPTS).format(m=m, n=n)
    meta = {"subtype": "what_percent", "part": m, "base": n, "error": f"simplified to {wfa}/{wfb} instead of {fa}/{fb}"}
    return prompt, correct, wrong, meta | {"answer": num(p), "distractor": num(wp), "template": t}


def pct_growth(rng: random.Random) -> Draft:
    question, what, unit = rng.choice(GROWTH_CONTEXTS)
    p = rng.choice([4, 5, 8, 12, 15, 20, 25, 30])
    n = rng.randint(12, 480) * 25
    if n * p % 100:
        raise Reject
    inc = n * p // 100
    new = n + inc
    if rng.random() < 0.5:
        delta = carry_slip(n, inc, rng)
        winc, wnew, error = inc, new + delta, f"carry slip in the addition ({delta:+d})"
    else:
        delta = rng.choice([-10, 10]) if inc > 40 else rng.choice([-2, 2])
        winc, wnew, error = inc + delta, new + delta, f"slip computing the increase ({delta:+d})"
    if winc <= 0:
        raise Reject
    t = rng.randrange(len(GROWTH_TEMPLATES))

    def render(i: int, nn: int) -> str:
        return GROWTH_TEMPLATES[t].format(p=p, n=money(unit, n), inc=money(unit, i), new=money(unit, nn),
                                          what=what)

    correct, wrong = render(inc, new), render(winc, wnew)
    prompt = question.format(n=n, p=p)
    meta = {"subtype": "increase", "percent": p, "base": n, "error": error}
    return prompt, correct, wrong, meta | {"answer": num(new), "distractor": num(wnew), "template": t}


def pct_checked(fn: Callable[[random.Random], Draft]) -> Callable[[random.Random], Draft]:
    def run(rng: random.Random) -> Draft:
        prompt, correct, wrong, meta = fn(rng)
        p, base = meta.get("percent"), meta["base"]
        if meta["subtype"] == "percent_of":
            truth = base * p / 100
        elif meta["subtype"] == "discount":
            truth = base - base * p / 100
        elif meta["subtype"] == "increase":
            truth = base + base * p / 100
        else:
            truth = meta["part"] * 100 / base
        assert float(meta["answer"]) == truth
        assert float(meta["distractor"]) != truth, meta
        check_numeric(correct, wrong, meta["answer"], meta["distractor"])
        return prompt, correct, wrong, meta

    return run


# --------------------------------------------------------------------------- unit conversion

# name -> (from unit, to unit, factor text, exact?, plausible wrong factor or None)
CONVERSIONS = {
    "km_to_mi": ("km", "miles", "0.621371", False, "0.612371"),
    "mi_to_km": ("miles", "km", "1.609344", True, None),
    "kg_to_lb": ("kg", "lb", "2.204623", False, "2.024623"),
    "lb_to_kg": ("lb", "kg", "0.45359237", True, "0.45539237"),
}
EXACT_FROM_TO = {  # to-unit value of one from-unit, exactly
    "km_to_mi": Decimal(1) / Decimal("1.609344"),
    "mi_to_km": Decimal("1.609344"),
    "kg_to_lb": Decimal(1) / Decimal("0.45359237"),
    "lb_to_kg": Decimal("0.45359237"),
}
LONG_NAMES = {"km": ("kilometre", "kilometres"), "miles": ("mile", "miles"), "kg": ("kilogram", "kilograms"),
              "lb": ("pound", "pounds")}
CONV_PROMPTS = [
    "How many {to_long} is {v} {from_}?",
    "Convert {v} {from_} to {to_long}.",
    "What is {v} {from_} in {to_long}?",
]
CONV_TEMPLATES = [
    ("{v} {from_} is about {r} {to}. One {from_one} is {qual}{factor} {to_long}, so {v} × {factor} = {prod}, "
    "which rounds to {r} {to} (one decimal place)."),
    ("About {r} {to}. Multiplying by {factor} {to_long} per {from_one}{qual2}: {v} × {factor} = {prod}, "
    "rounded to one decimal place that is {r}."),
]
C_TO_F_TEMPLATES = [
    "{c} °C is {f} °F. Multiply by 9/5 and add 32: {c} ÷ 5 = {k}, {k} × 9 = {m}, and {m} + 32 = {f}.",
    "It is exactly {f} °F. Using F = C × 9/5 + 32: {c} × 9/5 = {m}, and {m} + 32 = {f}.",
]
F_TO_C_TEMPLATES = [
    "{f} °F is {c} °C. Subtract 32 and multiply by 5/9: {f} − 32 = {d}, {d} ÷ 9 = {k}, and {k} × 5 = {c}.",
    "It is exactly {c} °C. Using C = (F − 32) × 5/9: {f} − 32 = {d}, and {d} × 5/9 = {c}.",
]
TEMP_PROMPTS = {
    "c_to_f": ["What is {v} °C in Fahrenheit?", "Convert {v} degrees Celsius to Fahrenheit.",
               "If it's {v} °C outside, what is that in °F?"],
    "f_to_c": ["What is {v} °F in Celsius?", "Convert {v} degrees Fahrenheit to Celsius.",
               "My oven says {v} °F. What is that in °C?"],
}
HOUR_FRACTIONS = ["0.25", "0.5", "0.75", "0.2", "0.4", "0.6", "0.8"]
H_TO_MIN_PROMPTS = ["How many minutes are in {h} hours?", "Convert {h} hours to minutes.",
                    "A job took {h} hours. How many minutes is that?"]
H_TO_MIN_TEMPLATES = [
    ("{h} hours is {tot} minutes: {w_h} is {wm} minutes and {fr} of an hour is {fm} minutes, "
    "so {wm} + {fm} = {tot}."),
    "{tot} minutes. {w} × 60 = {wm}, plus {fm} minutes for the remaining {fr} hour, gives {tot}.",
]
MIN_TO_H_PROMPTS = ["How many hours and minutes is {m} minutes?", "Convert {m} minutes to hours and minutes.",
                    "The film runs {m} minutes. How long is that in hours and minutes?"]
MIN_TO_H_TEMPLATES = [
    "{m} minutes is {hh} and {mm}: {h} × 60 = {h60}, and {m} − {h60} = {r} minutes left over.",
    "{hh} {mm}. {h} full hours account for {h60} minutes, and {m} − {h60} = {r}.",
]


def unit_scale(rng: random.Random, name: str) -> Draft:
    from_, to, factor, exact, wrong_factor = CONVERSIONS[name]
    v = rng.randint(3, 160)
    fac = Decimal(factor)
    prod = fac * v
    rounded = prod.quantize(Decimal("0.1"), ROUND_HALF_UP)
    truth = (EXACT_FROM_TO[name] * v).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if rounded != truth:
        raise Reject
    if wrong_factor is not None and rng.random() < 0.5:
        wfac_text = wrong_factor
        wprod = Decimal(wrong_factor) * v
        error = f"transposed digits in the conversion factor ({wrong_factor})"
    else:
        wfac_text = factor
        # a slip in the second significant digit of the product: 243.01 -> 253.01, 38.62 -> 39.62
        step = Decimal(rng.choice([-1, 1])).scaleb(len(str(int(prod))) - 2)
        wprod = prod + step
        error = f"slip in the second digit of the product ({step:+f})"
    wrounded = wprod.quantize(Decimal("0.1"), ROUND_HALF_UP)
    if wrounded == rounded or wrounded <= 0 or prod < 1:
        raise Reject
    t = rng.randrange(len(CONV_TEMPLATES))
    from_one = LONG_NAMES[from_][0]
    to_long = LONG_NAMES[to][1]

    def render(fac_text: str, pr: Decimal, r: Decimal) -> str:
        return CONV_TEMPLATES[t].format(
            v=v, from_=from_, to=to, r=str(r), factor=fac_text, prod=dec_str(pr), from_one=from_one,
            to_long=to_long, qual="exactly " if exact else "about ", qual2=" (exact)" if exact else "",
        )

    correct, wrong = render(factor, prod, rounded), render(wfac_text, wprod, wrounded)
    prompt = rng.choice(CONV_PROMPTS).format(v=v, from_=from_, to_long=to_long)
    meta = {"subtype": name, "value": v, "factor": factor, "rounding": "one decimal place", "error": error}
    return prompt, correct, wrong, meta | {"answer": str(rounded), "distractor": str(wrounded),
                                          "template": t}


def unit_c_to_f(rng: random.Random) -> Draft:
    c = 5 * rng.randint(-7, 24)
    k = c // 5
    f = k * 9 + 32
    t = rng.randrange(len(C_TO_F_TEMPLATES))
    if t == 0 and rng.random() < 0.5:
        wk = k + rng.choice([-1, 1])
        wm, wf = wk * 9, wk * 9 + 32
        error = "slip dividing by 5"
    else:
        wk = k
        if rng.random() < 0.5:
            wm = k * 9 + rng.choice([-9, 9])
            wf = wm + 32
            error = "slip multiplying by 9"
        else:
            wm = k * 9
            wf = wm + 32 + rng.choice([-10, 10])
            error = "carry slip adding 32"
    if wf == f:
        raise Reject
    correct = C_TO_F_TEMPLATES[t].format(c=c, k=k, m=k * 9, f=f)
    wrong = C_TO_F_TEMPLATES[t].format(c=c, k=wk, m=wm, f=wf)
    prompt = rng.choice(TEMP_PROMPTS["c_to_f"]).format(v=c)
    meta = {"subtype": "c_to_f", "value": c, "error": error}
    return prompt, correct, wrong, meta | {"answer": num(f), "distractor": num(wf), "template": t}


def unit_f_to_c(rng: random.Random) -> Draft:
    j = rng.randint(-7, 24)
    f = 32 + 9 * j
    d, k, c = f - 32, j, 5 * j
    t = rng.randrange(len(F_TO_C_TEMPLATES))
    if rng.random() < 0.5:
        wd = d + rng.choice([-9, 9])
        wk = wd // 9
        error = "slip subtracting 32"
    else:
        wd, wk = d, k + rng.choice([-1, 1])
        error = "slip dividing by 9"
        if t == 1:
            raise Reject
    wc = wk * 5
    correct = F_TO_C_TEMPLATES[t].format(f=f, d=d, k=k, c=c)
    wrong = F_TO_C_TEMPLATES[t].format(f=f, d=wd, k=wk, c=wc)
    prompt = rng.choice(TEMP_PROMPTS["f_to_c"]).format(v=f)
    meta = {"subtype": "f_to_c", "value": f, "error": error}
    return prompt, correct, wrong, meta | {"answer": num(c), "distractor": num(wc), "template": t}


def unit_h_to_min(rng: random.Random) -> Draft:
    w = rng.randint(1, 9)
    fr = rng.choice(HOUR_FRACTIONS)
    h = dec_str(Decimal(w) + Decimal(fr))
    fm = int(Decimal(fr) * 60)
    wfm = int(fr[2:].ljust(2, "0"))  # read the decimal digits as minutes: 0.75 -> 75, 0.5 -> 50
    assert wfm != fm
    wm = w * 60
    tot, wtot = wm + fm, wm + wfm
    t = rng.randrange(len(H_TO_MIN_TEMPLATES))
    kw = {"h": h, "w": w, "w_h": plural(w, "hour"), "wm": wm, "fr": fr}
    correct = H_TO_MIN_TEMPLATES[t].format(**kw, fm=fm, tot=tot)
    wrong = H_TO_MIN_TEMPLATES[t].format(**kw, fm=wfm, tot=wtot)
    prompt = rng.choice(H_TO_MIN_PROMPTS).format(h=h)
    meta = {"subtype": "h_to_min", "value": h, "error": f"read {fr} hours as {wfm} minutes"}
    return prompt, correct, wrong, meta | {"answer": num(tot), "distractor": num(wtot), "template": t}


def unit_min_to_h(rng: random.Random) -> Draft:
    m = rng.randint(75, 599)
    h, r = divmod(m, 60)
    if r < 5:
        raise Reject
    delta = rng.choice([-10, 10])
    wr = r + delta
    if not 1 <= wr <= 59:
        raise Reject
    t = rng.randrange(len(MIN_TO_H_TEMPLATES))

    def render(rr: int) -> str:
        return MIN_TO_H_TEMPLATES[t].format(m=m, h=h, h60=h * 60, r=rr, hh=plural(h, "hour"),
                                            mm=plural(rr, "minute"))

    correct, wrong = render(r), render(wr)
    prompt = rng.choice(MIN_TO_H_PROMPTS).format(m=m)
    meta = {"subtype": "min_to_h", "value": m, "error": f"slip in the subtraction ({delta:+d})"}
    return prompt, correct, wrong, meta | {"answer": f"{h} h {r} min", "distractor": f"{h} h {wr} min",
                                          "template": t}


def unit_checked(fn: Callable[[random.Random], Draft]) -> Callable[[random.Random], Draft]:
    def run(rng: random.Random) -> Draft:
        prompt, correct, wrong, meta = fn(rng)
        kind, v = meta["subtype"], meta["value"]
        if kind in EXACT_FROM_TO:
            truth = str((EXACT_FROM_TO[kind] * v).quantize(Decimal("0.1"), ROUND_HALF_UP))
        elif kind == "c_to_f":
            truth = num(v * 9 // 5 + 32)
        elif kind == "f_to_c":
            truth = num((v - 32) * 5 // 9)
        elif kind == "h_to_min":
            truth = num(int(Decimal(v) * 60))
        else:
            truth = f"{v // 60} h {v % 60} min"
        assert meta["answer"] == truth, (meta, truth)
        assert meta["distractor"] != truth, meta
        if kind != "min_to_h":
            check_numeric(correct, wrong, meta["answer"], meta["distractor"])
        return prompt, correct, wrong, meta

    return run


# --------------------------------------------------------------------------- dates

WEEKDAY_PROMPTS = ["What day of the week is {d}?", "Which day of the week does {d} fall on?",
                   "On what weekday does {d} fall?"]
BETWEEN_PROMPTS = ["How many days are there from {a} to {b}?", "How many days is it from {a} until {b}?",
                   "If today is {a}, how many days are left until {b}?"]
ADD_PROMPTS = ["What date is {k} days after {d}?", "What is the date {k} days after {d}?",
               "If I start on {d} and count forward {k} days, what date do I land on?"]


def _weekday_text(t: int, d: dt.date, n: int) -> tuple[str, str]:
    jan1 = dt.date(d.year, 1, 1)
    w, r = divmod(n, 7)
    dow = WEEKDAYS[(jan1.weekday() + r) % 7]
    dow0 = WEEKDAYS[jan1.weekday()]
    ds = fmt_date(d)
    if t == 0:
        move = f"so the weekday moves {plural(r, 'day')} forward to {dow}" if r else f"so it is also a {dow}"
        text = (f"{ds} falls on a {dow}. 1 January {d.year} falls on a {dow0}, and {ds} is {n} days later, "
                f"which is {plural(w, 'week')} and {plural(r, 'day')}, {move}.")
    elif t == 1:
        text = (f"It falls on a {dow}. Counting from 1 January {d.year}, a {dow0}, {ds} is day {n + 1} of the "
                f"year, so it lies {n} days ({plural(w, 'week')} and {plural(r, 'day')}) later, on a {dow}.")
    else:
        text = f"{ds} falls on a {dow}."
    return text, dow


def date_weekday(rng: random.Random) -> Draft:
    y = rng.randint(1950, 2040)
    d = dt.date(y, 1, 1) + dt.timedelta(days=rng.randint(20, 364 if calendar.isleap(y) else 363))
    if d.year != y:
        raise Reject
    n = (d - dt.date(y, 1, 1)).days
    if calendar.isleap(y) and d.month > 2 and rng.random() < 0.6:
        wn, error = n - 1, "left out 29 February in a leap year"
    else:
        delta = rng.choice([-1, 1])
        wn, error = n + delta, f"off-by-one in the day count ({delta:+d})"
    t = rng.choice([0, 0, 1, 1, 2])
    correct, dow = _weekday_text(t, d, n)
    wrong, wdow = _weekday_text(t, d, wn)
    assert dow == WEEKDAYS[d.weekday()]
    assert wdow != dow
    prompt = rng.choice(WEEKDAY_PROMPTS).format(d=fmt_date(d))
    meta = {"subtype": "weekday", "date": d.isoformat(), "error": error}
    return prompt, correct, wrong, meta | {"answer": dow, "distractor": wdow, "template": t}


def _month_iter(y: int, m: int):
    while True:
        yield y, m
        m += 1
        if m == 13:
            y, m = y + 1, 1


def _perturbed_length(y: int, m: int) -> int:
    true = month_len(y, m)
    if m == 2:
        return 29 if true == 28 else 28
    return 31 if true == 30 else 30


def date_between(rng: random.Random) -> Draft:
    y = rng.randint(1990, 2035)
    m1 = rng.randint(1, 11)
    m2 = min(12, m1 + rng.randint(1, 4))
    day1 = rng.randint(1, month_len(y, m1) - 1)
    day2 = rng.randint(1, month_len(y, m2))
    d1, d2 = dt.date(y, m1, day1), dt.date(y, m2, day2)
    n = (d2 - d1).days
    lengths = {m: month_len(y, m) for m in range(m1, m2)}
    kind = rng.choice(["inclusive", "month", "month"])
    wlengths = dict(lengths)
    if kind == "month":
        bad = rng.choice(sorted(lengths))
        wlengths[bad] = _perturbed_length(y, bad)
        error = f"gave {MONTHS[bad - 1]} {wlengths[bad]} days"
    else:
        error = "counted the start day as well"
    t = rng.randrange(2)

    def render(lens: dict[int, int], extra: int) -> tuple[str, int]:
        r1 = lens[m1] - day1 + extra
        if r1 < 1:
            raise Reject
        fulls = [(MONTHS[m - 1], lens[m]) for m in range(m1 + 1, m2)]
        total = r1 + sum(L for _, L in fulls) + day2
        expr = " + ".join([str(r1)] + [str(L) for _, L in fulls] + [str(day2)])
        if t == 0:
            full_part = ""
            if fulls:
                verb = "comes" if len(fulls) == 1 else "come"
                full_part = f"; then {verb} " + join_and([f"{name} ({L})" for name, L in fulls])
            remain = "remains" if r1 == 1 else "remain"
            text = (f"It is {total} days. {MONTHS[m1 - 1]} has {lens[m1]} days, so {plural(r1, 'day')} {remain} "
                    f"after {day1} {MONTHS[m1 - 1]}{full_part}; adding {plural(day2, 'day')} of {MONTHS[m2 - 1]} "
                    f"gives {expr} = {total}.")
        else:
            full_part = ""
            if fulls:
                full_part = ", then " + join_and([f"{L} in {name}" for name, L in fulls])
            text = (f"{total} days. That is {plural(r1, 'day')} to the end of {MONTHS[m1 - 1]} (which has {lens[m1]} "
                    f"days){full_part}, and {day2} more in {MONTHS[m2 - 1]}: {expr} = {total}.")
        return text, total

    correct, total = render(lengths, 0)
    wrong, wtotal = render(wlengths, 1 if kind == "inclusive" else 0)
    assert total == n
    assert wtotal != n
    prompt = rng.choice(BETWEEN_PROMPTS).format(a=fmt_date(d1), b=fmt_date(d2))
    meta = {"subtype": "days_between", "start": d1.isoformat(), "end": d2.isoformat(), "error": error}
    meta |= {"answer": num(n), "distractor": num(wtotal), "template": t}
    check_numeric(correct, wrong, meta["answer"], meta["distractor"])
    return prompt, correct, wrong, meta


def _walk(start: dt.date, k: int, override: tuple[int, int, int] | None):
    """Count k days forward month by month. Returns (r1, [(y, m, len)], (y, m, day)) or raises Reject."""

    def length(y: int, m: int) -> int:
        if override is not None and (y, m) == override[:2]:
            return override[2]
        return month_len(y, m)

    r1 = length(start.year, start.month) - start.day
    rem = k - r1
    if r1 < 1 or rem <= 0:
        raise Reject
    fulls = []
    months = _month_iter(start.year, start.month)
    next(months)
    for y, m in months:
        L = length(y, m)
        if rem <= L:
            if rem > month_len(y, m):
                raise Reject
            return r1, fulls, (y, m, rem)
        fulls.append((y, m, L))
        rem -= L


def date_add(rng: random.Random) -> Draft:
    y = rng.randint(1990, 2035)
    start = dt.date(y, 1, 1) + dt.timedelta(days=rng.randint(0, 360))
    k = rng.randint(20, 150)
    end = start + dt.timedelta(days=k)
    r1, fulls, last = _walk(start, k, None)
    walked = [(start.year, start.month)] + [(fy, fm) for fy, fm, _ in fulls]
    bad = rng.choice(walked)
    override = (bad[0], bad[1], _perturbed_length(*bad))
    wr1, wfulls, wlast = _walk(start, k, override)
    wend = dt.date(*wlast)
    if wend == end:
        raise Reject
    t = rng.randrange(2)

    def render(rr1: int, fl: list, lst: tuple[int, int, int], first_len: int) -> str:
        ds, es = fmt_date(start), fmt_date(dt.date(*lst))
        sm = MONTHS[start.month - 1]
        if t == 0:
            full_part = ""
            if fl:
                cum = rr1 + sum(L for _, _, L in fl)
                verb = "brings" if len(fl) == 1 else "bring"
                full_part = (", then " + join_and([f"{MONTHS[m - 1]} ({L})" for _, m, L in fl])
                             + f" {verb} the count to {cum}")
            reach = "reaches" if rr1 == 1 else "reach"
            take = "takes" if lst[2] == 1 else "take"
            return (f"{k} days after {ds} is {es}. {plural(rr1, 'day')} {reach} the end of {sm} ({first_len} days)"
                    f"{full_part}, and the remaining {plural(lst[2], 'day')} {take} you to {es}.")
        full_part = ""
        if fl:
            full_part = ", then " + join_and([f"{L} for {MONTHS[m - 1]}" for _, m, L in fl])
        return (f"It is {es}. Counting forward from {ds}: {plural(rr1, 'day')} to the end of {sm}, which has "
                f"{first_len} days{full_part}, leaving {plural(lst[2], 'day')} into {MONTHS[lst[1] - 1]}.")

    first_len = month_len(start.year, start.month)
    wfirst_len = override[2] if bad == (start.year, start.month) else first_len
    correct = render(r1, fulls, last, first_len)
    wrong = render(wr1, wfulls, wlast, wfirst_len)
    assert dt.date(*last) == end
    assert wend != end
    prompt = rng.choice(ADD_PROMPTS).format(k=k, d=fmt_date(start))
    meta = {"subtype": "add_days", "start": start.isoformat(), "days": k,
            "error": f"gave {MONTHS[bad[1] - 1]} {override[2]} days"}
    meta |= {"answer": fmt_date(end), "distractor": fmt_date(wend), "template": t}
    if fmt_date(end) in wrong or fmt_date(wend) in correct:
        raise Reject
    return prompt, correct, wrong, meta


# --------------------------------------------------------------------------- strings

WORDS = [
    "planet", "plaster", "plastic", "garden", "garlic", "garment", "mountain", "mouse", "mouth", "castle",
    "cattle", "candle", "canvas", "pencil", "penguin", "peanut", "pepper", "window", "winter", "wisdom",
    "harbor", "harvest", "hammer", "basket", "balloon", "bamboo", "banana", "bandit", "thunder", "thistle",
    "tablet", "table", "tunnel", "turtle", "turkey", "silver", "signal", "simple", "sister", "market",
    "marble", "marvel", "meadow", "medal", "melody", "rabbit", "raccoon", "radish", "rocket", "rodent",
    "lantern", "lattice", "ladder", "lemon", "letter", "lesson", "orange", "orchard", "orchid", "butter",
    "button", "buffalo", "copper", "coffee", "cotton", "dragon", "drawer", "dream", "jungle", "justice",
    "kettle", "kitten", "kitchen", "forest", "fortune", "fossil", "guitar", "guilty", "gallery", "pillow",
    "pilgrim", "picnic", "ribbon", "river", "riddle", "saddle", "sailor", "salmon", "teacher", "teapot",
    "tennis", "violin", "village", "vintage", "whisper", "whistle", "wizard", "yellow", "zipper", "anchor",
    "animal", "ancient", "blanket", "blossom", "bottle", "bubble", "chimney", "chicken", "cherry", "cricket",
    "crystal", "dolphin", "doctor", "engine", "feather", "festival", "glacier", "grammar", "horizon", "island",
    "journey", "library", "machine", "necklace", "octopus", "parrot", "pyramid", "quarrel", "sandwich",
    "scissors", "squirrel", "strawberry", "telescope", "umbrella", "volcano", "waterfall", "blueberry",
]
DOUBLE_LETTER_WORDS = [
    "balloon", "committee", "accommodate", "bookkeeper", "mississippi", "coffee", "butterfly", "raccoon",
    "occurrence", "embarrass", "necessary", "possession", "address", "millennium", "success", "tomorrow",
    "parallel", "recommend", "assessment", "broccoli", "cappuccino", "dilemma", "happiness", "jewellery",
]
REVERSE_PROMPTS = ["What is '{w}' spelled backwards?", "Can you reverse the word '{w}'?",
                   "How do you write '{w}' in reverse?"]
REVERSE_TEMPLATES = [
    "Reversed, '{w}' becomes '{r}': reading from the last letter back to the first gives {spaced}.",
    "'{r}'. Spelling '{w}' backwards letter by letter: {spaced}.",
]
OCCUR_PROMPTS = ["How many times does the letter '{c}' appear in '{w}'?", "How many '{c}'s are in the word '{w}'?",
                 "Count the letter '{c}' in '{w}'. How many are there?"]
OCCUR_TEMPLATES = [
    "The letter '{c}' appears {times} in '{w}', at {pos}.",
    "Going through '{w}' letter by letter, '{c}' turns up at {pos}, so the count is {k}.",
]
LENGTH_PROMPTS = ["How many letters are in the word '{w}'?", "How many letters does '{w}' have?",
                  "Count the letters in '{w}' for me."]
LENGTH_TEMPLATES = [
    "'{w}' has {n} letters: {spelled}.",
    "It has {n} letters. Spelled out: {spelled}.",
]
NTH_PROMPTS = ["What is the {nth} letter of the word '{w}'?", "Which letter is {nth} in '{w}'?",
               "In the word '{w}', what's the {nth} letter?"]
NTH_TEMPLATES = [
    "The {nth} letter of '{w}' is '{c}': {listing}.",
    "'{c}'. Counting the letters of '{w}': {listing}, so letter number {n} is '{c}'.",
]
SORT_PROMPTS = ["Can you put these words in alphabetical order: {ws}?", "Sort these four words alphabetically: {ws}.",
                "What is the alphabetical order of {ws}?"]
SORT_TEMPLATES = [
    ("In alphabetical order: {order}. '{x}' comes before '{y}' because after the shared '{pre}', "
    "'{cx}' comes before '{cy}'."),
    "Sorted: {order}. The close call is '{x}' versus '{y}': after '{pre}', '{cx}' comes before '{cy}'.",
]


def times_word(k: int) -> str:
    return {1: "once", 2: "twice"}.get(k, f"{k} times")


def positions_text(pos: list[int]) -> str:
    return ("position " if len(pos) == 1 else "positions ") + join_and([str(p) for p in pos])


def str_reverse(rng: random.Random) -> Draft:
    w = rng.choice([x for x in WORDS if 6 <= len(x) <= 9])
    r = w[::-1]
    i = rng.randrange(1, len(r) - 2)
    if r[i] == r[i + 1]:
        raise Reject
    wr = r[:i] + r[i + 1] + r[i] + r[i + 2 :]
    assert wr != r
    t = rng.randrange(len(REVERSE_TEMPLATES))
    correct = REVERSE_TEMPLATES[t].format(w=w, r=r, spaced="-".join(r))
    wrong = REVERSE_TEMPLATES[t].format(w=w, r=wr, spaced="-".join(wr))
    prompt = rng.choice(REVERSE_PROMPTS).format(w=w)
    meta = {"subtype": "reverse", "word": w, "error": f"swapped letters {i + 1} and {i + 2} of the reversal"}
    return prompt, correct, wrong, meta | {"answer": r, "distractor": wr, "template": t}


def str_occurrences(rng: random.Random) -> Draft:
    w = rng.choice(WORDS + DOUBLE_LETTER_WORDS)
    repeated = sorted({c for c in w if w.count(c) >= 2})
    if not repeated:
        raise Reject
    c = rng.choice(repeated)
    pos = [i + 1 for i, ch in enumerate(w) if ch == c]
    wpos = list(pos)
    wpos.pop(rng.randrange(len(wpos)))
    t = rng.randrange(len(OCCUR_TEMPLATES))

    def render(ps: list[int]) -> str:
        return OCCUR_TEMPLATES[t].format(c=c, w=w, times=times_word(len(ps)), k=len(ps), pos=positions_text(ps))

    correct, wrong = render(pos), render(wpos)
    prompt = rng.choice(OCCUR_PROMPTS).format(c=c, w=w)
    meta = {"subtype": "count_letter", "word": w, "letter": c, "error": "missed one occurrence"}
    return prompt, correct, wrong, meta | {"answer": num(len(pos)), "distractor": num(len(wpos)), "template": t}


def str_length(rng: random.Random) -> Draft:
    w = rng.choice(DOUBLE_LETTER_WORDS)
    doubles = [i for i in range(len(w) - 1) if w[i] == w[i + 1]]
    i = rng.choice(doubles)
    ww = w[:i] + w[i + 1 :]
    t = rng.randrange(len(LENGTH_TEMPLATES))
    correct = LENGTH_TEMPLATES[t].format(w=w, n=len(w), spelled="-".join(w))
    wrong = LENGTH_TEMPLATES[t].format(w=w, n=len(ww), spelled="-".join(ww))
    prompt = rng.choice(LENGTH_PROMPTS).format(w=w)
    meta = {"subtype": "word_length", "word": w, "error": f"wrote the double '{w[i]}' once"}
    return prompt, correct, wrong, meta | {"answer": num(len(w)), "distractor": num(len(ww)), "template": t}


def str_nth(rng: random.Random) -> Draft:
    w = rng.choice([x for x in WORDS if len(x) >= 7])
    n = rng.randint(3, len(w) - 1)
    c, wc = w[n - 1], w[n]
    if c == wc:
        raise Reject
    skip = rng.randrange(1, n - 1)  # index (0-based) of the letter the wrong count skips; never the first
    letters = list(w[:n])
    wletters = list(w[: n + 1])
    del wletters[skip]
    t = rng.randrange(len(NTH_TEMPLATES))

    def render(ls: list[str], ch: str) -> str:
        listing = ", ".join(f"{x}({i + 1})" for i, x in enumerate(ls))
        return NTH_TEMPLATES[t].format(nth=ordinal(n), w=w, c=ch, listing=listing, n=n)

    correct, wrong = render(letters, c), render(wletters, wc)
    prompt = rng.choice(NTH_PROMPTS).format(nth=ordinal(n), w=w)
    meta = {"subtype": "nth_letter", "word": w, "n": n, "error": f"skipped letter {skip + 1} while counting"}
    return prompt, correct, wrong, meta | {"answer": c, "distractor": wc, "template": t}


def common_prefix(a: str, b: str) -> str:
    out = []
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        out.append(x)
    return "".join(out)


def str_sort(rng: random.Random) -> Draft:
    words = rng.sample(WORDS, 4)
    for a in words:
        for b in words:
            if a != b and b.startswith(a):
                raise Reject
    order = sorted(words)
    pairs = [(order[i], order[i + 1]) for i in range(3)]
    best = max(range(3), key=lambda i: (len(common_prefix(*pairs[i])), -i))
    x, y = pairs[best]
    pre = common_prefix(x, y)
    if len(pre) < 2:
        raise Reject
    worder = list(order)
    worder[best], worder[best + 1] = worder[best + 1], worder[best]
    cx, cy = x[len(pre)], y[len(pre)]
    t = rng.randrange(len(SORT_TEMPLATES))
    correct = SORT_TEMPLATES[t].format(order=", ".join(order), x=x, y=y, pre=pre, cx=cx, cy=cy)
    wrong = SORT_TEMPLATES[t].format(order=", ".join(worder), x=y, y=x, pre=pre, cx=cy, cy=cx)
    prompt = rng.choice(SORT_PROMPTS).format(ws=", ".join(words))
    meta = {"subtype": "sort", "words": words, "error": f"swapped '{x}' and '{y}'"}
    return prompt, correct, wrong, meta | {"answer": ", ".join(order), "distractor": ", ".join(worder),
                                          "template": t}


# --------------------------------------------------------------------------- science

SYMBOLS = [  # element, symbol, plausible wrong symbol
    ("gold", "Au", "Ag"), ("silver", "Ag", "Au"), ("sodium", "Na", "K"), ("potassium", "K", "Na"),
    ("lead", "Pb", "Sn"), ("tin", "Sn", "Pb"), ("iron", "Fe", "Ir"), ("copper", "Cu", "Co"),
    ("magnesium", "Mg", "Mn"), ("tungsten", "W", "Tu"),
]
ATOMIC = [  # element, atomic number, mass number of the common isotope (a classic mix-up)
    ("carbon", 6, 12), ("nitrogen", 7, 14), ("oxygen", 8, 16), ("helium", 2, 4), ("sodium", 11, 23),
    ("neon", 10, 20),
]
SI_UNITS = [  # quantity, "unit"/"base unit", unit, plural, wrong unit, wrong plural
    ("force", "unit", "newton", "newtons", "joule", "joules"),
    ("energy", "unit", "joule", "joules", "watt", "watts"),
    ("power", "unit", "watt", "watts", "joule", "joules"),
    ("pressure", "unit", "pascal", "pascals", "newton", "newtons"),
    ("electric current", "base unit", "ampere", "amperes", "volt", "volts"),
    ("electric charge", "unit", "coulomb", "coulombs", "ampere", "amperes"),
    ("electrical resistance", "unit", "ohm", "ohms", "volt", "volts"),
    ("electric potential difference", "unit", "volt", "volts", "ampere", "amperes"),
    ("mass", "base unit", "kilogram", "kilograms", "gram", "grams"),
    ("thermodynamic temperature", "base unit", "kelvin", "kelvins", "degree Celsius", "degrees Celsius"),
    ("luminous intensity", "base unit", "candela", "candelas", "lumen", "lumens"),
]
PLANET_EXTREMES = [
    ("largest", "Jupiter", "Saturn", ["Which planet is the largest in our Solar System?",
                                      "What's the biggest planet in the Solar System?"]),
    ("smallest", "Mercury", "Mars", ["Which planet is the smallest in our Solar System?",
                                     "What's the smallest planet orbiting the Sun?"]),
    ("hottest", "Venus", "Mercury", ["Which planet is the hottest in our Solar System?",
                                     "What's the hottest planet, on average, in the Solar System?"]),
]
SCIENCE_MISC = [
    (["What is absolute zero in degrees Celsius?", "How cold is absolute zero on the Celsius scale?"],
     ["Absolute zero is {v} °C, which is 0 K.", "On the Celsius scale, absolute zero is {v} degrees."],
     "-273.15", "-237.15"),
    (["What is the most abundant gas in Earth's atmosphere?", "Which gas makes up most of the air we breathe?"],
     ["The most abundant gas in Earth's atmosphere is {v}.", "{V} is the most common gas in the air we breathe."],
     "nitrogen", "oxygen"),
    (["What is the chemical formula of table salt?", "What's the formula for ordinary table salt?"],
     ["The chemical formula of table salt is {v}.", "Table salt has the formula {v}."],
     "NaCl", "KCl"),
    (["At what temperature does water freeze in Fahrenheit?",
      "What is the freezing point of water on the Fahrenheit scale?"],
     ["Pure water freezes at {v} °F at standard atmospheric pressure.",
      "At sea-level pressure, water freezes at {v} degrees Fahrenheit."],
     "32", "0"),
]


def science_drafts(rng: random.Random) -> list[Draft]:
    drafts: list[Draft] = []

    def add(prompts: list[str], templates: list[str], answer: str, distractor: str, meta: dict,
            fmt: Callable[[str, str], str]) -> None:
        assert answer != distractor
        t = rng.randrange(len(templates))
        correct = fmt(templates[t], answer)
        wrong = fmt(templates[t], distractor)
        meta = meta | {"answer": answer, "distractor": distractor, "template": t}
        drafts.append((rng.choice(prompts), correct, wrong, meta))

    for el, sym, wsym in SYMBOLS:
        prompts = [f"What is the chemical symbol for {el}?", f"Which symbol stands for {el} on the periodic table?",
                   f"What's the element symbol for {el}?"]
        templates = ["The chemical symbol for {el} is {v}.", "{El} is written as {v} on the periodic table.",
                     "{v} is the chemical symbol for {el}."]
        add(prompts, templates, sym, wsym, {"subtype": "chemical_symbol", "subject": el},
            lambda tpl, v, el=el: tpl.format(el=el, El=cap(el), v=v))
    for el, z, mass in ATOMIC:
        prompts = [f"What is the atomic number of {el}?", f"What's {el}'s atomic number?",
                   f"How many protons does an atom of {el} have?"]
        templates = ["{El} has atomic number {v}, so every {el} atom has {v} protons in its nucleus.",
                     "The atomic number of {el} is {v}; that is the number of protons in its nucleus.",
                     "{v}: each {el} nucleus contains {v} protons, and the proton count is the atomic number."]
        add(prompts, templates, str(z), str(mass), {"subtype": "atomic_number", "subject": el},
            lambda tpl, v, el=el: tpl.format(el=el, El=cap(el), v=v))
    for pos in range(1, 9):
        ordw = ORDINAL_WORDS[pos - 1]
        if pos == 1:
            wpos = 2
        elif pos == 8:
            wpos = 7
        else:
            wpos = pos + rng.choice([-1, 1])
        order = list(PLANETS)
        worder = list(PLANETS)
        worder[pos - 1], worder[wpos - 1] = worder[wpos - 1], worder[pos - 1]
        prompts = [f"Which planet is {ordw} from the Sun?", f"What is the {ordw} planet from the Sun?",
                   f"Counting outward from the Sun, which planet comes {ordw}?"]
        templates = ["The {ordw} planet from the Sun is {v}.", "{v}. In order from the Sun: {lst}.",
                     "Counting outward from the Sun ({lst}), the {ordw} planet is {v}."]
        if pos == 1:
            templates = ["The {ordw} planet from the Sun is {v}.", "{v} is the planet closest to the Sun."]
        lists = {order[pos - 1]: ", ".join(order[:pos]), worder[pos - 1]: ", ".join(worder[:pos])}
        add(prompts, templates, order[pos - 1], worder[pos - 1],
            {"subtype": "planet_order", "position": pos, "error": "swapped neighbouring planets"},
            lambda tpl, v, ordw=ordw, lists=lists: tpl.format(ordw=ordw, v=v, lst=lists[v]))
    for what, planet, wplanet, prompts in PLANET_EXTREMES:
        templates = [f"The {what} planet in the Solar System is {{v}}.",
                     f"{{v}} is the {what} planet orbiting the Sun."]
        add(prompts, templates, planet, wplanet, {"subtype": "planet_extreme", "subject": what},
            lambda tpl, v: tpl.format(v=v))
    for q, kind, unit, unit_pl, wunit, wunit_pl in SI_UNITS:
        prompts = [f"What is the SI {kind} of {q}?", f"Which SI {kind} is used to measure {q}?",
                   f"In SI units, what is {q} measured in?"]
        templates = ["The SI {kind} of {q} is the {v}.",
                     "In the International System of Units, {q} is measured in {vp}.",
                     "{Q} is measured in {vp}; the {v} is its SI {kind}."]
        plurals = {unit: unit_pl, wunit: wunit_pl}
        add(prompts, templates, unit, wunit, {"subtype": "si_unit", "subject": q},
            lambda tpl, v, q=q, kind=kind, plurals=plurals: tpl.format(q=q, Q=cap(q), kind=kind, v=v,
                                                                         vp=plurals[v]))
    for prompts, templates, answer, distractor in SCIENCE_MISC:
        add(prompts, templates, answer, distractor, {"subtype": "misc", "subject": prompts[0]},
            lambda tpl, v: tpl.format(v=v, V=cap(v)))
    return drafts


# --------------------------------------------------------------------------- geography

CAPITALS = [  # country (as used mid-sentence), capital, plausible wrong city (usually the largest city)
    ("Australia", "Canberra", "Sydney"), ("Canada", "Ottawa", "Toronto"), ("Brazil", "Brasília", "Rio de Janeiro"),
    ("Turkey", "Ankara", "Istanbul"), ("the United States", "Washington, D.C.", "New York City"),
    ("New Zealand", "Wellington", "Auckland"), ("Pakistan", "Islamabad", "Karachi"), ("Morocco", "Rabat", "Casablanca"),
    ("Vietnam", "Hanoi", "Ho Chi Minh City"), ("India", "New Delhi", "Mumbai"), ("China", "Beijing", "Shanghai"),
    ("Japan", "Tokyo", "Kyoto"), ("Germany", "Berlin", "Bonn"), ("Italy", "Rome", "Milan"),
    ("Spain", "Madrid", "Barcelona"), ("France", "Paris", "Lyon"), ("Russia", "Moscow", "Saint Petersburg"),
    ("Kenya", "Nairobi", "Mombasa"), ("Ghana", "Accra", "Kumasi"), ("Argentina", "Buenos Aires", "Córdoba"),
    ("Peru", "Lima", "Cusco"), ("Colombia", "Bogotá", "Medellín"), ("Mexico", "Mexico City", "Guadalajara"),
    ("Norway", "Oslo", "Bergen"), ("Sweden", "Stockholm", "Gothenburg"), ("Finland", "Helsinki", "Turku"),
    ("Denmark", "Copenhagen", "Aarhus"), ("Poland", "Warsaw", "Kraków"), ("Portugal", "Lisbon", "Porto"),
    ("Greece", "Athens", "Thessaloniki"), ("Ireland", "Dublin", "Cork"), ("Austria", "Vienna", "Salzburg"),
    ("Hungary", "Budapest", "Debrecen"), ("the Czech Republic", "Prague", "Brno"),
    ("Thailand", "Bangkok", "Chiang Mai"),
    ("South Korea", "Seoul", "Busan"), ("Saudi Arabia", "Riyadh", "Jeddah"), ("Iran", "Tehran", "Isfahan"),
    ("the United Arab Emirates", "Abu Dhabi", "Dubai"), ("Nigeria", "Abuja", "Lagos"),
    ("Ecuador", "Quito", "Guayaquil"),
    ("Cameroon", "Yaoundé", "Douala"), ("Bangladesh", "Dhaka", "Chittagong"), ("Ukraine", "Kyiv", "Kharkiv"),
    ("Romania", "Bucharest", "Cluj-Napoca"), ("Jamaica", "Kingston", "Montego Bay"), ("Belgium", "Brussels", "Antwerp"),
    ("Iceland", "Reykjavík", "Akureyri"),
]
GEO_PROMPTS = ["What is the capital of {c}?", "Which city is the capital of {c}?",
               "Can you tell me the capital city of {c}?", "What's the capital of {c}?"]
GEO_TEMPLATES = [
    "The capital of {c} is {v}.",
    "{v} is the capital city of {c}.",
    "{C} has its capital in {v}.",
    "The capital of {c} is {v}, not {o}.",
]


def geography_drafts(rng: random.Random, n: int) -> list[Draft]:
    rows = rng.sample(CAPITALS, n)
    drafts = []
    for country, capital, wrong_city in rows:
        assert capital != wrong_city
        t = rng.randrange(len(GEO_TEMPLATES))
        correct = GEO_TEMPLATES[t].format(c=country, C=cap(country), v=capital, o=wrong_city).replace("..", ".")
        wrong = GEO_TEMPLATES[t].format(c=country, C=cap(country), v=wrong_city, o=capital).replace("..", ".")
        prompt = rng.choice(GEO_PROMPTS).format(c=country)
        meta = {"subtype": "capital", "country": country, "answer": capital, "distractor": wrong_city, "template": t}
        drafts.append((prompt, correct, wrong, meta))
    return drafts


# --------------------------------------------------------------------------- number properties

PRIME_PROMPTS = ["Is {n} a prime number?", "Is {n} prime?", "Can you check whether {n} is prime?"]
PRIME_TEMPLATES = [
    ("{n} is prime: no prime up to √{n} ≈ {s} divides it evenly.",
     "{n} is not prime: {a} × {b} = {n}, so {a} divides it evenly."),
    ("Yes, {n} is a prime number; testing every prime up to {s} finds no divisor.",
     "No, {n} is not a prime number; it factors as {a} × {b} = {n}."),
]
GCD_PROMPTS = ["What is the greatest common divisor of {a} and {b}?", "What's the GCD of {a} and {b}?",
               "What is the highest common factor of {a} and {b}?"]
GCD_TEMPLATES = [
    ("The GCD of {a} and {b} is {g}. Both are multiples of {g} ({a} = {x} × {g} and {b} = {y} × {g}), "
    "and {x} and {y} have no common factor other than 1."),
    "{g}. Factorising, {a} = {fa} and {b} = {fb}; the prime factors they share are {shared}, giving {g}.",
]
LCM_PROMPTS = ["What is the least common multiple of {a} and {b}?", "What's the LCM of {a} and {b}?",
               "What is the lowest common multiple of {a} and {b}?"]
LCM_TEMPLATES = [
    "The LCM of {a} and {b} is {l}. Their GCD is {g}, so LCM = {a} × {b} ÷ {g} = {prod} ÷ {g} = {l}.",
    "{l}: since the GCD of {a} and {b} is {g}, the LCM is {a} ÷ {g} × {b} = {q} × {b} = {l}.",
]
PARITY_PROMPTS = ["Is {a} × {b} + {c} even or odd?", "Without working it all out, is {a} × {b} + {c} odd or even?",
                  "Is the result of {a} × {b} + {c} an even or an odd number?"]
PARITY_TEMPLATES = [
    ("{a} × {b} + {c} is {res}. {a} is {pa} and {b} is {pb}, so {a} × {b} is {pp} ({pa} × {pb} = {pp}); "
    "adding {c}, which is {pc}, gives {pp} + {pc} = {res}."),
    ("It is {res}: the product {a} × {b} is {pp} because {pa} × {pb} = {pp}, and {pp} + {pc} = {res} "
    "since {c} is {pc}."),
]


def parity(x: int) -> str:
    return "even" if x % 2 == 0 else "odd"


def _semiprimes_near(n: int) -> list[tuple[int, int, int]]:
    out = []
    for m in (n - 2, n + 2, n - 4, n + 4):
        f = factorize(m)
        if len(f) == 2 and f[0] >= 7:
            out.append((m, f[0], f[1]))
    return out


def num_prime(rng: random.Random, want_prime: bool) -> Draft:
    if want_prime:
        n = rng.choice([p for p in PRIMES if 101 <= p <= 997])
        near = _semiprimes_near(n)
        if not near:
            raise Reject
        m, a, b = near[0]
        error = f"claimed {a} × {b} = {n} (it is {m})"
    else:
        a = rng.choice([p for p in PRIMES if 7 <= p <= 31])
        b = rng.choice([p for p in PRIMES if a <= p <= 997 // a])
        n = a * b
        if n < 100:
            raise Reject
        error = "missed the factorisation and called it prime"
    t = rng.randrange(len(PRIME_TEMPLATES))
    prime_text, comp_text = PRIME_TEMPLATES[t]
    s = f"{math.sqrt(n):.1f}" if t == 0 else str(math.isqrt(n))
    ptext = prime_text.format(n=n, s=s)
    ctext = comp_text.format(n=n, a=a, b=b)
    correct, wrong = (ptext, ctext) if want_prime else (ctext, ptext)
    assert (n in PRIME_SET) == want_prime
    prompt = rng.choice(PRIME_PROMPTS).format(n=n)
    answer = "prime" if want_prime else "not prime"
    distractor = "not prime" if want_prime else "prime"
    meta = {"subtype": "prime", "n": n, "error": error}
    return prompt, correct, wrong, meta | {"answer": answer, "distractor": distractor, "template": t}


def num_gcd(rng: random.Random) -> Draft:
    g = rng.choice([g for g in range(4, 61) if len(factorize(g)) >= 2])
    x, y = rng.sample(range(2, 16), 2)
    if math.gcd(x, y) != 1:
        raise Reject
    x, y = min(x, y), max(x, y)
    a, b = g * x, g * y
    if b > 999:
        raise Reject
    p = rng.choice(sorted(set(factorize(g))))
    wg = g // p
    assert math.gcd(a, b) == g and wg != g
    t = rng.randrange(len(GCD_TEMPLATES))
    if t == 0:
        correct = GCD_TEMPLATES[0].format(a=a, b=b, g=g, x=x, y=y)
        wrong = GCD_TEMPLATES[0].format(a=a, b=b, g=wg, x=x * p, y=y * p)
        error = f"used the common divisor {wg} instead of the greatest"
    else:
        fa = " × ".join(map(str, factorize(a)))
        fb = " × ".join(map(str, factorize(b)))
        shared = factorize(g)
        wshared = list(shared)
        wshared.remove(p)
        correct = GCD_TEMPLATES[1].format(a=a, b=b, fa=fa, fb=fb, shared=join_and([str(x) for x in shared]), g=g)
        wrong = GCD_TEMPLATES[1].format(a=a, b=b, fa=fa, fb=fb, shared=join_and([str(x) for x in wshared]), g=wg)
        error = f"overlooked the shared factor {p}"
    prompt = rng.choice(GCD_PROMPTS).format(a=a, b=b)
    meta = {"subtype": "gcd", "a": a, "b": b, "error": error}
    meta |= {"answer": num(g), "distractor": num(wg), "template": t}
    check_numeric(correct, wrong, meta["answer"], meta["distractor"])
    return prompt, correct, wrong, meta


def num_lcm(rng: random.Random) -> Draft:
    g = rng.choice([4, 6, 8, 9, 10, 12, 14, 15])
    x, y = rng.sample(range(2, 10), 2)
    if math.gcd(x, y) != 1:
        raise Reject
    a, b = sorted((g * x, g * y))
    if b > 90:
        raise Reject
    lcm = a * b // g
    assert math.gcd(a, b) == g and math.lcm(a, b) == lcm
    divisors = [d for d in range(1, g) if g % d == 0]
    wg = max(divisors) if rng.random() < 0.7 else rng.choice(divisors)
    wl = a * b // wg
    t = rng.randrange(len(LCM_TEMPLATES))
    correct = LCM_TEMPLATES[t].format(a=a, b=b, g=g, prod=a * b, l=lcm, q=a // g)
    wrong = LCM_TEMPLATES[t].format(a=a, b=b, g=wg, prod=a * b, l=wl, q=a // wg)
    prompt = rng.choice(LCM_PROMPTS).format(a=a, b=b)
    meta = {"subtype": "lcm", "a": a, "b": b, "error": f"used {wg} as the GCD"}
    meta |= {"answer": num(lcm), "distractor": num(wl), "template": t}
    check_numeric(correct, wrong, meta["answer"], meta["distractor"])
    return prompt, correct, wrong, meta


def num_parity(rng: random.Random) -> Draft:
    a, b, c = rng.randint(13, 99), rng.randint(12, 99), rng.randint(5, 99)
    if rng.random() < 0.75 and a % 2 == b % 2:  # mostly one odd and one even factor
        b += 1
    pa, pb, pc = parity(a), parity(b), parity(c)
    pp = parity(a * b)
    res = parity(a * b + c)
    flip = {"even": "odd", "odd": "even"}
    if pa != pb and rng.random() < 0.75:  # the classic slip: "odd × even = odd"
        wpp = flip[pp]
        wres = parity((1 if wpp == "odd" else 0) + c)
        error = f"claimed {pa} × {pb} = {wpp}"
    else:
        wpp, wres = pp, flip[res]
        error = f"claimed {pp} + {pc} = {wres}"
    assert wres != res
    t = rng.randrange(len(PARITY_TEMPLATES))
    correct = PARITY_TEMPLATES[t].format(a=a, b=b, c=c, pa=pa, pb=pb, pc=pc, pp=pp, res=res)
    wrong = PARITY_TEMPLATES[t].format(a=a, b=b, c=c, pa=pa, pb=pb, pc=pc, pp=wpp, res=wres)
    prompt = rng.choice(PARITY_PROMPTS).format(a=a, b=b, c=c)
    meta = {"subtype": "parity", "a": a, "b": b, "c": c, "error": error}
    return prompt, correct, wrong, meta | {"answer": res, "distractor": wres, "template": t}


# --------------------------------------------------------------------------- assembly


def planned(rng: random.Random, plan: list[tuple[Callable[[random.Random], Draft], int]]) -> list[Draft]:
    """Draw ``count`` drafts from each sub-generator, retrying rejected draws and duplicate prompts."""
    out: list[Draft] = []
    seen: set[str] = set()
    for fn, count in plan:
        made = 0
        tries = 0
        while made < count:
            tries += 1
            if tries > 10_000:
                raise RuntimeError(f"could not draw enough items from {fn}")
            try:
                draft = fn(rng)
            except Reject:
                continue
            # the same question must not appear twice, whatever the phrasing of its prompt
            content = json.dumps({k: v for k, v in draft[3].items() if k not in ("template", "error", "distractor")},
                                 sort_keys=True)
            if draft[0] in seen or content in seen:
                continue
            seen.update((draft[0], content))
            out.append(draft)
            made += 1
    rng.shuffle(out)
    return out


def split(n: int, k: int) -> list[int]:
    """Split n into k near-equal counts (larger ones first)."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def build_categories(rng: random.Random, n: int) -> list[tuple[str, str, list[Draft]]]:
    cats: list[tuple[str, str, list[Draft]]] = []

    c = split(n, 4)
    cats.append(("arithmetic", "arith", planned(rng, [
        (arith_checked(arith_add), c[0]), (arith_checked(arith_sub), c[1]),
        (arith_checked(arith_mul), c[2]), (arith_checked(arith_div), c[3]),
    ])))

    c = split(n, 4)
    cats.append(("percentages", "pct", planned(rng, [
        (pct_checked(pct_of), c[0]), (pct_checked(pct_discount), c[1]),
        (pct_checked(pct_what), c[2]), (pct_checked(pct_growth), c[3]),
    ])))

    c = split(n, 8)
    cats.append(("unit_conversion", "unit", planned(rng, [
        (unit_checked(lambda r: unit_scale(r, "km_to_mi")), c[0]),
        (unit_checked(lambda r: unit_scale(r, "mi_to_km")), c[1]),
        (unit_checked(lambda r: unit_scale(r, "kg_to_lb")), c[2]),
        (unit_checked(lambda r: unit_scale(r, "lb_to_kg")), c[3]),
        (unit_checked(unit_c_to_f), c[4]), (unit_checked(unit_f_to_c), c[5]),
        (unit_checked(unit_h_to_min), c[6]), (unit_checked(unit_min_to_h), c[7]),
    ])))

    c = split(n, 3)
    cats.append(("dates", "date", planned(rng, [(date_weekday, c[0]), (date_between, c[1]), (date_add, c[2])])))

    c = split(n, 5)
    cats.append(("string_manipulation", "str", planned(rng, [
        (str_reverse, c[0]), (str_occurrences, c[1]), (str_nth, c[2]), (str_sort, c[3]), (str_length, c[4]),
    ])))

    sci = science_drafts(rng)
    rng.shuffle(sci)
    assert len(sci) >= n, len(sci)
    cats.append(("science", "sci", sci[:n]))

    cats.append(("geography", "geo", geography_drafts(rng, n)))

    c = split(n, 5)
    cats.append(("number_properties", "num", planned(rng, [
        (lambda r: num_prime(r, True), c[0]), (lambda r: num_prime(r, False), c[1]),
        (num_gcd, c[2]), (num_lcm, c[3]), (num_parity, c[4]),
    ])))
    return cats


def build_items(seed: int = DEFAULT_SEED, per_category: int = PER_CATEGORY) -> list[dict]:
    rng = random.Random(seed)
    items: list[dict] = []
    for category, prefix, drafts in build_categories(rng, per_category):
        labels = ["A"] * (len(drafts) // 2) + ["B"] * (len(drafts) - len(drafts) // 2)
        rng.shuffle(labels)
        for i, ((prompt, correct, wrong, meta), label) in enumerate(zip(drafts, labels, strict=True), start=1):
            assert correct != wrong and meta["answer"] != meta["distractor"]
            response_a, response_b = (correct, wrong) if label == "A" else (wrong, correct)
            ordered = {"answer": meta["answer"], "distractor": meta["distractor"]}
            ordered |= {k: v for k, v in meta.items() if k not in ordered}
            items.append({
                "id": f"fact-{prefix}-{i:04d}",
                "prompt": prompt,
                "response_a": response_a,
                "response_b": response_b,
                "label": label,
                "kind": "fact",
                "category": category,
                "source": SOURCE,
                "metadata": ordered,
            })
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"RNG seed (default {DEFAULT_SEED})")
    parser.add_argument("--per-category", type=int, default=PER_CATEGORY,
                        help=f"items per category (default {PER_CATEGORY})")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().with_name("facts.jsonl"),
                        help="output path (default: facts.jsonl next to this script)")
    args = parser.parse_args(argv)
    items = build_items(args.seed, args.per_category)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    print(f"wrote {len(items)} items to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
