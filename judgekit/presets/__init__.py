"""Presets: one command that runs a published study's whole design (several suites, several judges).

``judgekit eval --suite NAME`` runs the preset ``NAME`` when :data:`PRESETS` has it (see
:mod:`judgekit.presets.lrm_paper`).
"""

from __future__ import annotations

PRESETS: dict[str, str] = {"lrm-paper": "judgekit.presets.lrm_paper"}


def is_preset(name: str) -> bool:
    """True when ``name`` is a preset rather than a suite."""
    return name in PRESETS
