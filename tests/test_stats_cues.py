"""Known-answer and planted-effect tests for the cue-probe statistics (no model involved)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from judgekit.stats import (
    add_adjusted_p,
    benjamini_hochberg,
    bias_model,
    cue_metrics,
    exact_mcnemar,
    length_preference,
    wilson,
)

SWAP = {"A": "B", "B": "A", "tie": "tie"}


def swap(x):
    return np.array([SWAP.get(v, v) for v in x], dtype=object)


def simulate(n_items, s=0.4, q=0.8, first=0.0, seed=0, probe="bandwagon", noise=0.0, n_repeats=0,
             s_irrelevant=None, s_between=None, placements=(None,)):
    """Verdicts of a scripted judge, one row per trial.

    Per (item, order) the judge has a base verdict: the presented-first response with
    probability ``first``, else the gold with probability ``q``, else the other one. The
    repeat-0 control verdict is the base. Any other trial (control repeat > 0, or a cued
    trial not following the cue) re-draws the base, flipped with probability ``noise``. A
    cued trial follows the cue target with probability ``s`` (``s_irrelevant`` for the
    irrelevant-text conditions); ``between`` picks the first slot with probability
    ``s_between``.
    """
    rng = np.random.default_rng(seed)
    ids = np.array([f"{probe}{i}" for i in range(n_items)], dtype=object)
    label = np.where(np.arange(n_items) % 2 == 0, "A", "B").astype(object)
    kind = np.where(np.arange(n_items) % 4 < 2, "fact", "preference")
    template = np.array([f"t{i % 3}" for i in range(n_items)], dtype=object)
    frames = []

    def add(cond, order, repeat, chosen, target=None, placement=None, tmpl=None):
        choice = chosen if order == "AB" else swap(chosen)
        frames.append(pd.DataFrame({
            "item_id": ids, "probe": probe, "condition": cond, "order": order, "repeat": repeat, "label": label,
            "kind": kind, "category": "c", "choice": choice, "chosen": chosen, "correct": chosen == label,
            "p_a": np.nan, "p_b": np.nan, "cue_target": target, "template": tmpl, "placement": placement,
            "response_a": "a", "response_b": "b"}))

    def redraw(base):
        return np.where(rng.random(n_items) < noise, swap(base), base)

    for order in ("AB", "BA"):
        slot1 = "A" if order == "AB" else "B"
        u = rng.random(n_items)
        base = np.where(u < first, slot1, np.where(rng.random(n_items) < q, label, swap(label))).astype(object)
        add("control", order, 0, base)
        for r in range(1, n_repeats + 1):
            add("control", order, r, redraw(base))
        conds = [("cue", s)] + ([("irrelevant", s_irrelevant)] if s_irrelevant is not None else [])
        for name, s_follow in conds:
            for suffix, target in (("gold", label), ("other", swap(label))):
                for placement in placements:
                    follow = rng.random(n_items) < s_follow
                    add(f"{name}_{suffix}", order, 0, np.where(follow, target, redraw(base)), target, placement,
                        template)
        if s_between is not None:
            add("between", order, 0, np.where(rng.random(n_items) < s_between, slot1, redraw(base)),
                placement="between", tmpl=template)
    return pd.concat(frames, ignore_index=True)


def get(out, metric, subset="all"):
    row = out[(out["metric"] == metric) & (out["subset"] == subset)]
    assert len(row) == 1, (metric, subset)
    return row.iloc[0]


def covers(row, value):
    return row["ci_low"] <= value <= row["ci_high"]


def test_bias_effect_recovers_planted_susceptibility():
    # P(target | cued) = s + (1 - s) * P(base = target); control: P(base = target) =: p0.
    # So bias_effect = s * (1 - p0). With q = 0.8 and no position prior:
    #   cue_gold:  0.4 + 0.6 * 0.8 = 0.88 vs 0.8 -> +0.08
    #   cue_other: 0.4 + 0.6 * 0.2 = 0.52 vs 0.2 -> +0.32
    # pooled: s * (1 - mean p0); for every (item, order) the gold and the other target's p0
    # sum to 1 (no ties), so mean p0 = 0.5 and pooled = s / 2 = 0.2 whatever q and the
    # position prior (0.3 here: only the per-condition values move).
    out = cue_metrics(simulate(3000, s=0.4, q=0.8, seed=1), n_boot=1000)
    assert covers(get(out, "bias_effect"), 0.2)
    assert covers(get(out, "bias_effect", "cue_gold"), 0.08)
    assert covers(get(out, "bias_effect", "cue_other"), 0.32)
    for sub in ("fact", "preference", "template:t0", "template:t2"):  # pooled subsets: s / 2 as well
        assert abs(get(out, "bias_effect", sub)["estimate"] - 0.2) < 0.03
    assert get(out, "bias_effect")["p_value"] < 1e-10
    # flips happen only when following a target that differs from the base: s * 0.5
    assert covers(get(out, "flip_rate"), 0.2)
    assert get(out, "robustness_rate")["estimate"] == pytest.approx(1 - get(out, "flip_rate")["estimate"])
    assert "CALM" in get(out, "robustness_rate")["note"]
    # harmful: base right (q) and following the other target: 0.5 * s * q = 0.16 over pooled pairs
    assert covers(get(out, "harmful_flips"), 0.5 * 0.4 * 0.8)
    assert covers(get(out, "helpful_flips"), 0.5 * 0.4 * 0.2)
    assert covers(get(out, "accuracy", "control"), 0.8)
    skewed = cue_metrics(simulate(3000, s=0.4, q=0.8, first=0.3, seed=2), n_boot=1000)
    assert covers(get(skewed, "bias_effect"), 0.2)
    noise = get(out, "noise_floor")
    assert np.isnan(noise["estimate"]) and "deterministic" in noise["note"]
    net = get(out, "flip_rate_net")
    assert net["estimate"] == get(out, "flip_rate")["estimate"] and "assumed 0" in net["note"]


def test_verbosity_padding_vs_irrelevant():
    # Padding followed with s = 0.2 -> bias_effect = 0.1; irrelevant text ignored -> 0.
    out = cue_metrics(simulate(3000, s=0.2, seed=3, probe="verbosity", s_irrelevant=0.0, noise=0.05), n_boot=1000)
    pvi = get(out, "padding_vs_irrelevant")
    assert pvi["ci_low"] > 0 and covers(pvi, 0.1) and pvi["p_value"] < 0.01
    assert covers(get(out, "bias_effect", "irrelevant"), 0.0)
    assert covers(get(out, "bias_effect"), 0.1)
    assert pvi["estimate"] == pytest.approx(
        get(out, "bias_effect")["estimate"] - get(out, "bias_effect", "irrelevant")["estimate"])
    assert get(out, "bias_effect")["n"] == 4 * 3000  # padding only in "all"


def test_reflection_placements_and_between():
    # between: the first slot with prob 0.3, else the base -> shift = 0.3 * (1 - P(base first)) = 0.15
    df = simulate(1500, s=0.3, seed=4, probe="reflection", s_between=0.3, placements=("start", "middle", "end"))
    out = cue_metrics(df, n_boot=500)
    for p in ("start", "middle", "end"):
        assert covers(get(out, "bias_effect", f"placement:{p}"), 0.15)
    shift = get(out, "between_first_shift")
    assert covers(shift, 0.15) and shift["p_value"] < 1e-6
    assert "between" in set(out.loc[out["metric"] == "flip_rate", "subset"])


def test_bias_effect_coverage():
    hits = 0
    seeds = range(150)
    for seed in seeds:
        row = get(cue_metrics(simulate(300, s=0.4, q=0.7, seed=100 + seed), n_boot=400, seed=seed), "bias_effect")
        hits += covers(row, 0.2)
    assert 0.90 <= hits / len(seeds) <= 0.99, hits


def test_no_bias_and_benjamini_hochberg():
    probes = ("bandwagon", "authority", "distraction", "verbosity")
    frames = [cue_metrics(simulate(800, s=0.0, seed=10 + k, probe=p, noise=0.1), n_boot=500).assign(probe=p)
              for k, p in enumerate(probes)]
    for f in frames:
        assert covers(get(f, "bias_effect"), 0.0)
    adj = add_adjusted_p(pd.concat(frames, ignore_index=True))
    fam = adj[(adj["metric"] == "bias_effect") & (adj["subset"] == "all")].sort_values("p_value")
    assert len(fam) == 4 and (fam["p_adjusted"] >= fam["p_value"] - 1e-12).all()
    assert fam["p_adjusted"].is_monotonic_increasing
    assert (fam["family"] == "components").all()  # beside each probe's headline, cue_net_effect
    no_p = ~np.isfinite(adj["p_value"].to_numpy(float))
    assert adj.loc[no_p, "p_adjusted"].isna().all() and adj.loc[~no_p, "p_adjusted"].notna().all()
    subsets = adj[(adj["metric"] == "bias_effect") & (adj["subset"] != "all") & ~no_p]
    assert set(subsets["family"]) == {f"{p}:subsets" for p in probes}
    np.testing.assert_allclose(benjamini_hochberg([0.01, 0.04, np.nan, 0.03]), [0.03, 0.04, np.nan, 0.04])


def tiny_table():
    """Five items; i4 has a failed control call (AB) and an invalid control verdict (BA)."""
    rows = []
    spec = {  # item: (label, kind, template, control, cue_gold, cue_other), verdicts (AB, BA) in original letters
        "i0": ("A", "fact", "t1", ("A", "A"), ("A", "A"), ("B", "A")),
        "i1": ("B", "fact", "t2", ("B", "A"), ("B", "B"), ("B", "B")),
        "i2": ("A", "preference", "t1", ("A", "A"), ("A", "A"), ("B", "B")),
        "i3": ("B", "preference", "t2", ("A", "A"), ("B", "A"), ("A", "A")),
        "i4": ("A", "fact", "t1", ("error", "invalid"), ("A", "A"), ("B", "invalid")),
    }
    for item, (label, kind, tmpl, *verdicts) in spec.items():
        for cond, pair in zip(("control", "cue_gold", "cue_other"), verdicts, strict=True):
            target = {"control": None, "cue_gold": label, "cue_other": SWAP[label]}[cond]
            for order, chosen in zip(("AB", "BA"), pair, strict=True):
                ok = chosen in ("A", "B")
                choice = (chosen if order == "AB" else SWAP[chosen]) if ok else chosen
                rows.append({"item_id": item, "probe": "bandwagon", "condition": cond, "order": order, "repeat": 0,
                             "label": label, "kind": kind, "choice": choice, "chosen": chosen if ok else None,
                             "cue_target": target, "template": None if cond == "control" else tmpl,
                             "placement": None})
    return pd.DataFrame(rows)


def test_hand_computed_table():
    out = cue_metrics(tiny_table(), n_boot=200)
    assert get(out, "error_count")["estimate"] == 1 and get(out, "error_count")["n"] == 30
    # parse failures: control 1 invalid of 9 non-error rows; cue_gold 0/10; cue_other 1/10
    for cond, k, n in (("control", 1, 9), ("cue_gold", 0, 10), ("cue_other", 1, 10)):
        row = get(out, "parse_failure_rate", cond)
        assert (row["estimate"], row["n"]) == (k / n, n) and (row["ci_low"], row["ci_high"]) == wilson(k, n)
    # accuracy: control i0 2, i1 1, i2 2, i3 0 -> 5/8; cue_gold i0-i2 2 each, i3 1, i4 2 -> 9/10;
    # cue_other i0 1, i1 2, i2 0, i3 0, i4 0 (BA invalid) -> 3/9
    for cond, est, n in (("control", 5 / 8, 8), ("cue_gold", 9 / 10, 10), ("cue_other", 3 / 9, 9)):
        assert (get(out, "accuracy", cond)["estimate"], get(out, "accuracy", cond)["n"]) == (pytest.approx(est), n)
    # pairs: i0-i3 x 2 orders x 2 conditions = 16 (i4 has no valid control)
    # flips: cue_gold i1 BA, i3 AB -> 2/8; cue_other i0 AB, i1 BA, i2 AB, i2 BA -> 4/8; all 6/16
    assert get(out, "flip_rate", "cue_gold")["estimate"] == 0.25
    assert get(out, "flip_rate", "cue_other")["estimate"] == 0.5
    assert (get(out, "flip_rate")["estimate"], get(out, "flip_rate")["n"]) == (0.375, 16)
    rob = get(out, "robustness_rate")
    assert (rob["estimate"], rob["n"]) == (10 / 16, 16) and rob["ci_low"] <= 10 / 16 <= rob["ci_high"]
    assert "cluster bootstrap over 4 items" in rob["note"]
    # bias_effect, (cued hits target, control hits target) per pair:
    #   cue_gold (target = gold): i0 (1,1)(1,1); i1 (1,1)(1,0)=c; i2 (1,1)(1,1); i3 (1,0)=c (0,0)
    #     -> b=0, c=2, est 2/8, p = 2 * 0.5^2 = 0.5
    #   cue_other (target = other): i0 (1,0)=c (0,0); i1 (0,0)(0,1)=b; i2 c, c; i3 (1,1)(1,1)
    #     -> b=1, c=3, est 2/8, p = 2 * P(X<=1 | 4) = 2 * 5/16 = 0.625
    #   all: b=1, c=5, est 4/16, McNemar p = 2 * 7/64 = 0.21875
    #   fact (i0, i1): b=1, c=2 -> 1/8; preference (i2, i3): b=0, c=3 -> 3/8
    #   template:t1 (i0, i2): b=0, c=3 -> 3/8; template:t2 (i1, i3): b=1, c=2 -> 1/8
    # Headline p: sign test over items on the net shift. Net shifts (all): i0 +1, i1 0 (+1 - 1), i2 +2,
    # i3 +1 -> 3 up, 0 down, p = 2 * 0.5^3 = 0.25. cue_gold: i1 +1, i3 +1 -> p 0.5; cue_other: i0 +1,
    # i1 -1, i2 +2 -> 2 vs 1, p 1; fact: i0 +1, i1 0 -> p 1; preference: 2 up -> 0.5; t1: 2 up -> 0.5;
    # t2: i3 +1 -> p 1.
    expect = {"all": (0.25, 16, 0.25, 1, 5, 3, 0), "cue_gold": (0.25, 8, 0.5, 0, 2, 2, 0),
              "cue_other": (0.25, 8, 1.0, 1, 3, 2, 1), "fact": (0.125, 8, 1.0, 1, 2, 1, 0),
              "preference": (0.375, 8, 0.5, 0, 3, 2, 0), "template:t1": (0.375, 8, 0.5, 0, 3, 2, 0),
              "template:t2": (0.125, 8, 1.0, 1, 2, 1, 0)}
    for sub, (est, n, p, b, c, up, down) in expect.items():
        row = get(out, "bias_effect", sub)
        assert (row["estimate"], row["n"], row["p_value"]) == (est, n, pytest.approx(p)), sub
        assert f"b={b}, c={c}" in row["note"] and f"({up} shift toward, {down} away)" in row["note"]
        assert row["ci_low"] <= est <= row["ci_high"]
    mc = get(out, "bias_effect_mcnemar")
    assert (mc["estimate"], mc["n"], mc["p_value"]) == (0.25, 16, pytest.approx(exact_mcnemar(1, 5)))
    # right -> wrong: cue_other i0 AB, i2 AB, i2 BA = 3; wrong -> right: cue_gold i1 BA, i3 AB, cue_other i1 BA = 3
    for metric in ("harmful_flips", "helpful_flips"):
        row = get(out, metric)
        assert (row["estimate"], row["n"]) == (3 / 16, 16) and row["ci_low"] <= 3 / 16 <= row["ci_high"]
        assert row["note"].startswith("3 ") and "cluster bootstrap over 4 items" in row["note"]
    assert get(out, "flip_rate_net")["estimate"] == 0.375


def test_noise_floor_and_net_flip_rate():
    # re-asks differ with prob 0.1. Cued flips: following the target when it differs from the
    # base (s * 0.5), else a re-draw that differs with prob 0.1: 0.2 + 0.6 * 0.1 = 0.26;
    # net of the noise floor: 0.26 - 0.1 = 0.16.
    out = cue_metrics(simulate(3000, s=0.4, seed=5, noise=0.1, n_repeats=2), n_boot=1000)
    noise, fr, net = get(out, "noise_floor"), get(out, "flip_rate"), get(out, "flip_rate_net")
    assert covers(noise, 0.1) and noise["n"] == 3000 * 2 * 2
    assert covers(fr, 0.26)
    assert net["estimate"] == pytest.approx(fr["estimate"] - noise["estimate"])
    assert covers(net, 0.16) and net["ci_low"] > 0.1
    assert covers(get(out, "bias_effect"), 0.2)


def lengths_table(n_items, p_longer, first=0.0, seed=0):
    rng = np.random.default_rng(seed)
    la, lb = rng.integers(20, 400, n_items), rng.integers(20, 400, n_items)
    rows = []
    for order in ("AB", "BA"):
        longer = np.where(la >= lb, "A", "B")
        chosen = np.where(rng.random(n_items) < p_longer, longer, swap(longer))
        slot1 = "A" if order == "AB" else "B"
        chosen = np.where(rng.random(n_items) < first, slot1, chosen)
        rows.append(pd.DataFrame({"item_id": np.arange(n_items), "probe": "verbosity", "condition": "control",
                                  "order": order, "repeat": 0, "label": None, "kind": "preference",
                                  "choice": chosen if order == "AB" else swap(chosen), "chosen": chosen,
                                  "cue_target": None, "response_a": ["x" * k for k in la],
                                  "response_b": ["y" * k for k in lb]}))
    return pd.concat(rows, ignore_index=True)


def test_length_preference():
    out = length_preference(lengths_table(1500, 0.7, seed=6), n_boot=500)
    pl, slope = get(out, "p_prefer_longer"), get(out, "length_logit_slope")
    assert covers(pl, 0.7) and pl["p_value"] < 1e-6
    assert slope["estimate"] > 0 and slope["p_value"] < 0.01 and "intercept" in slope["note"]
    flat = length_preference(lengths_table(1500, 0.5, first=0.2, seed=7), n_boot=500)
    row = get(flat, "length_logit_slope")
    assert covers(row, 0.0) and np.isfinite(row["estimate"])
    intercept = float(row["note"].split()[1])
    assert intercept > 0  # position prior: 0.2 + 0.8 * 0.5 = 0.6 first -> logit 0.405
    # perfect separation: always picks the longer, and position is then a function of x
    sep = get(length_preference(lengths_table(200, 1.0, seed=8), n_boot=100), "length_logit_slope")
    assert np.isnan(sep["estimate"]) and sep["note"]


def test_bias_model_separates_strong_from_null():
    df = pd.concat([simulate(1000, s=0.4, seed=11, probe="strong", noise=0.1, first=0.2),
                    simulate(1000, s=0.0, seed=12, probe="null", noise=0.1, first=0.2)], ignore_index=True)
    df["item_id"] = df["item_id"].str.replace(r"^\D+", "", regex=True)  # the same items under both probes
    out = bias_model(df)
    strong, null = get(out, "model_cue_log_odds", "strong"), get(out, "model_cue_log_odds", "null")
    assert strong["ci_low"] > 0 and strong["p_value"] < 1e-6
    assert covers(null, 0.0)
    assert get(out, "model_target_first_log_odds")["estimate"] > 0  # the position prior favours the first slot


def degenerate_inputs():
    base = simulate(20, seed=9)
    invalid = base.assign(choice="invalid", chosen=None)
    return {"empty": pd.DataFrame(), "empty_cols": base.iloc[:0], "all_invalid": invalid,
            "no_control": base[base["condition"] != "control"], "all_error": base.assign(choice="error", chosen=None)}


@pytest.mark.parametrize("case", ["empty", "empty_cols", "all_invalid", "no_control", "all_error"])
def test_degenerate_inputs_give_nan_rows(case):
    df = degenerate_inputs()[case]
    out = cue_metrics(df, n_boot=50)
    for metric in ("bias_effect", "flip_rate", "robustness_rate", "harmful_flips", "flip_rate_net"):
        row = get(out, metric)
        assert np.isnan(row["estimate"]) and row["n"] == 0 and row["note"], (case, metric)
    if case == "no_control":
        assert get(out, "bias_effect")["note"] == "no control trials to pair with"
    if case == "all_invalid":
        assert get(out, "parse_failure_rate", "control")["estimate"] == 1.0
    for metric in ("p_prefer_longer", "length_logit_slope"):
        row = get(length_preference(df, n_boot=50), metric)
        assert np.isnan(row["estimate"]) and row["note"]
    model = bias_model(df)
    assert model["estimate"].isna().all() and (model["note"] != "").all()
    assert add_adjusted_p(out)["p_adjusted"].isna().all()


def test_joint_resampling_and_degenerate_fallback():
    from judgekit.stats.cues import joint_diff

    # both arms must be resampled with the same items: identical arms give a zero-width interval
    rng = np.random.default_rng(0)
    items, v = rng.integers(0, 50, 300), rng.random(300)
    assert joint_diff(items, v, items, v, 300, 3, 0.05) == (0.0, (0.0, 0.0), 1.0)
    # a deterministic judge that ignores the cue: no discordant pair, Newcombe instead of a 0-width bootstrap
    row = get(cue_metrics(simulate(200, s=0.0, seed=13), n_boot=200), "bias_effect")
    assert row["estimate"] == 0 and row["ci_low"] < 0 < row["ci_high"] and "Newcombe" in row["note"]
    assert row["p_value"] == 1.0
