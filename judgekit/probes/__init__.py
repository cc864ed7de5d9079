"""Probes: pure, seeded functions ``items -> trials``. A probe never calls a model."""

from judgekit.probes.base import item_rng, make_trial_id
from judgekit.probes.position import position_trials

__all__ = ["item_rng", "make_trial_id", "position_trials"]
