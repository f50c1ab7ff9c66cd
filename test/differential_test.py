"""Differential test: random statements against a tito table and an ordinary
SQLite table of the same shape must give the same answers.

For each schema (the users model of issue 3, a composite primary key, an
INTEGER PRIMARY KEY, no primary key, untyped columns, a NUMERIC descending
key, a three-field key with a quoted column and partial indexes over
expressions, declared types with surprising affinities; one key column
alone; 63, 64, 65 and 200 columns with index entries past column 63; 64
indexes, the most a model takes), thousands of random
INSERT/UPDATE/DELETE/SELECT statements (every conflict clause: OR
ROLLBACK, ABORT, FAIL, IGNORE, REPLACE) and transaction statements run
against table t in two connections: one native, one a tito table.
Compared: rows (ordered when ORDER BY gives a total order, else as
multisets, or the ORDER BY values in order), the type of every value,
success or the exact error message and extended code, changes(),
last_insert_rowid() for rowid tables, and the whole table after every
write. tito_check('t') must say 'ok' every 200 statements and at the end;
tito_analyze('t') runs at statement 100, 300, ... (statistics absent, fresh,
then stale).
On a mismatch it prints the statement, both outcomes and a shrunk
reproduction, then starts the schema again (fresh tables) up to 3 times.
Then the database is round-tripped through the shell's .dump and .read
(difflib_dump.py). The comparison matrix (difflib_matrix.py) tries every
kind of right-hand side against every affinity.

Not compared on purpose (documented differences of virtual tables): an
explicit NULL into a DEFAULT column (never generated), UPSERT and
UPDATE/DELETE RETURNING (not generated), INCLUDE (no native equivalent).
The native tables with a declared primary key are WITHOUT ROWID (so are
tito's: README, "Keys and NULL"); their indexes are created in declaration
order, which fixes the order in which SQLite checks unique constraints
(newest first).

Environment: TITO_DIFF_SEED (default 20261122), TITO_DIFF_N (statements per
schema, default 5000; the wide and many-index schemas run a share of it,
see SHARE), TITO_DIFF_SCHEMAS (e.g. "a,c"; "m" is the comparison matrix;
default all), TITO_DIFF_MATRIX=full (every value with every kind of
right-hand side), TITO_DIFF_DUMP (schemas round-tripped through .dump,
default DUMP_SCHEMAS; "all", or 0 for none), TITO_DIFF_SHRINK
(seconds per shrink, default 10; TITO_DIFF_SHRINK_TOTAL for the whole run,
default 30), TITO_DIFF_SHOW (rows shown per result, default 12), TITO_SO
(default ./tito.so). A long run: TITO_DIFF_N=50000 TITO_DIFF_MATRIX=full
TITO_DIFF_DUMP=all.
"""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from difflib_engine import (PLANS, Pair, Schema, Stmt, run_log,  # noqa
                            shrink)
from difflib_gen import Col, Gen, Model  # noqa: E402
import difflib_dump  # noqa: E402
import difflib_matrix  # noqa: E402

# Seconds left for shrinking in this run (keeps a failing run short).
SHRINK_LEFT = [float(os.environ.get('TITO_DIFF_SHRINK_TOTAL', '30'))]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
F, T = False, True


def schemas():
    """(Schema, Model) for each shape, by letter."""
    out = {}
    # (a) the users model of issue 3.
    out['a'] = (Schema(
        'a users: TEXT key, unique, composite DESC, partial, covering',
        "CREATE VIRTUAL TABLE t USING tito(id TEXT PRIMARY KEY, "
        "name TEXT NOT NULL, email TEXT, role TEXT, status TEXT DEFAULT 'new', "
        "score REAL, UNIQUE INDEX by_email(email), "
        "INDEX by_role_status(role, status DESC), "
        "INDEX by_active(status) WHERE status = 'active' AND score > 0, "
        "INDEX by_role_cover(role) INCLUDE (name), "
        # Topics: events are written with every row and change no result.
        "TOPIC diff_a, TOPIC diff_a_active ON INSERT OR UPDATE WHERE "
        "NEW.status = 'active' AND OLD.status IS NOT 'active' "
        "PARTITION BY (role) PARTITIONS 4)",
        ["CREATE TABLE t(id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, "
         "email TEXT, role TEXT, status TEXT DEFAULT 'new', score REAL) "
         "WITHOUT ROWID",
         "CREATE UNIQUE INDEX by_email ON t(email)",
         "CREATE INDEX by_role_status ON t(role, status DESC)",
         "CREATE INDEX by_active ON t(status) "
         "WHERE status = 'active' AND score > 0",
         "CREATE INDEX by_role_cover ON t(role)"],
        'SELECT * FROM t', rowid=False), Model(
        [Col('id', list('abcdefghijklmnopqrst') + ['42', ' 7', 'A', 'ab', 7],
             text=True, notnull=True),
         Col('name', ['ann', 'bob', 'Bob', 'cy', 'dee', 'x'], text=True,
             notnull=True),
         Col('email', ['e%d' % i for i in range(1, 26)] + [None] * 6,
             text=True),
         Col('role', ['admin', 'user', 'guest', 'User', None, None, 1],
             text=True),
         Col('status', ['active', 'active', 'new', 'gone', 'Active', None],
             text=True, default=True),
         Col('score', aff='R', common=[0, 0.0, -0.0, 0.5, 1, 1.5, 2, -1, 10, '3', ' 4', None,
                       100, 'x'])],
        pk=['id'], uniques=[['email']],
        paths=[[('id', F)], [('email', F)], [('role', F), ('status', T)],
               [('status', F)], [('role', F)]],
        partial=["status = 'active' AND score > 0",
                 "status = 'active' AND score > 1",
                 "score > 0 AND status = 'active'",
                 "status = 'active' AND score >= 0",
                 "status = 'active'",
                 "status = 'active' AND score > 0.5 AND role = 'admin'",
                 "status = 'active' AND score > '0'"]))
    # (b) composite primary key.
    out['b'] = (Schema(
        'b composite PRIMARY KEY(a INTEGER, b TEXT)',
        "CREATE VIRTUAL TABLE t USING tito(a INTEGER, b TEXT, c REAL, d, "
        "PRIMARY KEY(a, b), INDEX by_c(c), UNIQUE INDEX by_db(d, b DESC))",
        ["CREATE TABLE t(a INTEGER NOT NULL, b TEXT NOT NULL, c REAL, d, "
         "PRIMARY KEY(a, b)) WITHOUT ROWID",
         "CREATE INDEX by_c ON t(c)",
         "CREATE UNIQUE INDEX by_db ON t(d, b DESC)"],
        'SELECT * FROM t', rowid=False), Model(
        [Col('a', aff='N', common=[0, 1, 2, 3, 4, 5, '2', ' 3', 2.0, -1, 2**63 - 1],
             notnull=True),
         Col('b', ['x', 'y', 'z', 'X', '', '1', 1], text=True, notnull=True),
         Col('c', aff='R', common=[0.5, 1, 1.5, 2, -0.0, None, '2.5', 'abc',
                                   2**53, 2**53 + 1, 9007199254740993.0,
                                   2**63 - 1, 2.0**63]),
         Col('d', aff='B', common=[1, 2, 'p', 'q', 1.0, b'p', None, None])],
        pk=['a', 'b'], uniques=[['d', 'b']],
        paths=[[('a', F), ('b', F)], [('c', F)], [('d', F), ('b', T)]]))
    # (c) INTEGER PRIMARY KEY: the rowid alias.
    out['c'] = (Schema(
        'c INTEGER PRIMARY KEY (rowid alias)',
        "CREATE VIRTUAL TABLE t USING tito(id INTEGER PRIMARY KEY, x INTEGER, "
        "y TEXT, z, INDEX by_x(x DESC), UNIQUE INDEX by_yz(y, z), "
        "TOPIC diff_c ON DELETE OR UPDATE AT (x))",
        ["CREATE TABLE t(id INTEGER PRIMARY KEY, x INTEGER, y TEXT, z)",
         "CREATE INDEX by_x ON t(x DESC)",
         "CREATE UNIQUE INDEX by_yz ON t(y, z)"],
        'SELECT rowid, * FROM t', rowid=True), Model(
        [Col('id', aff='N', common=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, None, '11', 12.0, 'abc',
                    2.5, 2**63 - 1]),
         Col('x', aff='N', common=[0, 1, 2, 3, '4', 4.0, 4.5, None, 2**63 - 1, -2**63]),
         Col('y', ['a', 'b', 'c', None, 1, '1'], text=True),
         Col('z', aff='B', common=[1, 'a', None, 2.5, b'z'])],
        pk=['id'], uniques=[['y', 'z']],
        paths=[[('id', F)], [('x', T)], [('y', F), ('z', F)]],
        rowid='alias'))
    # (d) no primary key: implicit rowid.
    out['d'] = (Schema(
        'd no PRIMARY KEY (implicit rowid), partial UNIQUE index',
        "CREATE VIRTUAL TABLE t USING tito(msg TEXT, n INTEGER, r REAL, "
        "UNIQUE INDEX by_msg(msg) WHERE n > 0, INDEX by_nr(n, r))",
        ["CREATE TABLE t(msg TEXT, n INTEGER, r REAL)",
         "CREATE UNIQUE INDEX by_msg ON t(msg) WHERE n > 0",
         "CREATE INDEX by_nr ON t(n, r)"],
        'SELECT rowid, * FROM t', rowid=True), Model(
        [Col('msg', ['m%d' % i for i in range(1, 9)] + [None, 'M1'],
             text=True),
         Col('n', aff='N', common=[-1, 0, 1, 2, 3, None, '2', 'x']),
         Col('r', aff='R', common=[0.5, 1, 2.5, None, -0.0, 2**53 + 1,
                                   2.0**53])],
        pk=['rowid'], uniques=[['msg', 'n']],
        paths=[[('rowid', F)], [('msg', F)], [('n', F), ('r', F)]],
        partial=['n > 0', 'n > 1', 'n >= 1', "n > 0 AND msg = 'm1'"],
        rowid='implicit'))
    # (e) untyped columns (BLOB affinity) holding every type.
    out['e'] = (Schema(
        'e untyped columns, mixed types',
        "CREATE VIRTUAL TABLE t USING tito(k PRIMARY KEY, a, b, "
        "INDEX by_a(a), INDEX by_ab(a DESC, b), UNIQUE INDEX by_b(b))",
        ["CREATE TABLE t(k PRIMARY KEY NOT NULL, a, b) WITHOUT ROWID",
         "CREATE INDEX by_a ON t(a)",
         "CREATE INDEX by_ab ON t(a DESC, b)",
         "CREATE UNIQUE INDEX by_b ON t(b)"],
        'SELECT * FROM t', rowid=False), Model(
        [Col('k', aff='B', common=[1, 2, 3, '1', '2', 1.0, 2.5, b'1', b'\x00', 'a', 'A',
                   -0.0, 0, 2**63 - 1, 2.0**63], notnull=True),
         Col('a', aff='B', common=[1, '1', 1.0, None, b'1', 'x', 2, -0.0, 0.0]),
         Col('b', aff='B', common=[1, 2, 'b', None, 2.0, b'b', '2', None])],
        pk=['k'], uniques=[['b']],
        paths=[[('k', F)], [('a', F)], [('a', T), ('b', F)], [('b', F)]]))
    # (f) NUMERIC descending primary key, partial index on IS NOT NULL.
    out['f'] = (Schema(
        'f NUMERIC PRIMARY KEY DESC, partial index',
        "CREATE VIRTUAL TABLE t USING tito(k NUMERIC PRIMARY KEY DESC, "
        "v TEXT, w INTEGER, INDEX by_vw(v, w DESC) WHERE w IS NOT NULL)",
        ["CREATE TABLE t(k NUMERIC PRIMARY KEY DESC NOT NULL, v TEXT, "
         "w INTEGER) WITHOUT ROWID",
         "CREATE INDEX by_vw ON t(v, w DESC) WHERE w IS NOT NULL"],
        'SELECT * FROM t', rowid=False), Model(
        [Col('k', aff='N', common=[1, 2, 3, '4', '1.0', 1.5, '1.5', 2.0, ' 5', 'x',
                   '9223372036854775808', 2**63 - 1, -0.0, b'k', 10, '10'],
             notnull=True),
         Col('v', ['a', 'b', 'c', None, 1, 2.5], text=True),
         Col('w', aff='N', common=[1, 2, 3, None, '4', 4.5])],
        pk=['k'], uniques=[],
        paths=[[('k', T)], [('v', F), ('w', T)]],
        partial=['w IS NOT NULL', 'w > 0', "v = 'a' AND w IS NOT NULL"]))
    # (g) three-field primary key with a DESC field, a column named with a
    # keyword, partial indexes over expressions and OR, INCLUDE.
    out['g'] = (Schema(
        'g PRIMARY KEY(grp, seq DESC, id), quoted column, partial OR/length()',
        'CREATE VIRTUAL TABLE t USING tito(id INTEGER, grp TEXT, seq INTEGER, '
        'val REAL, tag, "order" TEXT, PRIMARY KEY(grp, seq DESC, id), '
        'INDEX by_tag_val(tag, val DESC, "order"), '
        'UNIQUE INDEX by_order("order") '
        'WHERE "order" IS NOT NULL AND length("order") > 1, '
        "INDEX by_val(val) WHERE val > 0 OR tag IN ('x', 'y'), "
        'INDEX by_grp_order(grp DESC, "order") INCLUDE (val, tag))',
        ['CREATE TABLE t(id INTEGER NOT NULL, grp TEXT NOT NULL, '
         'seq INTEGER NOT NULL, val REAL, tag, "order" TEXT, '
         'PRIMARY KEY(grp, seq DESC, id)) WITHOUT ROWID',
         'CREATE INDEX by_tag_val ON t(tag, val DESC, "order")',
         'CREATE UNIQUE INDEX by_order ON t("order") '
         'WHERE "order" IS NOT NULL AND length("order") > 1',
         "CREATE INDEX by_val ON t(val) WHERE val > 0 OR tag IN ('x', 'y')",
         'CREATE INDEX by_grp_order ON t(grp DESC, "order")'],
        'SELECT * FROM t', rowid=False), Model(
        [Col('id', aff='N', common=[1, 2, 3, '2', 2.0, 7, -1],
             notnull=True),
         Col('grp', ['a', 'b', 'c', 'A', 1, ''], text=True, notnull=True),
         Col('seq', aff='N', common=[1, 2, 3, 10, -1, '5', 2.5],
             notnull=True),
         Col('val', aff='R', common=[0, 0.5, 1, -1, 2.5, None, '1.5', 'x']),
         Col('tag', aff='B', common=['x', 'y', 'z', 1, 'X', None, b'x']),
         Col('"order"', ['ab', 'cd', 'e', '', None, None, 'ab ', 'AB', 12],
             text=True)],
        pk=['grp', 'seq', 'id'], uniques=[['"order"']],
        paths=[[('grp', F), ('seq', T), ('id', F)],
               [('tag', F), ('val', T), ('"order"', F)], [('"order"', F)],
               [('val', F)], [('grp', T), ('"order"', F)]],
        partial=['"order" IS NOT NULL AND length("order") > 1',
                 'val > 0', "tag IN ('x', 'y')",
                 "val > 0 OR tag IN ('x', 'y')", "tag = 'x'", 'val > 1']))
    # (h) declared types and the affinities SQLite gives them (INT is not a
    # rowid alias, FLOATING POINT is INTEGER, STRING is NUMERIC).
    out['h'] = (Schema(
        'h declared types: INT key, FLOATING POINT, STRING, VARCHAR, ...',
        'CREATE VIRTUAL TABLE t USING tito(id INT PRIMARY KEY, '
        'f FLOATING POINT, s STRING, d DOUBLE PRECISION, v VARCHAR(20), '
        'n NUMERIC(10,2), b BLOB, INDEX by_f(f), INDEX by_s_d(s, d DESC), '
        'UNIQUE INDEX by_v(v), INDEX by_n_b(n, b))',
        ['CREATE TABLE t(id INT PRIMARY KEY NOT NULL, f FLOATING POINT, '
         's STRING, d DOUBLE PRECISION, v VARCHAR(20), n NUMERIC(10,2), '
         'b BLOB) WITHOUT ROWID',
         'CREATE INDEX by_f ON t(f)',
         'CREATE INDEX by_s_d ON t(s, d DESC)',
         'CREATE UNIQUE INDEX by_v ON t(v)',
         'CREATE INDEX by_n_b ON t(n, b)'],
        'SELECT * FROM t', rowid=False), Model(
        [Col('id', aff='N', common=[1, 2, 3, '4', ' 5', 5.0, 6.5, 'x', 2**62,
                                    'abc', 0], notnull=True),
         Col('f', aff='N', common=['1.5', 1.5, 2, '2', '2.0', 'x', None,
                                   2**53 + 1, '1e3']),
         Col('s', aff='N', common=['42', '4.0', 'x', ' 7', 7.5, None, '0x10',
                                   '1e2']),
         Col('d', aff='R', common=[1, '2', 2.5, None, 'y', -0.0]),
         Col('v', ['a', 'b', 1, 1.5, None, 'A', b'v', '1'], text=True),
         Col('n', aff='N', common=['1.50', 1.5, '2', 3, None, 'z']),
         Col('b', aff='B', common=['5', 5, b'5', None, 5.0])],
        pk=['id'], uniques=[['v']],
        paths=[[('id', F)], [('f', F)], [('s', F), ('d', T)], [('v', F)],
               [('n', F), ('b', F)]]))
    out.update(wide_schemas())
    out['o'] = many_indexes()
    return out


# Statements of the wide and many-index schemas, as a fraction of
# TITO_DIFF_N (they are slower per statement and test fewer paths).
SHARE = {'i': 0.2, 'j': 0.12, 'k': 0.12, 'l': 0.12, 'n': 0.08, 'o': 0.2}

# Values by affinity for generated columns.
COMMON = {
    'T': ['a', 'b', 'c', '1', ' 1', '-0', '', 7, None],
    'N': [0, 1, 2, '3', ' 4', 2.5, 'x', ' 7x', '', None],
    'R': [0.5, 1, '2', -0.0, 'y', None],
    'B': [1, '1', 1.0, b'1', 'z', None],
}
DECL = {'T': 'TEXT', 'N': 'INTEGER', 'R': 'REAL', 'B': ''}


def wide(letter, n):
    """A table of n columns c0..c(n-1) of every affinity in turn, keyed
    by (c(n-1), c1): the hidden key column is column n (63, 64, 65: colUsed's
    last bit is column 63 and every later one); an index on c(n-2), a unique
    one on c(n//2) (with 69 INCLUDE columns when the table is wider than
    66), one on c2 with INCLUDE columns at the end, and a partial one whose
    condition reads the last INTEGER column."""
    affs = ['T', 'N', 'R', 'B']
    aff = {i: affs[i % 4] for i in range(n)}
    aff[n - 1], aff[1] = 'T', 'N'
    names = ['c%d' % i for i in range(n)]

    def decl(i, tito):
        d = ('%s %s' % (names[i], DECL[aff[i]])).strip()
        if not tito and i in (1, n - 1):
            d += ' NOT NULL'
        return d
    key = 'c%d, c1' % (n - 1)
    # The last INTEGER column: its partial condition holds only under its
    # affinity (5 > '0' as numbers, not as an integer against a text).
    j = max(i for i in range(2, n - 1) if aff[i] == 'N')
    wide_inc = ', '.join('c%d' % i for i in range(3, min(n - 1, 72)))
    idx = [('by_a', 'c%d' % (n - 2), '', ''),
           ('by_u', 'c%d' % (n // 2), 'UNIQUE ',
            ' INCLUDE (%s)' % wide_inc if n > 66 else ''),
           ('by_cov', 'c2', '', ' INCLUDE (c%d, c%d, c%d)' % (
               n - 3, n - 1, j)),
           ('by_p', 'c%d' % (n - 4), '', " WHERE c%d > '0'" % j)]
    if n < 6:
        raise ValueError(n)
    tito_sql = 'CREATE VIRTUAL TABLE t USING tito(%s, PRIMARY KEY(%s), %s)' % (
        ', '.join(decl(i, True) for i in range(n)), key,
        ', '.join('%sINDEX %s(%s)%s' % (u, nm, c, inc)
                  for nm, c, u, inc in idx))
    native = ['CREATE TABLE t(%s, PRIMARY KEY(%s)) WITHOUT ROWID' % (
        ', '.join(decl(i, False) for i in range(n)), key)]
    for nm, c, u, inc in idx:
        where = inc if inc.startswith(' WHERE') else ''
        native.append('CREATE %sINDEX %s ON t(%s)%s' % (u, nm, c, where))
    cols = [Col(names[i], COMMON[aff[i]], aff=aff[i],
                text=aff[i] == 'T', notnull=i in (1, n - 1))
            for i in range(n)]
    model = Model(cols, pk=[names[n - 1], 'c1'], uniques=[[names[n // 2]]],
                  paths=[[(names[n - 1], F), ('c1', F)], [(names[n - 2], F)],
                         [(names[n // 2], F)], [('c2', F)],
                         [(names[n - 4], F)]],
                  partial=["c%d > '0'" % j, "c%d > '1'" % j])
    return Schema('%s %d columns, key (c%d, c1), index entries past column 63'
                  % (letter, n, n - 1), tito_sql, native, 'SELECT * FROM t',
                  rowid=False), model


def wide_schemas():
    out = {l: wide(l, n) for l, n in (('j', 63), ('k', 64), ('l', 65),
                                        ('n', 200))}
    # (i) one column: the key alone, untyped.
    out['i'] = (Schema(
        'i one untyped key column', 'CREATE VIRTUAL TABLE t USING tito(v '
        'PRIMARY KEY)', ['CREATE TABLE t(v PRIMARY KEY NOT NULL) WITHOUT '
                         'ROWID'], 'SELECT * FROM t', rowid=False), Model(
        [Col('v', aff='B', common=[1, '1', 1.0, 2, 'a', b'a', -0.0, ' 1',
                                   '1e0', 2**63 - 1], notnull=True)],
        pk=['v'], uniques=[], paths=[[('v', F)]]))
    return out


def many_indexes():
    """(o) 64 indexes, the most a model takes: unique, partial, composite,
    DESC; every write maintains them all."""
    cols = [('k', 'INTEGER'), ('a', 'TEXT'), ('b', 'INTEGER'), ('c', ''),
            ('d', 'REAL')]
    idx = []
    for i in range(64):
        c1, c2 = cols[1 + i % 4][0], cols[1 + (i // 4) % 4][0]
        if i % 7 == 0:
            idx.append(('UNIQUE ', 'u%d' % i, '%s, %s DESC' % (c1, c2) if
                        c1 != c2 else c1, ''))
        elif i % 5 == 0:
            idx.append(('', 'p%d' % i, c1, ' WHERE %s > %d' % (c2, i % 3)))
        else:
            idx.append(('', 'i%d' % i, '%s%s' % (c1, ' DESC' if i % 2 else ''),
                        ''))
    tito_sql = 'CREATE VIRTUAL TABLE t USING tito(%s, %s)' % (
        ', '.join(('%s %s' % c).strip() + (' PRIMARY KEY' if c[0] == 'k'
                                             else '') for c in cols),
        ', '.join('%sINDEX %s(%s)%s' % x for x in idx))
    native = ['CREATE TABLE t(%s)' % ', '.join(
        ('%s %s' % c).strip() + (' PRIMARY KEY' if c[0] == 'k' else '')
        for c in cols)]
    native += ['CREATE %sINDEX %s ON t(%s)%s' % x for x in idx]
    uniques = []
    for u, nm, c, w in idx:
        if u:
            g = [x.split()[0] for x in c.split(', ')]
            if g not in uniques:
                uniques.append(g)
    model = Model(
        [Col('k', aff='N', common=[1, 2, 3, 4, 5, None, '6', 7.0, 2**62]),
         Col('a', COMMON['T'], text=True), Col('b', aff='N',
                                               common=COMMON['N']),
         Col('c', aff='B', common=COMMON['B']),
         Col('d', aff='R', common=COMMON['R'])],
        pk=['k'], uniques=uniques,
        paths=[[('k', F)], [('a', F)], [('b', T)], [('c', F), ('a', T)],
               [('d', F)]],
        partial=['b > 0', 'c > 1', 'a > 2'], rowid='alias')
    return (Schema('o 64 indexes (unique, partial, composite, DESC)', tito_sql,
                   native, 'SELECT rowid, * FROM t', rowid=True), model)


def say(msg):
    for line in msg.splitlines():
        print('# ' + line)
    sys.stdout.flush()


def report(schema, so, log, bad, shrink_s):
    """Print a mismatch and a shrunk reproduction."""
    st = bad.get('stmt')
    say('MISMATCH (%s) in schema %s: %s' % (bad['kind'], schema.name,
                                            bad['why']))
    if st is not None:
        say('  statement: ' + st.text())
        say('  native:    ' + bad['native'].show())
        say('  tito:      ' + bad['tito'].show())
    t0 = time.monotonic()
    budget = min(shrink_s, SHRINK_LEFT[0])
    small = shrink(schema, so, log, bad['kind'], budget) if budget > 0 \
        else log
    SHRINK_LEFT[0] -= time.monotonic() - t0
    i, again = run_log(schema, so, small, bad['kind'] == 'check')
    say('  reproduction (%d of %d statements, shrunk in %.1fs%s):'
        % (len(small), len(log), time.monotonic() - t0,
           '' if again else '; did NOT fail again on replay'))
    say('    ' + schema.tito_sql + ';')
    for s in small:
        say('    ' + s.text())
    if again and again.get('stmt') is not None:
        say('    -- native: ' + again['native'].show())
        say('    -- tito:   ' + again['tito'].show())
    elif again:
        say('    -- tito_check: ' + again['why'])
    if any(s.params for s in small) and len(small) <= 20:
        say('  the same for the sqlite3 shell (parameters as literals):')
        say('    .load ./tito')
        say('    ' + schema.tito_sql + ';')
        for s in small:
            say('    ' + s.inlined())


def run_segment(pair, gen, n, done):
    """Run statements until n are done or one mismatches: (log, done,
    mismatch or None)."""
    log = []
    while done < n:
        st = gen.next()
        log.append(st)
        done += 1
        bad = pair.step(st)
        if bad:
            return log, done, bad
        gen.native = pair.native    # a new connection after 'reopen'
        gen.after(st, pair.native_ok)
        if done % 200 == 100:
            # Statistics: absent for the first 100 statements, then fresh,
            # then stale (estimates never change results).
            r = pair.analyze()
            if r:
                return log, done, {'kind': 'check', 'why': r}
        if done % 200 == 0:
            r = pair.check()
            if r != 'ok':
                return log, done, {'kind': 'check', 'why': r}
    if pair.native.in_transaction:
        st = Stmt('COMMIT', kind='txn')
        log.append(st)
        bad = pair.step(st)
        if bad:
            return log, done, bad
    r = pair.check()
    return log, done, None if r == 'ok' else {'kind': 'check', 'why': r}


# .dump/.read round trips: {case: [(schema letter, None or why)]}.
DUMPS = {}


# Schemas whose database is round-tripped (TITO_DIFF_DUMP=all: every one):
# a text key, the rowid alias, an implicit rowid, untyped keys, 200
# columns, 64 indexes.
DUMP_SCHEMAS = 'a,c,d,e,n,o'


def dump_round_trips(letter, pair, schema, so):
    """Round-trip the random database of pair (difflib_dump)."""
    pick = os.environ.get('TITO_DIFF_DUMP', DUMP_SCHEMAS)
    if pick == '0' or (pick != 'all' and letter not in pick.split(',')):
        return
    for case, _ in difflib_dump.CASES:
        try:
            why = difflib_dump.round_trip(
                case, os.path.join(pair.dir, 'tito.db'), pair.native, schema,
                so, pair.dir)
        except Exception as e:  # a harness error is a failure, not a crash
            why = 'harness error: %s' % e
        DUMPS.setdefault(case, []).append((letter, why))


def report_dumps():
    """One line per round-trip case; returns the number of failures."""
    failed = 0
    for case, what in difflib_dump.CASES:
        res = DUMPS.get(case, [])
        if not res:
            continue
        bad = [(l, w) for l, w in res if w]
        name = '.dump/.read round trip, %s (%d random databases)' % (
            what, len(res))
        xfail = difflib_dump.XFAIL.get(case)
        for l, w in bad[:3]:
            say('%s%s, schema %s: %s' % ('XFAIL ' if xfail else '', case, l,
                                         w))
        if xfail and bad:
            say('%s: %d of %d fail, expected: %s' % (case, len(bad),
                                                    len(res), xfail))
            print('ok - %s # XFAIL %s' % (name, xfail))
        elif xfail:
            failed += 1
            print('not ok - %s: XPASS, remove it from difflib_dump.XFAIL' %
                  name)
        elif bad:
            failed += 1
            print('not ok - %s: %d failed' % (name, len(bad)))
        else:
            print('ok - %s' % name)
    return failed


def run_schema(letter, schema, model, seed, n, so, shrink_s):
    """Run n statements; after a mismatch start again on fresh tables (at
    most 3 mismatches). Then round-trip the database through .dump/.read.
    Return the number of mismatches."""
    rng = random.Random('%s-%s' % (seed, letter))
    done, bad_count = 0, 0
    while done < n and bad_count < 3:
        pair = Pair(schema, so)
        try:
            log, done, bad = run_segment(pair, Gen(model, rng, pair.native),
                                         n, done)
            if not bad and done >= n:
                dump_round_trips(letter, pair, schema, so)
        finally:
            pair.close()
        if bad:
            bad_count += 1
            report(schema, so, log, bad, shrink_s)
    return bad_count


def main():
    seed = os.environ.get('TITO_DIFF_SEED', '20261122')
    n = int(os.environ.get('TITO_DIFF_N', '5000'))
    shrink_s = float(os.environ.get('TITO_DIFF_SHRINK', '10'))
    so = os.environ.get('TITO_SO', os.path.join(ROOT, 'tito.so'))
    so = os.path.abspath(so)
    all_schemas = schemas()
    pick = os.environ.get('TITO_DIFF_SCHEMAS',
                          ','.join(sorted(all_schemas)) + ',m')
    say('differential test: seed=%s statements per schema=%d (set '
        'TITO_DIFF_SEED / TITO_DIFF_N to change)' % (seed, n))
    failed = 0
    t_all = time.monotonic()
    for letter in pick.split(','):
        if letter not in all_schemas:
            continue
        schema, model = all_schemas[letter]
        t0 = time.monotonic()
        nl = max(1, int(n * SHARE.get(letter, 1.0)))
        try:
            bad = run_schema(letter, schema, model, seed, nl, so, shrink_s)
        except Exception as e:  # a harness error is a failure, not a crash
            import traceback
            say(traceback.format_exc())
            bad = 1
            say('harness error: %s' % e)
        name = 'differential %s (%d statements, seed %s, %.1fs)' % (
            schema.name, nl, seed, time.monotonic() - t0)
        if bad:
            failed += 1
            print('not ok - %s: %d mismatch(es)' % (name, bad))
        else:
            print('ok - %s' % name)
        sys.stdout.flush()
    failed += report_dumps()
    if 'm' in pick.split(','):
        t0 = time.monotonic()
        try:
            n_m, bad_m, known_m = difflib_matrix.run(so)
        except Exception:  # a harness error is a failure, not a crash
            import traceback
            n_m, bad_m, known_m = 0, [traceback.format_exc()], []
        for b in bad_m[:10]:
            say('MISMATCH in the comparison matrix: ' + b)
        if known_m:
            say('%d statement(s) of the matrix differ by known, documented '
                'differences, not counted (TITO_DIFF_STRICT=1 counts them), '
                'e.g. %s' % (len(known_m), known_m[0].split('\n')[0]))
        name = 'differential comparison matrix (%d statements, %.1fs)' % (
            n_m, time.monotonic() - t0)
        if bad_m:
            failed += 1
            print('not ok - %s: %d mismatch(es)' % (name, len(bad_m)))
        else:
            print('ok - %s' % name)
    if PLANS is not None:
        for k in sorted(PLANS):
            say('plan %s %-50s %-8s %d' % (k[0], k[1], k[2], PLANS[k]))
    say('total %.1fs' % (time.monotonic() - t_all))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
