"""Step 6: does a judge that follows the constitution reconstruct held-out labels?

The judge sees each test pair in both orders with the default pairwise prompt
(``suites/prompts/pairwise.yaml``), once with the constitution added to its system prompt
(``suites/prompts/icai/reconstruct.yaml``) and once without it. A pair's score is the mean
over its readable verdicts of 1 (the labelled response chosen), 0 (the other) or 0.5 (tie);
parse failures are left out and counted. The length-only baseline picks the response with
more words (0.5 when equal). Intervals are bootstraps over pairs, and the differences
between conditions are paired (same pairs, :func:`ratio_bootstrap` of per-pair differences).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from judgekit.analysis.icai.metrics import length_sign
from judgekit.analysis.icai.prompts import Messages, render_text
from judgekit.engine.completions import complete
from judgekit.judges.base import Judge
from judgekit.judges.parse import parse_verdict
from judgekit.judges.prompt import load_template
from judgekit.stats.intervals import ratio_bootstrap
from judgekit.store.db import Store
from judgekit.types import Item, Trial

RESULT_COLUMNS = ("condition", "estimate", "ci_low", "ci_high", "n", "n_invalid")


def constitution_text(principles: Sequence[str]) -> str:
    """The text added to the judge's system prompt for a constitution ("" for none)."""
    return render_text("reconstruct", principles=list(principles)) if principles else ""


def reconstruct_prompt(item: Item, principles: Sequence[str], order: str) -> Messages:
    first, second = (item.response_a, item.response_b) if order == "AB" else (item.response_b, item.response_a)
    trial = Trial(trial_id=f"{item.id}|{order}", item_id=item.id, probe="icai", condition="reconstruct",
                  order=order, repeat=0, prompt=item.prompt, first=first, second=second, gold_position=None,  # type: ignore[arg-type]
                  system_extra=constitution_text(principles))
    return load_template("pairwise").render(trial)


def annotate(store: Store, judge: Judge, items: Sequence[Item], principles: Sequence[str], *, task: str,
             progress: bool = False) -> tuple[pd.DataFrame, int]:
    """Verdicts on every item in both orders; returns (item_id, order, choice, score) rows and requests sent."""
    index = [(it, order) for it in items for order in ("AB", "BA")]
    results = complete(store, judge, [reconstruct_prompt(it, principles, o) for it, o in index], task=task,
                       progress=progress)
    rows = []
    for (it, order), res in zip(index, results, strict=True):
        choice = parse_verdict(res.text) if res.text is not None else "error"
        rows.append((it.id, order, choice, verdict_score(choice, order, str(it.label))))
    return pd.DataFrame(rows, columns=["item_id", "order", "choice", "score"]), sum(not r.cached for r in results)


def verdict_score(choice: str, order: str, label: str) -> float:
    """1 when the verdict (in presented positions) picks the labelled response, 0 when not, 0.5 for a tie,
    nan when it could not be read."""
    if choice == "tie":
        return 0.5
    if choice not in ("A", "B"):
        return float("nan")
    chosen = choice if order == "AB" else {"A": "B", "B": "A"}[choice]
    return float(chosen == label)


def item_scores(verdicts: pd.DataFrame) -> pd.Series:
    """Mean readable score per item (items with no readable verdict are dropped)."""
    return verdicts.dropna(subset=["score"]).groupby("item_id", sort=False)["score"].mean()


def length_scores(items: Sequence[Item]) -> pd.Series:
    """The length-only rule: 1 when the longer response is the labelled one, 0.5 for equal lengths."""
    sign = length_sign(items)
    y = np.array([1.0 if it.label == "A" else -1.0 for it in items])
    return pd.Series(np.where(sign == 0, 0.5, (sign == y).astype(float)), index=[it.id for it in items])


def _row(condition: str, scores: pd.Series, n_invalid: int, n_boot: int, seed: int) -> dict:
    vals = scores.to_numpy(dtype=float)
    lo, hi = ratio_bootstrap(vals, np.ones_like(vals), n_boot=n_boot, seed=seed)
    est = float(vals.mean()) if vals.size else float("nan")
    return {"condition": condition, "estimate": est, "ci_low": lo, "ci_high": hi, "n": int(vals.size),
            "n_invalid": n_invalid}


def reconstruction_table(conditions: dict[str, pd.Series], invalid: dict[str, int], *,
                         compare: Sequence[tuple[str, str]] = (), n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Agreement with the labels per condition, and paired differences ``a - b`` for each (a, b) in ``compare``."""
    rows = [_row(name, s, invalid.get(name, 0), n_boot, seed) for name, s in conditions.items()]
    for a, b in compare:
        common = conditions[a].index.intersection(conditions[b].index)
        diff = conditions[a].loc[common] - conditions[b].loc[common]
        rows.append(_row(f"{a} - {b}", diff, 0, n_boot, seed))
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
