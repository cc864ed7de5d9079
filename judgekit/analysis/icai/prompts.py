"""The ICAI prompt templates (``suites/prompts/icai/*.yaml``), rendered to chat messages."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

from judgekit.judges.prompt import load_template
from judgekit.resources import suites_dir

Messages = tuple[dict[str, str], ...]

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)


@lru_cache(maxsize=8)
def _template(name: str) -> tuple[str, str]:
    t = load_template(str(suites_dir() / "prompts" / "icai" / f"{name}.yaml"))
    return t.system, t.user


def render_text(name: str, part: str = "system", **ctx: Any) -> str:
    """One part ("system" or "user") of an ICAI template, rendered."""
    system, user = _template(name)
    return _ENV.from_string(system if part == "system" else user).render(ctx).strip()


def render_messages(name: str, **ctx: Any) -> Messages:
    """System and user message of an ICAI template (an empty system part is left out)."""
    system = render_text(name, "system", **ctx)
    user = render_text(name, "user", **ctx)
    msgs: list[dict[str, str]] = []
    if system:
        msgs.append({"role": "system", "content": system})
    msgs.append({"role": "user", "content": user})
    return tuple(msgs)


def approx_tokens(text: str) -> int:
    """About four characters per token, the usual rule of thumb for English."""
    return max(1, round(len(text) / 4))
