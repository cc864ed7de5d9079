"""Render trials into judge requests from a prompt template in ``suites/prompts``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from judgekit.engine.keys import request_key
from judgekit.resources import suites_dir
from judgekit.types import JudgeRequest, Trial

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)


@lru_cache(maxsize=64)
def _compile(source: str) -> jinja2.Template:
    return _ENV.from_string(source)


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    system: str
    user: str

    def render(self, trial: Trial) -> tuple[dict[str, str], ...]:
        ctx = {
            "question": trial.prompt,
            "first": trial.first,
            "second": trial.second,
            "system_extra": trial.system_extra,
            "user_prefix": trial.user_prefix,
            "user_suffix": trial.user_suffix,
            "between": trial.between,
            "preamble": trial.preamble,
        }
        msgs: list[dict[str, str]] = []
        system = _compile(self.system).render(ctx).strip()
        if system:
            msgs.append({"role": "system", "content": system})
        msgs.append({"role": "user", "content": _compile(self.user).render(ctx).strip()})
        return tuple(msgs)


@lru_cache(maxsize=16)
def load_template(name_or_path: str = "pairwise") -> PromptTemplate:
    """Load a template by name (``suites/prompts/NAME.yaml``) or by file path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = suites_dir() / "prompts" / f"{name_or_path}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"prompt template not found: {path}")
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
    )
