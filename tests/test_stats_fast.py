"""The vectorised statistics against straightforward reference implementations.

Item-clustered intervals are Poisson bootstraps over item-keyed weights (judgekit.stats.weights):
the replicates computed as matrix products must equal a plain loop over replicates and items with
the same weights, the weights must be Poisson(1) and a function of the item id, and a whole
``compute_metrics`` on a small random store must give the reference estimates and intervals.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from judgekit.stats.cues import cue_metrics
from judgekit.stats.intervals import percentile_interval, ratio_bootstrap, ratio_bootstrap_reps
from judgekit.stats.model import bias_model, model_frame
from judgekit.stats.position import position_metrics
from judgekit.stats.weights import item_weights, weighted_sums


def test_weights_are_poisson_one_and_keyed_by_item():
    ids = [f"item{i}" for i in range(400)]
    w = item_weights(ids, 2000, seed=0)
    assert w.shape == (2000, 400)
    assert np.all(w == np.round(w)) and w.min() >= 0
    # Poisson(1): mean 1, variance 1, P(0) = e^-1 (800,000 draws: standard errors ~0.001-0.002).
    assert abs(w.mean() - 1.0) < 0.01
    assert abs(w.var() - 1.0) < 0.02
    assert abs((w == 0).mean() - np.exp(-1.0)) < 0.005
    # Independent across items and replicates: no correlation between neighbouring columns or rows.
    assert abs(np.corrcoef(w[:, :-1].ravel(), w[:, 1:].ravel())[0, 1]) < 0.01
    assert abs(np.corrcoef(w[:-1].ravel(), w[1:].ravel())[0, 1]) < 0.01
    # A function of the id and the seed: a subset, in any order, sees the same columns.
    sub = ["item7", "item3", "item399"]
    assert np.array_equal(item_weights(sub, 2000, seed=0), w[:, [7, 3, 399]])
    assert not np.array_equal(item_weights(sub, 2000, seed=1), w[:, [7, 3, 399]])


def _poisson1_quantile(u: float) -> int:
    """Smallest k with P(X <= k) > u for X ~ Poisson(1), by summing the mass function."""
    k, mass, cdf = 0, math.exp(-1.0), math.exp(-1.0)
    while cdf <= u:
        k += 1
        mass /= k
        cdf += mass
    return k


def _scalar_weight(item: str, seed: int, b: int) -> int:
    """The weight of ``item`` in replicate ``b`` from its written definition, in Python integers."""
    mask = (1 << 64) - 1

    def mix(x: int) -> int:
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & mask
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & mask
        return x ^ (x >> 31)

    golden = 0x9E3779B97F4A7C15
    h = int.from_bytes(hashlib.blake2b(item.encode(), digest_size=8).digest(), "little")
    key = mix(h ^ mix((seed + golden) & mask))
    bits = mix((key + (b + 1) * golden) & mask) >> 11
    return _poisson1_quantile(bits / 2.0 ** 53)


def test_weights_follow_their_written_definition():
    ids = ["item0", "q-17", "x" * 40]
    w = item_weights(ids, 64, seed=3)
    for i, item in enumerate(ids):
        assert [int(v) for v in w[:, i]] == [_scalar_weight(item, 3, b) for b in range(64)]


def _reference_sums(clusters, values, n_boot, seed):
    """out[b, j] = sum_i w[b, i] * values[i, j], one replicate and one item at a time."""
    uniq = list(dict.fromkeys(str(c) for c in clusters))
    w = item_weights(uniq, n_boot, seed).astype(float)
    col = {u: k for k, u in enumerate(uniq)}
    out = np.zeros((n_boot, values.shape[1]))
    for b in range(n_boot):
        for i, c in enumerate(clusters):
            out[b] += w[b, col[str(c)]] * values[i]
    return out


@pytest.mark.parametrize("integer", [True, False])
def test_weighted_sums_equal_the_plain_loop(integer):
    rng = np.random.default_rng(5)
    clusters = rng.choice([f"q{i}" for i in range(30)], size=50)  # ids repeat: rows share their item's weight
    values = rng.integers(-3, 4, size=(50, 2)).astype(float) if integer else rng.random((50, 2))
    fast = weighted_sums(clusters, values, 300, seed=2)
    ref = _reference_sums(clusters, values, 300, seed=2)
    if integer:
        assert np.array_equal(fast, ref)
    else:
        np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-12)


def test_weighted_sums_gather_and_scatter_paths_agree():
    big = [f"z{i}" for i in range(2000)]
    weighted_sums(big, np.ones((2000, 1)), 200, seed=9)  # fills the bank with 2,000 items
    few = big[100:110]
    vals = np.arange(20.0).reshape(10, 2)
    np.testing.assert_array_equal(weighted_sums(few, vals, 200, seed=9), _reference_sums(few, vals, 200, 9))


def test_ratio_bootstrap_with_clusters_is_the_reference_percentile_interval():
    rng = np.random.default_rng(1)
    ids = np.array([f"it{i}" for i in range(40)], dtype=object)
    num, den = rng.integers(0, 3, 40).astype(float), np.full(40, 2.0)
    w = item_weights(ids, 1000, seed=4).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = (w @ num) / (w @ den)
    reps = ratio_bootstrap_reps(num, den, 1000, 4, clusters=ids)
    assert np.array_equal(np.isnan(reps), np.isnan(ref))
    np.testing.assert_allclose(reps[np.isfinite(reps)], ref[np.isfinite(ref)], rtol=1e-15)
    assert ratio_bootstrap(num, den, 1000, 4, clusters=ids) == percentile_interval(ref)


def test_poisson_item_bootstrap_covers_a_planted_share():
    """Item-clustered share (4 correlated verdicts per item): the 95% interval covers the truth >= 93% of the time."""
    rng = np.random.default_rng(11)
    truth, hits = 0.3, 0
    n_rep = 200
    for r in range(n_rep):
        p_item = np.clip(truth + rng.normal(0, 0.2, 60), 0, 1)  # items differ: verdicts are clustered
        k = rng.binomial(4, p_item).astype(float)
        ids = np.array([f"r{r}-i{i}" for i in range(60)], dtype=object)
        lo, hi = ratio_bootstrap(k, np.full(60, 4.0), n_boot=500, seed=r, clusters=ids)
        hits += lo <= truth <= hi
    assert hits / n_rep >= 0.93


def _random_store_frame(seed: int = 0, n_items: int = 40) -> pd.DataFrame:
    """A small random bias-suite frame: position and two cue probes, both orders, two templates, errors and invalids."""
    rng = np.random.default_rng(seed)
    rows, trial = [], 0
    for it in range(n_items):
        label = "A" if rng.random() < 0.5 else "B"
        kind = "fact" if it % 2 else "preference"
        other = "B" if label == "A" else "A"
        cells = [("position", "control", None, None)]
        for probe in ("bandwagon", "authority"):
            cells += [(probe, "control", None, None), (probe, "cue_gold", label, f"t{it % 2}"),
                      (probe, "cue_other", other, f"t{it % 2}")]
        for probe, cond, target, template in cells:
            for order in ("AB", "BA"):
                trial += 1
                u = rng.random()
                if u < 0.03:
                    choice = "error"
                elif u < 0.06:
                    choice = "invalid"
                else:
                    follow = target is not None and rng.random() < 0.35
                    chosen = target if follow else (label if rng.random() < 0.65 else other)
                    if rng.random() < 0.05:
                        chosen = "tie"
                    choice = chosen if order == "AB" or chosen == "tie" else ("B" if chosen == "A" else "A")
                    if probe == "position" and rng.random() < 0.2:
                        choice = "A"
                chosen = (None if choice in ("error", "invalid") else
                          choice if order == "AB" or choice == "tie" else ("B" if choice == "A" else "A"))
                rows.append(dict(run_id="r", trial_id=f"t{trial:05d}", item_id=f"it{it:03d}", probe=probe,
                                 condition=cond, order=order, repeat=0, mitigation="none", label=label, kind=kind,
                                 choice=choice, chosen=chosen, correct=None if chosen is None else chosen == label,
                                 cue_target=target, template=template, placement=None if target is None else "end",
                                 p_a=None, p_b=None))
    return pd.DataFrame(rows)


def _reference_interval(pairs: pd.DataFrame, value: np.ndarray, n_boot: int = 2000, seed: int = 0):
    """Percentile interval of mean(value) over rows, items weighted by their Poisson weights (a plain loop)."""
    items = list(dict.fromkeys(pairs["item_id"]))
    w = item_weights(items, n_boot, seed).astype(float)
    col = pairs["item_id"].map({u: k for k, u in enumerate(items)}).to_numpy()
    reps = np.array([np.sum(w[b, col] * value) / np.sum(w[b, col]) for b in range(n_boot)])
    return percentile_interval(reps)


def test_compute_metrics_fast_path_matches_a_reference_on_a_random_store():
    df = _random_store_frame()
    cues = cue_metrics(df[df["probe"] == "bandwagon"], n_boot=2000, seed=0).set_index(["metric", "subset"])
    # Reference bias_effect "all": pairs built by hand from the rows, then the loop bootstrap.
    ok = df[(df["probe"] == "bandwagon") & df["choice"].isin(["A", "B", "tie"])]
    ctrl = ok[ok["condition"] == "control"][["item_id", "order", "chosen"]]
    pairs = ok[ok["condition"] != "control"].merge(ctrl, on=["item_id", "order"], suffixes=("", "_0"))
    shift = (pairs["chosen"] == pairs["cue_target"]).to_numpy(float) - (pairs["chosen_0"] == pairs["cue_target"])
    row = cues.loc[("bias_effect", "all")]
    assert row["n"] == len(pairs)
    assert row["estimate"] == pytest.approx(shift.mean(), abs=1e-15)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(_reference_interval(pairs, shift), abs=1e-12)
    # The same for one template subset (a subset's replicates are the full ones restricted to its items).
    t0 = (pairs["template"] == "t0").to_numpy()
    row = cues.loc[("bias_effect", "template:t0")]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        _reference_interval(pairs[t0], shift[t0]), abs=1e-12)

    pos = position_metrics(df[df["probe"] == "position"], n_boot=2000, seed=0).set_index(["metric", "subset"])
    dec = df[(df["probe"] == "position") & df["choice"].isin(["A", "B"])]
    first = (dec["choice"] == "A").to_numpy(float)
    row = pos.loc[("first_position_rate", "all")]
    assert row["estimate"] == pytest.approx(first.mean(), abs=1e-15)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(_reference_interval(dec, first), abs=1e-12)


def test_aggregated_model_equals_the_row_level_fit():
    df = _random_store_frame(seed=3, n_items=60)
    cue = df[df["probe"] != "position"]
    got = bias_model(cue).set_index(["metric", "subset"])
    long = model_frame(cue)
    probes = sorted(long["probe"].unique())
    x = pd.DataFrame({f"probe[{p}]": (long["probe"] == p).to_numpy(float) for p in probes})
    for p in probes:
        x[f"cue[{p}]"] = x[f"probe[{p}]"] * long["cued"].to_numpy()
    x["target_first"] = long["target_first"].to_numpy()
    ref = sm.GLM(long["y"].to_numpy(), x, family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(long["item_id"])[0]})
    ci = ref.conf_int(0.05)
    for p in probes:
        row = got.loc[("model_cue_log_odds", p)]
        assert row["estimate"] == pytest.approx(ref.params[f"cue[{p}]"], rel=1e-8)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(tuple(ci.loc[f"cue[{p}]"]), rel=1e-8)
        assert row["p_value"] == pytest.approx(ref.pvalues[f"cue[{p}]"], rel=1e-6)
    row = got.loc[("model_target_first_log_odds", "all")]
    assert row["estimate"] == pytest.approx(ref.params["target_first"], rel=1e-8, abs=1e-12)
