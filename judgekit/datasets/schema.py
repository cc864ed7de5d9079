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
    if not isinstance(value, (str, int, float)):
        raise DatasetError(file, row, field, f"expected a label, got {_type_name(value)} ({ALLOWED_LABELS})")
    text = str(value).strip().lower()
    try:  # "1.0" in a CSV means what 1.0 means in JSON
        number = float(text)
    except ValueError:
        number = None
    if number is not None and number.is_integer():
        text = str(int(number))
    elif number is not None and math.isnan(number):
        return None
    if text in _UNKNOWN:
        return None
    if text in _LABELS:
        return _LABELS[text]
    raise DatasetError(file, row, field, f"{str(value)[:40]!r} is not a valid label ({ALLOWED_LABELS})")


def _python_scalar(value: Any) -> Any:
    """numpy scalars (Parquet columns) as the Python values they hold; anything else unchanged."""
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    return value


def _type_name(value: Any) -> str:
    """How a wrong value reads in a message: JSON's names where there is one."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "binary data"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        return "a list"
    return type(value).__name__


def _text(record: dict[str, Any], field: str, file: str, row: int) -> str:
    value = record.get(field)
    if _is_missing(value):
        raise DatasetError(file, row, field, "missing value")
    if not isinstance(value, str):
        raise DatasetError(file, row, field, f"expected text, got {_type_name(value)}")
    if not value.strip():
        raise DatasetError(file, row, field, "empty text")
    return str(value)


def _optional_text(record: dict[str, Any], field: str, file: str, row: int) -> str | None:
    """A string or nothing (missing / empty); anything else is an error."""
    value = record.get(field)
    if _is_missing(value) or value == "":
        return None
    if not isinstance(value, str):
        raise DatasetError(file, row, field, f"expected text, got {_type_name(value)}")
    return str(value)


def _item_id(record: dict[str, Any], file: str, row: int, default: str) -> str:
    """A string or an integer (an integral float from a numeric column counts as one)."""
    value = record.get("id")
    if _is_missing(value):
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DatasetError(file, row, "id", f"expected text or an integer, got {_type_name(value)}")
    text = str(value).strip()
    return text or default


def _plain(value: Any, file: str, row: int, field: str) -> Any:
    """A metadata value as JSON would hold it: arrays become lists, binary data is an error."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise DatasetError(file, row, field, "binary data; expected text, a number or a list")
    if hasattr(value, "tolist") and not isinstance(value, (str, int, float, bool)):
        value = value.tolist()  # numpy arrays and scalars (Parquet list columns)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v, file, row, field) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, file, row, field) for k, v in value.items()}
    return str(value)


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
    record = {k: _python_scalar(v) for k, v in record.items()}
    _check_unicode(record, file, row)
    prompt, a, b = (_text(record, f, file, row) for f in REQUIRED)
    item_id = _item_id(record, file, row, default_id)
    kind = _optional_text(record, "kind", file, row)
    if kind is not None and not kind.strip():
        raise DatasetError(file, row, "kind", "blank (only spaces); expected fact or preference, or leave it empty")
    kind = default_kind if kind is None else kind.strip().lower()
    if kind not in KINDS:
        raise DatasetError(file, row, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    metadata = record.get("metadata")
    if _is_missing(metadata):
        metadata = {}
    metadata = _plain(metadata, file, row, "metadata")
    if not isinstance(metadata, dict):
        metadata = {"value": metadata}
    extras = {k: v for k, v in record.items()
              if k not in REQUIRED + OPTIONAL and not _is_missing(v)}
    if extras:
        metadata = {**metadata, **{k: _plain(v, file, row, k) for k, v in extras.items()}}
    category = _optional_text(record, "category", file, row)
    source = _optional_text(record, "source", file, row)
    return Item(
        id=item_id,
        prompt=prompt,
        response_a=a,
        response_b=b,
        label=normalise_label(record.get("label"), file=file, row=row),  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        category=category,
        source=default_source if source is None else source,
        metadata=metadata,
    )
