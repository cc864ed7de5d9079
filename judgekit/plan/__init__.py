"""What a run does, decided before it runs: the validated suite spec and the one planning function."""

from judgekit.plan.spec import CUE_PROBES, PROBES, SpecError, SuiteSpec, available_suites, load_suite
from judgekit.plan.trials import Plan, build_trials, judge_suite, load_suite_items, make_plan, repeat_policy

__all__ = ["CUE_PROBES", "PROBES", "Plan", "SpecError", "SuiteSpec", "available_suites", "build_trials",
           "judge_suite", "load_suite", "load_suite_items", "make_plan", "repeat_policy"]
