"""A scripted model that plays every ICAI role, for tests and the offline demo.

``scripted/icai`` (see :func:`icai_demo_judge`) proposes, votes and judges by reading
three properties off the texts (metric units, a budget, a code example) and their length,
which are the hidden rules of ``data/icai_synthetic.jsonl``:

* proposals name the property that the preferred response has and the rejected one lacks,
  in one of several paraphrases, plus noise principles and, when the preferred response is
  longer, a length principle;
* votes apply each principle by its keywords; unknown principles get random answers
  (which the order swap then mostly turns into "inconsistent");
* with a constitution it applies the listed principles in order, without one it prefers
  the longer response.

A small share of replies is unreadable, to exercise the parsers.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable

from judgekit.judges.scripted import ScriptedJudge
from judgekit.types import JudgeOutput, JudgeRequest

Detector = Callable[[str], bool]

DETECTORS: dict[str, Detector] = {
    "metric": lambda t: bool(re.search(r"\b\d+\s?(?:g|kg|ml|l)\b|°C", t)),
    "budget": lambda t: bool(re.search(r"\bbudget\b|\beuros?\b|€|\$\d", t, re.IGNORECASE)),
    "code": lambda t: "```" in t,
}
KEYWORDS = {"metric": ("metric", "gram", "millilit", "celsius"), "budget": ("budget", "money", "cost", "spend"),
            "code": ("code", "snippet"), "length": ("longer", "more detailed", "length")}
PARAPHRASES = {
    "metric": ["Select the response that uses metric units such as grams and millilitres.",
               "Select the response that gives measurements in the metric system.",
               "Select the response that states quantities in grams, millilitres and degrees Celsius."],
    "budget": ["Select the response that mentions a budget for the trip.",
               "Select the response that tells the traveller how much money to plan for.",
               "Select the response that includes a cost estimate or budget."],
    "code": ["Select the response that includes a code example.",
             "Select the response that shows a working code snippet.",
             "Select the response that illustrates the answer with example code."],
    "length": ["Select the response that is longer and more detailed."],
}
NOISE = ["Select the response that is more polite.", "Select the response that is more friendly in tone.",
         "Select the response that sounds more confident.", "Select the response that is better organised."]
UNREADABLE = 0.02


def _section(text: str, name: str) -> str:
    m = re.search(rf"\[{re.escape(name)}\]\n(.*?)(?=\n\n|\n\[[A-Z][a-z ]+\]\n|\Z)", text, re.DOTALL)
    return m.group(1).strip() if m else ""


def kind_of(principle: str) -> str | None:
    low = principle.casefold()
    return next((k for k, words in KEYWORDS.items() if any(w in low for w in words)), None)


def apply(kind: str, first: str, second: str) -> str:
    """"A", "B", "both" or "not applicable" for a known principle kind."""
    if kind == "length":
        la, lb = len(first.split()), len(second.split())
        return "A" if la > lb else "B" if lb > la else "both"
    a, b = DETECTORS[kind](first), DETECTORS[kind](second)
    return "both" if a and b else "A" if a else "B" if b else "not applicable"


def _propose(user: str, rng: random.Random) -> str:
    preferred, rejected = _section(user, "Preferred response"), _section(user, "Rejected response")
    m = re.search(r"Write (\d+) distinct principles", user)
    n = int(m.group(1)) if m else 3
    out = [p for kind, det in DETECTORS.items() if det(preferred) and not det(rejected)
           for p in rng.sample(PARAPHRASES[kind], 2)]
    if len(preferred.split()) > len(rejected.split()) and rng.random() < 0.6:
        out.append(PARAPHRASES["length"][0])
    out.extend(rng.sample(NOISE, len(NOISE)))
    out = out[:n]
    if rng.random() < 0.3:
        return "Here are the principles:\n" + "\n".join(f"{i + 1}. {p}" for i, p in enumerate(out))
    return json.dumps(out)


def _vote(user: str, rng: random.Random) -> str:
    first, second = _section(user, "Response A"), _section(user, "Response B")
    principles = re.findall(r"^\d+\. (.+)$", _section(user, "Principles"), re.MULTILINE)
    answers = {}
    for i, p in enumerate(principles, start=1):
        kind = kind_of(p)
        answers[str(i)] = apply(kind, first, second) if kind else rng.choice(["A", "B", "not applicable", "both"])
    return json.dumps(answers)


def _judge(system: str, user: str) -> str:
    first, second = _section(user, "Response A"), _section(user, "Response B")
    for p in re.findall(r"^\d+\. (.+)$", system, re.MULTILINE):
        kind = kind_of(p)
        verdict = apply(kind, first, second) if kind else None
        if verdict in ("A", "B"):
            return f"Response {verdict} is better."
    return "Response A is better." if len(first.split()) >= len(second.split()) else "Response B is better."


def icai_policy(req: JudgeRequest, gold: str | None, rng: random.Random) -> JudgeOutput:
    """Answer a proposal, vote, summary or judging request as described in the module doc."""
    system = next((m["content"] for m in req.messages if m["role"] == "system"), "")
    user = next((m["content"] for m in reversed(req.messages) if m["role"] == "user"), "")
    if rng.random() < UNREADABLE:
        text = "I am not able to help with that."
    elif "[Preferred response]" in user:
        text = _propose(user, rng)
    elif "[Principles]" in user:
        text = _vote(user, rng)
    elif "say nearly the same thing" in user:
        text = next((ln[2:] for ln in user.splitlines() if ln.startswith("- ")), "")
    else:
        text = _judge(system, user)
    return JudgeOutput(choice="invalid", raw=text, input_tokens=sum(len(m["content"].split()) for m in req.messages),
                       output_tokens=len(text.split()), latency_s=0.0, cost_usd=0.0)


def icai_demo_judge(seed: int = 0) -> ScriptedJudge:
    """The scripted ICAI model (spec ``scripted/icai``)."""
    judge = ScriptedJudge(spec="scripted/gold", policy=icai_policy, seed=seed)
    judge.spec = "scripted/icai"
    return judge
