"""difflib_matrix: the comparison matrix of the differential test (helper of
differential_test.py).

Random statements find affinity and collation mistakes only by luck; this
part tries every combination once. One table holds every value of the
generator's universe in every column (one row per value), each column of
another affinity (TEXT, NUMERIC, INTEGER, REAL, untyped) and indexed (also
in two composite indexes), and the same rows exist in an ordinary table.
An ordinary table r with the same columns and rows exists on both sides
(it is another table's column of every affinity). Then, for every column
and every comparison (=, <, <=, >, >=, and IS for the first two kinds),
the right-hand side is each of:
  - a literal, and a bound parameter (every value);
  - CAST(value AS type) for every type's affinity, as a literal and as a
    parameter (SQLite compares under the CAST's affinity: NUMERIC on both
    sides when either is numeric);
  - an expression with no affinity: +CAST(...), arithmetic, a function;
  - a scalar subquery over r's column of every affinity;
  - a row value (col, k) OP (right-hand side, 0);
  - r's columns of every affinity, in a join where t is the inner table,
    and t's own (a self-join);
  - IN lists of CASTs, and IN (SELECT ...) over r's columns;
and ORDER BY col ASC and DESC, DELETE and UPDATE through such comparisons
(rolled back after the comparison of the whole table). Each answer is
compared with the ordinary table's.

Size: TITO_DIFF_MATRIX=full tries every value with every CAST and
expression (about 45,000 statements); by default (make test) those use a
fixed subset of the values (the ones that tell affinities apart), each
meeting a third of the kinds (about 11,000); literals and parameters always
use every value.
"""
import os
import re

from difflib_engine import (Pair, Schema, Stmt, compare, execute,
                            sql_literal)
from difflib_gen import UNIVERSE

COLS = [('tx', 'TEXT'), ('nu', 'NUMERIC'), ('it', 'INTEGER'), ('re', 'REAL'),
        ('bl', '')]
OPS = ['=', '<', '<=', '>', '>=', 'IS']
RANGE_OPS = ['=', '<', '<=', '>', '>=']
CAST_TYPES = ['TEXT', 'NUMERIC', 'INTEGER', 'REAL', 'BLOB']
# Values that tell the affinities apart (the default subset).
KEY_VALUES = [None, 0, 7, -3, 2**63 - 1, 0.0, -0.0, 1.5, 7.0, 1e300, '7',
              ' 7', '7 ', '-0', '1e2', '0x10', '', 'a', 'ab', '1.5', '+3',
              b'', b'42', b'a']


def full():
    return os.environ.get('TITO_DIFF_MATRIX') == 'full'


def schema():
    cols = ', '.join(('%s %s' % c).strip() for c in COLS)
    tito_idx = ', '.join('INDEX by_%s(%s)' % (c, c) for c, _ in COLS)
    composite = [('by_tx_nu', 'tx, nu DESC'), ('by_bl_it', 'bl DESC, it')]
    return Schema(
        'comparison matrix',
        'CREATE VIRTUAL TABLE t USING tito(k INTEGER PRIMARY KEY, %s, %s, %s)'
        % (cols, tito_idx,
           ', '.join('INDEX %s(%s)' % c for c in composite)),
        ['CREATE TABLE t(k INTEGER PRIMARY KEY, %s)' % cols] +
        ['CREATE INDEX by_%s ON t(%s)' % (c, c) for c, _ in COLS] +
        ['CREATE INDEX %s ON t(%s)' % c for c in composite],
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


def some_values():
    """The values CASTs and expressions are tried with."""
    return values() if full() else KEY_VALUES


def inserts(table, vals):
    names = ', '.join(c for c, _ in COLS)
    return [Stmt('INSERT INTO %s(k, %s) VALUES (%d%s)' % (
        table, names, i + 1, ', ?' * len(COLS)), [v] * len(COLS),
        kind='write') for i, v in enumerate(vals)]


def rhs_kinds(v):
    """(SQL, params) of right-hand sides of value v, of every kind."""
    lit = sql_literal(v)
    out = []
    for t in CAST_TYPES:
        out.append(('CAST(%s AS %s)' % (lit, t), []))
        out.append(('CAST(? AS %s)' % t, [v]))
    out.append(('+CAST(%s AS REAL)' % lit, []))       # no affinity
    out.append(('-(-CAST(? AS INTEGER))', [v]))       # no affinity
    out.append(('(? + 0)', [v]))                      # arithmetic
    out.append(('coalesce(?, NULL)', [v]))            # a function
    out.append(('(SELECT %s)' % lit, []))             # no affinity
    return out


def statements():
    """The matrix, as differential statements (the inserts first)."""
    vals = values()
    some = some_values()
    names = [c for c, _ in COLS]
    out = inserts('t', vals)
    for c in names:
        for v in vals:
            for op in OPS:
                out.append(Stmt('SELECT k FROM t WHERE %s %s %s' % (
                    c, op, sql_literal(v))))
                out.append(Stmt('SELECT k FROM t WHERE %s %s ?' % (c, op),
                                [v]))
        for iv, v in enumerate(some):
            for ik, (rhs, params) in enumerate(rhs_kinds(v)):
                # By default each value meets a third of the kinds (every
                # kind meets a third of the values): all of them when full.
                if not full() and (ik + iv) % 3:
                    continue
                for op in RANGE_OPS:
                    out.append(Stmt('SELECT k FROM t WHERE %s %s %s' % (
                        c, op, rhs), params))
            for op in ('=', '<', '>='):
                out.append(Stmt('SELECT k FROM t WHERE (%s, k) %s '
                                '(CAST(? AS REAL), 0)' % (c, op), [v]))
                out.append(Stmt('SELECT k FROM t WHERE (%s, k) %s (%s, 0)'
                                % (c, op, sql_literal(v))))
        for i in range(0, len(vals), 3):
            trio = vals[i:i + 3]
            out.append(Stmt('SELECT k FROM t WHERE %s IN (%s)' % (
                c, ', '.join(sql_literal(v) for v in trio))))
        for i in range(0, len(some), 3):
            trio = some[i:i + 3]
            t = CAST_TYPES[i % len(CAST_TYPES)]
            out.append(Stmt('SELECT k FROM t WHERE %s IN (%s)' % (
                c, ', '.join('CAST(? AS %s)' % t for _ in trio)), trio))
        for d in ('', ' DESC'):
            out.append(Stmt('SELECT %s FROM t ORDER BY %s%s' % (c, c, d),
                            mode='keyseq', keys=[(0, False)]))
    # Composite indexes: a widened first field, then the second, in order.
    for v in some:
        for t in CAST_TYPES:
            for sql in ('SELECT tx, nu FROM t WHERE tx = CAST(? AS %s) '
                        'ORDER BY nu DESC',
                        'SELECT tx, nu FROM t WHERE tx = CAST(? AS %s) '
                        'AND nu > 0',
                        'SELECT bl, it FROM t WHERE bl = CAST(? AS %s) '
                        'ORDER BY it',
                        'SELECT bl, it FROM t WHERE bl = CAST(? AS %s) '
                        'AND it < 10 ORDER BY it DESC'):
                # Not ORDER BY the column the equality is on: SQLite 3.40
                # takes it as constant and leaves its own rows unsorted by
                # it, though the CAST lets several texts match.
                keys = [(1, False)] if 'ORDER BY' in sql else []
                out.append(Stmt(sql % t, [v], mode='keyseq' if keys else
                                'multiset', keys=keys))
    for c1 in names:
        for c2 in names:
            for op in OPS:
                out.append(Stmt('SELECT x.k, y.k FROM t AS x JOIN t AS y '
                                'ON y.%s %s x.%s' % (c1, op, c2)))
                if op != 'IS':
                    out.append(Stmt('SELECT r.k, t.k FROM r CROSS JOIN t '
                                    'ON t.%s %s r.%s' % (c1, op, c2)))
            for op in RANGE_OPS:
                out.append(Stmt('SELECT r.k, t.k FROM r CROSS JOIN t ON '
                                '(t.%s, t.k) %s (r.%s, 0)' % (c1, op, c2)))
            out.append(Stmt('SELECT k FROM t WHERE %s IN (SELECT %s FROM t '
                            'WHERE k %% 3 = 0)' % (c1, c2)))
            out.append(Stmt('SELECT k FROM t WHERE %s IN (SELECT %s FROM r '
                            'WHERE k %% 4 = 1)' % (c1, c2)))
            out.append(Stmt('SELECT k FROM t WHERE %s IN (?, ?, ?)' % c1,
                            [vals[(i * 7 + len(c2)) % len(vals)]
                             for i in range(3)]))
            for j in range(0, len(some), 2 if full() else 4):
                for op in RANGE_OPS:
                    out.append(Stmt(
                        'SELECT k FROM t WHERE %s %s (SELECT %s FROM r '
                        'WHERE k = %d)' % (c1, op, c2, vals.index(some[j]) + 1)))
    # Writes through such comparisons, rolled back after the comparison.
    for c in names:
        for v in some[::2]:
            for t in ('REAL', 'TEXT', 'INTEGER'):
                for op in ('=', '<=', '>'):
                    out.append(Stmt('DELETE FROM t WHERE %s %s CAST(? AS %s)'
                                    % (c, op, t), [v], kind='undo'))
            out.append(Stmt('UPDATE t SET re = -1 WHERE %s = CAST(? AS '
                            'NUMERIC)' % c, [v], kind='undo'))
    return out


# Known differences: statements that may differ are reported as such and
# not counted (TITO_DIFF_STRICT=1 counts them). Each entry is explained in
# the README (Limits). Empty when nothing is open.
OPEN_BUGS = [] if os.environ.get('TITO_DIFF_STRICT') == '1' else [
]


def open_bug(sql):
    for what, pat in OPEN_BUGS:
        if pat.search(sql):
            return what
    return None


def run_undo(pair, st):
    """Run write st on both sides inside a savepoint, compare the outcome
    and the whole table, then roll it back. A mismatch description or
    None."""
    for conn in (pair.native, pair.tito):
        conn.execute('SAVEPOINT undo')
    try:
        w = Stmt(st.sql, st.params, kind='write')
        a = execute(pair.native, w, False)
        b = execute(pair.tito, w, False)
        why = compare(w, a, b)
        if why:
            return '%s: %s\n    native: %s\n    tito:   %s' % (
                why[1], st.text(), a.show(), b.show())
        bad = pair.compare_tables(w)
        if bad:
            return '%s: %s\n    native: %s\n    tito:   %s' % (
                bad['why'], st.text(), bad['native'].show(),
                bad['tito'].show())
        return None
    finally:
        for conn in (pair.native, pair.tito):
            conn.execute('ROLLBACK TO undo')
            conn.execute('RELEASE undo')


def run(so_path):
    """Run the matrix: (number of statements, [mismatch descriptions],
    [open-bug notes])."""
    sch = schema()
    pair = Pair(sch, so_path)
    bad, known = [], []
    try:
        rdef = 'CREATE TABLE r(k INTEGER PRIMARY KEY, %s)' % ', '.join(
            ('%s %s' % c).strip() for c in COLS)
        for conn in (pair.native, pair.tito):
            conn.execute(rdef)
            for st in inserts('r', values()):
                conn.execute(st.sql, st.params)
        stmts = statements()
        for st in stmts:
            if st.kind == 'undo':
                why = run_undo(pair, st)
                if why:
                    bad.append(why)
                continue
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
