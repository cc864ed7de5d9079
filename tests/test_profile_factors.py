"""Deterministic factor measurers and the score parser, against hand-computed values."""

import math

import pytest

from judgekit.analysis.profile import factors as F
from judgekit.analysis.profile.extract import load_factor_prompt, parse_score


def test_length_lists_markdown():
    assert F.length("one two  three\nfour") == 4
    md = "# Title\n\n- one\n- two\n\n**bold** text and *it*\n\n```\ncode\n```\n> quote\n| a | b |"
    assert F.lists(md) == 2
    # header 1 + list items 2 + emphasis 2 + code block 1 + quote 1 + table row 1
    assert F.markdown(md) == 8
    assert F.markdown("plain text, 2 * 3 = 6") == 0
    assert F.lists("1. first\n2) second\n* third\nnot a list") == 3


def test_readability_by_hand():
    # 6 words, 1 sentence, 6 syllables: 206.835 - 1.015 * 6 - 84.6 * 1
    assert F.readability("The cat sat on the mat.") == pytest.approx(116.145)
    # Reading(2) is(1) beautiful(3) Dogs(1) run(1): 5 words, 2 sentences, 8 syllables
    assert F.readability("Reading is beautiful. Dogs run.") == pytest.approx(206.835 - 1.015 * 2.5 - 84.6 * 1.6)
    assert F.syllables("make") == 1 and F.syllables("table") == 2 and F.syllables("the") == 1
    assert F.readability("12 34") == 0.0


def test_hedging_repetition_citations_numbers_formality():
    assert F.hedging("This might work, perhaps.") == pytest.approx(50.0)
    assert F.hedging("") == 0.0
    assert F.repetition("a b c a b c") == pytest.approx(0.25)
    assert F.repetition("a b") == 0.0
    assert F.citations("See https://x.org/a and [1], according to Smith.") == 3
    assert F.numbers("In 2020, 3.5% of 1,000 people left.") == 3
    assert F.formality("I can't go! lol") == pytest.approx(-75.0)
    assert F.formality("The committee approved the proposal.") == 0.0


def test_taxonomy_and_split():
    groups = {f.group for f in F.FACTORS.values()}
    assert groups == {"task-agnostic", "task-specific"}
    for name in ("length", "fluency", "formality", "intent_alignment", "facts", "source_coverage", "off_focus",
                 "hallucination", "coherence", "misinformation", "helpfulness", "receptiveness"):
        assert name in F.FACTORS
    for name in F.LLM_FACTORS:  # every LLM factor has a prompt in suites/
        assert load_factor_prompt(name).scale
    det, llm = F.split_factors(["length", "facts"], with_llm=True)
    assert det == ["length"] and llm == ["facts"]
    with pytest.raises(ValueError, match="extractor"):
        F.split_factors(["facts"], with_llm=False)
    with pytest.raises(ValueError, match="unknown factor"):
        F.split_factors(["shininess"], with_llm=True)
    assert set(F.measure("a b", ["length", "hedging"])) == {"length", "hedging"}


@pytest.mark.parametrize(("text", "scale", "expected"), [
    ("Score: 4", "1-5", 4.0),
    ("There are 3 claims here.\nScore: 5", "count", 5.0),
    ('{"score": 2}', "1-5", 2.0),
    ("4/5", "1-5", 4.0),
    (" 7. ", "count", 7.0),
    ("**3**", "count", 3.0),
    ("I count 6 facts in total", "count", 6.0),
    ("none", "count", 0.0),
    ("Three", "count", 3.0),
    ("Score: 9", "1-5", None),           # outside the scale: missing, not clipped
    ("between 2 and 4", "count", None),  # ambiguous
    ("I cannot tell.", "1-5", None),
    ("", "count", None),
    (None, "count", None),
    ("Score: -1", "count", None),
])
def test_parse_score(text, scale, expected):
    got = parse_score(text, scale)
    assert got == expected or (expected is None and got is None)
    assert got is None or not math.isnan(got)
