"""The small protocol types that the whole pipeline passes around.

Reading this file tells you how judgekit fits together:

    Item  --probe-->  Trial  --render-->  JudgeRequest  --judge-->  JudgeOutput  --store--> verdicts

* An :class:`Item` is one pairwise comparison from a dataset.
* A :class:`Trial` is one request a probe wants answered: which item, which
  condition, which order, which repeat, and the exact texts shown.
* A :class:`JudgeRequest` is a trial rendered for a judge: chat messages plus the
  structured pieces (question, first and second response) that judges which do
  not read a chat prompt (reward models) need. Its ``key`` is the cache key.
* A :class:`JudgeOutput` is what the judge said, in *presented* positions: "A"
  means the response shown first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Label = Literal["A", "B", "tie"]
Kind = Literal["fact", "preference"]
Order = Literal["AB", "BA"]
#: A verdict in presented positions. "invalid" is a parse failure, "error" a failed call.
Choice = Literal["A", "B", "tie", "invalid", "error"]

VALID_CHOICES: tuple[str, ...] = ("A", "B", "tie")


@dataclass(frozen=True)
class Item:
    """One pairwise comparison. ``label`` is the gold answer (None when unknown)."""

    id: str
    prompt: str
    response_a: str
    response_b: str
    label: Label | None = None
    kind: Kind = "preference"
    category: str | None = None
    source: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Trial:
    """One judge request a probe asks for. Pure data: no I/O happened to make it.

    ``first``/``second`` are the texts shown in presented positions A and B.
    ``gold_position`` is where the gold response sits in this presentation
    ("A", "B", "tie" or None). ``cue`` holds probe-specific details (cue text,
    which response it favours, where it was placed); ``system_extra`` and
    ``user_prefix`` / ``user_suffix`` are text the probe adds to the judge prompt.
    """

    trial_id: str
    item_id: str
    probe: str
    condition: str
    order: Order
    repeat: int
    prompt: str
    first: str
    second: str
    gold_position: str | None
    cue: dict[str, Any] = field(default_factory=dict)
    system_extra: str = ""
    user_prefix: str = ""
    user_suffix: str = ""
    between: str = ""
    #: mitigation applied to this trial ("none", "system-prompt", "icl", "self-reflection")
    mitigation: str = "none"
    #: text placed at the very start of the user message (in-context examples)
    preamble: str = ""
    #: a second user turn asking the judge to review its first verdict (self-reflection)
    followup: str = ""


@dataclass(frozen=True)
class JudgeRequest:
    """A rendered trial. ``key`` identifies the request in the cache."""

    key: str
    messages: tuple[dict[str, str], ...]
    prompt: str
    first: str
    second: str
    sample_index: int = 0
    #: when set, the judge answers once, then is asked this and its second answer is the verdict
    followup: str = ""


@dataclass
class JudgeOutput:
    """What a judge answered for one request, in presented positions."""

    choice: Choice
    p_a: float | None = None
    p_b: float | None = None
    raw: str = ""
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_s: float | None = None
    cost_usd: float | None = None
    error: str | None = None
    #: which reader and rule produced the verdict (``text:label``, ``ab-logits``...; see judges/readers.py)
    parse_rule: str | None = None
    #: for probability readers: the probability on the two letters at the position read
    p_ab_mass: float | None = None

    @property
    def ok(self) -> bool:
        return self.choice != "error"
