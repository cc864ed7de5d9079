"""Generate ``fallacies.jsonl``: pairwise items where both responses reach the right answer.

Each item is a question with two responses that end on the same, correct final
answer. One response gets there through a sound argument; the other through a
named fallacy or reasoning error (two mistakes that cancel, affirming the
consequent, circular reasoning, an appeal to authority, ...). The gold label is
the sound response. Numeric answers are computed in code, and both responses
close with the same sentence, so only the reasoning tells them apart; the
generator keeps their lengths within 20% of each other. The gold position is
balanced within every fallacy type and drawn from a seeded RNG.

The script uses only the standard library and is deterministic for a given
``--seed``: running it twice writes byte-identical files.

    python data/make_fallacy_items.py                  # writes data/fallacies.jsonl
    python data/make_fallacy_items.py --out /tmp/f.jsonl --seed 7
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

DEFAULT_SEED = 20261203
PER_TYPE = 8
SOURCE = "judgekit-generated"
MAX_LENGTH_RATIO = 1.2
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
CLOSINGS = ["So the answer is {a}.", "The answer is {a}.", "Final answer: {a}."]

# A draft: (prompt, sound reasoning, flawed reasoning, answer, flaw sentence, structured inputs). The closing
# sentence that states the answer is added to both responses by the assembler.
Draft = tuple[str, str, str, str, str, dict]


class Reject(Exception):
    """Raised by a sub-generator when a random draw does not give a clean item."""


def dec(x: Decimal) -> str:
    text = format(x, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def digit_sum(n: int) -> int:
    return sum(map(int, str(n)))


def is_prime(n: int) -> bool:
    return n > 1 and all(n % d for d in range(2, math.isqrt(n) + 1))


def fmt_date(d: dt.date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]}"


# --------------------------------------------------------------------------- the fallacies


def cancelling_errors(rng: random.Random) -> Draft:
    """Two wrong intermediate steps whose errors cancel."""
    if rng.random() < 0.5:
        a, b = rng.randint(23, 89), rng.randint(23, 89)
        at, au, bt, bu = a - a % 10, a % 10, b - b % 10, b % 10
        t, u = at + bt, au + bu
        if u < 11:
            raise Reject
        s = a + b
        step = "{at} + {bt} = {t} and {au} + {bu} = {u}, and the two parts together give {t} + {u} = {s}."
        sound = "Add tens and units separately: " + step.format(at=at, bt=bt, au=au, bu=bu, t=t, u=u, s=s)
        flawed = "Add tens and units separately: " + step.format(at=at, bt=bt, au=au, bu=bu, t=t + 10, u=u - 10,
                                                                 s=s)
        flaw = (f"Both partial sums are wrong ({at} + {bt} is {t}, not {t + 10}; {au} + {bu} is {u}, not {u - 10}), "
                "and the two errors cancel.")
        prompt = rng.choice([f"What is {a} + {b}?", f"Can you add {a} and {b}?"])
        return prompt, sound, flawed, str(s), flaw, {"op": "add", "a": a, "b": b}
    a, b = rng.randint(23, 98), rng.randint(3, 9)
    at, au = a - a % 10, a % 10
    p1, p2 = at * b, au * b
    if p2 < 12 or au == 0:
        raise Reject
    s = a * b
    step = "{at} × {b} = {p1} and {au} × {b} = {p2}, so the product is {p1} + {p2} = {s}."
    sound = f"Split {a} into {at} and {au}: " + step.format(at=at, au=au, b=b, p1=p1, p2=p2, s=s)
    flawed = f"Split {a} into {at} and {au}: " + step.format(at=at, au=au, b=b, p1=p1 + 10, p2=p2 - 10, s=s)
    flaw = (f"Both partial products are wrong ({at} × {b} is {p1}, not {p1 + 10}; {au} × {b} is {p2}, not "
            f"{p2 - 10}), and the two errors cancel.")
    prompt = rng.choice([f"What is {a} × {b}?", f"Can you multiply {a} by {b}?"])
    return prompt, sound, flawed, str(s), flaw, {"op": "mul", "a": a, "b": b}


SPEED_CONTEXTS = [  # sentence, subject, plausible speeds in km/h
    ("A car covers {d} km in {h} hours.", "the car", range(48, 121, 6)),
    ("A train travels {d} km in {h} hours.", "the train", range(60, 181, 6)),
    ("A cyclist rides {d} km in {h} hours.", "the cyclist", range(12, 31, 6)),
    ("A bus drives {d} km in {h} hours.", "the bus", range(36, 91, 6)),
]


def unit_error_cancels(rng: random.Random) -> Draft:
    """A wrong unit conversion used twice, in opposite directions."""
    ctx, who, speeds = rng.choice(SPEED_CONTEXTS)
    v = rng.choice(speeds)
    h = Decimal(rng.choice([1, 2, 3, 4])) + Decimal(rng.choice([1, 3])) / 4
    d = v * h
    if d != d.to_integral_value():
        raise Reject
    m60, m100 = h * 60, h * 100
    r60, r100 = Decimal(v) / 60, Decimal(v) / 100
    tpl = ("The trip takes {h} × {k} = {m} minutes, so {who} covers {d} ÷ {m} = {r} km each minute, and an hour of "
           "{k} minutes gives {r} × {k} = {v} km/h.")
    sound = tpl.format(h=dec(h), k=60, m=dec(m60), who=who, d=dec(d), r=dec(r60), v=v)
    flawed = tpl.format(h=dec(h), k=100, m=dec(m100), who=who, d=dec(d), r=dec(r100), v=v)
    flaw = ("It treats an hour as 100 minutes, once when converting the time and again when converting back, "
            "so the two unit errors cancel.")
    prompt = ctx.format(d=dec(d), h=dec(h)) + " What is the average speed in km/h?"
    return prompt, sound, flawed, f"{v} km/h", flaw, {"distance_km": dec(d), "hours": dec(h)}


def affirming_the_consequent(rng: random.Random) -> Draft:
    """"Multiples of m have property P; n has P; so n is a multiple of m"."""
    m = rng.choice([4, 6, 9])
    n = m * rng.randint(18, 240)
    if m == 6:
        sound = (f"{n} is even, so 2 divides it, and its digits add up to {digit_sum(n)}, a multiple of 3, so 3 "
                 "divides it as well; any number divisible by both 2 and 3 is divisible by 6.")
        flawed = (f"Every multiple of 6 is an even number, and {n} is an even number. Since {n} has the property "
                  "that multiples of 6 have, it must itself be a multiple of 6.")
        prop = "being even"
    elif m == 4:
        last = n % 100
        sound = (f"A number is divisible by 4 exactly when the number formed by its last two digits is: here that "
                 f"is {last:02d}, and {last} = 4 × {last // 4}, so {n} is divisible by 4 as well.")
        flawed = (f"Every multiple of 4 is an even number, and {n} is an even number. Since {n} shares that "
                  "property with the multiples of 4, it must be one of them.")
        prop = "being even"
    else:
        sound = (f"A number is divisible by 9 exactly when its digit sum is: the digits of {n} add up to "
                 f"{digit_sum(n)}, which is 9 × {digit_sum(n) // 9}, so 9 divides {n} with no remainder at all.")
        flawed = (f"Every multiple of 9 is also a multiple of 3, and {n} is a multiple of 3. Since {n} has "
                  "that property of the multiples of 9, it must be a multiple of 9.")
        prop = "being a multiple of 3"
    flaw = (f"It affirms the consequent: multiples of {m} share the property of {prop}, but having that property "
            f"does not make a number a multiple of {m}.")
    prompt = rng.choice([f"Is {n} divisible by {m}?", f"Can {n} be divided evenly by {m}?"])
    return prompt, sound, flawed, "yes", flaw, {"n": n, "divisor": m}


def denying_the_antecedent(rng: random.Random) -> Draft:
    """"If P then divisible; not P; so not divisible"."""
    if rng.random() < 0.5:
        n = rng.randint(101, 9999)
        if n % 5 == 0:
            raise Reject
        sound = (f"A whole number is divisible by 5 exactly when its last digit is 0 or 5. {n} ends in {n % 10}, "
                 "so it is not divisible by 5.")
        flawed = (f"If a number ends in 0, it is divisible by 5. {n} does not end in 0, so it cannot be divisible "
                  "by 5 either.")
        flaw = ("It denies the antecedent: numbers ending in 5 are divisible by 5 too, so not ending in 0 proves "
                "nothing.")
        m = 5
    else:
        n = rng.randint(26, 2499) * 4 + 2
        last = n % 100
        sound = (f"Divisibility by 4 depends only on the last two digits: {last} = 4 × {last // 4} + 2, which "
                 f"leaves a remainder of 2, so {n} is not divisible by 4.")
        flawed = (f"If a number is divisible by 8, it is divisible by 4. {n} is not divisible by 8, since it leaves "
                  f"remainder {n % 8}, so it is not divisible by 4.")
        flaw = ("It denies the antecedent: many numbers that are not multiples of 8 are still multiples of 4 "
                "(12, 20, 28), so failing the test for 8 proves nothing.")
        m = 4
    prompt = rng.choice([f"Is {n} divisible by {m}?", f"Can {n} be divided evenly by {m}?"])
    return prompt, sound, flawed, "no", flaw, {"n": n, "divisor": m}


def circular_reasoning(rng: random.Random) -> Draft:
    """The conclusion is assumed as a premise."""
    if rng.random() < 0.5:
        p = rng.choice([7, 11, 13, 17, 19, 23])
        q = rng.choice([x for x in range(p, 60) if is_prime(x)])
        n = p * q
        sound = (f"{n} = {p} × {q}, so besides 1 and itself it has the divisors {p} and {q}, and a prime number "
                 "has no divisors like that.")
        flawed = (f"{n} is a composite number, and a composite number is by definition one that is not prime, "
                  f"so {n} cannot be prime.")
        flaw = f"It is circular: calling {n} composite already assumes it is not prime, which is the question."
        prompt = rng.choice([f"Is {n} a prime number?", f"Is {n} prime?"])
        return prompt, sound, flawed, "no", flaw, {"n": n}
    sides = rng.randint(5, 16)
    total = (sides - 2) * 180
    sound = (f"Diagonals from one corner cut a {sides}-sided polygon into {sides - 2} triangles, each with angles "
             f"adding to 180°, so the polygon's angles add up to {sides - 2} × 180° = {total}°.")
    flawed = (f"The interior angles of a {sides}-sided polygon total {total}°, because {total}° is exactly the "
              f"total the angles of any {sides}-sided polygon have.")
    flaw = "It is circular: it gives the total as the reason for the total and never derives it."
    prompt = f"What is the sum of the interior angles of a convex polygon with {sides} sides?"
    return prompt, sound, flawed, f"{total}°", flaw, {"sides": sides}


AUTHORITIES = ["My maths teacher", "A maths professor I know", "My accountant", "A textbook author I trust"]


def appeal_to_authority(rng: random.Random) -> Draft:
    """The answer is accepted because an expert gave it."""
    who = rng.choice(AUTHORITIES)
    if rng.random() < 0.5:
        p = rng.choice([12, 15, 24, 35, 45, 65])
        n = rng.randint(4, 60) * 20
        if n * p % 100:
            raise Reject
        x = n * p // 100
        sound = (f"{p}% means {p} hundredths, so multiply by {p} and divide by 100: {n} × {p} = {n * p}, and "
                 f"{n * p} ÷ 100 = {x}.")
        flawed = f"{who} told me that {p}% of {n} is {x}, and an expert like that does not get a sum like this wrong."
        prompt = rng.choice([f"What is {p}% of {n}?", f"How much is {p} percent of {n}?"])
        meta = {"op": "percent_of", "percent": p, "base": n}
    else:
        a, b = rng.randint(13, 79), rng.randint(13, 79)
        if b % 10 == 0:
            raise Reject
        bt, bu = b - b % 10, b % 10
        x = a * b
        sound = (f"Split {b} into {bt} + {bu} and multiply each part: {a} × {bt} = {a * bt} and {a} × {bu} = "
                 f"{a * bu}, which add up to {a * bt} + {a * bu} = {x}.")
        flawed = f"{who} worked it out and said {a} × {b} is {x}, and an expert like that does not get this wrong."
        prompt = rng.choice([f"What is {a} × {b}?", f"What's {a} times {b}?"])
        meta = {"op": "mul", "a": a, "b": b}
    flaw = "It appeals to authority: the answer is accepted because an expert gave it, and nothing is checked."
    return prompt, sound, flawed, str(x), flaw, meta


def appeal_to_popularity(rng: random.Random) -> Draft:
    """The answer is accepted because most people gave it."""
    if rng.random() < 0.5:
        year = rng.randint(2001, 2030)
        m = rng.randrange(11)
        length = calendar.monthrange(year, m + 1)[1]
        start = dt.date(year, m + 1, rng.randint(3, length - 2))
        end = dt.date(year, m + 2, rng.randint(3, 27))
        days = (end - start).days
        rest = length - start.day
        sound = (f"{MONTHS[m]} has {length} days, so from {fmt_date(start)} to the end of the month is {length} − "
                 f"{start.day} = {rest} days, and {end.day} more days reach {fmt_date(end)}: "
                 f"{rest} + {end.day} = {days}.")
        flawed = (f"Most of the friends I asked said {days} days, and when that many people agree on a number, it "
                  "is almost certainly the right one.")
        prompt = f"How many days after {fmt_date(start)} {year} is {fmt_date(end)} {year}?"
        return prompt, sound, flawed, str(days), "", {"start": start.isoformat(), "end": end.isoformat()}
    a, b = rng.randint(123, 899), rng.randint(123, 899)
    s = a + b
    bh, bl = b - b % 100, b % 100
    sound = (f"Split {b} into {bh} and {bl}. Adding the hundreds first, {a} + {bh} = {a + bh}; adding the {bl} "
             f"left gives {s}.")
    flawed = f"In an online poll most of the people who answered picked {s}, and a majority that big is rarely wrong."
    prompt = rng.choice([f"What is {a} + {b}?", f"What's {a} plus {b}?"])
    return prompt, sound, flawed, str(s), "", {"op": "add", "a": a, "b": b}


def hasty_generalisation(rng: random.Random) -> Draft:
    """A rule inferred from two small cases and applied as if proved."""
    if rng.random() < 0.5:
        k = rng.randint(11, 40)
        last = 2 * k - 1
        sound = (f"The first {k} odd numbers run from 1 to {last} and are evenly spaced, so their average is "
                 f"(1 + {last}) ÷ 2 = {k}, and {k} numbers with an average of {k} add up to {k} × {k} = {k * k}.")
        flawed = ("The first two odd numbers add up to 4 = 2 × 2 and the first three to 9 = 3 × 3, so the first n "
                  f"odd numbers always add up to n × n, and here that is {k} × {k} = {k * k}.")
        prompt = f"What is the sum of the first {k} odd numbers?"
        return prompt, sound, flawed, str(k * k), "", {"op": "odd_sum", "k": k}
    n = rng.randrange(12, 80, 2)
    total = n * (n + 1) // 2
    sound = (f"Pair the terms from both ends: 1 + {n}, 2 + {n - 1}, and so on. Each of these pairs adds up to "
             f"{n + 1}, and there are {n // 2} such pairs, so the total is {n // 2} × {n + 1} = {total}.")
    flawed = ("Check small cases: 1 + 2 + 3 = 6 = 3 × 4 ÷ 2 and 1 + 2 + 3 + 4 = 10 = 4 × 5 ÷ 2, so the sum is "
              f"always n(n + 1) ÷ 2, which here is {n} × {n + 1} ÷ 2 = {total}.")
    prompt = f"What is 1 + 2 + 3 + ... + {n}?"
    return prompt, sound, flawed, str(total), "", {"op": "int_sum", "n": n}


CAUSES = [("umbrellas", "June was rainier, and a rainy month always lifts umbrella sales"),
          ("ice creams", "June was hotter, and a hot month always lifts ice-cream sales"),
          ("bicycles", "a cycle lane opened, and a new cycle lane always lifts bike sales"),
          ("notebooks", "the schools reopened, and the new term always lifts notebook sales")]


def false_cause(rng: random.Random) -> Draft:
    """The result is read off a cause that is asserted, not off the numbers."""
    thing, cause = rng.choice(CAUSES)
    p = rng.choice([10, 15, 20, 25, 30, 35, 40, 45, 60, 75])
    a = rng.randint(2, 30) * 20
    b = a * (100 + p) // 100
    if a * (100 + p) % 100:
        raise Reject
    d = b - a
    sound = (f"Sales went up by {b} − {a} = {d} {thing}. As a share of the May figure that is {d} ÷ {a} = "
             f"{Decimal(d) / a}, and {Decimal(d) / a} is the same as {p}%.")
    flawed = f"The rise came about because {cause} by {p}%, so June was up {p}% on May."
    prompt = f"A shop sold {a} {thing} in May and {b} in June. By what percentage did its sales rise?"
    flaw = ("It asserts a cause and reads the size of the rise off that claimed cause instead of computing it from "
            "the sales figures.")
    return prompt, sound, flawed, f"{p}%", flaw, {"may": a, "june": b}


def wrong_method(rng: random.Random) -> Draft:
    """The median is taken for the mean, which works only because the list is symmetric."""
    mid = rng.randint(12, 80)
    gaps = sorted(rng.sample(range(1, 11), rng.choice([1, 2, 2, 3])))
    values = [mid] + [mid - g for g in gaps] + [mid + g for g in gaps]
    rng.shuffle(values)
    n, total = len(values), sum(values)
    assert total == n * mid
    listed = ", ".join(map(str, values))
    sound = (f"Adding the {n} numbers gives {' + '.join(map(str, values))} = {total}, and dividing by the count "
             f"gives {total} ÷ {n} = {mid}.")
    flawed = (f"In order, the numbers are {', '.join(map(str, sorted(values)))}. The middle one is {mid}, and the "
              "middle value is the mean.")
    prompt = f"What is the mean of {listed}?"
    flaw = "It takes the median for the mean; the two agree here only because the numbers are symmetric about it."
    return prompt, sound, flawed, str(mid), flaw, {"values": values}


FLAWS_BY_TYPE = {  # the flaw sentence for types whose drafts leave it blank
    "appeal_to_popularity": "It appeals to popularity: the answer is accepted because most people gave it, "
                            "and nothing is checked.",
    "hasty_generalisation": "It generalises from two small cases and applies the pattern as if it were proved.",
}
TYPES: list[tuple[str, Callable[[random.Random], Draft]]] = [
    ("cancelling_errors", cancelling_errors),
    ("unit_error_cancels", unit_error_cancels),
    ("affirming_the_consequent", affirming_the_consequent),
    ("denying_the_antecedent", denying_the_antecedent),
    ("circular_reasoning", circular_reasoning),
    ("appeal_to_authority", appeal_to_authority),
    ("appeal_to_popularity", appeal_to_popularity),
    ("hasty_generalisation", hasty_generalisation),
    ("false_cause", false_cause),
    ("median_for_mean", wrong_method),
]


# --------------------------------------------------------------------------- assembly


def length_ratio(a: str, b: str) -> float:
    return max(len(a), len(b)) / min(len(a), len(b))


def draw(rng: random.Random, fn: Callable[[random.Random], Draft], n: int) -> list[tuple[Draft, str, str]]:
    """``n`` drafts with distinct prompts as (draft, sound response, flawed response); both end on one closing."""
    out: list[tuple[Draft, str, str]] = []
    seen: set[str] = set()
    for _try in range(20_000):
        if len(out) == n:
            return out
        try:
            draft = fn(rng)
        except Reject:
            continue
        prompt, sound, flawed, answer = draft[:4]
        closing = rng.choice(CLOSINGS).format(a=answer)
        good, bad = f"{sound} {closing}", f"{flawed} {closing}"
        if prompt in seen or length_ratio(good, bad) > MAX_LENGTH_RATIO:
            continue
        seen.add(prompt)
        out.append((draft, good, bad))
    raise RuntimeError(f"could not draw {n} items from {fn.__name__}")


def build_items(seed: int = DEFAULT_SEED, per_type: int = PER_TYPE) -> list[dict]:
    rng = random.Random(seed)
    items: list[dict] = []
    number = 0
    for fallacy, fn in TYPES:
        drafts = draw(rng, fn, per_type)
        labels = ["A"] * (per_type // 2) + ["B"] * (per_type - per_type // 2)
        rng.shuffle(labels)
        for ((prompt, _, _, answer, flaw, inputs), good, bad), label in zip(drafts, labels, strict=True):
            response_a, response_b = (good, bad) if label == "A" else (bad, good)
            number += 1
            items.append({
                "id": f"fallacy-{number:04d}",
                "prompt": prompt,
                "response_a": response_a,
                "response_b": response_b,
                "label": label,
                "kind": "fact",
                "category": fallacy,
                "source": SOURCE,
                "metadata": {"answer": answer, "fallacy": fallacy, "flaw": flaw or FLAWS_BY_TYPE[fallacy],
                             **inputs},
            })
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"RNG seed (default {DEFAULT_SEED})")
    parser.add_argument("--per-type", type=int, default=PER_TYPE, help=f"items per fallacy type (default {PER_TYPE})")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().with_name("fallacies.jsonl"),
                        help="output path (default: fallacies.jsonl next to this script)")
    args = parser.parse_args(argv)
    items = build_items(args.seed, args.per_type)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    print(f"wrote {len(items)} items to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
