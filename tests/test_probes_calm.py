"""The identity, diversity, refinement and fallacy probes: their designs, item by item."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
import yaml

from judgekit.datasets.loaders import load_items
from judgekit.judges.scripted import _cue_texts
from judgekit.plan import PROBES, load_suite
from judgekit.probes.attach import diversity_trials, refinement_trials
from judgekit.probes.cues import load_cues
from judgekit.probes.fallacy import fallacy_trials
from judgekit.probes.identity import check_identity_spec, identity_trials
from judgekit.probes.neutral import load_bank, neutral_text
from judgekit.resources import suites_dir
from judgekit.stats.design import NEUTRAL_PROBES, headline_metric
from judgekit.types import Item

FIXTURE = Path(__file__).parent / "data" / "fallacies_small.jsonl"


def _items(n: int = 40) -> list[Item]:
    return [Item(f"q{k}", f"What is {k} + 1?", f"It is {k + 1}.", f"It is {k + 2}.", "AB"[k % 2], "fact")
            for k in range(n)]


def _by(trials, item_id, condition, order):
    (t,) = [t for t in trials if (t.item_id, t.condition, t.order) == (item_id, condition, order)]
    return t


def test_new_probes_are_registered_as_cue_probes_with_a_neutral_control():
    for probe in ("identity", "diversity", "refinement"):
        assert probe in PROBES and probe in NEUTRAL_PROBES and headline_metric(probe) == "cue_net_effect"
    assert headline_metric("fallacy") == "flawed_preference_rate"
    calm = load_suite("calm")
    assert {"identity", "diversity", "refinement", "position", "bandwagon"} <= set(calm.probes)
    assert "identity" not in load_suite("bias").probes  # the default suite is unchanged
    assert load_suite("fallacy").data == ("fallacies",)


# ---------------------------------------------------------------- identity


def test_identity_names_are_swapped_between_cue_gold_and_cue_other():
    items = _items()
    trials = identity_trials(items, seed=3)
    spec = load_cues("identity")
    fmt = spec["format"]
    for it in items:
        tmpl = next(t for t in spec["templates"] if t["id"] == _by(trials, it.id, "cue_gold", "AB").cue["template"])
        high, low = fmt.format(name=tmpl["high"]), fmt.format(name=tmpl["low"])
        gold_text = it.response_a if it.label == "A" else it.response_b
        for order in ("AB", "BA"):
            ctrl = _by(trials, it.id, "control", order)
            assert "[Response written by" not in ctrl.first + ctrl.second  # control: no attribution
            for cond, on_gold in (("cue_gold", high), ("cue_other", low)):
                t = _by(trials, it.id, cond, order)
                shown_gold = t.first if t.first.endswith(gold_text) else t.second
                shown_other = t.second if shown_gold is t.first else t.first
                assert shown_gold.startswith(on_gold + "\n\n")
                assert shown_other.startswith((low if on_gold == high else high) + "\n\n")
                assert t.cue["template"] == tmpl["id"]  # one name pair per item
            for cond, target in (("cue_gold", it.label), ("cue_other", "B" if it.label == "A" else "A")):
                assert _by(trials, it.id, cond, order).cue["target"] == target


def test_identity_neutral_control_uses_anonymous_labels_of_the_names_lengths():
    items = _items(20)
    trials = identity_trials(items, seed=1)
    spec = load_cues("identity")
    check_identity_spec(spec)  # the shipped file passes its own check
    for t in (t for t in trials if t.condition.startswith("neutral_")):
        tmpl = next(x for x in spec["templates"] if x["id"] == t.cue["template"])
        assert t.cue["target"] is None and t.cue["control"] == "neutral"
        for name, label in zip((tmpl["high"], tmpl["low"]), tmpl["neutral"], strict=True):
            assert abs(len(name) - len(label)) <= spec["tolerance"]
            assert name not in t.first + t.second
        assert spec["format"].format(name=tmpl["neutral"][0]) in t.first + t.second


def test_identity_cue_text_is_recognised_only_on_the_high_standing_response():
    # The scripted judge's cue rule reads the high-standing attribution; no other line may contain one.
    spec = load_cues("identity")
    fmt = spec["format"]
    highs = [fmt.format(name=t["high"]) for t in spec["templates"]]
    others = [fmt.format(name=n) for t in spec["templates"] for n in (t["low"], *t["neutral"])]
    assert set(highs) <= set(_cue_texts())
    assert not [(h, o) for h in highs for o in others if h in o]


@pytest.mark.parametrize("change, message", [
    ({"format": "Written by someone"}, "'format' must be a string containing {name}"),
    ({"templates": [{"id": "x", "high": "GPT-4", "low": "GPT-4", "neutral": ["a", "b"]}]}, "are the same name"),
    ({"templates": [{"id": "x", "high": "GPT-4", "low": "a bot", "neutral": ["Writer number 1", "bot 2"]}]},
     "template 'x': neutral label 'Writer number 1' (15 characters) is not within 3 characters of 'GPT-4'"),
    ({"templates": [{"id": "x", "high": "GPT-4", "low": "a bot"}]}, "'neutral' must be two labels"),
])
def test_identity_spec_errors_name_the_template_and_field(tmp_path, change, message):
    spec = {**yaml.safe_load((suites_dir() / "cues" / "identity.yaml").read_text(encoding="utf-8")), **change}
    path = tmp_path / "ids.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(ValueError) as e:
        identity_trials(_items(2), seed=0, cues=str(path))
    assert message in str(e.value) and str(path) in str(e.value)


# ---------------------------------------------------------------- diversity and refinement


def test_every_diversity_and_refinement_cue_has_a_neutral_text_of_its_length():
    _, tolerance = load_bank()
    for probe in ("diversity", "refinement"):
        for tmpl in load_cues(probe)["templates"]:
            text = neutral_text(tmpl["text"], tmpl, random.Random(0))
            assert abs(len(text) - len(tmpl["text"])) <= tolerance, (probe, tmpl["id"])


def test_diversity_draws_one_group_per_item_and_covers_every_dimension():
    items = _items(200)
    trials = diversity_trials(items, seed=5)
    per_item = {}
    for t in trials:
        if t.cue.get("template"):
            per_item.setdefault(t.item_id, set()).add(t.cue["template"])
    assert all(len(groups) == 1 for groups in per_item.values())  # same group in every condition and order
    groups = Counter(next(iter(g)) for g in per_item.values())
    assert {g.split("-")[0] for g in groups} == {"gender", "ethnicity", "age", "religion", "nationality"}
    assert len(groups) == len(load_cues("diversity")["templates"])
    for it in items[:10]:  # counterbalanced across responses: the group sits on gold and on the other one
        text = _by(trials, it.id, "cue_gold", "AB").cue["text"]
        gold = _by(trials, it.id, "cue_gold", "AB")
        other = _by(trials, it.id, "cue_other", "AB")
        assert gold.cue["target"] == it.label and other.cue["target"] != it.label
        assert text in (gold.first if it.label == "A" else gold.second)
        assert text in (other.second if it.label == "A" else other.first)


def test_refinement_appends_a_draft_sentence_and_a_neutral_control_of_its_length():
    items = _items(10)
    trials = refinement_trials(items, seed=2)
    assert Counter(t.condition for t in trials) == {c: 20 for c in
                                                     ("control", "cue_gold", "cue_other", "neutral_gold",
                                                      "neutral_other")}
    t = _by(trials, "q0", "cue_gold", "AB")
    assert t.first.endswith(t.cue["text"])
    assert t.cue["text"] in [x["text"] for x in load_cues("refinement")["templates"]]
    n = _by(trials, "q0", "neutral_gold", "AB")
    assert abs(len(n.cue["text"]) - len(t.cue["text"])) <= load_bank()[1] and n.first.endswith(n.cue["text"])


# ---------------------------------------------------------------- fallacy


def test_fallacy_fixture_and_trials_in_both_orders():
    items = load_items(str(FIXTURE))
    assert len(items) == 16 and all(it.label in ("A", "B") and it.category == it.metadata["fallacy"] for it in items)
    trials = fallacy_trials(items, seed=0)
    assert len(trials) == 32 and {t.condition for t in trials} == {"control"}
    for it in items:
        ab, ba = _by(trials, it.id, "control", "AB"), _by(trials, it.id, "control", "BA")
        assert (ab.first, ab.second) == (ba.second, ba.first) == (it.response_a, it.response_b)
        assert ab.gold_position == it.label and ba.gold_position != it.label
    rep = fallacy_trials(items, seed=0, repeats=2, repeat_fraction=1.0)
    assert len(rep) == 16 * 2 * 3


def test_fallacy_needs_labelled_items():
    items = [Item("u1", "Q?", "a", "b", None, "preference")]
    with pytest.raises(ValueError, match="item 'u1' has label None"):
        fallacy_trials(items, seed=0)

