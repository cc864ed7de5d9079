"""The data of Wang et al. 2025 ("Assessing Judging Bias in Large Reasoning Models") as judgekit items.

A data folder holds ``dpo/*.json`` (preference sets: arrays of ``{prompt | input, chosen, rejected, id}``)
and ``fact/*.json`` (MMLU-Pro samples: arrays of ``{question_id, question, options, answer, category}``),
as the paper's repository published them (see the README section "Reproduce the LRM judging-bias study").

* a preference row becomes a pairwise item, gold = ``chosen``; which of A/B holds the chosen answer is
  drawn per item from the seed (the paper draws it per item too), so the gold sits first in about half
  of the items. ``category`` is the set's name (``truthy``, ``orca``, ``py``, ``emerton``);
* a fact row becomes a multiple-choice item: ``options`` in the dataset's order, ``label`` = ``answer``
  (its letter), ``category`` = the set's name (``math``, ``chemistry``, ...), ``metadata.subject`` the
  subject named by the paper's bandwagon cue.

Each set is sampled as the paper does: its first ``limit`` rows (100: every row of the published sets).
Bad input is a :class:`~judgekit.datasets.schema.DatasetError` naming the file, the row (from 1) and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judgekit.datasets.schema import DatasetError
from judgekit.probes.base import item_rng
from judgekit.types import OPTION_LETTERS, Item

#: rows per set in the paper (``--limit`` overrides it)
PAPER_SAMPLE = 100
PREFERENCE_DIR = "dpo"
FACT_DIR = "fact"


@dataclass(frozen=True)
class PaperData:
    """The items of one data folder: preference items (pairwise) and fact items (mcq)."""

    preference: list[Item]
    fact: list[Item]
    folder: str


def _set_name(path: Path) -> str:
    return path.stem.removesuffix("_samples").removesuffix("_dpo")


def _rows(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(str(path), None, None, f"not a valid JSON file ({exc})") from None
    if not isinstance(data, list):
        raise DatasetError(str(path), None, None, "expected a JSON array of rows")
    for i, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            raise DatasetError(str(path), i, None, "expected an object")
    return data


def _text(path: Path, row: int, obj: dict[str, Any], *fields: str) -> str:
    for f in fields:
        value = obj.get(f)
        if isinstance(value, str) and value.strip():
            return value
    raise DatasetError(str(path), row, "|".join(fields), "missing or empty text")


def preference_items(path: Path, *, limit: int = PAPER_SAMPLE, seed: int = 0) -> list[Item]:
    """The first ``limit`` rows of one preference set as pairwise items (gold = chosen, seeded placement)."""
    name = _set_name(path)
    items = []
    for row, obj in enumerate(_rows(path)[:limit], start=1):
        prompt = _text(path, row, obj, "prompt", "input")
        chosen, rejected = _text(path, row, obj, "chosen"), _text(path, row, obj, "rejected")
        item_id = f"{name}:{obj.get('id', row)}"
        gold_first = item_rng(seed, item_id, "lrm-paper", "placement").random() < 0.5
        a, b = (chosen, rejected) if gold_first else (rejected, chosen)
        items.append(Item(id=item_id, prompt=prompt, response_a=a, response_b=b, label="A" if gold_first else "B",
                          kind="preference", category=name, source=str(path), metadata={"set": name, "row": row}))
    return items


def fact_items(path: Path, *, limit: int = PAPER_SAMPLE) -> list[Item]:
    """The first ``limit`` rows of one MMLU-Pro set as multiple-choice items (gold = ``answer``)."""
    name = _set_name(path)
    items = []
    for row, obj in enumerate(_rows(path)[:limit], start=1):
        question = _text(path, row, obj, "question")
        options = obj.get("options")
        if not isinstance(options, list) or len(options) < 2 or not all(isinstance(o, str) for o in options):
            raise DatasetError(str(path), row, "options", "expected a list of at least two option texts")
        if len(options) > len(OPTION_LETTERS):
            raise DatasetError(str(path), row, "options", f"more than {len(OPTION_LETTERS)} options")
        answer = obj.get("answer")
        if not isinstance(answer, str) or answer not in OPTION_LETTERS[:len(options)]:
            raise DatasetError(str(path), row, "answer",
                               f"expected one of {OPTION_LETTERS[:len(options)]}, got {answer!r}")
        subject = str(obj.get("category") or name)
        items.append(Item(id=f"{name}:{obj.get('question_id', row)}", prompt=question, response_a="", response_b="",
                          label=answer, kind="fact", category=name, source=str(path),  # type: ignore[arg-type]
                          metadata={"set": name, "row": row, "subject": subject}, options=tuple(options)))
    return items


def load_paper_data(folder: str | Path, *, limit: int | None = None, seed: int = 0) -> PaperData:
    """Every set in ``folder``: ``dpo/*.json`` and ``fact/*.json``, ``limit`` rows each (default 100)."""
    root = Path(folder)
    n = PAPER_SAMPLE if limit is None else int(limit)
    if n <= 0:
        raise DatasetError("--limit", None, None, f"must be a positive number of items, got {limit!r}")
    pref_files = sorted((root / PREFERENCE_DIR).glob("*.json"))
    fact_files = sorted((root / FACT_DIR).glob("*.json"))
    if not pref_files and not fact_files:
        raise DatasetError(str(root), None, None, f"no {PREFERENCE_DIR}/*.json or {FACT_DIR}/*.json files: point "
                                                  "--data-dir at a copy of the paper's data (see the README)")
    pref = [it for f in pref_files for it in preference_items(f, limit=n, seed=seed)]
    fact = [it for f in fact_files for it in fact_items(f, limit=n)]
    return PaperData(preference=pref, fact=fact, folder=str(root))
