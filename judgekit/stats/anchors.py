"""The published tools' own definitions, named, beside judgekit's (which are in :mod:`judgekit.stats.position`).

Each function computes one figure exactly as the named tool's code does, so an import can be checked against
the figure the tool published. Where the tool's definition differs from judgekit's, the docstring says how.

Position-Bias-Analyzer (Shi et al. 2024, "Judging the Judges", Slimshilin/Position-Bias-Analyzer,
``consistency_preference_calculation.py`` and ``calculate_repetitional_consistency.py``): a pair's two
presented-position choices, first the ``AB`` order then ``BA``, are A, B, C (tie) or N (not extracted).
Consistent: AB, BA, CC. Primacy: AA, AC, CA. Recency: BB, BC, CB.

* :func:`preference_fairness_shi`: ``(n_recency - n_primacy) / n_pairs`` where ``n_pairs`` counts every pair
  with both orders, pairs with an N included (their PF, rescaled per (model, task) unit, reduces to this).
  judgekit's ``preference_fairness`` drops the N pairs instead.
* :func:`position_consistency_shi`: ``n_consistent / (n_consistent + n_primacy + n_recency)`` (N pairs out);
  equal to judgekit's ``position_consistency``.
* :func:`repetition_stability_majority`: mean over (item, order) of (count of the majority valid choice across
  the repeats) / (number of repeats); an unextracted repeat stays in the denominator, groups with no valid
  repeat are dropped. judgekit's ``repetition_stability`` is the share of groups whose repeats all agree.

LLMBar (princeton-nlp/LLMBar, ``LLMEvaluator/evaluate.py`` statistics block): ``accuracy`` is the mean of the
two orders' accuracies with an unparsed verdict counted wrong (judgekit's ``accuracy_strict``);
:func:`positional_agreement_llmbar` is the share of items whose two winners (original letters) are equal,
two unparsed verdicts counting as equal, as its ``winner_False == winner_True`` does.

JudgeBench (ScalerLab/JudgeBench, ``compute_final_metrics``): per pair each order's decision, mapped back to the
original letters, adds +1 when it equals the label and -1 when it is the opposite; the pair is correct when
the sum is positive (:func:`accuracy_swap_vote`), so one decisive verdict plus a tie is a win where judgekit's
swap aggregation gives a tie. :func:`inconsistency_judgebench`: share of pairs whose two mapped decisions are
decisive and opposite.

AlpacaEval (tatsu-lab/alpaca_eval 0.6.6, ``metrics.get_winrate``, ``analyze.Analyzer.get_length_biases`` and
``metrics.get_length_controlled_winrate``), on soft preferences ``q`` = P(response B preferred) =
``preference - 1``: :func:`win_rate`, :func:`win_rate_se`, :func:`win_rate_discrete`, :func:`p_prefer_longer`
and :func:`lc_win_rate`.

Feedback Forensics (rdnfn/feedback-forensics 0.4.6, ``app/metrics.py``): :func:`principle_metrics`.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd

from judgekit.stats.intervals import NAN

COLUMNS = ["probe", "metric", "subset", "estimate", "ci_low", "ci_high", "p_value", "n", "note"]
_SHI = {"A": "A", "B": "B", "tie": "C"}
_CONSISTENT = {("A", "B"), ("B", "A"), ("C", "C")}
_PRIMACY = {("A", "A"), ("A", "C"), ("C", "A")}
_RECENCY = {("B", "B"), ("B", "C"), ("C", "B")}
_SWAP = {"A": "B", "B": "A", "tie": "tie"}


def _ratio(k: float, n: float) -> float:
    return k / n if n else NAN


# -- Position-Bias-Analyzer --------------------------------------------------------------------------------------
def shi_pairs(choices_ab: list[str], choices_ba: list[str]) -> dict[str, int]:
    """Pair counts from the presented-position choices of each pair in order AB and in order BA."""
    out = Counter({"n_pairs": 0, "n_consistent": 0, "n_primacy": 0, "n_recency": 0, "n_pairs_with_invalid": 0,
                   "n_invalid_rows": 0, "n_rows_with_invalid_partner": 0})
    for a, b in zip(choices_ab, choices_ba, strict=True):
        x, y = _SHI.get(a, "N"), _SHI.get(b, "N")
        out["n_pairs"] += 1
        out["n_invalid_rows"] += (x == "N") + (y == "N")
        if "N" in (x, y):
            out["n_pairs_with_invalid"] += 1
            out["n_rows_with_invalid_partner"] += (x != "N") + (y != "N")
            continue
        out["n_consistent"] += (x, y) in _CONSISTENT
        out["n_primacy"] += (x, y) in _PRIMACY
        out["n_recency"] += (x, y) in _RECENCY
    return dict(out)


def preference_fairness_shi(counts: dict[str, int]) -> float:
    """Shi et al.'s PF: ``(n_recency - n_primacy) / n_pairs``, pairs with an unextracted choice in ``n_pairs``."""
    return _ratio(counts["n_recency"] - counts["n_primacy"], counts["n_pairs"])


def position_consistency_shi(counts: dict[str, int]) -> float:
    """Shi et al.'s PC: consistent / (consistent + primacy + recency) pairs."""
    return _ratio(counts["n_consistent"], counts["n_consistent"] + counts["n_primacy"] + counts["n_recency"])


def extraction_success_rate(counts: dict[str, int]) -> float:
    """Position-Bias-Analyzer's "Average Extraction Successful Rate": of the ordered judgments whose choice was
    extracted, the share whose partner (the other order) was extracted too."""
    valid_rows = 2 * counts["n_pairs"] - counts["n_invalid_rows"]
    return _ratio(valid_rows - counts["n_rows_with_invalid_partner"], valid_rows)


def repetition_stability_majority(groups: list[list[str]]) -> tuple[float, float, int]:
    """Shi et al.'s RS and its ``consistency_std_dev`` over groups of repeated choices; returns (RS, sd, n).

    RS: mean of (count of the most frequent valid choice) / (repeats in the group). The sd is the mean over
    groups of the sample standard deviation (ddof 1) of the indicators "repeat equals the group's mode" (the
    smallest of the tied modes, as pandas' ``mode()[0]``).
    """
    rs, sd = [], []
    for g in groups:
        valid = [c for c in g if c in _SHI]
        if not valid:
            continue
        counts = Counter(valid)
        top = max(counts.values())
        mode = min(c for c, k in counts.items() if k == top)
        rs.append(top / len(g))
        ind = np.array([c == mode for c in g], dtype=float)
        sd.append(float(ind.std(ddof=1)) if len(g) > 1 else NAN)
    return (float(np.mean(rs)) if rs else NAN, float(np.mean(sd)) if sd else NAN, len(rs))


# -- LLMBar and JudgeBench ---------------------------------------------------------------------------------------
def positional_agreement_llmbar(chosen_ab: list[str | None], chosen_ba: list[str | None]) -> float:
    """Share of items whose winners (original letters) agree across orders; None == None counts as agreement."""
    return _ratio(sum(a == b for a, b in zip(chosen_ab, chosen_ba, strict=True)), len(chosen_ab))


def _vote(label: str, decisions: list[str | None]) -> int:
    return sum((d == label) - (d == _SWAP.get(label)) for d in decisions if d in ("A", "B", "tie"))


def accuracy_swap_vote(labels: list[str], chosen_ab: list[str | None], chosen_ba: list[str | None]) -> float:
    """JudgeBench's accuracy: a pair is correct when (+1 per order agreeing with the label, -1 per order
    choosing the other response) is positive; decisions in original letters."""
    return _ratio(sum(_vote(lab, [a, b]) > 0 for lab, a, b in zip(labels, chosen_ab, chosen_ba, strict=True)),
                  len(labels))


def inconsistency_judgebench(chosen_ab: list[str | None], chosen_ba: list[str | None]) -> float:
    """Share of pairs whose two decisions (original letters) are decisive and opposite."""
    return _ratio(sum({a, b} == {"A", "B"} for a, b in zip(chosen_ab, chosen_ba, strict=True)), len(chosen_ab))


# -- AlpacaEval --------------------------------------------------------------------------------------------------
def win_rate(q: np.ndarray) -> float:
    """AlpacaEval's win rate: ``100 * mean(q)``, q = P(response B preferred) = preference - 1."""
    return 100 * float(np.mean(q)) if len(q) else NAN


def win_rate_se(q: np.ndarray) -> float:
    """AlpacaEval's standard error: ``100 * sem(q)`` (ddof 1)."""
    return 100 * float(np.std(q, ddof=1) / math.sqrt(len(q))) if len(q) > 1 else NAN


def discrete_counts(q: np.ndarray) -> dict[str, int]:
    """Wins (q > 0.5), base wins (q < 0.5) and draws (q == 0.5) after rounding each preference."""
    return {"n_wins": int((q > 0.5).sum()), "n_wins_base": int((q < 0.5).sum()), "n_draws": int((q == 0.5).sum()),
            "n_total": len(q)}


def win_rate_discrete(q: np.ndarray) -> float:
    """AlpacaEval's discrete win rate: ``100 * (n_wins + n_draws / 2) / n_total``."""
    c = discrete_counts(q)
    return 100 * _ratio(c["n_wins"] + c["n_draws"] / 2, c["n_total"])


def length_biases(texts: pd.DataFrame, q: np.ndarray, significant_delta: int = 30) -> dict[str, float]:
    """AlpacaEval's ``get_length_biases``: ``p_prefer_longer`` and ``percentage_longer`` in characters.

    ``texts`` has columns prompt, response_a, response_b. Duplicate (prompt, a, b) rows are dropped (first
    kept); best = a when q < 0.5 else b, worse = a when q > 0.5 else b (so q == 0.5 gives a zero difference).
    ``p_prefer_longer`` is the share with ``len(best) > len(worse)`` among pairs whose lengths differ by more
    than ``significant_delta`` characters; ``percentage_longer`` the mean of ``(len(best) - len(worse)) /
    len(worse)`` over all deduplicated pairs.
    """
    df = texts[["prompt", "response_a", "response_b"]].copy()
    df["q"] = np.asarray(q, dtype=float)
    df = df.drop_duplicates(subset=["prompt", "response_a", "response_b"])
    la, lb = df["response_a"].str.len().to_numpy(), df["response_b"].str.len().to_numpy()
    qq = df["q"].to_numpy()
    best = np.where(qq < 0.5, la, lb)
    worse = np.where(qq > 0.5, la, lb)
    delta = best - worse
    sig = np.abs(delta) > significant_delta
    return {"p_prefer_longer": _ratio(int((delta[sig] > 0).sum()), int(sig.sum())),
            "n_significant": int(sig.sum()), "percentage_longer": float(np.mean(delta / worse)),
            "n_pairs": len(df)}


def _lc_design(len_a: np.ndarray, len_b: np.ndarray) -> np.ndarray:
    delta = np.asarray(len_a, dtype=float) - np.asarray(len_b, dtype=float)
    sd = float(np.std(delta, ddof=1))
    return np.column_stack([np.tanh(delta / sd) if sd > 0 else np.zeros_like(delta), np.ones_like(delta)])


def liblinear_available() -> bool:
    """Whether scikit-learn (``pip install 'judgekit[anchors]'``) is there to run AlpacaEval's own solver."""
    import importlib.util

    return importlib.util.find_spec("sklearn") is not None


def lc_win_rate_liblinear(len_a: np.ndarray, len_b: np.ndarray, q: np.ndarray, *, C: float = 100.0) -> float:
    """:func:`lc_win_rate`'s fixed-C fit with AlpacaEval's own solver: scikit-learn's liblinear L1 logistic
    regression (no intercept, ``random_state=123``, default tolerance) on the pairs twice, as successes weighted q
    and failures weighted 1 - q. Needs scikit-learn."""
    import warnings

    from sklearn.linear_model import LogisticRegression

    X = _lc_design(len_a, len_b)
    y = np.asarray(q, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn >= 1.8 deprecates penalty= in favour of l1_ratio=
        model = LogisticRegression(C=C, penalty="l1", solver="liblinear", fit_intercept=False, random_state=123)
        model.fit(np.vstack([X, X]), np.r_[np.ones(len(y)), np.zeros(len(y))], sample_weight=np.r_[y, 1 - y])
    return 100 / (1 + math.exp(-float(model.coef_[0][1])))


def lc_win_rate(len_a: np.ndarray, len_b: np.ndarray, q: np.ndarray, *, C: float | None = None) -> float:
    """Length-controlled win rate: AlpacaEval's ``length_controlled_minimal`` GLM on characters, soft labels.

    Model: logit P(B preferred) = w_len * tanh(delta / sd(delta)) + w_const, delta = len(a) - len(b) in
    characters, sd with ddof 1, each pair counted as a success with weight q and a failure with weight 1 - q.
    Returns ``100 * sigmoid(w_const)`` (the win rate at equal length). ``C=None`` is the unpenalised maximum
    likelihood fit; a number is AlpacaEval's fixed-C fit: the minimiser of ``|w|_1 + C * weighted log-loss``.
    That minimiser is found here by Newton's method with the signs of the unpenalised fit; AlpacaEval's
    liblinear solver stops at its tolerance, so the two differ by up to about 2e-4 percentage points
    (:func:`lc_win_rate_liblinear` runs AlpacaEval's solver itself).
    """
    X = _lc_design(len_a, len_b)
    y = np.asarray(q, dtype=float)
    w = np.zeros(2)
    for stage in ("mle", "l1") if C is not None else ("mle",):
        # Newton on the smooth objective: the log-loss, plus |w|_1 / C with the signs of the unpenalised fit
        # (the penalised fit keeps them: a coefficient the penalty set to zero is reported by the note).
        sign = np.sign(w) if stage == "l1" else np.zeros(2)
        scale = 1 / C if stage == "l1" and C else 0.0
        for _ in range(200):
            p = 1 / (1 + np.exp(-(X @ w)))
            grad = X.T @ (p - y) + scale * sign
            step = np.linalg.solve(X.T @ (X * (p * (1 - p))[:, None]), grad)
            w = w - step
            if np.max(np.abs(step)) < 1e-15:
                break
    return 100 / (1 + math.exp(-float(w[1])))


# -- Feedback Forensics ------------------------------------------------------------------------------------------
def principle_metrics(reference: list[str | None], votes: list[str | None]) -> dict[str, float]:
    """Feedback Forensics' per-principle metrics over the pairs where the reference annotator chose A or B.

    agreed: the principle picks the reference's response; disagreed: the other one; not_applicable: anything
    else (no vote, tie, not applicable). agreement = agreed / n, relevance = (agreed + disagreed) / n,
    accuracy = agreed / (agreed + disagreed) (0.5 without a decisive vote), strength = 2 (accuracy - 0.5)
    relevance (computed in that product form, as the anchor does).
    """
    pairs = [(r, v) for r, v in zip(reference, votes, strict=True) if r in ("A", "B")]
    n = len(pairs)
    agreed = sum(v == r for r, v in pairs)
    disagreed = sum(v in ("A", "B") and v != r for r, v in pairs)
    acc = agreed / (agreed + disagreed) if agreed + disagreed else 0.5
    rel = _ratio(agreed + disagreed, n)
    return {"agreed": agreed, "disagreed": disagreed, "not_applicable": n - agreed - disagreed, "n": n,
            "agreement": _ratio(agreed, n), "relevance": rel, "accuracy": acc, "strength": 2 * (acc - 0.5) * rel}

