"""A standalone page in the report's design (``report/templates/base.html.j2``) for the analyses.

PROFILE and ICAI pages share it: a header with the title, a line of facts, one headline
sentence and cautions in words, then the analysis' own HTML fragment (already escaped).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from markupsafe import Markup

from judgekit.report.build import _plotly
from judgekit.report.html import TEMPLATE_DIR


def render_page(title: str, *, meta: Sequence[tuple[str, str]], headline: str, warnings: Sequence[str],
                body_html: str) -> str:
    """The page as a string. ``title``, ``meta``, ``headline`` and ``warnings`` are escaped; ``body_html`` is not."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template("analysis.html.j2").render(
        title=title, meta=list(meta), headline=headline, warnings=list(warnings), body=Markup(body_html),
        plotly_js=_plotly(), generated=datetime.now().astimezone().isoformat(sep=" ", timespec="seconds"))


def write_page(path: str | Path, html_text: str) -> Path:
    """Write ``html_text`` to ``path`` through a temporary file and a rename (never a half-written page)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html_text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
