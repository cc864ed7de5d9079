"""The anchors' figures of one run as ``metrics`` rows (probe, metric, subset, estimate, ..., n, note).

Input: the run's ``verdicts_full`` rows. Which figures appear depends on what the verdicts hold:

* both orders of an item (probe ``position``): Shi et al.'s pair counts, ``preference_fairness_shi`` and
  ``position_consistency_shi`` (subset ``all`` = repeat 0, and ``repeat=K`` for each repeat K when there are
  repeats), LLMBar's ``positional_agreement_llmbar`` and counts, and with labels JudgeBench's
  ``accuracy_swap_vote`` and ``inconsistency_judgebench``;
* repeats: ``repetition_stability_majority`` and ``repetition_stability_majority_sd``;
* soft preferences (imports flagged ``soft_preference``, e.g. AlpacaEval's): AlpacaEval's ``win_rate``,
  ``win_rate_se``, ``win_rate_discrete`` with its counts, ``p_prefer_longer``, ``percentage_longer`` and
  ``lc_win_rate`` (subset ``C=100`` for the fixed-C fit, by AlpacaEval's liblinear solver when scikit-learn
  is installed, else the exact minimiser; ``unpenalised``); with several generators (``category``) also one
  subset per generator (``GENERATOR``, ``C=100 GENERATOR``, ``unpenalised GENERATOR``);
* principle votes (probe ``principle``): ``principle_*`` rows, one subset per principle.

Counts are rows whose ``estimate`` is the count.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from judgekit.stats import anchors as A
from judgekit.stats.intervals import NAN


def _row(probe: str, metric: str, subset: str, est: float, n: int, note: str = "") -> dict[str, Any]:
    return {"probe": probe, "metric": metric, "subset": subset, "estimate": float(est), "ci_low": NAN,
            "ci_high": NAN, "p_value": NAN, "n": int(n), "note": note}


def _position_rows(pos: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    d = pos[pos["choice"] != "error"].drop_duplicates(["item_id", "order", "repeat"])
    repeats = sorted(d["repeat"].unique())
    for r in repeats:
        sub = d[d["repeat"] == r]
        ab = sub[sub["order"] == "AB"].set_index("item_id")
        ba = sub[sub["order"] == "BA"].set_index("item_id")
        both = ab.index.intersection(ba.index, sort=False)
        if not len(both):
            continue
        ab, ba = ab.loc[both], ba.loc[both]
        subsets = ["all", f"repeat={r}"] if r == repeats[0] and len(repeats) > 1 else (
            ["all"] if len(repeats) == 1 else [f"repeat={r}"])
        c = A.shi_pairs(list(ab["choice"]), list(ba["choice"]))
        n = c["n_pairs"]
        src = "Shi et al. 2024 (Position-Bias-Analyzer)"
        chosen_ab = [x if isinstance(x, str) else None for x in ab["chosen"]]
        chosen_ba = [x if isinstance(x, str) else None for x in ba["chosen"]]
        labels = [x if isinstance(x, str) else None for x in ab["label"]]
        first_both = int(((ab["choice"] == "A") & (ba["choice"] == "A").to_numpy()).sum())
        second_both = int(((ab["choice"] == "B") & (ba["choice"] == "B").to_numpy()).sum())
        for s in subsets:
            rows.append(_row("position", "preference_fairness_shi", s, A.preference_fairness_shi(c), n,
                             f"{src}: (n_recency - n_primacy) / n_pairs, pairs with an unextracted choice counted"))
            rows.append(_row("position", "position_consistency_shi", s, A.position_consistency_shi(c),
                             c["n_consistent"] + c["n_primacy"] + c["n_recency"], src))
            rows.append(_row("position", "extraction_success_rate", s, A.extraction_success_rate(c), 2 * n, src))
            for k in ("n_pairs", "n_consistent", "n_primacy", "n_recency", "n_pairs_with_invalid",
                      "n_rows_with_invalid_partner"):
                rows.append(_row("position", k, s, c[k], n, f"{src}: count"))
            rows.append(_row("position", "positional_agreement_llmbar", s,
                             A.positional_agreement_llmbar(chosen_ab, chosen_ba), n,
                             "LLMBar: winners equal across orders, two unparsed verdicts count as equal"))
            rows.append(_row("position", "n_first_position_both", s, first_both, n, "count"))
            rows.append(_row("position", "n_second_position_both", s, second_both, n, "count"))
            if any(lab in ("A", "B") for lab in labels):
                lab = [(x, a, b) for x, a, b in zip(labels, chosen_ab, chosen_ba, strict=True) if x in ("A", "B")]
                ls, la, lb = (list(t) for t in zip(*lab, strict=True))
                rows.append(_row("position", "accuracy_swap_vote", s, A.accuracy_swap_vote(ls, la, lb), len(ls),
                                 "JudgeBench: +1 per order agreeing with the label, -1 per order against; > 0"))
                rows.append(_row("position", "inconsistency_judgebench", s, A.inconsistency_judgebench(la, lb),
                                 len(ls), "JudgeBench: decisive and opposite across orders"))
                for name, hits in (("n_correct_AB", [a == x for x, a in zip(ls, la, strict=True)]),
                                   ("n_correct_BA", [b == x for x, b in zip(ls, lb, strict=True)]),
                                   ("n_correct_both", [a == x and b == x for x, a, b in lab])):
                    rows.append(_row("position", name, s, sum(hits), len(ls), "LLMBar: count"))
    if len(repeats) > 1:
        groups = [list(g.sort_values("repeat")["choice"]) for _, g in d.groupby(["item_id", "order"], sort=False)]
        rs, sd, n = A.repetition_stability_majority(groups)
        note = "Shi et al. 2024: mean of majority count / repeats over (item, order)"
        rows.append(_row("position", "repetition_stability_majority", "all", rs, n, note))
        rows.append(_row("position", "repetition_stability_majority_sd", "all", sd, n,
                         "Shi et al. 2024: consistency_std_dev"))
    return rows


def soft_preference(frame: pd.DataFrame) -> np.ndarray:
    """P(response B preferred) from each verdict's probabilities, in original letters."""
    pa = pd.to_numeric(frame["p_a"], errors="coerce").to_numpy(dtype=float)
    pb = pd.to_numeric(frame["p_b"], errors="coerce").to_numpy(dtype=float)
    shown_second = pb / (pa + pb)
    return np.where(frame["order"].to_numpy() == "AB", shown_second, 1 - shown_second)


def _soft_rows(soft: pd.DataFrame) -> list[dict[str, Any]]:
    """AlpacaEval's figures over all soft preferences, and per generator (``category``) when there are several."""
    d = soft[soft["choice"] != "error"]
    d = d[pd.to_numeric(d["p_a"], errors="coerce").notna() & pd.to_numeric(d["p_b"], errors="coerce").notna()]
    if d.empty:
        return []
    rows = _soft_block(d, "all")
    groups = d["category"].dropna().unique() if "category" in d else []
    if len(groups) > 1:
        for g in groups:
            rows += _soft_block(d[d["category"] == g], str(g))
    return rows


def _soft_block(d: pd.DataFrame, subset: str) -> list[dict[str, Any]]:
    q = soft_preference(d)
    n = len(q)
    src = "AlpacaEval"
    rows = [_row("position", "win_rate", subset, A.win_rate(q), n, f"{src}: 100 * mean(preference - 1)"),
            _row("position", "win_rate_se", subset, A.win_rate_se(q), n, f"{src}: 100 * sem, ddof 1"),
            _row("position", "win_rate_discrete", subset, A.win_rate_discrete(q), n,
                 f"{src}: 100 * (wins + draws / 2) / n")]
    rows += [_row("position", k, subset, v, n, f"{src}: count") for k, v in A.discrete_counts(q).items()]
    texts = d[["prompt", "response_a", "response_b"]].fillna("")
    lb = A.length_biases(texts, q)
    rows.append(_row("position", "p_prefer_longer", subset, lb["p_prefer_longer"], lb["n_significant"],
                     f"{src}: pairs whose lengths differ by more than 30 characters, duplicates dropped"))
    rows.append(_row("position", "percentage_longer", subset, lb["percentage_longer"], lb["n_pairs"],
                     f"{src}: mean (len(best) - len(worse)) / len(worse)"))
    la, lbn = texts["response_a"].str.len().to_numpy(), texts["response_b"].str.len().to_numpy()
    if n > 2 and np.std(la - lbn) > 0:
        fixed = "length_controlled_minimal on characters, soft labels, L1 with C = 100"
        tag = "" if subset == "all" else f" {subset}"
        if A.liblinear_available():
            lc, how = A.lc_win_rate_liblinear(la, lbn, q), "solved by liblinear as AlpacaEval does"
        else:
            lc, how = A.lc_win_rate(la, lbn, q, C=100.0), "exact minimiser (no scikit-learn; liblinear agrees to ~2e-4)"
        rows.append(_row("position", "lc_win_rate", f"C=100{tag}", lc, n, f"{src} {fixed}, {how}"))
        rows.append(_row("position", "lc_win_rate", f"unpenalised{tag}", A.lc_win_rate(la, lbn, q), n,
                         f"{src} length_controlled_minimal on characters, soft labels, maximum likelihood"))
    return rows


def _principle_rows(pr: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if pr.empty:
        return rows
    ref = pr.drop_duplicates("item_id")
    n_pairs = int(ref["label"].isin(["A", "B"]).sum())
    rows.append(_row("principle", "principle_num_pairs", "all", n_pairs, n_pairs,
                     "Feedback Forensics: pairs where the reference annotator chose A or B"))
    for cond, g in pr.groupby("condition", sort=False):
        labels = [x if isinstance(x, str) else None for x in g["label"]]
        votes = [x if isinstance(x, str) else None for x in g["chosen"]]
        m = A.principle_metrics(labels, votes)
        for k in ("agreed", "disagreed", "not_applicable", "agreement", "relevance", "accuracy", "strength"):
            rows.append(_row("principle", f"principle_{k}", str(cond), m[k], m["n"], "Feedback Forensics"))
    return rows


def rows_for(frame: pd.DataFrame, extra: dict[str, Any]) -> list[dict[str, Any]]:
    """All anchor rows the verdicts of one run support."""
    if frame.empty:
        return []
    f = frame.copy()
    f["repeat"] = pd.to_numeric(f["repeat"], errors="coerce").fillna(0).astype(int)
    rows = _position_rows(f[f["probe"] == "position"])
    if extra.get("soft_preference"):
        rows += _soft_rows(f[f["probe"] == "position"])
    rows += _principle_rows(f[f["probe"] == "principle"])
    return rows


def anchor_metrics(frame: pd.DataFrame, *, fmt: str = "", extra: dict[str, Any] | None = None) -> pd.DataFrame:
    """Every anchor definition the verdicts of one run support, as metric rows (:func:`rows_for`)."""
    return pd.DataFrame(rows_for(frame, extra or {}), columns=A.COLUMNS)
