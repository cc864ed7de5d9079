import json
import os
import random
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Tests read stderr for error lines; progress lines are tested on their own (tests/test_console.py).
os.environ.setdefault("JUDGEKIT_PROGRESS", "off")


def write_fact_items(path: Path, n: int, seed: int = 1) -> Path:
    """Fact items with a balanced, known gold position."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            right, wrong = f"The answer is {i * 7}.", f"The answer is {i * 7 + 1}."
            label = rng.choice("AB")
            a, b = (right, wrong) if label == "A" else (wrong, right)
            fh.write(json.dumps({"id": f"q{i}", "prompt": f"What is {i} times 7?", "response_a": a,
                                 "response_b": b, "label": label, "kind": "fact"}) + "\n")
    return path


@pytest.fixture
def fact_file(tmp_path: Path) -> Path:
    return write_fact_items(tmp_path / "facts.jsonl", 200)
