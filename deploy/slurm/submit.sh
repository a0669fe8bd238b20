#!/bin/bash
# Submits a sharded pairsmith job to Slurm: an array of the shards that have no completion manifest yet, then the
# merge as a job that starts only when every one of them succeeded (--dependency=afterok). Run it again after a
# failure: finished shards are skipped.
#
#   PIPELINE=pipelines/retrieval.yaml CORPUS=corpus.jsonl WORKDIR=/shared/job PAIRSMITH_RUN_ARGS="--chat-url ..." \
#       deploy/slurm/submit.sh 64 [extra sbatch options, e.g. --partition=cpu]
#
# Prints the merge job's id on the last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards=${1:?usage: submit.sh SHARDS [sbatch options]}
shift
: "${WORKDIR:?set WORKDIR}"
mkdir -p "$WORKDIR"
missing=()
for ((i = 0; i < shards; i++)); do
    [[ -f "$WORKDIR/shard-$i.sqlite.manifest.json" ]] || missing+=("$i")
done
dependency=()
if ((${#missing[@]} > 0)); then
    array=$(IFS=,; echo "${missing[*]}")
    array_job=$(sbatch --parsable --chdir="$WORKDIR" --array="$array" --export=ALL,SHARDS="$shards" "$@" "$here/shard.sbatch")
    array_job=${array_job%%;*}
    echo "shards ${array} submitted as array job $array_job"
    dependency=(--dependency="afterok:$array_job")
else
    echo "every shard has its manifest; submitting the merge only"
fi
merge_job=$(sbatch --parsable --chdir="$WORKDIR" "${dependency[@]}" --export=ALL,SHARDS="$shards" "$@" "$here/merge.sbatch")
echo "merge submitted as job ${merge_job%%;*}"
echo "${merge_job%%;*}"
