"""Neutral controls of the cue probes and the design invariant: every condition is its own request."""

from __future__ import annotations

import json
import random
from collections import defaultdict

import pytest
import yaml

from judgekit.judges.prompt import load_template
from judgekit.probes.attach import authority_trials, distraction_trials
from judgekit.probes.bandwagon import bandwagon_trials
from judgekit.probes.neutral import load_bank, neutral_text
from judgekit.probes.reflection import BETWEEN_MARK, reflection_trials
from judgekit.probes.verbosity import verbosity_trials
from judgekit.resources import suites_dir
from judgekit.types import Item

MULTILINE = "First line of the answer.\nSecond line.\n\nA second paragraph with more detail."


def _items():
    return [
        Item("g1", "Q1?", "right one", "wrong one", "A", "fact"),
        Item("g2", "Q2?", MULTILINE, "Short answer. It is fine.", "B", "preference"),
        Item("g3", "Q3?", "- step one\n- step two", MULTILINE, "A", "preference"),
        Item("u4", "Q4?", "x is 1", "x is 2", None, "preference"),
    ]


def _cue_texts() -> list[str]:
    texts = []
    for probe in ("authority", "distraction", "reflection"):
        spec = yaml.safe_load((suites_dir() / "cues" / f"{probe}.yaml").read_text(encoding="utf-8"))
        texts += [t["text"] for t in spec["templates"]]
    return texts


VARIANTS = {
    "bandwagon": lambda items, **kw: bandwagon_trials(items, **kw),
    "bandwagon-system": lambda items, **kw: bandwagon_trials(items, placement="system", **kw),
    "authority": authority_trials,
    "distraction": distraction_trials,
    "verbosity": verbosity_trials,
    "reflection-all": reflection_trials,
    "reflection-default": lambda items, **kw: reflection_trials(items, one_placement_per_item=True, **kw),
}
TEXT_PROBES = {"authority": authority_trials, "distraction": distraction_trials, "reflection": reflection_trials}


@pytest.mark.parametrize("name", sorted(VARIANTS))
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_no_two_conditions_of_an_item_and_order_send_the_same_request(name, seed):
    tmpl = load_template("pairwise")
    seen: dict[tuple[str, str, str], str] = {}
    for t in VARIANTS[name](_items(), seed=seed, repeats=2, repeat_fraction=1.0):
        if t.repeat:
            continue  # repeats are the same request on purpose (the noise floor)
        key = (t.item_id, t.order, json.dumps(tmpl.render(t)))
        assert key not in seen, (name, t.trial_id, seen.get(key))
        seen[key] = t.trial_id


def test_between_block_is_marked_and_differs_from_an_end_cue_on_the_first_response():
    tmpl = load_template("pairwise")
    trials = reflection_trials(_items(), seed=0)
    for between in (t for t in trials if t.condition == "between"):
        assert between.between.startswith(BETWEEN_MARK + "\n")
        ends = [t for t in trials if t.item_id == between.item_id and t.order == between.order
                and t.cue.get("placement") == "end" and t.cue.get("template") == between.cue["template"]]
        assert ends
        for end in ends:
            assert tmpl.render(end) != tmpl.render(between)


@pytest.mark.parametrize("probe", sorted(TEXT_PROBES))
def test_neutral_insertion_matches_the_cue_in_length_place_and_response(probe):
    _, tolerance = load_bank()
    trials = TEXT_PROBES[probe](_items(), seed=4)
    by_id = {t.trial_id: t for t in trials}
    neutrals = [t for t in trials if t.condition.startswith("neutral_")]
    assert neutrals and len(neutrals) == sum(t.condition.startswith("cue_") for t in trials)
    for n in neutrals:
        cue = by_id[n.trial_id.replace("|neutral_", "|cue_")]
        assert n.cue["target"] is None and n.cue["inserted"] == cue.cue["target"] and n.cue["control"] == "neutral"
        assert n.cue["placement"] == cue.cue["placement"] and n.cue["template"] == cue.cue["template"]
        assert abs(len(n.cue["text"]) - len(cue.cue["text"])) <= tolerance
        # same response changed, the other shown as it is, the neutral text where the cue was
        assert (n.first == cue.first) != (n.second == cue.second)
        changed_n, changed_c = (n.first, cue.first) if n.first != cue.first else (n.second, cue.second)
        assert changed_n.replace(n.cue["text"], "\0") == changed_c.replace(cue.cue["text"], "\0")
        assert not any(c in n.cue["text"] for c in _cue_texts())


def test_one_neutral_text_per_item_in_every_condition_and_order():
    for fn in (*TEXT_PROBES.values(), bandwagon_trials):
        per_item = defaultdict(set)
        for t in fn(_items(), seed=9):
            if t.condition.startswith("neutral_"):
                per_item[t.item_id].add(t.cue["text"].replace("Response A", "Response X").replace("Response B",
                                                                                                   "Response X"))
        assert per_item and all(len(v) == 1 for v in per_item.values()), fn


def test_bandwagon_neutral_names_the_response_without_endorsing_it():
    spec = yaml.safe_load((suites_dir() / "cues" / "bandwagon.yaml").read_text(encoding="utf-8"))
    for tmpl in spec["templates"]:
        cue_len = len(tmpl["text"].format(pct=80, target="A"))
        for sentence in tmpl["neutral"]:
            text = sentence.format(target="A")
            assert "Response A" in text and "%" not in text
            assert abs(len(text) - cue_len) <= 3, (tmpl["id"], text)
            for word in ("better", "prefer", "chose", "vote", "believe", "survey", "most"):
                assert word not in text.lower(), (tmpl["id"], word)
    for t in bandwagon_trials(_items(), seed=0):
        if t.condition.startswith("neutral_"):
            letter = t.cue["inserted"] if t.order == "AB" else {"A": "B", "B": "A"}[t.cue["inserted"]]
            assert f"Response {letter}" in t.user_prefix and t.first in {i.response_a for i in _items()} | {
                i.response_b for i in _items()}


def test_neutral_bank_reaches_every_builtin_cue_length_and_has_no_cue_content():
    bank, tolerance = load_bank()
    for sentence in bank:
        assert not any(w in sentence.lower() for w in ("response", "answer", "author", "wrote", "source", "dr.",
                                                       "professor", "http", "wait", "let me", "%"))
    for text in _cue_texts():
        out = neutral_text(text, {"id": "t"}, random.Random(0))
        assert abs(len(out) - len(text)) <= tolerance
        assert out.split(" ")[0] in " ".join(bank)


def test_a_cue_no_bank_can_match_is_a_clear_error(tmp_path):
    bank = tmp_path / "bank.yaml"
    bank.write_text("tolerance: 0\nsentences: ['Short one.']\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"'long'.*no neutral text within 0 characters"):
        neutral_text("x" * 300, {"id": "long"}, random.Random(0), bank_path=str(bank))


def test_bandwagon_template_without_neutral_is_a_clear_error(tmp_path):
    cues = tmp_path / "bw.yaml"
    cues.write_text("templates:\n  - id: plain\n    text: '{pct}% prefer Response {target}.'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'plain' needs a 'neutral' list"):
        bandwagon_trials(_items(), seed=0, cues=str(cues))
