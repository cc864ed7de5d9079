from collections import Counter

import pytest

from judgekit.probes.attach import authority_trials, distraction_trials
from judgekit.probes.bandwagon import bandwagon_trials
from judgekit.probes.insert import insert_phrase
from judgekit.probes.position import position_trials
from judgekit.probes.reflection import reflection_trials
from judgekit.probes.verbosity import verbosity_trials
from judgekit.types import Item

PHRASE = "Wait, let me think..."
CODE = "Use this:\n\n```python\ndef f(x):\n\n    return x + 1. Done.\n```\n\nThat is all. It works."
LIST = "Steps:\n- Boil water.\n- Add pasta.\n- Drain it."
AWKWARD = {
    "code": CODE,
    "list": LIST,
    "blank_lines": "First paragraph.\n\n\n\nSecond paragraph is here.",
    "chinese": "这是第一句。这是第二句。这是第三句。",
    "german": "Die Antwort ist 42. Das ist sicher richtig.",
    "one_word": "Yes",
    "unclosed_fence": "Code:\n```\nx = 1. y = 2.\nz = 3",
}


@pytest.mark.parametrize("name", sorted(AWKWARD))
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_insertion_keeps_text_and_structure(name, where):
    text = AWKWARD[name]
    out = insert_phrase(text, PHRASE, where)
    assert out.count(PHRASE) == 1
    # removing the phrase gives back the original text, up to whitespace
    assert "".join(out.replace(PHRASE, "").split()) == "".join(text.split())
    # never inside a fenced code block
    fences = [i for i, line in enumerate(out.split("\n")) if line.strip().startswith("```")]
    phrase_line = next(i for i, line in enumerate(out.split("\n")) if PHRASE in line)
    unclosed_at_end = len(fences) % 2 == 1 and where == "end"  # nowhere else to put it
    for a, b in zip(fences[::2], [*fences[1::2], 10 ** 9], strict=False):
        assert unclosed_at_end or not a < phrase_line < b
    if where == "start":
        assert out.startswith(PHRASE)
    if where == "end":
        assert out.rstrip().endswith(PHRASE)


def test_middle_prefers_boundaries():
    assert insert_phrase("One. Two. Three.", PHRASE, "middle") == f"One. Two. {PHRASE} Three."
    assert insert_phrase("Yes", PHRASE, "middle") == f"Yes {PHRASE}"
    assert insert_phrase("Para one.\n\nPara two.", PHRASE, "middle") == f"Para one.\n\n{PHRASE}\n\nPara two."
    out = insert_phrase(LIST, PHRASE, "middle")
    assert "- Boil water.\n" in out and "- Add pasta." in out  # list items stay whole


def _items():
    return [
        Item("g1", "Q1?", "right one", "wrong one", "A", "fact"),
        Item("g2", "Q2?", "bad answer", "good answer\n\n- with a list", "B", "preference"),
        Item("u3", "Q3?", "x is 1", "x is 2", None, "preference"),
        Item("t4", "Q4?", "same", "also same", "tie", "preference"),
    ]


PROBES = [bandwagon_trials, authority_trials, distraction_trials, verbosity_trials, reflection_trials]


@pytest.mark.parametrize("fn", PROBES)
def test_design_is_counterbalanced(fn):
    trials = fn(_items(), seed=3)
    assert len({t.trial_id for t in trials}) == len(trials)
    by_item = {}
    for t in trials:
        by_item.setdefault(t.item_id, []).append(t)
    for item_id, ts in by_item.items():
        conds = Counter(t.condition for t in ts)
        # every condition in both orders, the same number of times
        for cond in conds:
            orders = Counter(t.order for t in ts if t.condition == cond)
            assert orders["AB"] == orders["BA"] > 0, (item_id, cond)
        cued = {t.condition for t in ts if t.cue.get("target")}
        assert cued >= ({"cue_gold", "cue_other"} if item_id.startswith("g") else {"cue_a", "cue_b"})
        # one paraphrase per item, identical across conditions and orders
        assert len({t.cue["template"] for t in ts if t.cue}) == 1


@pytest.mark.parametrize("fn", [authority_trials, distraction_trials, verbosity_trials, reflection_trials])
def test_cued_response_text_is_identical_in_both_orders(fn):
    for t_ab in fn(_items(), seed=1):
        if t_ab.order != "AB" or not t_ab.cue.get("target"):
            continue
        t_ba = next(t for t in fn(_items(), seed=1) if t.trial_id == t_ab.trial_id.replace("|AB|", "|BA|"))
        assert (t_ab.first, t_ab.second) == (t_ba.second, t_ba.first)
        target_text, other_text = (t_ab.first, t_ab.second) if t_ab.cue["target"] == "A" else (t_ab.second, t_ab.first)
        item = next(i for i in _items() if i.id == t_ab.item_id)
        assert t_ab.cue["text"] in target_text
        assert other_text == (item.response_b if t_ab.cue["target"] == "A" else item.response_a)


def test_bandwagon_names_the_presented_letter_of_the_target():
    for t in bandwagon_trials(_items(), seed=0):
        if not t.cue:
            assert t.user_prefix == ""
            continue
        named = t.cue["target"] or t.cue["inserted"]  # a neutral sentence names the same response
        letter = named if t.order == "AB" else {"A": "B", "B": "A"}[named]
        assert f"Response {letter}" in t.user_prefix
        # the texts of the responses are never touched
        assert {t.first, t.second} <= {it.response_a for it in _items()} | {it.response_b for it in _items()}
    sys_trials = bandwagon_trials(_items(), seed=0, placement="system")
    assert all(t.user_prefix == "" for t in sys_trials) and any(t.system_extra for t in sys_trials)


def test_verbosity_irrelevant_control_matches_padding_length():
    trials = verbosity_trials(_items(), seed=2)
    for t in trials:
        if t.condition.startswith("cue_"):
            twin = next(x for x in trials if x.item_id == t.item_id and x.order == t.order
                        and x.condition == t.condition.replace("cue_", "irrelevant_"))
            pad, noise = t.cue["added_chars"], twin.cue["added_chars"]
            assert abs(pad - noise) <= max(25, 0.15 * pad)
            assert twin.cue["target"] == t.cue["target"]


def test_reflection_has_placements_and_between():
    trials = reflection_trials(_items(), seed=0)
    assert {t.cue.get("placement") for t in trials if t.cue} == {"start", "middle", "end", "between"}
    between = [t for t in trials if t.condition == "between"]
    assert between and all(t.between and t.cue["target"] is None for t in between)


@pytest.mark.parametrize("fn", [position_trials, *PROBES])
def test_probes_are_pure_and_seeded(fn):
    items = _items()
    a = fn(items, seed=5, repeats=2, repeat_fraction=0.5)
    b = fn(list(reversed(items)), seed=5, repeats=2, repeat_fraction=0.5)
    assert sorted(a, key=lambda t: t.trial_id) == sorted(b, key=lambda t: t.trial_id)
    c = fn(items, seed=6, repeats=2, repeat_fraction=0.5)
    assert len(c) > 0


def test_one_placement_per_item_is_seeded_and_shared_across_conditions():
    items = [Item(f"i{k}", "Q?", f"right {k}. More.", f"wrong {k}. More.", "A", "fact") for k in range(30)]
    trials = reflection_trials(items, seed=4, one_placement_per_item=True)
    per_item = {}
    for t in trials:
        if t.cue.get("target") or t.cue.get("inserted"):
            per_item.setdefault(t.item_id, set()).add(t.cue["placement"])
    assert all(len(p) == 1 for p in per_item.values())  # the neutral insertion sits where the cue does
    assert set().union(*per_item.values()) == {"start", "middle", "end"}
    assert len(trials) == 30 * (2 + 4 + 4 + 2)  # control, two cued conditions, their neutrals, between; both orders
