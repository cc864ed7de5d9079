"""Local transformers judge: verdicts/s vs raw batched forward passes of the same model, same prompts,
same process, same batches.

    python benchmarks/hf_throughput.py               # embedded SmolLM2 + a tiny random model
    python benchmarks/hf_throughput.py --n 64 --profile

"raw" = the prompts pre-tokenised, length-sorted into the same batches, left-padded, and one
``model(...)`` call per batch with ``logits_to_keep=1``: the floor any judge over this model pays.
"judge" = ``HFJudge.judge(requests)`` end to end (chat template, tokenisation, batching, forward,
softmax over A/B, JudgeOutput objects). Ratio = judge / raw. Runs alternate (raw, judge, raw,
judge...) and the best of each is kept, since the machine is shared.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judgekit.judges.hf import HFJudge, length_batches
from judgekit.judges.prompt import build_request, load_template
from judgekit.probes.position import position_trials


def requests_for(judge: HFJudge, n: int):
    from judgekit.datasets.loaders import load_items

    items = load_items("facts")[: (n + 1) // 2]
    trials = position_trials(items, seed=0)[:n]
    tmpl = load_template("pairwise")
    return [build_request(tmpl, judge.identity(), t) for t in trials]


@torch.inference_mode()
def raw_pass(judge: HFJudge, seqs: list[list[int]]) -> float:
    t0 = time.perf_counter()
    for batch in length_batches([len(s) for s in seqs], judge.batch_size):
        out = judge.model(**judge._inputs([seqs[i] for i in batch]), use_cache=False, **judge._keep_last)
        out.logits[:, -1, :].float().argmax(-1)
    return len(seqs) / (time.perf_counter() - t0)


def judge_pass(judge: HFJudge, reqs) -> float:
    t0 = time.perf_counter()
    n = sum(1 for _ in judge.judge(reqs))
    return n / (time.perf_counter() - t0)


def tiny_random_judge(tokenizer_dir: str) -> HFJudge:
    """A 2-layer, 64-wide Llama with random weights and SmolLM2's tokenizer, saved to a temp folder."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=2048)
    torch.manual_seed(0)
    folder = tempfile.mkdtemp(prefix="judgekit-tiny-")
    LlamaForCausalLM(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    return HFJudge(folder, batch_size=8, spec="hf/tiny-random")


def measure(name: str, judge: HFJudge, n: int, rounds: int, profile: bool) -> tuple[float, float]:
    reqs = requests_for(judge, n)
    seqs = [judge.encode_request(r) for r in reqs]
    raw_pass(judge, seqs[:8])  # warm-up
    raw_best = judge_best = 0.0
    for _ in range(rounds):
        raw_best = max(raw_best, raw_pass(judge, seqs))
        judge_best = max(judge_best, judge_pass(judge, reqs))
    mean_len = sum(map(len, seqs)) / len(seqs)
    print(f"{name}: {len(reqs)} prompts (mean {mean_len:.0f} tokens), batch {judge.batch_size}: "
          f"raw {raw_best:.1f}/s, judge {judge_best:.1f}/s, ratio {judge_best / raw_best:.0%}")
    if profile:
        pr = cProfile.Profile()
        pr.enable()
        judge_pass(judge, reqs)
        pr.disable()
        s = io.StringIO()
        pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(12)
        print("\n".join(s.getvalue().splitlines()[:30]))
    return raw_best, judge_best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=64, help="prompts (default 64)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--skip-smollm2", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    from judgekit.judges.smollm2 import make_smollm2_judge, smollm2_checkpoint

    if not a.skip_smollm2:
        measure("SmolLM2-135M (embedded)", make_smollm2_judge(), a.n, a.rounds, a.profile)
    measure("tiny random Llama (2x64)", tiny_random_judge(str(smollm2_checkpoint())), a.n * 4, a.rounds, a.profile)


if __name__ == "__main__":
    main()
