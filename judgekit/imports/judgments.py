"""Pairwise judgments in the form ``judgekit profile`` reads (one row per pair and annotator).

``judgekit import`` writes runs (:mod:`judgekit.imports`) and, from them, these rows (:func:`profile_rows`);
:func:`read_judgments_file` parses a file straight into them.

Formats (``fmt``):

``table``            CSV / TSV / JSONL / Parquet with columns ``pair_id`` (or ``item_id`` / ``id``),
                     ``annotator`` (or ``judge`` / ``rater``) and ``choice`` (or ``preference`` /
                     ``winner``; a ``label`` column is the gold label, never the choice), optional
                     ``annotator_kind`` (human | judge).
                     Choices use the dataset label spellings: A, B, 1, 2, response_a, tie, ...
``alpaca_eval``      AlpacaEval annotation JSON: a list of objects with ``instruction``,
                     ``output_1``, ``output_2``, ``generator_1``, ``generator_2``, ``annotator``,
                     ``preference`` (1 = output_1, 2 = output_2, 1.5 or 0 = draw; a weighted
                     annotator's value in between counts for the nearer side). The pair id includes
                     both generators. A null preference (failed annotation) is skipped and counted.
``arena``            Chatbot-Arena battle logs (JSON list or JSONL): ``model_a``, ``model_b``,
                     ``winner`` (model_a | model_b | tie | tie (bothbad)), optional ``judge``,
                     ``question_id`` and ``conversation_a`` / ``conversation_b`` (lists of
                     {role, content}); the texts make pairs when present.
``annotated_pairs``  AnnotatedPairs JSON: ``annotators`` {id: {name, type, ...}} and
                     ``comparisons`` [{id, prompt, response_a / text_a, response_b / text_b,
                     annotations: {annotator id: {pref: a | b | text_a | text_b | tie}}}];
                     ``response_a`` may be a string or {text, model}. Annotators of type
                     ``human`` are humans, every other type a judge.

Ties are kept as ``tie`` with the original spelling in ``raw_choice``. A bad row raises
:class:`~judgekit.datasets.DatasetError` naming the file, the row (element number, from 1) and
the field. Pair ids without an id in the file are a hash of the prompt and the two responses.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from judgekit.datasets.loaders import _records
from judgekit.datasets.schema import DatasetError, normalise_label
from judgekit.types import Item

FORMATS = ("table", "alpaca_eval", "arena", "annotated_pairs")
_ALIASES = {"pair_id": ("pair_id", "item_id", "id", "pair"), "annotator": ("annotator", "judge", "rater"),
            "choice": ("choice", "preference", "winner")}
_SKIP = {"", "none", "null", "not_applicable", "n/a", "invalid", "skip"}


@dataclass
class Imported:
    judgments: pd.DataFrame
    items: list[Item] = field(default_factory=list)
    skipped: int = 0


def pair_hash(prompt: str, a: str, b: str, prefix: str) -> str:
    blob = json.dumps([prompt, a, b], ensure_ascii=False).encode("utf-8")
    return f"{prefix}-{hashlib.sha256(blob).hexdigest()[:12]}"


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _is_jsonl(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.msg == "Extra data"
    return False


def _json_rows(path: Path) -> Iterator[tuple[int, Any]]:
    """Elements of a JSON array (numbered from 1) or the lines of a JSONL file (also under a .json name)."""
    text = path.read_text(encoding="utf-8")
    several = text.lstrip().startswith("{") and len([ln for ln in text.split("\n")[:3] if ln.strip()]) > 1
    if path.suffix.lower() in (".jsonl", ".ndjson") or (several and _is_jsonl(text)):
        for lineno, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                try:
                    yield lineno, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DatasetError(str(path), lineno, None, f"not valid JSON ({exc.msg})") from None
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(str(path), None, None, f"not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if isinstance(data, dict):
        data = data.get("annotations", data.get("battles", data.get("data")))
    if not isinstance(data, list):
        raise DatasetError(str(path), None, None, "expected a JSON list of records")
    yield from enumerate(data, start=1)


def _obj(path: Path, row: int, rec: Any) -> dict[str, Any]:
    if not isinstance(rec, dict):
        raise DatasetError(str(path), row, None, f"expected a JSON object, got {type(rec).__name__}")
    return rec


def _text(path: Path, row: int, rec: dict[str, Any], key: str) -> str:
    v = rec.get(key)
    if isinstance(v, dict):
        v = v.get("text")
    if _missing(v) or not isinstance(v, str) or not v.strip():
        raise DatasetError(str(path), row, key, "missing or empty text")
    return v


def _row(source: str, row: int, pair_id: str, annotator: str, kind: str, choice: str, raw: Any,
         model_a: Any = None, model_b: Any = None) -> dict[str, Any]:
    return {"source": source, "pair_id": pair_id, "annotator": annotator, "annotator_kind": kind,
            "choice": choice, "raw_choice": None if _missing(raw) else str(raw), "row": row,
            "model_a": None if _missing(model_a) else str(model_a),
            "model_b": None if _missing(model_b) else str(model_b)}


def _pick(rec: dict[str, Any], target: str) -> str | None:
    return next((k for k in _ALIASES[target] if k in rec), None)


def import_table(path: Path, source: str, kind: str) -> Imported:
    rows = []
    for row, rec in _records(str(path), "train"):
        cols = {t: _pick(rec, t) for t in _ALIASES}
        for target, col in cols.items():
            if col is None:
                raise DatasetError(str(path), row, target, f"missing column (accepted: {', '.join(_ALIASES[target])})")
        pid, ann = rec[cols["pair_id"]], rec[cols["annotator"]]
        for name, v in (("pair_id", pid), ("annotator", ann)):
            if _missing(v) or not str(v).strip():
                raise DatasetError(str(path), row, cols[name], "missing value")
        choice = normalise_label(rec[cols["choice"]], file=str(path), row=row, field=cols["choice"])
        if choice is None:
            raise DatasetError(str(path), row, cols["choice"], "missing choice (A, B or tie)")
        k = str(rec.get("annotator_kind") or kind).strip().lower()
        if k not in ("human", "judge"):
            raise DatasetError(str(path), row, "annotator_kind", f"{k!r} is not human or judge")
        rows.append(_row(source, row, str(pid).strip(), str(ann).strip(), k, choice, rec[cols["choice"]]))
    return Imported(pd.DataFrame(rows))


def _alpaca_choice(path: Path, row: int, pref: Any) -> str | None:
    if _missing(pref):
        return None
    try:
        p = float(pref)
    except (TypeError, ValueError):
        raise DatasetError(str(path), row, "preference", f"{pref!r} is not a number (1, 2, 1.5 or 0)") from None
    if p == 0 or abs(p - 1.5) < 1e-9:
        return "tie"
    if not 1 <= p <= 2:
        raise DatasetError(str(path), row, "preference", f"{pref!r} is outside [1, 2] (1.5 or 0 = draw)")
    return "A" if p < 1.5 else "B"


def import_alpaca_eval(path: Path, source: str, kind: str) -> Imported:
    rows, items, seen, skipped = [], [], set(), 0
    for row, rec in _json_rows(path):
        rec = _obj(path, row, rec)
        prompt, a, b = (_text(path, row, rec, k) for k in ("instruction", "output_1", "output_2"))
        choice = _alpaca_choice(path, row, rec.get("preference"))
        if choice is None:
            skipped += 1
            continue
        ma, mb = rec.get("generator_1"), rec.get("generator_2")
        pid = pair_hash(json.dumps([prompt, ma, mb], ensure_ascii=False), a, b, f"ae-{mb}")
        rows.append(_row(source, row, pid, str(rec.get("annotator") or path.stem), kind, choice,
                         rec.get("preference"), ma, mb))
        if pid not in seen:
            seen.add(pid)
            items.append(Item(pid, prompt, a, b, metadata={"model_a": ma, "model_b": mb}, source=source))
    return Imported(pd.DataFrame(rows), items, skipped)


_WINNERS = {"model_a": "A", "model_b": "B", "tie": "tie", "tie (bothbad)": "tie"}


def _turns(conv: Any, role: str) -> str:
    return "\n\n".join(str(t.get("content", "")) for t in conv if isinstance(t, dict) and t.get("role") == role)


def arena_winner(path: Path, row: int, rec: dict[str, Any]) -> str:
    """The checked ``winner`` of an arena battle (a key of ``_WINNERS``); ``model_a``/``model_b`` must be there."""
    for key in ("model_a", "model_b", "winner"):
        if _missing(rec.get(key)) or not str(rec.get(key)).strip():
            raise DatasetError(str(path), row, key, "missing value")
    winner = str(rec["winner"]).strip().lower()
    if winner not in _WINNERS:
        raise DatasetError(str(path), row, "winner", f"{rec['winner']!r} is not one of {', '.join(_WINNERS)}")
    return winner


def import_arena(path: Path, source: str, kind: str) -> Imported:
    rows, items, seen = [], [], set()
    for row, rec in _json_rows(path):
        rec = _obj(path, row, rec)
        winner = arena_winner(path, row, rec)
        pid = str(rec.get("question_id") or f"{path.stem}-{row}")
        conv_a, conv_b = rec.get("conversation_a"), rec.get("conversation_b")
        if isinstance(conv_a, list) and isinstance(conv_b, list):
            prompt, a, b = _turns(conv_a, "user"), _turns(conv_a, "assistant"), _turns(conv_b, "assistant")
            if not (prompt.strip() and a.strip() and b.strip()):
                raise DatasetError(str(path), row, "conversation_a", "conversation without user or assistant text")
            if pid not in seen:
                seen.add(pid)
                items.append(Item(pid, prompt, a, b, metadata={"model_a": rec["model_a"], "model_b": rec["model_b"]},
                                  source=source))
        rows.append(_row(source, row, pid, str(rec.get("judge") or "arena"), kind, _WINNERS[winner],
                         rec["winner"], rec["model_a"], rec["model_b"]))
    return Imported(pd.DataFrame(rows), items)


def _ap_choice(path: Path, row: int, ann_id: str, value: Any) -> str | None:
    pref = value.get("pref") if isinstance(value, dict) else value
    text = "" if _missing(pref) else str(pref).strip().lower()
    if text in _SKIP:
        return None
    choice = {"a": "A", "text_a": "A", "response_a": "A", "b": "B", "text_b": "B", "response_b": "B",
              "tie": "tie", "equal": "tie", "draw": "tie"}.get(text)
    if choice is None:
        raise DatasetError(str(path), row, f"annotations.{ann_id}.pref", f"{pref!r} is not a, b or tie")
    return choice


def import_annotated_pairs(path: Path, source: str, kind: str) -> Imported:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetError(str(path), None, None, f"not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("comparisons"), list):
        raise DatasetError(str(path), None, "comparisons", "expected an object with a 'comparisons' list")
    annotators = data.get("annotators") or {}
    rows, items, skipped = [], [], 0
    for row, rec in enumerate(data["comparisons"], start=1):
        rec = _obj(path, row, rec)
        a_key = "response_a" if "response_a" in rec else "text_a"
        b_key = "response_b" if "response_b" in rec else "text_b"
        prompt = rec.get("prompt") if isinstance(rec.get("prompt"), str) else ""
        a, b = _text(path, row, rec, a_key), _text(path, row, rec, b_key)
        pid = str(rec.get("id") or pair_hash(prompt, a, b, "ap"))
        models = [rec[k].get("model") if isinstance(rec[k], dict) else None for k in (a_key, b_key)]
        items.append(Item(pid, prompt or "(no prompt)", a, b, source=source,
                          metadata={"model_a": models[0], "model_b": models[1]}))
        anns = rec.get("annotations") or {}
        if not isinstance(anns, dict):
            raise DatasetError(str(path), row, "annotations", "expected an object {annotator id: {pref: ...}}")
        for ann_id, value in anns.items():
            choice = _ap_choice(path, row, ann_id, value)
            if choice is None:
                skipped += 1
                continue
            meta = annotators.get(ann_id) or {}
            k = "human" if meta.get("type") == "human" else ("judge" if meta.get("type") else kind)
            pref = value.get("pref") if isinstance(value, dict) else value
            name = meta.get("name") or meta.get("description") or ann_id  # a principle is named by its text
            rows.append(_row(source, row, pid, str(name), k, choice, pref, *models))
    return Imported(pd.DataFrame(rows), items, skipped)


_IMPORTERS = {"table": import_table, "alpaca_eval": import_alpaca_eval, "arena": import_arena,
              "annotated_pairs": import_annotated_pairs}
_DEFAULT_KIND = {"table": "human", "alpaca_eval": "judge", "arena": "human", "annotated_pairs": "judge"}


def read_judgments_file(path: str | Path, fmt: str, *, source: str | None = None,
                        annotator_kind: str | None = None) -> Imported:
    """Parse a judgments file; ``annotator_kind`` overrides the format's default (human | judge)."""
    if fmt not in _IMPORTERS:
        raise ValueError(f"unknown import format {fmt!r}; formats are {', '.join(FORMATS)}")
    p = Path(path)
    if not p.is_file():
        raise DatasetError(str(path), None, None, "file not found")
    kind = annotator_kind or _DEFAULT_KIND[fmt]
    if kind not in ("human", "judge"):
        raise ValueError(f"annotator kind must be human or judge, not {kind!r}")
    out = _IMPORTERS[fmt](p, source or p.name, kind)
    if out.judgments.empty:
        raise DatasetError(str(path), None, None, "no judgments")
    return out


def write_pairs(items: list[Item], path: str | Path) -> Path:
    """Write imported pairs as a JSONL dataset that :func:`judgekit.datasets.load_items` reads."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", encoding="utf-8") as fh:
        for it in items:
            fh.write(json.dumps({"id": it.id, "prompt": it.prompt, "response_a": it.response_a,
                                 "response_b": it.response_b, "source": it.source,
                                 "metadata": {k: v for k, v in it.metadata.items() if v is not None}},
                                ensure_ascii=False) + "\n")
    return p


def profile_rows(run: Any, annotator_kind: str | None = None) -> pd.DataFrame:
    """The profile judgments of an imported run: each item's first verdict (repeat 0, order AB if present),
    in original letters; parse failures and principle votes are left out."""
    kind = annotator_kind or ("human" if run.fmt in ("table", "arena") else "judge")
    first: dict[str, Any] = {}
    for j in run.judgments:
        if j.probe != "position" or j.repeat != 0 or j.choice not in ("A", "B", "tie"):
            continue
        if j.item_id not in first or (j.order == "AB" and first[j.item_id].order != "AB"):
            first[j.item_id] = j
    items = {it.id: it for it in run.items}
    swap = {"A": "B", "B": "A", "tie": "tie"}
    rows = [_row(",".join(Path(f).name for f in run.files)[:200], n, j.item_id, run.judge, kind,
                 j.choice if j.order == "AB" else swap[j.choice], j.raw if j.raw and len(j.raw) < 40 else j.choice,
                 items[j.item_id].metadata.get("model_a"), items[j.item_id].metadata.get("model_b"))
            for n, j in enumerate(first.values(), start=1)]
    return pd.DataFrame(rows)
