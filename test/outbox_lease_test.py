"""outbox_lease_test.py: lease fencing on the embedded store. Worker w1's
consuming transaction began (its snapshot taken) before w2 took w1's
expired leases over and committed; w1 must then fail instead of
processing the partitions w2 now owns. Prints "ok - " / "not ok - ".
"""
import os
import sqlite3
import tempfile

SO = os.path.abspath(os.environ.get('TITO_SO', './tito.so'))


def connect(path, clock):
    db = sqlite3.connect(path, isolation_level=None, timeout=0.2)
    db.enable_load_extension(True)
    db.load_extension(SO)
    db.execute("SELECT tito_config('clock', ?)", (clock,))
    return db


def main():
    path = os.path.join(tempfile.mkdtemp(), 'l.db')
    a = connect(path, 1700000000)
    a.execute('PRAGMA journal_mode=WAL')
    a.execute("CREATE VIRTUAL TABLE jobs USING tito(id INTEGER PRIMARY KEY, "
              "TOPIC job PARTITIONS 2)")
    a.execute('INSERT INTO jobs VALUES (1), (2), (3), (4)')
    ok = a.execute("SELECT tito_lease('job', 'g', 'w1', 30)").fetchone()[0] == 2
    # w1's clock runs late: it still believes its leases live.
    a.execute("SELECT tito_config('clock', 1700000020)")
    a.execute('BEGIN')
    a.execute('SELECT count(*) FROM jobs').fetchone()   # snapshot taken
    b = connect(path, 1700000040)                        # w2: after expiry
    took = b.execute("SELECT tito_lease('job', 'g', 'w2', 30)").fetchone()[0]
    ok = ok and took == 2
    try:
        rows = a.execute("SELECT key FROM tito_events('job', 'g', NULL, NULL, "
                         "100, 'w1')").fetchall()
        a.execute('COMMIT')
        print('# w1 consumed %d rows after losing its leases' % len(rows))
        ok = False
    except sqlite3.OperationalError as e:
        if 'locked' not in str(e) and 'busy' not in str(e).lower():
            print('# unexpected error: %s' % e)
            ok = False
        a.execute('ROLLBACK')
    # w1 retries: its leases are gone, it reads nothing.
    a.execute("SELECT tito_config('clock', 1700000041)")
    a.execute('BEGIN')
    n1 = len(a.execute("SELECT key FROM tito_events('job', 'g', NULL, NULL, "
                       "100, 'w1')").fetchall())
    a.execute('COMMIT')
    b.execute('BEGIN')
    n2 = len(b.execute("SELECT key FROM tito_events('job', 'g', NULL, NULL, "
                       "100, 'w2')").fetchall())
    b.execute('COMMIT')
    if n1 != 0 or n2 != 4:
        print('# after the takeover w1 read %d, w2 read %d (want 0 and 4)' % (n1, n2))
        ok = False
    print('%s - outbox leases: a worker whose lease was taken over fails '
          'instead of processing twice' % ('ok' if ok else 'not ok'))


main()
