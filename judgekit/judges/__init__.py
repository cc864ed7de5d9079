"""Judge backends behind one protocol (:class:`judgekit.judges.base.Judge`)."""

from judgekit.judges.base import Judge, JudgeError
from judgekit.judges.parse import parse_verdict
from judgekit.judges.registry import DEFAULT_JUDGE, make_judge

__all__ = ["DEFAULT_JUDGE", "Judge", "JudgeError", "make_judge", "parse_verdict"]
