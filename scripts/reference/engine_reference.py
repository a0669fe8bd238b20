#!/usr/bin/env python3
"""Reference outputs for pairsmith's Qwen3 engine, computed with Hugging Face transformers in fp32.

Usage:
  engine_reference.py embed  --model DIR --max-length N < texts.jsonl   # {"text","instruction"?} -> {"ids","embedding"}
  engine_reference.py rerank --model DIR < pairs.jsonl                 # {"query","document","instruction"?} -> {"ids","score"}
  engine_reference.py speed  --model DIR --batch 8 < texts.jsonl      # {"tokens","seconds","tokens_per_second"}

As a module, embedding_reference()/reranker_reference() build the parity cases the Swift tests read.
The model is always (re)loaded from the saved folder in fp32 (spec pitfall 29: a live model cast back from bf16
keeps a bf16-rounded RoPE buffer). Embeddings: last-token pooling on the final-normed hidden state of the
appended <|endoftext|>, slice to the MRL dimension, then L2-normalise. Reranker: sigmoid(z_yes - z_no) of the
last position's logits of the tied lm_head.
"""
import argparse
import json
import os
import random
import sys

import torch
from tokenizers import Tokenizer

EOS = "<|endoftext|>"
DEFAULT_TASK = "Given a web search query, retrieve relevant passages that answer the query"
RERANK_PREFIX = ("<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the "
                 "Instruct provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n")
RERANK_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"

WORDS = ("the of and to in is was for on that with as by at from his her an which were are this be has had not "
         "but they it or have one all their been also new first two who after time would other there more into "
         "river mountain city library question answer engine protein galaxy theorem harvest violin ocean "
         "Beijing gravity capital planet learning neural network embedding retrieval passage document query "
         "über café naïve résumé Straße München 東京 北京 数据 模型 検索 données recherche búsqueda "
         "COVID-19 2024 3.14159 e=mc² (hello) [world] {x:1} \"quoted\" it's we'll they're C++ #tag @user "
         "https://example.org/path?q=1 tab\there new\nline").split(" ")


def make_text(rng, words):
    """A pseudo-random text of about `words` words with some punctuation and line breaks."""
    out = []
    for i in range(words):
        w = rng.choice(WORDS)
        if i == 0 or rng.random() < 0.08:
            w = w[:1].upper() + w[1:]
        out.append(w)
        if rng.random() < 0.07:
            out[-1] += rng.choice([".", ",", ";", "!", "?", ":"])
        if rng.random() < 0.02:
            out[-1] += "\n"
    return " ".join(out)


def load_model(folder, causal_lm):
    """Loads the saved folder in fp32 (never reuse a live model that was cast to bf16)."""
    from transformers import Qwen3ForCausalLM, Qwen3Model
    cls = Qwen3ForCausalLM if causal_lm else Qwen3Model
    model = cls.from_pretrained(folder, dtype=torch.float32)
    model.eval()
    return model


def embedding_ids(tok, eos_id, text, max_length):
    """Tokenises with specials, appends <|endoftext|> when the tokenizer did not, keeps max_length-1 content + EOS."""
    ids = tok.encode(text, add_special_tokens=True).ids
    if not ids or ids[-1] != eos_id:
        ids = ids + [eos_id]
    if len(ids) > max_length:
        ids = ids[: max_length - 1] + [eos_id]
    return ids


@torch.no_grad()
def pooled(model, ids):
    """The final-normed hidden state of the last token (fp32)."""
    out = model(input_ids=torch.tensor([ids]))
    return out.last_hidden_state[0, -1].to(torch.float64)


def mrl(vec, dim):
    """Slice to `dim`, then L2-normalise."""
    v = vec[:dim]
    return (v / v.norm()).tolist()


def format_query(instruction, text):
    """The Qwen3-Embedding query prompt: `Instruct: {task}\\nQuery:{query}` (no space after the colon)."""
    return f"Instruct: {instruction}\nQuery:{text}" if instruction is not None else text


def embedding_reference(folder, seed):
    """Parity cases for an embedding checkpoint: texts with/without instruction, several dims, truncation."""
    rng = random.Random(seed)
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    eos_id = tok.token_to_id(EOS)
    model = load_model(folder, causal_lm=False)
    hidden = model.config.hidden_size
    dims = sorted({32, (32 + hidden) // 2, hidden})
    lengths = [1, 2, 5, 12, 30, 70, 140, 200, 290]
    cases = []
    for n, words in enumerate(lengths):
        text = make_text(rng, words)
        instruction = None if n % 3 == 0 else (DEFAULT_TASK if n % 3 == 1 else "Find passages about " + rng.choice(WORDS))
        full = format_query(instruction, text)
        ids = embedding_ids(tok, eos_id, full, 8192)
        vec = pooled(model, ids)
        cases.append({"text": text, "instruction": instruction, "ids": ids, "max_length": 8192,
                      "embeddings": {str(d): mrl(vec, d) for d in dims}})
    # Truncation: a long document and a long query cut to 24 and 40 tokens (EOS kept last).
    for max_length, instruction in [(24, None), (40, DEFAULT_TASK)]:
        text = make_text(rng, 120)
        ids = embedding_ids(tok, eos_id, format_query(instruction, text), max_length)
        vec = pooled(model, ids)
        cases.append({"text": text, "instruction": instruction, "ids": ids, "max_length": max_length,
                      "embeddings": {str(d): mrl(vec, d) for d in dims}})
    return {"kind": "embedding", "hidden": hidden, "dims": dims, "cases": cases}


def reranker_ids(tok, query, document, instruction, max_length):
    """Spec §6: prefix + body (truncated to fit) + suffix; no EOS."""
    prefix = tok.encode(RERANK_PREFIX, add_special_tokens=False).ids
    suffix = tok.encode(RERANK_SUFFIX, add_special_tokens=False).ids
    body = f"<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}"
    body_ids = tok.encode(body, add_special_tokens=False).ids[: max_length - len(prefix) - len(suffix)]
    return prefix + body_ids + suffix


@torch.no_grad()
def rerank_score(model, ids, yes_id, no_id):
    """sigmoid(z_yes - z_no) at the last position."""
    logits = model(input_ids=torch.tensor([ids])).logits[0, -1].to(torch.float64)
    return float(torch.sigmoid(logits[yes_id] - logits[no_id]))


def reranker_reference(folder, seed):
    """Parity cases for a reranker checkpoint: default and custom instructions, a truncated body."""
    rng = random.Random(seed)
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    yes_id, no_id = tok.token_to_id("yes"), tok.token_to_id("no")
    model = load_model(folder, causal_lm=True)
    cases = []
    for n, (qw, dw) in enumerate([(3, 10), (6, 40), (10, 120), (4, 300), (8, 5)]):
        query, document = make_text(rng, qw), make_text(rng, dw)
        instruction = DEFAULT_TASK if n % 2 == 0 else "Judge relevance for " + rng.choice(WORDS)
        ids = reranker_ids(tok, query, document, instruction, 8192)
        cases.append({"query": query, "document": document, "instruction": instruction, "max_length": 8192,
                      "ids": ids, "score": rerank_score(model, ids, yes_id, no_id)})
    query, document = make_text(rng, 5), make_text(rng, 200)
    ids = reranker_ids(tok, query, document, DEFAULT_TASK, 120)
    cases.append({"query": query, "document": document, "instruction": DEFAULT_TASK, "max_length": 120,
                  "ids": ids, "score": rerank_score(model, ids, yes_id, no_id)})
    return {"kind": "reranker", "yes": yes_id, "no": no_id, "cases": cases}


@torch.no_grad()
def speed(folder, batch, texts):
    """Times transformers fp32 on `texts` in batches of `batch` (left padding, as the model card does)."""
    import time
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    eos_id = tok.token_to_id(EOS)
    model = load_model(folder, causal_lm=False)
    seqs = [embedding_ids(tok, eos_id, t, 8192) for t in texts]
    model(input_ids=torch.tensor([seqs[0][:16]]))  # warm-up
    start, tokens = time.perf_counter(), 0
    for i in range(0, len(seqs), batch):
        group = seqs[i:i + batch]
        width = max(len(s) for s in group)
        ids = torch.tensor([[eos_id] * (width - len(s)) + s for s in group])
        mask = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in group])
        out = model(input_ids=ids, attention_mask=mask).last_hidden_state[:, -1]
        torch.nn.functional.normalize(out, p=2, dim=1)
        tokens += sum(len(s) for s in group)
    seconds = time.perf_counter() - start
    print(json.dumps({"tokens": tokens, "seconds": seconds, "tokens_per_second": tokens / seconds}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["embed", "rerank", "speed"])
    ap.add_argument("--model", required=True)
    ap.add_argument("--max-length", type=int, default=8192)
    ap.add_argument("--batch", type=int, default=8)
    args = ap.parse_args()
    if args.mode == "speed":
        return speed(args.model, args.batch, [json.loads(line)["text"] for line in sys.stdin if line.strip()])
    tok = Tokenizer.from_file(os.path.join(args.model, "tokenizer.json"))
    model = load_model(args.model, causal_lm=args.mode == "rerank")
    for line in sys.stdin:
        if not line.strip():
            continue
        item = json.loads(line)
        instruction = item.get("instruction")
        if args.mode == "embed":
            ids = embedding_ids(tok, tok.token_to_id(EOS), format_query(instruction, item["text"]), args.max_length)
            vec = pooled(model, ids)
            print(json.dumps({"ids": ids, "embedding": mrl(vec, model.config.hidden_size)}))
        else:
            ids = reranker_ids(tok, item["query"], item["document"], instruction or DEFAULT_TASK, args.max_length)
            print(json.dumps({"ids": ids, "score": rerank_score(model, ids, tok.token_to_id("yes"),
                                                                 tok.token_to_id("no"))}))


if __name__ == "__main__":
    main()
