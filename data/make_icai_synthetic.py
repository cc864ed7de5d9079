"""Write data/icai_synthetic.jsonl: preference pairs that follow three hidden rules.

Each pair belongs to one of three topics, and a different rule decides each topic:

* cooking: the preferred answer gives quantities in metric units (g, ml, °C), the
  rejected one in US units (cups, fl oz, °F);
* travel: the preferred answer mentions a budget, the rejected one does not;
* coding: the preferred answer contains a code example, the rejected one describes
  the same thing in prose.

Length is set independently of the rules: a fair coin (or, with --length-bias P, a
coin that favours the preferred answer with probability P) decides which answer gets
padded with neutral filler sentences until it is the longer one. The gold label sits
in position A or B at random. Standard library only; the output is deterministic.

    python data/make_icai_synthetic.py                         # writes data/icai_synthetic.jsonl
    python data/make_icai_synthetic.py --out /tmp/x.jsonl --length-bias 0.85
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

SEED = 20261206
N_PER_TOPIC = 60

DISHES = ["a sponge cake", "pancakes", "a loaf of bread", "tomato soup", "a mushroom risotto", "shortbread",
          "pizza dough", "blueberry muffins", "a pie crust", "porridge", "a rice pudding", "scones"]
CITIES = ["Lisbon", "Kyoto", "Vienna", "Mexico City", "Edinburgh", "Hanoi", "Prague", "Cape Town", "Montreal",
          "Istanbul", "Seville", "Tallinn"]
TASKS = [  # (question, code, prose)
    ("reverse a list in Python", "items[::-1]", "take a slice of the list with a step of minus one"),
    ("read a text file line by line in Python", "with open(path) as fh:\n    for line in fh:\n        print(line)",
     "open the file in a with block and loop over the file object"),
    ("sort a dictionary by its values in Python", "sorted(d.items(), key=lambda kv: kv[1])",
     "call sorted on the items and use the value as the sort key"),
    ("count words in a string in Python", "len(text.split())", "split the text on whitespace and count the parts"),
    ("remove duplicates from a list in Python", "list(dict.fromkeys(items))",
     "build a dictionary from the items and turn its keys back into a list"),
    ("join a list of strings with commas in Python", "', '.join(words)",
     "call the join method of a comma separator on the list"),
    ("check whether a file exists in Python", "Path(path).exists()",
     "build a Path object and ask it whether it exists"),
    ("get the current date in Python", "datetime.date.today()", "call the today function of the date class"),
]
COOK_STEPS = ["Mix the dry ingredients first, then add the wet ones.", "Stir gently until everything just combines.",
              "Let the mixture rest briefly before cooking.", "Prepare the pan while the oven heats up.",
              "Taste and adjust the seasoning at the end."]
TRAVEL_STEPS = ["Spend the first day walking around the old town.", "Book the most popular museum ahead of time.",
                "Use public transport rather than taxis.", "Leave one afternoon free for the markets.",
                "Try the local food at small family restaurants."]
CODE_STEPS = ["This works in any recent version of Python.", "It keeps the original order of the elements.",
              "It is the idiomatic way to do this.", "It does not need any third-party package."]
TRAVEL_PLAIN = ["Pick a neighbourhood close to the centre for your stay.", "Check the opening hours of the sights.",
                "Carry a light jacket for the evenings."]
FILLER = ["Take your time with each step.", "It helps to read everything once before you start.",
          "Small adjustments are normal the first time.", "Many people find this easier with some practice.",
          "Keep notes so that you can repeat what worked.", "Ask someone with experience if you get stuck.",
          "Do not worry if it is not perfect at first.", "You will get faster every time you do it."]


def _cooking(rng: random.Random) -> tuple[str, str, str]:
    dish = rng.choice(DISHES)
    grams, ml, minutes = rng.choice([150, 200, 250, 300]), rng.choice([100, 150, 200, 250]), rng.choice([20, 25, 30])
    cups, oz = {150: "1.25", 200: "1.5", 250: "2", 300: "2.5"}[grams], {100: "3.5", 150: "5", 200: "7", 250: "8.5"}[ml]
    celsius = rng.choice([170, 180, 190, 200])
    fahrenheit = round(celsius * 9 / 5 + 32)
    metric = f"Use {grams} g of flour and {ml} ml of milk, and cook at {celsius} °C for {minutes} minutes."
    us = f"Use {cups} cups of flour and {oz} fl oz of milk, and cook at {fahrenheit} °F for {minutes} minutes."
    return f"How do I make {dish}?", metric, us


def _travel(rng: random.Random) -> tuple[str, str, str]:
    city, days = rng.choice(CITIES), rng.choice([2, 3, 4, 5])
    amount = rng.choice([300, 450, 600, 800, 1000])
    budget = f"Set a budget of about {amount} euros for the whole trip."
    return f"How should I plan a {days}-day trip to {city}?", budget, rng.choice(TRAVEL_PLAIN)


def _coding(rng: random.Random) -> tuple[str, str, str]:
    question, code, prose = rng.choice(TASKS)
    return f"How do I {question}?", f"Here is an example:\n```python\n{code}\n```", f"To do it, {prose}."


TOPICS = {"cooking": (_cooking, COOK_STEPS), "travel": (_travel, TRAVEL_STEPS), "coding": (_coding, CODE_STEPS)}
RULES = {"cooking": "metric units", "travel": "mentions a budget", "coding": "code example"}


def _words(text: str) -> int:
    return len(text.split())


def _pad(text: str, target: int, rng: random.Random) -> str:
    pool = FILLER[:]
    rng.shuffle(pool)
    while _words(text) <= target and pool:
        sep = "\n" if text.endswith("```") else " "
        text = f"{text}{sep}{pool.pop()}"
    return text


def make_items(seed: int = SEED, n_per_topic: int = N_PER_TOPIC, length_bias: float = 0.5) -> list[dict]:
    """The items: rule-decided labels, lengths decided by a separate coin."""
    rng = random.Random(seed)
    items = []
    for topic, (make, steps) in TOPICS.items():
        for i in range(n_per_topic):
            question, good, bad = make(rng)
            good = f"{rng.choice(steps)} {good}"
            bad = f"{rng.choice(steps)} {bad}"
            preferred_longer = rng.random() < length_bias
            if preferred_longer:
                good = _pad(good, _words(bad) + rng.randint(3, 12), rng)
            else:
                bad = _pad(bad, _words(good) + rng.randint(3, 12), rng)
            label = rng.choice("AB")
            a, b = (good, bad) if label == "A" else (bad, good)
            items.append({"id": f"icai-{topic}-{i + 1:03d}", "prompt": question, "response_a": a, "response_b": b,
                          "label": label, "category": topic,
                          "metadata": {"rule": RULES[topic], "preferred_longer": preferred_longer}})
    return items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "icai_synthetic.jsonl"))
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--n-per-topic", type=int, default=N_PER_TOPIC)
    ap.add_argument("--length-bias", type=float, default=0.5,
                    help="probability that the preferred answer is the longer one (0.5: independent)")
    a = ap.parse_args()
    items = make_items(a.seed, a.n_per_topic, a.length_bias)
    with open(a.out, "w", encoding="utf-8", newline="\n") as fh:
        for it in items:
            fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    print(f"wrote {len(items)} items to {a.out}")


if __name__ == "__main__":
    main()
