#!/usr/bin/env python3
"""Times transformers on the engine benchmark's texts, in fp32 or bf16, for `pairsmith-bench engine`.

Usage:
  engine_speed.py --model DIR --dtype float32|bfloat16 --batch 8 --threads 2 < texts.jsonl
      -> {"dtype", "tokens", "seconds", "tokens_per_second"}

Same tokenisation as engine_reference.py (EOS appended), batches of `batch` texts in input order, left padding
(as the model card does), last-token pooling and L2 normalisation, under torch.inference_mode(). bf16 casts the
loaded fp32 model with .to(torch.bfloat16), which on AMX CPUs runs PyTorch's oneDNN bf16 kernels.
"""
import argparse
import json
import os
import sys
import time

import torch
from tokenizers import Tokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_reference  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    texts = [json.loads(line)["text"] for line in sys.stdin if line.strip()]
    torch.set_num_threads(max(1, args.threads))
    tok = Tokenizer.from_file(os.path.join(args.model, "tokenizer.json"))
    eos_id = tok.token_to_id(engine_reference.EOS)
    model = engine_reference.load_model(args.model, causal_lm=False)
    if args.dtype == "bfloat16":
        model = model.to(torch.bfloat16)
    seqs = [engine_reference.embedding_ids(tok, eos_id, t, 8192) for t in texts]
    with torch.inference_mode():
        model(input_ids=torch.tensor([seqs[0][:16]]))  # warm-up
        start, tokens = time.perf_counter(), 0
        for i in range(0, len(seqs), args.batch):
            group = seqs[i:i + args.batch]
            width = max(len(s) for s in group)
            ids = torch.tensor([[eos_id] * (width - len(s)) + s for s in group])
            mask = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in group])
            out = model(input_ids=ids, attention_mask=mask).last_hidden_state[:, -1].float()
            torch.nn.functional.normalize(out, p=2, dim=1)
            tokens += sum(len(s) for s in group)
        seconds = time.perf_counter() - start
    print(json.dumps({"dtype": args.dtype, "tokens": tokens, "seconds": seconds, "tokens_per_second": tokens / seconds}))


if __name__ == "__main__":
    main()
