"""Provider batch APIs (OpenAI Batch, Anthropic Message Batches) and batch JSONL import/export."""

from judgekit.batch.jsonl import ReplayJudge, export_requests, read_outputs
from judgekit.batch.judge import BatchJudge, BatchStore

__all__ = ["BatchJudge", "BatchStore", "ReplayJudge", "export_requests", "read_outputs"]
