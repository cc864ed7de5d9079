"""Importers of one-order preference files: AlpacaEval, Chatbot Arena, AnnotatedPairs, tables, judgekit exports.

Each returns one :class:`~judgekit.imports.common.ImportedRun` per judge (annotator).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from judgekit.datasets.loaders import _records
from judgekit.datasets.schema import DatasetError, normalise_label
from judgekit.imports.common import ImportedRun, Judgment
from judgekit.imports.judgments import (
    _WINNERS,
    _ap_choice,
    _json_rows,
    _missing,
    _obj,
    _text,
    _turns,
    arena_winner,
    pair_hash,
)
from judgekit.types import Item

_SWAP = {"A": "B", "B": "A", "tie": "tie"}


def _run(runs: dict[str, ImportedRun], name: str, fmt: str, path: Path) -> ImportedRun:
    run = runs.setdefault(name, ImportedRun(name, fmt, [], [], []))
    if str(path) not in run.files:
        run.files.append(str(path))
    return run


def _add_item(run: ImportedRun, item: Item) -> int:
    """Add ``item`` unless present; returns the repeat number of the next judgment on it."""
    seen = run.extra.setdefault("_count", defaultdict(int))
    if seen[item.id] == 0:
        run.items.append(item)
    seen[item.id] += 1
    return seen[item.id] - 1


def _done(runs: dict[str, ImportedRun]) -> list[ImportedRun]:
    for r in runs.values():
        r.extra.pop("_count", None)
        r.extra.pop("_order_count", None)
    return list(runs.values())


def import_alpaca_eval(paths: list[Path], judge_name: str | None) -> list[ImportedRun]:
    """AlpacaEval annotations: ``preference`` in [1, 2] is kept as a probability (p_b = preference - 1, 1.5 or 0 a
    draw); the pair id hashes the instruction, both outputs and both generators; a null preference is skipped."""
    runs: dict[str, ImportedRun] = {}
    for path in paths:
        for row, rec in _json_rows(path):
            rec = _obj(path, row, rec)
            prompt, a, b = (_text(path, row, rec, k) for k in ("instruction", "output_1", "output_2"))
            g1, g2 = rec.get("generator_1"), rec.get("generator_2")
            run = _run(runs, judge_name or str(rec.get("annotator") or path.stem), "alpaca_eval", path)
            run.extra["soft_preference"] = True
            pref = rec.get("preference")
            if _missing(pref):
                run.skipped += 1
                continue
            try:
                p = float(pref)
            except (TypeError, ValueError):
                raise DatasetError(str(path), row, "preference", f"{pref!r} is not a number in [1, 2]") from None
            if (p != 0 and not 1 <= p <= 2) or math.isnan(p):
                raise DatasetError(str(path), row, "preference", f"{pref!r} is outside [1, 2] (1.5 or 0 = draw)")
            q = 0.5 if p == 0 else p - 1
            choice = "tie" if q == 0.5 else ("B" if q > 0.5 else "A")
            pid = pair_hash(json.dumps([prompt, g1, g2], ensure_ascii=False), a, b, f"ae-{g2}")
            item = Item(pid, prompt, a, b, category=None if _missing(g2) else str(g2), source="alpaca_eval",
                        metadata={"model_a": g1, "model_b": g2, "dataset": rec.get("dataset")})
            repeat = _add_item(run, item)
            run.judgments.append(Judgment(pid, "AB", repeat, choice, str(pref), p_a=1 - q, p_b=q))
    return _done(runs)


def import_arena(paths: list[Path], judge_name: str | None) -> list[ImportedRun]:
    """Chatbot-Arena battles: ``model_a``, ``model_b``, ``winner``, optional ``judge``, ``question_id`` and the
    two conversations (their texts make the pair); one order, as shown."""
    runs: dict[str, ImportedRun] = {}
    for path in paths:
        for row, rec in _json_rows(path):
            rec = _obj(path, row, rec)
            winner = arena_winner(path, row, rec)
            conv_a, conv_b = rec.get("conversation_a"), rec.get("conversation_b")
            prompt = a = b = ""
            if isinstance(conv_a, list) and isinstance(conv_b, list):
                prompt, a, b = _turns(conv_a, "user"), _turns(conv_a, "assistant"), _turns(conv_b, "assistant")
            pid = f"{rec.get('question_id') or pair_hash(prompt, a, b, 'arena')};{rec['model_a']};{rec['model_b']}"
            run = _run(runs, judge_name or str(rec.get("judge") or "arena"), "arena", path)
            repeat = _add_item(run, Item(pid, prompt, a, b, source="arena",
                                         metadata={"model_a": rec["model_a"], "model_b": rec["model_b"]}))
            run.judgments.append(Judgment(pid, "AB", repeat, _WINNERS[winner], str(rec["winner"])))
    return _done(runs)


_PAIR = ("pair_id", "item_id", "id", "pair")
_ANNOTATOR = ("annotator", "judge", "rater")
_CHOICE = ("choice", "preference", "winner", "verdict")


def _first(rec: dict[str, Any], names: tuple[str, ...]) -> str | None:
    return next((k for k in names if k in rec), None)


def import_table(paths: list[Path], judge_name: str | None) -> list[ImportedRun]:
    """A table of judgments: pair (``pair_id``/``item_id``/``id``), annotator (``annotator``/``judge``/``rater``),
    ``choice`` (or ``preference``/``winner``/``verdict``, in original letters: A = response_a), optional ``order``
    (AB | BA, as shown), ``repeat``, gold ``label`` (never read as the choice), ``prompt``, ``response_a``,
    ``response_b``, ``raw``."""
    runs: dict[str, ImportedRun] = {}
    for path in paths:
        for row, rec in _records(str(path), "train"):
            cols = {"pair": _first(rec, _PAIR), "annotator": _first(rec, _ANNOTATOR), "choice": _first(rec, _CHOICE)}
            accepted = {"pair": _PAIR, "annotator": _ANNOTATOR, "choice": _CHOICE}
            for target, col in cols.items():
                if col is None and not (target == "annotator" and judge_name):
                    raise DatasetError(str(path), row, target, f"missing column (accepted: "
                                                               f"{', '.join(accepted[target])})")
            pid = rec[cols["pair"]]
            if _missing(pid) or not str(pid).strip():
                raise DatasetError(str(path), row, cols["pair"], "missing value")
            name = judge_name or str(rec[cols["annotator"]]).strip()
            chosen = normalise_label(rec[cols["choice"]], file=str(path), row=row, field=cols["choice"])
            label = normalise_label(rec.get("label"), file=str(path), row=row, field="label")
            order = str(rec.get("order") or "AB").strip().upper()
            if order not in ("AB", "BA"):
                raise DatasetError(str(path), row, "order", f"{rec.get('order')!r} is not AB or BA")
            texts = [rec.get(k) if isinstance(rec.get(k), str) else "" for k in ("prompt", "response_a", "response_b")]
            run = _run(runs, name, "table", path)
            item = Item(str(pid).strip(), *texts, label=label, source=path.name)
            _add_item(run, item)
            per_order = run.extra.setdefault("_order_count", defaultdict(int))
            auto = per_order[(item.id, order)]
            per_order[(item.id, order)] += 1
            rep = rec.get("repeat")
            try:
                repeat = auto if _missing(rep) or rep == "" else int(rep)
            except (TypeError, ValueError):
                raise DatasetError(str(path), row, "repeat", f"{rep!r} is not a whole number") from None
            choice = "invalid" if chosen is None else (chosen if order == "AB" else _SWAP[chosen])
            raw = rec.get("raw") if isinstance(rec.get("raw"), str) else str(rec[cols["choice"]])
            run.judgments.append(Judgment(item.id, order, repeat, choice, raw))
    return _done(runs)


_PREFIX = "Select the response that "


def principle_name(text: str) -> str:
    """A principle's short name, as Feedback Forensics shows it: the text without "Select the response that"
    and a final full stop."""
    t = text.strip()
    t = t[len(_PREFIX):].strip() if t.startswith(_PREFIX) else t
    return t[:-1] if t.endswith(".") else t


def import_annotated_pairs(paths: list[Path], judge_name: str | None) -> list[ImportedRun]:
    """AnnotatedPairs JSON (Feedback Forensics / ICAI): ``metadata.default_annotator`` is the reference whose
    choice is each pair's label; annotators of type ``principle`` become one run of probe ``principle`` (one
    condition per principle, its text in the cue, not-applicable votes kept as ``invalid`` with their reason);
    every other annotator is a judge run of its own."""
    runs: dict[str, ImportedRun] = {}
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DatasetError(str(path), None, None, f"not valid JSON ({exc.msg}, line {exc.lineno})") from None
        if not isinstance(data, dict) or not isinstance(data.get("comparisons"), list):
            raise DatasetError(str(path), None, "comparisons", "expected an object with a 'comparisons' list")
        annotators = data.get("annotators") or {}
        meta = data.get("metadata") or {}
        ref = meta.get("default_annotator")
        label_of: dict[str, str | None] = {}
        for row, rec in enumerate(data["comparisons"], start=1):
            rec = _obj(path, row, rec)
            a_key = "response_a" if "response_a" in rec else "text_a"
            b_key = "response_b" if "response_b" in rec else "text_b"
            prompt = rec.get("prompt") if isinstance(rec.get("prompt"), str) else ""
            a, b = _text(path, row, rec, a_key), _text(path, row, rec, b_key)
            pid = str(rec.get("id") or pair_hash(prompt, a, b, "ap"))
            anns = rec.get("annotations") or {}
            if not isinstance(anns, dict):
                raise DatasetError(str(path), row, "annotations", "expected an object {annotator id: {pref: ...}}")
            label = _ap_choice(path, row, ref, anns[ref]) if ref in anns else None
            label_of[pid] = label
            models = [rec[k].get("model") if isinstance(rec[k], dict) else None for k in (a_key, b_key)]
            item = Item(pid, prompt, a, b, label=label, source=path.name,
                        metadata={"model_a": models[0], "model_b": models[1]})
            for ann_id, value in anns.items():
                if ann_id == ref:
                    continue
                info = annotators.get(ann_id) or {}
                vote = _ap_choice(path, row, ann_id, value)
                reason = value.get("no_pref_reason") if isinstance(value, dict) else None
                raw = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)
                if info.get("type") == "principle":
                    text = str(info.get("description") or info.get("name") or ann_id)
                    run = _run(runs, judge_name or f"principles:{meta.get('dataset_name') or path.stem}",
                               "annotated_pairs", path)
                    run.extra["reference"] = str((annotators.get(ref) or {}).get("name") or ref)
                    _add_item(run, item)
                    run.judgments.append(Judgment(pid, "AB", 0, vote or "invalid", raw if vote or reason is None
                                                  else reason, probe="principle", condition=principle_name(text),
                                                  cue={"principle": text, "annotator_id": ann_id}))
                else:
                    run = _run(runs, str(info.get("name") or ann_id), "annotated_pairs", path)
                    repeat = _add_item(run, item)
                    run.judgments.append(Judgment(pid, "AB", repeat, vote or "invalid", raw))
    return _done(runs)


def import_judgekit(paths: list[Path], judge_name: str | None) -> list[ImportedRun]:
    """judgekit's own verdict export (``judgekit.verdicts(...)`` written as JSONL/CSV/Parquet): one run per
    (run_id, judge) with every probe, condition, order, repeat, choice, raw text and probability kept."""
    runs: dict[str, ImportedRun] = {}
    for path in paths:
        for row, rec in _records(str(path), "train"):
            for key in ("item_id", "order", "choice"):
                if _missing(rec.get(key)):
                    raise DatasetError(str(path), row, key, "missing value")
            name = judge_name or str(rec.get("judge") or path.stem)
            key = f"{rec.get('run_id')}|{name}" if not _missing(rec.get("run_id")) else name
            run = _run(runs, key, "judgekit", path)
            run.judge = name
            label = rec.get("label")
            item = Item(str(rec["item_id"]), *(str(rec.get(k) or "") for k in ("prompt", "response_a", "response_b")),
                        label=None if _missing(label) or label == "" else label,
                        kind=rec.get("kind") or "preference",
                        category=None if _missing(rec.get("category")) else rec.get("category"), source=path.name)
            seen = run.extra.setdefault("_count", defaultdict(int))
            if not seen[item.id]:
                run.items.append(item)
            seen[item.id] += 1
            cue = rec.get("cue")
            cue = json.loads(cue) if isinstance(cue, str) and cue else (cue if isinstance(cue, dict) else {})

            def num(v: Any) -> float | None:
                return None if _missing(v) or v == "" else float(v)

            run.judgments.append(Judgment(item.id, str(rec["order"]), int(float(rec.get("repeat") or 0)),
                                          str(rec["choice"]), None if _missing(rec.get("raw")) else str(rec["raw"]),
                                          num(rec.get("p_a")), num(rec.get("p_b")),
                                          probe=str(rec.get("probe") or "position"),
                                          condition=str(rec.get("condition") or "control"), cue=cue))
    return _done(runs)
