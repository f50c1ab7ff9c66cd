"""tikv_sql_bench.py: RPCs per SQL statement of tito tables on TiKV, beside
the floor each statement needs, and rows per second of a 10,000-row
INSERT ... SELECT, of a 10,000-row scan and of an index added over those
rows (tito_alter).

RPCs are counted by the fake cluster itself (its control port: `stats`,
every request received, PD ones included) around one run of the
statement, after an untimed run (warm region cache, tables open), as a
long-lived connection sees them. The rows/s figures are wall-clock on
whatever cluster is used, so that latency per round trip can be read off
them. Figures, not a test.

Cluster: TITO_TIKV_PD (a real cluster: RPC counts then come from
tito_stats, the client's own counters), else a fake started here. Every
table lives in a keyspace of its own run, removed at the end.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'tikv_sql'))
import tikvsql  # noqa: E402

SERIES = ("(WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 "
          "FROM s WHERE value < %d) SELECT value FROM s)")


class Counter:
    """RPCs by method around one statement: the fake's counts, or the
    client's (tito_stats) on a real cluster."""

    def __init__(self, cluster, conn):
        self.cluster = cluster
        self.conn = conn

    def snap(self):
        if self.cluster.control:
            out = self.cluster.ctl('stats').split()[1:]
            d = dict(w.split('=') for w in out)
            d.pop('TsoStream', None)
            return {k: int(v) for k, v in d.items()}
        return {r[0][4:]: r[1] for r in self.conn.execute(
            "SELECT name, value FROM tito_stats WHERE store = 'tikv' AND "
            "name LIKE 'rpc.%'")}

    def around(self, fn):
        a = self.snap()
        fn()
        b = self.snap()
        return {k: b[k] - a.get(k, 0) for k in b if b[k] - a.get(k, 0)}


def fmt(d):
    order = ['Tso', 'KvGet', 'KvScan', 'KvBatchGet', 'KvPrewrite',
             'KvCommit']
    keys = sorted(d, key=lambda k: (order.index(k) if k in order else 99, k))
    return ' + '.join('%d %s' % (d[k], k) for k in keys) or 'none'


def main():
    cluster = tikvsql.Cluster()
    prefix = tikvsql.run_prefix('bench')
    rows = []
    try:
        c = tikvsql.connect(cluster.url(prefix + 'rpc'))
        # Per-statement counts, without the model's recheck (1 Tso + 2 KvGet
        # at most once a second per table, by default).
        c.execute("SELECT tito_config('schema_recheck', 3600000)")
        count = Counter(cluster, c)
        c.execute("CREATE VIRTUAL TABLE users USING tito(id INTEGER PRIMARY "
                  "KEY, email TEXT, role TEXT, name TEXT, UNIQUE INDEX "
                  "by_email(email), INDEX by_role(role), INDEX by_role_cover"
                  "(role) INCLUDE (name))")
        c.execute("INSERT INTO users SELECT value, 'u' || value || '@x', "
                  "'r' || (value % 10), 'n' || value FROM " + SERIES % 100)
        c.execute("CREATE VIRTUAL TABLE orders USING tito(id INTEGER PRIMARY "
                  "KEY, user_id INTEGER)")
        c.execute("INSERT INTO orders SELECT value, value FROM " +
                  SERIES % 100)

        def stmt(label, floor, sql, note='', fresh=None):
            def run():
                c.execute(sql if fresh is None else fresh()).fetchall()
            run()  # warm: tables open, regions cached
            got = count.around(run)
            rows.append((label, fmt(got), floor, note))

        stmt('point SELECT by key', '1 Tso + 1 KvGet',
             'SELECT * FROM users WHERE id = 42',
             'KvBatchGet: the row and the catalog entry (can this model '
             'still read the rows? another database may drop a column)')
        stmt('index equality SELECT, 10 rows', '1 Tso + 1 KvScan + '
             '1 KvBatchGet', "SELECT id, email FROM users WHERE role = 'r3'",
             'the catalog entry (is the index still kept? another database '
             'may drop it) comes with the rows')
        stmt('  same, covering index', '1 Tso + 1 KvScan',
             "SELECT name FROM users WHERE role = 'r3'",
             'KvGet: the catalog entry, read on its own (no rows to come '
             'with)')
        n = [1000]

        def next_insert():
            n[0] += 1
            return ("INSERT INTO users VALUES (%d, 'u%d@x', 'r1', 'n')" %
                    (n[0], n[0]))
        stmt('autocommit INSERT, two indexes (+ covering), one region',
             '2 Tso + 1 KvPrewrite + 1 KvCommit (1PC: 1 Tso + 1 KvPrewrite)',
             None, 'KvScan: the checks that the row key and the unique '
             'entry are free (the first key at or after each: a gap '
             'learned); KvGet: the fence (the catalog entry at commit_ts); '
             'no 1PC (the fake offers none, the client does not ask)',
             fresh=next_insert)

        def txn100():
            c.execute('BEGIN')
            for _ in range(100):
                c.execute(next_insert())
            c.execute('COMMIT')
        txn100()
        got = count.around(txn100)
        rows.append(('100-row transaction (BEGIN; 100 INSERT; COMMIT)',
                     fmt(got), '2 Tso + 1 KvPrewrite + 1 KvCommit per '
                     'region', 'KvScan: the first checks of the row keys and '
                     'the unique entries; the later ones fall in the gaps '
                     'they learned (no round trip); KvGet: 1 fence'))
        stmt('UPDATE of 20 rows by a key range, an indexed column',
             '2 Tso + 1 KvScan + 1 KvPrewrite + 1 KvCommit',
             "UPDATE users SET role = 'r' || (id % 3) WHERE id BETWEEN 30 "
             "AND 49", 'the old rows come from the scan\'s copy (row_cache.h;'
             ' 20 KvGet before); KvGet: the catalog check and the fence')
        roles = iter(['r7', 'r8'])  # the warm run deletes the first
        stmt('DELETE of 8 rows by a plain index', '2 Tso + 1 KvScan + '
             '1 KvBatchGet + 1 KvPrewrite + 1 KvCommit', None,
             'the scan reads the index entries only (the key is all SQLite '
             'asks for); the first old row missed reads it and the keys the '
             'scan named after it in one KvBatchGet (8 KvGet before)',
             fresh=lambda: "DELETE FROM users WHERE role = '%s'" % next(roles))
        stmt('join of 100 outer rows on the key', '1 Tso + 1 KvScan + '
             '100 KvGet', 'SELECT count(*) FROM orders o JOIN users u ON '
             'u.id = o.user_id', 'one point get per outer row: SQLite '
             'hands the inner table one key at a time (the first one a '
             'KvBatchGet with the catalog entry; the outer scan reads its '
             'own: 1 KvGet)')
        stmt('  same, written as IN (subquery)', '1 Tso + 1 KvScan + '
             '1 KvBatchGet', 'SELECT count(*) FROM users WHERE id IN '
             '(SELECT user_id FROM orders)', 'the IN list reaches tito '
             'whole: one multi-get (KvGet: the scan\'s catalog entry)')
        # A connection's first statement on a table: the table opens.
        path = os.path.join(tempfile.mkdtemp(), 'open.db')
        url_open = cluster.url(prefix + 'open')
        f = tikvsql.connect(url_open, path)
        f.execute("CREATE VIRTUAL TABLE u USING tito(id INTEGER PRIMARY KEY, "
                  "email TEXT, UNIQUE INDEX by_email(email))")
        f.execute("INSERT INTO u VALUES (42, 'a@x')")
        f.execute("SELECT tito_analyze('u')")
        f.close()
        box = []

        def first():
            box.append(tikvsql.connect(url_open, path))
            box[-1].execute('SELECT * FROM u WHERE id = 42').fetchall()
        rows.append(('a new connection\'s first point SELECT',
                     fmt(count.around(first)), '1 Tso + 1 KvGet',
                     'opening the table: the catalog entry when the schema '
                     'loads (1 Tso + 1 KvGet) and at its first use, with the '
                     'scan for a model sharing its id (1 Tso + 1 KvGet + 1 '
                     'KvScan), then its statistics, build, index ids and '
                     'column slots in one KvBatchGet'))
        box[-1].execute('DROP TABLE u')
        box[-1].close()
        print('%-58s %-44s %s' % ('statement', 'RPCs (fake cluster)',
                                  'floor'))
        for label, got, floor, note in rows:
            print('%-58s %-44s %s' % (label, got, floor))
            if note:
                print('%-58s   %s' % ('', note))
        c.execute('DROP TABLE users')
        c.execute('DROP TABLE orders')
        c.close()

        # Throughput: 10,000 rows in, 10,000 rows out.
        c = tikvsql.connect(cluster.url(prefix + 'rows'))
        c.execute("SELECT tito_config('schema_recheck', 3600000)")
        c.execute("CREATE VIRTUAL TABLE t USING tito(id INTEGER PRIMARY KEY, "
                  "v TEXT, w INTEGER)")
        t0 = time.monotonic()
        c.execute("INSERT INTO t SELECT value, printf('value %08d', value), "
                  "value % 97 FROM " + SERIES % 10000)
        t_in = time.monotonic() - t0
        got = count.around(lambda: c.execute(
            'SELECT count(*), sum(length(v)) FROM t').fetchall())
        t0 = time.monotonic()
        n_out = c.execute('SELECT count(*), sum(length(v)) FROM t'
                          ).fetchone()[0]
        t_out = time.monotonic() - t0
        got_count = count.around(lambda: c.execute(
            'SELECT count(*) FROM t').fetchall())
        t0 = time.monotonic()
        c.execute("SELECT tito_alter('t', 'ADD INDEX by_w(w)')")
        t_ix = time.monotonic() - t0
        c.execute('SELECT w, count(*) FROM t GROUP BY w').fetchall()
        got_group = count.around(lambda: c.execute(
            'SELECT w, count(*) FROM t GROUP BY w').fetchall())
        print()
        print('10,000-row INSERT ... SELECT: %.0f rows/s (%.2f s)' %
              (10000 / t_in, t_in))
        print('ADD INDEX over those 10,000 rows (tito_alter, one step: '
              'entries written, rows written again): %.0f rows/s (%.2f s)' %
              (10000 / t_ix, t_ix))
        print('10,000-row scan: %.0f rows/s (%.2f s; %s)' %
              (n_out / t_out, t_out, fmt(got)))
        print('count(*) of those 10,000 rows (keys only): %s' % fmt(got_count))
        print('GROUP BY w, count(*) over index by_w (keys only): %s' %
              fmt(got_group))
        c.execute('DROP TABLE t')
        c.close()
    finally:
        tikvsql.purge(cluster, prefix)
        cluster.stop()


if __name__ == '__main__':
    main()
