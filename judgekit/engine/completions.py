"""Free-text requests through the engine: cached, journaled, resumable.

Analyses that ask a model for text rather than a pairwise verdict (factor extraction,
principle proposals, principle votes) use :func:`complete`. Each request is keyed by the
judge identity, the task name and the messages; answers are written to the ``completions``
table as they arrive, and a repeated call returns stored answers without calling the model.
Judges built with ``mode="generate"`` (hf) or any API judge return their full text in ``raw``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from judgekit.engine.lock import WriterLock
from judgekit.engine.progress import Progress
from judgekit.engine.writer import VerdictWriter
from judgekit.judges.base import Judge
from judgekit.store.db import Store, now
from judgekit.store.journal import Journal
from judgekit.types import JudgeRequest

Messages = tuple[dict[str, str], ...]


@dataclass
class Completion:
    key: str
    text: str | None
    error: str | None
    cached: bool


def completion_key(identity: dict, task: str, messages: Messages) -> str:
    blob = json.dumps({"judge": identity, "task": task, "messages": messages}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def complete(store: Store, judge: Judge, prompts: Sequence[Messages], *, task: str,
             progress: bool | str | None = False) -> list[Completion]:
    """Answer every prompt (chat messages) with ``judge``; returns one Completion per prompt, in order."""
    identity = judge.identity()
    keys = [completion_key(identity, task, m) for m in prompts]
    with WriterLock(store.path):
        journal = Journal(str(store.path) + ".completions.journal")
        leftover = journal.replay()
        if leftover:
            store.write_completions(leftover)
            journal.clear()
        done = {r["request_key"]: r["raw"] for r in store.completed(sorted(set(keys))).to_dict(orient="records")}
        results: dict[str, Completion] = {k: Completion(k, v, None, True) for k, v in done.items()}
        unique: dict[str, JudgeRequest] = {}
        for k, m in zip(keys, prompts, strict=True):
            if k not in done and k not in unique:
                user = next((x["content"] for x in reversed(m) if x["role"] == "user"), "")
                unique[k] = JudgeRequest(key=k, messages=tuple(m), prompt=user, first="", second="")
        writer = VerdictWriter(store, journal, write=store.write_completions)
        bar = Progress(len(unique), unit="request", desc=task, mode=progress)
        try:
            for req, out in judge.judge(list(unique.values())):
                failed = out.choice == "error"
                writer.add({"request_key": req.key, "task": task, "judge": judge.spec,
                            "messages": json.dumps(req.messages, ensure_ascii=False), "raw": out.raw,
                            "error": out.error or ("error" if failed else None),
                            "input_tokens": out.input_tokens, "output_tokens": out.output_tokens,
                            "latency_s": out.latency_s, "cost_usd": out.cost_usd, "created_at": now().isoformat()})
                results[req.key] = Completion(req.key, None if failed else out.raw, out.error, False)
                bar.update(1)
                bar.set_errors(bar.errors + failed)
        finally:
            bar.close()
            writer.flush(timeout_s=max(store.lock_timeout_s, 60))
    return [results[k] for k in keys]
