"""Prompt rendering without a Jinja2 render context per trial gives the bytes Jinja2 gives."""

from __future__ import annotations

from functools import lru_cache

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judgekit.api import load_suite_items
from judgekit.judges.prompt import (
    CONTEXT_NAMES,
    PromptTemplate,
    _simple,
    build_request,
    load_template,
    render_jinja,
    render_source,
    request_key,
)
from judgekit.mitigations import apply_mitigation
from judgekit.resources import suites_dir
from judgekit.suites import build_trials, load_suite

SHIPPED = sorted(p for p in (suites_dir() / "prompts").rglob("*.yaml"))
MITIGATIONS = ("icl", "self-reflection", "system-prompt", "swap")


@lru_cache(maxsize=1)
def bias_trials() -> list:
    """Every probe and condition of the bias suite on the built-in sets, plus the trial mitigations."""
    trials = []
    for data in ("facts", "preferences"):
        spec = load_suite("bias")
        items, _ = load_suite_items(spec, data=data)
        base = build_trials(spec, items, seed=0, options={"repeats": 0, "repeat_fraction": 0.0})
        trials += base + [t for m in MITIGATIONS for t in apply_mitigation(base, m)]
    return tuple(trials)


def test_the_shipped_pairwise_template_takes_the_fast_path() -> None:
    t = load_template("pairwise")
    assert _simple(t.system) is not None and _simple(t.user) is not None


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.relative_to(suites_dir()).as_posix())
def test_every_shipped_template_renders_identically_for_every_bias_trial(path) -> None:
    tmpl = load_template(str(path))
    trials = bias_trials()
    assert len(trials) > 5_000
    assert {t.probe for t in trials} >= {"position", "verbosity", "bandwagon", "authority", "distraction"}
    assert {t.mitigation for t in trials} >= set(MITIGATIONS) - {"swap"}
    # every trial for the pairwise template; templates for other variables fail on the first (a sample)
    for trial in trials if path.stem == "pairwise" else trials[::101]:
        try:
            want = tmpl.render(trial, renderer=render_jinja)
        except jinja2.UndefinedError as exc:  # a template for other variables (factors, icai): same error
            with pytest.raises(jinja2.UndefinedError, match=str(exc)):
                tmpl.render(trial)
            continue
        got = tmpl.render(trial)
        assert got == want, (path.name, trial.trial_id)
        assert [m["content"].encode() for m in got] == [m["content"].encode() for m in want]


def test_build_request_keys_do_not_change() -> None:
    tmpl = load_template("pairwise")
    identity = {"backend": "scripted", "spec": "scripted/gold"}
    for trial in bias_trials()[::37]:
        fast = build_request(tmpl, identity, trial, sample_index=1)
        slow_msgs = tmpl.render(trial, renderer=render_jinja)
        assert fast.messages == slow_msgs
        assert fast.key == request_key(identity, slow_msgs, trial, 1)


TEMPLATES = [
    "{{ question }}|{{ first }}|{{ second }}",
    "{% if between %}[{{ between }}]{% else %}none{% endif %}\n",
    "{% if preamble %}{% if user_prefix %}{{ user_prefix }}{% else %}-{% endif %}{% endif %}{{ first }}\n\n",
    "  {%- if system_extra -%}  x {{ system_extra }}  {%- endif %}  \r\nend\r\n",
    "{# a comment #}{{ question }}{% raw %}{{ not a variable }}{% endraw %}",
]
text = st.one_of(st.just(""), st.just(None), st.integers(-5, 5), st.text(max_size=40),
                 st.sampled_from(["{{ first }}", "\n", "\r\n", "  ", "é ü 中", "{% if %}"]))


@settings(max_examples=300, deadline=None)
@given(source=st.sampled_from(TEMPLATES), values=st.fixed_dictionaries({n: text for n in sorted(CONTEXT_NAMES)}))
def test_fast_path_equals_jinja2_on_arbitrary_values(source: str, values: dict) -> None:
    assert _simple(source) is not None
    assert render_source(source, values) == render_jinja(source, values)


@pytest.mark.parametrize("source", [
    "{{ first | upper }}", "{% for x in [1, 2] %}{{ x }}{% endfor %}", "{% if first == 'a' %}y{% endif %}",
    "{{ first ~ second }}", "{% if first %}a{% elif second %}b{% endif %}", "{% set y = 1 %}{{ y }}",
])
def test_other_templates_go_through_jinja2(source: str) -> None:
    assert _simple(source) is None
    ctx = dict.fromkeys(CONTEXT_NAMES, "a")
    assert render_source(source, ctx) == render_jinja(source, ctx)


def test_an_unknown_variable_is_still_an_error() -> None:
    tmpl = PromptTemplate(name="t", system="", user="{{ question }} {{ response }}")
    trial = bias_trials()[0]
    assert _simple(tmpl.user) is None
    with pytest.raises(jinja2.UndefinedError, match="response"):
        tmpl.render(trial)
