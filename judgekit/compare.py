"""Judges side by side: bias profiles, a ranking with intervals, paired tests and agreement.

The runs being compared must have judged the same items (same ``item_id`` and the
same prompt, responses and label); only the items common to every run are used for
the ranking, the tests and the agreement, so every comparison is paired.

* **Profile**: each run's own ``cue_net_effect``, ``added_text_effect`` and ``bias_effect``
  ("all") per cue probe and the position metrics, with the intervals stored in ``metrics``
  (computed on all of the run's items).
* **Ranking**: per criterion (the absolute headline effect of each cue probe,
  :func:`judgekit.stats.net.headline_metric`: ``|cue_net_effect|``, from the net pairs of the
  read model; their mean over the cue probes; ``position_bias`` = ``|first_position_rate - 0.5|``
  over the decisive control verdicts of the position probe, ``position_consistency``, ``accuracy``),
  items are resampled with replacement (one draw shared by all judges, so the judges stay paired)
  and the judges ranked in every replicate. Rank 1 is the least biased (the most consistent, the most accurate).
  Reported: the rank of the point estimates, the 2.5-97.5% percentile interval of the
  bootstrap ranks, P(rank 1) and n (the units of the estimate: cue pairs, decisive verdicts,
  items in both orders, verdicts). Ties in a replicate get the lowest rank they share.
* **Paired tests**, for each pair of judges and criterion:

  - ``cue_net_effect:<probe>``, ``mean_abs_cue_net_effect`` and ``position_bias``: difference of the statistic,
    paired bootstrap over items (percentile interval; p = twice the smaller share of
    replicates on either side of 0, with a +1 correction);
  - ``position_consistency``: exact McNemar on the per-item "same verdict in both
    orders" outcome, Newcombe hybrid score interval;
  - ``accuracy``: exact McNemar on per-(item, order) correctness of the position probe
    (the two orders of an item are treated as independent here).

  ``p_holm`` applies Holm's step-down correction to every test in the table (strong
  control of the family-wise error rate); ``p_bh`` is Benjamini-Hochberg over the same family.
* **Agreement**: over the control verdicts (repeat 0, valid; one per item and order,
  the position probe's where present), the share of verdicts where two judges chose the
  same original response, and Cohen's kappa over the categories A / B / tie. The
  row "gold" compares each judge with the gold labels (items labelled A/B).
* **mcq runs** (protocol ``mcq``) are ranked and tested on the criteria of :mod:`judgekit.compare_mcq`;
  runs of different protocols are not compared.
* **Warnings** (``Comparison.warnings``): the runs differ in suite, in probes, in decoding
  settings, or in their items (each run's item count against the common count).

The headline sentence and the console summary are in :mod:`judgekit.compare_summary`.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from judgekit import compare_mcq
from judgekit.report import queries as q
from judgekit.stats.intervals import exact_mcnemar, paired_diff_ci, percentile_interval
from judgekit.stats.net import NET_METRICS, headline_metric
from judgekit.store.db import Store

GOLD = "gold"
#: the ranking criterion over the cue probes: the mean of each probe's absolute headline effect
MEAN_ABS = "mean_abs_cue_net_effect"
_CHUNK = 250


@dataclass
class Comparison:
    runs: pd.DataFrame
    profile: pd.DataFrame
    ranking: pd.DataFrame
    tests: pd.DataFrame
    agreement: pd.DataFrame
    n_items: int
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def cohen_kappa(x: pd.Series | np.ndarray, y: pd.Series | np.ndarray) -> float:
    """Cohen's kappa for two raters on the same units: (p_o - p_e) / (1 - p_e); nan if undefined."""
    x, y = np.asarray(x, dtype=object), np.asarray(y, dtype=object)
    if x.size == 0 or x.size != y.size:
        return float("nan")
    cats = sorted(set(x.tolist()) | set(y.tolist()), key=str)
    p_o = float(np.mean(x == y))
    p_e = sum(float(np.mean(x == c)) * float(np.mean(y == c)) for c in cats)
    return float("nan") if p_e >= 1.0 else (p_o - p_e) / (1.0 - p_e)


def holm(p: list[float] | np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (nan entries stay nan and are not counted)."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out


def _bh(p: np.ndarray) -> np.ndarray:
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return out


def draw_weights(n_items: int, n_boot: int, seed: int):
    """Yield (B x n_items) count matrices of item resamples, in chunks (same draws for every judge)."""
    rng = np.random.default_rng(seed)
    done = 0
    while done < n_boot:
        m = min(_CHUNK, n_boot - done)
        idx = rng.integers(0, n_items, size=(m, n_items))
        w = np.zeros((m, n_items))
        np.add.at(w, (np.repeat(np.arange(m), n_items), idx.ravel()), 1.0)
        yield w
        done += m


def ratio_reps(num: np.ndarray, den: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Replicates (B x J) of sum(num_j) / sum(den_j) for J judges (rows of num/den) over resampled items."""
    parts = []
    for w in draw_weights(num.shape[1], n_boot, seed):
        with np.errstate(divide="ignore", invalid="ignore"):
            parts.append((w @ num.T) / (w @ den.T))
    return np.vstack(parts) if parts else np.empty((0, num.shape[0]))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    s = den.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s > 0, num.sum(axis=1) / np.where(s > 0, s, 1), np.nan)


def rank_table(point: np.ndarray, reps: np.ndarray, labels: list[str], higher_is_better: bool) -> pd.DataFrame:
    """Rank of each judge (1 = best) from point estimates, with bootstrap percentile rank intervals and P(best)."""
    sign = -1.0 if higher_is_better else 1.0

    def ranks(v: np.ndarray) -> np.ndarray:
        key = np.where(np.isfinite(v), sign * v, np.inf)
        return (key[..., :, None] > key[..., None, :]).sum(axis=-1) + 1  # lowest shared rank on ties

    r_point = ranks(point)
    r_reps = ranks(reps[np.isfinite(reps).all(axis=1)]) if reps.size else np.empty((0, len(labels)))
    rows = []
    for j, lab in enumerate(labels):
        lo, hi = percentile_interval(r_reps[:, j]) if len(r_reps) else (np.nan, np.nan)
        e_lo, e_hi = percentile_interval(reps[:, j]) if reps.size else (np.nan, np.nan)
        rows.append({"judge": lab, "estimate": float(point[j]), "ci_low": e_lo, "ci_high": e_hi,
                     "rank": int(r_point[j]), "rank_low": lo,
                     "rank_high": hi, "p_best": float(np.mean(r_reps[:, j] == 1)) if len(r_reps) else np.nan})
    return pd.DataFrame(rows)


def _boot_p(reps: np.ndarray) -> float:
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return float("nan")
    tail = min(np.sum(reps <= 0), np.sum(reps >= 0))
    return float(min(1.0, 2.0 * (tail + 1) / (reps.size + 1)))


def _labels(runs: pd.DataFrame) -> list[str]:
    judges = runs["judge"].astype(str).tolist()
    dup = {j for j in judges if judges.count(j) > 1}
    return [f"{j} ({r})" if j in dup else j for j, r in zip(judges, runs["run_id"], strict=True)]


def load_inputs(db: str | Path, run_ids: list[str]) -> dict:
    """Everything the comparison needs, read with aggregate SQL (one read-only connection)."""
    store = Store(db, create=False)
    with store.connect(read_only=True) as con:
        runs = q.df(con, "SELECT run_id, judge, suite, dataset, status, config FROM runs WHERE run_id IN "
                         f"({', '.join('?' * len(run_ids))})", list(run_ids))
        missing = [r for r in run_ids if r not in set(runs["run_id"])]
        if missing:
            raise ValueError(f"{db}: no run with id {', '.join(missing)}")
        runs = runs.set_index("run_id").loc[list(run_ids)].reset_index()
        per = {r: {"hash": q.item_hashes(con, r), "bias": q.item_bias(con, r), "net": q.item_net(con, r),
                   "pos": q.item_position(con, r),
                   "choices": q.choices(con, r),
                   "metrics": q.df(con, "SELECT * FROM metrics WHERE run_id = ?", [r])} for r in run_ids}
    return {"runs": runs, "per": per}


def _common_items(per: dict, run_ids: list[str], notes: list[str]) -> list[str]:
    merged = None
    for r in run_ids:
        h = per[r]["hash"].rename(columns={"h": r})
        merged = h if merged is None else merged.merge(h, on="item_id", how="inner")
    if merged is None or merged.empty:
        raise ValueError("the runs share no items; a comparison needs the same items in every run")
    same = merged[run_ids].nunique(axis=1) == 1
    if (~same).any():
        notes.append(f"{int((~same).sum())} items share an id but differ in text or label; they are left out")
    return sorted(merged.loc[same, "item_id"])


def _matrix(frames: list[pd.DataFrame], items: list[str], value: str, count: str) -> tuple[np.ndarray, np.ndarray]:
    index = pd.Index(items)
    num, den = np.zeros((len(frames), len(items))), np.zeros((len(frames), len(items)))
    for j, f in enumerate(frames):
        pos = index.get_indexer(f["item_id"])
        ok = pos >= 0
        np.add.at(num[j], pos[ok], f[value].to_numpy(float)[ok])
        np.add.at(den[j], pos[ok], f[count].to_numpy(float)[ok])
    return num, den


def compare_runs(db: str | Path, run_ids: list[str], *, n_boot: int = 2000, seed: int = 0) -> Comparison:
    """Compare two or more runs on their common items; see the module docstring for every statistic."""
    run_ids = list(dict.fromkeys(run_ids))
    if len(run_ids) < 2:
        raise ValueError("a comparison needs at least two run ids (give them, or --last N for the newest N runs)")
    data = load_inputs(db, run_ids)
    runs, per, notes = data["runs"], data["per"], []
    runs["label"] = _labels(runs)
    labels = runs["label"].tolist()
    items = _common_items(per, run_ids, notes)
    runs["n_items_common"] = len(items)
    runs["n_items"] = [len(per[r]["hash"]) for r in run_ids]
    warnings = differences(runs, per, len(items))
    kinds = compare_mcq.protocols(runs["config"].tolist())
    if len(kinds) > 1:
        raise ValueError(f"the runs use different protocols ({', '.join(sorted(kinds))}); compare runs of one protocol")
    mcq = kinds == {compare_mcq.PROTOCOL}
    runs["backend"] = [(_config(c).get("judge_identity") or {}).get("backend") for c in runs["config"]]
    runs = runs.drop(columns=["config"])
    if mcq:  # multiple-choice runs: the mcq criteria (judgekit/compare_mcq.py)
        frames = compare_mcq.load(db, run_ids)
        profile = compare_mcq.profile({r: per[r]["metrics"] for r in run_ids}, run_ids, labels)
        criteria = compare_mcq.criteria(frames, run_ids, items, _matrix)
        for r in run_ids:
            per[r]["choices"] = compare_mcq.choices(frames[r])
    else:
        profile = _profile(per, run_ids, labels)
        criteria = _criteria(per, run_ids, items)
    ranking, tests = [], []
    for name, (num, den, higher, kind, extra) in criteria.items():
        point = _aggregate(name, num, den)
        reps = _aggregate_reps(name, num, den, n_boot, seed)
        rt = rank_table(point, reps, labels, higher)
        rt.insert(0, "criterion", name)
        rt["n"] = (den.sum(axis=-1) if den.ndim == 2 else den.sum(axis=(0, 2))).astype(int)
        ranking.append(rt)
        for a, b in itertools.combinations(range(len(labels)), 2):
            tests.append({"criterion": name, "judge_1": labels[a], "judge_2": labels[b],
                          **_pair_test(kind, name, num, den, reps, point, a, b, extra, seed)})
    tests_df = pd.DataFrame(tests, columns=["criterion", "judge_1", "judge_2", "difference", "ci_low", "ci_high",
                                            "n", "test", "p_value"])
    tests_df["p_holm"] = holm(tests_df["p_value"].to_numpy(float))
    tests_df["p_bh"] = _bh(tests_df["p_value"].to_numpy(float))
    ranking_df = pd.concat(ranking, ignore_index=True) if ranking else pd.DataFrame()
    agreement = agreement_table({lab: per[r]["choices"] for lab, r in zip(labels, run_ids, strict=True)}, items,
                                gold_labels=compare_mcq.GOLD_LABELS if mcq else ("A", "B"))
    if not criteria:
        notes.append("no criterion is measured in every run (no common cue probe and no position probe)")
    return Comparison(runs, profile, ranking_df, tests_df, agreement, len(items), notes, warnings)


def _config(value: object) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def differences(runs: pd.DataFrame, per: dict, n_common: int) -> list[str]:
    """Plain-words warnings where the runs differ in suite, probes, decoding or items."""
    out = []
    labels, ids = runs["label"].tolist(), runs["run_id"].tolist()

    def each(values: list[object]) -> str:
        return "; ".join(f"{lab}: {v}" for lab, v in zip(labels, values, strict=True))

    suites = [str(s) for s in runs["suite"]]
    if len(set(suites)) > 1:
        out.append(f"The runs used different suites ({each(suites)}).")
    probes = [", ".join(sorted(set(per[r]["metrics"]["probe"]) - {"all"})) or "none" for r in ids]
    if len(set(probes)) > 1:
        out.append(f"The runs measured different probes ({each(probes)}); only the common ones are ranked.")
    decoding = [json.dumps(_config(c).get("decoding") or {}, sort_keys=True, default=str) for c in runs["config"]]
    if len(set(decoding)) > 1:
        out.append(f"The runs used different decoding settings ({each(decoding)}).")
    counts = runs["n_items"].tolist()
    if any(n != n_common for n in counts):
        out.append(f"The runs judged different items ({each(counts)}); {n_common} items are common to every run "
                   "and only those are ranked and tested.")
    return out


def _profile(per: dict, run_ids: list[str], labels: list[str]) -> pd.DataFrame:
    keep = {"bias_effect": "all", **dict.fromkeys(NET_METRICS, "all"), "first_position_rate": "all",
            "position_consistency": "all", "accuracy": "all", "flip_rate_net": "all"}
    frames = []
    for r, lab in zip(run_ids, labels, strict=True):
        m = per[r]["metrics"]
        m = m[m["metric"].isin(keep) & (m["subset"] == "all")]
        m = m[m["metric"].isin(["bias_effect", *NET_METRICS, "flip_rate_net"]) | (m["probe"] == "position")]
        frames.append(m.assign(judge=lab)[["judge", "run_id", "probe", "metric", "estimate", "ci_low", "ci_high",
                                           "n", "p_value", "p_adjusted"]])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _criteria(per: dict, run_ids: list[str], items: list[str]) -> dict:
    """criterion -> (num, den, higher_is_better, kind, extra); num/den are J x items."""
    out: dict = {}
    probes = sorted(set.intersection(*(set(per[r]["bias"]["probe"]) for r in run_ids)))
    for probe in probes:
        out[f"{headline_metric(probe)}:{probe}"] = (*_matrix(_headline_items(per, run_ids, probe), items, "diff", "n"),
                                                   False, "boot", None)
    if len(probes) >= 1:
        stacked = [_matrix(_headline_items(per, run_ids, p), items, "diff", "n") for p in probes]
        out[MEAN_ABS] = (np.stack([s[0] for s in stacked]), np.stack([s[1] for s in stacked]), False, "boot", None)
    pos = [per[r]["pos"] for r in run_ids]
    if all(len(p) for p in pos):
        frames, outcomes, firsts = [], [], []
        for p in pos:
            p = p[p["item_id"].isin(items)]
            ch = p[["choice_ab", "choice_ba"]]
            firsts.append(pd.DataFrame({"item_id": p["item_id"], "x": (ch == "A").sum(axis=1).astype(float),
                                        "n": ch.isin(["A", "B"]).sum(axis=1).astype(float)}))
            both = p[p["chosen_ab"].notna() & p["chosen_ba"].notna()]
            frames.append(pd.DataFrame({"item_id": both["item_id"], "x": (both["chosen_ab"] == both["chosen_ba"]),
                                        "n": 1.0}))
            outcomes.append(both.set_index("item_id")[["correct_ab", "correct_ba"]])
        out["position_bias"] = (*_matrix(firsts, items, "x", "n"), False, "boot", None)
        out["position_consistency"] = (*_matrix(frames, items, "x", "n"), True, "mcnemar_items", frames)
        acc = [pd.DataFrame({"item_id": o.index, "x": o.fillna(False).astype(float).sum(axis=1),
                             "n": o.notna().sum(axis=1).astype(float)}) for o in outcomes]
        out["accuracy"] = (*_matrix(acc, items, "x", "n"), True, "mcnemar_orders", outcomes)
    return out


def _headline_items(per: dict, run_ids: list[str], probe: str) -> list[pd.DataFrame]:
    """Per run: the per-item (diff, n) of ``probe``'s headline effect (net pairs for ``cue_net_effect``)."""
    metric = headline_metric(probe)
    if metric == "bias_effect":
        return [per[r]["bias"][per[r]["bias"]["probe"] == probe] for r in run_ids]
    return [per[r]["net"][(per[r]["net"]["probe"] == probe) & (per[r]["net"]["metric"] == metric)] for r in run_ids]


def _is_effect(name: str) -> bool:
    """A per-probe signed-effect criterion (``cue_net_effect:<probe>`` or ``bias_effect:<probe>``)."""
    return name.split(":", 1)[0] in ("bias_effect", "cue_net_effect", *compare_mcq.EFFECTS) and ":" in name


def _aggregate(name: str, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    if name in (MEAN_ABS, compare_mcq.MEAN_ABS_MCQ):
        return np.mean(np.abs(np.stack([_ratio(n, d) for n, d in zip(num, den, strict=True)])), axis=0)
    return _size(name, _ratio(num, den))


def _size(name: str, v: np.ndarray) -> np.ndarray:
    """The ranked statistic from a ratio: |effect|, |first-position rate - 0.5|, or the ratio itself."""
    if _is_effect(name):
        return np.abs(v)
    return np.abs(v - 0.5) if name == "position_bias" else v


def _aggregate_reps(name: str, num: np.ndarray, den: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    if name in (MEAN_ABS, compare_mcq.MEAN_ABS_MCQ):
        return np.mean(np.abs(np.stack([ratio_reps(n, d, n_boot, seed) for n, d in zip(num, den, strict=True)])),
                       axis=0)
    return _size(name, ratio_reps(num, den, n_boot, seed))


def _pair_test(kind, name, num, den, reps, point, a, b, extra, seed) -> dict:
    if kind == "boot":
        if _is_effect(name):  # signed difference of the effects, not of their sizes
            est = _ratio(num[[a]], den[[a]])[0] - _ratio(num[[b]], den[[b]])[0]
            signed = ratio_reps(num[[a, b]], den[[a, b]], reps.shape[0], seed)
            diff = signed[:, 0] - signed[:, 1]
        else:
            est, diff = point[a] - point[b], reps[:, a] - reps[:, b]
        lo, hi = percentile_interval(diff)
        n = int(min(den[a].sum(), den[b].sum())) if den.ndim == 2 else int(min(den[:, a].sum(), den[:, b].sum()))
        return {"difference": float(est), "ci_low": lo, "ci_high": hi, "n": n, "test": "paired bootstrap over items",
                "p_value": _boot_p(diff)}
    if kind == "mcnemar_items":
        x = pd.merge(extra[a], extra[b], on="item_id", suffixes=("_1", "_2"))
        x1, x2 = x["x_1"].to_numpy(bool), x["x_2"].to_numpy(bool)
    else:
        x = extra[a].merge(extra[b], left_index=True, right_index=True, suffixes=("_1", "_2"))
        x1 = np.concatenate([x[f"correct_{o}_1"].to_numpy() for o in ("ab", "ba")])
        x2 = np.concatenate([x[f"correct_{o}_2"].to_numpy() for o in ("ab", "ba")])
        ok = pd.notna(x1) & pd.notna(x2)
        x1, x2 = x1[ok].astype(bool), x2[ok].astype(bool)
    both, only1, only2 = int(np.sum(x1 & x2)), int(np.sum(x1 & ~x2)), int(np.sum(~x1 & x2))
    n = x1.size
    lo, hi = paired_diff_ci(both, only1, only2, n - both - only1 - only2)
    est = (only1 - only2) / n if n else float("nan")
    return {"difference": est, "ci_low": lo, "ci_high": hi, "n": n,
            "test": f"exact McNemar (b={only1}, c={only2})", "p_value": exact_mcnemar(only1, only2) if n else np.nan}


def agreement_table(choices: dict[str, pd.DataFrame], items: list[str],
                    gold_labels: tuple[str, ...] = ("A", "B")) -> pd.DataFrame:
    """Long table: judge_1, judge_2 (a judge or "gold"), n, agreement, kappa; see the module docstring.
    ``gold_labels``: the labels the gold row scores (an mcq run's: every option letter)."""
    slim = {}
    for lab, c in choices.items():
        c = c[(c["condition"] == "control") & c["item_id"].isin(items)]
        c = c.assign(_pos=(c["probe"] != "position")).sort_values(["_pos", "probe"])
        slim[lab] = c.drop_duplicates(["item_id", "order"])[["item_id", "order", "chosen", "label"]]
    rows = []
    labs = list(slim)
    for a, b in itertools.product(labs, [*labs, GOLD]):
        if b == GOLD:
            x = slim[a][slim[a]["label"].isin(list(gold_labels))]
            u, v = x["chosen"].to_numpy(object), x["label"].to_numpy(object)
        else:
            x = slim[a].merge(slim[b], on=["item_id", "order"], suffixes=("_1", "_2"))
            u, v = x["chosen_1"].to_numpy(object), x["chosen_2"].to_numpy(object)
        rows.append({"judge_1": a, "judge_2": b, "n": int(u.size),
                     "agreement": float(np.mean(u == v)) if u.size else np.nan, "kappa": cohen_kappa(u, v)})
    return pd.DataFrame(rows)
