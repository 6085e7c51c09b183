#!/usr/bin/env python3
"""HF transformers twin of `picograd generate`: the same GGUF, prompt and greedy decoding
(KV cache, float32, torch.set_num_threads(2)); prints the same closing line (prompt tokens/s,
generated tokens/s), or JSON with --json.

    /root/venv/bin/python scripts/bench-twins/generate_hf.py "The capital of France is" --tokens 64
    swift run -c release picograd generate "The capital of France is" --tokens 64
"""
import argparse
import json
import os
import time

import torch
from tokenizers import pre_tokenizers
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("prompt")
    ap.add_argument("--model", default=os.environ.get("PICOGRAD_MODEL", os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")))
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--chat", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (the GPU twin of --device cuda)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    folder, name = os.path.split(os.path.abspath(a.model))
    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    tok.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence([   # SmolLM2's tokenizer.json
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).eval().to(a.device)
    load = time.perf_counter() - t0
    text = a.prompt
    if a.chat:   # ChatTemplate.render: SmolLM2's default system turn, the user turn, the opened assistant turn
        text = ("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                f"<|im_start|>user\n{a.prompt}<|im_end|>\n<|im_start|>assistant\n")
    ids = tok.backend_tokenizer.encode(text, add_special_tokens=False).ids
    stops = {2, tok.eos_token_id}
    out = []
    with torch.no_grad():
        model(torch.tensor([ids], device=a.device))   # warm-up (first-call allocations), not timed
        t = time.perf_counter()
        r = model(torch.tensor([ids], device=a.device), use_cache=True)
        if a.device.startswith("cuda"):
            torch.cuda.synchronize()   # the GPU's work is queued: wait for it before reading the clock
        prefill = time.perf_counter() - t
        past, nxt = r.past_key_values, int(r.logits[0, -1].argmax())
        decode, steps = 0.0, 0
        while len(out) < a.tokens and nxt not in stops:
            out.append(nxt)
            if len(out) == a.tokens:
                break
            t = time.perf_counter()
            r = model(torch.tensor([[nxt]], device=a.device), past_key_values=past, use_cache=True)
            past, nxt = r.past_key_values, int(r.logits[0, -1].argmax())
            decode += time.perf_counter() - t
            steps += 1
    prompt_rate, decode_rate = len(ids) / prefill, (steps / decode if steps else 0.0)
    if a.json:
        print(json.dumps([{"suite": "llama", "name": "prompt_tokens_per_s", "value": prompt_rate, "unit": "tokens/s"},
                          {"suite": "llama", "name": "decode_tokens_per_s", "value": decode_rate, "unit": "tokens/s"}]))
        return
    where = torch.cuda.get_device_name() if a.device.startswith("cuda") else f"{a.threads} threads"
    print(f"loaded {name} in {load:.2f}s (HF transformers, torch {torch.__version__}, {where})")
    print(("" if a.chat else a.prompt) + tok.decode(out))
    print(f"prompt: {len(ids)} tokens, {prompt_rate:.1f} tokens/s | generated: {len(out)} tokens, {decode_rate:.1f} tokens/s")


if __name__ == "__main__":
    main()
