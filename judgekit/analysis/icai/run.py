"""The ICAI pipeline: propose, cluster, vote, measure, select on train, reconstruct on test.

Every model call goes through :func:`judgekit.engine.completions.complete`, so answers are
cached in the DuckDB file, written as they arrive, and a repeated or interrupted run asks
the model only for what it does not have yet.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from judgekit.analysis.icai import cluster as cl
from judgekit.analysis.icai.embed import DEFAULT_EMBEDDER, embed_texts
from judgekit.analysis.icai.metrics import long_metrics, principle_metrics
from judgekit.analysis.icai.prompts import approx_tokens
from judgekit.analysis.icai.propose import proposal_items, propose, propose_prompt
from judgekit.analysis.icai.reconstruct import (
    annotate,
    item_scores,
    length_scores,
    reconstruct_prompt,
    reconstruction_table,
)
from judgekit.analysis.icai.select import candidates, forward_select, majority_scores, rank_select, split_items
from judgekit.analysis.icai.store import save_icai
from judgekit.analysis.icai.vote import collect_votes, vote_counts, vote_matrix, vote_prompt
from judgekit.datasets import DatasetError, dataset_fingerprint, load_items
from judgekit.judges.base import Judge
from judgekit.plan.spec import is_icai_suite as is_icai_suite  # re-exported: it lives with the suite spec
from judgekit.plan.spec import load_suite
from judgekit.resources import data_dir
from judgekit.store.db import Store
from judgekit.types import Item

DEFAULT_DATA = "icai_synthetic.jsonl"
MIN_PAIRS = 10
# Generation settings the judge needs to write principles rather than a single letter.
JUDGE_DEFAULTS = {"mode": "generate", "max_new_tokens": 512, "max_tokens": 1024}


def suite_defaults(suite: str = "icai") -> dict[str, Any]:
    """The ``defaults`` of an icai suite file (``suites/icai.yaml`` unless named)."""
    return dict(load_suite(suite).defaults)


def _make_judge(judge: str | Judge | None, items: Sequence[Item], seed: int, options: dict[str, Any] | None) -> Judge:
    if isinstance(judge, Judge):
        return judge
    if judge == "scripted/icai":
        from judgekit.analysis.icai.demo import icai_demo_judge

        return icai_demo_judge(seed)
    from judgekit.judges.registry import make_judge

    opts = {**JUDGE_DEFAULTS, **{k: v for k, v in (options or {}).items() if v is not None}}
    return make_judge(judge, items=items, seed=seed, **opts)


def _tokens(judge: Judge, messages: Sequence[dict[str, str]]) -> int:
    text = "\n".join(m["content"] for m in messages)
    counted = judge.count_tokens(text)
    return counted if isinstance(counted, int) else approx_tokens(text)


def estimate_cost(judge: Judge, train: Sequence[Item], test: Sequence[Item], cfg: dict[str, Any]) -> dict[str, int]:
    """Upper bounds on requests and tokens, computed before any call (sampled prompts for token counts)."""
    k, n_p, batch = int(cfg["principles_k"]), int(cfg["max_principles"]), int(cfg["vote_batch_size"])
    prop = proposal_items(train, cfg["max_propose_pairs"], cfg["seed"])
    placeholder = ["Select the response that " + "x " * 12] * min(n_p, batch)
    sample = list(train[:20])
    req = {"propose": len(prop), "summarize": n_p if cfg["representative"] == "summary" else 0,
           "vote_train": 2 * len(train) * math.ceil(n_p / batch), "vote_test": 2 * len(test) * math.ceil(k / batch),
           "reconstruct": 4 * len(test)}
    per = {"propose": np.mean([_tokens(judge, propose_prompt(it, cfg["principles_per_pair"])) for it in prop[:20]]),
           "summarize": 120.0,
           "vote_train": np.mean([_tokens(judge, vote_prompt(it, placeholder, "AB")) for it in sample]),
           "vote_test": np.mean([_tokens(judge, vote_prompt(it, placeholder[:k], "AB")) for it in sample]),
           "reconstruct": np.mean([_tokens(judge, reconstruct_prompt(it, placeholder[:k], "AB")) for it in sample])}
    out_per = {"propose": 30 * cfg["principles_per_pair"], "summarize": 30, "vote_train": 8 * min(n_p, batch),
               "vote_test": 8 * min(k, batch), "reconstruct": 10}
    est = {f"requests_{s}": int(n) for s, n in req.items()}
    est["requests"] = sum(req.values())
    est["input_tokens"] = int(sum(req[s] * float(per[s] or 0) for s in req))
    est["output_tokens"] = int(sum(req[s] * out_per[s] for s in req))
    return est


def cost_line(est: dict[str, int]) -> str:
    """The cost estimate in one line."""
    summaries = f", <= {est['requests_summarize']} summaries" if est["requests_summarize"] else ""
    return (f"cost estimate (upper bound, before any call): {est['requests']} requests "
            f"({est['requests_propose']} proposals, <= {est['requests_vote_train']} train votes, "
            f"<= {est['requests_vote_test']} test votes, {est['requests_reconstruct']} reconstruction{summaries}), "
            f"~{est['input_tokens']:,} input and ~{est['output_tokens']:,} output tokens; cached answers are free")


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _icai_id(items: Sequence[Item], judge: Judge, cfg: dict[str, Any], data: str) -> str:
    blob = json.dumps({"data": dataset_fingerprint(list(items)), "source": data, "judge": judge.identity(),
                       "cfg": cfg}, sort_keys=True, default=str)
    return "icai-" + hashlib.sha256(blob.encode()).hexdigest()[:10]


def run_icai(*, data: str | None = None, db: str | Path = "judgekit.duckdb", judge: str | Judge | None = None,
             mapping: str | dict[str, str] | None = None, principles_k: int | None = None, seed: int = 0,
             test_fraction: float | None = None, judge_options: dict[str, Any] | None = None,
             out_dir: str | Path = "reports", progress: bool = True, options: dict[str, Any] | None = None,
             embedder: str | Callable[[Sequence[str]], np.ndarray] | None = None) -> dict[str, Any]:
    """Compress a preference dataset into at most ``principles_k`` principles and test them.

    ``options`` overrides the defaults in ``suites/icai.yaml``, and ``principles_k`` and
    ``test_fraction``, when given, override both; ``embedder`` is ``minilm``,
    ``litellm/<model>`` or a function from texts to unit-length rows. Returns the constitution,
    the path of the text file it was written to, and every table of results.
    """
    cfg = {**suite_defaults(), **(options or {}), "seed": int(seed)}
    for key, value, cast in (("principles_k", principles_k, int), ("test_fraction", test_fraction, float)):
        if value is not None:
            cfg[key] = value
        if cfg.get(key) is None:
            raise ValueError(f"icai: {key} is neither given nor set in the suite's defaults")
        cfg[key] = cast(cfg[key])
    embed_name = embedder if isinstance(embedder, str) else cfg.get("embedder", DEFAULT_EMBEDDER)
    cfg["embedder"] = embed_name if embedder is None or isinstance(embedder, str) else getattr(
        embedder, "__name__", "custom")
    source = data or str(data_dir() / DEFAULT_DATA)
    items = [it for it in load_items(source, mapping=mapping) if it.label in ("A", "B")]
    if len(items) < MIN_PAIRS:
        raise DatasetError(source, None, "label", f"ICAI needs at least {MIN_PAIRS} pairs labelled A or B, "
                                                  f"found {len(items)}")
    train, test = split_items(items, cfg["test_fraction"], seed)
    j = _make_judge(judge, items, seed, judge_options)
    owned = not isinstance(judge, Judge)
    store = Store(db)
    sent: dict[str, int] = {}
    try:
        icai_id = _icai_id(items, j, cfg, source)
        est = estimate_cost(j, train, test, cfg)
        _say(f"ICAI {icai_id}: {len(train)} train / {len(test)} test pairs, judge {j.spec}")
        _say(cost_line(est))

        # 1-2: propose, cluster, pick representatives
        proposals, st = propose(store, j, proposal_items(train, cfg["max_propose_pairs"], seed),
                                n=int(cfg["principles_per_pair"]), progress=progress)
        sent["propose"] = st["sent"]
        embed_fn = embedder if callable(embedder) else (lambda texts: embed_texts(texts, embed_name))
        clusters = cl.build_clusters(proposals, embed_fn, similarity=float(cfg["cluster_similarity"]),
                                     min_support=int(cfg["min_support"]), max_principles=int(cfg["max_principles"]),
                                     representative="sample" if cfg["representative"] == "sample" else "medoid",
                                     seed=seed)
        if cfg["representative"] == "summary":
            clusters, sent["summarize"] = cl.summarise_clusters(store, j, clusters, progress=progress)
        texts = {c.principle_id: c.text for c in clusters}
        _say(f"{len(proposals)} proposals -> {len(clusters)} principles; voting on {len(train)} train pairs: "
             f"{2 * len(train) * math.ceil(max(len(texts), 1) / int(cfg['vote_batch_size']))} requests")

        # 3-4: votes on train, metrics, length check
        labels = {it.id: str(it.label) for it in items}
        train_votes, st = collect_votes(store, j, train, texts, batch_size=int(cfg["vote_batch_size"]),
                                        progress=progress) if texts else (pd.DataFrame(
                                            columns=["item_id", "principle_id", "vote_ab", "vote_ba", "vote"]),
                                            {"sent": 0})
        sent["vote_train"] = st["sent"]
        n_boot = int(cfg["n_boot"])
        train_m = principle_metrics(train_votes, train, n_boot=n_boot, seed=seed) if texts else pd.DataFrame(
            columns=["principle_id", "strength", "relevance", "length_explained"])

        # 5: choose on train only
        cand = candidates(train_m, min_relevance=float(cfg["min_relevance"]),
                          exclude_length=bool(cfg["exclude_length_explained"]))
        pool = list(cand.loc[cand["candidate"], "principle_id"])
        ids = list(texts)
        y_train = np.array([1.0 if it.label == "A" else 0.0 for it in train])
        v_train = vote_matrix(train_votes, [it.id for it in train], ids) if ids else np.zeros((len(train), 0))
        if cfg["selection"] == "rank":
            chosen, trace = rank_select(v_train, ids, dict(zip(train_m["principle_id"], train_m["strength"],
                                                               strict=True)), pool, k=cfg["principles_k"])
        else:
            chosen, trace = forward_select(v_train, y_train, ids, pool, k=cfg["principles_k"],
                                           min_gain=float(cfg["min_gain"]), folds=int(cfg["cv_folds"]), seed=seed)
        constitution = [texts[p] for p in chosen]

        # 6: report on test
        test_ids = [it.id for it in test]
        y_sign = np.array([1.0 if it.label == "A" else -1.0 for it in test])
        if chosen:
            test_votes, st = collect_votes(store, j, test, {p: texts[p] for p in chosen},
                                           batch_size=int(cfg["vote_batch_size"]), task="icai-vote", progress=progress)
            sent["vote_test"] = st["sent"]
            test_m = principle_metrics(test_votes, test, n_boot=n_boot, seed=seed)
            vote_scores = pd.Series(majority_scores(vote_matrix(test_votes, test_ids, chosen), y_sign), index=test_ids)
        else:
            test_votes = train_votes.iloc[:0]
            test_m = train_m.iloc[:0]
            vote_scores = pd.Series(0.5, index=test_ids)
        with_c, sent["reconstruct"] = annotate(store, j, test, constitution, task="icai-reconstruct",
                                               progress=progress)
        without, sent["baseline"] = annotate(store, j, test, [], task="icai-reconstruct", progress=progress)
        conditions = {"constitution": item_scores(with_c), "no_constitution": item_scores(without),
                      "length_only": length_scores(test), "constitution_votes": vote_scores}
        invalid = {"constitution": int(with_c["score"].isna().sum()),
                   "no_constitution": int(without["score"].isna().sum())}
        recon = reconstruction_table(conditions, invalid, compare=[("constitution", "no_constitution"),
                                                                   ("constitution", "length_only")],
                                     n_boot=n_boot, seed=seed)
    finally:
        if owned:
            j.close()

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{icai_id}.txt"
    path.write_text(constitution_file_text(constitution, source, j.spec, recon), encoding="utf-8")

    members = {c.principle_id: c.members for c in clusters}
    support = {c.principle_id: c.support for c in clusters}
    principles = train_m.merge(cand, on="principle_id", how="left")
    principles.insert(1, "text", principles["principle_id"].map(texts))
    principles["members"] = principles["principle_id"].map(members)
    principles["support"] = principles["principle_id"].map(support)
    principles["selected"] = principles["principle_id"].isin(chosen)
    metrics_long = pd.concat([long_metrics(train_m, "train"), long_metrics(test_m, "test")], ignore_index=True)
    run = {"dataset": Path(source).name, "judge": j.spec, "config": cfg, "n_train": len(train), "n_test": len(test),
           "constitution_path": str(path)}
    save_icai(store, icai_id, run=run, principles=principles,
              votes={"train": vote_counts(train_votes, labels), "test": vote_counts(test_votes, labels)},
              metrics=metrics_long, constitution=list(zip(chosen, constitution, strict=True)), reconstruction=recon)
    return {"icai_id": icai_id, "constitution": constitution, "constitution_ids": chosen,
            "constitution_path": path, "principles": principles, "test_metrics": test_m, "selection": trace,
            "reconstruction": recon, "votes": {"train": train_votes, "test": test_votes}, "proposals": proposals,
            "cost_estimate": est, "requests_sent": sent, "n_requests_sent": sum(sent.values()),
            "n_train": len(train), "n_test": len(test), "config": cfg}


def constitution_file_text(constitution: Sequence[str], data: str, judge: str, recon: pd.DataFrame) -> str:
    """The constitution as plain text: a commented header, then one numbered principle per line."""
    lines = [f"# Constitution learned from {Path(data).name} with judge {judge}"]
    row = recon.set_index("condition")
    for cond in ("constitution", "no_constitution", "length_only"):
        if cond in row.index:
            r = row.loc[cond]
            lines.append(f"# test agreement, {cond.replace('_', ' ')}: {r['estimate']:.3f} "
                         f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}] (n={int(r['n'])})")
    lines.append("")
    lines.extend(f"{i}. {p}" for i, p in enumerate(constitution, start=1))
    if not constitution:
        lines.append("(no principle improved held-out prediction on the training split)")
    return "\n".join(lines) + "\n"
