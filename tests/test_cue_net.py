"""Cue effects net of the text they add (judgekit.stats.net), checked against planted judges.

Simulated judges (stats level, many replications) and scripted judges (whole pipeline) with a
planted length preference L (the response that received text is picked with probability L)
and / or a planted cue follower q (the cued response is picked with probability q). With a
control that picks the gold response with any probability a and targets balanced between gold
and the other response, the planted truths are::

    added_text_effect = L / 2        cue_net_effect = q (1 - L) / 2
    bias_effect       = added_text_effect + cue_net_effect
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from judgekit import api
from judgekit.probes.attach import authority_trials
from judgekit.stats.cues import cue_metrics, dedupe, prepare
from judgekit.stats.net import headline_metric, is_neutral, net_metrics, neutral_side, shift
from judgekit.types import Item
from tests.conftest import write_fact_items


def _row(m: pd.DataFrame, metric: str, probe: str | None = None, subset: str = "all") -> pd.Series:
    sel = (m.metric == metric) & (m.subset == subset)
    if probe is not None:
        sel &= m.probe == probe
    rows = m[sel]
    assert len(rows) == 1, (probe, metric, subset)
    return rows.iloc[0]


# ---------------------------------------------------------------- hand-computed cases


def _frame(rows):
    cols = ["item_id", "condition", "order", "label", "chosen", "cue_target", "placement"]
    d = pd.DataFrame(rows, columns=cols)
    d["probe"], d["repeat"], d["kind"] = "authority", 0, "fact"
    swap = {"A": "B", "B": "A", "tie": "tie"}
    d["choice"] = [c if o == "AB" else swap[c] for c, o in zip(d.chosen, d.order, strict=True)]
    return dedupe(prepare(d))


def test_hand_computed_table():
    # Item i1 (gold A): control picks A; neutral_other moves it to B (+1 added text, side B);
    # cue_other also B (net 0). Item i2 (gold A): control A, neutral_other A, cue_other B (net +1).
    # Item i3 (gold A): neutral_gold keeps A (0), cue_gold picks B: -1 net on side A.
    rows = [
        ("i1", "control", "AB", "A", "A", None, None), ("i1", "neutral_other", "AB", "A", "B", None, "response_end"),
        ("i1", "cue_other", "AB", "A", "B", "B", "response_end"),
        ("i2", "control", "AB", "A", "A", None, None), ("i2", "neutral_other", "AB", "A", "A", None, "response_end"),
        ("i2", "cue_other", "AB", "A", "B", "B", "response_end"),
        ("i3", "control", "AB", "A", "A", None, None), ("i3", "neutral_gold", "AB", "A", "A", None, "response_end"),
        ("i3", "cue_gold", "AB", "A", "B", "A", "response_end"),
    ]
    m = net_metrics(_frame(rows), n_boot=500)
    added, net = _row(m, "added_text_effect"), _row(m, "cue_net_effect")
    assert (added.estimate, added.n) == (pytest.approx(1 / 3), 3)
    assert (net.estimate, net.n) == (pytest.approx(0.0), 3)  # +1 (i2) and -1 (i3)
    assert net.p_value == 1.0  # one item up, one down: exact sign test
    assert added.p_value == 1.0  # one item up: 2 * 0.5
    assert "1 toward, 0 away" in added.note


def test_sign_test_is_over_items_not_pairs():
    # 10 items, each with 4 pairs all moving toward the side: 40 discordant pairs but 10 items.
    items = np.repeat([f"i{k}" for k in range(10)], 4)
    est, ci, n, p, note = shift(items, np.ones(40, bool), np.zeros(40, bool), n_boot=200)
    assert (est, n) == (1.0, 40)
    assert p == pytest.approx(2 * 0.5 ** 10)
    assert ci[0] < 1.0 <= ci[1]  # degenerate bootstrap: Newcombe interval
    assert "Newcombe" in note


def test_neutral_conditions_and_headline():
    assert is_neutral("neutral_gold") and is_neutral("irrelevant_other") and not is_neutral("cue_gold")
    assert not is_neutral("between") and not is_neutral(None)
    assert neutral_side("neutral_gold", "B") == "B" and neutral_side("neutral_other", "B") == "A"
    assert neutral_side("neutral_a", None) == "A" and neutral_side("irrelevant_b", "A") == "B"
    assert neutral_side("neutral_gold", "tie") is None
    for probe in ("bandwagon", "authority", "verbosity", "distraction", "reflection"):
        assert headline_metric(probe) == "cue_net_effect"
    assert headline_metric("position") == "first_position_rate"
    assert headline_metric("custom") == "bias_effect"


@pytest.mark.parametrize("frame", [pd.DataFrame(), pd.DataFrame({"item_id": [], "condition": []}),
                                   pd.DataFrame({"item_id": ["i"], "condition": ["control"], "choice": ["error"]})])
def test_empty_input_gives_nan_rows(frame):
    m = net_metrics(dedupe(prepare(frame)))
    assert m["estimate"].isna().all() and (m["n"] == 0).all() and m["note"].str.contains("no valid pairs").all()


def test_no_neutral_arm_gives_nan_rows_not_an_error():
    rows = [("i1", "control", "AB", "A", "A", None, None), ("i1", "cue_other", "AB", "A", "B", "B", "x")]
    m = net_metrics(_frame(rows))
    assert m["estimate"].isna().all() and (m["n"] == 0).all()
    assert set(m.metric) == {"added_text_effect", "cue_net_effect"}


def test_cue_metrics_appends_the_net_rows_and_keeps_neutral_out_of_the_cued_set():
    d = _sim_frame(_design(20), np.random.default_rng(0), length=1.0, follow=0.0)
    m = cue_metrics(d, n_boot=200)
    assert {"added_text_effect", "cue_net_effect", "bias_effect"} <= set(m.metric)
    # neutral pairs are not cued pairs: bias_effect "all" counts the cue trials only
    n_cue = int((d.condition.str.startswith("cue_")).sum())
    assert _row(m, "bias_effect").n == n_cue
    assert _row(m, "flip_rate", subset="neutral_other").n > 0


# ---------------------------------------------------------------- simulated replications


def _design(n_items: int) -> pd.DataFrame:
    """The real authority design (control, cue_*, neutral_*, both orders) as a frame without verdicts."""
    items = [Item(f"q{k}", f"Q{k}?", f"right {k}", f"wrong {k}", "AB"[k % 2], "fact") for k in range(n_items)]
    rows = []
    for t in authority_trials(items, seed=1):
        side = t.cue.get("target") or t.cue.get("inserted")
        label = next(i.label for i in items if i.id == t.item_id)
        rows.append({"item_id": t.item_id, "probe": "authority", "condition": t.condition, "order": t.order,
                     "repeat": t.repeat, "label": label, "kind": "fact", "cue_target": t.cue.get("target"),
                     "template": t.cue.get("template"), "placement": t.cue.get("placement"), "side": side})
    return pd.DataFrame(rows)


def _sim_frame(design: pd.DataFrame, rng: np.random.Generator, *, length: float, follow: float,
               accuracy: float = 0.8, spread: float = 0.0) -> pd.DataFrame:
    """Verdicts of a judge that picks the response that received text w.p. L_i and follows a cue
    w.p. q_i (item-level rates: mean ``length`` / ``follow``, +-``spread``), else gold w.p. a_i."""
    items = design["item_id"].unique()
    jitter = rng.choice([-spread, 0.0, spread], size=len(items))
    # rates vary by item around their mean (only where the mean leaves room, so the mean is the truth)
    per_item = pd.DataFrame({"item_id": items, "L": length + (jitter if length >= spread else 0.0),
                             "q": follow + (jitter[::-1] if follow >= spread else 0.0),
                             "a": rng.uniform(accuracy - 0.15, min(1.0, accuracy + 0.15), len(items))})
    d = design.merge(per_item, on="item_id")
    gold, other = d["label"].to_numpy(object), np.where(d["label"] == "A", "B", "A")
    p_gold = d["a"].to_numpy()
    side = d["side"].to_numpy(object)
    has_text = d["condition"].str.startswith(("cue_", "neutral_")).to_numpy()
    is_cue = d["condition"].str.startswith("cue_").to_numpy()
    u = rng.random((3, len(d)))
    chosen = np.where(u[0] < p_gold, gold, other)
    chosen = np.where(has_text & (u[1] < d["L"].to_numpy()), side, chosen)
    chosen = np.where(is_cue & (u[2] < d["q"].to_numpy()), side, chosen)
    out = d.drop(columns=["side", "L", "q", "a"]).copy()
    out["chosen"] = chosen
    out["choice"] = np.where(out["order"] == "AB", chosen, np.where(chosen == "A", "B", "A"))
    return out


def _coverage(length: float, follow: float, reps: int = 200, n_items: int = 60, spread: float = 0.1):
    design = _design(n_items)
    rng = np.random.default_rng(20261201)
    truth = {"added_text_effect": length / 2, "cue_net_effect": follow * (1 - length) / 2}
    hits = {m: 0 for m in truth}
    rejects = {m: 0 for m in truth}
    for r in range(reps):
        sim = _sim_frame(design, rng, length=length, follow=follow, spread=spread)
        m = net_metrics(dedupe(prepare(sim)), n_boot=400, seed=r)
        for metric, value in truth.items():
            row = _row(m, metric)
            hits[metric] += row.ci_low <= value <= row.ci_high
            rejects[metric] += row.p_value < 0.05
    return {k: v / reps for k, v in hits.items()}, {k: v / reps for k, v in rejects.items()}


def test_pure_length_preference_is_not_a_cue_effect():
    # L = 0.4, q = 0: the cue's content does nothing; every extra text moves the judge by L / 2.
    cover, reject = _coverage(length=0.4, follow=0.0)
    assert cover["cue_net_effect"] >= 0.93, cover
    assert reject["cue_net_effect"] <= 0.05 + 0.03, reject  # nominal rate, Monte Carlo error of 200 runs
    assert cover["added_text_effect"] >= 0.93, cover
    assert reject["added_text_effect"] >= 0.99, reject  # the planted length effect is found


def test_cue_follower_without_length_preference_is_recovered():
    cover, reject = _coverage(length=0.0, follow=0.4)
    assert cover["cue_net_effect"] >= 0.93, cover  # q / 2
    assert reject["cue_net_effect"] >= 0.99, reject
    assert cover["added_text_effect"] >= 0.93, cover  # 0: neutral text moves nothing


def test_length_preference_and_cue_follower_are_recovered_separately():
    cover, reject = _coverage(length=0.3, follow=0.4)
    assert cover["cue_net_effect"] >= 0.93, cover  # q (1 - L) / 2 = 0.14
    assert cover["added_text_effect"] >= 0.93, cover  # L / 2 = 0.15
    assert reject["added_text_effect"] >= 0.99 and reject["cue_net_effect"] >= 0.8, reject  # power at 60 items


def test_heterogeneous_null_keeps_the_sign_test_at_alpha():
    # Items react to the neutral text in opposite directions (mean zero): no added-text effect.
    design = _design(60)
    rng = np.random.default_rng(7)
    rejections = 0
    for r in range(200):
        sim = _sim_frame(design, rng, length=0.0, follow=0.0)
        flip = rng.choice([-1, 0, 0, 1], size=design["item_id"].nunique())
        react = dict(zip(design["item_id"].unique(), flip, strict=True))
        neutral = sim["condition"].str.startswith("neutral_").to_numpy()
        toward = np.array([react[i] for i in sim["item_id"]])
        side = design["side"].to_numpy(object)
        away = np.where(side == "A", "B", "A")
        sim["chosen"] = np.where(neutral & (toward == 1), side, np.where(neutral & (toward == -1), away,
                                                                           sim["chosen"]))
        sim["choice"] = np.where(sim["order"] == "AB", sim["chosen"], np.where(sim["chosen"] == "A", "B", "A"))
        m = net_metrics(dedupe(prepare(sim)), n_boot=50, seed=r)
        rejections += _row(m, "added_text_effect").p_value < 0.05
    assert rejections / 200 <= 0.05 + 0.03


# ---------------------------------------------------------------- whole pipeline


PIPELINE_PROBES = ["bandwagon", "authority", "verbosity", "distraction", "reflection"]
TEXT_PROBES = ["authority", "verbosity", "distraction", "reflection"]


@pytest.fixture(scope="module")
def fact_data(tmp_path_factory):
    return write_fact_items(tmp_path_factory.mktemp("net") / "d.jsonl", 100)


def _evaluate(judge, data, tmp_path):
    res = api.evaluate("bias", judge=judge, data=str(data), db=tmp_path / "n.duckdb", probes=PIPELINE_PROBES,
                       make_report=False, progress=False)
    return res.metrics


def test_pipeline_length_judge_is_explained_by_added_text(fact_data, tmp_path):
    # Equal-length responses, so control always picks gold: added text moves P(side) by L / 2.
    m = _evaluate("scripted/longer=0.4", fact_data, tmp_path)
    for probe in PIPELINE_PROBES:
        net = _row(m, "cue_net_effect", probe)
        assert net.ci_low <= 0 <= net.ci_high, (probe, net.estimate, net.ci_low, net.ci_high)
    for probe in TEXT_PROBES:
        added, raw = _row(m, "added_text_effect", probe), _row(m, "bias_effect", probe)
        # coverage is checked over replications above; one run: within 3 standard errors (~0.023)
        assert abs(added.estimate - 0.2) < 0.07 and added.ci_low > 0, (probe, added.estimate)
        assert raw.ci_low > 0, probe  # the raw effect alone would blame the cue
    assert _row(m, "added_text_effect", "bandwagon").estimate == 0  # a prompt sentence adds no length


def test_pipeline_cue_follower_and_length_judge(fact_data, tmp_path):
    m = _evaluate("scripted/cue=0.4,longer=0.3", fact_data, tmp_path)
    for probe in TEXT_PROBES:
        net, added = _row(m, "cue_net_effect", probe), _row(m, "added_text_effect", probe)
        assert abs(net.estimate - 0.4 * 0.7 / 2) < 0.07 and net.ci_low > 0, (probe, net.estimate)
        assert abs(added.estimate - 0.15) < 0.07 and added.ci_low > 0, (probe, added.estimate)
        raw = _row(m, "bias_effect", probe)
        assert raw.estimate == pytest.approx(net.estimate + added.estimate)  # every verdict valid
    bw = _row(m, "cue_net_effect", "bandwagon")
    assert bw.ci_low <= 0.2 <= bw.ci_high and bw.p_value < 1e-6  # q / 2: no length in the prompt cue
