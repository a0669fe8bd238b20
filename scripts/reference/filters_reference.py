#!/usr/bin/env python3
"""Independent references for the filters of issue 16, read straight from a pairsmith SQLite database.

  filters_reference.py select DB RUN MODEL CRITERIA_JSON
      The SFT set and per-criterion counts of one selection: non-duplicate examples, the seeded sampling draw,
      then cosine bounds, min rerank, min judge (per criterion), max positive rank, each as a value or a
      numpy.percentile (linear) of every such score in the database. Prints {"sft": [ids], "criteria": [...]}.
  filters_reference.py ranks DB RUN MODEL
      The round-trip rank of every passage-positive example: 1 + the passages whose float64 cosine with the
      anchor is above the positive's (ties within 1e-6 to the lower document id). Prints {"ranks": {id: rank}}.
  filters_reference.py negatives DB RUN MODEL SETTINGS_JSON
      Brute-force hard negatives with the guards: every passage by float64 cosine (ties to the lower id), minus the
      positive, its passage group and the positives of examples with the same normalised anchor; ranks within
      [rank_from, rank_to]; skip cosine > guard * positive cosine, score + absolute_margin > positive, score >
      positive * (1 - relative_margin) (sentence-transformers' mine_hard_negatives); the first K.
  filters_reference.py fnv-rerank < pairs.jsonl
      The test endpoint's rerank score of {"query", "document", "instruction"?, "format"?} lines as a client sends
      them to a Qwen3-Reranker server: format "server": query = "<Instruct>: {instruction}\n<Query>: {query}",
      the document bare; format "client" (default): vLLM's Qwen3-Reranker example templates, query =
      PREFIX + "<Instruct>: {instruction}\n<Query>: {query}\n", document = "<Document>: {document}" + SUFFIX (the
      model card's default instruction when none is given). Score: FNV-1a 64 of query + "\n" + document, top 53
      bits / 2^53.
"""
import hashlib
import json
import sqlite3
import sys
import unicodedata

import numpy as np


def vectors(db, kind, model):
    out = {}
    for owner, dim, blob in db.execute(
            "SELECT owner_id, dimension, vector FROM vectors WHERE owner_kind = ? AND model = ?", (kind, model)):
        out[owner] = np.frombuffer(blob, dtype="<f4", count=dim).astype(np.float64)
    return out


def percentile(values, p):
    return float(np.percentile(np.array(sorted(values), dtype=np.float64), p))


def draw(seed, key):
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) * 2.0 ** -53


def select(path, run, model, criteria):
    db = sqlite3.connect(path)
    rows = db.execute(
        "SELECT e.id, d.key, e.sample, s.cosine FROM examples e JOIN documents d ON d.id = e.document_id "
        "LEFT JOIN scores s ON s.pair_id = e.id AND s.model = ? WHERE e.run = ? ORDER BY e.id", (model, run)).fetchall()
    duplicates = {r[0] for r in db.execute("SELECT pair_id FROM duplicates")}
    rate = criteria.get("sampling_rate", 1)
    seed = criteria.get("seed", 0)
    weak = [r for r in rows if r[0] not in duplicates]
    sampled = [r for r in weak if rate >= 1 or draw(seed, f"{run}/{r[1]}/{r[2]}") < rate]
    all_cos = [r[0] for r in db.execute("SELECT cosine FROM scores WHERE model = ?", (model,))]
    low, high = criteria.get("threshold", 0.7), None
    if "band" in criteria:
        low, high = criteria["band"]
    if "low_percentile" in criteria or "high_percentile" in criteria:
        low = percentile(all_cos, criteria["low_percentile"]) if "low_percentile" in criteria else None
        high = percentile(all_cos, criteria["high_percentile"]) if "high_percentile" in criteria else None
    checks = [("cosine", lambda r: r[3], lambda v: (low is None or v > low) and (high is None or v <= high))]
    if "min_rerank" in criteria or "min_rerank_percentile" in criteria:
        rmodel = criteria["rerank_model"]
        rr = dict(db.execute("SELECT pair_id, score FROM rerank_scores WHERE model = ?", (rmodel,)))
        bound = criteria.get("min_rerank")
        if bound is None:
            bound = percentile(list(rr.values()), criteria["min_rerank_percentile"])
        checks.append(("rerank", lambda r, rr=rr: rr.get(r[0]), lambda v, b=bound: v >= b))
    names = sorted(set(criteria.get("min_judge", {})) | set(criteria.get("min_judge_percentile", {})))
    for name in names:
        ratings = dict(db.execute(
            "SELECT pair_id, MIN(score) FROM judge_scores WHERE criterion = ? GROUP BY pair_id", (name,)))
        bound = criteria.get("min_judge", {}).get(name)
        if bound is None:
            bound = percentile(list(ratings.values()), criteria["min_judge_percentile"][name])
        checks.append(("judge:" + name, lambda r, g=ratings: g.get(r[0]), lambda v, b=bound: v >= b))
    if "max_positive_rank" in criteria or "max_positive_rank_percentile" in criteria:
        ranks = dict(db.execute("SELECT pair_id, rank FROM positive_ranks WHERE model = ?", (model,)))
        bound = criteria.get("max_positive_rank")
        if bound is None:
            bound = percentile(list(ranks.values()), criteria["max_positive_rank_percentile"])
        checks.append(("positive_rank", lambda r, g=ranks: g.get(r[0]), lambda v, b=bound: v <= b))
    counts = [{"criterion": c[0], "failed": 0, "missing": 0, "removed": 0} for c in checks]
    sft = []
    for r in sampled:
        removed = False
        for count, (_, value, passes) in zip(counts, checks):
            v = value(r)
            if v is None:
                count["missing"] += 1
            if v is None or not passes(v):
                count["failed"] += 1
                if not removed:
                    count["removed"] += 1
                removed = True
        if not removed:
            sft.append(r[0])
    return {"sft": sft, "criteria": counts}


def ranked(docs, query):
    ids = sorted(docs)
    matrix = np.stack([docs[i] for i in ids])
    scores = matrix @ query
    return ids, scores


def ranks(path, run, model):
    db = sqlite3.connect(path)
    docs = vectors(db, "document", model)
    queries = vectors(db, "query", model)
    out = {}
    for pid, did in db.execute("SELECT id, document_id FROM examples WHERE run = ? AND positive IS NULL", (run,)):
        if pid not in queries or did not in docs:
            continue
        ids, scores = ranked(docs, queries[pid])
        pos = float(docs[did] @ queries[pid])
        before = sum(1 for i, s in zip(ids, scores)
                     if i != did and (s > pos + 1e-6 or (abs(s - pos) <= 1e-6 and i < did)))
        out[str(pid)] = before + 1
    return {"ranks": out}


def normalize(text):
    # QueryNormalizer's essentials for the ASCII fixtures: NFKC, lower case, whitespace collapsed, trailing
    # punctuation removed.
    text = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    while text and (text[-1].isspace() or unicodedata.category(text[-1]).startswith("P")):
        text = text[:-1]
    return text


def negatives(path, run, model, settings):
    db = sqlite3.connect(path)
    docs = vectors(db, "document", model)
    queries = vectors(db, "query", model)
    group = {i: g for i, g in db.execute("SELECT id, COALESCE(parent_key, key) FROM documents")}
    examples = db.execute(
        "SELECT e.id, e.document_id, e.anchor, s.cosine FROM examples e LEFT JOIN scores s ON s.pair_id = e.id "
        "AND s.model = ? WHERE e.run = ? AND e.positive IS NULL ORDER BY e.id", (model, run)).fetchall()
    same_anchor = {}
    for _, did, anchor, _ in examples:
        same_anchor.setdefault(normalize(anchor), set()).add(did)
    out = {}
    for pid, did, anchor, cosine in examples:
        ids, scores = ranked(docs, queries[pid])
        excluded = {i for i in ids if group.get(i) == group.get(did)} | same_anchor[normalize(anchor)] | {did}
        order = [(i, s) for i, s in sorted(zip(ids, scores), key=lambda t: (-t[1], t[0])) if i not in excluded]
        chosen = []
        for rank, (i, s) in enumerate(order, start=1):
            if rank < settings["rank_from"]:
                continue
            if rank > settings["rank_to"] or len(chosen) == settings["count"]:
                break
            if s > settings["guard"] * cosine:
                continue
            if settings.get("absolute_margin") is not None and s + settings["absolute_margin"] > cosine:
                continue
            if settings.get("relative_margin") is not None and s > cosine * (1 - settings["relative_margin"]):
                continue
            chosen.append(i)
        out[str(pid)] = chosen
    return {"negatives": out}


# The Qwen3-Reranker model card's prompt pieces (as vLLM's examples/offline_inference/qwen3_reranker.py writes them).
RERANK_DEFAULT_INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query"
RERANK_PREFIX = ('<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the '
                 'Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n')
RERANK_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"


def fnv_rerank():
    out = []
    for line in sys.stdin:
        if not line.strip():
            continue
        item = json.loads(line)
        instruction = item.get("instruction") or RERANK_DEFAULT_INSTRUCTION
        query = f"<Instruct>: {instruction}\n<Query>: {item['query']}"
        document = item["document"]
        if item.get("format", "client") == "client":
            query = RERANK_PREFIX + query + "\n"
            document = f"<Document>: {document}" + RERANK_SUFFIX
        h = 0xCBF29CE484222325
        for byte in (query + "\n" + document).encode("utf-8"):
            h ^= byte
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        out.append((h >> 11) * 2.0 ** -53)
    return {"scores": out}


def main():
    mode = sys.argv[1]
    if mode == "select":
        result = select(sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5]))
    elif mode == "ranks":
        result = ranks(sys.argv[2], sys.argv[3], sys.argv[4])
    elif mode == "negatives":
        result = negatives(sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5]))
    elif mode == "fnv-rerank":
        result = fnv_rerank()
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
