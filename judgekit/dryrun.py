"""What a run would cost, without running it: requests, tokens, dollars and the smallest effect it can see.

:func:`dry_run` renders every trial into its request (exactly as the engine would), drops
requests already answered in the database and duplicate keys, counts input tokens with the
judge's own tokenizer where it has one (an HF judge counts its chat-templated prompt; an
API judge uses litellm's token counter, which is the provider's tokenizer for OpenAI models
and an approximation for others) and otherwise ``ceil(characters / 4)``, each labelled.
Above ``token_sample`` requests a seeded sample is counted and scaled by characters.
Output tokens are an upper bound: ``max_tokens`` per request (0 for one-forward-pass
probability judges). Cost uses litellm's price table (halved for batch APIs) and is an
estimate.

Wall time. A local judge (``hf/``, ``rm/``, ``smollm2``, ``scripted``) is loaded anyway (its
identity, and so the cache key, is defined by its weights), so its load is timed and it judges
a seeded sample of the requests to send: one warm-up request, then at least one full batch
(``max(4, batch_size)`` requests, or ``time_sample``), timed. A local judge sorts requests by
length and pads each batch to its longest, so the estimate is the load time plus the measured
time scaled by the padded length (characters) of the run's batches over the sample's; the
verdicts of the sample are discarded, nothing is stored. An API judge is never called: its time
is the number of rounds of ``concurrency`` requests in flight times an assumed latency per request
(``latency_s``, default :data:`API_LATENCY_S`), or the time its requests-per-minute cap allows,
whichever is longer; retries and throttling are not modelled. A batch API answers within the
provider's window and is not estimated. Every figure says how it was obtained.

Minimum detectable effect. The headline comparisons are paired proportions on the same
items (accuracy with the gold answer shown first vs second; P(pick the cued response) with
vs without the cue), tested with McNemar's test. With ``n`` items, a share ``psi`` of
discordant pairs, two-sided level ``alpha`` and power ``1 - beta``, Connor's (1987) formula

    sqrt(n) * delta = z_{1-alpha/2} * sqrt(psi) + z_{1-beta} * sqrt(psi - delta^2)

is solved for ``delta``, the smallest difference in proportions detected with that power.
``psi`` is not known before the run; the default 0.3 is an assumption (set ``discordance``).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from statistics import NormalDist
from typing import Any

from judgekit.judges.base import Judge
from judgekit.judges.prompt import PromptTemplate, build_request, load_template
from judgekit.plan import load_suite, load_suite_items, make_plan
from judgekit.stats.net import headline_metric
from judgekit.types import Item, JudgeRequest, Trial

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD_TOKENS = 4  # role and separators per chat message (OpenAI's rule of thumb)
#: assumed seconds per API request when nothing better is known (a short verdict from a hosted model)
API_LATENCY_S = 1.0
LOCAL_BACKENDS = ("hf", "rm", "scripted")
API_BACKENDS = ("litellm", "openai-compatible")


def mde_paired_proportions(n: int, *, discordance: float = 0.3, alpha: float = 0.05,
                           power: float = 0.8) -> float | None:
    """Smallest paired difference in proportions detectable at ``n`` pairs (Connor 1987), or None."""
    if n <= 0 or not 0 < discordance <= 1:
        return None
    za = NormalDist().inv_cdf(1 - alpha / 2)
    zb = NormalDist().inv_cdf(power)

    def f(d: float) -> float:
        return math.sqrt(n) * d - za * math.sqrt(discordance) - zb * math.sqrt(max(0.0, discordance - d * d))

    lo, hi = 0.0, math.sqrt(discordance)
    if f(hi) < 0:
        return None  # even the largest possible difference is not detectable
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) < 0 else (lo, mid)
    return hi


def _headline(trials: Sequence[Trial]) -> str:
    """The headline metric of the first probe (:func:`judgekit.stats.net.headline_metric`), in words."""
    first = trials[0].probe if trials else "position"
    metric = headline_metric(first, trials[0].protocol if trials else "pairwise")
    if metric == "mcq_gold_position_gap":
        return f"{first}: mcq_gold_position_gap, accuracy with the gold option first minus last (sign test over items)"
    if metric == "mcq_cue_net_shift":
        return (f"{first}: mcq_cue_net_shift, P(pick the cued option) with the cue minus with a neutral text of its "
                f"length (paired, sign test over items)")
    if metric == "first_position_rate":
        return f"{first}: first_position_rate, share of verdicts for the response shown first (sign test over items)"
    if metric == "cue_net_effect":
        return (f"{first}: cue_net_effect, P(pick cued) with the cue minus with a neutral insertion of the same "
                f"length (paired, sign test over items)")
    return f"{first}: bias_effect, P(pick cued) with cue minus control (paired, sign test over items)"


def _token_method(judge: Judge) -> tuple[str, Any]:
    if hasattr(judge, "encode_request"):
        return "judge tokenizer (chat-templated prompt)", lambda r: len(judge.encode_request(r))  # type: ignore
    probe = judge.count_tokens("hello")
    if probe is None:
        return f"heuristic: ceil(characters / {CHARS_PER_TOKEN}) + {MESSAGE_OVERHEAD_TOKENS} per message", None
    label = ("litellm token_counter (the provider's tokenizer for OpenAI models, an approximation otherwise)"
             if judge.identity().get("backend") in ("litellm", "openai-compatible") else "judge tokenizer")
    return f"{label} + {MESSAGE_OVERHEAD_TOKENS} per message", None


def _count(judge: Judge, req: JudgeRequest, exact: Any, use_tokenizer: bool) -> int:
    if exact is not None:
        return int(exact(req))
    total = 0
    for m in req.messages:
        n = judge.count_tokens(m["content"]) if use_tokenizer else None
        total += (n if n is not None else math.ceil(len(m["content"]) / CHARS_PER_TOKEN)) + MESSAGE_OVERHEAD_TOKENS
    return total


def _output_bound(judge: Judge) -> tuple[int, str]:
    mode = getattr(judge, "mode", None)
    if mode == "logprobs":
        return 0, "none: one forward pass per verdict"
    if mode == "generate":
        return int(getattr(judge, "max_new_tokens", 0)), "upper bound (max_new_tokens)"
    if hasattr(judge, "max_tokens"):
        return int(judge.max_tokens), "upper bound (max_tokens)"
    return 1, "one token per verdict"


def _prices(judge: Judge) -> tuple[float, float] | None:
    if hasattr(judge, "prices"):
        return judge.prices()  # type: ignore[no-any-return]
    if judge.identity().get("backend") == "litellm":
        from judgekit.judges.prices import token_prices

        return token_prices(str(judge.identity()["model"]))
    return None


def _padded(requests: Sequence[JudgeRequest], batch: int) -> int:
    """Characters the batches of ``requests`` hold when sorted by length and padded to their longest."""
    lengths = sorted(sum(len(m["content"]) for m in r.messages) for r in requests)
    return sum(len(lengths[i:i + batch]) * max(lengths[i:i + batch]) for i in range(0, len(lengths), batch))


def _time_local(judge: Judge, to_send: Sequence[JudgeRequest], load_s: float | None, sample_n: int | None,
                seed: int) -> tuple[float | None, str, int]:
    """Judge a seeded sample of ``to_send`` (after one warm-up request), scaled to the run by padded length."""
    n = len(to_send)
    load = "" if load_s is None else f"model load {load_s:.1f} s (measured) + "
    if n == 0:
        return load_s or 0.0, "nothing to send" + (f"; {load.removesuffix(' + ')}" if load else ""), 0
    batch = max(1, int(getattr(judge, "batch_size", 1) or 1))
    k = min(n, sample_n if sample_n is not None else max(4, batch))
    if k < 1:
        return None, "not timed (time_sample = 0)", 0
    sample = random.Random(seed).sample(list(to_send), k)
    for _ in judge.judge(sample[:1]):  # warm-up: first-call costs (kernels, caches) are not per-request costs
        pass
    start = time.perf_counter()
    for _ in judge.judge(sample):
        pass
    took = time.perf_counter() - start
    timed_batches, batches = math.ceil(k / batch), math.ceil(n / batch)
    # a local judge pads each batch to its longest request and batches requests sorted by length, so time
    # scales with the padded length of the batches (measured in characters), not with the request count
    scale = _padded(to_send, batch) / max(1, _padded(sample, batch))
    seconds = (load_s or 0.0) + took * scale
    how = (f"{load}judging: {k} of the requests timed after one warm-up request, {took:.2f} s in {timed_batches} "
           f"batch{'es' if timed_batches > 1 else ''} of up to {batch}, scaled to the run's {batches:,} "
           f"length-sorted batch{'es' if batches > 1 else ''} by padded length ({scale:,.1f}x; storing verdicts "
           "not included)")
    if k < batch < n:
        how += f"; the timed batch was partial ({k} of {batch}): fuller batches usually cost less per request"
    return seconds, how, k + 1


def _time_api(judge: Judge, n: int, latency_s: float | None) -> tuple[float | None, str]:
    """Rounds of ``concurrency`` requests times the latency, or the rpm cap's pace, whichever is longer."""
    limit = getattr(judge, "limit", None)
    conc = int(getattr(limit, "max_concurrency", 0) or getattr(judge, "concurrency", 0) or 1)
    rpm = getattr(limit, "rpm", None)
    lat = API_LATENCY_S if latency_s is None else float(latency_s)
    seconds = math.ceil(n / conc) * lat
    how = (f"assumed {lat:g} s per request{' (the default; --assume-latency to change)' if latency_s is None else ''}, "
           f"{conc} in flight: {math.ceil(n / conc):,} rounds")
    if rpm:
        paced = n / float(rpm) * 60
        how += f"; the cap of {float(rpm):g} requests per minute allows {paced:,.0f} s"
        seconds = max(seconds, paced)
    return seconds, how + "; retries and throttling not modelled"


def estimate_time(judge: Judge, to_send: Sequence[JudgeRequest], *, load_s: float | None = None,
                  time_sample: int | None = None, latency_s: float | None = None,
                  seed: int = 0) -> tuple[float | None, str, int]:
    """(estimated wall seconds or None, how it was obtained, requests judged to time them) for ``to_send``."""
    backend = str(judge.identity().get("backend", ""))
    if backend.endswith("-batch"):
        return None, "not estimated: a batch API answers within the provider's batch window (up to 24 h)", 0
    if backend in API_BACKENDS:
        return (*_time_api(judge, len(to_send), latency_s), 0)
    if backend in LOCAL_BACKENDS:
        return _time_local(judge, to_send, load_s, time_sample, seed)
    return None, f"not estimated: backend {backend!r} is neither a local model nor a known API", 0


def format_seconds(s: float) -> str:
    """``42 s``, ``3.5 min``, ``2.1 h``."""
    return f"{s:.0f} s" if s < 90 else (f"{s / 60:.1f} min" if s < 5400 else f"{s / 3600:.1f} h")


def dry_run(judge: str | Judge | None, trials: Sequence[Trial], *, items: Sequence[Item] = (),
            template: str | PromptTemplate = "pairwise", db: str | Path | None = None,
            judge_options: dict[str, Any] | None = None, seed: int = 0, batch: bool = False,
            alpha: float = 0.05, power: float = 0.8, discordance: float = 0.3,
            token_sample: int = 2000, time_sample: int | None = None, latency_s: float | None = None,
            load_s: float | None = None) -> dict[str, Any]:
    """Estimate a run of ``trials`` against ``judge`` (a spec or a ready judge, loaded in ``load_s``).

    API judges are never called; a local judge judges a few requests to time them (see the module)."""
    owned = not isinstance(judge, Judge)
    if owned:
        from judgekit.judges.registry import make_judge

        start = time.perf_counter()
        judge = make_judge(judge, items=items, seed=seed, **(judge_options or {}))
        load_s = time.perf_counter() - start
    assert isinstance(judge, Judge)
    try:
        tmpl = load_template(template) if isinstance(template, str) else template
        identity = judge.identity()
        requests = [build_request(tmpl, identity, t, sample_index=t.repeat) for t in trials]
        unique = list({r.key: r for r in requests}.values())
        cached: set[str] = set()
        if db is not None and Path(db).exists():
            from judgekit.store.db import Store

            hits = Store(db, create=False).cached_outputs([r.key for r in unique])
            cached = set(hits["request_key"])
        to_send = [r for r in unique if r.key not in cached]

        method, exact = _token_method(judge)
        use_tok = "heuristic" not in method
        sample = to_send
        if len(to_send) > token_sample:
            sample = random.Random(seed).sample(to_send, token_sample)
            method += f", counted on a seeded sample of {token_sample} and scaled by characters"
        counted = sum(_count(judge, r, exact, use_tok) for r in sample)

        def chars(rs: Sequence[JudgeRequest]) -> int:
            return sum(len(m["content"]) for r in rs for m in r.messages)

        scale = chars(to_send) / chars(sample) if sample and chars(sample) else 1.0
        input_tokens = round(counted * scale) if sample else 0
        per_out, out_label = _output_bound(judge)
        output_tokens = per_out * len(to_send)

        prices = _prices(judge)
        if prices is not None and batch and not judge.identity().get("backend", "").endswith("-batch"):
            prices = (prices[0] * 0.5, prices[1] * 0.5)
        cost = None if prices is None else input_tokens * prices[0] + output_tokens * prices[1]
        n_items = len({t.item_id for t in trials})
        seconds, time_method, n_timed = estimate_time(judge, to_send, load_s=load_s, time_sample=time_sample,
                                             latency_s=latency_s, seed=seed)
        return {
            "judge": judge.spec, "n_trials": len(trials), "n_unique_requests": len(unique),
            "n_cached": len(cached), "n_requests": len(to_send),
            "input_tokens": input_tokens, "output_tokens": output_tokens,
            "token_method": method, "output_token_method": out_label,
            "estimated_cost_usd": cost,
            "cost_note": ("estimate from litellm's price table" + (" at batch prices (50%)" if batch else "")
                          if cost is not None else "no price known (local or self-hosted model, or unmapped)"),
            "estimated_seconds": seconds, "time_method": time_method, "n_timed_requests": n_timed,
            "n_items": n_items, "headline_metric": _headline(trials),
            "mde": mde_paired_proportions(n_items, discordance=discordance, alpha=alpha, power=power),
            "mde_assumptions": {"alpha": alpha, "power": power, "discordance": discordance,
                                "formula": "Connor 1987, paired proportions (McNemar)"},
        }
    finally:
        if owned:
            judge.close()


def format_dry_run(d: dict[str, Any]) -> str:
    """The printable summary of :func:`dry_run`."""
    cost = "unknown" if d["estimated_cost_usd"] is None else f"~${d['estimated_cost_usd']:.4f}"
    wall = "unknown" if d.get("estimated_seconds") is None else f"~{format_seconds(d['estimated_seconds'])}"
    called = (f"the model judged only {d['n_timed_requests']} requests to time them; nothing was stored"
              if d.get("n_timed_requests") else "no model was called")
    mde = "none (too few items)" if d["mde"] is None else f"{d['mde']:.3f}"
    a = d["mde_assumptions"]
    return "\n".join([
        f"dry run for {d['judge']} ({called})",
        f"  requests to send:  {d['n_requests']:,}  ({d['n_trials']:,} trials, {d['n_unique_requests']:,} distinct, "
        f"{d['n_cached']:,} already in the database)",
        f"  input tokens:      {d['input_tokens']:,}  [{d['token_method']}]",
        f"  output tokens:     {d['output_tokens']:,}  [{d['output_token_method']}]",
        f"  cost:              {cost}  [{d['cost_note']}]",
        f"  wall time:         {wall}  [{d.get('time_method', 'not estimated')}]",
        f"  detectable effect: {mde} at n = {d['n_items']} "
        f"items for {d['headline_metric']}",
        f"                     (alpha {a['alpha']}, power {a['power']}, assumed discordant share {a['discordance']})",
    ])


def dry_run_suite(suite: str = "position", *, judge: str | None = None, data: str | None = None,
                  mapping: str | dict[str, str] | None = None, split: str = "train", limit: int | None = None,
                  kind: str | None = None, db: str | Path | None = "judgekit.duckdb", seed: int = 0,
                  repeats: int | None = None, repeat_fraction: float | None = None, template: str | None = None,
                  probes: list[str] | None = None, mitigations: str | list[str] | None = None,
                  judge_options: dict[str, Any] | None = None, protocol: str | None = None,
                  **kwargs: Any) -> dict[str, Any]:
    """:func:`dry_run` of the plan ``judgekit.api.evaluate`` runs with the same arguments."""
    from judgekit.judges.registry import make_judge

    spec = load_suite(suite, probes=list(probes) if probes else None)
    if spec.kind == "icai":
        raise ValueError(f"suite {spec.name!r} is an icai analysis; it prints its own cost estimate before any call")
    items, dataset = load_suite_items(spec, data=data, mapping=mapping, split=split, limit=limit, kind=kind,
                                      seed=seed, protocol=protocol)
    start = time.perf_counter()
    j = make_judge(judge, items=items, seed=seed, **(judge_options or {}))
    load_s = time.perf_counter() - start
    try:
        plan = make_plan(spec, items, dataset, seed=seed, stochastic=j.stochastic, repeats=repeats,
                         repeat_fraction=repeat_fraction, template=template, mitigations=mitigations,
                         protocol=protocol)
        return dry_run(j, plan.trials, items=plan.items, template=plan.template, db=db, seed=seed, load_s=load_s,
                       **kwargs)
    finally:
        j.close()
