"""Crash test: a writer killed with SIGKILL at random points.

A driver process (this file with --driver) runs numbered transactions on a
database file: each writes three tito tables (a rowid table with a unique
and a plain index, a TEXT-key table with a DESC covering index, a composite
key with a partial index) and, in the same transaction, the same writes to
ordinary "mirror" tables, and its number to a log table; after each COMMIT
it prints the number. The test kills the driver (SIGKILL, by its PID) a
random moment after a random number of commits, then checks the file:

  - PRAGMA integrity_check and tito_check() say ok;
  - every committed transaction is present: the log's last number is the
    last one printed, or the one after it (committed, killed before the
    print);
  - no uncommitted one is partly present: each tito table equals its
    mirror, row for row, value for value;

then starts the driver again from there, for the next trial. Both journal
modes (WAL and rollback journal). `make test`: 20 trials each; `make soak`
(TITO_SOAK=1): 300 each. TITO_CRASH_SEED sets the seed.
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
SO = os.path.splitext(os.path.realpath(os.environ.get('TITO_SO', os.path.join(ROOT, 'tito.so'))))[0]

SCHEMA = """
CREATE VIRTUAL TABLE t1 USING tito(id INTEGER PRIMARY KEY, v TEXT, g INTEGER,
  UNIQUE INDEX uv(v), INDEX ig(g));
CREATE VIRTUAL TABLE t2 USING tito(k TEXT PRIMARY KEY, n INTEGER, b BLOB,
  INDEX inb(n DESC) INCLUDE (b));
CREATE VIRTUAL TABLE t3 USING tito(a INTEGER, s TEXT, pad TEXT,
  PRIMARY KEY (a, s DESC), INDEX big(s) WHERE a % 2 = 0);
CREATE TABLE m1(id INTEGER PRIMARY KEY, v TEXT UNIQUE, g INTEGER);
CREATE TABLE m2(k TEXT PRIMARY KEY, n INTEGER, b BLOB);
CREATE TABLE m3(a INTEGER, s TEXT, pad TEXT, PRIMARY KEY (a, s));
CREATE TABLE log(i INTEGER PRIMARY KEY);
"""

# The writes of transaction i, applied to tito table T and mirror M alike.
WRITES = [
    "INSERT INTO {1} VALUES (:i, 'v' || :i, :i % 7)",
    "UPDATE {1} SET g = g + 1 WHERE id = :i - 3",
    "DELETE FROM {1} WHERE id = :i - 10",
    "INSERT OR REPLACE INTO {2} VALUES ('k' || (:i % 13), :i, zeroblob(:i % 50))",
    "DELETE FROM {2} WHERE k = 'k' || ((:i + 5) % 13) AND n % 3 = 0",
]
ROWS3 = "INSERT OR REPLACE INTO {3} VALUES (:i % 40, 's' || :j, printf('%.*c', 200 + :j, 'x'))"


def connect(path):
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.enable_load_extension(True)
    db.load_extension(SO)
    return db


def driver(path, start):
    """Run transactions start, start+1, ... until killed."""
    db = connect(path)
    i = start
    out = sys.stdout
    while True:
        db.execute('BEGIN IMMEDIATE')
        for tabs in (('t1', 't1', 't2', 't3'), ('m1', 'm1', 'm2', 'm3')):
            for w in WRITES:
                db.execute(w.format(*tabs), {'i': i})
            for j in range(i % 9):
                db.execute(ROWS3.format(*tabs), {'i': i, 'j': j})
        db.execute('INSERT INTO log VALUES (?)', (i,))
        db.execute('COMMIT')
        out.write('%d\n' % i)
        out.flush()
        i += 1


def verify(path, last_printed):
    """Problems found in the file after a kill (empty list: none), and the
    last committed transaction."""
    db = connect(path)
    problems = []
    if db.execute('PRAGMA integrity_check').fetchone()[0] != 'ok':
        problems.append('integrity_check failed')
    m = db.execute('SELECT coalesce(max(i), 0) FROM log').fetchone()[0]
    if not (last_printed <= m <= last_printed + 1):
        problems.append('log ends at %d, last commit printed %d' % (m, last_printed))
    for t, mt, order in (('t1', 'm1', 'id'), ('t2', 'm2', 'k'), ('t3', 'm3', 'a, s')):
        a = db.execute('SELECT * FROM %s ORDER BY %s' % (t, order)).fetchall()
        b = db.execute('SELECT * FROM %s ORDER BY %s' % (mt, order)).fetchall()
        if a != b:
            problems.append('%s differs from its mirror (%d vs %d rows)' % (t, len(a), len(b)))
    chk = db.execute('SELECT tito_check()').fetchone()[0]
    if chk != 'ok':
        problems.append('tito_check(): ' + chk)
    db.close()
    return problems, m


def trial_run(mode, trials, rng, tmp):
    path = os.path.join(tmp, 'crash-%s.db' % mode)
    db = connect(path)
    db.execute('PRAGMA journal_mode=%s' % mode)
    db.executescript(SCHEMA)
    db.close()
    done = 0
    start = 1
    bad = []
    kills_mid = 0
    hot = 0
    for _ in range(trials):
        p = subprocess.Popen([sys.executable, os.path.abspath(__file__), '--driver', path, str(start)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        want = rng.randint(1, 12)
        last = start - 1
        for _ in range(want):
            line = p.stdout.readline()
            if not line:
                break
            last = int(line)
        time.sleep(rng.random() * 0.004)  # land inside a transaction, or not
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        rest = p.stdout.read()
        for line in rest.split():
            last = int(line)
        if os.path.exists(path + '-journal'):
            hot += 1  # killed inside a write transaction (rollback journal)
        err = p.stderr.read()
        if line_count_error(err):
            bad.append('driver failed: ' + err.strip().splitlines()[-1])
            break
        problems, m = verify(path, last)
        if m == last + 1:
            kills_mid += 1
        if problems:
            bad.append('after transaction %d: %s' % (last, '; '.join(problems)))
            break
        done += 1
        start = m + 1
    return done, bad, start - 1, kills_mid, hot


def line_count_error(err):
    """A driver's stderr shows a real failure (not the kill)."""
    return 'Error' in err or 'Traceback' in err


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--driver':
        driver(sys.argv[2], int(sys.argv[3]))
        return 0
    soak = os.environ.get('TITO_SOAK') == '1'
    trials = 300 if soak else 20
    seed = int(os.environ.get('TITO_CRASH_SEED', str(int(time.time()) if soak else 20261203)))
    rng = random.Random(seed)
    fails = 0
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ('WAL', 'DELETE'):
            t0 = time.time()
            done, bad, txns, mid, hot = trial_run(mode, trials, rng, tmp)
            name = 'crash test, journal_mode=%s: %d SIGKILL trials' % (mode, trials)
            if bad or done != trials:
                print('not ok - %s (seed %d): %s' % (name, seed, '; '.join(bad) or 'stopped early'))
                fails += 1
            else:
                print('ok - %s, %d transactions, every commit present, no partial one' % (name, txns))
            print('# %s: %d trials, %d transactions committed, %d kills after COMMIT before its '
                  'report%s, %.1fs' % (mode, done, txns, mid,
                                       ', %d inside a transaction (hot journal)' % hot if mode == 'DELETE' else '',
                                       time.time() - t0))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
