"""What :mod:`judgekit.compare` ranks and tests when the runs are mcq runs (protocol ``mcq``).

The criteria, each from the per-item pairs of :mod:`judgekit.stats.mcq` (the rows its metrics average):

* ``mcq_cue_net_shift:<probe>`` for every common cue probe (ranked by its absolute value) and
  ``mean_abs_mcq_cue_net_shift``, their mean;
* ``mcq_gold_position_gap:position`` (accuracy with the gold option first minus last, ranked by its
  absolute value);
* ``mcq_accuracy``: the share of valid answers of the position probe that pick the gold option.

Agreement is over the unperturbed presentations (the position probe's shuffle, the cue probes'
controls) by original option letter, and against the gold option. Pairwise and mcq runs are not
compared with each other.
"""

from __future__ import annotations

import json

import pandas as pd

from judgekit.stats.mcq import PROTOCOL, _prepare, headline_pairs
from judgekit.store.db import Store
from judgekit.types import OPTION_LETTERS

MEAN_ABS_MCQ = "mean_abs_mcq_cue_net_shift"
#: signed per-probe criteria, ranked by their absolute value
EFFECTS = ("mcq_cue_net_shift", "mcq_gold_position_gap")


def protocols(configs: list[object]) -> set[str]:
    """The protocols of the runs, from their ``runs.config``."""
    out = set()
    for c in configs:
        cfg = json.loads(c) if isinstance(c, str) else (c or {})
        out.add(str(cfg.get("protocol") or "pairwise") if isinstance(cfg, dict) else "pairwise")
    return out


def load(db: object, run_ids: list[str]) -> dict[str, pd.DataFrame]:
    """run id -> its verdicts as the statistics read them (:meth:`Store.metrics_frame`)."""
    store = Store(db, create=False)  # type: ignore[arg-type]
    return {r: store.metrics_frame(r) for r in run_ids}


def criteria(frames: dict[str, pd.DataFrame], run_ids: list[str], items: list[str], matrix) -> dict:
    """criterion -> (num, den, higher_is_better, kind, extra), as :func:`judgekit.compare._criteria` gives."""
    import numpy as np

    out: dict = {}
    probes = sorted(set.intersection(*(set(frames[r]["probe"]) for r in run_ids)))
    cue = [p for p in probes if p != "position"]
    per = {p: [headline_pairs(frames[r], p).assign(n=1.0) for r in run_ids] for p in probes}
    for probe in cue:
        out[f"mcq_cue_net_shift:{probe}"] = (*matrix(per[probe], items, "diff", "n"), False, "boot", None)
    if cue:
        stacked = [matrix(per[p], items, "diff", "n") for p in cue]
        out[MEAN_ABS_MCQ] = (np.stack([s[0] for s in stacked]), np.stack([s[1] for s in stacked]), False, "boot",
                             None)
    if "position" in probes:
        out["mcq_gold_position_gap:position"] = (*matrix(per["position"], items, "diff", "n"), False, "boot", None)
        acc = []
        for r in run_ids:
            d = _prepare(frames[r][frames[r]["probe"] == "position"])
            d = d[d["valid"]]
            acc.append(pd.DataFrame({"item_id": d["item_id"], "x": d["correct"].astype(float), "n": 1.0}))
        out["mcq_accuracy"] = (*matrix(acc, items, "x", "n"), True, "boot", None)
    return out


def choices(frame: pd.DataFrame) -> pd.DataFrame:
    """Unperturbed answers (position shuffle, cue probes' control) in the shape agreement_table reads."""
    d = _prepare(frame)
    d = d[d["valid"] & d["condition"].isin(["shuffle", "control"])]
    return pd.DataFrame({"item_id": d["item_id"], "probe": d["probe"], "condition": "control",
                         "order": d["probe"] + ":" + d["order"].astype(str), "chosen": d["chosen"],
                         "label": d["label"]})


def profile(metrics: dict[str, pd.DataFrame], run_ids: list[str], labels: list[str]) -> pd.DataFrame:
    """Each run's stored headline and accuracy rows (subset "all")."""
    keep = ("mcq_cue_net_shift", "mcq_cue_shift", "mcq_added_text_shift", "mcq_gold_position_gap", "mcq_accuracy")
    frames = []
    for r, lab in zip(run_ids, labels, strict=True):
        m = metrics[r]
        m = m[m["metric"].isin(keep) & (m["subset"] == "all")]
        frames.append(m.assign(judge=lab)[["judge", "run_id", "probe", "metric", "estimate", "ci_low", "ci_high",
                                           "n", "p_value", "p_adjusted"]])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


GOLD_LABELS = tuple(OPTION_LETTERS)
__all__ = ["EFFECTS", "GOLD_LABELS", "MEAN_ABS_MCQ", "PROTOCOL", "choices", "criteria", "load", "profile",
           "protocols"]
