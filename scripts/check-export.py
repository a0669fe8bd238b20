#!/usr/bin/env python3
"""Independent reader of a `pairsmith export` folder (used by the Swift tests; handy by hand too).

    check-export.py DIR

Reads manifest.json and every shard with Python's json module, recomputes each shard's SHA-256 with hashlib,
checks row counts and the structure each trainer expects for the manifest's format, then prints one JSON object
on stdout: {"manifest": ..., "rows": [{"query", "positive", "negatives", "keys", "meta"?}]} with every row
normalised (the raw query, the positive passage, the negatives in order). Exits 1 with a message naming the file
and line on the first violation.
"""
import hashlib
import json
import os
import sys

PREFIX = "Instruct: "
QUERY_MARK = "\nQuery:"


NEGATIVES_CAP = float("inf")


def fail(where, message):
    print(f"{where}: {message}", file=sys.stderr)
    sys.exit(1)


def is_strings(value):
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def split_instructed(where, text, instruction):
    if not isinstance(text, str) or not text.startswith(PREFIX) or QUERY_MARK not in text:
        fail(where, f"query is not 'Instruct: ...\\nQuery:...': {text!r}")
    head, query = text[len(PREFIX):].split(QUERY_MARK, 1)
    if head != instruction:
        fail(where, f"instruction {head!r} differs from the manifest's {instruction!r}")
    return query


def user_messages(where, value, name):
    if not (isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict)):
        fail(where, f"{name} must be a list of one message")
    message = value[0]
    if list(message.keys()) != ["role", "content"] or message["role"] != "user" or not isinstance(message["content"], str):
        fail(where, f"{name} must hold {{'role': 'user', 'content': str}}, got {message!r}")
    return message["content"]


def normalise(where, row, variant, instruction):
    keys = list(row.keys())
    if variant == "query-pos-neg":  # FlagEmbedding
        if keys[:4] != ["query", "pos", "neg", "prompt"]:
            fail(where, f"FlagEmbedding keys {keys}")
        if not isinstance(row["query"], str) or not is_strings(row["pos"]) or len(row["pos"]) != 1:
            fail(where, "query must be a string and pos a list of one string")
        if not is_strings(row["neg"]) or row["prompt"] != instruction:
            fail(where, "neg must be a list of strings and prompt the instruction")
        meta = row.get("meta")
        if not isinstance(meta, dict):
            fail(where, "meta must be an object")
        cap = NEGATIVES_CAP  # --negatives N cuts every list to its first N
        if meta["negatives_found"] is not None and min(meta["negatives_found"], cap) != len(row["neg"]):
            fail(where, f"negatives_found {meta['negatives_found']} (cap {cap}) but {len(row['neg'])} negatives")
        if len(meta["negative_documents"]) != len(row["neg"]):
            fail(where, "negative_documents and neg differ in length")
        return {"query": row["query"], "positive": row["pos"][0], "negatives": row["neg"], "keys": keys, "meta": meta}
    if variant == "anchor-positive-negatives":  # sentence-transformers: columns by position
        count = len(keys) - 2
        if keys != ["anchor", "positive"] + [f"negative_{i}" for i in range(1, count + 1)]:
            fail(where, f"sentence-transformers columns {keys}")
        if not all(isinstance(row[k], str) for k in keys):
            fail(where, "every column must be a string")
        return {"query": row["anchor"], "positive": row["positive"], "negatives": [row[k] for k in keys[2:]], "keys": keys}
    if variant == "query-response":  # ms-swift, Qwen3-Embedding recipe
        if keys not in (["query", "response"], ["query", "response", "rejected_response"]):
            fail(where, f"ms-swift keys {keys}")
        negatives = row.get("rejected_response", [])
        if not isinstance(row["response"], str) or not is_strings(negatives) or ("rejected_response" in row and not negatives):
            fail(where, "response must be a string and rejected_response a non-empty list of strings")
        query = split_instructed(where, row["query"], instruction)
        return {"query": query, "positive": row["response"], "negatives": negatives, "keys": keys}
    if variant == "messages":  # ms-swift InfoNCE messages form
        if keys not in (["messages", "positive_messages"], ["messages", "positive_messages", "negative_messages"]):
            fail(where, f"ms-swift messages keys {keys}")
        anchor = user_messages(where, row["messages"], "messages")
        positives = row["positive_messages"]
        if not (isinstance(positives, list) and len(positives) == 1):
            fail(where, "positive_messages must hold exactly one message list")
        positive = user_messages(where, positives[0], "positive_messages[0]")
        negatives = row.get("negative_messages", [])
        if not isinstance(negatives, list) or ("negative_messages" in row and not negatives):
            fail(where, "negative_messages must be a non-empty list when present")
        negatives = [user_messages(where, n, f"negative_messages[{i}]") for i, n in enumerate(negatives)]
        query = split_instructed(where, anchor, instruction)
        return {"query": query, "positive": positive, "negatives": negatives, "keys": keys}
    fail(where, f"unknown format variant {variant!r}")


def main():
    if len(sys.argv) != 2:
        fail("usage", "check-export.py DIR")
    folder = sys.argv[1]
    manifest_path = os.path.join(folder, "manifest.json")
    with open(manifest_path, "rb") as f:
        manifest = json.loads(f.read().decode("utf-8"))
    listed = [s["file"] for s in manifest["shards"]]
    present = sorted(os.listdir(folder))
    if present != sorted(listed + ["manifest.json"]):
        fail(folder, f"files {present} differ from the manifest's {listed}")
    if listed != [f"part-{i:05d}.jsonl" for i in range(len(listed))]:
        fail(folder, f"shard names {listed}")
    global NEGATIVES_CAP
    NEGATIVES_CAP = manifest["negatives_cap"] if manifest.get("negatives_cap") is not None else float("inf")
    variant = manifest["format_variant"]
    instruction = manifest["instruction"]["text"]
    rows = []
    for shard in manifest["shards"]:
        path = os.path.join(folder, shard["file"])
        with open(path, "rb") as f:
            data = f.read()
        if hashlib.sha256(data).hexdigest() != shard["sha256"]:
            fail(path, "SHA-256 differs from the manifest")
        if len(data) != shard["bytes"]:
            fail(path, "byte count differs from the manifest")
        text = data.decode("utf-8")
        if text and not text.endswith("\n"):
            fail(path, "the last line has no newline")
        lines = text.split("\n")[:-1] if text else []
        if len(lines) != shard["rows"]:
            fail(path, f"{len(lines)} rows, the manifest says {shard['rows']}")
        if shard is not manifest["shards"][-1] and len(lines) != manifest["shard_size"]:
            fail(path, f"{len(lines)} rows in a shard that is not the last (shard size {manifest['shard_size']})")
        for number, line in enumerate(lines, 1):
            row = json.loads(line)
            if not isinstance(row, dict):
                fail(f"{path}:{number}", "not an object")
            rows.append(normalise(f"{path}:{number}", row, variant, instruction))
    if variant == "query-pos-neg":  # the metadata names each row's passage: rows must be in key, sample order
        order = [(r["meta"]["document"].encode("utf-8"), r["meta"]["sample"]) for r in rows]
        if order != sorted(order) or len(set(order)) != len(order):
            fail(folder, "rows are not ordered by document key (bytewise), then sample, without repeats")
    counts = manifest["counts"]
    if variant == "anchor-positive-negatives":  # the same columns in every row, as the manifest says
        columns = manifest["negative_columns"]
        bad = [i for i, row in enumerate(rows) if len(row["keys"]) - 2 != columns]
        if bad:
            fail(manifest_path, f"negative_columns {columns} but row {bad[0]} has {len(rows[bad[0]]['keys']) - 2}")
    if counts["rows"] != len(rows) or counts["shards"] != len(manifest["shards"]):
        fail(manifest_path, f"counts {counts} but {len(rows)} rows in {len(manifest['shards'])} shards")
    if counts["negatives"] != sum(len(r["negatives"]) for r in rows):
        fail(manifest_path, "counts.negatives differs from the rows")
    json.dump({"manifest": manifest, "rows": rows}, sys.stdout, ensure_ascii=False, sort_keys=True)


if __name__ == "__main__":
    main()
