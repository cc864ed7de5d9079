"""Helpers shared by probes: per-item randomness and presentation order."""

from __future__ import annotations

import hashlib
import random

from judgekit.types import Item, Order, original_to_presented


def item_rng(seed: int, item_id: str, *salt: str) -> random.Random:
    """An RNG derived from (run seed, item id, salt): independent of ordering and concurrency."""
    digest = hashlib.sha256("\x1f".join((str(seed), item_id, *salt)).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def make_trial_id(item_id: str, probe: str, condition: str, order: str, repeat: int) -> str:
    return f"{item_id}|{probe}|{condition}|{order}|{repeat}"


def present(item: Item, order: Order, a_text: str | None = None, b_text: str | None = None
            ) -> tuple[str, str, str | None]:
    """Texts in presented order and where the gold response sits ("A"/"B"/"tie"/None)."""
    a = item.response_a if a_text is None else a_text
    b = item.response_b if b_text is None else b_text
    gold = original_to_presented(item.label, order) if item.label else None
    return (a, b, gold) if order == "AB" else (b, a, gold)
