"""Render trials into judge requests from a prompt template in ``suites/prompts``.

Templates are Jinja2. One made only of text, ``{{ name }}`` and ``{% if name %}`` over the trial's
variables (the shipped pairwise template) is parsed once by Jinja2 and then rendered by joining
strings, without a Jinja2 render context per trial; the text is the same as Jinja2's
(``tests/test_prompt_render.py``). Any other template is rendered by Jinja2, compiled once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from judgekit.engine.keys import request_key
from judgekit.resources import suites_dir, template_names
from judgekit.types import OPTION_LETTERS, JudgeRequest, Trial

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)

#: the variables a trial gives a pairwise template (see suites/prompts/pairwise.yaml)
CONTEXT_NAMES = frozenset({"question", "first", "second", "system_extra", "user_prefix", "user_suffix", "between",
                           "preamble", "options_block", "letters"})

#: a simple template as a sequence of parts: literal text, a variable name, or (name, then-parts, else-parts)
_Part = str | tuple[str] | tuple[str, tuple[Any, ...], tuple[Any, ...]]


@lru_cache(maxsize=64)
def _compile(source: str) -> jinja2.Template:
    return _ENV.from_string(source)


def _parts(nodes: list[jinja2.nodes.Node]) -> tuple[_Part, ...] | None:
    """``nodes`` as parts, or None when they use anything beyond text, ``{{ name }}`` and ``{% if name %}``."""
    from jinja2 import nodes as n

    out: list[_Part] = []
    for node in nodes:
        if isinstance(node, n.Output):
            for child in node.nodes:
                if isinstance(child, n.TemplateData):
                    out.append(child.data)
                elif isinstance(child, n.Name) and child.name in CONTEXT_NAMES:
                    out.append((child.name,))
                else:
                    return None
        elif (isinstance(node, n.If) and isinstance(node.test, n.Name) and node.test.name in CONTEXT_NAMES
              and not node.elif_):
            then, other = _parts(node.body), _parts(node.else_)
            if then is None or other is None:
                return None
            out.append((node.test.name, then, other))
        else:
            return None
    return tuple(out)


@lru_cache(maxsize=64)
def _simple(source: str) -> tuple[_Part, ...] | None:
    """The parts of a template that needs no Jinja2 runtime (parsed by Jinja2 itself), else None."""
    try:
        return _parts(_ENV.parse(source).body)
    except jinja2.TemplateSyntaxError:
        return None


def _emit(parts: tuple[_Part, ...], ctx: dict[str, Any], out: list[str]) -> None:
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif len(part) == 1:
            out.append(str(ctx[part[0]]))
        else:
            _emit(part[1] if ctx[part[0]] else part[2], ctx, out)  # type: ignore[misc]


def render_source(source: str, ctx: dict[str, Any]) -> str:
    """Render a Jinja2 template: the same text as ``jinja2`` gives, without a render context per call
    when the template is only text, ``{{ name }}`` and ``{% if name %}...{% else %}...{% endif %}``
    over the names of ``ctx`` (the shipped pairwise template is); any other template goes through Jinja2.
    """
    parts = _simple(source)
    if parts is None or not CONTEXT_NAMES <= ctx.keys():
        return _compile(source).render(ctx)
    out: list[str] = []
    _emit(parts, ctx, out)
    return "".join(out)


def render_jinja(source: str, ctx: dict[str, Any]) -> str:
    """The reference rendering through Jinja2 (what :func:`render_source` must equal)."""
    return _compile(source).render(ctx)


def options_block(options: tuple[str, ...]) -> str:
    """The options of an mcq trial as the template shows them: "A. text" lines in presented order."""
    return "\n".join(f"{OPTION_LETTERS[i]}. {text}" for i, text in enumerate(options))


def option_letters(n: int) -> str:
    """The letters of ``n`` options as a prompt names them: "A, B, C or D" ("" without options)."""
    letters = list(OPTION_LETTERS[:n])
    return ", ".join(letters[:-1]) + f" or {letters[-1]}" if n > 1 else "".join(letters)


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    system: str
    user: str

    def context(self, trial: Trial) -> dict[str, Any]:
        """The variables the template sees for ``trial``."""
        return {
            "question": trial.prompt,
            "first": trial.first,
            "second": trial.second,
            "system_extra": trial.system_extra,
            "user_prefix": trial.user_prefix,
            "user_suffix": trial.user_suffix,
            "between": trial.between,
            "preamble": trial.preamble,
            # mcq (suites/prompts/mcq.yaml): prerendered, so the template stays one the fast renderer takes
            "options_block": options_block(trial.options),
            "letters": option_letters(len(trial.options)),
        }

    def render(self, trial: Trial, *, renderer: Callable[[str, dict[str, Any]], str] = render_source
               ) -> tuple[dict[str, str], ...]:
        """The chat messages for ``trial`` (``renderer=render_jinja`` renders through Jinja2 only)."""
        ctx = self.context(trial)
        msgs: list[dict[str, str]] = []
        system = renderer(self.system, ctx).strip()
        if system:
            msgs.append({"role": "system", "content": system})
        msgs.append({"role": "user", "content": renderer(self.user, ctx).strip()})
        return tuple(msgs)


@lru_cache(maxsize=16)
def load_template(name_or_path: str = "pairwise") -> PromptTemplate:
    """Load a template by name (``suites/prompts/NAME.yaml``) or by file path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = suites_dir() / "prompts" / f"{name_or_path}.yaml"
    if not path.is_file():
        known = "" if Path(name_or_path).suffix else f"; templates: {', '.join(template_names())}"
        raise FileNotFoundError(f"unknown prompt template {name_or_path!r}{known}" if known
                                else f"prompt template not found: {path}")
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    for field in ("system", "user"):
        if field not in spec:
            raise ValueError(f"{path}: prompt template lacks the field '{field}'")
    return PromptTemplate(name=spec.get("name", path.stem), system=spec["system"], user=spec["user"])


def build_request(template: PromptTemplate, identity: dict[str, Any], trial: Trial,
                  sample_index: int = 0) -> JudgeRequest:
    messages = template.render(trial)
    prompt = trial.prompt
    if trial.user_prefix or trial.user_suffix:
        # Judges that score responses on their own (reward models) see prompt-level cues here.
        prompt = "\n\n".join(x for x in (trial.user_prefix, trial.prompt, trial.user_suffix) if x)
    return JudgeRequest(
        key=request_key(identity, messages, trial, sample_index),
        messages=messages,
        prompt=prompt,
        first=trial.first,
        second=trial.second,
        sample_index=sample_index,
        followup=trial.followup,
        protocol=trial.protocol,
        options=trial.options,
    )
