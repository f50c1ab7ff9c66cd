"""concurrency_test.py: tito tables on TiKV used by several processes at
once, each with its own SQLite database (as on different machines), on the
fake cluster (or TITO_TIKV_PD; the crashed-writer case needs the fake).

  - conflicting transactions: exactly one wins; the loser gets
    SQLITE_BUSY_SNAPSHOT saying to retry, its transaction is over, and a
    retried COMMIT reports an error, never success; retrying the whole
    transaction works
  - a read-modify-write never loses an update: processes incrementing one
    counter with retries end at the exact total
  - uniqueness races (primary key, unique index) across processes: exactly
    one insert of a value survives, enforced by the store
  - a writer killed between prewrite and commit: the next reader resolves
    its locks (rolls it back) and reads past them
  - snapshots: a transaction that only reads keeps one snapshot and a new
    transaction takes a new one (also after ROLLBACK, and for a transaction
    opened by SAVEPOINT); outside transactions each statement reads a
    fresh one
Prints "ok - NAME" / "not ok - NAME".
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tikvsql  # noqa: E402
from tikvsql import Worker, tap  # noqa: E402

ACCT = ("CREATE VIRTUAL TABLE acct USING tito(id TEXT PRIMARY KEY, "
        "n INTEGER)")


def workers(url, n, setup=None, attach=('acct',)):
    """N workers on store URL; SETUP runs in the first, the others attach
    to the tables named in ATTACH."""
    ws = [Worker(url) for _ in range(n)]
    if setup:
        for s in setup:
            ws[0].rows(s)
    for w in ws[1:]:
        for t in attach:
            w.rows('CREATE VIRTUAL TABLE %s USING tito()' % t)
    return ws


def conflict(cluster, url):
    a, b = ws = workers(url, 2, [ACCT, "INSERT INTO acct VALUES ('x', 0)"])
    try:
        for w in ws:
            w.rows('BEGIN')
            w.rows("SELECT n FROM acct WHERE id = 'x'")
            w.rows("UPDATE acct SET n = n + 1 WHERE id = 'x'")
        ra = a.sql('COMMIT')
        rb = b.sql('COMMIT')
        tap('err' not in ra, 'conflict: the first COMMIT wins', ra)
        tap(rb.get('code') == 'SQLITE_BUSY_SNAPSHOT' and
            'run it again' in rb.get('err', ''),
            'conflict: the loser gets SQLITE_BUSY_SNAPSHOT saying to retry',
            rb)
        again = b.sql('COMMIT')
        tap(again.get('err') == 'cannot commit - no transaction is active',
            'conflict: a retried COMMIT reports an error, not success',
            again)
        tap(a.rows("SELECT n FROM acct WHERE id = 'x'") == [[1]],
            'conflict: only the winner\'s update is there')
        r = b.sql('BEGIN')
        if 'err' not in r:
            b.rows("UPDATE acct SET n = n + 1 WHERE id = 'x'")
            r = b.sql('COMMIT')
        tap('err' not in r and
            a.rows("SELECT n FROM acct WHERE id = 'x'") == [[2]],
            'conflict: the whole transaction, run again, commits', r)
    finally:
        for w in ws:
            w.close()


def counter(cluster, url, nproc=4, nincr=8):
    ws = workers(url, nproc, [ACCT, "INSERT INTO acct VALUES ('c', 0)"])
    try:
        for w in ws:
            for _ in range(nincr):
                w.send({'retry': ["UPDATE acct SET n = n + 1 WHERE id = 'c'"],
                        'times': 200})
        tries = 0
        bad = []
        for w in ws:
            for _ in range(nincr):
                r = w.reply()
                if 'err' in r:
                    bad.append(r)
                else:
                    tries += r['tries']
        got = ws[0].rows("SELECT n FROM acct WHERE id = 'c'")
        tap(not bad and got == [[nproc * nincr]],
            'counter: %d processes x %d increments = %d (%d conflicts '
            'retried)' % (nproc, nincr, nproc * nincr,
                          tries - nproc * nincr), (bad, got))
    finally:
        for w in ws:
            w.close()


def uniqueness(cluster, url, nproc=4):
    users = ("CREATE VIRTUAL TABLE users USING tito(id INTEGER PRIMARY KEY, "
             "email TEXT, UNIQUE INDEX by_email(email))")
    ws = workers(url, nproc, [users], attach=('users',))
    try:
        # Every process inserts the same email under its own id, and then
        # the same id: each transaction is open in all of them before any
        # commits, so no read before the write can have seen another's.
        for what, row in (('unique index', lambda i: (10 + i, 'same@x')),
                          ('primary key', lambda i: (1, 'p%d@x' % i))):
            for i, w in enumerate(ws):
                w.rows('BEGIN')
                w.rows('INSERT INTO users VALUES (?, ?)', *row(i))
            outs = [w.sql('COMMIT') for w in ws]
            won = [o for o in outs if 'err' not in o]
            lost = [o for o in outs if 'err' in o]
            tap(len(won) == 1 and all(
                o['code'] in ('SQLITE_BUSY_SNAPSHOT', 'SQLITE_CONSTRAINT')
                for o in lost),
                'uniqueness (%s): exactly one of %d concurrent inserts '
                'commits' % (what, nproc), outs)
            # The losers, retrying, now see the winner's value.
            retry = [ws[i].sql('INSERT INTO users VALUES (?, ?)', *row(i))
                     for i, o in enumerate(outs) if 'err' in o]
            tap(all(r.get('code') in ('SQLITE_CONSTRAINT_UNIQUE',
                                      'SQLITE_CONSTRAINT_PRIMARYKEY')
                    and 'UNIQUE constraint failed: users.' in r['err']
                    for r in retry),
                'uniqueness (%s): a retry fails with SQLite\'s UNIQUE '
                'constraint error' % what, retry)
        rows = ws[0].rows('SELECT count(*) FROM users')
        check = ws[-1].rows("SELECT tito_check('users')")
        tap(rows == [[2]] and check == [['ok']],
            'uniqueness: two rows in the end, indexes consistent',
            (rows, check))
    finally:
        for w in ws:
            w.close()


def killed_writer(cluster, url, keyspace):
    if not cluster.control:
        print('ok - killed writer # skip needs the fake cluster\'s control '
              'channel')
        return
    # The first model of a fresh keyspace has id 1; the row key of 'victim'
    # is the transaction's only key, so its primary.
    ws = workers(url, 2, ["CREATE VIRTUAL TABLE k USING tito(id TEXT "
                          "PRIMARY KEY, v INTEGER)"], attach=('k',))
    a, b = ws
    try:
        a.rows("INSERT INTO k VALUES ('other', 1)")
        key = tikvsql.model_key(keyspace, 1, 1, b'\x25victim\x00\x00')
        r = cluster.ctl('crash_after_prewrite ' + key.hex())
        a.send({'sql': "INSERT INTO k VALUES ('victim', 2)", 'params': []})
        locked = False
        for _ in range(400):
            if key.hex() in cluster.ctl('dump_locks'):
                locked = True
                break
            time.sleep(0.05)
        a.kill()
        tap(r.startswith('ok') and locked,
            'killed writer: its lock is left behind', r)
        cluster.ctl('advance_time 60000')  # its TTL expires
        got = b.sql('SELECT id, v FROM k ORDER BY id')
        tap(got.get('rows') == [['other', 1]],
            'killed writer: the next reader resolves the lock and reads '
            'past it', got)
        left = cluster.ctl('dump_locks')
        tap(key.hex() not in left, 'killed writer: no lock left', left)
        r = b.sql("INSERT INTO k VALUES ('victim', 3)")
        tap('err' not in r and b.rows("SELECT v FROM k WHERE id = 'victim'")
            == [[3]], 'killed writer: its key can be written again', r)
    finally:
        for w in ws:
            w.close()


def snapshots(cluster, url):
    a, b = ws = workers(url, 2, [ACCT, "INSERT INTO acct VALUES ('s', 0)"])
    q = "SELECT n FROM acct WHERE id = 's'"
    step = [0]

    def bump():
        step[0] += 1
        b.rows("UPDATE acct SET n = ? WHERE id = 's'", step[0])
        return step[0]

    try:
        for opener, closer in (('BEGIN', 'COMMIT'), ('BEGIN', 'ROLLBACK'),
                               ('SAVEPOINT sp', 'RELEASE sp'),
                               ('BEGIN', 'END')):
            name = '%s ... %s' % (opener, closer)
            a.rows(opener)
            before = a.rows(q)
            bump()
            same = a.rows(q)
            also = a.rows('SELECT count(*) FROM acct')
            a.rows(closer)
            tap(same == before and also == [[1]],
                'snapshot: a read-only %s keeps one snapshot' % name,
                (before, same))
            a.rows(opener)
            fresh = a.rows(q)
            a.rows(closer)
            tap(fresh == [[step[0]]],
                'snapshot: the next transaction after %s takes a new one'
                % name, (fresh, step[0]))
        # A transaction that first reads and then writes keeps the
        # snapshot of its first read: an update made in between conflicts.
        a.rows('BEGIN')
        a.rows(q)
        bump()
        a.rows("UPDATE acct SET n = n + 100 WHERE id = 's'")
        r = a.sql('COMMIT')
        tap(r.get('code') == 'SQLITE_BUSY_SNAPSHOT',
            'snapshot: a read-modify-write over a stale read conflicts', r)
        # Outside transactions each statement sees what was committed.
        v = bump()
        tap(a.rows(q) == [[v]],
            'snapshot: an autocommit statement reads a fresh snapshot')
    finally:
        for w in ws:
            w.close()


def outbox(cluster, url, nproc=4):
    """Producers of one partition on TiKV: each reads the partition's last
    position and writes the next event key in its transaction, so of
    transactions open at once exactly one commits; the others get a write
    conflict, run again and take the following positions: positions stay
    unique and in commit order, and a consumer sees every event once."""
    model = ("CREATE VIRTUAL TABLE jobs USING tito(id INTEGER PRIMARY KEY, "
             "TOPIC jobs PARTITIONS 1)")
    ws = workers(url, nproc, [model], attach=('jobs',))
    try:
        for i, w in enumerate(ws):
            w.rows('BEGIN')
            w.rows('INSERT INTO jobs VALUES (?)', i + 1)
        outs = [w.sql('COMMIT') for w in ws]
        lost = [i for i, o in enumerate(outs) if 'err' in o]
        tap(len(lost) == nproc - 1 and all(
            outs[i].get('code') == 'SQLITE_BUSY_SNAPSHOT' for i in lost),
            'outbox: of %d producers of one partition exactly one commits, '
            'the others get a write conflict' % nproc, outs)
        for i in lost:
            r = ws[i].sql('INSERT INTO jobs VALUES (?)', i + 1)
            tap('err' not in r, 'outbox: producer %d, run again, commits' % i, r)
        ws[0].rows('BEGIN')
        got = ws[0].rows("SELECT key, position FROM tito_events('jobs', 'g')")
        ws[0].rows('COMMIT')
        keys = sorted(k for k, _ in got)
        pos = [p for _, p in got]
        tap(keys == list(range(1, nproc + 1)) and
            pos == list(range(1, nproc + 1)),
            'outbox: every event once, positions 1..%d in order' % nproc, got)
        ws[0].rows('BEGIN')
        again = ws[0].rows("SELECT count(*) FROM tito_events('jobs', 'g')")
        ws[0].rows('COMMIT')
        tap(again == [[0]], 'outbox: nothing delivered twice after COMMIT',
            again)
    finally:
        for w in ws:
            w.close()


def main():
    cluster = tikvsql.Cluster()
    prefix = tikvsql.run_prefix('conc')
    try:
        conflict(cluster, cluster.url(prefix + 'conflict'))
        counter(cluster, cluster.url(prefix + 'counter'))
        uniqueness(cluster, cluster.url(prefix + 'unique'))
        killed_writer(cluster, cluster.url(prefix + 'killed'),
                      prefix + 'killed')
        snapshots(cluster, cluster.url(prefix + 'snap'))
        outbox(cluster, cluster.url(prefix + 'outbox'))
    finally:
        tikvsql.purge(cluster, prefix)
        cluster.stop()


if __name__ == '__main__':
    main()
