#!/usr/bin/env bash
# Makes the schema-v3 fixture database of Tests/Fixtures/v3-retrieval with a given (old) pairsmith binary:
# the retrieval pipeline over the fixture's corpus and personas against the test endpoint
# (`pairsmith-bench serve-endpoint`, deterministic answers and embeddings), then the exports the
# backward-compatibility test compares byte for byte.
#
#   scripts/reference/make_v3_fixture.sh PAIRSMITH PAIRSMITH_BENCH FIXTURE_DIR
#
# The committed fixture was made with the binaries of commit f909b61 (the last release before the structure
# change, schema v3); running this with a newer binary makes a database of that binary's schema instead.
set -euo pipefail
pairsmith=$(realpath "$1")
bench=$(realpath "$2")
fixture=$(realpath "$3")
cd "$fixture"
rm -rf run.sqlite run.sqlite-wal run.sqlite-shm export
work=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null || true; rm -rf "$work"' EXIT

# The test endpoint runs until its standard input closes; its first line names its URL.
mkfifo "$work/stdin"
"$bench" serve-endpoint --port 0 <"$work/stdin" >"$work/endpoint.out" 2>"$work/endpoint.err" &
exec 3>"$work/stdin"
for _ in $(seq 1 100); do grep -q 'http://' "$work/endpoint.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$work/endpoint.out" | head -n 1)
[ -n "$url" ] || { echo "the test endpoint did not start: $(cat "$work/endpoint.err")" >&2; exit 1; }
url=${url%/}
case "$url" in */v1) ;; *) url="$url/v1" ;; esac

"$pairsmith" run pipeline.yaml --corpus corpus.jsonl --db run.sqlite --personas personas.jsonl \
  --chat-url "$url" --chat-model test-model --embedding-url "$url" --embedding-model test-embed --concurrency 2
for spec in "flagembedding weak" "flagembedding sft" "sentence-transformers weak" "ms-swift sft"; do
  set -- $spec
  "$pairsmith" export --db run.sqlite --out "export/$1-$2" --format "$1" --set "$2" --shard-size 7
done
"$pairsmith" export --db run.sqlite --out export/ms-swift-messages-weak --format ms-swift --set weak --ms-swift-messages
# One self-contained file: fold the WAL into the database.
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.close()' run.sqlite
rm -f run.sqlite-wal run.sqlite-shm
echo "fixture written to $fixture (endpoint $url)"
