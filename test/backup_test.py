"""Backup and restore paths of a database with tito tables, through the
sqlite3 shell as a user runs them:

  - .dump of the whole database, read into an empty database: every table
    (tito and ordinary) has the same rows, tito_check() says ok;
  - the same dump read into a database that already has tito tables (other
    names): both sets of tables intact, no error printed, tito_check() ok;
  - .dump of one tito table (its definition only, no rows): the restored
    table refuses every use with a message saying so, the database's other
    tables are untouched, DROP TABLE works, tito_check() reports it first;
  - .backup and VACUUM INTO: exact copies, tito_check() ok;
  - two models that end up with one id (stores of earlier versions, whose
    ids were sequential): each refuses to open, tito_check() says why.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SO = os.path.splitext(os.path.realpath(os.environ.get('TITO_SO', os.path.join(ROOT, 'tito.so'))))[0]
FAILS = []


def shell(db, sql, load=True):
    """Run sql through the sqlite3 shell; (stdout+stderr, exit status).
    DEFENSIVE is off, as reading a dump with virtual tables needs (it writes
    sqlite_schema): newer shells turn it on by default."""
    args = ['sqlite3', '-cmd', '.dbconfig defensive off'] + \
        (['-cmd', '.load ' + SO] if load else []) + [db]
    p = subprocess.run(args, input=sql, capture_output=True, text=True)
    out = ''.join(line for line in (p.stdout + p.stderr).splitlines(True)
                  if line.strip() != 'defensive off')
    return out, p.returncode


def check(name, cond, detail=''):
    if cond:
        print('ok - ' + name)
    else:
        print('not ok - %s%s' % (name, (': ' + detail) if detail else ''))
        FAILS.append(name)


def rows(db, table):
    out, _ = shell(db, '.mode quote\nSELECT * FROM %s ORDER BY 1, 2;\n' % table)
    return out


SCHEMA = """
CREATE VIRTUAL TABLE users USING tito(id TEXT PRIMARY KEY, email TEXT, n INTEGER,
  UNIQUE INDEX by_email(email), INDEX by_n(n DESC) INCLUDE (email));
CREATE VIRTUAL TABLE events USING tito(at REAL, kind TEXT, body BLOB,
  INDEX by_kind(kind) WHERE kind IS NOT NULL, prefix = 'app');
CREATE VIRTUAL TABLE nums USING tito(i INTEGER PRIMARY KEY, t);
CREATE TABLE plain(x, y);
INSERT INTO users VALUES ('u1', 'a@x', 1), ('u2', NULL, 2), ('u3', 'c@x', NULL),
  ('u' || char(0), 'z@x', -9223372036854775808);
INSERT INTO events VALUES (1.5, 'k', x'00ff'), (2.5, NULL, NULL), (-1e300, 'k', x'');
INSERT INTO nums VALUES (1, 'one'), (9223372036854775807, 2.5), (-7, x'01');
INSERT INTO plain VALUES (1, 'p'), (2, NULL);
"""
TABLES = ['users', 'events', 'nums', 'plain']


def main():
    tmp = tempfile.mkdtemp()
    try:
        src = os.path.join(tmp, 'src.db')
        out, rc = shell(src, SCHEMA)
        check('source database', rc == 0 and out == '', out)
        want = {t: rows(src, t) for t in TABLES}
        dump, _ = shell(src, '.dump\n', load=False)

        # Whole dump into an empty database.
        dst = os.path.join(tmp, 'empty.db')
        out, rc = shell(dst, dump)
        same = all(rows(dst, t) == want[t] for t in TABLES)
        chk, _ = shell(dst, 'SELECT tito_check();\n')
        check('.dump read into an empty database: same rows, tito_check() ok',
              rc == 0 and out == '' and same and chk == 'ok\n', out + chk)

        # Whole dump into a database that has tito tables of its own.
        dst = os.path.join(tmp, 'busy.db')
        shell(dst, "CREATE VIRTUAL TABLE mine USING tito(k INTEGER PRIMARY KEY, v, INDEX iv(v));"
                   "INSERT INTO mine VALUES (1, 'keep'), (2, 'me');"
                   "CREATE VIRTUAL TABLE other USING tito(a TEXT PRIMARY KEY, prefix = 'app');"
                   "INSERT INTO other VALUES ('x');")
        mine, other = rows(dst, 'mine'), rows(dst, 'other')
        out, rc = shell(dst, dump)
        same = all(rows(dst, t) == want[t] for t in TABLES)
        chk, _ = shell(dst, 'SELECT tito_check();\n')
        check('.dump read into a database with tito tables: both intact, no error',
              rc == 0 and out == '' and same and rows(dst, 'mine') == mine
              and rows(dst, 'other') == other and chk == 'ok\n', out + chk)

        # One table's dump: loud at use, the rest untouched.
        one, _ = shell(src, '.dump users\n', load=False)
        dst = os.path.join(tmp, 'one.db')
        shell(dst, "CREATE VIRTUAL TABLE mine USING tito(k PRIMARY KEY); INSERT INTO mine VALUES (5);")
        mine = rows(dst, 'mine')
        shell(dst, one)
        out, rc = shell(dst, 'SELECT * FROM users;\n')
        chk, _ = shell(dst, 'SELECT tito_check();\n')
        check('.dump of one tito table: its use fails saying why',
              rc != 0 and 'users is not in the catalog of store' in out and 'dump the whole database' in out, out)
        check('.dump of one tito table: tito_check() reports it, other tables untouched',
              'users is not in the catalog of store' in chk and rows(dst, 'mine') == mine, chk)
        out, rc = shell(dst, 'DROP TABLE users;\nSELECT tito_check();\n')
        check('.dump of one tito table: DROP TABLE works', rc == 0 and out == 'ok\n', out)

        # .backup and VACUUM INTO.
        for how, sql in (('.backup', ".backup '%s'\n"), ('VACUUM INTO', "VACUUM INTO '%s';\n")):
            dst = os.path.join(tmp, how.replace(' ', '_').strip('.') + '.db')
            out, rc = shell(src, sql % dst)
            same = all(rows(dst, t) == want[t] for t in TABLES)
            chk, _ = shell(dst, 'SELECT tito_check();\n')
            check('%s: exact copy, tito_check() ok' % how,
                  rc == 0 and out == '' and same and chk == 'ok\n', out + chk)

        # Two models under one id (as two earlier-version stores merged).
        dst = os.path.join(tmp, 'clash.db')
        shutil.copy(src, dst)
        db = sqlite3.connect(dst)
        idn = db.execute("SELECT substr(v, 1, 4) FROM tito_store"
                         " WHERE k = x'25000000000000002575736572730000'").fetchone()
        if idn:
            db.execute("UPDATE tito_store SET v = CAST(? || substr(v, 5) AS BLOB)"
                       " WHERE k = x'2500000000000000256e756d730000'", (idn[0],))
        db.commit()
        db.close()
        out, rc = shell(dst, 'SELECT count(*) FROM nums;\n')
        chk, _ = shell(dst, 'SELECT tito_check();\n')
        check('two models under one id: opening refuses, tito_check() reports',
              idn is not None and rc != 0 and 'share model id' in out and 'share id' in chk, out + chk)
    finally:
        shutil.rmtree(tmp)
    return 1 if FAILS else 0


if __name__ == '__main__':
    sys.exit(main())
