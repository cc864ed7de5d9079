"""The one planning function: suite spec -> items -> trials, with the repeat policy and mitigations.

``judgekit eval``, ``eval --dry-run`` and ``judgekit judge`` all call :func:`make_plan`; what they
run (or count) is the :class:`Plan` it returns, so the three cannot disagree about the trials.

Repeat policy: ``repeats`` identical re-asks per order on a seeded ``repeat_fraction`` of the
items, from the arguments, else the suite's defaults; a deterministic judge gets none unless
``repeats`` is given (identical requests to it give identical answers).

Mitigations: in ``compare`` mode (an evaluation) each trial mitigation adds a copy of every trial
under its own label, next to the unmitigated trials, so that each fix is measured against none
on the same items; aggregate mitigations (swap, calibrate) add no trials. In ``compose`` mode
(production judging) the trial mitigations are applied together to the only copy of each trial.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from judgekit.datasets.loaders import check_limit, load_items, resolve_path
from judgekit.datasets.schema import DatasetError
from judgekit.engine.runner import RunSpec
from judgekit.mitigations import apply_mitigation, compose, parse_mitigations
from judgekit.plan.spec import PROBES, SuiteSpec
from judgekit.types import PROTOCOLS, Item, Trial

MitigationMode = Literal["compare", "compose"]
#: built-in pairwise data sets: under ``--protocol mcq`` a suite's use of them means the built-in ``mcq`` set
PAIRWISE_SETS = ("facts", "preferences")


@dataclass(frozen=True)
class Plan:
    """Everything a run does, decided before any model is called."""

    suite: SuiteSpec
    items: list[Item]
    dataset: str
    trials: list[Trial]
    template: str
    repeats: int
    repeat_fraction: float
    mitigations: list[str]
    seed: int
    #: what identifies the run: two plans with equal run specs resume the same run
    run_spec: RunSpec
    #: what ``runs.config`` records about the run
    config: dict[str, Any]


def _sample(items: list[Item], n: int, seed: int) -> list[Item]:
    """A seeded sample of ``n`` items, kept in dataset order."""
    if len(items) <= n:
        return items
    keep = set(random.Random(f"{seed}|sample").sample(range(len(items)), n))
    return [it for i, it in enumerate(items) if i in keep]


def load_suite_items(spec: SuiteSpec, *, data: str | None = None, mapping: str | dict[str, str] | None = None,
                     split: str = "train", limit: int | None = None, kind: str | None = None,
                     seed: int = 0, protocol: str | None = None) -> tuple[list[Item], str]:
    """The items of a run and the dataset name: ``data`` if given, else the suite's built-in sets.

    ``protocol`` is the run's (``--protocol``; default the suite's). Under ``mcq`` the items are
    multiple-choice questions (:mod:`judgekit.datasets.mcq`) and a suite's built-in pairwise sets
    (facts, preferences) are replaced by the built-in ``mcq`` set.

    ``limit`` takes a seeded sample of that many items from each dataset; without it the
    suite's ``sample_per_dataset`` applies to its built-in sets.
    """
    check_limit(limit)
    sources = [data] if data else list(spec.data)
    mcq = (protocol or spec.protocol) == "mcq"
    if mcq and not data:  # the built-in pairwise sets stand for the built-in multiple-choice set
        sources = list(dict.fromkeys("mcq" if s in PAIRWISE_SETS else s for s in sources))
    n = limit if limit is not None else (None if data else spec.default("sample_per_dataset"))
    items: list[Item] = []
    seen: dict[str, str] = {}
    for src in sources:
        if mcq:
            from judgekit.datasets.mcq import load_mcq_items

            loaded = load_mcq_items(src, mapping=mapping if data else None, split=split, kind=kind)
        else:
            loaded = load_items(src, mapping=mapping if data else None, split=split, kind=kind)
        for it in _sample(loaded, int(n), seed) if n else loaded:
            if it.id in seen:
                raise DatasetError(resolve_path(src), None, "id", f"id {it.id!r} also occurs in {seen[it.id]}")
            seen[it.id] = resolve_path(src)
            items.append(it)
    names = [s if s.startswith("hf://") else Path(resolve_path(s)).name for s in sources]
    return items, "+".join(names)


def build_trials(suite: SuiteSpec, items: list[Item], *, seed: int, options: dict[str, Any],
                 protocol: str = "pairwise") -> list[Trial]:
    """Every probe's trials on ``items`` under ``protocol``; ``options`` are the repeat settings."""
    if protocol != "pairwise":
        from judgekit.plan.protocols import protocol_trials

        return protocol_trials(protocol, suite, items, seed=seed, options=options)
    trials: list[Trial] = []
    for probe in suite.probes:
        trials.extend(PROBES[probe](items, seed=seed, **options, **suite.probe_options.get(probe, {})))
    return trials


def repeat_policy(suite: SuiteSpec, *, stochastic: bool, repeats: int | None = None,
                  repeat_fraction: float | None = None) -> tuple[int, float]:
    """(repeats, repeat_fraction) of a run; see the module docstring."""
    n_rep = int(repeats if repeats is not None else suite.default("repeats", 0))
    frac = float(repeat_fraction if repeat_fraction is not None else suite.default("repeat_fraction", 0.0))
    if repeats is None and not stochastic:
        n_rep = 0
    return n_rep, frac if n_rep else 0.0


def make_plan(suite: SuiteSpec, items: list[Item], dataset: str, *, seed: int = 0, stochastic: bool = False,
              repeats: int | None = None, repeat_fraction: float | None = None, template: str | None = None,
              mitigations: str | list[str] | None = None, mode: MitigationMode = "compare",
              config: dict[str, Any] | None = None, protocol: str | None = None) -> Plan:
    """The plan of a run of ``suite`` on ``items``; ``config`` adds what the caller records in ``runs.config``.

    ``protocol`` (``--protocol``) overrides the suite's; the template defaults to the protocol's own
    (:func:`protocol_template`) unless the suite or ``template`` names one for that protocol."""
    proto = effective_protocol(suite, protocol)
    n_rep, frac = repeat_policy(suite, stochastic=stochastic, repeats=repeats, repeat_fraction=repeat_fraction)
    options = {"repeats": n_rep, "repeat_fraction": frac}
    mits = parse_mitigations(mitigations)
    if proto == "mcq" and mits[1:]:
        raise ValueError(f"mitigations ({', '.join(mits[1:])}) are written for pairwise judging; the mcq protocol "
                         "runs without them")
    trials = build_trials(suite, items, seed=seed, options=options, protocol=proto)
    if mode == "compose":
        trials = compose(trials, mits)
    else:
        trials += [t for m in mits for t in apply_mitigation(trials, m)]
    tmpl = template or (suite.template if proto == suite.protocol else protocol_template(proto))
    if mode == "compose":
        probe_config: dict[str, Any] = {"mitigations": mits}
        cfg: dict[str, Any] = {"mitigations": mits, "probes": list(suite.probes)}
    else:
        # Everything that changes the set of trials is in the spec, so only an identical command resumes a run.
        probe_config = {**options, "probes": list(suite.probes), "mitigations": mits,
                        "probe_options": suite.probe_options}
        cfg = {"probes": list(suite.probes), "template": tmpl, "n_items": len(items), "mitigations": mits,
               **options}
    if proto != "pairwise":  # a pairwise run keeps the spec (and the fingerprint) it had before protocols existed
        probe_config["protocol"] = proto
        cfg["protocol"] = proto
        ran = {t.probe for t in trials}
        cfg["probes"] = [p for p in suite.probes if p in ran]  # mcq leaves out the probes it has no form of
    run_spec = RunSpec(suite=suite.name, dataset=dataset, seed=seed, template=tmpl, probe_config=probe_config)
    return Plan(suite=suite, items=items, dataset=dataset, trials=trials, template=tmpl, repeats=n_rep,
                repeat_fraction=frac, mitigations=mits, seed=seed, run_spec=run_spec, config={**cfg, **(config or {})})


def effective_protocol(suite: SuiteSpec, protocol: str | None) -> str:
    """The protocol of a run: ``protocol`` when given, else the suite's."""
    proto = protocol or suite.protocol
    if proto not in PROTOCOLS:
        raise ValueError(f"unknown protocol {proto!r}; valid: {', '.join(PROTOCOLS)}")
    return proto


def protocol_template(protocol: str) -> str:
    """The built-in judge prompt template of ``protocol`` (``suites/prompts/<protocol>.yaml``)."""
    return protocol


def judge_suite(mitigations: list[str]) -> SuiteSpec:
    """The suite of ``judgekit judge``: the position probe, unperturbed, in both orders when an aggregate
    mitigation (swap, calibrate) needs them and in the original order otherwise."""
    both = "swap" in mitigations or "calibrate" in mitigations
    return SuiteSpec(name="judge", path=Path("judge"), probes=("position",), template="pairwise",
                     defaults={"repeats": 0},
                     probe_options={"position": {"orders": ("AB", "BA") if both else ("AB",)}})
