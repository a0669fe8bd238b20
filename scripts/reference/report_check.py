#!/usr/bin/env python3
"""Independent checks of a `pairsmith report` page, written from the SQLite schema (Sources/PairsmithStore/Schema.swift),
not from the Swift code that draws the page.

Usage:
  report_check.py figures  --db FILE.sqlite --html report.html [--run NAME] [--status-json FILE]
  report_check.py offline  --html report.html
  report_check.py browser  --html report.html --out DIR [--widths 1280,420] [--chromium /usr/bin/chromium]

figures: every element marked data-figure="funnel.*", "lang.*" or "cos.*" must hold the value this script computes
  from the database (data-value, and the element's text where it is a number), and every non-zero figure of those
  families must be on the page. With --status-json, the `reports` object of `pairsmith status --json` must give the
  same funnel, language and histogram numbers.
offline: the page references nothing outside itself: no src/href/url()/@import/srcset/action pointing anywhere but an
  in-page anchor or a data: URL.
browser: headless Chromium (no sandbox, no GPU, every proxy pointing at a dead port, background networking off) takes a
  screenshot at each width; each PNG must be non-blank (decoded here with zlib: enough non-background pixels and
  colours), and Chromium's own net log (--log-net-log) must show no request made by the page (the browser's own
  background requests, which carry no initiator origin, are listed but allowed: they go to the dead proxy).
Exit status 0 when every check passes; each failure is printed on its own line.
"""
import argparse
import html.parser
import json
import math
import os
import sqlite3
import struct
import subprocess
import sys
import tempfile
import zlib

FAMILIES = ("funnel.", "lang.", "cos.")


class Marks(html.parser.HTMLParser):
    """Collects data-figure elements: name -> (data-value, text inside)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.marks = {}
        self.stack = []  # (tag, name, text parts)
        self.attributes = []  # (tag, attribute, value) of every element
        self.styles = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key, value in attrs.items():
            self.attributes.append((tag, key, value or ""))
        name = attrs.get("data-figure")
        self.stack.append((tag, name, []))
        if name is not None:
            if name in self.marks:
                self.marks[name + "#dup"] = (attrs.get("data-value"), "")
            self.marks[name] = (attrs.get("data-value"), None)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, name, parts = self.stack.pop()
            if name is not None:
                value, _ = self.marks[name]
                self.marks[name] = (value, "".join(parts).strip())
            if self.stack:
                # text of a child counts for its parents too (except <title> inside svg rects)
                if open_tag != "title":
                    self.stack[-1][2].extend(parts)
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.stack:
            if self.stack[-1][0] == "style":
                self.styles.append(data)
            self.stack[-1][2].append(data)


def expected_figures(db, run):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    q = lambda sql, *args: con.execute(sql, args).fetchall()
    if run is None:
        run = q("SELECT id FROM runs ORDER BY created_at DESC, id DESC LIMIT 1")[0][0]
    fig = {}
    fig["funnel.passages"] = q("SELECT COUNT(DISTINCT document_id) FROM units WHERE run = ?", run)[0][0]
    for (stage,) in q("SELECT DISTINCT stage FROM units WHERE run = ?", run):
        states = dict(q("SELECT state, COUNT(*) FROM units WHERE run = ? AND stage = ? GROUP BY state", run, stage))
        total = sum(states.values())
        fig[f"funnel.stage.{stage}.units"] = total
        fig[f"funnel.stage.{stage}.done"] = states.get("done", 0)
        fig[f"funnel.stage.{stage}.failed"] = states.get("failed", 0)
        fig[f"funnel.stage.{stage}.open"] = states.get("pending", 0) + states.get("running", 0)
        outputs = q("SELECT skipped FROM stage_outputs WHERE run = ? AND stage = ?", run, stage)
        fig[f"funnel.stage.{stage}.answers"] = sum(1 for (s,) in outputs if s == 0)
        fig[f"funnel.stage.{stage}.skipped"] = sum(1 for (s,) in outputs if s != 0)
    for source, reason, n in q("SELECT source, reason, COUNT(*) FROM rejects WHERE run = ? GROUP BY source, reason", run):
        fig[f"funnel.rejects.{source}.{reason}"] = n
    sft = q("SELECT id, model, low FROM selections WHERE run = ? AND \"set\" = 'sft' ORDER BY id DESC LIMIT 1", run)
    sft_id, sft_model, sft_low = sft[0] if sft else (None, None, None)
    sft_pairs = {p for (p,) in q("SELECT pair_id FROM selected_pairs WHERE selection_id = ?", sft_id)} if sft_id else set()
    dups = {p for (p,) in q("SELECT pair_id FROM duplicates")}
    examples = q("SELECT id, task, positive_language, anchor_language FROM examples WHERE run = ?", run)
    for example_id, task, _, _ in examples:
        for key, hit in (("examples", True), ("duplicates", example_id in dups), ("sft", example_id in sft_pairs)):
            name = f"funnel.task.{task}.{key}"
            fig[name] = fig.get(name, 0) + (1 if hit else 0)
    cross = 0
    for _, _, passage, anchor in examples:
        name = f"lang.{passage}.{anchor}"
        fig[name] = fig.get(name, 0) + 1
        cross += passage != anchor
    fig["lang.total"] = len(examples)
    fig["lang.cross_share"] = 100.0 * cross / len(examples) if examples else 0.0
    model = sft_model
    if model is None:
        rows = q("SELECT s.model, COUNT(*) AS n FROM scores s JOIN examples e ON e.id = s.pair_id WHERE e.run = ? "
                 "GROUP BY s.model ORDER BY n DESC, s.model LIMIT 1", run)
        model = rows[0][0] if rows else None
    cosines = [c for (c,) in q("SELECT s.cosine FROM scores s JOIN examples e ON e.id = s.pair_id "
                               "WHERE e.run = ? AND s.model = ?", run, model)] if model else []
    bins = [0] * 40
    for c in cosines:
        bins[min(39, max(0, math.floor((c + 1.0) * 20.0)))] += 1
    for i, n in enumerate(bins):
        fig[f"cos.bin.{i}"] = n
    fig["cos.scored"] = len(cosines)
    if sft_low is not None:
        fig["cos.threshold"] = sft_low
    return run, fig


def number(text):
    text = (text or "").replace(",", "").replace("%", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


def check_figures(args):
    run, fig = expected_figures(args.db, args.run)
    parser = Marks()
    parser.feed(open(args.html, encoding="utf-8").read())
    failures = []
    marks = {k: v for k, v in parser.marks.items() if k.startswith(FAMILIES)}
    for name in marks:
        if name.endswith("#dup"):
            failures.append(f"{name[:-4]}: marked more than once")
    for name, (value, text) in marks.items():
        if name.endswith("#dup"):
            continue
        want = fig.get(name, 0)
        got = number(value)
        if got is None:
            failures.append(f"{name}: data-value {value!r} is not a number")
            continue
        if abs(got - want) > 1e-9 * max(1.0, abs(want)):
            failures.append(f"{name}: page says {got}, database says {want}")
        shown = number(text)
        if text and shown is not None:
            decimals = len(text.replace("%", "").split(".")[1]) if "." in text else 0
            if abs(shown - want) > 0.5 * 10 ** -decimals + 1e-9:
                failures.append(f"{name}: page shows {text!r}, database says {want}")
    for name, want in fig.items():
        if want and name not in marks:
            failures.append(f"{name}: {want} in the database, not on the page")
    if args.status_json:
        status = json.load(open(args.status_json, encoding="utf-8"))
        report = status.get("reports", {}).get(run)
        if report is None:
            failures.append(f"status --json has no reports.{run}")
        else:
            f = report["figures"]
            if f["funnel"]["passages"] != fig["funnel.passages"]:
                failures.append("status --json: funnel.passages differs")
            for stage in f["funnel"]["stages"]:
                for key in ("units", "done", "failed", "answers"):
                    if stage[key] != fig.get(f"funnel.stage.{stage['stage']}.{key}", 0):
                        failures.append(f"status --json: funnel.stage.{stage['stage']}.{key} differs")
            for cell in f["languages"]:
                if cell["count"] != fig.get(f"lang.{cell['passage']}.{cell['anchor']}", 0):
                    failures.append(f"status --json: lang.{cell['passage']}.{cell['anchor']} differs")
            if f["similarity"]["histogram"] != [fig[f"cos.bin.{i}"] for i in range(40)]:
                failures.append("status --json: the cosine histogram differs")
    print(f"run {run}: {len(marks)} marked figures checked against {len(fig)} computed")
    return failures


def check_offline(args):
    parser = Marks()
    text = open(args.html, encoding="utf-8").read()
    parser.feed(text)
    failures = []
    for tag, key, value in parser.attributes:
        v = value.strip().lower()
        if key in ("src", "srcset", "action", "formaction", "poster", "background", "xlink:href", "ping"):
            if not v.startswith("data:"):
                failures.append(f"<{tag} {key}={value!r}>: loads something")
        if key == "href" and not (v.startswith("#") or v.startswith("data:")):
            failures.append(f"<{tag} href={value!r}>: points outside the page")
        if key == "style" and ("url(" in v or "@import" in v):
            failures.append(f"<{tag} style=...>: has url() or @import")
    for css in parser.styles:
        if "url(" in css.lower() or "@import" in css.lower():
            failures.append("<style>: has url() or @import")
    for tag in ("<link", "<iframe", "<img", "<object", "<embed", "<base", "<audio", "<video", "<source"):
        if tag in text.lower():
            failures.append(f"page has a {tag}> element")
    return failures


def png_pixels(path):
    """(width, height, rows of RGBA bytes) of an 8-bit RGB/RGBA PNG, decoded with zlib."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour {colour}, interlace {interlace})")
    channels = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous, pos = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def blank_reason(path, width):
    w, h, channels, rows = png_pixels(path)
    if w != width:
        return f"{path}: {w} px wide, asked for {width}"
    counts = {}
    for row in rows[::2]:
        for x in range(0, w * channels, channels * 2):
            pixel = row[x:x + 3]
            counts[pixel] = counts.get(pixel, 0) + 1
    colours = counts.keys()
    sampled = sum(counts.values())
    share = 1 - max(counts.values()) / sampled  # pixels not of the most common (background) colour
    print(f"{os.path.basename(path)}: {w}x{h}, {len(colours)} colours, {share:.1%} non-background pixels")
    if len(colours) < 16 or share < 0.02:
        return f"{path} looks blank ({len(colours)} colours, {share:.2%} non-background)"
    return None


def check_browser(args):
    failures = []
    os.makedirs(args.out, exist_ok=True)
    page = "file://" + os.path.abspath(args.html)
    for width in [int(w) for w in args.widths.split(",")]:
        shot = os.path.join(args.out, f"report-{width}.png")
        netlog = os.path.join(args.out, f"netlog-{width}.json")
        profile = tempfile.mkdtemp(prefix="pairsmith-chromium-")
        command = [
            args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
            "--disable-extensions", "--metrics-recording-only", "--no-default-browser-check", "--mute-audio",
            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", f"--user-data-dir={profile}",
            f"--log-net-log={netlog}", "--net-log-capture-mode=Default", f"--screenshot={shot}",
            f"--window-size={width},{args.height}", page,
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0 or not os.path.exists(shot):
            failures.append(f"chromium at width {width} failed ({result.returncode}): {result.stderr[-800:]}")
            continue
        reason = blank_reason(shot, width)
        if reason:
            failures.append(reason)
        failures += netlog_requests(netlog, page)
    return failures


def netlog_requests(path, page):
    """Every request the page made, from Chromium's net log: a URL request whose initiator is an origin (the page's,
    `null` for a file:// page) or any file:// URL but the page's. The browser's own background requests (component
    updates, account checks: initiator "not an origin", sent to the dead proxy) are counted, not failed."""
    try:
        text = open(path, encoding="utf-8").read().rstrip().rstrip(",")
        if not text.endswith("}"):
            text += "]}"  # a log cut short at exit
        log = json.loads(text)
    except (OSError, ValueError) as error:
        return [f"cannot read the net log {path}: {error}"]
    names = {value: key for key, value in log.get("constants", {}).get("logEventTypes", {}).items()}
    failures, internal = [], set()
    for event in log.get("events", []):
        params = event.get("params") or {}
        url = params.get("url")
        if not url or names.get(event.get("type")) != "URL_REQUEST_START_JOB":
            continue
        initiator = params.get("initiator", "not an origin")
        if url.startswith("file://") and url.split("#")[0] != page:
            failures.append(f"the page loaded {url}")
        elif initiator != "not an origin":
            failures.append(f"the page requested {url} (initiator {initiator})")
        else:
            internal.add(url.split("?")[0])
    print(f"{os.path.basename(path)}: {len(failures)} page requests; browser's own background requests (to the dead proxy): "
          + (", ".join(sorted(internal)) or "none"))
    return sorted(set(failures))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("figures")
    f.add_argument("--db", required=True)
    f.add_argument("--html", required=True)
    f.add_argument("--run")
    f.add_argument("--status-json")
    o = sub.add_parser("offline")
    o.add_argument("--html", required=True)
    b = sub.add_parser("browser")
    b.add_argument("--html", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--widths", default="1280,420")
    b.add_argument("--height", type=int, default=2400)
    b.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    failures = {"figures": check_figures, "offline": check_offline, "browser": check_browser}[args.command](args)
    for failure in failures:
        print("FAIL " + failure)
    if not failures:
        print(f"{args.command}: ok")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
