#!/usr/bin/env bash
# CI test of `plmkit slurm` against a real Slurm: starts a one-node cluster
# (scripts/slurm_cluster.sh), submits with --submit a 4-shard screen of 2000
# ChEMBL molecules and two 3-shard embeds of the ESM-2 fixture, waits for the
# array and merge jobs, and checks that the merged outputs equal
# single-process runs:
#   screen: hits CSV and rejects TSV byte for byte; summary.json byte for byte
#           once its "run" object (timing, paths, shard) is removed;
#   embed with --max-tokens 1 (one sequence per batch, so a shard computes
#           every sequence with the same tensor shapes as the single run):
#           every HDF5 dataset bit for bit (h5diff without a tolerance);
#   embed with the default batching: integer and string datasets exactly,
#           float datasets value for value within a tolerance (FLOATING POINT);
#   both embeds: every root attribute except created, command_line and
#           merged_shards, and the rejects TSV byte for byte.
# Then kills one screen shard after two checkpoints, re-runs it alone
# (sbatch --array=2 on the generated script, which passes --resume: it goes
# on from the checkpoint) and merges again; and in a one-task array (sbatch --array=2) checks
# that `--shard auto` refuses while `--shard auto/4` computes shard 2 of 4.
# Threads: the screen generated with --cpus-per-task 1 ran its tasks on 1
# thread, and in a --cpus-per-task=1 job `doctor` defaults to 1 thread and
# warns for --threads 2 naming SLURM_CPUS_PER_TASK (the cluster sets no
# affinity: TaskPlugin=task/none).
#
# FLOATING POINT. With the default --max-tokens, sequences are sorted by
# length and packed into padded batches. A shard holds every third sequence,
# so its batches have other members and other padded shapes than the single
# run's. The arithmetic for each sequence is the same, but the BLAS kernels
# block and order their float32 sums by the matrix shapes, and every float32
# operation rounds to 2^-24 relative. Through the fixture's 3 layers of width
# 64 this was measured at up to 1.1e-6 on hidden states (values of order 1),
# 6e-8 on contact probabilities and 1.4e-5 on logits (values of order 10).
# The check allows ABS_TOL = 1e-5 on representations and contacts and
# LOGIT_TOL = 1e-4 on logits: about 10x what was seen, the float32 agreement
# the fixture's README expects of any implementation, and far below what a
# real fault causes (a sequence out of order, a wrong layer or a padding leak
# changes values by 1e-2 or more).
#
#   tests/slurm/test_slurm.sh PLMKIT_BIN SHARED_DIR
# Exit 0 pass, 1 fail, 77 skipped: only when not root or when Slurm/munge are
# not installed (scripts/setup.sh installs them). A Slurm that is installed
# but cannot start the cluster here is a failure.
set -euo pipefail

PLMKIT=${1:?usage: test_slurm.sh PLMKIT_BIN SHARED_DIR}
SHARED=${2:?usage: test_slurm.sh PLMKIT_BIN SHARED_DIR}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PLMKIT=$(cd "$(dirname "$PLMKIT")" && pwd)/$(basename "$PLMKIT")
TIMEOUT_S=${PLMKIT_SLURM_TEST_TIMEOUT:-1200}
ABS_TOL=1e-5
LOGIT_TOL=1e-4

log() { echo "test_slurm: $*" >&2; }
skip() {
  echo "test_slurm: SKIPPED: $*" >&2
  exit 77
}
fail() {
  echo "test_slurm: FAILED: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (the throw-away cluster runs with SlurmUser=root)"
for p in slurmctld slurmd sbatch squeue scontrol scancel munged; do
  command -v "$p" >/dev/null ||
    skip "'$p' is not installed: run scripts/setup.sh (installs slurmctld slurmd slurm-client munge)"
done
for p in h5diff h5dump h5ls; do
  command -v "$p" >/dev/null ||
    fail "Slurm is installed but '$p' is not: run scripts/setup.sh (installs hdf5-tools)"
done
[ -x "$PLMKIT" ] || fail "no plmkit binary at $PLMKIT"
LIBRARY=$SHARED/data/chembl30_subset/chembl30_subset_90k.csv
MODEL=$SHARED/fixtures/esm2_tiny/model
FASTA=$SHARED/fixtures/esm2_tiny/sequences.fasta
for f in "$LIBRARY" "$MODEL/config.json" "$FASTA"; do
  [ -f "$f" ] || fail "missing shared data file $f"
done

# Short path: the munge socket path must stay under 108 bytes.
WORK=$(mktemp -d /tmp/plmkit-slurm.XXXXXX)
chmod 755 "$WORK"
CLUSTER=$WORK/cluster
cleanup() {
  local rc=$?
  bash "$ROOT/scripts/slurm_cluster.sh" stop "$CLUSTER" 2>/dev/null || true
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]; then
    rm -rf "$WORK"
  else
    log "kept $WORK for inspection (job logs under */*.slurm/logs and auto/)"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the cluster -----------------------------------------------------------
set +e
bash "$ROOT/scripts/slurm_cluster.sh" start "$CLUSTER"
rc=$?
set -e
[ "$rc" -eq 77 ] && skip "Slurm is not installed (scripts/setup.sh installs it)"
if [ "$rc" -ne 0 ]; then
  tail -n 30 "$CLUSTER"/log/*.log 2>/dev/null >&2 || true
  fail "Slurm is installed but the one-node cluster did not start (logs above)"
fi
# shellcheck disable=SC1091
source "$CLUSTER/env.sh"

# ---- helpers ---------------------------------------------------------------
# wait_jobs ID...: polls squeue until none of the jobs is queued or running.
wait_jobs() {
  local ids
  ids=$(
    IFS=,
    echo "$*"
  )
  local start=$SECONDS last=0
  while [ -n "$(squeue -h -j "$ids" -o %i 2>/dev/null)" ]; do
    if [ $((SECONDS - start)) -gt "$TIMEOUT_S" ]; then
      squeue >&2 || true
      fail "jobs $ids still queued or running after ${TIMEOUT_S}s"
    fi
    if [ $((SECONDS - last)) -ge 30 ]; then
      log "waiting for jobs $ids ($((SECONDS - start))s): $(squeue -h -j "$ids" -o '%i:%T' | tr '\n' ' ')"
      last=$SECONDS
    fi
    sleep 1
  done
}

# check_completed ID: every task of the job ended COMPLETED.
check_completed() {
  local states
  states=$(scontrol show job "$1" | grep -o 'JobState=[A-Z_]*' | sort | uniq -c | tr '\n' ' ')
  case "$states" in
    *JobState=*) ;;
    *) fail "scontrol knows no job $1" ;;
  esac
  if scontrol show job "$1" | grep -o 'JobState=[A-Z_]*' | grep -qv 'JobState=COMPLETED'; then
    for f in "$WORK"/run/*.slurm/logs/* "$WORK"/auto/*.log; do
      [ -f "$f" ] || continue
      echo "---- $f" >&2
      tail -n 15 "$f" >&2
    done
    fail "job $1 did not complete: $states"
  fi
}

# job_id "array|merge" OUTPUT_OF_PLMKIT_SLURM
job_id() {
  sed -n "s/^$1 job \([0-9][0-9]*\):.*/\1/p" <<<"$2"
}

same_file() {
  cmp -s "$1" "$2" || {
    diff "$1" "$2" | head -n 20 >&2
    fail "$2 differs from $1"
  }
}

without_run() { # summary.json minus its top-level "run" object
  awk '/^  "run": \{/ { skip = 1 } !skip { print } skip && /^  \},?$/ { skip = 0 }' "$1"
}

check_screen() { # single_dir merged_dir
  same_file "$1/hits.csv" "$2/hits.csv"
  same_file "$1/hits.rejects.tsv" "$2/hits.rejects.tsv"
  same_file <(without_run "$1/hits.summary.json") <(without_run "$2/hits.summary.json")
  grep -q '"run"' "$2/hits.summary.json" || fail "merged summary has no run object"
}

root_attributes() {
  h5dump -H "$1" | sed -n 's/^   ATTRIBUTE "\(.*\)" {$/\1/p' | sort
}

is_float_dataset() { # FILE DATASET
  h5dump -H -d "$2" "$1" | grep -q 'H5T_IEEE_F'
}

max_abs_diff() { # A B DATASET: the largest |a - b| that h5diff reports (0: none)
  h5diff -r "$1" "$2" "$3" "$3" 2>/dev/null |
    awk '$1 == "[" { d = $NF; if (d < 0) d = -d; if (d > m) m = d } END { printf "%g", m + 0 }'
}

# check_embed SINGLE MERGED exact|tolerant
check_embed() {
  local a=$1 b=$2 mode=$3 sets_a sets_b links_a links_b d exact=0 near=0 attr tol
  # h5ls prints a dataset's second name (a hard link: the last layer's
  # /layers/<k>/...) as "Dataset, same as /other": those are listed too, and
  # the links must be the same in both files.
  sets_a=$(h5ls -r "$a" | awk '$2 ~ /^Dataset,?$/ { print $1 }' | sort)
  sets_b=$(h5ls -r "$b" | awk '$2 ~ /^Dataset,?$/ { print $1 }' | sort)
  [ -n "$sets_a" ] || fail "embed: no datasets in $a"
  [ "$sets_a" = "$sets_b" ] || fail "embed: datasets differ: [$sets_a] vs [$sets_b]"
  links_a=$(h5ls -r "$a" | awk '$2 == "Dataset," { print $1, $5 }' | sort)
  links_b=$(h5ls -r "$b" | awk '$2 == "Dataset," { print $1, $5 }' | sort)
  [ "$links_a" = "$links_b" ] || fail "embed: hard links differ: [$links_a] vs [$links_b]"
  for d in $sets_a; do
    if h5diff "$a" "$b" "$d" "$d" >/dev/null 2>&1; then
      exact=$((exact + 1))
      continue
    fi
    if [ "$mode" = exact ]; then
      h5diff -r "$a" "$b" "$d" "$d" | head -n 20 >&2 || true
      fail "embed ($mode): dataset $d of $b is not bit-identical to the single run's" \
        "(max |diff| $(max_abs_diff "$a" "$b" "$d"))"
    fi
    if ! is_float_dataset "$a" "$d"; then
      h5diff -r "$a" "$b" "$d" "$d" | head -n 20 >&2 || true
      fail "embed: non-float dataset $d of $b differs from the single run"
    fi
    case "$d" in */logits) tol=$LOGIT_TOL ;; *) tol=$ABS_TOL ;; esac
    if ! h5diff -d "$tol" "$a" "$b" "$d" "$d" >/dev/null 2>&1; then
      h5diff -r -d "$tol" "$a" "$b" "$d" "$d" | head -n 20 >&2 || true
      fail "embed: dataset $d of $b differs from the single run by more than $tol" \
        "(max |diff| $(max_abs_diff "$a" "$b" "$d"))"
    fi
    near=$((near + 1))
    log "embed ($mode): $d within $tol, not bit for bit (max |diff| $(max_abs_diff "$a" "$b" "$d"))"
  done
  log "embed ($mode): $exact datasets bit-identical, $near within tolerance"
  [ "$(root_attributes "$b" | grep -vx merged_shards)" = "$(root_attributes "$a")" ] ||
    fail "embed: root attribute names differ"
  for attr in $(root_attributes "$a"); do
    case "$attr" in created | command_line) continue ;; esac
    [ "$(h5dump -a "/$attr" "$a" | tail -n +2)" = "$(h5dump -a "/$attr" "$b" | tail -n +2)" ] ||
      fail "embed: root attribute $attr differs"
  done
  h5dump -a /merged_shards "$b" | grep -q '(0): 3' || fail "embed: merged_shards is not 3"
}

# submit NAME ARGS...: plmkit slurm ARGS --submit; sets NAME_array, NAME_merge.
submit() {
  local name=$1 out a m
  shift
  out=$("$PLMKIT" slurm "$@" --submit)
  echo "$out" >&2
  a=$(job_id array "$out")
  m=$(job_id merge "$out")
  [ -n "$a" ] && [ -n "$m" ] || fail "no job ids in: $out"
  printf -v "${name}_array" '%s' "$a"
  printf -v "${name}_merge" '%s' "$m"
}

# ---- inputs and single-process references ----------------------------------
mkdir -p "$WORK/single" "$WORK/run" "$WORK/auto"
head -n 2001 "$LIBRARY" >"$WORK/lib.csv"
cp "$FASTA" "$WORK/proteins.fasta"
cd "$WORK"
SCREEN_ARGS=(-i lib.csv --top 500)
EMBED_ARGS=(--model "$MODEL" --input proteins.fasta --include mean,per_tok,bos,logits,contacts
  --layers=-1,1)
log "single-process reference runs"
"$PLMKIT" -q screen "${SCREEN_ARGS[@]}" -o single/hits.csv --no-progress
"$PLMKIT" -q embed "${EMBED_ARGS[@]}" --output single/emb.h5
"$PLMKIT" -q embed "${EMBED_ARGS[@]}" --max-tokens 1 --output single/emb1.h5

# ---- the same through Slurm ------------------------------------------------
screen_array='' screen_merge='' embed_array='' embed_merge='' embed1_array='' embed1_merge=''
odd_array='' odd_merge=''
# --chunk 100: each task keeps a checkpoint every 100 of its 500 records.
submit screen screen "${SCREEN_ARGS[@]}" -o run/hits.csv --no-progress --chunk 100 --array 4
submit embed embed "${EMBED_ARGS[@]}" --output run/emb.h5 --array 3
submit embed1 embed "${EMBED_ARGS[@]}" --max-tokens 1 --output run/emb1.h5 --array 3
# A folder with what an #SBATCH line reads specially: a space, a quote, a %
# (Slurm's %j, %A, ...) and a # (a comment): the logs must land in it.
ODD="run/we're 50% #1"
mkdir -p "$ODD"
# --cpus-per-task 1 and no --threads: the tasks run --threads 0, one thread.
submit odd screen "${SCREEN_ARGS[@]}" -o "$ODD/hits.csv" --no-progress --array 2 --cpus-per-task 1
jobs=("$screen_array" "$screen_merge" "$embed_array" "$embed_merge" "$embed1_array" "$embed1_merge"
  "$odd_array" "$odd_merge")
wait_jobs "${jobs[@]}"
for j in "${jobs[@]}"; do
  check_completed "$j"
done
for i in 0 1 2 3; do
  [ -f "run/hits.shard-$i-of-4.csv" ] || fail "shard output run/hits.shard-$i-of-4.csv missing"
done
check_screen single run
log "screen: merged outputs equal the single run"
grep -q -- ' --shard "${I}/4" --resume$' run/hits.csv.slurm/screen-array.sh ||
  fail "the screen array script does not end its command with --resume"
grep -qF -- "--resume: no checkpoint in run/hits.shard-0-of-4.csv.partial: starting at the first record" \
  "run/hits.csv.slurm/logs/screen-${screen_array}_0.log" ||
  fail "task 0's first run (--resume, no checkpoint) did not say it starts at the first record"
for f in "screen-${odd_array}_0.log" "screen-${odd_array}_1.log" "screen-merge-${odd_merge}.log"; do
  [ -f "$ODD/hits.csv.slurm/logs/$f" ] || fail "no log $ODD/hits.csv.slurm/logs/$f (#SBATCH --output misread)"
done
check_screen single "$ODD"
log "screen in '$ODD': logs where the #SBATCH lines say, outputs equal the single run"
check_embed single/emb1.h5 run/emb1.h5 exact
same_file single/emb1.h5.rejects.tsv run/emb1.h5.rejects.tsv
log "embed --max-tokens 1: merged file equals the single run bit for bit"
check_embed single/emb.h5 run/emb.h5 tolerant
same_file single/emb.h5.rejects.tsv run/emb.h5.rejects.tsv
log "embed, default batching: merged file equals the single run value for value"

# ---- a shard killed mid-run, re-run alone (as a requeue), merged again ----
# The task is killed (SIGKILL, as at a time limit) after its second chunk;
# the same script run again passes --resume and goes on from the checkpoint.
cp run/hits.shard-2-of-4.csv auto/expected.csv
cp run/hits.shard-2-of-4.rejects.tsv auto/expected.rejects.tsv
rm -f run/hits.csv run/hits.rejects.tsv run/hits.summary.json run/hits.shard-2-of-4.*
killed=$(sbatch --parsable --export=ALL,PLMKIT_TEST_KILL_AFTER_CHUNKS=2 --array=2 \
  run/hits.csv.slurm/screen-array.sh)
killed=${killed%%;*}
wait_jobs "$killed"
killed_state=$(scontrol show job "$killed")
case "$killed_state" in
  *JobState=COMPLETED*) fail "shard 2 run with PLMKIT_TEST_KILL_AFTER_CHUNKS=2 completed: it was not killed" ;;
esac
[ -f run/hits.shard-2-of-4.csv.partial/state.json ] || fail "killed shard 2 left no checkpoint"
[ ! -e run/hits.shard-2-of-4.csv ] || fail "killed shard 2 left a hits file that looks finished"
rerun=$(sbatch --parsable --array=2 run/hits.csv.slurm/screen-array.sh)
rerun=${rerun%%;*}
wait_jobs "$rerun"
check_completed "$rerun"
# Shard 2's records are 2, 6, ...: its first 200 end at input record 799.
grep -qF -- "--resume: the checkpoint in run/hits.shard-2-of-4.csv.partial holds 200 records; continuing with input record 800" \
  "run/hits.csv.slurm/logs/screen-${rerun}_2.log" ||
  fail "the re-run of shard 2 did not resume from its checkpoint: $(cat "run/hits.csv.slurm/logs/screen-${rerun}_2.log")"
[ ! -e run/hits.shard-2-of-4.csv.partial ] || fail "the resumed shard 2 left its checkpoint folder"
[ -f run/hits.shard-2-of-4.csv ] || fail "re-run of shard 2 wrote no output"
same_file auto/expected.csv run/hits.shard-2-of-4.csv
same_file auto/expected.rejects.tsv run/hits.shard-2-of-4.rejects.tsv
remerge=$(sbatch --parsable run/hits.csv.slurm/screen-merge.sh)
remerge=${remerge%%;*}
wait_jobs "$remerge"
check_completed "$remerge"
check_screen single run
log "screen: shard 2 killed, re-run alone from its checkpoint and merged again: equal to the single run"

# ---- --shard auto in a one-task array --------------------------------------
# sbatch --array=2 makes an array of one task (SLURM_ARRAY_TASK_COUNT=1):
# plain auto cannot know N and must refuse; auto/4 takes task 2 as shard 2/4.
{
  echo '#!/bin/bash'
  echo "env | grep '^SLURM_ARRAY_TASK_' | sort"
  printf '%q ' "$PLMKIT" -q screen "${SCREEN_ARGS[@]}" -o auto/plain.csv --no-progress --shard auto
  echo '&& echo "plain auto: accepted" || echo "plain auto: refused, exit $?"'
  printf 'exec '
  printf '%q ' "$PLMKIT" -q screen "${SCREEN_ARGS[@]}" -o auto/hits.shard-2-of-4.csv \
    --no-progress --shard auto/4
  echo
} >auto/job.sh
auto_job=$(sbatch --parsable --array=2 --output="$WORK/auto/job-%a.log" auto/job.sh)
auto_job=${auto_job%%;*}
wait_jobs "$auto_job"
check_completed "$auto_job"
cat auto/job-2.log >&2
grep -qx 'SLURM_ARRAY_TASK_COUNT=1' auto/job-2.log ||
  fail "expected SLURM_ARRAY_TASK_COUNT=1 in an sbatch --array=2 job (log above)"
grep -q 'plain auto: refused, exit 2' auto/job-2.log ||
  fail "--shard auto in a one-task array was not refused with exit 2 (log above)"
grep -q -- '--shard auto/N' auto/job-2.log || fail "the refusal does not suggest --shard auto/N"
[ ! -e auto/plain.csv ] || fail "the refused --shard auto run wrote auto/plain.csv"
same_file auto/expected.csv auto/hits.shard-2-of-4.csv
same_file auto/expected.rejects.tsv auto/hits.shard-2-of-4.rejects.tsv
log "--shard auto refused in a one-task array; --shard auto/4 wrote shard 2 of 4"

# ---- threads: SLURM_CPUS_PER_TASK without an affinity -----------------------
# The cluster runs TaskPlugin=task/none, so a task's CPU affinity is the whole
# node and only SLURM_CPUS_PER_TASK tells its CPUs (1 here).
for i in 0 1; do
  grep -q '"threads": 1,' "$ODD/hits.shard-$i-of-2.summary.json" ||
    fail "the --cpus-per-task 1 screen task $i did not run 1 thread: $(grep '"threads"' \
      "$ODD/hits.shard-$i-of-2.summary.json")"
done
if [ "$(nproc)" -ge 2 ]; then
  mkdir -p threads
  {
    echo '#!/bin/bash'
    echo 'echo "SLURM_CPUS_PER_TASK=$SLURM_CPUS_PER_TASK affinity=$(nproc)"'
    printf '%q ' "$PLMKIT" doctor --threads 2
    echo
    printf '%q ' "$PLMKIT" doctor
    echo
  } >threads/job.sh
  threads_job=$(sbatch --parsable --cpus-per-task=1 --output="$WORK/threads/job.log" threads/job.sh)
  threads_job=${threads_job%%;*}
  wait_jobs "$threads_job"
  check_completed "$threads_job"
  cat threads/job.log >&2
  grep -q -- '--threads 2 is more than the 1 CPU Slurm allocated to this task (SLURM_CPUS_PER_TASK=1;' \
    threads/job.log || fail "doctor --threads 2 in a --cpus-per-task=1 job did not warn naming SLURM_CPUS_PER_TASK (log above)"
  grep -qx 'threads    1 of 1 cores' threads/job.log ||
    fail "plain doctor in a --cpus-per-task=1 job does not default to 1 thread (log above)"
  log "threads: a --cpus-per-task=1 job defaults to 1 thread and warns for --threads 2"
else
  log "threads: one core here, the SLURM_CPUS_PER_TASK job check needs 2 (screen tasks checked)"
fi
log "PASSED"
