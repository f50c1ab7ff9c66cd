"""alter_crash_test.py: a process running tito_alter is killed (SIGKILL) at
random moments; the database it leaves must hold every change whole or not
at all, but for an index being built in steps, which must be invisible to
queries, kept exact by writes, and finished by RESUME (or dropped by
CANCEL).

The file has a model of 100,000 rows (TITO_ALTER_CRASH_ROWS). A child
process (this file with --child) adds and drops indexes on it in a loop,
printing each change once it returned; the test kills it a random moment
after it started, then opens the file and checks: PRAGMA integrity_check
and tito_check() say ok (rows and index entries agree: no half-built
index, no stray entries of a dropped one), the definition in sqlite_schema
and in the store's catalog agree (tito_check compares them), and every
change the child reported is there. The child builds in steps of 5,000
rows, so most kills land inside an ADD INDEX: the test then checks that
tito_changes shows the build, that no query reads the index, writes some
rows (the build must keep up with them), and runs RESUME (or, one time in
four, CANCEL); tito_check must be ok again, the index complete.
make test: 8 trials; TITO_SOAK=1: 40.
"""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SO = os.path.splitext(os.path.realpath(os.environ.get(
    'TITO_SO', os.path.join(ROOT, 'tito.so'))))[0]
N = int(os.environ.get('TITO_ALTER_CRASH_ROWS', '100000'))
CHANGES = [
    "ADD INDEX by_g(g)", "ADD UNIQUE INDEX by_v(v)",
    "ADD INDEX by_s(s DESC, g) WHERE g % 2 = 0", "DROP INDEX by_v",
    "DROP INDEX by_g", "DROP INDEX by_s",
]


def connect(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(SO)
    return db


def child(path, start):
    db = connect(path)
    db.execute("SELECT tito_config('alter_batch', 5000)")
    i = start
    while True:
        db.execute("SELECT tito_alter('t', ?)", (CHANGES[i % len(CHANGES)],))
        print(i, flush=True)
        i += 1


def indexes(db):
    return [r[0] for r in db.execute(
        "SELECT name FROM tito_indexes('t') WHERE seq > 0 ORDER BY name")]


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--child':
        child(sys.argv[2], int(sys.argv[3]))
        return
    rng = random.Random(int(os.environ.get('TITO_CRASH_SEED', '20261204')))
    trials = 40 if os.environ.get('TITO_SOAK') else 8
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'a.db')
        db = connect(path)
        db.execute('PRAGMA journal_mode=WAL')
        db.execute("CREATE VIRTUAL TABLE t USING tito(id INTEGER PRIMARY KEY,"
                   " v TEXT, g INTEGER, s TEXT)")
        db.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                   "FROM n WHERE i < %d) INSERT INTO t SELECT i, 'v' || i, "
                   "i %% 97, printf('%%05d', i * 7919 %% 100003) FROM n" % N)
        db.close()
        t0 = time.time()
        done = 0  # changes reported so far
        kills_mid = 0
        kills_building = 0
        resumed = 0
        for trial in range(trials):
            p = subprocess.Popen([sys.executable, __file__, '--child', path,
                                  str(done)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            time.sleep(rng.uniform(0.05, 1.5))
            p.send_signal(signal.SIGKILL)
            out, err = p.communicate()
            reported = [int(x) for x in out.split()]
            if err.strip():
                print('# child said: %s' % err.strip().splitlines()[-1])
            db = connect(path)
            ok = db.execute('PRAGMA integrity_check').fetchone()[0]
            chk = db.execute("SELECT tito_check('t')").fetchone()[0]
            building = db.execute("SELECT index_name, rows_done, rows_total, "
                                  "change FROM tito_changes").fetchall()
            if building:
                name = building[0][0]
                kills_building += 1
                # No query reads it; writes keep it exact.
                paths = {r[0] for r in db.execute(
                    "SELECT tito_index FROM t WHERE g = 5 AND v = 'v5' "
                    "UNION SELECT tito_index FROM t WHERE s > '5' "
                    "UNION SELECT tito_index FROM t WHERE g = 4 "
                    "AND s = '00000'")}
                if name in paths:
                    print('not ok - a query read index %s while it was being '
                          'built' % name)
                    failures += 1
                db.execute("UPDATE t SET g = g + 1, s = s || 'x', v = v || "
                           "'_%d' WHERE id %% 997 = %d" % (trial, trial))
                db.execute("DELETE FROM t WHERE id %% 1009 = %d" % trial)
                db.execute("INSERT INTO t SELECT id + %d, 'n' || id || '_%d',"
                           " g, s FROM t WHERE id %% 1013 = %d"
                           % (10 ** 6 * (trial + 1), trial, trial))
                chk2 = db.execute("SELECT tito_check('t')").fetchone()[0]
                # A dropped index's entries can only be finished deleting.
                verb = ('CANCEL' if building[0][3] == 'add index' and
                        rng.random() < 0.25 else 'RESUME')
                db.execute("SELECT tito_alter('t', ?)", (verb,))
                chk3 = db.execute("SELECT tito_check('t')").fetchone()[0]
                left = db.execute("SELECT count(*) FROM tito_changes")
                left = left.fetchone()[0]
                if chk2 != 'ok' or chk3 != 'ok' or left:
                    print('not ok - build of %s (%d of %d rows) then writes '
                          'then %s: tito_check %s / %s, %d builds left'
                          % (name, building[0][1], building[0][2], verb,
                             chk2, chk3, left))
                    failures += 1
                resumed += verb == 'RESUME'
            have = indexes(db)
            db.close()
            # Every change the child reported is there; the one it was
            # running when killed may or may not be (whole either way).
            last = reported[-1] if reported else done - 1
            applied = set()
            for i in range(0, last + 1):
                c = CHANGES[i % len(CHANGES)]
                name = c.split('(')[0].split()[-1]
                (applied.add if c.startswith('ADD') else applied.discard)(name)
            nxt = CHANGES[(last + 1) % len(CHANGES)]
            nname = nxt.split('(')[0].split()[-1]
            alt = set(applied)
            (alt.add if nxt.startswith('ADD') else alt.discard)(nname)
            good = ok == 'ok' and chk == 'ok' and set(have) in (applied, alt)
            if set(have) == alt and alt != applied:
                kills_mid += 1
            if not good:
                failures += 1
                print('not ok - alter crash trial %d: integrity %s, tito_check '
                      '%s, indexes %s, want %s or %s'
                      % (trial, ok, chk, have, sorted(applied), sorted(alt)))
            # The next child goes on from what the file holds.
            done = last + 1 + (1 if set(have) == alt and alt != applied else 0)
        print('# %d trials, %d changes, %d killed after a commit before its '
              'report, %d inside a build (%d resumed), %.1fs'
              % (trials, done, kills_mid, kills_building, resumed,
                 time.time() - t0))
        if failures == 0:
            print('ok - alter crash: every kill left each tito_alter whole or '
                  'absent, tito_check ok (%d rows)' % N)


if __name__ == '__main__':
    main()
