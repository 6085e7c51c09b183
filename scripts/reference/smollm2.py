#!/usr/bin/env python3
"""Reference outputs for the pretrained llama (SmolLM2-135M-Instruct, GGUF Q4_1).

HF transformers loads the GGUF itself (de-quantized with gguf-py, Q/K rows un-permuted back
to HF's rotate_half layout) and runs it in float32 on the CPU. For a handful of prompts
(ordinary text, code, whitespace runs, digits, unicode, emoji, a chat-templated one) this
records the token ids, the last position's logits (top-20 entries and the L2 norm of the
whole vector) and 24 greedy tokens (argmax, no stop at EOS). A tokenizer-only set of tricky
strings records HF's ids.

Pre-tokenizer: the GGUF says tokenizer.ggml.pre = "smollm", which is what SmolLM2's own
tokenizer.json does: Digits(individual_digits=True) then ByteLevel (GPT-2's regex).
transformers' GGUF converter drops the Digits step (it builds a plain ByteLevel
pre-tokenizer), which differs on whitespace or "½"-like characters before numbers ("  1"),
so the ids recorded as `ids` come from HF's tokenizer with SmolLM2's tokenizer.json
pre-tokenizer restored; the converter's ids are kept beside them as `ids_hf_gguf_converter`.

    scripts/fetch-model                      # models/SmolLM2-135M-Instruct.Q4_1.gguf
    /root/venv/bin/python scripts/reference/smollm2.py   # or any python with torch transformers gguf
writes Tests/Grading/Reference/lego/smollm2.json and bpe_smollm2.json.
"""
import importlib.metadata
import json
import os
import sys

import gguf
import numpy
import tokenizers
import torch
import transformers
from tokenizers import pre_tokenizers
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "Tests", "Grading", "Reference", "lego")
MODEL = os.environ.get("PICOGRAD_MODEL", os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))

PROMPTS = [
    ("text", "The capital of France is"),
    ("code", "def fibonacci(n):\n    if n < 2:\n        return n\n    return"),
    ("whitespace", "a  b   c\n\n\tindented\n    four spaces   \n"),
    ("digits", "In 2024, 3.14159 * 42 = 131.946 and  7 apples"),
    ("unicode", "Café naïve 東京 Ωmega — “quotes” ½ ²"),
    ("emoji", "I love pizza 🍕🎉 and 👍🏽!"),
]
CHAT = [{"role": "user", "content": "What is the capital of France?"}]

TRICKY = [
    "", " ", "  ", "\n", "\n\n\n", "\t", " \t \n", "hello", " hello", "Hello World!",
    "it's I'M we've they'll she'd 'S", "don't  stop", "  1", "a  12", "x = 10  +  20",
    "\t\t3", "١٢٣ ٤", "½ and ²", "3.14159265358979", "1,000,000.00$",
    "東京タワーは高い", "Ωmega ünïcödé Ärger", "🍕🎉👍🏽👨‍👩‍👧", "e\u0301 combining",
    "def f(x):\n\treturn x**2  # square\n", "<|im_start|>user\nhi<|im_end|>\n",
    "text<|endoftext|>more", "<|im_start|><|im_end|>", "a\u00a0b\u2003c", "<not special> <|im_start",
    "    indented code\n        more", "ALL CAPS AND lower", "http://example.com/path?q=1&r=2",
]


def main():
    if not os.path.exists(MODEL):
        sys.exit(f"model not found: {MODEL} (run scripts/fetch-model)")
    folder, name = os.path.split(os.path.abspath(MODEL))
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    backend = tok.backend_tokenizer
    converter_ids = {s: backend.encode(s, add_special_tokens=False).ids for s in TRICKY}
    backend.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])

    def encode(s):
        return backend.encode(s, add_special_tokens=False).ids

    versions = {"torch": torch.__version__, "transformers": transformers.__version__,
                "tokenizers": tokenizers.__version__, "gguf": importlib.metadata.version("gguf"),
                "accelerate": importlib.metadata.version("accelerate"),
                "numpy": numpy.__version__, "python": sys.version.split()[0]}

    cases = [{"text": s, "ids": encode(s), "ids_hf_gguf_converter": converter_ids[s],
              "decoded": backend.decode(encode(s), skip_special_tokens=False)} for s in TRICKY]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "bpe_smollm2.json"), "w") as f:
        json.dump({"model": name, "versions": versions, "pre_tokenizer": "Digits(individual) + ByteLevel",
                   "cases": cases}, f, indent=1, ensure_ascii=False)
    print(f"bpe_smollm2.json: {len(cases)} strings, "
          f"{sum(c['ids'] != c['ids_hf_gguf_converter'] for c in cases)} differ from the GGUF converter's ids")

    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, torch_dtype=torch.float32)
    model.eval()
    chat_text = tok.apply_chat_template(CHAT, tokenize=False, add_generation_prompt=True)
    prompts = PROMPTS + [("chat", chat_text)]
    out = []
    with torch.no_grad():
        for pname, text in prompts:
            ids = encode(text)
            logits = model(torch.tensor([ids])).logits[0, -1].double()
            top = torch.topk(logits, 20)
            greedy, seq = [], list(ids)
            for _ in range(24):   # plain argmax, no stop at EOS
                nxt = int(model(torch.tensor([seq])).logits[0, -1].argmax())
                greedy.append(nxt)
                seq.append(nxt)
            out.append({"name": pname, "text": text, "ids": ids,
                        "top_logits": [[int(i), float(v)] for v, i in zip(top.values, top.indices)],
                        "logits_norm": float(logits.norm()), "greedy": greedy,
                        "greedy_text": backend.decode(greedy, skip_special_tokens=False)})
            print(f"{pname}: {len(ids)} ids, top {int(top.indices[0])}, greedy {backend.decode(greedy)!r}")
    with open(os.path.join(OUT, "smollm2.json"), "w") as f:
        json.dump({"model": name, "versions": versions, "dtype": "float32", "chat_messages": CHAT,
                   "prompts": out}, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
