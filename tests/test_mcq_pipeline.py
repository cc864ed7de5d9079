"""Planted-judge tests of the mcq protocol through the whole pipeline (api.evaluate, the store, the metrics).

Scripted judges with a known slot preference or cue following: the metrics recover the planted effect with
intervals that cover its known value, and a judge without it shows none.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from judgekit import api
from judgekit.datasets.mcq import load_mcq_items

DATA = Path(__file__).parent / "data" / "mcq_items.jsonl"
N_OPTIONS = np.array([len(it.options) for it in load_mcq_items(str(DATA))])


def _run(tmp_path: Path, suite: str, judge: str, **kw):
    res = api.evaluate(suite, judge=judge, data=str(DATA), protocol="mcq", db=tmp_path / "m.duckdb",
                       out=tmp_path, progress=False, **kw)
    m = res.metrics
    return res, {(r["probe"], r["metric"], r["subset"]): r for r in m.to_dict("records")}


def _covers(row, value: float) -> bool:
    return row["ci_low"] <= value <= row["ci_high"]


def test_planted_first_slot_preference_is_recovered(tmp_path):
    res, m = _run(tmp_path, "position", "scripted/first=0.3", make_report=False)
    gap = m[("position", "mcq_gold_position_gap", "all")]
    assert gap["estimate"] > 0 and _covers(gap, 0.3) and gap["p_value"] < 0.01  # 1.0 gold first, 0.7 gold last
    assert gap["family"] == "headline"
    first = m[("position", "mcq_first_slot_preference", "shuffle")]
    assert _covers(first, 0.3 * float(np.mean(1 - 1 / N_OPTIONS))) and first["ci_low"] > 0
    assert m[("position", "mcq_accuracy", "gold_first")]["estimate"] == 1.0
    assert _covers(m[("position", "mcq_accuracy", "gold_last")], 0.7)
    assert res.stats.n_trials == 3 * len(N_OPTIONS)


def test_planted_last_slot_preference_is_recovered(tmp_path):
    _, m = _run(tmp_path, "position", "scripted/last=0.4", make_report=False)
    assert _covers(m[("position", "mcq_gold_position_gap", "all")], -0.4)
    last = m[("position", "mcq_last_slot_preference", "shuffle")]
    assert _covers(last, 0.4 * float(np.mean(1 - 1 / N_OPTIONS))) and last["ci_low"] > 0


def test_planted_cue_following_is_recovered(tmp_path):
    _, m = _run(tmp_path, "bandwagon", "scripted/cue=0.5", make_report=False)
    # the judge is right unless it follows the cue: a cue naming the gold option changes nothing, one naming
    # the wrong option is followed half the time
    assert m[("bandwagon", "mcq_cue_net_shift", "gold")]["estimate"] == 0.0
    wrong = m[("bandwagon", "mcq_cue_net_shift", "wrong")]
    assert _covers(wrong, 0.5) and wrong["p_value"] < 0.001
    headline = m[("bandwagon", "mcq_cue_net_shift", "all")]
    assert _covers(headline, 0.25) and headline["family"] == "headline" and headline["p_adjusted"] < 0.001
    assert _covers(m[("bandwagon", "mcq_cue_shift", "all")], 0.25)
    assert m[("bandwagon", "mcq_added_text_shift", "all")]["estimate"] == 0.0  # the neutral text is no cue
    assert _covers(m[("bandwagon", "mcq_accuracy_change", "cue_wrong")], -0.5)
    assert _covers(m[("bandwagon", "mcq_cue_pick_rate", "cue_wrong")], 0.5)


def test_a_judge_without_the_biases_shows_none(tmp_path):
    _, exact = _run(tmp_path, "bias", "scripted/gold", make_report=False)
    shifts = [r for k, r in exact.items() if k[1] in ("mcq_gold_position_gap", "mcq_cue_net_shift", "mcq_cue_shift",
                                                       "mcq_added_text_shift", "mcq_accuracy_change")]
    assert len(shifts) == 1 + 4 * (3 * 3 + 2) and all(r["estimate"] == 0.0 for r in shifts)
    assert ("verbosity", "mcq_accuracy", "control") not in exact  # no multiple-choice form: left out
    # a judge that is often wrong, at random: no headline is significant and every one covers 0
    _, m = _run(tmp_path, "bias", "scripted/accuracy=0.6", make_report=False)
    headlines = [r for r in m.values() if r["family"] == "headline"]
    assert len(headlines) == 5
    assert all(_covers(r, 0.0) and r["p_adjusted"] > 0.05 for r in headlines), headlines
    for key in (("position", "mcq_first_slot_preference", "shuffle"), ("position", "mcq_last_slot_preference",
                                                                      "shuffle")):
        assert _covers(m[key], 0.0), key
    assert _covers(m[("position", "mcq_accuracy", "all")], 0.6)


@pytest.mark.parametrize("probe", ["authority", "distraction", "reflection"])
def test_option_cues_are_followed_by_a_cue_following_judge(tmp_path, probe):
    _, m = _run(tmp_path, probe, "scripted/cue=1", make_report=False)
    assert m[(probe, "mcq_cue_pick_rate", "cue_wrong")]["estimate"] == 1.0
    assert m[(probe, "mcq_accuracy", "neutral_wrong")]["estimate"] == 1.0


def test_an_mcq_run_resumes_and_reports(tmp_path):
    res, _ = _run(tmp_path, "bandwagon", "scripted/cue=0.5", limit=8)
    again, _ = _run(tmp_path, "bandwagon", "scripted/cue=0.5", limit=8)
    assert again.run_id == res.run_id and again.stats.resumed
    html = Path(res.report_path).read_text(encoding="utf-8")
    assert "mcq" in html and "Response A" not in html
