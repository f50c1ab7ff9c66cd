#!/usr/bin/env bash
# test/fuzz/run.sh: `make fuzz`: each fuzz target for a set time.
#
#   bash test/fuzz/run.sh [TARGET...]        (default: every target)
#   FUZZ_TIME=seconds per target (default 60), FUZZ_MERGE=1 to add the
#   inputs that found new coverage to the checked-in corpus afterwards,
#   FUZZ_ENGINE=driver to use the seeded driver even where libFuzzer is.
#
# With clang's libFuzzer (Debian: clang and libclang-rt-14-dev, `make
# setup-fuzz`) the targets are built with -fsanitize=fuzzer,address,
# undefined into build-fuzz/ and fuzzed with coverage feedback, starting
# from test/fuzz/corpus/<target>/; new inputs go to build-fuzz/corpus/
# <target>/, crashes to build-fuzz/crashes/. Without libFuzzer the same
# targets run under the seeded random driver (test/fuzz/driver.c, ASan and
# UBSan) for the same time. One target runs at a time, on one core.
# Prints one line per target: executions, crashes, corpus size.
set -u
cd "$(dirname "$0")/../.."
time_per=${FUZZ_TIME:-60}
out=build-fuzz
mkdir -p "$out/crashes" "$out/corpus"
targets=("$@")
if [ ${#targets[@]} = 0 ]; then
  for f in test/fuzz/fuzz_*.c; do t=$(basename "$f" .c); targets+=("${t#fuzz_}"); done
fi

SRC="$(ls src/*.c ext/*.c)"
SQLITE_LIBS="$(pkg-config --libs sqlite3 2>/dev/null || echo -lsqlite3) -luuid"
# The engine links the TiKV client (not fuzzed: built as usual by make).
make -s --no-print-directory build/libtitotikv.a || exit 1
TIKV_LIBS="build/libtitotikv.a $(pkg-config --libs grpc libprotobuf-c 2>/dev/null) -lpthread"
FLAGS="-std=c11 -O1 -g -fno-omit-frame-pointer -D_GNU_SOURCE -Isrc -Iext -Itest/fuzz"
mode=driver
[ "${FUZZ_ENGINE:-}" = driver ] && probe_skip=1 || probe_skip=0
probe=$(mktemp -d)
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' > "$probe/p.c"
if [ $probe_skip = 0 ] && command -v clang >/dev/null 2>&1 &&
   clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
  mode=libfuzzer
fi
rm -rf "$probe"
echo "fuzz: $mode, ${time_per}s per target"
if [ $mode = driver ] && [ $probe_skip = 0 ]; then
  echo "fuzz: (clang's libFuzzer not found: make setup-fuzz installs it; using the seeded driver)"
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1
unset LD_PRELOAD
fail=0
for t in "${targets[@]}"; do
  bin=$out/fuzz_$t
  if [ $mode = libfuzzer ]; then
    # shellcheck disable=SC2086
    clang $FLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -o "$bin" "test/fuzz/fuzz_$t.c" $SRC $TIKV_LIBS $SQLITE_LIBS -lm || { fail=1; continue; }
    mkdir -p "$out/corpus/$t"
    "$bin" -max_total_time="$time_per" -timeout=20 -rss_limit_mb=4096 \
      -print_final_stats=1 -artifact_prefix="$out/crashes/$t-" \
      "$out/corpus/$t" "test/fuzz/corpus/$t" > "$out/$t.log" 2>&1
    rc=$?
    execs=$(grep -a 'stat::number_of_executed_units' "$out/$t.log" | awk '{print $2}')
    if [ "${FUZZ_MERGE:-0}" = 1 ] && [ $rc = 0 ]; then
      "$bin" -merge=1 "test/fuzz/corpus/$t" "$out/corpus/$t" >> "$out/$t.log" 2>&1
    fi
  else
    # shellcheck disable=SC2086
    ${CC:-cc} $FLAGS -Wall -Wextra -fsanitize=address,undefined -fno-sanitize-recover=undefined \
      -o "$bin" "test/fuzz/fuzz_$t.c" test/fuzz/driver.c $SRC $TIKV_LIBS $SQLITE_LIBS -lm || { fail=1; continue; }
    (cd "$out/crashes" && "$OLDPWD/$bin" -seed="$(date +%s)" -runs=1000000000 \
       -max_total_time="$time_per" "$OLDPWD/test/fuzz/corpus/$t") > "$out/$t.log" 2>&1
    rc=$?
    execs=$(grep -a '^runs:' "$out/$t.log" | awk '{print $2}')
  fi
  files=$(ls "test/fuzz/corpus/$t" 2>/dev/null | wc -l)
  if [ $rc = 0 ]; then
    echo "fuzz $t: ${execs:-?} executions in ${time_per}s, no crash (corpus: $files files)"
  else
    echo "fuzz $t: CRASH after ${execs:-?} executions; see $out/$t.log and $out/crashes/"
    grep -a -E 'ERROR|SUMMARY|fuzz_[a-z]+:' "$out/$t.log" | head -5 | sed 's/^/  /'
    fail=1
  fi
done
exit $fail
