"""Locate the bundled ``suites/`` and ``data/`` folders.

In a source checkout or an editable install they sit next to the package; in a
wheel they are copied to ``judgekit/_bundled/``.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PKG / "_bundled" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"judgekit cannot find its bundled '{name}/' folder (looked next to {_PKG})")


def suites_dir() -> Path:
    return _find("suites")


def data_dir() -> Path:
    return _find("data")


def suite_names() -> list[str]:
    """Names of the bundled suites (``suites/NAME.yaml``)."""
    return sorted(p.stem for p in suites_dir().glob("*.yaml"))


def template_names() -> list[str]:
    """Names of the bundled judge prompt templates (``suites/prompts/NAME.yaml``)."""
    return sorted(p.stem for p in (suites_dir() / "prompts").glob("*.yaml"))
