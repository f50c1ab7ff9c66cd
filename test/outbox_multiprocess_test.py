"""outbox_multiprocess_test.py: producers and consumers in separate
processes on one database file (WAL and rollback journal), one producer and
one consumer killed with SIGKILL (by PID) mid-run, repeatedly. Every event
must reach each group's projection exactly once, in order per partition,
and tito_check() must be ok. Prints "ok - " / "not ok - " lines.

Producers insert rows into a model with a topic (each row's insert event
carries its number). Each consumer loops: BEGIN; INSERT INTO proj_<group>
SELECT ... FROM tito_events(...); COMMIT; the projection is an ordinary
table written in the consuming transaction, so a duplicate or a gap shows
in it.
"""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

SO = os.path.abspath(os.environ.get('TITO_SO', './tito.so'))
PRODUCERS, CONSUMERS_PER_GROUP, ROWS = 3, 2, 600
GROUPS = ('a', 'b')
WORKER = r'''
import os, sqlite3, sys, time
so, path, role, arg = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
db = sqlite3.connect(path, timeout=30, isolation_level=None)
db.enable_load_extension(True); db.load_extension(so)
db.execute("PRAGMA busy_timeout=30000")
def retry(f):
    while True:
        try:
            return f()
        except sqlite3.OperationalError as e:
            if 'locked' not in str(e) and 'busy' not in str(e):
                raise
            try: db.execute("ROLLBACK")
            except sqlite3.Error: pass
            time.sleep(0.01)
if role == 'produce':
    first, n = map(int, arg.split(':'))
    for i in range(first, first + n, 5):
        def tx():
            db.execute("BEGIN IMMEDIATE")
            for j in range(i, min(i + 5, first + n)):
                db.execute("INSERT INTO items VALUES (?, ?)", (j, 'p%d' % j))
            db.execute("COMMIT")
        retry(tx)
else:
    group, total = arg.split(':')
    idle = 0
    while idle < 200:
        def tx():
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO proj_%s SELECT key, \"partition\", position "
                       "FROM tito_events('items', '%s', 0, 7, 20)" % (group, group))
            n = db.execute("SELECT changes()").fetchone()[0]
            db.execute("COMMIT")
            return n
        n = retry(tx)
        done = db.execute("SELECT count(*) FROM proj_%s" % group).fetchone()[0]
        if done >= int(total):
            break
        idle = idle + 1 if n == 0 else 0
        time.sleep(0.005)
'''


def run(mode):
    d = tempfile.mkdtemp()
    path = os.path.join(d, 'o.db')
    worker = os.path.join(d, 'worker.py')
    with open(worker, 'w') as f:
        f.write(WORKER)
    db = sqlite3.connect(path, isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(SO)
    db.execute('PRAGMA journal_mode=%s' % mode)
    db.execute("CREATE VIRTUAL TABLE items USING tito(id INTEGER PRIMARY KEY,"
               " v TEXT, TOPIC items PARTITIONS 8)")
    for g in GROUPS:
        db.execute('CREATE TABLE proj_%s(id INTEGER, part INTEGER, pos INTEGER)' % g)
        db.execute("SELECT tito_group_start('items', '%s', 'beginning')" % g)
    total = PRODUCERS * ROWS

    def spawn(role, arg):
        return subprocess.Popen([sys.executable, worker, SO, path, role, arg])
    procs = []
    for p in range(PRODUCERS):
        procs.append(('produce', '%d:%d' % (1 + p * ROWS, ROWS), spawn('produce', '%d:%d' % (1 + p * ROWS, ROWS))))
    for g in GROUPS:
        for _ in range(CONSUMERS_PER_GROUP):
            procs.append(('consume', '%s:%d' % (g, total), spawn('consume', '%s:%d' % (g, total))))
    # Kill one producer and one consumer a few times, by PID, mid-run; a
    # killed producer is restarted for the rows it had not committed.
    rnd = random.Random(7)
    kills = 0
    deadline = time.time() + 120
    for _ in range(4):
        time.sleep(rnd.uniform(0.05, 0.15))
        for role in ('produce', 'consume'):
            live = [i for i, (r, a, p) in enumerate(procs) if r == role and p.poll() is None]
            if not live:
                continue
            i = rnd.choice(live)
            r, a, p = procs[i]
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            kills += 1
            if r == 'produce':
                first, n = map(int, a.split(':'))
                have = {x[0] for x in db.execute(
                    'SELECT id FROM items WHERE id BETWEEN ? AND ?', (first, first + n - 1))}
                rest = [x for x in range(first, first + n) if x not in have]
                if rest:
                    a = '%d:%d' % (rest[0], first + n - rest[0])
            procs[i] = (r, a, spawn(r, a))
    for r, a, p in procs:
        p.wait(timeout=max(1, deadline - time.time()))
    # A consumer killed last may have left work: one more pass per group.
    for g in GROUPS:
        subprocess.run([sys.executable, worker, SO, path, 'consume', '%s:%d' % (g, total)], timeout=60)
    ok = True
    rows = db.execute('SELECT count(*) FROM items').fetchone()[0]
    if rows != total:
        print('# %s: %d rows, expected %d' % (mode, rows, total))
        ok = False
    for g in GROUPS:
        got = db.execute('SELECT id, part, pos FROM proj_%s' % g).fetchall()
        ids = [x[0] for x in got]
        if sorted(ids) != list(range(1, total + 1)):
            dup = len(ids) - len(set(ids))
            print('# %s group %s: %d events, %d duplicates, expected %d once each'
                  % (mode, g, len(ids), dup, total))
            ok = False
        byp = {}
        for i, part, pos in db.execute('SELECT id, part, pos FROM proj_%s ORDER BY rowid' % g):
            byp.setdefault(part, []).append(pos)
        for part, poss in byp.items():
            if poss != sorted(poss) or len(set(poss)) != len(poss):
                print('# %s group %s partition %d: positions out of order' % (mode, g, part))
                ok = False
    if kills < 4:
        print('# %s: only %d kills landed while the workers ran' % (mode, kills))
        ok = False
    check = db.execute('SELECT tito_check()').fetchone()[0]
    if check != 'ok':
        print('# tito_check: %s' % check)
        ok = False
    print('%s - outbox multi-process %s: %d producers, %d consumers, %d SIGKILLs, %d events x %d groups'
          % ('ok' if ok else 'not ok', mode, PRODUCERS, CONSUMERS_PER_GROUP * len(GROUPS),
             kills, total, len(GROUPS)))
    db.close()


for mode in ('wal', 'delete'):
    run(mode)
