"""judgekit: audit LLM judges, reward models and human preference data."""

__version__ = "0.1.0"
