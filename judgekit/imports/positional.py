"""Importers of swap-order judgment files: Position-Bias-Analyzer, LLMBar, JudgeBench, MT-Bench.

Each returns one :class:`~judgekit.imports.common.ImportedRun` per judge. Verdicts are kept in presented
positions (A = the response shown first) with their order and repeat, so judgekit's position metrics and the
anchors' own definitions both apply.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from judgekit.datasets.schema import DatasetError
from judgekit.imports.common import ImportedRun, Judgment
from judgekit.imports.judgments import _json_rows, _missing, _obj, pair_hash
from judgekit.types import Item

_SWAP = {"A": "B", "B": "A", "tie": "tie"}
#: Position-Bias-Analyzer's DevBench rule (first match), then the MT-Bench [[A]]/[[B]]/[[C]] form
_CHOICE = re.compile(r"(?:选择：|Choice: )([ABCD])")
_BRACKETS = re.compile(r"\[\[([ABC])\]\]")
_PBA_LETTERS = {"A": "A", "B": "B", "C": "tie"}
PBA_COLUMNS = {"cmp_index", "question", "answer1", "answer2", "A", "B", "reference_answer", "evaluating_guidance",
               "task", "Unnamed: 0"}
PBA_REFERENCE = "human"


def pba_choice(raw: Any) -> str:
    """The presented choice in a Position-Bias-Analyzer judgment: A, B, tie (C) or invalid (none, or D)."""
    if not isinstance(raw, str):
        return "invalid"
    m = _CHOICE.search(raw) or _BRACKETS.search(raw)
    return _PBA_LETTERS.get(m.group(1), "invalid") if m else "invalid"


def _repeat_of(path: Path, index: int, n_files: int) -> int:
    m = re.search(r"Repetition(\d+)", str(path))
    return int(m.group(1)) - 1 if m else (index if n_files > 1 else 0)


def _pba_item(path: Path, row: int, cmp_index: Any, task: Any, texts: tuple[str, str, str] | None,
              model_a: Any, model_b: Any) -> tuple[Item, str]:
    """The item of an ordered comparison ``question;model_A;model_B`` and the order it was shown in."""
    parts = str(cmp_index).split(";")
    if _missing(cmp_index) or len(parts) < 3:
        raise DatasetError(str(path), row, "cmp_index", f"{cmp_index!r} is not QUESTION;MODEL_A;MODEL_B")
    qid, ma, mb = ";".join(parts[:-2]), parts[-2], parts[-1]
    ma, mb = str(model_a) if not _missing(model_a) else ma, str(model_b) if not _missing(model_b) else mb
    first, second = (ma, mb) if ma == PBA_REFERENCE or (mb != PBA_REFERENCE and ma <= mb) else (mb, ma)
    order = "AB" if first == ma else "BA"
    prompt, shown_a, shown_b = texts or ("", "", "")
    ra, rb = (shown_a, shown_b) if order == "AB" else (shown_b, shown_a)
    item = Item(f"{qid};{first};{second}", prompt, ra, rb, category=None if _missing(task) else str(task),
                source="position_bias_analyzer", metadata={"model_a": first, "model_b": second})
    return item, order


def import_pba(paths: list[Path], judge_name: str | None) -> list[ImportedRun]:
    """Record TSVs (``cmp_index, A, B, task, <judge>`` and optionally the texts) or the JSONL form
    (``cmp_index``, ``judgments`` {judge: raw text}, optional ``repetition`` from 1)."""
    import pandas as pd

    runs: dict[str, ImportedRun] = {}
    for index, path in enumerate(paths):
        if path.suffix.lower() in (".tsv", ".csv"):
            try:
                df = pd.read_csv(path, sep="\t" if path.suffix.lower() == ".tsv" else ",", dtype=str,
                                 keep_default_na=False)
            except Exception as exc:
                raise DatasetError(str(path), None, None, f"cannot read the record table: {exc}") from None
            judges = [c for c in df.columns if c not in PBA_COLUMNS]
            if "cmp_index" not in df.columns or not judges:
                raise DatasetError(str(path), None, "cmp_index", "a record TSV needs cmp_index and a judge column")
            records = []
            for row, rec in enumerate(df.to_dict(orient="records"), start=1):
                texts = (rec.get("question", ""), rec.get("answer1", ""), rec.get("answer2", ""))
                records.append((row, rec, {j: rec[j] for j in judges}, texts if texts[1] or texts[2] else None,
                                _repeat_of(path, index, len(paths))))
        else:
            records = []
            for row, rec in _json_rows(path):
                rec = _obj(path, row, rec)
                js = rec.get("judgments")
                if not isinstance(js, dict):
                    raise DatasetError(str(path), row, "judgments", "expected an object {judge: judgment text}")
                rep = rec.get("repetition")
                repeat = int(rep) - 1 if not _missing(rep) else _repeat_of(path, index, len(paths))
                records.append((row, rec, js, None, repeat))
        for row, rec, js, texts, repeat in records:
            item, order = _pba_item(path, row, rec.get("cmp_index"), rec.get("task"), texts,
                                    rec.get("model_A", rec.get("A")), rec.get("model_B", rec.get("B")))
            for judge, raw in js.items():
                name = judge_name if judge_name and len(js) == 1 else str(judge)
                run = runs.setdefault(name, ImportedRun(name, "pba", [], [], []))
                if str(path) not in run.files:
                    run.files.append(str(path))
                run.items.append(item)
                run.judgments.append(Judgment(item.id, order, repeat, pba_choice(raw),
                                              None if _missing(raw) else str(raw)))
    return [_dedup_items(r) for r in runs.values()]


def _dedup_items(run: ImportedRun) -> ImportedRun:
    seen: dict[str, Item] = {}
    for it in run.items:
        if it.id not in seen or (not seen[it.id].response_a and it.response_a):
            seen[it.id] = it
    run.items = list(seen.values())
    return run


def _judge_from_path(path: Path, judge_name: str | None, depth: int) -> str:
    if judge_name:
        return judge_name
    parts = path.parts[:-1][-depth:]
    return "/".join(parts) if parts else path.stem


def _llmbar_winner(path: Path, row: int, block: Any, key: str) -> tuple[str, str | None]:
    """The original-letter winner of one order of an LLMBar result ("1" / "2", else unparsed)."""
    if not isinstance(block, dict) or key not in block:
        raise DatasetError(str(path), row, f"results[-1].{key}", "missing")
    res = block[key] or {}
    comp = res.get("completion")
    raw = comp[0] if isinstance(comp, list) and comp else (comp if isinstance(comp, str) else None)
    return {"1": "A", "2": "B"}.get(str(res.get("winner")), "invalid"), raw


def import_llmbar(paths: list[Path], judge_name: str | None) -> list[ImportedRun]:
    """LLMBar ``result.json``: ``input``, ``output_1``, ``output_2``, ``label`` (1 | 2) and ``results``; the last
    result's ``swap = False`` winner is order AB, its ``swap = True`` winner (already in original letters) BA."""
    runs: dict[str, ImportedRun] = {}
    for path in paths:
        name = _judge_from_path(path, judge_name, 2)
        run = runs.setdefault(name, ImportedRun(name, "llmbar", [], [], []))
        run.files.append(str(path))
        seen = run.extra.setdefault("_seen", defaultdict(int))
        for row, rec in _json_rows(path):
            rec = _obj(path, row, rec)
            prompt, a, b = (rec.get(k) for k in ("input", "output_1", "output_2"))
            if not all(isinstance(x, str) for x in (prompt, a, b)):
                raise DatasetError(str(path), row, "input", "input, output_1 and output_2 must be texts")
            label = {"1": "A", "2": "B"}.get(str(rec.get("label")))
            if label is None:
                raise DatasetError(str(path), row, "label", f"{rec.get('label')!r} is not 1 or 2")
            results = rec.get("results")
            if not isinstance(results, list) or not results:
                raise DatasetError(str(path), row, "results", "expected a non-empty list")
            iid = pair_hash(prompt, a, b, "llmbar")
            repeat = seen[iid]
            seen[iid] += 1
            if repeat == 0:
                run.items.append(Item(iid, prompt, a, b, label=label, kind="fact", source="llmbar"))
            for order, key in (("AB", "swap = False"), ("BA", "swap = True")):
                chosen, raw = _llmbar_winner(path, row, results[-1], key)
                choice = chosen if order == "AB" or chosen == "invalid" else _SWAP[chosen]
                run.judgments.append(Judgment(iid, order, repeat, choice, raw))
    for run in runs.values():
        run.extra.pop("_seen", None)
    return list(runs.values())


_JB = {"A>B": "A", "B>A": "B", "A=B": "tie", "A>>B": "A", "B>>A": "B"}


def _jb_judge(path: Path, rec: dict[str, Any], judge_name: str | None) -> str:
    if judge_name:
        return judge_name
    for key in ("judge", "judge_name", "judge_model"):
        if isinstance(rec.get(key), str) and rec[key].strip():
            return rec[key].strip()
    kv = dict(part.split("=", 1) for part in path.stem.split(",") if "=" in part)
    return "/".join(v for k, v in kv.items() if k in ("judge_name", "judge_model")) or path.stem


def import_judgebench(paths: list[Path], judge_name: str | None) -> list[ImportedRun]:
    """JudgeBench output JSONL: ``pair_id``, ``question``, ``response_A``, ``response_B``, ``label``
    (A>B | B>A | A=B) and ``judgments`` [{decision}]; judgment 2k is order AB, 2k+1 order BA (its decision in
    presented positions), repeat k."""
    runs: dict[str, ImportedRun] = {}
    for path in paths:
        for row, rec in _json_rows(path):
            rec = _obj(path, row, rec)
            name = _jb_judge(path, rec, judge_name)
            run = runs.setdefault(name, ImportedRun(name, "judgebench", [], [], []))
            if str(path) not in run.files:
                run.files.append(str(path))
            prompt, a, b = (rec.get(k) for k in ("question", "response_A", "response_B"))
            if not all(isinstance(x, str) for x in (prompt, a, b)):
                raise DatasetError(str(path), row, "question", "question, response_A and response_B must be texts")
            label = _JB.get(str(rec.get("label")))
            if label is None:
                raise DatasetError(str(path), row, "label", f"{rec.get('label')!r} is not A>B, B>A or A=B")
            js = rec.get("judgments")
            if not isinstance(js, list):
                raise DatasetError(str(path), row, "judgments", "expected a list of {decision: ...}")
            iid = str(rec.get("pair_id") or pair_hash(prompt, a, b, "jb"))
            run.items.append(Item(iid, prompt, a, b, label=label, kind="fact", source="judgebench",
                                  category=rec.get("source") if isinstance(rec.get("source"), str) else None))
            for k, j in enumerate(js):
                dec = j.get("decision") if isinstance(j, dict) else None
                raw = j.get("judgment") if isinstance(j, dict) else None
                raw = raw if isinstance(raw, str) or raw is None else json.dumps(raw, ensure_ascii=False)
                run.judgments.append(Judgment(iid, "AB" if k % 2 == 0 else "BA", k // 2,
                                              _JB.get(str(dec), "invalid"), raw if raw is not None else dec))
    return [_dedup_items(r) for r in runs.values()]


_MT = {"model_1": "A", "model_2": "B", "tie": "tie"}


def import_mtbench(paths: list[Path], judge_name: str | None) -> list[ImportedRun]:
    """FastChat ``llm_judge`` pairwise judgments: ``question_id``, ``model_1``, ``model_2``, ``g1_winner``
    (model_1 shown first), ``g2_winner`` (model_2 shown first; winner named by model), ``judge``, ``turn``."""
    runs: dict[str, ImportedRun] = defaultdict(lambda: ImportedRun("", "mtbench", [], [], []))
    for path in paths:
        for row, rec in _json_rows(path):
            rec = _obj(path, row, rec)
            for key in ("question_id", "model_1", "model_2", "g1_winner", "g2_winner"):
                if _missing(rec.get(key)):
                    raise DatasetError(str(path), row, key, "missing value")
            judge = rec.get("judge")
            name = judge_name or ("/".join(str(x) for x in judge) if isinstance(judge, list) else str(judge or
                                                                                                   path.stem))
            run = runs[name]
            run.judge = name
            if str(path) not in run.files:
                run.files.append(str(path))
            iid = f"{rec['question_id']};{rec['model_1']};{rec['model_2']};turn{rec.get('turn', 1)}"
            run.items.append(Item(iid, "", "", "", source="mtbench",
                                  metadata={"model_a": rec["model_1"], "model_b": rec["model_2"]}))
            for order, key, text in (("AB", "g1_winner", "g1_judgment"), ("BA", "g2_winner", "g2_judgment")):
                chosen = _MT.get(str(rec[key]))
                choice = "invalid" if chosen is None else (chosen if order == "AB" else _SWAP[chosen])
                run.judgments.append(Judgment(iid, order, 0, choice, rec.get(text) or str(rec[key])))
    return [_dedup_items(r) for r in runs.values()]
