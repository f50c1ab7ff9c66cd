"""difflib_gen: random statements for the differential test (helper of
differential_test.py).

A Model describes one table shape for the generator: its columns with the
values they usually hold, the primary key, the unique groups, the key paths
(primary key and indexes, for WHERE prefixes and ORDER BY), and conditions
that imply partial-index predicates. Gen draws statements from it; it
reads the native table (never the tito one) to pick existing values, so a
run is a function of the seed.

Statements are chosen so that their outcome does not depend on the order
in which SQLite happens to visit rows (which differs between the two
tables): a multi-row UPDATE assigns constants to at most one unique group,
and UPDATE OR IGNORE/REPLACE/FAIL on a constrained column touches one row
by its primary key; INSERT ... SELECT orders its rows by the primary key;
LIMIT without a total ORDER BY is compared by row count only.

What is generated: SELECT (projections that a covering index can answer,
WHERE on key and index prefixes with =, IN, IS, ranges, BETWEEN, IS [NOT]
NULL, <>, NOT IN, LIKE, GLOB, COLLATE NOCASE, flipped operands, row
values, OR; conditions implying partial-index predicates; ORDER BY on key
and index columns ASC/DESC, NULLS FIRST/LAST; LIMIT/OFFSET, also as
parameters or expressions; count/min/max, DISTINCT, GROUP BY; self-joins;
IN/NOT IN subqueries), INSERT [OR ...] with 1-4 rows or from a SELECT,
UPDATE [OR ...] (constants, expressions, correlated subqueries that read
the table being written), DELETE, BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE/
ROLLBACK TO, and closing/reopening both databases. Values mix every type:
small and extreme integers, reals (-0.0, integral, 2^53 neighbours, 1e300),
numeric-looking text ('42', ' 7', '1e2'), text with NULs, long text, blobs.

SQLite 3.40 behaviours kept out of the comparison (they are not tito's):
the largest rowid in use makes SQLite pick random rowids, and its rowid
seek never equals the real -2^63 (rowids stay in (-2^63, 2^62]); NOT IN
over a subquery holding NULL is answered wrongly when the column is indexed
(those subqueries skip NULLs); an OR of equalities on one column, one of
them COLLATE NOCASE, becomes an IN that forgets the collation (no NOCASE
inside OR); a non-integer rowid in a multi-row INSERT
outside ABORT leaves earlier rows in a native table (no statement journal)
while tito rolls the statement back (integer rowids only there).
"""
import re

from difflib_engine import Stmt, clean_text, sql_literal

UNIVERSE = {
    'int': [0, 1, 2, 3, 5, 7, 10, 42, -1, -3, 2**63 - 1, -2**63, 2**53,
            2**53 + 1, 10**15, 100],
    'real': [0.0, -0.0, 1.0, 1.5, 2.0, -2.5, 7.0, 42.0, 0.1, 1e300, -1e300,
             2.0**63, -2.0**63, 9007199254740993.0, 3.25, 100.0],
    'text': ['a', 'b', 'c', 'A', 'ab', '', '42', ' 7', '7', '7 ', '1.5',
             '1e2', '0x10', '-0', 'zz', 'x y', '9223372036854775807',
             '9223372036854775808', '-9223372036854775809', '\u00e9',
             'active', 'new', '1.0', '2', '+3', "it's", 'a\x00', 'a\x00b',
             'a\x00\x00', '\U0001F600', 'x' * 300, 'ab' * 70],
    'blob': [b'', b'\x00', b'a', b'\xff\x00', b'42', b'\x01\x02', b'a\x00',
             b'a\x00\x01', b'\x00' * 40, b'\xff' * 200],
}


class Col:
    def __init__(self, name, common, text=False, notnull=False,
                 default=False, aff=None):
        self.name = name
        # T(ext), N(umeric: INTEGER, NUMERIC), R(eal) or B(lob, untyped)
        self.aff = aff or ('T' if text else 'B')
        self.common = common      # the values it usually holds
        self.text = text          # || 'x' makes sense
        self.notnull = notnull
        self.default = default    # never given an explicit NULL on INSERT


class Model:
    def __init__(self, cols, pk, uniques, paths, partial=(), rowid=None):
        self.cols = cols
        self.by_name = {c.name: c for c in cols}
        self.pk = pk              # key column names ('rowid' for (d))
        self.uniques = uniques    # lists of column names
        self.paths = paths        # [[(col, desc)]]: pk and indexes
        self.partial = list(partial)  # WHERE snippets (literal SQL)
        self.rowid = rowid        # None, 'alias' (INTEGER PRIMARY KEY) or
                                  # 'implicit'
        self.groups = [list(pk)] + [list(u) for u in uniques]

    def constrained(self, name):
        if name == 'rowid' or name in self.pk:
            return True
        if any(name in u for u in self.uniques):
            return True
        return self.by_name[name].notnull if name in self.by_name else False


class Gen:
    def __init__(self, model, rng, native, param_p=0.15):
        self.m = model
        self.rng = rng
        self.native = native
        self.param_p = param_p
        self.sp_stack = []
        self.sp_next = 1
        self.params = []

    # ------------------------------------------------------- values
    def universe(self):
        r = self.rng.random()
        if r < 0.08:
            return None
        kind = self.rng.choice(['int', 'int', 'real', 'real', 'text', 'text',
                                'text', 'blob'])
        return self.rng.choice(UNIVERSE[kind])

    def value(self, col, allow_null=True):
        for _ in range(20):
            r = self.rng.random()
            if r < 0.72:
                v = self.rng.choice(col.common)
            elif r < 0.82:
                row = self.row()
                v = row[self.rng.randrange(len(row))] if row else None
            else:
                v = self.universe()
            if v is not None or allow_null:
                return v
        return col.common[0] if col.common[0] is not None else 1

    def rows(self):
        """Current rows of the native table as dicts."""
        names = [c.name for c in self.m.cols]
        sel = ', '.join(names)
        if self.m.rowid:
            sel = 'rowid, ' + sel
            names = ['rowid'] + names
        return [dict(zip(names, r))
                for r in self.native.execute('SELECT %s FROM t' % sel)]

    def row(self):
        rows = self.native.execute('SELECT * FROM t').fetchall()
        return self.rng.choice(rows) if rows else None

    def count(self):
        return self.native.execute('SELECT count(*) FROM t').fetchone()[0]

    def lit(self, v):
        if isinstance(v, str) and '\x00' in v and clean_text(v):
            self.params.append(v)     # SQL text cannot hold a NUL
            return '?'
        if self.rng.random() < self.param_p and \
                (not isinstance(v, str) or clean_text(v)):
            self.params.append(v)
            return '?'
        return sql_literal(v)

    def is_rowid(self, name):
        return name == 'rowid' or (self.m.rowid == 'alias' and
                                   name == self.m.pk[0])

    def col_value(self, name):
        """A value for column name, half the time one it already holds."""
        v = self.col_value1(name)
        return self.no_max_rowid(name, v)

    def no_max_rowid(self, name, v):
        """Once the largest rowid is in use SQLite picks a random free one
        (not comparable): keep rowids in (-2^63, 2^62]. The smallest is out
        too: SQLite's rowid seek never equals the real -2^63."""
        if not self.is_rowid(name):
            return v
        n = None
        if isinstance(v, int):
            n = v
        elif isinstance(v, str) and re.fullmatch(r'\s*[+-]?\d+\s*', v):
            n = int(v)
        if n is not None and (n > 2**62 or n <= -2**63 + 1):
            return 2**62
        return v

    def valid_rowid(self, name, v):
        """Outside ABORT, SQLite has no statement journal for a row whose
        rowid is not an integer ("datatype mismatch" leaves the earlier rows
        of a native table in place; tito, a virtual table, rolls the
        statement back): multi-row statements use integer rowids only."""
        if not self.is_rowid(name):
            return v
        if v is None or isinstance(v, int):
            return v
        if isinstance(v, float) and v.is_integer() and abs(v) < 2.0**63:
            return v
        if isinstance(v, str) and re.fullmatch(r'\s*[+-]?\d{1,18}\s*', v):
            return v
        return self.rng.choice([None, 3, 100])

    def col_value1(self, name):
        if self.rng.random() < 0.5:
            vals = [r[0] for r in self.native.execute(
                'SELECT %s FROM t' % name)]
            if vals:
                return self.rng.choice(vals)
        if name == 'rowid':
            return self.rng.choice([1, 2, 3, 5, 8, 13, 21, 0, -1, 2**63 - 1,
                                    '3', 2.0, 2.5, None])
        return self.value(self.m.by_name[name])

    # ------------------------------------------------------- WHERE
    def names(self):
        n = [c.name for c in self.m.cols]
        if self.m.rowid:
            n.append('rowid')
        return n

    def atom(self, name, op=None, in_or=False):
        rng = self.rng
        lit = self.lit
        ops = ['=', '=', '=', 'IN', 'IN', '<', '<=', '>', '>=', 'BETWEEN',
               'IS NULL', 'IS NOT NULL', '<>', 'IS', 'NOT IN', 'LIKE', 'GLOB',
               'NOCASE', 'FLIP', 'EXPR']
        if in_or:
            # SQLite 3.40 turns "k = 'A' COLLATE NOCASE OR k IN (...)" into
            # one IN that drops the collation (wrong on ordinary tables).
            ops.remove('NOCASE')
        op = op or rng.choice(ops)
        v = self.col_value(name)
        if op == 'IN':
            vs = [lit(self.col_value(name)) for _ in range(rng.randint(0, 4))]
            return '%s IN (%s)' % (name, ', '.join(vs))
        if op == 'NOT IN':
            vs = [lit(self.col_value(name)) for _ in range(rng.randint(1, 3))]
            return '%s NOT IN (%s)' % (name, ', '.join(vs))
        if op == 'BETWEEN':
            return '%s BETWEEN %s AND %s' % (name, lit(v),
                                             lit(self.col_value(name)))
        if op in ('IS NULL', 'IS NOT NULL'):
            return '%s %s' % (name, op)
        if op == 'LIKE':
            return "%s LIKE %s" % (name, lit(rng.choice(['a%', 'A%', 'e%',
                                                         '4%', '%', 'x_'])))
        if op == 'GLOB':
            return "%s GLOB %s" % (name, lit(rng.choice(['a*', 'A*', 'e*',
                                                         '4*', '*'])))
        if op == 'NOCASE':
            return '%s = %s COLLATE NOCASE' % (name, lit(v))
        if op == 'FLIP':
            return '%s %s %s' % (lit(v), rng.choice(['=', '<', '>=']), name)
        if op == 'EXPR':
            return '+%s = %s' % (name, lit(v))
        return '%s %s %s' % (name, op, lit(v))

    def where(self):
        rng = self.rng
        r = rng.random()
        if r < 0.07:
            return ''
        parts = []
        if r < 0.75:
            path = rng.choice(self.m.paths)
            k = rng.randint(0, len(path))
            for name, _ in path[:k]:
                parts.append(self.atom(name, rng.choice(
                    ['=', '=', '=', '=', 'IN', 'IN', 'IS', 'NOCASE', 'LIKE',
                     'GLOB'])))
            if k < len(path) and rng.random() < 0.6:
                name = path[k][0]
                op = rng.choice(['<', '<=', '>', '>=', 'BETWEEN', 'RANGE',
                                 'IS NULL', 'IS NOT NULL'])
                if op == 'RANGE':
                    parts.append(self.atom(name, rng.choice(['>', '>='])))
                    parts.append(self.atom(name, rng.choice(['<', '<='])))
                else:
                    parts.append(self.atom(name, op))
        if self.m.partial and rng.random() < 0.15:
            parts.append(rng.choice(self.m.partial))
        if rng.random() < 0.06:
            rv = self.rowval()
            if rv:
                parts.append(rv)
        if not parts or rng.random() < 0.25:
            parts.append(self.atom(rng.choice(self.names())))
        if rng.random() < 0.1:
            parts.append('(%s OR %s)' % (
                self.atom(rng.choice(self.names()), in_or=True),
                self.atom(rng.choice(self.names()), in_or=True)))
        return ' WHERE ' + ' AND '.join(parts)

    def pk_where(self):
        """WHERE naming one existing row by its key (or a missing one)."""
        rows = self.rows()
        row = self.rng.choice(rows) if rows and self.rng.random() < 0.9 \
            else None
        parts = []
        for name in self.m.pk:
            v = row[name] if row else self.col_value(name)
            parts.append('%s = %s' % (name, self.lit(v)))
        return ' WHERE ' + ' AND '.join(parts)

    # ------------------------------------------------------- SELECT
    def order_by(self):
        """ORDER BY terms [(name, desc, nocase, nulls)], and whether they
        give a total order."""
        rng = self.rng
        if rng.random() < 0.6:
            path = rng.choice(self.m.paths)
            rev = rng.random() < 0.4
            n = rng.randint(1, len(path))
            terms = [(name, desc != rev, False, '') for name, desc in path[:n]]
        else:
            names = rng.sample(self.names(),
                               rng.randint(1, min(2, len(self.names()))))
            terms = [(n, rng.random() < 0.5, False, '') for n in names]
        if rng.random() < 0.1:
            i = rng.randrange(len(terms))
            t = terms[i]
            terms[i] = (t[0], t[1], rng.random() < 0.5,
                        rng.choice(['', ' NULLS FIRST', ' NULLS LAST']))
        if rng.random() < 0.6:
            have = {t[0] for t in terms if not t[2]}
            for name in self.m.pk:
                if name not in have:
                    terms.append((name, rng.random() < 0.3, False, ''))
        plain = {t[0] for t in terms if not t[2]}
        total = all(n in plain for n in self.m.pk)
        return terms, total

    def select(self):
        rng = self.rng
        self.params = []
        names = self.names()
        where = self.where()
        r = rng.random()
        if r < 0.12:
            agg = rng.choice(['count(*)', 'count(%s)', 'min(%s)', 'max(%s)',
                              'count(DISTINCT %s)'])
            if '%s' in agg:
                agg = agg % rng.choice(names)
            return Stmt('SELECT %s FROM t%s' % (agg, where), self.params,
                        mode='norm')
        if r < 0.18:
            cs = rng.sample(names, rng.randint(1, min(2, len(names))))
            c = ', '.join(cs)
            if rng.random() < 0.5:
                sql = 'SELECT DISTINCT %s FROM t%s' % (c, where)
            else:
                sql = 'SELECT %s, count(*) FROM t%s GROUP BY %s' % (c, where, c)
            if rng.random() < 0.5:
                # Distinct values under a total order: compared in order.
                sql += ' ORDER BY ' + ', '.join(
                    n + rng.choice(['', ' DESC']) for n in cs)
                return Stmt(sql, self.params, mode='normseq')
            return Stmt(sql, self.params, mode='norm')
        if r < 0.23:
            return self.join(where)
        if r < 0.27:
            return self.subquery()
        if r < 0.5:
            proj = ['*'] if not self.m.rowid or rng.random() < 0.5 \
                else ['rowid', '*']
            width = len(self.m.cols) + len(proj) - 1
            idx = {c.name: i + len(proj) - 1 for i, c in
                   enumerate(self.m.cols)}
            if 'rowid' in proj:
                idx['rowid'] = 0
        else:
            proj = rng.sample(names, rng.randint(1, min(3, len(names))))
            width = len(proj)
            idx = {n: i for i, n in enumerate(proj)}
        order = ''
        keys = []
        total = False
        if rng.random() < 0.55:
            terms, total = self.order_by()
            order = ' ORDER BY ' + ', '.join(
                '%s%s%s%s' % (n, ' COLLATE NOCASE' if nc else '',
                              ' DESC' if d else '', nulls)
                for n, d, nc, nulls in terms)
            for n, d, nc, nulls in terms:
                if n not in idx:
                    proj.append(n)
                    idx[n] = width
                    width += 1
                keys.append((idx[n], nc))
        limit = ''
        if rng.random() < 0.3:
            lim = self.lit(rng.choice([0, 1, 1, 2, 3, 5, -1]))
            if rng.random() < 0.1:
                lim = '1+1'   # not visible to xBestIndex, still pushed
            if rng.random() < 0.4:
                limit = ' LIMIT %s OFFSET %s' % (
                    lim, self.lit(rng.choice([0, 1, 2, 4])))
            else:
                limit = ' LIMIT %s' % lim
        if keys:
            mode = 'exact' if total else 'keyseq'
        else:
            mode = 'count' if limit else 'multiset'
        sql = 'SELECT %s FROM t%s%s%s' % (', '.join(proj), where, order, limit)
        return Stmt(sql, self.params, mode=mode, keys=keys,
                    has_limit=bool(limit))

    def join(self, where):
        """A self-join: the inner side looked up by a key or index field."""
        rng = self.rng
        ycol = rng.choice(self.m.paths)[0][0]
        xcol = rng.choice(self.names())
        on = 'y.%s = x.%s' % (ycol, xcol)
        if rng.random() < 0.3:
            a, b = rng.choice(self.names()), rng.choice(self.names())
            op = rng.choice(['=', '<', '<=', '>='])
            on += ' AND y.%s %s x.%s' % (a, op, b)
        proj = 'x.*, y.*'
        if self.m.rowid:
            proj = 'x.rowid, y.rowid, ' + proj
        sql = 'SELECT %s FROM (SELECT %s* FROM t%s) AS x JOIN t AS y ON %s' % (
            proj, 'rowid, ' if self.m.rowid else '', where, on)
        return Stmt(sql, self.params, mode='multiset')

    def aff(self, name):
        """T(ext), N(umeric), R(eal) or B(lob) affinity of a column."""
        return 'N' if self.is_rowid(name) else self.m.by_name[name].aff

    def subquery(self):
        """[NOT] IN (SELECT ...) over the same table."""
        rng = self.rng
        c = rng.choice(self.names())
        c2 = rng.choice(self.names())
        inner = self.where()
        op = rng.choice(['IN', 'IN', 'NOT IN'])
        if op == 'NOT IN':
            # SQLite 3.40 answers NOT IN over a subquery holding NULL wrongly
            # when an index covers the column (rows instead of none).
            inner = ' WHERE %s IS NOT NULL%s' % (
                c2, inner.replace(' WHERE ', ' AND ', 1))
        sql = 'SELECT * FROM t WHERE %s %s (SELECT %s FROM t%s)' % (
            c, op, c2, inner)
        if self.m.rowid:
            sql = sql.replace('SELECT *', 'SELECT rowid, *', 1)
        return Stmt(sql, self.params, mode='multiset')

    def rowval(self):
        """A row-value comparison over the first two fields of a path."""
        rng = self.rng
        paths = [p for p in self.m.paths if len(p) >= 2]
        if not paths:
            return None
        a, b = paths[rng.randrange(len(paths))][:2]
        a, b = a[0], b[0]
        op = rng.choice(['=', '>', '>=', '<', '<=', 'IN'])

        def val(name):
            return self.lit(self.col_value(name))
        if op == 'IN':
            vals = ', '.join('(%s, %s)' % (val(a), val(b))
                             for _ in range(rng.randint(1, 3)))
            return '(%s, %s) IN (VALUES %s)' % (a, b, vals)
        return '(%s, %s) %s (%s, %s)' % (a, b, op, val(a), val(b))

    # ------------------------------------------------------- writes
    def conflict(self, weights):
        return self.rng.choices(['', 'OR REPLACE', 'OR IGNORE', 'OR FAIL',
                                 'OR ABORT', 'OR ROLLBACK'], weights)[0]

    def insert(self):
        rng = self.rng
        self.params = []
        mode = self.conflict([55, 14, 14, 6, 5, 3])
        verb = 'INSERT %s INTO' % mode if mode else 'INSERT INTO'
        if mode == 'OR REPLACE' and rng.random() < 0.3:
            verb = 'REPLACE INTO'
        if rng.random() < 0.15:
            return self.insert_select(verb)
        cols = [c for c in self.m.cols
                if not (c.default or not c.notnull) or rng.random() < 0.85]
        if len(cols) > 16:
            # A wide table: the NOT NULL columns and a dozen others (the
            # rest are left out, NULL).
            keep = [c for c in cols if c.notnull]
            rest = [c for c in cols if not c.notnull]
            cols = keep + rng.sample(rest, min(12, len(rest)))
        if self.m.rowid == 'implicit' and rng.random() < 0.2:
            names = ['rowid'] + [c.name for c in cols]
        else:
            names = [c.name for c in cols]
        if rng.random() < 0.3:
            rng.shuffle(names)       # columns in any order
        if not names:
            return Stmt('%s t DEFAULT VALUES' % verb, kind='write')
        rows = []
        nrows = rng.choices([1, 2, 3, 4], [60, 15, 15, 10])[0]
        strict = nrows > 1 and mode not in ('', 'OR ABORT')
        for _ in range(nrows):
            vals = []
            for n in names:
                if n == 'rowid':
                    v = self.col_value('rowid')
                    if strict:
                        v = self.valid_rowid(n, v)
                    vals.append(self.lit(v))
                    continue
                c = self.m.by_name[n]
                if c.notnull and rng.random() < 0.97:
                    v = self.value(c, allow_null=False)
                else:
                    v = self.value(c, allow_null=not c.default)
                v = self.no_max_rowid(n, v)
                if strict:
                    v = self.valid_rowid(n, v)
                vals.append(self.lit(v))
            rows.append('(' + ', '.join(vals) + ')')
        sql = '%s t(%s) VALUES %s' % (verb, ', '.join(names), ', '.join(rows))
        return Stmt(sql, self.params, kind='write')

    def insert_select(self, verb):
        rng = self.rng
        names, exprs = [], []
        for c in self.m.cols:
            if c.default:
                continue
            names.append(c.name)
            r = rng.random()
            key = c.name in self.m.pk or any(c.name in u for u in
                                             self.m.uniques)
            if key and r < 0.6 or r < 0.15:
                if c.text:
                    exprs.append("%s || %s" % (c.name, self.lit(
                        rng.choice(['x', '_', '1']))))
                else:
                    exprs.append('%s + %s' % (c.name, self.lit(
                        rng.choice([1, 100] if self.is_rowid(c.name)
                                   else [1, 100, 0.5]))))
            elif r < 0.25:
                exprs.append(self.lit(self.no_max_rowid(c.name, self.value(
                    c, allow_null=not c.notnull))))
            else:
                exprs.append(c.name)
        order = ', '.join(self.m.pk)
        sql = '%s t(%s) SELECT %s FROM t%s ORDER BY %s' % (
            verb, ', '.join(names), ', '.join(exprs), self.where(), order)
        if rng.random() < 0.2:
            sql += ' LIMIT %s' % self.lit(rng.randint(0, 4))
        return Stmt(sql, self.params, kind='write')

    def update(self):
        rng = self.rng
        self.params = []
        mode = self.conflict([60, 10, 12, 8, 5, 5])
        names = [c.name for c in self.m.cols]
        if self.m.rowid == 'implicit':
            names.append('rowid')
        targets = rng.sample(names, rng.randint(1, min(3, len(names))))
        sets = []
        constant = True
        for n in targets:
            col = self.m.by_name.get(n)
            r = rng.random()
            if r < 0.55 or self.is_rowid(n) and r > 0.85:
                v = self.col_value(n)
                if col is not None and col.notnull and rng.random() < 0.9:
                    v = self.no_max_rowid(n, self.value(col, allow_null=False))
                sets.append('%s = %s' % (n, self.lit(v)))
                continue
            constant = constant and not self.m.constrained(n)
            if r < 0.7 and col is not None and col.text:
                sets.append("%s = %s || %s" % (n, n, self.lit(
                    rng.choice(['x', '1', ' ']))))
            elif r < 0.85:
                inc = [1, -1, 0.5, '1']
                sets.append('%s = %s + %s' % (n, n, self.lit(rng.choice(inc))))
            elif self.is_rowid(n):
                sets.append('%s = %s' % (n, self.lit(self.col_value(n))))
            elif r < 0.93 or self.m.constrained(n):
                other = rng.choice(self.names())
                sets.append('%s = %s' % (n, other))
            else:
                # Reads the table while it is written; reads only columns
                # this statement does not change, so order cannot matter.
                free = [k for k in self.names() if k not in targets and
                        not (k == 'rowid' and self.m.rowid == 'alias' and
                             self.m.pk[0] in targets) and
                        not (self.is_rowid(k) and 'rowid' in targets)]
                if not free:
                    sets.append('%s = NULL' % n)
                    continue
                k = rng.choice(free)
                sets.append('%s = (SELECT count(*) FROM t AS u WHERE u.%s %s '
                            't.%s)' % (n, k, rng.choice(['=', '<', '>=']), k))
        groups = [g for g in self.m.groups if any(n in g for n in targets)]
        constrained = any(self.m.constrained(n) for n in targets)
        one_row = (mode in ('OR IGNORE', 'OR REPLACE', 'OR FAIL')
                   and constrained) or len(groups) > 1 or not constant
        where = self.pk_where() if one_row or rng.random() < 0.2 \
            else self.where()
        verb = 'UPDATE %s t' % mode if mode else 'UPDATE t'
        return Stmt('%s SET %s%s' % (verb, ', '.join(sets), where),
                    self.params, kind='write')

    def delete(self):
        self.params = []
        if self.rng.random() < 0.5:
            where = self.pk_where()
        else:
            where = self.where()
            if not where and self.rng.random() < 0.8:
                where = self.pk_where()
        return Stmt('DELETE FROM t%s' % where, self.params, kind='write')

    # ------------------------------------------------------- transactions
    def txn(self):
        rng = self.rng
        in_txn = self.native.in_transaction
        if not in_txn:
            self.sp_stack = []
        choices = []
        if not in_txn:
            choices += [('BEGIN', 6), ('SAVEPOINT', 2), ('COMMIT', 0.3)]
        else:
            choices += [('COMMIT', 4), ('ROLLBACK', 2), ('SAVEPOINT', 4),
                        ('BEGIN', 0.2)]
            if self.sp_stack:
                choices += [('ROLLBACK TO', 4), ('RELEASE', 3)]
        what = rng.choices([c[0] for c in choices], [c[1] for c in choices])[0]
        if what == 'BEGIN':
            sql = rng.choice(['BEGIN', 'BEGIN DEFERRED', 'BEGIN IMMEDIATE'])
        elif what == 'COMMIT':
            sql = rng.choice(['COMMIT', 'END'])
        elif what == 'SAVEPOINT':
            sql = 'SAVEPOINT sp%d' % self.sp_next
            self.sp_next += 1
        elif what in ('ROLLBACK TO', 'RELEASE'):
            sql = '%s sp%d' % (what, rng.choice(self.sp_stack))
        else:
            sql = 'ROLLBACK'
        return Stmt(sql, kind='txn')

    def after(self, st, ok):
        """Track savepoints from the native side's outcome of st."""
        if not self.native.in_transaction:
            self.sp_stack = []
            return
        if not ok or st.kind != 'txn':
            return
        w = st.sql.split()
        if w[0] == 'SAVEPOINT':
            self.sp_stack.append(int(w[1][2:]))
        elif w[0] == 'RELEASE':
            n = int(w[1][2:])
            if n in self.sp_stack:
                del self.sp_stack[self.sp_stack.index(n):]
        elif w[0] == 'ROLLBACK' and len(w) > 1:
            n = int(w[2][2:])
            if n in self.sp_stack:
                del self.sp_stack[self.sp_stack.index(n) + 1:]

    # ------------------------------------------------------- one statement
    def next(self):
        rng = self.rng
        n = self.count()
        w_ins = 30 if n < 30 else (6 if n > 110 else 18)
        w_del = 2 if n < 30 else (20 if n > 110 else 7)
        kind = rng.choices(['select', 'insert', 'update', 'delete', 'txn',
                            'reopen'], [40, w_ins, 14, w_del, 5, 0.15])[0]
        if kind == 'reopen':
            if self.native.in_transaction:
                return self.txn()
            return Stmt('', kind='reopen')
        if kind == 'txn':
            return self.txn()
        if kind == 'insert':
            return self.insert()
        if kind == 'update':
            return self.update()
        if kind == 'delete':
            return self.delete()
        return self.select()
