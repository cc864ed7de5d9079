"""Judging on a Ray cluster with Ray Data: requests out as Parquet shards, verdicts back into the store.

Optional (``pip install 'judgekit[ray]'``). :class:`RayJudge` is a judge like any other, so the
engine still does the cache lookup, dedup and journaled writes; only the answering happens on
the cluster:

1. the requests are written as Parquet shards (``key``, ``messages`` as JSON) under ``workdir``;
2. Ray Data reads them and answers every row, either with vLLM inside the Ray workers
   (``engine="vllm"``, through ``ray.data.llm``; needs GPUs and vLLM) or by calling
   OpenAI-compatible endpoints (``engine="endpoint"``: vLLM/SGLang servers, or the loopback
   server in tests) with :class:`~judgekit.judges.openai_compat.OpenAICompatJudge` per batch;
3. the verdicts are written as Parquet next to the requests, read back and yielded.

The identity is that of the OpenAI-compatible judge for the same model and endpoints, so verdicts
produced on the cluster and locally share the cache.
"""

from __future__ import annotations

import json
import math
import os
import socket
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from judgekit.judges.base import Judge, JudgeError
from judgekit.judges.readers import TEXT_READER, read_text
from judgekit.types import JudgeOutput, JudgeRequest

OUT_COLUMNS = ("key", "choice", "p_a", "p_b", "parse_rule", "p_ab_mass", "raw", "input_tokens", "output_tokens",
               "latency_s", "cost_usd", "error")
#: extra column of the verdict shards: ``host:pid`` of the Ray worker that answered the row (not stored)
WORKER_COLUMN = "worker"


def write_shards(requests: Sequence[JudgeRequest], folder: str | Path, *, shard_size: int = 10_000) -> list[Path]:
    """Write distinct requests as Parquet shards ``requests-00000.parquet``, ..."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    unique = list({r.key: r for r in requests}.values())
    paths = []
    for n, i in enumerate(range(0, len(unique), shard_size)):
        chunk = unique[i:i + shard_size]
        df = pd.DataFrame({"key": [r.key for r in chunk],
                           "messages": [json.dumps(list(r.messages), ensure_ascii=False) for r in chunk]})
        path = folder / f"requests-{n:05d}.parquet"
        df.to_parquet(path, index=False)
        paths.append(path)
    return paths


def read_verdicts(folder: str | Path) -> dict[str, JudgeOutput]:
    """Verdict shards (Parquet files with :data:`OUT_COLUMNS`; a missing column reads as None) ->
    ``{key: JudgeOutput}``."""
    df = pd.read_parquet(folder)
    out: dict[str, JudgeOutput] = {}
    for rec in df.to_dict(orient="records"):
        vals = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
        out[str(vals.pop("key"))] = JudgeOutput(**{k: vals.get(k) for k in OUT_COLUMNS if k != "key"})
    return out


class EndpointAnswerer:
    """A Ray Data callable: answers a batch of request rows through OpenAI-compatible endpoints."""

    def __init__(self, model: str, api_base: str, options: dict[str, Any]) -> None:
        from judgekit.judges.openai_compat import OpenAICompatJudge

        self.judge = OpenAICompatJudge(model, api_base=api_base, **options)
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        reqs = [JudgeRequest(key=k, messages=tuple(json.loads(m)), prompt="", first="", second="")
                for k, m in zip(batch["key"], batch["messages"], strict=True)]
        rows = [{"key": r.key, **{c: getattr(o, c) for c in OUT_COLUMNS if c != "key"}, WORKER_COLUMN: self.worker}
                for r, o in self.judge.judge(reqs)]
        return pd.DataFrame(rows, columns=[*OUT_COLUMNS, WORKER_COLUMN])


def vllm_row_output(row: dict[str, Any]) -> dict[str, Any]:
    """A ``ray.data.llm`` output row -> a verdict row: the verdict read from the generated text by the
    strict text reader (:func:`judgekit.judges.readers.read_text`), its rule kept as ``parse_rule``."""
    text = row.get("generated_text")
    r = read_text(text if isinstance(text, str) else None)
    return {"key": row["key"], "choice": r.choice, "p_a": None, "p_b": None, "parse_rule": r.rule,
            "p_ab_mass": None, "raw": text, "input_tokens": row.get("num_input_tokens"),
            "output_tokens": row.get("num_generated_tokens"), "latency_s": None, "cost_usd": None, "error": None}


def _vllm_dataset(ds: Any, model: str, options: dict[str, Any], concurrency: int) -> Any:
    """vLLM inside Ray workers (``ray.data.llm``); verdicts read from the generated text (:func:`vllm_row_output`)."""
    from ray.data.llm import build_llm_processor, vLLMEngineProcessorConfig

    config = vLLMEngineProcessorConfig(model_source=model, concurrency=concurrency, batch_size=64,
                                       engine_kwargs=options.get("engine_kwargs", {}))
    sampling = {"temperature": options.get("temperature", 0.0), "max_tokens": options.get("max_tokens", 16)}
    processor = build_llm_processor(
        config,
        preprocess=lambda row: {"messages": json.loads(row["messages"]), "sampling_params": sampling,
                                "key": row["key"]},
        postprocess=vllm_row_output)
    return processor(ds)


class RayJudge(Judge):
    """Answer requests on a Ray cluster (see the module docstring).

    ``engine="endpoint"`` needs ``api_base`` (comma-separated endpoints are balanced);
    ``engine="vllm"`` loads ``model`` (a hub id or path, without a provider prefix) in vLLM on
    the cluster's GPUs. ``ray_address`` is passed to ``ray.init`` (None: local or ``RAY_ADDRESS``).
    ``concurrency`` is the number of Ray workers; an endpoint worker mostly waits on the network and
    reserves ``worker_cpus`` CPUs (half a CPU by default, so reading and writing the shards still get one).
    ``workdir`` must be storage every node can read and write (a shared filesystem); the verdicts come
    back to the process that called :meth:`judge`, whose engine writes them into its own DuckDB file.
    """

    def __init__(self, model: str, *, workdir: str | Path, api_base: str | None = None, engine: str = "endpoint",
                 concurrency: int = 2, batch_size: int = 256, shard_size: int = 10_000,
                 ray_address: str | None = None, worker_cpus: float = 0.5, **options: Any) -> None:
        if engine not in ("endpoint", "vllm"):
            raise ValueError("engine must be 'endpoint' or 'vllm'")
        if engine == "endpoint" and not api_base:
            raise JudgeError("RayJudge with engine='endpoint' needs api_base")
        self.model, self.api_base, self.engine = model, api_base, engine
        self.workdir = Path(workdir)
        self.concurrency, self.batch_size, self.shard_size = concurrency, batch_size, shard_size
        self.ray_address, self.worker_cpus = ray_address, worker_cpus
        self.options = options
        self.spec = f"ray/{model}"
        self.stochastic = float(options.get("temperature", 0.0)) > 0

    def identity(self) -> dict[str, Any]:
        if self.engine == "vllm":
            return {"backend": "vllm", "model": self.model, "temperature": float(self.options.get("temperature", 0)),
                    "max_tokens": int(self.options.get("max_tokens", 16)), "reader": TEXT_READER}
        from judgekit.judges.openai_compat import OpenAICompatJudge

        return OpenAICompatJudge(self.model, api_base=self.api_base, **self.options).identity()

    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        import ray

        if not requests:
            return
        job = self.workdir / uuid.uuid4().hex[:12]
        shards = write_shards(requests, job / "requests", shard_size=self.shard_size)
        if not ray.is_initialized():
            ray.init(address=self.ray_address, include_dashboard=False, log_to_driver=False,
                     ignore_reinit_error=True)
        # Ray Data reads small files as one block; at least two blocks per worker keep every worker busy.
        n_rows = len({r.key for r in requests})
        blocks = max(len(shards), min(2 * self.concurrency, math.ceil(n_rows / self.batch_size)))
        ds = ray.data.read_parquet(str(job / "requests")).repartition(blocks)
        if self.engine == "vllm":
            ds = _vllm_dataset(ds, self.model, self.options, self.concurrency)
        else:
            ds = ds.map_batches(EndpointAnswerer, fn_constructor_args=(self.model, self.api_base, self.options),
                                batch_format="pandas", batch_size=self.batch_size, concurrency=self.concurrency,
                                num_cpus=self.worker_cpus)
        ds.write_parquet(str(job / "verdicts"))
        outputs = read_verdicts(job / "verdicts")
        for req in requests:
            out = outputs.get(req.key) or JudgeOutput(choice="error", error="no verdict came back from Ray")
            yield req, out
