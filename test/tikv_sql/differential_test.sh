#!/usr/bin/env bash
# differential_test.sh: the differential test (test/differential_test.py)
# with its tito tables on TiKV: the fake cluster test/run started
# (TITO_SQL_PD), or a real one (TITO_TIKV_PD). Fewer statements than on the
# embedded store (TITO_DIFF_TIKV_N per schema, default 1000: every statement
# is a few round trips to a Python fake), the same schemas and checks, plus
# not the comparison matrix (reads of a few rows: the planner's answers,
# which do not depend on the store, at 10,000 statements) nor the
# .dump/.read round trips (on TiKV a dump holds only the schema: the rows
# stay in the store). Each schema's pair runs in its own keyspace; the
# run's keyspaces are removed at the end.
set -u
cd "$(dirname "$0")/../.."
pd=${TITO_SQL_PD:-${TITO_TIKV_PD:-}}
if [ -z "$pd" ]; then
  echo "ok - differential test on TiKV # skip no cluster (run it through make test, or set TITO_TIKV_PD)"
  exit 0
fi
py=${PYTHON:-/usr/bin/python3}
schemas=$("$py" -c 'import sys; sys.path.insert(0, "test")
import differential_test as d; print(",".join(sorted(d.schemas())))') || exit 1
prefix="tito-test-diff-$(printf '%08x-%08x' $$ "$(date +%s)")-"
TITO_DIFF_STORE="tikv://$pd" TITO_DIFF_KEYSPACE="$prefix" TITO_DIFF_DUMP=0 \
  TITO_DIFF_SCHEMAS=$schemas TITO_DIFF_N=${TITO_DIFF_TIKV_N:-1000} \
  "$py" test/differential_test.py | sed 's/^\(not \)*ok - differential /&on TiKV: /'
rc=${PIPESTATUS[0]}
"${TITO_BUILD:-build}/tikv/purge_keyspace" "$pd" "$prefix" > /dev/null || rc=1
exit "$rc"
