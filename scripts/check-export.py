#!/usr/bin/env python3
"""Independent reader of a `pairsmith export` folder (used by the Swift tests; handy by hand too).

    check-export.py DIR

Reads manifest.json and every shard with Python's json module, recomputes each shard's SHA-256 with hashlib,
checks row counts and the structure each trainer expects for the manifest's format, then prints one JSON object
on stdout: {"manifest": ..., "rows": [{"query", "positive", "negatives", "keys", "split", "meta"?}]} with every
row normalised (the raw query, the positive passage, the negatives in order; a cross-encoder `labeled-pair`
example's rows joined back into one). With `--split`, shards are read from each split's folder and no passage may
be in two splits. A BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) gives one row per judgement and
"beir": {"corpus", "queries", "qrels": {split: count}}. A folder written with several formats (no manifest, one
subfolder each) gives {"formats": {name: ...}}. Every export folder must hold a README.md card starting with its
YAML header. Exits 1 with a message naming the file and line on the first violation.

The other task families' layouts are recognised by their keys: STS `sentence1, sentence2, score` (sentence-
transformers) and `query, response, label` (ms-swift), classification `text, label` (sentence-transformers; never
`none`), and FlagEmbedding rows with a `type` (`symmetric_sts` for STS and bitext, `symmetric_class` for
classification, matching `meta.task`); their normalised rows carry "task" (and "score" or "label").
"""
import csv
import hashlib
import json
import os
import sys

PREFIX = "Instruct: "
FLAG_RERANKER_PROMPT = ("Given a query A and a passage B, determine whether the passage contains an answer to the query "
                        "by providing a prediction of either 'Yes' or 'No'.")
QRELS_HEADER = "query-id\tcorpus-id\tscore"
QUERY_MARK = "\nQuery:"


NEGATIVES_CAP = float("inf")
SPLIT = False


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


def user_messages(where, value, name, role="user"):
    if not (isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict)):
        fail(where, f"{name} must be a list of one message")
    message = value[0]
    if list(message.keys()) != ["role", "content"] or message["role"] != role or not isinstance(message["content"], str):
        fail(where, f"{name} must hold {{'role': {role!r}, 'content': str}}, got {message!r}")
    return message["content"]


def normalise(where, row, variant, instruction):
    keys = list(row.keys())
    if variant == "query-pos-neg":  # FlagEmbedding
        if keys[:4] != ["query", "pos", "neg", "prompt"]:
            fail(where, f"FlagEmbedding keys {keys}")
        if "type" in row:  # bitext, STS, classification: the `type` FlagEmbedding's loader reads (AbsDataset.py)
            if keys != ["query", "pos", "neg", "prompt", "type", "meta"]:
                fail(where, f"FlagEmbedding keys {keys}, expected query, pos, neg, prompt, type, meta")
            task = row["meta"].get("task") if isinstance(row.get("meta"), dict) else None
            expected = {"classification": "symmetric_class", "sts": "symmetric_sts", "bitext": "symmetric_sts"}.get(task)
            if row["type"] != expected:
                fail(where, f"type {row['type']!r} for task {task!r}, expected {expected!r}")
            if task == "sts" and not row["neg"]:
                fail(where, "an STS row needs the same anchor's low-level sentences as negatives")
            if task == "classification" and not row["neg"]:
                fail(where, "a classification row needs the other labels as negatives")
        if not isinstance(row["query"], str) or not is_strings(row["pos"]) or len(row["pos"]) != 1:
            fail(where, "query must be a string and pos a list of one string")
        if not is_strings(row["neg"]) or row["prompt"] != instruction:
            fail(where, "neg must be a list of strings and prompt the instruction")
        meta = row.get("meta")
        if not isinstance(meta, dict):
            fail(where, "meta must be an object")
        cap = NEGATIVES_CAP  # --negatives N cuts every list to its first N, generated negatives first
        generated = meta.get("generated_negatives", 0)
        mined = len(meta["negative_documents"])
        if mined + generated != len(row["neg"]):
            fail(where, "negative_documents (and generated_negatives) and neg differ in length")
        if meta["negatives_found"] is not None:
            expected = min(meta["negatives_found"], max(0, cap - generated))
            # with --split, negatives from another split's documents are dropped: fewer, never more
            if mined > expected or (not SPLIT and mined != expected):
                fail(where, f"negatives_found {meta['negatives_found']} (cap {cap}) but {mined} mined negatives")
        return {"query": row["query"], "positive": row["pos"][0], "negatives": row["neg"], "keys": keys, "meta": meta}
    if variant == "anchor-positive-negatives" and keys == ["sentence1", "sentence2", "score"]:  # STS scored pairs
        if not isinstance(row["sentence1"], str) or not isinstance(row["sentence2"], str):
            fail(where, "sentence1 and sentence2 must be strings")
        if isinstance(row["score"], bool) or not isinstance(row["score"], (int, float)) or not 0 <= row["score"] <= 1:
            fail(where, f"score must be a number in [0, 1], found {row['score']!r}")
        return {"query": row["sentence1"], "positive": row["sentence2"], "negatives": [], "score": row["score"], "keys": keys,
                "task": "sts"}
    if variant == "anchor-positive-negatives" and keys == ["text", "label"]:  # classification (text, label)
        if not isinstance(row["text"], str) or not isinstance(row["label"], str) or not row["label"]:
            fail(where, "text and label must be strings, the label not empty")
        if row["label"] == "none":
            fail(where, "a `none` label is never exported")
        return {"query": row["text"], "positive": row["label"], "negatives": [], "label": row["label"], "keys": keys,
                "task": "classification"}
    if variant == "anchor-positive-negatives":  # sentence-transformers: columns by position
        count = len(keys) - 2
        if keys != ["anchor", "positive"] + [f"negative_{i}" for i in range(1, count + 1)]:
            fail(where, f"sentence-transformers columns {keys}")
        if not all(isinstance(row[k], str) for k in keys):
            fail(where, "every column must be a string")
        return {"query": row["anchor"], "positive": row["positive"], "negatives": [row[k] for k in keys[2:]], "keys": keys}
    if variant == "query-response" and keys == ["query", "response", "label"]:  # ms-swift STS (cosine similarity loss)
        if isinstance(row["label"], bool) or not isinstance(row["label"], (int, float)) or not 0 <= row["label"] <= 1:
            fail(where, f"label must be a score in [0, 1], found {row['label']!r}")
        query = split_instructed(where, row["query"], instruction)
        return {"query": query, "positive": row["response"], "negatives": [], "score": row["label"], "keys": keys,
                "task": "sts"}
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
    if variant == "reranker-query-pos-neg":  # FlagEmbedding reranker
        if keys != ["query", "pos", "neg", "prompt", "query_prompt"]:
            fail(where, f"FlagEmbedding reranker keys {keys}")
        if not isinstance(row["query"], str) or not is_strings(row["pos"]) or len(row["pos"]) != 1:
            fail(where, "query must be a string and pos a list of one string")
        if not is_strings(row["neg"]) or not row["neg"]:
            fail(where, "neg must be a non-empty list of strings (the reranker loader divides by its length)")
        if row["prompt"] != FLAG_RERANKER_PROMPT or row["query_prompt"] != (instruction or ""):
            fail(where, "prompt must be FlagEmbedding's reranker prompt and query_prompt the instruction")
        return {"query": row["query"], "positive": row["pos"][0], "negatives": row["neg"], "keys": keys}
    if variant == "reranker-messages":  # ms-swift reranker
        if keys != ["messages", "positive_messages", "negative_messages"]:
            fail(where, f"ms-swift reranker keys {keys}")
        messages = row["messages"]
        if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
            fail(where, "messages must be a list of messages")
        expected_roles = (["system"] if instruction else []) + ["user"]
        if [m.get("role") for m in messages] != expected_roles:
            fail(where, f"messages roles {[m.get('role') for m in messages]}, expected {expected_roles}")
        if instruction and messages[0]["content"] != instruction:
            fail(where, "the system turn is not the instruction")
        positives = row["positive_messages"]
        if not (isinstance(positives, list) and len(positives) == 1):
            fail(where, "positive_messages must hold exactly one message list")
        positive = user_messages(where, positives[0], "positive_messages[0]", role="assistant")
        negatives = row["negative_messages"]
        if not isinstance(negatives, list):
            fail(where, "negative_messages must be a list")
        negatives = [user_messages(where, n, f"negative_messages[{i}]", role="assistant") for i, n in enumerate(negatives)]
        return {"query": messages[-1]["content"], "positive": positive, "negatives": negatives, "keys": keys}
    if variant == "labeled-pair":  # sentence-transformers CrossEncoder: one row per document
        if keys != ["query", "passage", "label"]:
            fail(where, f"labeled-pair keys {keys}")
        if not isinstance(row["query"], str) or not isinstance(row["passage"], str) or row["label"] not in (0, 1) \
                or isinstance(row["label"], bool):
            fail(where, "query and passage must be strings and label 0 or 1")
        return {"query": row["query"], "passage": row["passage"], "label": row["label"], "keys": keys}
    if variant == "labeled-list":
        if keys != ["query", "docs", "labels"]:
            fail(where, f"labeled-list keys {keys}")
        docs, labels = row["docs"], row["labels"]
        if not is_strings(docs) or len(docs) < 2 or labels != [1] + [0] * (len(docs) - 1):
            fail(where, "docs must be the positive then at least one negative, labels 1 then a 0 per negative")
        return {"query": row["query"], "positive": docs[0], "negatives": docs[1:], "keys": keys}
    fail(where, f"unknown format variant {variant!r}")


def join_labeled_pairs(where, pieces):
    """labeled-pair rows back into examples: a label-1 row starts one, the label-0 rows after it are its negatives."""
    rows = []
    for piece in pieces:
        if piece["label"] == 1:
            rows.append({"query": piece["query"], "positive": piece["passage"], "negatives": [], "keys": piece["keys"],
                         "split": piece["split"]})
        else:
            if not rows or rows[-1]["query"] != piece["query"] or rows[-1]["split"] != piece["split"]:
                fail(where, f"a negative row for {piece['query']!r} does not follow its query's positive row")
            rows[-1]["negatives"].append(piece["passage"])
    return rows


def check_card(folder):
    path = os.path.join(folder, "README.md")
    if not os.path.isfile(path):
        fail(folder, "no README.md dataset card")
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    if not text.startswith("---\n") or "\n---\n" not in text[4:]:
        fail(path, "the card does not start with a YAML header between --- lines")


def files_under(folder):
    found = []
    for root, _, names in os.walk(folder):
        for name in names:
            found.append(os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/"))
    return sorted(found)


def read_listed(folder, entry):
    path = os.path.join(folder, entry["file"])
    with open(path, "rb") as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        fail(path, "SHA-256 differs from the manifest")
    if len(data) != entry["bytes"]:
        fail(path, "byte count differs from the manifest")
    text = data.decode("utf-8")
    if text and not text.endswith("\n"):
        fail(path, "the last line has no newline")
    return path, text.split("\n")[:-1] if text else []


def check_beir(folder, manifest):
    listed = [f["file"] for f in manifest["files"]]
    present = files_under(folder)
    if present != sorted(listed + ["manifest.json", "README.md"]):
        fail(folder, f"files {present} differ from the manifest's {listed}")
    corpus, queries, qrels, qrels_json = {}, {}, {}, {}
    for entry in manifest["files"]:
        path, lines = read_listed(folder, entry)
        name = entry["file"]
        if name in ("corpus.jsonl", "queries.jsonl"):
            keys = ["_id", "title", "text"] if name == "corpus.jsonl" else ["_id", "text"]
            target = corpus if name == "corpus.jsonl" else queries
            for number, line in enumerate(lines, 1):
                row = json.loads(line)
                if list(row.keys()) != keys or not all(isinstance(row[k], str) for k in keys):
                    fail(f"{path}:{number}", f"keys {list(row.keys())}, expected {keys} (strings)")
                if row["_id"] in target:
                    fail(f"{path}:{number}", f"id {row['_id']!r} appears twice")
                target[row["_id"]] = row["text"]
            if len(lines) != entry["rows"]:
                fail(path, f"{len(lines)} rows, the manifest says {entry['rows']}")
        elif name.startswith("qrels/") and name.endswith(".jsonl"):  # the same judgements, for `datasets`
            parsed = [json.loads(line) for line in lines]
            if any(list(r.keys()) != ["query-id", "corpus-id", "score"] or r["score"] != 1 for r in parsed):
                fail(path, "every line must be {query-id, corpus-id, score: 1}")
            qrels_json[name[len("qrels/"):-len(".jsonl")]] = [[r["query-id"], r["corpus-id"], "1"] for r in parsed]
            if len(parsed) != entry["rows"]:
                fail(path, f"{len(parsed)} judgements, the manifest says {entry['rows']}")
        elif name.startswith("qrels/") and name.endswith(".tsv"):
            if not lines or lines[0] != QRELS_HEADER:
                fail(path, f"the first line is not {QRELS_HEADER!r}")
            parsed = list(csv.reader(lines[1:], delimiter="\t", quoting=csv.QUOTE_MINIMAL))
            if any(len(r) != 3 or r[2] != "1" for r in parsed):
                fail(path, "every judgement must be query-id, corpus-id, 1")
            qrels[name[len("qrels/"):-len(".tsv")]] = parsed
            if len(parsed) != entry["rows"]:
                fail(path, f"{len(parsed)} judgements, the manifest says {entry['rows']}")
        else:
            fail(path, "not a file of the BEIR layout")
    if qrels_json != qrels:
        fail(folder, "qrels/<split>.jsonl and qrels/<split>.tsv hold different judgements")
    rows = []
    seen = {}
    for split, judgements in qrels.items():
        for qid, cid, _ in judgements:
            if qid not in queries or cid not in corpus:
                fail(folder, f"qrels/{split}.tsv judges {qid!r} → {cid!r}, missing from queries or corpus")
            if qid in seen:
                fail(folder, f"query {qid!r} is judged in {seen[qid]} and {split}")
            seen[qid] = split
            rows.append({"query": queries[qid], "positive": corpus[cid], "negatives": [], "keys": [qid, cid], "split": split})
    if set(seen) != set(queries):
        fail(folder, "queries.jsonl holds queries no qrels file judges")
    counts = manifest["counts"]
    if counts["queries"] != len(queries) or counts["corpus"] != len(corpus) or counts["qrels"] != len(rows):
        fail(os.path.join(folder, "manifest.json"), f"counts {counts} but {len(queries)} queries, {len(corpus)} corpus entries, "
             f"{len(rows)} judgements")
    check_card(folder)
    return {"manifest": manifest, "rows": rows,
            "beir": {"corpus": len(corpus), "queries": len(queries), "qrels": {k: len(v) for k, v in qrels.items()}}}


def check_folder(folder):
    manifest_path = os.path.join(folder, "manifest.json")
    with open(manifest_path, "rb") as f:
        manifest = json.loads(f.read().decode("utf-8"))
    if manifest["format"] == "beir":
        return check_beir(folder, manifest)
    shards = manifest["shards"]
    listed = [s["file"] for s in shards]
    present = files_under(folder)
    if present != sorted(listed + ["manifest.json", "README.md"]):
        fail(folder, f"files {present} differ from the manifest's {listed} (and manifest.json, README.md)")
    split_names = [s["name"] for s in manifest["split"]["splits"]] if "split" in manifest else [None]
    for name in split_names:
        mine = [s["file"] for s in shards if s.get("split") == name]
        prefix = f"{name}/" if name else ""
        if mine != [f"{prefix}part-{i:05d}.jsonl" for i in range(len(mine))]:
            fail(folder, f"shard names {mine}")
    global NEGATIVES_CAP, SPLIT
    NEGATIVES_CAP = manifest["negatives_cap"] if manifest.get("negatives_cap") is not None else float("inf")
    SPLIT = "split" in manifest
    variant = manifest["format_variant"]
    instruction = manifest["instruction"]["text"]
    rows = []
    lines_total = 0
    for shard in shards:
        path, lines = read_listed(folder, shard)
        if len(lines) != shard["rows"]:
            fail(path, f"{len(lines)} rows, the manifest says {shard['rows']}")
        same_split = [s for s in shards if s.get("split") == shard.get("split")]
        if shard is not same_split[-1] and len(lines) != manifest["shard_size"]:
            fail(path, f"{len(lines)} rows in a shard that is not the last of its split (shard size {manifest['shard_size']})")
        lines_total += len(lines)
        for number, line in enumerate(lines, 1):
            row = json.loads(line)
            if not isinstance(row, dict):
                fail(f"{path}:{number}", "not an object")
            normalised = normalise(f"{path}:{number}", row, variant, instruction)
            normalised["split"] = shard.get("split")
            rows.append(normalised)
    if variant == "labeled-pair":
        rows = join_labeled_pairs(folder, rows)
    if variant == "query-pos-neg":  # the metadata names each row's passage: rows must be in key, sample order
        for name in split_names:
            order = [(r["meta"]["document"].encode("utf-8"), r["meta"]["sample"]) for r in rows if r["split"] == name]
            if order != sorted(order) or len(set(order)) != len(order):
                fail(folder, "rows are not ordered by document key (bytewise), then sample, without repeats")
    if len(split_names) > 1:  # no passage (positive or negative) in two splits
        owner = {}
        for r in rows:
            for text in [r["positive"]] + r["negatives"]:
                if owner.setdefault(text, r["split"]) != r["split"]:
                    fail(folder, f"the passage {text[:60]!r} is in splits {owner[text]} and {r['split']}")
    counts = manifest["counts"]
    if variant == "anchor-positive-negatives":  # the same columns in every row, as the manifest says
        columns = manifest["negative_columns"]
        bad = [i for i, row in enumerate(rows) if "task" not in row and len(row["keys"]) - 2 != columns]
        if any("task" in row for row in rows) and columns != 0:
            fail(manifest_path, f"scored-pair / (text, label) rows but negative_columns {columns}")
        if bad:
            fail(manifest_path, f"negative_columns {columns} but row {bad[0]} has {len(rows[bad[0]]['keys']) - 2}")
    if counts["rows"] != lines_total or counts["shards"] != len(shards):
        fail(manifest_path, f"counts {counts} but {lines_total} rows in {len(shards)} shards")
    if "examples" in counts and counts["examples"] != len(rows):
        fail(manifest_path, f"counts.examples {counts['examples']} but {len(rows)} examples in the rows")
    if counts["negatives"] != sum(len(r["negatives"]) for r in rows):
        fail(manifest_path, "counts.negatives differs from the rows")
    check_card(folder)
    return {"manifest": manifest, "rows": rows}


def main():
    if len(sys.argv) != 2:
        fail("usage", "check-export.py DIR")
    folder = sys.argv[1]
    if os.path.exists(os.path.join(folder, "manifest.json")):
        result = check_folder(folder)
    else:  # several formats: one subfolder each, a card over them
        names = sorted(os.listdir(folder))
        subfolders = [n for n in names if os.path.isdir(os.path.join(folder, n))]
        if not subfolders or sorted(subfolders + ["README.md"]) != names:
            fail(folder, f"no manifest.json, and {names} is not a README.md and one folder per format")
        check_card(folder)
        result = {"formats": {name: check_folder(os.path.join(folder, name)) for name in subfolders}}
    json.dump(result, sys.stdout, ensure_ascii=False, sort_keys=True)


if __name__ == "__main__":
    main()
