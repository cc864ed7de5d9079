"""A judge that answers through a provider's batch API, at half the realtime price.

``judge(requests)`` writes the requests as batch JSONL (``custom_id`` = the request's cache
key), submits them in chunks, records every batch id in the DuckDB table ``batches``
*before* it starts polling, polls with growing intervals and yields the results. A run
that stops while a batch is pending (a crash, Ctrl-C, ``max_wait_s``) loses nothing: run
the same command again and the stored batch for the same keys is polled again instead of
being submitted a second time. Batches that the provider reports failed or expired are
resubmitted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator, Sequence
from copy import copy
from typing import Any

from judgekit.batch.jsonl import BATCH_DISCOUNT, LINE_BUILDERS, LINE_PARSERS, _error
from judgekit.batch.providers import CLIENTS
from judgekit.judges.base import Judge, JudgeError
from judgekit.judges.prices import token_prices
from judgekit.judges.readers import TEXT_READER, protocol_output
from judgekit.store.db import Store, now
from judgekit.types import JudgeOutput, JudgeRequest

log = logging.getLogger(__name__)

BATCHES_DDL = """
CREATE TABLE IF NOT EXISTS batches (
    batch_id VARCHAR PRIMARY KEY,
    provider VARCHAR NOT NULL,
    model VARCHAR NOT NULL,
    batch_key VARCHAR NOT NULL,
    n_requests INTEGER NOT NULL,
    status VARCHAR NOT NULL,
    input_file_id VARCHAR,
    submitted_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    message VARCHAR
)"""
#: Statuses after which a stored batch is not resumed (the requests are submitted again).
DEAD = ("failed",)
MAX_PER_BATCH = {"openai": 50_000, "anthropic": 100_000}


class BatchStore:
    """The ``batches`` table: one row per submitted batch."""

    def __init__(self, store: Store) -> None:
        self.store = store
        with store.connect() as con:
            con.execute(BATCHES_DDL)

    def find(self, batch_key: str) -> dict[str, Any] | None:
        with self.store.connect() as con:
            row = con.execute("SELECT batch_id, status FROM batches WHERE batch_key = ? AND status NOT IN (?) "
                              "ORDER BY submitted_at DESC LIMIT 1", [batch_key, *DEAD]).fetchone()
        return {"batch_id": row[0], "status": row[1]} if row else None

    def add(self, batch_id: str, provider: str, model: str, batch_key: str, n: int, input_file_id: str | None) -> None:
        t = now()
        with self.store.connect() as con:
            con.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?, 'submitted', ?, ?, ?, NULL)",
                        [batch_id, provider, model, batch_key, n, input_file_id, t, t])

    def set_status(self, batch_id: str, status: str, message: str | None = None) -> None:
        with self.store.connect() as con:
            con.execute("UPDATE batches SET status = ?, updated_at = ?, message = ? WHERE batch_id = ?",
                        [status, now(), message, batch_id])

    def rows(self) -> list[dict[str, Any]]:
        with self.store.connect() as con:
            df = con.execute("SELECT * FROM batches ORDER BY submitted_at").df()
        return df.to_dict(orient="records")


class BatchJudge(Judge):
    """A judge over the OpenAI Batch or Anthropic Message Batches API.

    ``model`` is ``openai/NAME`` or ``anthropic/NAME`` (the prefix picks the provider).
    ``db`` is the judgekit database (path or :class:`Store`) that holds the ``batches`` table.
    Polling starts at ``poll_s`` and grows by half each time up to ``max_poll_s``; after
    ``max_wait_s`` (None: no limit) :class:`JudgeError` says how to resume.
    """

    stochastic = False

    def __init__(self, model: str, *, db: str | Store, api_base: str | None = None, api_key: str | None = None,
                 temperature: float = 0.0, max_tokens: int = 16, logprobs: bool = True,
                 poll_s: float = 30.0, max_poll_s: float = 300.0, max_wait_s: float | None = None,
                 max_per_batch: int | None = None, extra: dict[str, Any] | None = None) -> None:
        provider, _, name = model.partition("/")
        if provider not in CLIENTS or not name:
            raise JudgeError(f"batch judging supports openai/MODEL and anthropic/MODEL, not {model!r}")
        self.spec = f"batch/{model}"
        self.model, self.provider, self.wire_model = model, provider, name
        self.temperature, self.max_tokens = float(temperature), int(max_tokens)
        self.logprobs = bool(logprobs) and provider == "openai"
        self.stochastic = self.temperature > 0
        self.poll_s, self.max_poll_s, self.max_wait_s = float(poll_s), float(max_poll_s), max_wait_s
        self.max_per_batch = int(max_per_batch or MAX_PER_BATCH[provider])
        self.extra = dict(extra or {})
        self.client = CLIENTS[provider](api_base=api_base, api_key=api_key)
        self.batches = BatchStore(db if isinstance(db, Store) else Store(db))

    def identity(self) -> dict[str, Any]:
        return self.scoped({"backend": f"{self.provider}-batch", "model": self.model, "temperature": self.temperature,
                            "max_tokens": self.max_tokens, "logprobs": self.logprobs, "reader": TEXT_READER})

    @property
    def decoding(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "max_tokens": self.max_tokens, "logprobs": self.logprobs,
                "batch": True}

    def prices(self) -> tuple[float, float] | None:
        p = token_prices(self.wire_model)
        return None if p is None else (p[0] * BATCH_DISCOUNT, p[1] * BATCH_DISCOUNT)

    def batch_key(self, keys: Sequence[str]) -> str:
        blob = json.dumps({"judge": self.identity(), "keys": sorted(keys)}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        unique = list({r.key: r for r in requests}.values())
        chunks = [unique[i:i + self.max_per_batch] for i in range(0, len(unique), self.max_per_batch)]
        pending = [(self._submit_or_resume(chunk), chunk) for chunk in chunks]  # all ids stored before polling
        prices = self.prices()
        by_key: dict[str, list[JudgeRequest]] = {}
        for r in requests:
            by_key.setdefault(r.key, []).append(r)
        for batch_id, chunk, info in self._wait(pending):
            outputs = dict(LINE_PARSERS[self.provider](line, logprobs=self.logprobs, prices=prices)
                           for line in self.client.results(batch_id, info))
            for req in chunk:
                out = outputs.get(req.key) or _error(f"batch {batch_id} returned no result for this request")
                for same in by_key[req.key]:
                    yield same, protocol_output(copy(out), same)
            self.batches.set_status(batch_id, "collected")

    def _submit_or_resume(self, chunk: list[JudgeRequest]) -> str:
        key = self.batch_key([r.key for r in chunk])
        found = self.batches.find(key)
        if found is not None:
            log.info("resuming %s batch %s (%d requests)", self.provider, found["batch_id"], len(chunk))
            return str(found["batch_id"])
        build = LINE_BUILDERS[self.provider]
        lines = [build(r, model=self.wire_model, temperature=self.temperature, max_tokens=self.max_tokens,
                       logprobs=self.logprobs, extra=self.extra) for r in chunk]
        batch_id, file_id = self.client.submit(lines)
        self.batches.add(batch_id, self.provider, self.model, key, len(chunk), file_id)
        log.info("submitted %s batch %s (%d requests)", self.provider, batch_id, len(chunk))
        return batch_id

    def _wait(self, pending: list[tuple[str, list[JudgeRequest]]]
              ) -> Iterator[tuple[str, list[JudgeRequest], dict[str, Any]]]:
        """Yield each batch once it has completed; resubmit batches the provider failed."""
        start = time.monotonic()
        delay = self.poll_s
        waiting = list(pending)
        while waiting:
            still: list[tuple[str, list[JudgeRequest]]] = []
            for batch_id, chunk in waiting:
                state, info = self.client.poll(batch_id)
                if state == "completed":
                    self.batches.set_status(batch_id, "completed")
                    yield batch_id, chunk, info
                elif state == "failed":
                    msg = json.dumps(info.get("errors") or info.get("status"), default=str)[:500]
                    log.warning("batch %s failed (%s); submitting its requests again", batch_id, msg)
                    self.batches.set_status(batch_id, "failed", msg)
                    still.append((self._submit_or_resume(chunk), chunk))
                else:
                    self.batches.set_status(batch_id, str(info.get("status") or info.get("processing_status")))
                    still.append((batch_id, chunk))
            waiting = still
            if not waiting:
                return
            if self.max_wait_s is not None and time.monotonic() - start + delay > self.max_wait_s:
                ids = ", ".join(b for b, _ in waiting)
                raise JudgeError(f"batch {ids} still running after {self.max_wait_s:g} s; its id is stored, so "
                                 "running the same command again resumes polling it")
            time.sleep(delay)
            delay = min(self.max_poll_s, delay * 1.5)

    def close(self) -> None:
        self.client.close()
