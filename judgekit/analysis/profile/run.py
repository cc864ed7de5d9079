"""``run_profile``: pairs in, factor-level explanation of human and judge preferences out.

Steps: load the pairs (any dataset loader), measure every response (deterministic factors
always, LLM factors when an extractor judge is given), gather the human labels (the dataset's
gold labels plus imported human judgments) and the judges' verdicts (unperturbed verdicts of
runs in the store on the same pairs, plus imported judge judgments), then compute factor
influence, alignment, the joint model and the length / style controls, and store all of it in
``profile_results`` under a new analysis id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from judgekit.analysis.profile import store as pstore
from judgekit.analysis.profile.align import alignment
from judgekit.analysis.profile.extract import extract_factors
from judgekit.analysis.profile.factors import DETERMINISTIC, measure, split_factors
from judgekit.analysis.profile.influence import influence_table
from judgekit.analysis.profile.joint import joint_model, lc_win_rate, style_bt
from judgekit.datasets.loaders import load_items
from judgekit.judges.base import Judge
from judgekit.store import queries as sq
from judgekit.store.db import Store, now
from judgekit.types import Item

HUMAN = "human"
MIN_MODEL_BATTLES = 10
STYLE_FACTORS = ("length", "markdown")
_MODEL_KEYS = (("model_a", "model_b"), ("generator_1", "generator_2"))


def _model_names(item: Item) -> tuple[str | None, str | None]:
    for ka, kb in _MODEL_KEYS:
        a, b = item.metadata.get(ka), item.metadata.get(kb)
        if a and b:
            return str(a), str(b)
    return None, None


def measure_items(store: Store, items: Sequence[Item], det: Sequence[str], llm: Sequence[str],
                  extractor: Judge | None, progress: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(values per response side, deltas f(A) − f(B) per pair); stores every value."""
    responses: dict[str, tuple[str, str]] = {}
    sides = []
    for it in items:
        for side, text in (("A", it.response_a), ("B", it.response_b)):
            rid = pstore.response_id(it.prompt, text)
            responses.setdefault(rid, (it.prompt, text))
            sides.append({"pair_id": it.id, "side": side, "response_id": rid})
    # length and markdown are always measured: the length and style controls need them
    measured = list(dict.fromkeys([*det, *STYLE_FACTORS]))
    rows = [{"response_id": rid, "factor": f, "measurer": DETERMINISTIC, "value": v, "raw": None}
            for rid, (_, text) in responses.items() for f, v in measure(text, measured).items()]
    pstore.write_factor_values(store, pd.DataFrame(rows))
    measurers = [DETERMINISTIC]
    if llm and extractor is not None:
        llm_rows = extract_factors(store, extractor, [(rid, p, t) for rid, (p, t) in responses.items()], list(llm),
                                   progress=progress)
        pstore.write_factor_values(store, pd.DataFrame(llm_rows))
        measurers.append(extractor.spec or "extractor")
    fv = pstore.read_factor_values(store, list(responses), measurers)
    fv = fv[fv["factor"].isin(measured + list(llm))]
    wide = fv.pivot_table(index="response_id", columns="factor", values="value", aggfunc="first", dropna=False)
    side = pd.DataFrame(sides).join(wide, on="response_id")
    factors = [f for f in list(det) + list(llm) if f in wide.columns]
    a = side[side["side"] == "A"].set_index("pair_id")[factors]
    b = side[side["side"] == "B"].set_index("pair_id")[factors]
    return side, (a - b).astype(float)


#: The judges' own choices on the pairs registered as ``_ids`` (generated from the read model; no values inside).
_JUDGE_CHOICES = f"""
    SELECT c.run_id, c.item_id, c.probe, c."order", c.chosen, r.judge, r.started_at, i.response_a, i.response_b
    FROM ({sq.judge_choices()}) c
    JOIN runs r ON r.run_id = c.run_id
    JOIN items i ON i.run_id = c.run_id AND i.item_id = c.item_id
    WHERE c.item_id IN (SELECT item_id FROM _ids)"""


def judge_verdicts(store: Store, items: Sequence[Item], judges: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    """Each judge's own choices on these pairs, from ONE run per judge: (item_id, order, judge, chosen), run ids.

    The run is the judge's newest run with verdicts on the same texts; its choices are those of the
    read model (:func:`judgekit.store.queries.judge_choices`: valid control verdicts, mitigation
    none, repeat 0), one per (item, order), the position probe's where it ran.
    """
    texts = {it.id: (it.response_a, it.response_b) for it in items}
    with store.connect(read_only=True) as con:
        con.register("_ids", pd.DataFrame({"item_id": [it.id for it in items]}))
        v = con.execute(_JUDGE_CHOICES).df()
    if v.empty:
        return v, []
    same = [texts.get(i) == (a, b) for i, a, b in zip(v["item_id"], v["response_a"], v["response_b"], strict=True)]
    v = v[same]
    if judges:
        v = v[v["judge"].isin(list(judges))]
    newest = v.sort_values("started_at").groupby("judge")["run_id"].last()
    v = v[v["run_id"].isin(set(newest))]
    v = v.assign(_pos=v["probe"] != "position").sort_values(["_pos", "probe"])
    v = v.drop_duplicates(["run_id", "item_id", "order"]).sort_values(["judge", "item_id", "order"])
    return v[["run_id", "item_id", "order", "judge", "chosen"]].reset_index(drop=True), sorted(set(newest))


def gather_judgments(store: Store, items: Sequence[Item], judges: Sequence[str], *,
                     use_gold: bool = True) -> tuple[pd.DataFrame, list[str]]:
    """Judgments (pair_id, annotator, kind, choice, model_a, model_b) and the run ids they came from."""
    ids = [it.id for it in items]
    frames = []
    if use_gold:
        gold = [{"pair_id": it.id, "annotator": HUMAN, "kind": "human", "choice": it.label}
                for it in items if it.label in ("A", "B", "tie")]
        frames.append(pd.DataFrame(gold))
    imported = pstore.read_judgments(store, ids)
    if not imported.empty:
        imp = imported.rename(columns={"annotator_kind": "kind"})
        imp["annotator"] = np.where(imp["kind"] == "human", HUMAN, imp["annotator"])
        frames.append(imp[["pair_id", "annotator", "kind", "choice", "model_a", "model_b"]])
    v, run_ids = judge_verdicts(store, items, judges)
    if not v.empty:
        frames.append(pd.DataFrame({"pair_id": v["item_id"], "annotator": v["judge"], "kind": "judge",
                                    "choice": v["chosen"]}))
    frames = [f for f in frames if not f.empty]
    cols = ["pair_id", "annotator", "kind", "choice", "model_a", "model_b"]
    out = pd.concat(frames, ignore_index=True).reindex(columns=cols) if frames else pd.DataFrame(columns=cols)
    out["pair_id"] = out["pair_id"].astype(str)
    return out, run_ids


def _battles(j: pd.DataFrame, side: pd.DataFrame, items: Sequence[Item]) -> pd.DataFrame:
    vals = side.set_index(["pair_id", "side"])
    models = {it.id: _model_names(it) for it in items}
    b = j.copy()
    for s in ("a", "b"):
        part = vals.xs(s.upper(), level="side")
        b[f"len_{s}"] = part["length"].reindex(b["pair_id"]).to_numpy() if "length" in part else np.nan
        b[f"md_{s}"] = part["markdown"].reindex(b["pair_id"]).to_numpy() if "markdown" in part else np.nan
        fallback = [models.get(p, (None, None))[0 if s == "a" else 1] for p in b["pair_id"]]
        b[f"model_{s}"] = b[f"model_{s}"].where(b[f"model_{s}"].notna(), pd.Series(fallback, index=b.index))
    b["y"] = b["choice"].map({"A": 1.0, "B": 0.0, "tie": 0.5})
    return b.dropna(subset=["y", "len_a", "len_b", "md_a", "md_b"])


def length_control(annotator: str, b: pd.DataFrame, seed: int) -> list[dict]:
    rows = []
    for _, r in style_bt(b).iterrows():
        rows.append({"section": "style_bt", "annotator": annotator, "factor": r["term"], "metric": "bt_coef",
                     **{k: r[k] for k in ("estimate", "ci_low", "ci_high", "p_value", "n", "note")}})
    known = b.dropna(subset=["model_a", "model_b"])
    known = known[known["model_a"] != known["model_b"]]
    if known.empty:
        rows.append({"section": "length_control", "annotator": annotator, "metric": "lc_win_rate",
                     "n": 0, "note": "no model names on the pairs (metadata model_a/model_b); LC win rate skipped"})
    for m in sorted(set(known["model_a"]) | set(known["model_b"])):
        sub = known[(known["model_a"] == m) | (known["model_b"] == m)]
        if len(sub) < MIN_MODEL_BATTLES:
            continue
        is_a = (sub["model_a"] == m).to_numpy()
        y = np.where(is_a, sub["y"], 1.0 - sub["y"])
        dl = np.where(is_a, sub["len_a"] - sub["len_b"], sub["len_b"] - sub["len_a"])
        res = lc_win_rate(y, dl, sub["pair_id"].to_numpy())
        base = {"section": "length_control", "annotator": annotator, "factor": m, "n": res["n"]}
        rows.append({**base, "metric": "lc_win_rate", "estimate": res["estimate"], "ci_low": res["ci_low"],
                     "ci_high": res["ci_high"], "note": res["note"]})
        rows.append({**base, "metric": "raw_win_rate", "estimate": res["raw_win_rate"],
                     "note": "share of comparisons won, ties as half"})
    return rows


def analyse(judgments: pd.DataFrame, deltas: pd.DataFrame, side: pd.DataFrame, items: Sequence[Item], *,
            n_boot: int = 2000, seed: int = 0, top_k: int = 3) -> pd.DataFrame:
    """Every analysis on prepared judgments and factor differences; one long results table."""
    factors = [f for f in deltas.columns if deltas[f].notna().any()]
    rows: list[dict] = []
    infl = influence_table(judgments, deltas, factors, n_boot=n_boot, seed=seed)
    for _, r in infl.iterrows():
        rows.append({"section": "influence", "annotator": r["annotator"], "factor": r["factor"], "metric": "tau",
                     **{k: r[k] for k in ("estimate", "ci_low", "ci_high", "p_value", "n")},
                     "note": json.dumps({k: int(r[k]) for k in ("concordant", "discordant", "n_tie_choice",
                                                                "n_tie_factor", "n_missing", "n_pairs")})})
    human = judgments[judgments["annotator"] == HUMAN]
    for name, group in judgments.groupby("annotator", sort=True):
        if name != HUMAN and not human.empty:
            al = alignment(human, group, deltas, factors, k=top_k, n_boot=max(200, n_boot // 2), seed=seed,
                           judge_name=str(name))
            for _, r in al.iterrows():
                rows.append({"section": "alignment", "annotator": name, "factor": r["factor"], "metric": r["metric"],
                             **{k: r[k] for k in ("estimate", "ci_low", "ci_high", "n")},
                             "flag": bool(r["misaligned"]),
                             "note": r["note"] + ("; opposed: the two influences have opposite signs"
                                                  if r["opposed"] else "")})
        for _, r in joint_model(group, deltas, factors).iterrows():
            base = {"section": "joint", "annotator": name, "factor": r["factor"], "n": r["n"]}
            rows.append({**base, "metric": "joint_log_odds", "estimate": r["estimate"], "ci_low": r["ci_low"],
                         "ci_high": r["ci_high"], "p_value": r["p_value"], "flag": r["explained_by_correlates"],
                         "note": f"correlates: {r['correlates'] or '-'}; {r['note']}"})
            rows.append({**base, "metric": "marginal_log_odds", "estimate": r["marginal"],
                         "ci_low": r["marginal_ci_low"], "ci_high": r["marginal_ci_high"]})
        if {"length", "markdown"} <= set(side.columns):
            rows.extend(length_control(str(name), _battles(group, side, items), seed))
    return pd.DataFrame(rows).reindex(columns=[c for c in pstore.RESULT_COLUMNS
                                               if c not in ("analysis_id", "computed_at")])


def run_profile(*, data: str, db: str | Path, judges: Sequence[str] = (), mapping: str | dict[str, str] | None = None,
                judge_options: dict[str, Any] | None = None, extractor: str | Judge | None = None,
                factors: Sequence[str] | None = None, seed: int = 0, progress: bool = True,
                split: str = "train", limit: int | None = None, n_boot: int = 2000, top_k: int = 3,
                use_gold: bool = True, items: Sequence[Item] | None = None) -> dict[str, Any]:
    """Profile human and judge preferences on ``data``; see the module docstring and docs/profile.md.

    ``judges``: judge specs whose unperturbed verdicts on these pairs are read from the store
    (this function judges nothing; :func:`judgekit.api.profile` first runs the judges that have no
    verdicts yet). No ``judges`` means every judge with verdicts on these pairs. ``items`` replaces
    loading ``data`` (already loaded pairs; ``data`` then only names them). ``extractor``: a judge
    spec or :class:`Judge` that measures the LLM factors. Returns the analysis id, the tables
    (``influence``, ``alignment``, ``joint``, ``length_control``, ``style_bt``, ``results``),
    the annotators and the counts.
    """
    items = list(items) if items is not None else load_items(data, mapping=mapping, split=split, limit=limit)
    store = Store(db)
    pstore.ensure_tables(store)
    det, llm = split_factors(factors, with_llm=extractor is not None)
    owned = isinstance(extractor, str)
    ext: Judge | None = None
    if isinstance(extractor, str):
        from judgekit.judges.registry import make_judge

        ext = make_judge(extractor, items=items, seed=seed, **{"mode": "generate", **(judge_options or {})})
    elif extractor is not None:
        ext = extractor
    try:
        side, deltas = measure_items(store, items, det, llm, ext, progress)
    finally:
        if owned and ext is not None:
            ext.close()
    judgments, run_ids = gather_judgments(store, items, judges, use_gold=use_gold)
    if judgments.empty:
        raise ValueError(f"{data}: no human labels or judge verdicts on these pairs; give gold labels, "
                         "import judgments (judgekit import) or name a judge")
    results = analyse(judgments, deltas, side, items, n_boot=n_boot, seed=seed, top_k=top_k)
    digest = hashlib.sha256(json.dumps([data, list(judges), det, llm, seed, str(now())]).encode()).hexdigest()
    analysis_id = f"profile-{now():%Y%m%d-%H%M%S}-{digest[:6]}"
    meta = {"data": data, "judges": list(judges), "extractor": getattr(ext, "spec", None), "factors": det + llm,
            "seed": seed, "n_pairs": len(items), "run_ids": run_ids, "n_boot": n_boot, "top_k": top_k,
            "annotators": sorted(set(judgments["annotator"]))}
    pstore.write_results(store, analysis_id, results, meta)
    out: dict[str, Any] = {"analysis_id": analysis_id, "n_pairs": len(items), "run_ids": run_ids,
                           "annotators": meta["annotators"], "n_judgments": len(judgments), "results": results}
    for section in ("influence", "alignment", "joint", "length_control", "style_bt"):
        out[section] = results[results["section"] == section].reset_index(drop=True)
    return out
