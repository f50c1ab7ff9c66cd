"""alter_bench.py: rows per second of an index backfill (tito_alter ADD
INDEX) beside SQLite's own CREATE INDEX over an ordinary table with the
same rows, in the same run (make bench). Figures, not tests; ratio = how
many times slower tito is. 100k and 1M rows (TITO_ALTER_BENCH_ROWS to
change), a database file in a temp dir, WAL, wall-clock time, best of 3
(the index is dropped between rounds). tito builds in steps of
tito_config('alter_batch') rows (100,000), each its own transaction with a
pause after it (the default: an eighth of the step's time); the last
column is the same build inside one BEGIN ... COMMIT (no pauses).
"""
import os
import sqlite3
import tempfile
import time

SO = os.path.abspath(os.environ.get('TITO_SO', './tito.so'))
SIZES = [int(x) for x in
         os.environ.get('TITO_ALTER_BENCH_ROWS', '100000,1000000').split(',')]
LOAD = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "WHERE i < %d) INSERT INTO %s SELECT i, 'u' || i || '@example.com', "
        "'name ' || (i %% 997), 1700000000 + i * 7 %% 100003 FROM n")


def connect(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(SO)
    db.execute('PRAGMA journal_mode=WAL')
    db.execute('PRAGMA synchronous=NORMAL')
    return db


def timed(db, sql):
    t0 = time.perf_counter()
    db.execute(sql).fetchall()
    return time.perf_counter() - t0


def run(n, d):
    db = connect(os.path.join(d, 'a%d.db' % n))
    db.execute('CREATE TABLE o(id INTEGER PRIMARY KEY, email TEXT, '
               'name TEXT, created_at INT)')
    db.execute('CREATE VIRTUAL TABLE t USING tito(id INTEGER PRIMARY KEY, '
               'email TEXT, name TEXT, created_at INT)')
    for table in ('o', 't'):
        db.execute('BEGIN')
        db.execute(LOAD % (n, table))
        db.execute('COMMIT')
    cases = [
        ('plain (name, created_at)',
         'CREATE INDEX o_i ON o(name, created_at)', 'DROP INDEX o_i',
         "SELECT tito_alter('t', 'ADD INDEX t_i(name, created_at)')",
         "SELECT tito_alter('t', 'DROP INDEX t_i')"),
        ('unique (email)',
         'CREATE UNIQUE INDEX o_u ON o(email)', 'DROP INDEX o_u',
         "SELECT tito_alter('t', 'ADD UNIQUE INDEX t_u(email)')",
         "SELECT tito_alter('t', 'DROP INDEX t_u')"),
    ]
    for name, o_add, o_drop, t_add, t_drop in cases:
        to, tt, td, t1 = [], [], [], []
        for _ in range(3):
            to.append(timed(db, o_add))
            timed(db, o_drop)
            tt.append(timed(db, t_add))
            td.append(timed(db, t_drop))
            db.execute('BEGIN')
            t1.append(timed(db, t_add))
            db.execute('COMMIT')
            timed(db, t_drop)
        bo, bt, b1 = min(to), min(tt), min(t1)
        print('%-26s %9d %12.0f %12.0f %7.2fx %7.2fx   (drop: %.2fs)'
              % (name, n, n / bo, n / bt, bt / bo, b1 / bo, min(td)))
    ok = db.execute("SELECT tito_check('t')").fetchone()[0]
    if ok != 'ok':
        print('# tito_check after the rounds: %s' % ok)
    db.close()


def main():
    print('# index backfill: rows/s of CREATE INDEX on an ordinary table '
          'vs tito_alter ADD INDEX (SQLite %s)' % sqlite3.sqlite_version)
    print('%-26s %9s %12s %12s %8s %8s' % ('index', 'rows', 'native rows/s',
                                           'tito rows/s', 'ratio',
                                           'one txn'))
    with tempfile.TemporaryDirectory() as d:
        for n in SIZES:
            run(n, d)


if __name__ == '__main__':
    main()
