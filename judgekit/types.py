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

Two letter systems, and the one place that maps between them (the end of this file):

* a **presented** letter names a position in the prompt: "A" is the response shown first.
  ``JudgeOutput.choice``, the ``choice`` column of ``verdicts`` and ``Trial.gold_position`` are
  presented letters;
* an **original** letter names a response of the item: "A" is ``Item.response_a``.
  ``Item.label``, the ``chosen`` column of ``verdicts``, a cue's ``target`` and every verdict a
  user reads are original letters.

``order`` says how they relate: "AB" shows ``response_a`` first (the letters agree), "BA" shows
``response_b`` first (A and B trade places, a tie stays a tie). Use :func:`presented_to_original`,
:func:`original_to_presented`, :func:`score_against_gold` and their column forms; never swap
letters by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

Label = Literal["A", "B", "tie"]
Kind = Literal["fact", "preference"]
Order = Literal["AB", "BA"]
#: How the judge is asked (see :data:`PROTOCOLS`).
Protocol = Literal["pairwise", "pointwise", "mcq"]
#: ``pairwise``: the judge picks the better of two responses; ``pointwise``: the judge scores one response at a
#: time and a pair's verdict follows from the two scores; ``mcq``: the judge picks the correct option of a question.
PROTOCOLS: tuple[str, ...] = ("pairwise", "pointwise", "mcq")
#: Option letters of multiple-choice items: options[0] is "A".
OPTION_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: A verdict in presented positions. "invalid" is a parse failure, "error" a failed call.
Choice = Literal["A", "B", "tie", "invalid", "error"]

VALID_CHOICES: tuple[str, ...] = ("A", "B", "tie")


@dataclass(frozen=True)
class Item:
    """One pairwise comparison, or one multiple-choice question. ``label`` is the gold answer (None when unknown).

    A multiple-choice item has ``options`` (in the dataset's order) and ``label`` is the original letter of its
    correct option (``OPTION_LETTERS``: "A" is ``options[0]``); its ``response_a`` / ``response_b`` are empty.
    """

    id: str
    prompt: str
    response_a: str
    response_b: str
    label: Label | None = None
    kind: Kind = "preference"
    category: str | None = None
    source: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    options: tuple[str, ...] = ()


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
    #: how the judge is asked (:data:`PROTOCOLS`)
    protocol: str = "pairwise"
    #: mcq: the options in presented order (presented letter "A" is ``options[0]``)
    options: tuple[str, ...] = ()
    #: mcq: the original index (into ``Item.options``) of the option shown at each presented slot
    option_order: tuple[int, ...] = ()
    #: replaces the template's closing request for a verdict (the ``cot`` judge mode: reasoning first)
    instruction: str = ""


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
    #: how the judge is asked (:data:`PROTOCOLS`)
    protocol: str = "pairwise"
    #: mcq: the options in presented order
    options: tuple[str, ...] = ()
    #: pointwise: the two score sub-requests (the response shown first, then second, each scored alone)
    parts: tuple[JudgeRequest, ...] = ()
    #: a score sub-request: the (lowest, highest) score of the template's scale; None for a verdict request
    scale: tuple[int, int] | None = None
    #: a score sub-request: text that opens the judge's answer, after which logits readers read the score token
    answer_prefix: str = ""


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
    #: pointwise: the scores of the responses shown first and second (the verdict follows from them); the
    #: output of a score sub-request (``JudgeRequest.scale`` set) holds its one score in ``score_first``
    score_first: float | None = None
    score_second: float | None = None

    @property
    def ok(self) -> bool:
        return self.choice != "error"


# ---------------------------------------------------------------------------------------------
# The letter mapping (see the module docstring): presented <-> original, and scoring against gold.

_TRADE = {"A": "B", "B": "A", "tie": "tie"}


def presented_to_original(letter: str | None, order: str) -> str | None:
    """The original letter of the response the judge picked at presented position ``letter``.

    None for anything that is not a verdict ("invalid", "error", None)."""
    if letter not in _TRADE:
        return None
    return letter if order == "AB" else _TRADE[letter]


def original_to_presented(letter: str | None, order: str) -> str | None:
    """The presented position of original response ``letter`` in ``order`` (None when not a letter)."""
    if letter not in _TRADE:
        return None
    return letter if order == "AB" else _TRADE[letter]


def shown_first(original: str | None, order: str) -> bool:
    """True when original response ``original`` ("A"/"B") is the one shown first in ``order``."""
    return original_to_presented(original, order) == "A"


def score_against_gold(original: str | None, label: str | None) -> bool | None:
    """Whether a verdict in original letters matches the gold label; None when either is missing
    or the label is not "A"/"B" (a tie label or no label cannot be scored)."""
    if original not in _TRADE or label not in ("A", "B"):
        return None
    return original == label


def original_verdict(choice: str, order: str, label: str | None) -> tuple[str | None, bool | None]:
    """(chosen, correct) of a presented-position verdict ``choice``: its original letter and its score."""
    chosen = presented_to_original(choice, order)
    return chosen, score_against_gold(chosen, label)


def mcq_presented_to_original(letter: str | None, option_order: tuple[int, ...] | list[int]) -> str | None:
    """The original option letter of the option shown at presented letter ``letter`` (None when not an option)."""
    if not isinstance(letter, str) or len(letter) != 1 or letter not in OPTION_LETTERS[:len(option_order)]:
        return None
    return OPTION_LETTERS[option_order[OPTION_LETTERS.index(letter)]]


def mcq_original_to_presented(letter: str | None, option_order: tuple[int, ...] | list[int]) -> str | None:
    """The presented letter at which original option ``letter`` is shown (None when not an option)."""
    if not isinstance(letter, str) or len(letter) != 1 or letter not in OPTION_LETTERS:
        return None
    idx = OPTION_LETTERS.index(letter)
    return OPTION_LETTERS[list(option_order).index(idx)] if idx in option_order else None


def trial_verdict(trial: Trial, choice: str, label: str | None) -> tuple[str | None, bool | None]:
    """(chosen, correct) of a verdict on ``trial``: the original letter picked and whether it is the gold one.

    Pairwise and pointwise trials map A/B through ``order`` (:func:`original_verdict`); mcq trials map the
    presented option letter through ``option_order``."""
    if trial.protocol == "mcq":
        chosen = mcq_presented_to_original(choice, trial.option_order)
        return chosen, (None if chosen is None or not label else chosen == label)
    return original_verdict(choice, trial.order, label)


def original_p_a(p_first: float, order: str) -> float:
    """P(original response A is better) from P(the response shown first is better)."""
    return p_first if order == "AB" else 1.0 - p_first


# Column forms of the same mapping, for pandas Series of letters and orders (equal length and index).

def presented_to_original_col(letters: pd.Series, orders: pd.Series) -> pd.Series:
    """:func:`presented_to_original` of every row; NaN where the row holds no verdict."""
    letters = letters.astype(object)  # a categorical's mapped values need not share its categories
    valid = letters.where(letters.isin(list(_TRADE)))
    return valid.where(orders == "AB", valid.map(_TRADE))


def original_to_presented_col(letters: pd.Series, orders: pd.Series) -> pd.Series:
    """:func:`original_to_presented` of every row; NaN where the row holds no letter."""
    return presented_to_original_col(letters, orders)  # the mapping is its own inverse


def shown_first_col(originals: pd.Series, orders: pd.Series) -> pd.Series:
    """:func:`shown_first` of every row."""
    return original_to_presented_col(originals, orders) == "A"


def original_p_a_col(p_first: pd.Series, orders: pd.Series) -> pd.Series:
    """:func:`original_p_a` of every row."""
    return p_first.where(orders == "AB", 1.0 - p_first)
