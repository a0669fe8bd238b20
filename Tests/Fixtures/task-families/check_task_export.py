#!/usr/bin/env python3
"""Independent check of a bitext / STS / classification export against its SQLite database (used by the Swift tests).

    check_task_export.py DB EXPORT_DIR TASK FORMAT SET [TAXONOMY.yaml]

Reads the export with scripts/check-export.py (which validates the layout), then reads the database with sqlite3
(no pairsmith code) and recomputes what each row must be: the selected examples in (document key, sample) order,
their negatives (other examples' positives, by rank, for bitext and STS; the taxonomy's other labels for
classification), STS scores and score-aware SFT membership, and that no `none` label is exported. Prints a JSON
summary; exits 1 with a message on the first difference.
"""
import json
import os
import sqlite3
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def entry(name, description):
    name = name.replace("_", " ")
    return f"{name}: {description}" if description else name


def main():
    db, folder, task, fmt, which = sys.argv[1:6]
    taxonomy = sys.argv[6] if len(sys.argv) > 6 else None
    checked = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "check-export.py"), folder],
                             capture_output=True, text=True)
    if checked.returncode != 0:
        fail("check-export.py: " + checked.stderr)
    rows = json.loads(checked.stdout)["rows"]
    c = sqlite3.connect(db)
    (run,) = c.execute("SELECT DISTINCT run FROM examples").fetchone()
    (selection,) = c.execute('SELECT MAX(id) FROM selections WHERE run = ? AND "set" = ?', (run, which)).fetchone()
    instruction, positive_instruction = c.execute(
        "SELECT anchor_instruction, positive_instruction FROM examples WHERE run = ? LIMIT 1", (run,)).fetchone()

    def shown(positive):  # ms-swift writes the positive as the model reads it, under its instruction
        if fmt == "ms-swift" and positive_instruction:
            return f"Instruct: {positive_instruction}\nQuery:{positive}"
        return positive
    selected = c.execute(
        "SELECT e.id, d.key, e.sample, e.anchor, COALESCE(e.positive, d.text), e.label, e.score, e.positive_language, "
        "e.document_id FROM selected_pairs sp JOIN examples e ON e.id = sp.pair_id JOIN documents d ON d.id = e.document_id "
        "WHERE sp.selection_id = ? ORDER BY d.key, e.sample, e.run", (selection,)).fetchall()
    if not selected:
        fail("the selection is empty")
    by_id = {r[0]: r for r in c.execute(
        "SELECT e.id, d.key, e.sample, e.anchor, COALESCE(e.positive, d.text), e.label, e.score, e.positive_language, "
        "e.document_id FROM examples e JOIN documents d ON d.id = e.document_id WHERE e.run = ?", (run,))}

    def example_negatives(pair_id):
        return [by_id[n][4] for (n,) in c.execute(
            "SELECT negative_id FROM example_negatives WHERE pair_id = ? ORDER BY rank", (pair_id,))]

    if any(r[5] == "none" for r in selected):
        fail("a `none` example is selected")
    expected = []
    if task == "sts":
        if fmt == "sentence-transformers":
            expected = [[r[3], r[4], [], r[6]] for r in selected]
            got = [[row["query"], row["positive"], row["negatives"], row["score"]] for row in rows]
        elif fmt == "ms-swift":
            expected = [[r[3], shown(r[4]), [], r[6]] for r in selected]
            got = [[row["query"], row["positive"], row["negatives"], row["score"]] for row in rows]
        else:  # flagembedding: high levels with the same anchor's lower-level sentences as negatives
            for r in selected:
                negatives = example_negatives(r[0])
                for n in c.execute("SELECT negative_id FROM example_negatives WHERE pair_id = ?", (r[0],)):
                    other = by_id[n[0]]
                    if other[8] != r[8] or other[3] != r[3] or not other[6] < 0.75 <= r[6]:
                        fail(f"example {r[0]}: negative {other[0]} is not a lower-level pair of the same anchor")
                if r[6] >= 0.75 and negatives:
                    expected.append([r[3], r[4], negatives, None])
            got = [[row["query"], row["positive"], row["negatives"], None] for row in rows]
        if which == "sft":  # score-aware: low levels kept whatever their cosine, high levels above the threshold
            (threshold,) = c.execute(
                "SELECT json_extract(parameters, '$.resolved.low') FROM selections WHERE id = ?", (selection,)).fetchone()
            weak = c.execute('SELECT MAX(id) FROM selections WHERE run = ? AND "set" = ?', (run, "weak")).fetchone()[0]
            want = set()
            for pair_id, score, cosine in c.execute(
                    "SELECT e.id, e.score, s.cosine FROM selected_pairs sp JOIN examples e ON e.id = sp.pair_id "
                    "LEFT JOIN scores s ON s.pair_id = e.id WHERE sp.selection_id = ?", (weak,)):
                if cosine is not None and (score < 0.75 or cosine > threshold):
                    want.add(pair_id)
            if want != {r[0] for r in selected}:
                fail(f"the STS SFT set differs from the score-aware rule: {sorted(want)} vs {sorted(r[0] for r in selected)}")
    elif task == "bitext":
        for r in selected:
            negatives = example_negatives(r[0])
            for (n,) in c.execute("SELECT negative_id FROM example_negatives WHERE pair_id = ?", (r[0],)):
                other = by_id[n]
                if other[7] != r[7]:
                    fail(f"example {r[0]}: negative {n} is in {other[7]}, not the target language {r[7]}")
                if other[8] == r[8] and other[3] == r[3]:
                    fail(f"example {r[0]}: negative {n} translates the same sentence")
            expected.append([r[3], shown(r[4]), negatives, None])
        got = [[row["query"], row["positive"], row["negatives"], None] for row in rows]
        if fmt == "flagembedding" and any(row["keys"][4] != "type" for row in rows):
            fail("bitext FlagEmbedding rows need a type")
    elif task == "classification":
        with open(taxonomy, encoding="utf-8") as f:
            labels = yaml.safe_load(f)["labels"]
        entries = {item["name"]: entry(item["name"], item["description"]) for item in labels}
        if instruction != yaml.safe_load(open(taxonomy, encoding="utf-8"))["task"]:
            fail(f"the instruction {instruction!r} is not the taxonomy's task")
        for r in selected:
            if r[5] not in entries:
                fail(f"example {r[0]}: label {r[5]!r} is not in the taxonomy")
            others = [entries[item["name"]] for item in labels if item["name"] != r[5]]
            if fmt == "sentence-transformers":
                expected.append([r[3], r[5], [], None])
            else:
                expected.append([r[3], entries[r[5]], others, None])
        if fmt == "sentence-transformers":
            got = [[row["query"], row["label"], row["negatives"], None] for row in rows]
        else:
            got = [[row["query"], row["positive"], row["negatives"], None] for row in rows]
    else:
        fail(f"unknown task {task}")
    if got != expected:
        for index, (a, b) in enumerate(zip(got, expected)):
            if a != b:
                fail(f"row {index} differs:\n export   {a!r}\n database {b!r}")
        fail(f"{len(got)} rows exported, {len(expected)} expected")
    (none_count,) = c.execute("SELECT COUNT(*) FROM examples WHERE run = ? AND label = 'none'", (run,)).fetchone()
    print(json.dumps({"rows": len(got), "selected": len(selected), "none": none_count, "instruction": instruction}))


if __name__ == "__main__":
    main()
