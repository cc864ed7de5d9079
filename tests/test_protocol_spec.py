"""The protocol key of suites, the --protocol plumbing and the mcq letter mapping."""

from pathlib import Path

import pytest

from judgekit.plan import SpecError
from judgekit.plan.spec import parse_suite
from judgekit.plan.trials import effective_protocol
from judgekit.types import Trial, mcq_original_to_presented, mcq_presented_to_original, trial_verdict


def test_suite_protocol_is_validated_and_defaults_to_pairwise():
    spec = parse_suite({"probes": ["position"]}, Path("s.yaml"))
    assert spec.protocol == "pairwise"
    assert parse_suite({"probes": ["position"], "protocol": "mcq"}, Path("s.yaml")).protocol == "mcq"
    with pytest.raises(SpecError, match=r"s.yaml: protocol: unknown protocol 'rank'"):
        parse_suite({"probes": ["position"], "protocol": "rank"}, Path("s.yaml"))


def test_effective_protocol_prefers_the_argument():
    spec = parse_suite({"probes": ["position"], "protocol": "pointwise"}, Path("s.yaml"))
    assert effective_protocol(spec, None) == "pointwise"
    assert effective_protocol(spec, "mcq") == "mcq"
    with pytest.raises(ValueError, match="unknown protocol 'x'"):
        effective_protocol(spec, "x")


def test_mcq_letters_map_through_the_option_order():
    order = (2, 0, 3, 1)  # presented A shows original C, B shows A, C shows D, D shows B
    assert [mcq_presented_to_original(x, order) for x in "ABCD"] == ["C", "A", "D", "B"]
    assert [mcq_original_to_presented(x, order) for x in "ABCD"] == ["B", "D", "A", "C"]
    assert mcq_presented_to_original("E", order) is None  # no fifth option
    assert mcq_presented_to_original("invalid", order) is None
    for x in "ABCD":
        assert mcq_original_to_presented(mcq_presented_to_original(x, order), order) == x


def test_trial_verdict_scores_mcq_and_pairwise_trials():
    mcq = Trial("t", "i", "position", "gold_last", "AB", 0, "q", "", "", "D", protocol="mcq",
                options=("w", "x", "y", "gold"), option_order=(1, 2, 3, 0))
    assert trial_verdict(mcq, "D", "A") == ("A", True)
    assert trial_verdict(mcq, "A", "A") == ("B", False)
    assert trial_verdict(mcq, "invalid", "A") == (None, None)
    pair = Trial("t", "i", "position", "control", "BA", 0, "q", "b", "a", "B")
    assert trial_verdict(pair, "B", "A") == ("A", True)
