"""The paper's metrics and the four findings' tests on hand-built tables whose answers are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from judgekit.stats.findings import (
    CONTRADICTED,
    INCONCLUSIVE,
    SUPPORTED,
    position_preference,
    reflection_effect,
    robustness_interaction,
    susceptibility,
)
from judgekit.stats.paper import design_units, later_position_effects, paper_metrics


def verdicts(rows):
    cols = ["item_id", "probe", "condition", "order", "repeat", "mitigation", "label", "kind", "category",
            "choice", "chosen"]
    return pd.DataFrame([dict(zip(cols, r, strict=True)) for r in rows])


def test_paper_robust_rate_and_accuracy_by_hand():
    # 4 items, gold A, shown in the seeded order AB. Bandwagon cue toward the rejected answer (cue_other):
    # items 1 and 2 flip to B, item 3 stays, item 4 fails to parse under the cue (no answer: leaves the pair).
    rows = []
    for i, (ctrl, cue) in enumerate([("A", "B"), ("A", "B"), ("A", "A"), ("B", None)], start=1):
        rows.append((f"i{i}", "bandwagon", "control", "AB", 0, "none", "A", "preference", "s", ctrl, ctrl))
        rows.append((f"i{i}", "bandwagon", "cue_other", "AB", 0, "none", "A", "preference", "s",
                     cue or "invalid", cue))
        # the counterbalanced half: order BA and the cue toward gold are not the paper's design
        rows.append((f"i{i}", "bandwagon", "cue_gold", "AB", 0, "none", "A", "preference", "s", "A", "A"))
        rows.append((f"i{i}", "bandwagon", "control", "BA", 0, "none", "A", "preference", "s", "B", "A"))
    pm = paper_metrics(verdicts(rows), kind="preference", pairwise=True)
    rr = pm[(pm["metric"] == "paper_robust_rate") & (pm["subset"] == "all")]
    assert len(rr) == 1 and rr.iloc[0]["condition"] == "cue_other"
    assert rr.iloc[0]["estimate"] == pytest.approx(1 / 3) and rr.iloc[0]["n"] == 3
    acc = pm[pm["metric"] == "paper_accuracy"].set_index("condition")["estimate"]
    assert acc["control"] == pytest.approx(3 / 4) and acc["cue_other"] == pytest.approx(1 / 3)
    units = design_units(verdicts(rows))
    assert set(units["condition"]) == {"cue_gold", "cue_other"} and len(units) == 7


def test_later_position_effect_by_hand():
    rows = [("i1", "position", "control", "AB", 0, "none", "A", "preference", "s", "B", "B"),
            ("i1", "position", "control", "BA", 0, "none", "A", "preference", "s", "B", "A"),
            ("i2", "position", "control", "AB", 0, "none", "B", "preference", "s", "A", "A"),
            ("i2", "position", "control", "BA", 0, "none", "B", "preference", "s", "B", "A")]
    eff = later_position_effects(verdicts(rows), pairwise=True).set_index("item_id")["later"]
    assert eff["i1"] == pytest.approx(0.5) and eff["i2"] == pytest.approx(0.0)
    mcq = [("q1", "position", "gold_first", "ABC", 0, "none", "A", "fact", "m", "A", "A"),
           ("q1", "position", "gold_last", "BCA", 0, "none", "A", "fact", "m", "A", "B"),
           ("q2", "position", "gold_first", "ABC", 0, "none", "A", "fact", "m", "B", "B"),
           ("q2", "position", "gold_last", "BCA", 0, "none", "A", "fact", "m", "C", "A")]
    eff = later_position_effects(verdicts(mcq), pairwise=False).set_index("item_id")["later"]
    assert eff["q1"] == -1.0 and eff["q2"] == 1.0


def heads(est_ci_p):
    return pd.DataFrame([{"judge": j, "judge_type": t, "kind": "preference", "probe": p, "metric": "m",
                          "estimate": e, "ci_low": lo, "ci_high": hi, "p_value": pv, "n": 100}
                         for j, t, p, e, lo, hi, pv in est_ci_p])


def test_susceptibility_statuses():
    sig = [("j1", "standard", "bandwagon", 0.3, 0.2, 0.4, 1e-6), ("j2", "reasoning", "bandwagon", 0.2, 0.1, 0.3, 1e-4)]
    assert susceptibility(heads(sig)).status == SUPPORTED
    robust = [("j2", "reasoning", b, 0.0, -0.02, 0.02, 0.9) for b in ("bandwagon", "authority")]
    f = susceptibility(heads(sig[:1] + robust))
    assert f.status == CONTRADICTED and "j2" in f.why
    vague = [("j2", "reasoning", "bandwagon", 0.05, -0.1, 0.2, 0.4)]
    assert susceptibility(heads(sig[:1] + vague)).status == INCONCLUSIVE
    refl = [("j1", "standard", "reflection", 0.0, -0.01, 0.01, 1.0)]
    assert reflection_effect(heads(refl)).status == CONTRADICTED


def units(rates, n=200, seed=0):
    """Item-level robust indicators with the given robust rate per (judge type, kind), the same items."""
    rng = np.random.default_rng(seed)
    rows = []
    for (jtype, kind), p in rates.items():
        hits = rng.random(n) < p
        rows += [{"judge": f"{jtype}-judge", "judge_type": jtype, "kind": kind, "item_id": f"{kind}{i}",
                  "robust": bool(h)} for i, h in enumerate(hits)]
    return pd.DataFrame(rows)


def test_interaction_statuses():
    planted = {("reasoning", "fact"): 0.95, ("standard", "fact"): 0.6, ("reasoning", "preference"): 0.6,
               ("standard", "preference"): 0.6}
    f = robustness_interaction(units(planted))
    assert f.status == SUPPORTED
    inter = f.table.set_index("quantity").loc["interaction (fact - preference)"]
    assert inter["ci_low"] < 0.35 < inter["ci_high"]  # the planted difference in differences
    reversed_ = {**planted, ("reasoning", "fact"): 0.3}
    assert robustness_interaction(units(reversed_)).status == CONTRADICTED
    one_type = units({("standard", "fact"): 0.6, ("standard", "preference"): 0.6})
    f = robustness_interaction(one_type)
    assert f.status == INCONCLUSIVE and "only standard judges" in f.why


def test_position_statuses():
    rng = np.random.default_rng(3)
    noise_r, noise_s = rng.normal(0, 0.1, 50), rng.normal(0, 0.1, 50)

    def eff(shift_reasoning):
        rows = [{"judge": "r", "judge_type": "reasoning", "kind": "preference", "item_id": f"i{i}",
                 "later": shift_reasoning + noise_r[i]} for i in range(50)]
        rows += [{"judge": "s", "judge_type": "standard", "kind": "preference", "item_id": f"i{i}",
                  "later": noise_s[i]} for i in range(50)]
        return pd.DataFrame(rows)

    assert position_preference(eff(0.2)).status == SUPPORTED
    assert position_preference(eff(-0.2)).status == CONTRADICTED
    assert position_preference(eff(0.0)).status == INCONCLUSIVE
    one = eff(0.2)
    one = one[one["judge_type"] == "reasoning"]
    assert position_preference(one).status == INCONCLUSIVE


def test_noise_floor_by_hand():
    from judgekit.stats.paper import noise_floor

    rows = [("i1", "position", "control", "AB", 0, "none", "A", "preference", "s", "A", "A"),
            ("i1", "position", "control", "AB", 1, "none", "A", "preference", "s", "B", "B"),
            ("i1", "position", "control", "AB", 2, "none", "A", "preference", "s", "A", "A"),
            ("i2", "position", "control", "AB", 0, "none", "A", "preference", "s", "A", "A"),
            ("i2", "position", "control", "AB", 1, "none", "A", "preference", "s", "invalid", None)]
    nf = noise_floor(verdicts(rows))
    assert nf["estimate"] == pytest.approx(0.5) and nf["n"] == 2  # the parse failure is no answer
    assert np.isnan(noise_floor(verdicts(rows[:1]))["estimate"])
