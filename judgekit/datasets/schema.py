"""Item validation: every problem is reported with the file, row and field."""

from __future__ import annotations

import json
import math
from typing import Any

from judgekit.types import Item

REQUIRED = ("prompt", "response_a", "response_b")
OPTIONAL = ("id", "label", "kind", "category", "source", "metadata")
KINDS = ("fact", "preference")

_LABELS = {
    "a": "A", "1": "A", "response_a": "A", "model_a": "A", "output_1": "A",
    "b": "B", "2": "B", "response_b": "B", "model_b": "B", "output_2": "B",
    "tie": "tie", "draw": "tie", "tie (bothbad)": "tie", "0": "tie", "1.5": "tie",
}
_UNKNOWN = {"", "unknown", "none", "null", "nan", "?"}
ALLOWED_LABELS = "A, B, 1, 2, response_a, response_b, tie (or empty / unknown)"


class DatasetError(ValueError):
    """Invalid input data. The message names the file, the row and the field."""

    def __init__(self, file: str, row: int | None, field: str | None, message: str):
        self.file, self.row, self.field = file, row, field
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{_short(field, 60)}'")
        super().__init__(f"{', '.join(where)}: {_short(message, 400)}")


def _short(text: str, limit: int) -> str:
    """One line, at most ``limit`` characters: messages may quote huge or multi-line cells."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def normalise_label(value: Any, *, file: str, row: int, field: str = "label") -> str | None:
    """Map the accepted spellings of a gold label to "A", "B", "tie" or None (unknown)."""
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        raise DatasetError(file, row, field, f"{value!r} is not a valid label ({ALLOWED_LABELS})")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().lower()
    if text in _UNKNOWN:
        return None
    if text in _LABELS:
        return _LABELS[text]
    raise DatasetError(file, row, field, f"{str(value)[:40]!r} is not a valid label ({ALLOWED_LABELS})")


def _text(record: dict[str, Any], field: str, file: str, row: int) -> str:
    value = record.get(field)
    if _is_missing(value):
        raise DatasetError(file, row, field, "missing value")
    if isinstance(value, (dict, list)):
        raise DatasetError(file, row, field, f"expected text, got {type(value).__name__}")
    text = str(value)
    if not text.strip():
        raise DatasetError(file, row, field, "empty text")
    return text


def _check_unicode(record: dict[str, Any], file: str, row: int) -> None:
    """Reject unpaired surrogates (JSON allows "\\ud800"): the DB, journal and report need valid UTF-8."""
    for key, value in record.items():
        try:
            if isinstance(value, str):
                value.encode("utf-8")
            elif isinstance(value, (dict, list)):
                json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
            str(key).encode("utf-8")
        except UnicodeEncodeError:
            raise DatasetError(file, row, str(key).encode("utf-8", "replace").decode(),
                               "contains an unpaired surrogate (not valid Unicode text)") from None


def make_item(record: dict[str, Any], *, file: str, row: int, default_id: str,
              default_kind: str = "preference", default_source: str | None = None) -> Item:
    """Validate one record (already column-mapped) and build an :class:`Item`."""
    _check_unicode(record, file, row)
    prompt, a, b = (_text(record, f, file, row) for f in REQUIRED)
    raw_id = record.get("id")
    item_id = default_id if _is_missing(raw_id) or str(raw_id).strip() == "" else str(raw_id).strip()
    kind = record.get("kind")
    kind = default_kind if _is_missing(kind) or str(kind).strip() == "" else str(kind).strip().lower()
    if kind not in KINDS:
        raise DatasetError(file, row, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    metadata = record.get("metadata")
    if _is_missing(metadata):
        metadata = {}
    if not isinstance(metadata, dict):
        metadata = {"value": metadata}
    extras = {k: v for k, v in record.items()
              if k not in REQUIRED + OPTIONAL and not _is_missing(v)}
    if extras:
        metadata = {**metadata, **{k: v if isinstance(v, (str, int, float, bool)) else str(v)
                                   for k, v in extras.items()}}
    category = record.get("category")
    source = record.get("source")
    return Item(
        id=item_id,
        prompt=prompt,
        response_a=a,
        response_b=b,
        label=normalise_label(record.get("label"), file=file, row=row),  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        category=None if _is_missing(category) or category == "" else str(category),
        source=default_source if _is_missing(source) or source == "" else str(source),
        metadata=metadata,
    )
