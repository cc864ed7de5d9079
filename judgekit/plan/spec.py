"""The suite spec (``suites/NAME.yaml``): typed, validated, with the defaults its file writes.

A suite file holds these keys and no others::

    name: bias                 # defaults to the file name
    version: 1                 # spec format version (1 when absent)
    kind: probe                # probe (default) | profile | icai
    description: ...
    probes: [position, ...]    # probe and profile suites
    data: [facts, preferences] # built-in set names, files or hf:// ids
    template: pairwise         # judge prompt template
    protocol: pairwise         # pairwise (default) | pointwise | mcq (``--protocol`` overrides it)
    defaults: {...}            # the keys listed in DEFAULT_KEYS[kind]
    probe_options:             # per probe: keyword options of that probe's trial builder
      bandwagon: {placement: user}

Every unknown key, unknown probe and misspelt probe option is a :class:`SpecError` whose one-line
message names the file and the key. The valid probe options are read from the probe functions'
own signatures, so the spec and the probes cannot drift apart.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from judgekit.probes.attach import authority_trials, distraction_trials, diversity_trials, refinement_trials
from judgekit.probes.bandwagon import bandwagon_trials
from judgekit.probes.fallacy import fallacy_trials
from judgekit.probes.identity import identity_trials
from judgekit.probes.position import position_trials
from judgekit.probes.reflection import reflection_trials
from judgekit.probes.verbosity import verbosity_trials
from judgekit.resources import suites_dir
from judgekit.types import PROTOCOLS, Trial

SuiteKind = Literal["probe", "profile", "icai"]
SPEC_VERSION = 1
KINDS: tuple[str, ...] = ("probe", "profile", "icai")

ProbeFn = Callable[..., list[Trial]]
PROBES: dict[str, ProbeFn] = {
    "position": position_trials,
    "bandwagon": bandwagon_trials,
    "authority": authority_trials,
    "verbosity": verbosity_trials,
    "distraction": distraction_trials,
    "reflection": reflection_trials,
    "identity": identity_trials,
    "diversity": diversity_trials,
    "refinement": refinement_trials,
    "fallacy": fallacy_trials,
}
CUE_PROBES = ("bandwagon", "authority", "verbosity", "distraction", "reflection", "identity", "diversity",
              "refinement")
#: probe-function parameters the planner sets itself; a suite cannot set them per probe
PLANNER_ARGS = ("items", "seed", "repeats", "repeat_fraction")

TOP_KEYS = ("name", "version", "kind", "description", "probes", "data", "template", "protocol", "defaults",
            "probe_options")
_RUN_DEFAULTS = {"repeats": int, "repeat_fraction": float, "sample_per_dataset": int}
#: the keys ``defaults`` may hold, per kind, with their types (None is allowed for every key)
DEFAULT_KEYS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "probe": dict(_RUN_DEFAULTS),
    "profile": {**_RUN_DEFAULTS, "factors": (list, str), "extractor": str, "n_boot": int, "top_k": int,
                "use_gold": bool},
    "icai": {"principles_k": int, "test_fraction": float, "principles_per_pair": int, "max_propose_pairs": int,
             "embedder": str, "cluster_similarity": float, "representative": str, "min_support": int,
             "max_principles": int, "vote_batch_size": int, "min_relevance": float, "selection": str,
             "min_gain": float, "cv_folds": int, "exclude_length_explained": bool, "n_boot": int},
}


class SpecError(ValueError):
    """A suite file that does not follow the spec; the message names the file and the key."""


@dataclass(frozen=True)
class SuiteSpec:
    """One validated suite. ``defaults`` holds exactly what the file writes (nothing is filled in)."""

    name: str
    path: Path
    kind: SuiteKind = "probe"
    version: int = SPEC_VERSION
    description: str = ""
    probes: tuple[str, ...] = ()
    data: tuple[str, ...] = ("facts",)
    template: str = "pairwise"
    protocol: str = "pairwise"
    defaults: dict[str, Any] = field(default_factory=dict)
    probe_options: dict[str, dict[str, Any]] = field(default_factory=dict)

    def default(self, key: str, fallback: Any = None) -> Any:
        """``defaults[key]`` as the file writes it, else ``fallback``."""
        value = self.defaults.get(key)
        return fallback if value is None else value

    def narrowed(self, probes: list[str] | None) -> SuiteSpec:
        """The same suite with only some of its probes (``--probes a,b``)."""
        if not probes:
            return self
        bad = [p for p in probes if p not in self.probes]
        if bad:
            raise ValueError(f"suite {self.name!r} has no probe {', '.join(bad)}; it has {', '.join(self.probes)}")
        keep = tuple(p for p in self.probes if p in probes)
        return replace(self, probes=keep)


def available_suites() -> list[str]:
    return sorted(p.stem for p in suites_dir().glob("*.yaml"))


def suite_path(name_or_path: str | Path) -> Path:
    """The file of a suite name (``suites/NAME.yaml``) or a YAML path."""
    path = Path(name_or_path)
    return path if path.suffix in (".yaml", ".yml") else suites_dir() / f"{name_or_path}.yaml"


def probe_option_names(probe: str) -> list[str]:
    """The options a suite may set for ``probe``: its trial builder's keyword parameters."""
    params = inspect.signature(PROBES[probe]).parameters
    return sorted(p for p in params if p not in PLANNER_ARGS)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(suites_dir().resolve().parent))
    except ValueError:
        return str(path)


def _check_type(where: str, key: str, value: Any, expected: type | tuple[type, ...]) -> None:
    kinds = expected if isinstance(expected, tuple) else (expected,)
    ok = value is None or isinstance(value, kinds) or (float in kinds and isinstance(value, int))
    if ok and isinstance(value, bool) and bool not in kinds:
        ok = False
    if not ok:
        names = " or ".join(k.__name__ for k in kinds)
        raise SpecError(f"{where}: defaults.{key}: expected {names}, got {value!r}")


def parse_suite(raw: Any, path: Path) -> SuiteSpec:
    """Validate the parsed YAML of a suite file; see the module docstring for the format."""
    where = _shown(path)
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: a suite file must be a mapping of keys, got {type(raw).__name__}")
    for key in raw:
        if key not in TOP_KEYS:
            hint = "; use 'kind'" if key == "analysis" else ""
            raise SpecError(f"{where}: unknown key {key!r} (valid: {', '.join(TOP_KEYS)}){hint}")
    version = raw.get("version", SPEC_VERSION)
    if version != SPEC_VERSION:
        raise SpecError(f"{where}: version: unsupported spec version {version!r} (this judgekit reads "
                        f"version {SPEC_VERSION})")
    kind = raw.get("kind", "probe")
    if kind not in KINDS:
        raise SpecError(f"{where}: kind: unknown kind {kind!r} (valid: {', '.join(KINDS)})")
    probes = raw.get("probes") or []
    if not isinstance(probes, list):
        raise SpecError(f"{where}: probes: expected a list of probe names, got {probes!r}")
    for p in probes:
        if p not in PROBES:
            raise SpecError(f"{where}: probes: unknown probe {p!r} (valid: {', '.join(PROBES)})")
    if kind != "icai" and not probes:
        raise SpecError(f"{where}: probes: a {kind} suite needs at least one probe (valid: {', '.join(PROBES)})")
    if kind == "icai" and probes:
        raise SpecError(f"{where}: probes: an icai suite runs no probes")
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise SpecError(f"{where}: defaults: expected a mapping, got {defaults!r}")
    allowed = DEFAULT_KEYS[kind]
    for key, value in defaults.items():
        if key not in allowed:
            raise SpecError(f"{where}: defaults: unknown key {key!r} for a {kind} suite "
                            f"(valid: {', '.join(sorted(allowed))})")
        _check_type(where, key, value, allowed[key])
    options = raw.get("probe_options") or {}
    if not isinstance(options, dict):
        raise SpecError(f"{where}: probe_options: expected a mapping of probe name to options")
    for probe, opts in options.items():
        if probe not in probes:
            raise SpecError(f"{where}: probe_options.{probe}: not a probe of this suite "
                            f"(its probes: {', '.join(probes) or 'none'})")
        if opts is not None and not isinstance(opts, dict):
            raise SpecError(f"{where}: probe_options.{probe}: expected a mapping of options, got {opts!r}")
        valid = probe_option_names(probe)
        for opt in opts or {}:
            if opt not in valid:
                raise SpecError(f"{where}: probe_options.{probe}: unknown option {opt!r} "
                                f"(valid: {', '.join(valid) or 'none'})")
    protocol = raw.get("protocol", "pairwise")
    if protocol not in PROTOCOLS:
        raise SpecError(f"{where}: protocol: unknown protocol {protocol!r} (valid: {', '.join(PROTOCOLS)})")
    data = raw.get("data", [] if kind == "icai" else "facts")
    data = tuple(data) if isinstance(data, list) else ((str(data),) if data else ())
    return SuiteSpec(name=str(raw.get("name") or path.stem), path=path, kind=kind, version=int(version),
                     description=str(raw.get("description") or "").strip(), probes=tuple(probes), data=data,
                     template=str(raw.get("template") or "pairwise"), protocol=str(protocol),
                     defaults=dict(defaults),
                     probe_options={k: dict(v or {}) for k, v in options.items()})


def load_suite(name_or_path: str | Path, probes: list[str] | None = None) -> SuiteSpec:
    """Load and validate a suite; ``probes`` narrows it to some of its probes (``--probes a,b``)."""
    path = suite_path(name_or_path)
    if not path.is_file():
        raise ValueError(f"unknown suite {str(name_or_path)!r}; available: {', '.join(available_suites())}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise SpecError(f"{_shown(path)}: not valid YAML: {e}") from None
    return parse_suite(raw if raw is not None else {}, path).narrowed(probes)


def is_icai_suite(name_or_path: str) -> bool:
    """True when a suite name or YAML path declares ``kind: icai``."""
    return suite_path(name_or_path).is_file() and load_suite(name_or_path).kind == "icai"
