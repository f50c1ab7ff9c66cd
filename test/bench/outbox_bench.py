"""outbox_bench.py: events produced and consumed per second on the
embedded store, beside a plain SQLite queue table, in the same run (make
bench). Figures, not tests; ratios = how many times slower tito is.

  produce: INSERT into a model with one topic vs the same model without
           one (autocommit, and batched 1000 rows per transaction); the
           model is a users table with a unique and a plain index, and
           the bare case (integer key, no index) is shown too;
  consume: BEGIN; INSERT INTO proj SELECT ... FROM tito_events(...) LIMIT
           100; COMMIT  vs  BEGIN; INSERT INTO proj SELECT ... FROM queue
           ORDER BY id LIMIT 100; DELETE FROM queue WHERE id <= last;
           COMMIT on an ordinary table (INTEGER PRIMARY KEY: the index a
           careful user would have).
Best of 3 rounds, a database file in a temp dir, wall-clock time.
"""
import os
import sqlite3
import tempfile
import time

SO = os.path.abspath(os.environ.get('TITO_SO', './tito.so'))
N_AUTO, N_BATCH = 3000, 30000


def connect(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(SO)
    db.execute('PRAGMA journal_mode=WAL')
    db.execute('PRAGMA synchronous=NORMAL')
    return db


def best(f, rounds=3):
    t = []
    for _ in range(rounds):
        t.append(f())
    return min(t)


def produce(topic, batch, n, bare=False):
    d = tempfile.mkdtemp()
    db = connect(os.path.join(d, 'b.db'))
    db.execute("CREATE VIRTUAL TABLE t USING tito(id INTEGER PRIMARY KEY, "
               "email TEXT, status TEXT%s%s)"
               % ('' if bare else ', UNIQUE INDEX by_email(email), '
                  'INDEX by_status(status)', ', TOPIC t' if topic else ''))
    rows = [(i, 'u%d@example.com' % i, 'new') for i in range(1, n + 1)]
    t0 = time.perf_counter()
    if batch:
        for i in range(0, n, 1000):
            db.execute('BEGIN')
            db.executemany('INSERT INTO t VALUES (?, ?, ?)', rows[i:i + 1000])
            db.execute('COMMIT')
    else:
        for r in rows:
            db.execute('INSERT INTO t VALUES (?, ?, ?)', r)
    dt = time.perf_counter() - t0
    db.close()
    return dt


def consume(tito, n):
    d = tempfile.mkdtemp()
    db = connect(os.path.join(d, 'c.db'))
    db.execute('CREATE TABLE proj(id INTEGER, body TEXT)')
    if tito:
        db.execute("CREATE VIRTUAL TABLE t USING tito(id INTEGER PRIMARY KEY, "
                   "email TEXT, TOPIC t)")
        db.execute('BEGIN')
        db.executemany('INSERT INTO t VALUES (?, ?)',
                       [(i, 'u%d@example.com' % i) for i in range(1, n + 1)])
        db.execute('COMMIT')
    else:
        db.execute('CREATE TABLE queue(id INTEGER PRIMARY KEY, body TEXT)')
        db.execute('BEGIN')
        db.executemany('INSERT INTO queue(body) VALUES (?)',
                       [('{"id":%d,"email":"u%d@example.com"}' % (i, i),)
                        for i in range(1, n + 1)])
        db.execute('COMMIT')
    t0 = time.perf_counter()
    got = 0
    while got < n:
        db.execute('BEGIN')
        if tito:
            db.execute("INSERT INTO proj SELECT key, new FROM "
                       "tito_events('t', 'g', NULL, NULL, 100)")
            k = db.execute('SELECT changes()').fetchone()[0]
        else:
            db.execute('INSERT INTO proj SELECT id, body FROM queue '
                       'ORDER BY id LIMIT 100')
            k = db.execute('SELECT changes()').fetchone()[0]
            db.execute('DELETE FROM queue WHERE id <= (SELECT max(id) FROM proj)')
        db.execute('COMMIT')
        got += k
        if k == 0:
            break
    dt = time.perf_counter() - t0
    if got != n:
        raise SystemExit('consumed %d of %d' % (got, n))
    db.close()
    return dt


def line(name, n, t_tito, t_ref, ref):
    print('%-40s %10.0f/s %10.0f/s %6.2fx  (vs %s)'
          % (name, n / t_tito, n / t_ref, t_tito / t_ref, ref))


print('tito outbox on the embedded store, SQLite %s; events/s, best of 3; '
      'ratio = tito time / reference time' % sqlite3.sqlite_version)
print('%-40s %12s %12s %7s' % ('operation', 'tito', 'reference', 'ratio'))
line('produce, autocommit INSERT', N_AUTO, best(lambda: produce(1, 0, N_AUTO)),
     best(lambda: produce(0, 0, N_AUTO)), 'the model without a topic')
line('produce, 1000 INSERT per transaction', N_BATCH,
     best(lambda: produce(1, 1, N_BATCH)), best(lambda: produce(0, 1, N_BATCH)),
     'the model without a topic')
line('produce, batched, bare model (no index)', N_BATCH,
     best(lambda: produce(1, 1, N_BATCH, True)),
     best(lambda: produce(0, 1, N_BATCH, True)), 'the same without a topic')
line('consume, batches of 100 into a table', N_BATCH,
     best(lambda: consume(1, N_BATCH)), best(lambda: consume(0, N_BATCH)),
     'a plain queue table: SELECT, then DELETE')
