"""Tampered storage, case by case (the fuzz target fuzz_tamper tries random
damage; these are the cases found by hand and by it, kept as regressions).

Every read or write of a damaged key is SQLITE_CORRUPT with a message that
names the table (never a memory error, never stale or silently wrong data),
and tito_check / tito_check() report the damage:
  - a row's stored value made empty or NULL, then a covering scan and a
    non-covering one (a use-after-free once: the empty row was decoded from
    the previous covering entry), point reads, UPDATE, DELETE;
  - a row whose value is another row's (stored under a key that is not its
    primary key);
  - an index entry without its row, a row without its entry;
  - a row with more values than the model has columns (an older layout);
  - the catalog entry of a table pointing at an unused id (the table then
    looks empty: its keys belong to no model), two entries sharing an id;
  - keys of no model, of no kind, keys tito never writes.
Run under the build being tested (TITO_SO); the suite runs it under ASan
with `make test SAN=1`.
"""
import os
import sqlite3
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SO = os.path.realpath(os.environ.get('TITO_SO', os.path.join(ROOT, 'tito.so')))
FAILS = []


def check(name, cond, detail=''):
    if cond:
        print('ok - ' + name)
    else:
        print('not ok - %s%s' % (name, (': ' + str(detail)) if detail else ''))
        FAILS.append(name)


def connect(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(os.path.splitext(SO)[0])
    return db


def outcome(db, sql):
    """('ok', rows) or ('error', message)."""
    try:
        return 'ok', db.execute(sql).fetchall()
    except sqlite3.Error as e:
        return 'error', str(e)


def model_id(db, name, prefix=''):
    key = b'\x25' + prefix.encode() + b'\x00\x00' + b'\x00' * 4 + b'\x00' + \
        b'\x25' + name.encode() + b'\x00\x00'
    return db.execute('SELECT substr(v, 1, 4) FROM tito_store WHERE k = ?', (key,)).fetchone()[0]


def row_key(db, name, pk_field):
    return b'\x25\x00\x00' + model_id(db, name) + b'\x01' + pk_field


def text_field(s):
    return b'\x25' + s.encode() + b'\x00\x00'


SCHEMA = """
CREATE VIRTUAL TABLE t USING tito(id TEXT PRIMARY KEY, a INTEGER, b TEXT, c,
  INDEX ia(a) INCLUDE (b), UNIQUE INDEX ub(b));
INSERT INTO t VALUES ('x', 1, 'p', 'cx'), ('y', 2, 'q', 'cy'), ('z', 3, 'r', 'cz');
"""


def empty_and_null_rows(tmp):
    for what, value in (("x''", b''), ('NULL', None)):
        db = connect(os.path.join(tmp, 'e%d.db' % len(what)))
        db.executescript(SCHEMA)
        db.execute('UPDATE tito_store SET v = ? WHERE k = ?', (value, row_key(db, 't', text_field('x'))))
        results = []
        for sql in ('SELECT b FROM t WHERE a = 1',           # covering: fine
                    'SELECT * FROM t WHERE a = 1',           # non-covering
                    'SELECT * FROM t WHERE a > 0',           # batched rows
                    "SELECT * FROM t WHERE id = 'x'",        # point read
                    "SELECT c FROM t WHERE b = 'p'",         # unique entry, row
                    'SELECT * FROM t',                       # full scan
                    "UPDATE t SET c = 'new' WHERE id = 'x'",
                    "DELETE FROM t WHERE id = 'x'"):
            results.append((sql,) + outcome(db, sql))
        first = results[0]
        bad = [r for r in results[1:] if not (r[1] == 'error' and 'tito: t: corrupt row' in r[2])]
        check('a row stored as %s: covering read still answers' % what,
              first[1] == 'ok' and first[2] == [('p',)], first)
        check('a row stored as %s: every read of it and every write is a corrupt-row error' % what,
              not bad, bad)
        rep = outcome(db, "SELECT tito_check('t')")
        check('a row stored as %s: tito_check reports it' % what,
              rep[0] == 'ok' and 'undecodable row' in rep[1][0][0], rep)
        db.close()


def swapped_and_orphans(tmp):
    db = connect(os.path.join(tmp, 's.db'))
    db.executescript(SCHEMA)
    kx, ky = row_key(db, 't', text_field('x')), row_key(db, 't', text_field('y'))
    db.execute('UPDATE tito_store SET v = (SELECT v FROM tito_store WHERE k = ?) WHERE k = ?', (ky, kx))
    rep = outcome(db, "SELECT tito_check('t')")[1][0][0]
    check('a row holding another row\'s value: tito_check reports it',
          'stored under a key that is not its primary key' in rep, rep)
    db.close()
    db = connect(os.path.join(tmp, 's2.db'))
    db.executescript(SCHEMA)
    # An entry without its row: the covering scan sees it, tito_check says so.
    db.execute('DELETE FROM tito_store WHERE k = ?', (row_key(db, 't', text_field('z')),))
    rep = outcome(db, "SELECT tito_check('t')")[1][0][0]
    rows = outcome(db, 'SELECT * FROM t WHERE a > 0')
    check('entries without their row: tito_check reports them, row reads skip them',
          'index ia has 3 entries, rows call for 2' in rep and rows == ('ok', [('x', 1, 'p', 'cx'), ('y', 2, 'q', 'cy')]),
          (rep, rows))
    db.close()


def older_layout(tmp):
    """A row with a value more than the model has columns: its layout from
    before a DROP COLUMN (a writer the rewrite missed); the model would read
    its values shifted."""
    db = connect(os.path.join(tmp, 'l.db'))
    db.executescript(SCHEMA)
    kx = row_key(db, 't', text_field('x'))
    v = db.execute('SELECT v FROM tito_store WHERE k = ?', (kx,)).fetchone()[0]
    db.execute('UPDATE tito_store SET v = ? WHERE k = ?',
               (bytes([v[0] + 1]) + v[1:] + b'\x00', kx))
    rep = outcome(db, "SELECT tito_check('t')")[1][0][0]
    check('a row of an older layout (a value more): tito_check reports it',
          'a row holds 5 values, more than its 4 columns' in rep, rep)
    db.close()


def catalog_damage(tmp):
    path = os.path.join(tmp, 'c.db')
    db = connect(path)
    db.executescript(SCHEMA + "CREATE VIRTUAL TABLE u USING tito(k INTEGER PRIMARY KEY, v);"
                              "INSERT INTO u VALUES (1, 'one');")
    ckey = b'\x25\x00\x00' + b'\x00' * 4 + b'\x00' + text_field('t')
    old = db.execute('SELECT v FROM tito_store WHERE k = ?', (ckey,)).fetchone()[0]
    # The entry points at an unused id: in a new connection t looks empty.
    db.execute('UPDATE tito_store SET v = ? WHERE k = ?', (b'\x7f\x00\x00\x09' + old[4:], ckey))
    db.close()
    db = connect(path)
    n = outcome(db, 'SELECT count(*) FROM t')
    rep = outcome(db, 'SELECT tito_check()')[1][0][0]
    check('a catalog entry pointing at an unused id: tito_check() reports the orphan keys',
          n == ('ok', [(0,)]) and 'belong to no model of the catalog' in rep, (n, rep))
    db.execute('UPDATE tito_store SET v = ? WHERE k = ?', (old, ckey))
    db.close()
    db = connect(path)
    check('repaired catalog: tito_check() ok', outcome(db, 'SELECT tito_check()') == ('ok', [('ok',)]))
    # A new model never takes an id in use, whatever the catalog says.
    ids = {model_id(db, 't'), model_id(db, 'u')}
    for i in range(20):
        db.execute('CREATE VIRTUAL TABLE n%d USING tito(q)' % i)
        ids.add(model_id(db, 'n%d' % i))
    check('new models get ids not in use', len(ids) == 22 and outcome(db, 'SELECT tito_check()') == ('ok', [('ok',)]))
    # Garbage: keys of no model, of no kind, keys tito never writes.
    db.execute("INSERT INTO tito_store VALUES (x'ff00', x''), (x'250000' || x'0000abcd' || x'01' || x'05', x'00')")
    db.execute("INSERT INTO tito_store VALUES (CAST(x'250000' || x'00000000' || x'07' AS BLOB), x'')")
    rep = outcome(db, 'SELECT tito_check()')[1][0][0]
    check('garbage keys: tito_check() reports each kind',
          'tito did not write' in rep and 'a key of no kind in the catalog' in rep, rep)
    check('garbage keys: tables still read', outcome(db, 'SELECT count(*) FROM u') == ('ok', [(1,)]))
    db.close()


def catalog_definition(tmp):
    """The catalog's definition changed under an open table: reported when
    it declares another model, not when it only spells it differently."""
    db = connect(os.path.join(tmp, 'd.db'))
    db.executescript(SCHEMA)
    db.execute('SELECT count(*) FROM t').fetchall()
    ckey = b'\x25\x00\x00' + b'\x00' * 4 + b'\x00' + text_field('t')
    old = db.execute('SELECT v FROM tito_store WHERE k = ?', (ckey,)).fetchone()[0]
    text = old[4:].decode()
    respelled = old[:4] + text.replace('INDEX', 'index').replace('TEXT', 'text').encode()
    db.execute('UPDATE tito_store SET v = ? WHERE k = ?', (respelled, ckey))
    r1 = outcome(db, 'SELECT tito_check()')
    changed = old[:4] + text.replace('UNIQUE INDEX ub', 'INDEX ub').encode()
    db.execute('UPDATE tito_store SET v = ? WHERE k = ?', (changed, ckey))
    r2 = outcome(db, 'SELECT tito_check()')
    check('catalog definition respelled under an open table: tito_check() ok; '
          'another model: reported',
          respelled != old and r1 == ('ok', [('ok',)]) and
          'catalog: the definition of t differs from its catalog entry' in r2[1][0][0],
          (r1, r2))
    db.close()


def main():
    tmp = tempfile.mkdtemp()
    try:
        empty_and_null_rows(tmp)
        swapped_and_orphans(tmp)
        older_layout(tmp)
        catalog_damage(tmp)
        catalog_definition(tmp)
    finally:
        for f in os.listdir(tmp):
            os.remove(os.path.join(tmp, f))
        os.rmdir(tmp)
    return 1 if FAILS else 0


if __name__ == '__main__':
    sys.exit(main())
