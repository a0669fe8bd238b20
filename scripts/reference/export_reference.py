#!/usr/bin/env python3
"""Reference exporter for `pairsmith-bench` (the export phase's yardstick): the newest selection of a set, read
from a pairsmith database with sqlite3, written as FlagEmbedding JSONL shards (json.dumps, hashlib per shard,
fsync per shard), rows ordered like `pairsmith export` (document key bytewise, then sample; negatives by rank).
Same work as pairsmith's export minus the manifest and the read-back validation.

    export_reference.py DB OUT_DIR [--set sft|weak] [--shard-size N]

Prints one JSON line: {"rows": N, "shards": S, "seconds": wall seconds of the export itself}.
"""
import argparse
import hashlib
import json
import os
import sqlite3
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("out")
    parser.add_argument("--set", default="sft")
    parser.add_argument("--shard-size", type=int, default=10_000)
    args = parser.parse_args()
    start = time.perf_counter()
    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    con.text_factory = str
    selection, model = con.execute(
        'SELECT id, model FROM selections WHERE "set" = ? ORDER BY id DESC LIMIT 1', (args.set,)).fetchone()
    instruction = ""
    rows = con.execute(
        "SELECT p.id, p.run, d.key, p.sample, p.query, d.text, p.query_language, p.document_language, s.cosine, "
        "ns.requested, ns.found FROM selected_pairs sp JOIN pairs p ON p.id = sp.pair_id "
        "JOIN documents d ON d.id = p.document_id LEFT JOIN scores s ON s.pair_id = p.id AND s.model = ? "
        "LEFT JOIN negative_searches ns ON ns.pair_id = p.id WHERE sp.selection_id = ? "
        "ORDER BY d.key, p.sample, p.run", (model, selection)).fetchall()
    os.makedirs(args.out, exist_ok=True)
    shards = 0
    handle = None
    digest = None
    for index, (pair_id, run, key, sample, query, text, qlang, dlang, cosine, requested, found) in enumerate(rows):
        negatives = con.execute(
            "SELECT d.key, d.text FROM negatives n JOIN documents d ON d.id = n.document_id WHERE n.pair_id = ? "
            "ORDER BY n.rank", (pair_id,)).fetchall()
        line = json.dumps({
            "query": query, "pos": [text], "neg": [t for _, t in negatives], "prompt": instruction,
            "meta": {"run": run, "document": key, "sample": sample, "query_language": qlang,
                     "document_language": dlang, "cosine": cosine, "negatives_requested": requested,
                     "negatives_found": found, "negative_documents": [k for k, _ in negatives]},
        }, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        if index % args.shard_size == 0:
            if handle:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
            handle = open(os.path.join(args.out, f"part-{shards:05d}.jsonl"), "wb")
            digest = hashlib.sha256()
            shards += 1
        handle.write(line)
        digest.update(line)
    if handle:
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
    print(json.dumps({"rows": len(rows), "shards": shards, "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
