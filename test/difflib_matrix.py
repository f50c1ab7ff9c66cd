"""difflib_matrix: the comparison matrix of the differential test (helper of
differential_test.py).

Random statements find affinity and collation mistakes only by luck; this
part tries every combination once. One table holds every value of the
generator's universe in every column (one row per value), each column of
another affinity (TEXT, NUMERIC, INTEGER, REAL, untyped) and indexed, and
the same rows exist in an ordinary table. Then, for every column:
  - col OP value for every value and OP in =, <, <=, >, >=, IS, as a
    literal and as a bound parameter;
  - col IN (three values);
  - ORDER BY col ASC and DESC (the sequence of values, as SQLite orders);
and for every pair of columns and every OP, a self-join y.c1 OP x.c2, and
c1 IN (SELECT c2 ...), where SQLite's column-versus-column affinity rules
apply; and IN lists of bound parameters. Each answer is compared
with the ordinary table's.
"""
import os
import re

from difflib_engine import (Pair, Schema, Stmt, compare, execute,
                            sql_literal)
from difflib_gen import UNIVERSE

COLS = [('tx', 'TEXT'), ('nu', 'NUMERIC'), ('it', 'INTEGER'), ('re', 'REAL'),
        ('bl', '')]
OPS = ['=', '<', '<=', '>', '>=', 'IS']


def schema():
    cols = ', '.join(('%s %s' % c).strip() for c in COLS)
    tito_idx = ', '.join('INDEX by_%s(%s)' % (c, c) for c, _ in COLS)
    return Schema(
        'comparison matrix',
        'CREATE VIRTUAL TABLE t USING tito(k INTEGER PRIMARY KEY, %s, %s)'
        % (cols, tito_idx),
        ['CREATE TABLE t(k INTEGER PRIMARY KEY, %s)' % cols] +
        ['CREATE INDEX by_%s ON t(%s)' % (c, c) for c, _ in COLS],
        'SELECT * FROM t', rowid=True)


def values():
    """Every value once (None included), in a fixed order."""
    out = [None]
    for kind in ('int', 'real', 'text', 'blob'):
        for v in UNIVERSE[kind]:
            if not any(type(v) is type(w) and v == w and
                       str(v) == str(w) for w in out):
                out.append(v)
    return out


def statements():
    """The matrix, as differential statements (the inserts first)."""
    vals = values()
    names = [c for c, _ in COLS]
    out = []
    for i, v in enumerate(vals):
        out.append(Stmt('INSERT INTO t(k, %s) VALUES (%d%s)' % (
            ', '.join(names), i + 1, ', ?' * len(names)), [v] * len(names),
            kind='write'))
    for c in names:
        for v in vals:
            for op in OPS:
                out.append(Stmt('SELECT k FROM t WHERE %s %s %s' % (
                    c, op, sql_literal(v))))
                out.append(Stmt('SELECT k FROM t WHERE %s %s ?' % (c, op),
                                [v]))
        for i in range(0, len(vals), 3):
            trio = vals[i:i + 3]
            out.append(Stmt('SELECT k FROM t WHERE %s IN (%s)' % (
                c, ', '.join(sql_literal(v) for v in trio))))
        for d in ('', ' DESC'):
            out.append(Stmt('SELECT %s FROM t ORDER BY %s%s' % (c, c, d),
                            mode='keyseq', keys=[(0, False)]))
    for c1 in names:
        for c2 in names:
            for op in OPS:
                out.append(Stmt('SELECT x.k, y.k FROM t AS x JOIN t AS y '
                                'ON y.%s %s x.%s' % (c1, op, c2)))
            out.append(Stmt('SELECT k FROM t WHERE %s IN (SELECT %s FROM t '
                            'WHERE k %% 3 = 0)' % (c1, c2)))
            out.append(Stmt('SELECT k FROM t WHERE %s IN (?, ?, ?)' % c1,
                            [vals[(i * 7 + len(c2)) % len(vals)]
                             for i in range(3)]))
    return out


# Known differences: statements that may differ are reported as such and
# not counted (TITO_DIFF_STRICT=1 counts them). Empty when nothing is open.
#   "join ranges on a TEXT key field miss rows when the other column is
#   numeric and holds text" (bugs.md 01:20): the lead documented it as a
#   limit (README, Limits) at 01:55: an exact fix would turn every
#   `text_key < ?` into a scan of all numeric-looking keys.
OPEN_BUGS = [] if os.environ.get('TITO_DIFF_STRICT') == '1' else [
    ('join range, TEXT key vs numeric column (documented limit)',
     re.compile(r'ON y\.tx (<|<=) x\.(nu|it|re)$'))]


def open_bug(sql):
    for what, pat in OPEN_BUGS:
        if pat.search(sql):
            return what
    return None


def run(so_path):
    """Run the matrix: (number of statements, [mismatch descriptions],
    [open-bug notes])."""
    sch = schema()
    pair = Pair(sch, so_path)
    bad, known = [], []
    try:
        stmts = statements()
        for st in stmts:
            a = execute(pair.native, st, False)
            b = execute(pair.tito, st, False)
            why = compare(st, a, b)
            if why:
                text = '%s: %s\n    native: %s\n    tito:   %s' % (
                    why[1], st.text(), a.show(), b.show())
                bug = open_bug(st.sql)
                (known if bug else bad).append(
                    ('[%s] ' % bug if bug else '') + text)
        r = pair.check()
        if r != 'ok':
            bad.append('tito_check: %s' % r)
    finally:
        pair.close()
    return len(stmts), bad, known
