"""Trials of the protocols other than ``pairwise``: ``pointwise`` and ``mcq`` (see :data:`judgekit.types.PROTOCOLS`).

:func:`protocol_trials` is what :func:`judgekit.plan.trials.build_trials` calls for them.
"""

from __future__ import annotations

from typing import Any

from judgekit.plan.spec import SuiteSpec
from judgekit.types import Item, Trial


def protocol_trials(protocol: str, suite: SuiteSpec, items: list[Item], *, seed: int,
                    options: dict[str, Any]) -> list[Trial]:
    """Every probe's trials on ``items`` under ``protocol``."""
    if protocol == "pointwise":
        raise ValueError("protocol 'pointwise' is not available in this version of judgekit")
    if protocol == "mcq":
        from judgekit.plan.mcq import mcq_trials

        return mcq_trials(suite, items, seed=seed, options=options)
    raise ValueError(f"unknown protocol {protocol!r}")
