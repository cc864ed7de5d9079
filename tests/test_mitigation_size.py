"""mitigation_bias_change measures the change in the SIZE of a bias; overshoot is its own row.

Planted judges as verdict frames (no model): a primacy judge and a recency judge that a fix brings
to no position preference, a contrarian cue-follower (negative bias_effect) that a fix makes
indifferent, and a fix that turns +0.3 primacy into -0.3 recency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from judgekit.stats.mitigation import mitigation_metrics

N = 400
SWAP = {"A": "B", "B": "A"}


def position_frame(p_first: float, mitigation: str, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for i in range(N):
        label = "A" if i % 2 else "B"
        for order in ("AB", "BA"):
            choice = "A" if rng.random() < p_first else "B"
            chosen = choice if order == "AB" else SWAP[choice]
            rows.append({"item_id": f"i{i}", "probe": "position", "condition": "control", "order": order,
                         "repeat": 0, "label": label, "kind": "fact", "choice": choice, "chosen": chosen,
                         "correct": chosen == label, "mitigation": mitigation})
    return pd.DataFrame(rows)


def cue_frame(follow: float, mitigation: str, rng: np.random.Generator) -> pd.DataFrame:
    """Control picks gold; a cued trial picks the target with prob ``follow`` if >= 0, else the other one."""
    rows = []
    for i in range(N):
        gold = "A" if i % 2 else "B"
        for order in ("AB", "BA"):
            def add(cond, chosen, target=None, order=order, gold=gold, i=i):
                choice = chosen if order == "AB" else SWAP[chosen]
                rows.append({"item_id": f"i{i}", "probe": "bandwagon", "condition": cond, "order": order,
                             "repeat": 0, "label": gold, "kind": "fact", "choice": choice, "chosen": chosen,
                             "correct": chosen == gold, "cue_target": target, "mitigation": mitigation})
            add("control", gold)
            for cond, target in (("cue_gold", gold), ("cue_other", SWAP[gold])):
                act = rng.random() < abs(follow)
                pick = (target if follow >= 0 else SWAP[target]) if act else gold
                add(cond, pick, target)
    return pd.DataFrame(rows)


def rows(frames, probe):
    m = mitigation_metrics(pd.concat(frames, ignore_index=True), ["none", "fix"], [probe], n_boot=500)
    return {r["metric"]: r for r in m.to_dict(orient="records")}


def covers(r, value):
    return r["ci_low"] <= value <= r["ci_high"]


def test_primacy_judge_fixed():
    rng = np.random.default_rng(1)
    r = rows([position_frame(0.8, "none", rng), position_frame(0.5, "fix", rng)], "position")
    assert covers(r["mitigation_bias_change"], -0.3) and r["mitigation_bias_change"]["ci_high"] < 0
    assert covers(r["mitigation_overshoot"], 0.0)


def test_recency_judge_fixed_shows_a_shrinking_bias():
    # first-position rate 0.3 -> 0.5: the bias (-0.2) shrinks; a signed change would read +0.2 ("worse")
    rng = np.random.default_rng(2)
    r = rows([position_frame(0.3, "none", rng), position_frame(0.5, "fix", rng)], "position")
    change = r["mitigation_bias_change"]
    assert covers(change, -0.2) and change["ci_high"] < 0 and change["estimate"] < 0
    assert covers(r["mitigation_overshoot"], 0.0)


def test_contrarian_cue_follower_fixed():
    # goes against the cue with prob 0.6: bias_effect -0.3; the fix makes it ignore the cue
    rng = np.random.default_rng(3)
    r = rows([cue_frame(-0.6, "none", rng), cue_frame(0.0, "fix", rng)], "bandwagon")
    assert covers(r["mitigation_bias_change"], -0.3) and r["mitigation_bias_change"]["ci_high"] < 0
    assert "-0.3" in r["mitigation_bias_change"]["note"] or "-0.2" in r["mitigation_bias_change"]["note"]


def test_overshooting_fix_is_its_own_row():
    # +0.3 primacy (rate 0.8) turned into -0.3 recency (rate 0.2): no change in size, a clear overshoot
    rng = np.random.default_rng(4)
    r = rows([position_frame(0.8, "none", rng), position_frame(0.2, "fix", rng)], "position")
    assert covers(r["mitigation_bias_change"], 0.0)
    over = r["mitigation_overshoot"]
    assert covers(over, 0.3) and over["ci_low"] > 0.2 and over["p_value"] < 0.01
