"""Identity (CALM's compassion-fade): both responses attributed to named authors.

Each cue template is a pair of names, one of high standing (``high``: "GPT-4", "a Stanford
professor") and one of low standing (``low``: "a small open model", "an anonymous forum user").
In a cued trial both responses carry an attribution line (the file's ``format``) before their
text: the cued response (the trial's ``cue_target``) the high-standing name, the other response
the low-standing one, so that across ``cue_gold`` / ``cue_other`` the names are swapped between
the responses. ``control`` shows the responses unattributed.

Neutral control (``neutral_gold`` / ``neutral_other``, or ``neutral_a`` / ``neutral_b``): the
same two attribution lines with anonymous labels of the names' lengths (the template's
``neutral`` pair, checked to lie within the file's ``tolerance``), the first label where the
high-standing name was. ``cue_net_effect`` is then what the names do beyond "both responses are
attributed to someone". Every condition in both orders; one name pair is drawn per item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from judgekit.probes.cues import Cue, build_cue_trials, load_cues
from judgekit.types import Item, Trial

PROBE = "identity"
_SWAP = {"A": "B", "B": "A"}


def check_identity_spec(spec: dict[str, Any], where: str = "identity cues") -> None:
    """Raise ``ValueError`` naming the template and field when a name pair or its neutral labels are unusable."""
    fmt = spec.get("format", "")
    if not isinstance(fmt, str) or "{name}" not in fmt:
        raise ValueError(f"{where}: 'format' must be a string containing {{name}}, not {fmt!r}")
    tolerance = spec.get("tolerance", 3)
    if not isinstance(tolerance, int) or tolerance < 0:
        raise ValueError(f"{where}: 'tolerance' must be a non-negative integer, not {tolerance!r}")
    for t in spec["templates"]:
        for key in ("high", "low"):
            if not isinstance(t.get(key), str) or not t[key].strip():
                raise ValueError(f"{where}: template {t['id']!r}: '{key}' must be a non-empty name")
        if t["high"] == t["low"]:
            raise ValueError(f"{where}: template {t['id']!r}: 'high' and 'low' are the same name")
        neutral = t.get("neutral")
        if not (isinstance(neutral, list) and len(neutral) == 2 and all(isinstance(x, str) and x for x in neutral)):
            raise ValueError(f"{where}: template {t['id']!r}: 'neutral' must be two labels [for high, for low]")
        for name, label in zip((t["high"], t["low"]), neutral, strict=True):
            if abs(len(name) - len(label)) > tolerance:
                raise ValueError(f"{where}: template {t['id']!r}: neutral label {label!r} ({len(label)} characters) "
                                 f"is not within {tolerance} characters of {name!r} ({len(name)})")


def attributed(fmt: str, name: str, text: str) -> str:
    """``text`` with the attribution line of ``name`` before it."""
    return f"{fmt.format(name=name)}\n\n{text}"


def identity_trials(items: Sequence[Item], *, seed: int, repeats: int = 0, repeat_fraction: float = 0.0,
                    cues: str | None = None) -> list[Trial]:
    """Identity: high- vs low-standing names on the two responses, swapped across cue_gold / cue_other."""
    spec = load_cues(PROBE, cues)
    check_identity_spec(spec, cues or "suites/cues/identity.yaml")
    fmt = spec["format"]
    placement = spec.get("placement", "response_start")

    def names_on(item: Item, target: str, high: str, low: str) -> tuple[str, str]:
        """(response_a, response_b) with ``high`` on the target and ``low`` on the other response."""
        on = {target: high, _SWAP[target]: low}
        return attributed(fmt, on["A"], item.response_a), attributed(fmt, on["B"], item.response_b)

    def make(item: Item, target: str, order: str, tmpl: dict[str, Any], state: dict[str, Any]) -> Cue:
        a, b = names_on(item, target, tmpl["high"], tmpl["low"])
        return Cue(text=fmt.format(name=tmpl["high"]), template=tmpl["id"], placement=placement, a_text=a, b_text=b,
                   extra={"other_name": tmpl["low"]})

    def make_neutral(item: Item, target: str, order: str, tmpl: dict[str, Any], rng: Any, cue: Cue) -> Cue:
        high, low = tmpl["neutral"]
        a, b = names_on(item, target, high, low)
        return Cue(text=fmt.format(name=high), template=tmpl["id"], placement=placement, a_text=a, b_text=b,
                   extra={"other_name": low})

    return build_cue_trials(items, probe=PROBE, seed=seed, make_cue=make, spec=spec, repeats=repeats,
                            repeat_fraction=repeat_fraction, neutral=make_neutral)
