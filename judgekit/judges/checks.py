"""Checks that stop a judge that cannot work before it sends anything, and name a run that produced nothing.

* :func:`check_provider`: a litellm model string whose provider prefix is unknown (``opnai/gpt-4o``)
  fails at once with the closest valid provider names, instead of failing every request.
* :func:`unusable_run_message`: a run whose verdicts are all parse failures or all errors is not a
  result; the message shows three raw outputs so the user sees what the judge said.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from judgekit.judges.base import JudgeError
from judgekit.redact import redact_text

#: Raw outputs shown when a run produced no usable verdict.
N_EXAMPLES = 3


def provider_names() -> list[str]:
    """litellm's provider list (imported lazily: litellm is slow to import)."""
    from judgekit.judges.api import _litellm

    return sorted({str(getattr(p, "value", p)) for p in _litellm().provider_list})


def check_provider(spec: str, names: Sequence[str] | None = None) -> None:
    """Raise :class:`JudgeError` when ``spec`` (``provider/model``) names a provider litellm does not know."""
    if "/" not in spec:
        return  # a bare model name: litellm infers the provider
    provider = spec.split("/", 1)[0]
    known = list(names) if names is not None else provider_names()
    if provider in known:
        return
    close = difflib.get_close_matches(provider, known, n=3, cutoff=0.6)
    hint = f"; closest valid names: {', '.join(close)}" if close else "; see litellm's list of providers"
    raise JudgeError(f"unknown provider '{provider}' in judge '{spec}'{hint}")


def unusable_verdicts_message(rows: Sequence[dict[str, Any]]) -> str | None:
    """A message when every verdict is ``invalid`` or every one is ``error``; None when any verdict is usable.

    ``rows`` are verdict rows with ``choice``, ``raw`` and ``error``.
    """
    if not rows:
        return None
    choices = {r.get("choice") for r in rows}
    if choices == {"invalid"}:
        head = f"no verdict could be read from any of the {len(rows)} answers (all parse failures)"
        field = "raw"
    elif choices == {"error"}:
        head = f"all {len(rows)} requests failed"
        field = "error"
    else:
        return None
    examples = []
    for r in rows[:N_EXAMPLES]:
        text = " ".join(str(r.get(field) or "").split())
        text = text if len(text) <= 200 else text[:197] + "..."
        examples.append(f"  {field}: {redact_text(text)!r}")
    return "\n".join([f"judgekit: {head}; the first {len(examples)}:", *examples])


def unusable_run_message(db: Any, run_id: str) -> str | None:
    """:func:`unusable_verdicts_message` for the verdicts of ``run_id`` in the database ``db`` (path or Store)."""
    from judgekit.store.db import Store

    store = db if isinstance(db, Store) else Store(db, create=False)
    with store.connect(read_only=True) as con:
        # one row of each kind of verdict is enough to tell; the full rows are read only for an unusable run
        kinds = con.execute("SELECT DISTINCT choice IN ('invalid', 'error') FROM verdicts WHERE run_id = ?",
                            [run_id]).fetchall()
        if kinds != [(True,)]:
            return None
        cur = con.execute("SELECT choice, raw, error FROM verdicts WHERE run_id = ? ORDER BY trial_id", [run_id])
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return unusable_verdicts_message(rows)
