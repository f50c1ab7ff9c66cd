#!/usr/bin/env bash
# test/fuzz/fuzz_test.sh: every fuzz target, briefly, in `make test`.
#
# Each target (built with test/fuzz/driver.c into $TITO_BUILD/fuzz/) runs on
# every file of its checked-in corpus (test/fuzz/corpus/<target>/), then on
# a fixed number of seeded mutations of it, so a run repeats exactly. A
# target that crashes, trips a sanitizer or fails one of its checks is a
# failure; the input is left in a scratch folder named in the output.
# TITO_FUZZ_SEED changes the seed, TITO_FUZZ_SCALE multiplies the runs.
set -u
cd "$(dirname "$0")/../.."
root=$PWD
build=${TITO_BUILD:-build}
seed=${TITO_FUZZ_SEED:-1}
scale=${TITO_FUZZ_SCALE:-1}
work=$(mktemp -d)
keep=0
trap '[ $keep = 1 ] || rm -rf "$work"' EXIT
# Sanitizer reports abort, so the driver can save the input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}:abort_on_error=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}:halt_on_error=1:abort_on_error=1
# The programs link the sanitizers themselves: no preload.
unset LD_PRELOAD

runs_of() { # mutations per target: the SQL targets cost more per run
  case $1 in
    planner|tamper) echo $((300 * scale)) ;;
    *) echo $((20000 * scale)) ;;
  esac
}

n=0
for src in test/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c); name=${name#fuzz_}
  bin=$build/fuzz/fuzz_$name
  corpus=test/fuzz/corpus/$name
  if [ ! -x "$bin" ]; then echo "not ok - fuzz $name: $bin not built"; n=$((n + 1)); continue; fi
  if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then
    echo "not ok - fuzz $name: no corpus in $corpus"; n=$((n + 1)); continue
  fi
  files=$(ls "$corpus" | wc -l)
  runs=$(runs_of "$name")
  mkdir -p "$work/$name"
  if (cd "$work/$name" && "$root/$bin" -seed="$seed" -runs="$runs" "$root/$corpus") \
       > "$work/$name.out" 2>&1; then
    echo "ok - fuzz $name: $files corpus files + $runs mutations (seed $seed)"
  else
    keep=1
    echo "not ok - fuzz $name (seed $seed): input and output in $work/$name"
    tail -30 "$work/$name.out" | sed 's/^/# /'
    n=$((n + 1))
  fi
done
exit $n
