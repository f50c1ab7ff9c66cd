"""alter_random_test.py: random schema changes of a live model interleaved
with random writes, against an ordinary SQLite table given the same
changes (CREATE/DROP INDEX, ALTER TABLE ADD/RENAME/DROP COLUMN).

After every step both tables must hold the same rows (values and types),
every query on them must agree, tito_check must say ok, and a change one
side refuses must be refused by the other with the same meaning (a unique
index over duplicates, a column an index uses). Half the plain ADD INDEX
changes run only a few steps of their build (tito_config('alter_batch') is
5 to 20 rows), leaving it in progress while writes and queries go on, until
a RESUME before the next change or at random (a unique index is built
whole: while a build is in progress a write may take a value only a row
the build has not reached holds, which an ordinary table refuses at once
and tito's build refuses later). TITO_ALTER_SEED sets the seed,
TITO_ALTER_STEPS the steps (default 400; TITO_SOAK=1: 3000).
"""
import os
import random
import sqlite3
import sys

SO = os.path.realpath(os.environ.get('TITO_SO', './tito.so'))
SEED = int(os.environ.get('TITO_ALTER_SEED', '20261204'))
STEPS = int(os.environ.get('TITO_ALTER_STEPS',
                           '3000' if os.environ.get('TITO_SOAK') else '400'))
TYPES = ['INTEGER', 'TEXT', 'REAL', '']


class Model:
    """What both tables hold: columns (name, type), indexes (name ->
    (unique, columns, where))."""

    def __init__(self):
        self.cols = [('id', 'INTEGER'), ('a', 'TEXT'), ('b', 'INTEGER')]
        self.idx = {}
        self.dflt = set()  # columns with a DEFAULT
        self.n = 0

    def fresh(self, prefix):
        self.n += 1
        return '%s%d' % (prefix, self.n)

    def used(self, col):
        if col == 'id':
            return True
        return any(col in cols or (where and col in where)
                   for _, cols, where in self.idx.values())


def value(rng, typ):
    r = rng.random()
    if r < 0.1:
        return None
    if typ == 'INTEGER' or (typ == '' and r < 0.4):
        return rng.randint(-3, 12)
    if typ == 'REAL':
        return rng.choice([0.5, 1.0, 2.25, -1.5])
    return rng.choice(['x', 'y', 'z', 'q', '1', ''])


def run(c, sql, params=()):
    try:
        return c.execute(sql, params).fetchall(), None
    except sqlite3.Error as e:
        return None, str(e)


def step(rng, c, m, log):
    kind = rng.random()
    names = [n for n, _ in m.cols]
    if kind < 0.45:  # a write
        w = rng.random()
        if w < 0.5:
            # (A NULL given for a column with a DEFAULT becomes the default
            # in tito: SQLite does not tell a virtual table an omitted column
            # from a NULL, see the README. Such a column is omitted instead.)
            cols, vals = ['id'], [rng.randint(1, 60)]
            for n, t in m.cols[1:]:
                v = value(rng, t)
                if v is None and n in m.dflt:
                    continue
                cols.append(n)
                vals.append(v)
            sql = 'INSERT OR REPLACE INTO %%s(%s) VALUES (%s)' % (
                ', '.join('"%s"' % n for n in cols), ', '.join('?' * len(cols)))
            return [(sql, vals)]
        if w < 0.8 and len(names) > 1:
            col = rng.choice(names[1:])
            t = dict(m.cols)[col]
            v = value(rng, t)
            if v is None and col in m.dflt:
                v = 0
            return [('UPDATE OR IGNORE %%s SET "%s" = ? WHERE id %%%% ? = 0' % col,
                     [v, rng.randint(2, 5)])]
        return [('DELETE FROM %s WHERE id %% ? = 1', [rng.randint(3, 9)])]
    if kind < 0.65 and len(m.idx) < 48:  # add an index (tito's limit: 64)
        free = names[1:]
        if not free:
            return []
        k = rng.randint(1, min(2, len(free)))
        cols = rng.sample(free, k)
        unique = rng.random() < 0.3
        where = None
        if rng.random() < 0.3:
            wc = rng.choice(free)
            where = '"%s" IS NOT NULL' % wc
        name = m.fresh('i')
        clause = '%sINDEX %s(%s)%s' % ('UNIQUE ' if unique else '', name,
                                       ', '.join('"%s"' % x for x in cols),
                                       ' WHERE ' + where if where else '')
        native = 'CREATE %sINDEX o_%s ON o(%s)%s' % (
            'UNIQUE ' if unique else '', name,
            ', '.join('"%s"' % x for x in cols),
            ' WHERE ' + where if where else '')
        return [('ALTER', 'ADD ' + clause, native,
                 ('idx+', name, (unique, cols, where)))]
    if kind < 0.75 and m.idx:  # drop an index
        name = rng.choice(sorted(m.idx))
        return [('ALTER', 'DROP INDEX ' + name, 'DROP INDEX o_' + name,
                 ('idx-', name))]
    if kind < 0.87:  # add a column
        t = rng.choice(TYPES)
        name = m.fresh('c')
        dflt = rng.choice([None, None, "'d'", '7', '0.5'])
        spec = '"%s" %s%s' % (name, t, ' DEFAULT ' + dflt if dflt else '')
        return [('ALTER', 'ADD COLUMN ' + spec, 'ALTER TABLE o ADD COLUMN ' + spec,
                 ('col+', name, t, dflt is not None))]
    if kind < 0.93 and len(names) > 2:  # rename a column
        col = rng.choice(names[1:])
        new = m.fresh('r')
        return [('ALTER', 'RENAME COLUMN "%s" TO "%s"' % (col, new),
                 'ALTER TABLE o RENAME COLUMN "%s" TO "%s"' % (col, new),
                 ('colr', col, new))]
    if len(names) > 2:  # drop a column
        col = rng.choice(names[1:])
        return [('ALTER', 'DROP COLUMN "%s"' % col,
                 'ALTER TABLE o DROP COLUMN "%s"' % col, ('col-', col))]
    return []


def apply_model(m, change):
    kind = change[0]
    if kind == 'idx+':
        m.idx[change[1]] = change[2]
    elif kind == 'idx-':
        del m.idx[change[1]]
    elif kind == 'col+':
        m.cols.append((change[1], change[2]))
        if change[3]:
            m.dflt.add(change[1])
    elif kind == 'colr':
        m.cols = [(change[2] if n == change[1] else n, t) for n, t in m.cols]
        if change[1] in m.dflt:
            m.dflt.discard(change[1])
            m.dflt.add(change[2])
    elif kind == 'col-':
        m.cols = [(n, t) for n, t in m.cols if n != change[1]]


def rows(c, table):
    return sorted(c.execute('SELECT * FROM %s' % table).fetchall(),
                  key=lambda r: r[0])


def main():
    rng = random.Random(SEED)
    c = sqlite3.connect(':memory:', isolation_level=None)
    c.enable_load_extension(True)
    c.load_extension(SO)
    c.execute('CREATE VIRTUAL TABLE t USING tito(id INTEGER PRIMARY KEY, '
              'a TEXT, b INTEGER)')
    c.execute('CREATE TABLE o(id INTEGER PRIMARY KEY, a TEXT, b INTEGER)')
    c.execute("SELECT tito_config('alter_batch', ?)", (rng.randint(5, 20),))
    m = Model()
    failures, changes, refused, partial = 0, 0, 0, 0
    building = False
    for i in range(STEPS):
        if building and rng.random() < 0.1:
            c.execute("SELECT tito_alter('t', 'RESUME')")
            building = False
        for op in step(rng, c, m, None):
            if op[0] == 'ALTER':
                _, change, native, effect = op
                if building:
                    c.execute("SELECT tito_alter('t', 'RESUME')")
                    building = False
                if change.startswith('ADD INDEX') and rng.random() < 0.5:
                    got_t, err_t = run(c, "SELECT tito_alter('t', ?, ?)",
                                       (change, rng.randint(0, 3)))
                    building = err_t is None and 'being built' in got_t[0][0]
                    partial += building
                else:
                    got_t, err_t = run(c, "SELECT tito_alter('t', ?)",
                                       (change,))
                # Refusals tito makes that SQLite does not (a renamed column
                # an index uses: SQLite rewrites the index) are skipped on
                # both sides; otherwise both must agree.
                if err_t and effect[0] == 'colr' and m.used(effect[1]):
                    refused += 1
                    continue
                got_o, err_o = run(c, native)
                if (err_t is None) != (err_o is None):
                    failures += 1
                    print('not ok - alter random step %d: %s: tito %s, '
                          'ordinary %s' % (i, change, err_t or 'ok',
                                           err_o or 'ok'))
                    return 1
                if err_t is None:
                    changes += 1
                    apply_model(m, effect)
                else:
                    refused += 1
            else:
                sql, params = op
                got_t, err_t = run(c, sql % 't', params)
                got_o, err_o = run(c, sql % 'o', params)
                if (err_t is None) != (err_o is None):
                    print('not ok - alter random step %d: %s %r: tito %s, '
                          'ordinary %s' % (i, sql % 't', params, err_t or 'ok',
                                           err_o or 'ok'))
                    return 1
        rt, ro = rows(c, 't'), rows(c, 'o')
        chk = c.execute("SELECT tito_check('t')").fetchone()[0]
        if rt != ro or chk != 'ok':
            diff = [(x, y) for x, y in zip(rt, ro) if x != y][:3]
            print('not ok - alter random step %d: rows %s, tito_check %s; '
                  'first differences %r; columns %r'
                  % (i, 'same' if rt == ro else 'DIFFERENT', chk, diff, m.cols))
            return 1
        if i % 25 == 0 and m.idx:
            name = rng.choice(sorted(m.idx))
            col = m.idx[name][1][0]
            q = 'SELECT id FROM %%s WHERE "%s" = ? ORDER BY id' % col
            v = value(rng, dict(m.cols)[col])
            if c.execute(q % 't', (v,)).fetchall() != \
                    c.execute(q % 'o', (v,)).fetchall():
                print('not ok - alter random step %d: %s differs' % (i, q))
                return 1
    print('# seed %d: %d steps, %d changes made (%d builds left in progress '
          'among writes), %d refused by both, %d columns and %d indexes at '
          'the end' % (SEED, STEPS, changes, partial, refused, len(m.cols),
                       len(m.idx)))
    print('ok - alter random: schema changes interleaved with writes match '
          'an ordinary table, tito_check ok after every step')
    return 0


if __name__ == '__main__':
    sys.exit(main())
