"""Several processes write the same database file at once.

Each worker process (this file with --worker) runs transactions on the
shared file (WAL, a busy timeout, BEGIN IMMEDIATE retried on SQLITE_BUSY):
  - it inserts users whose emails come from one pool shared by every
    worker, so the same email is tried by several processes at once: the
    UNIQUE index of the tito table must let exactly one win;
  - it increments one counter row of a tito table (read, then write the
    value plus one): no update may be lost;
  - it moves a row between two TEXT keys (UPDATE of the primary key);
and records what succeeded in an ordinary table in the same transaction.
Then: no email twice, one row per successful insert, the counter equals
the number of successful increments, every recorded move is there,
tito_check() and PRAGMA integrity_check say ok. `make test`: 4 processes x
100 transactions; `make soak` (TITO_SOAK=1): 8 x 400.
"""
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SO = os.path.splitext(os.path.realpath(os.environ.get('TITO_SO', os.path.join(ROOT, 'tito.so'))))[0]

SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE VIRTUAL TABLE users USING tito(id TEXT PRIMARY KEY, email TEXT, who INTEGER,
  UNIQUE INDEX by_email(email), INDEX by_who(who));
CREATE VIRTUAL TABLE counter USING tito(id INTEGER PRIMARY KEY, n INTEGER, INDEX by_n(n));
CREATE VIRTUAL TABLE slots USING tito(k TEXT PRIMARY KEY, owner INTEGER, UNIQUE INDEX by_owner(owner));
INSERT INTO counter VALUES (1, 0);
CREATE TABLE done(worker INTEGER, what TEXT, arg TEXT);
"""


def connect(path):
    db = sqlite3.connect(path, isolation_level=None, timeout=60)
    db.enable_load_extension(True)
    db.load_extension(SO)
    db.execute('PRAGMA busy_timeout=60000')
    return db


def immediate(db, fn):
    """Run fn inside BEGIN IMMEDIATE ... COMMIT, retrying while busy.
    Returns fn's result, or None when it raised a constraint error (the
    transaction is then rolled back)."""
    while True:
        try:
            db.execute('BEGIN IMMEDIATE')
            break
        except sqlite3.OperationalError as e:
            if 'locked' not in str(e) and 'busy' not in str(e):
                raise
            time.sleep(0.001)
    try:
        r = fn()
    except sqlite3.IntegrityError:
        db.execute('ROLLBACK')
        return None
    db.execute('COMMIT')
    return r


def worker(path, w, n, pool):
    db = connect(path)
    rng = random.Random(w)
    db.execute("INSERT OR IGNORE INTO slots VALUES ('free-%d', NULL)" % w)
    for t in range(n):
        email = 'e%d@x' % rng.randrange(pool)
        uid = 'w%d-%d' % (w, t)

        def add():
            db.execute('INSERT INTO users VALUES (?, ?, ?)', (uid, email, w))
            db.execute("INSERT INTO done VALUES (?, 'user', ?)", (w, email))
            return True
        immediate(db, add)

        def inc():
            (v,) = db.execute('SELECT n FROM counter WHERE id = 1').fetchone()
            db.execute('UPDATE counter SET n = ? WHERE id = 1', (v + 1,))
            db.execute("INSERT INTO done VALUES (?, 'inc', NULL)", (w,))
            return True
        immediate(db, inc)

        def move():
            k = db.execute('SELECT k FROM slots WHERE k LIKE ?', ('%%-%d' % w,)).fetchone()[0]
            nk = ('a-%d' if k.startswith('free') else 'free-%d') % w
            db.execute('UPDATE slots SET k = ? WHERE k = ?', (nk, k))
            db.execute("INSERT INTO done VALUES (?, 'move', ?)", (w, nk))
            return True
        immediate(db, move)
    db.close()


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--worker':
        worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
        return 0
    soak = os.environ.get('TITO_SOAK') == '1'
    nproc, ntx = (8, 400) if soak else (4, 100)
    pool = ntx  # about half of the inserts hit an email taken by another
    fails = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'mp.db')
        db = connect(path)
        db.executescript(SCHEMA)
        db.close()
        t0 = time.time()
        procs = [subprocess.Popen([sys.executable, os.path.abspath(__file__), '--worker', path,
                                   str(w), str(ntx), str(pool)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for w in range(nproc)]
        for p in procs:
            out, err = p.communicate(timeout=600)
            if p.returncode != 0:
                fails.append('worker failed: %s' % (err.strip().splitlines() or ['?'])[-1])
        db = connect(path)
        q = lambda sql: db.execute(sql).fetchall()
        dup = q('SELECT email, count(*) FROM users GROUP BY email HAVING count(*) > 1')
        n_users = q('SELECT count(*) FROM users')[0][0]
        n_added = q("SELECT count(*) FROM done WHERE what = 'user'")[0][0]
        same = q('SELECT id, email, who FROM users ORDER BY email') == \
            q("SELECT u.id, d.arg, d.worker FROM done d JOIN users u ON u.email = d.arg "
              "WHERE d.what = 'user' ORDER BY d.arg")
        counter = q('SELECT n FROM counter WHERE id = 1')[0][0]
        n_inc = q("SELECT count(*) FROM done WHERE what = 'inc'")[0][0]
        last_moves = q("SELECT arg FROM done WHERE what = 'move' AND rowid IN "
                       "(SELECT max(rowid) FROM done WHERE what = 'move' GROUP BY worker) ORDER BY arg")
        slots = q("SELECT k FROM slots ORDER BY k")
        chk = q('SELECT tito_check()')[0][0]
        integ = q('PRAGMA integrity_check')[0][0]
        db.close()
        name = '%d processes x %d transactions on one file' % (nproc, ntx)
        if fails:
            print('not ok - %s: %s' % (name, fails[0]))
            return 1
        checks = [
            ('no duplicate unique value (%d inserts won, of %d tried)' % (n_added, nproc * ntx),
             not dup and n_users == n_added and same),
            ('no lost update (counter %d, increments %d)' % (counter, n_inc),
             counter == n_inc == nproc * ntx),
            ('every key move present', [r[0] for r in last_moves] == [r[0] for r in slots]),
            ('tito_check() and integrity_check ok', chk == 'ok' and integ == 'ok'),
        ]
        bad = 0
        for what, cond in checks:
            print('%s - %s: %s' % ('ok' if cond else 'not ok', name, what))
            bad += 0 if cond else 1
        if chk != 'ok':
            print('# tito_check(): ' + chk)
        print('# %.1fs' % (time.time() - t0))
        return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
