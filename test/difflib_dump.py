"""difflib_dump: .dump / .read round trips of the differential test's random
databases (helper of differential_test.py).

After each schema's random run, the tito database file is dumped with the
sqlite3 shell's .dump and read back with .read, in three ways:
  whole-empty   the whole database into an empty one;
  whole-tito    the whole database into one that has a tito table of its
                own (u, with rows and an index);
  one-table     ".dump t" (that table alone) into an empty one.
A round trip passes when table t then holds exactly the native table's rows
and tito_check('t') says 'ok'; or, for whole-tito and one-table, when the
.read itself fails loudly (an error from the shell) and leaves the target's
own data (u) untouched and t unreadable; or, for one-table, when t refuses
every use saying that a one-table dump has no rows. Silently wrong data
fails.

Cases listed in XFAIL are expected to fail: their failures are reported on
'# ' lines and not counted; once such a case passes it is reported as 'not
ok' (XPASS) so that the entry is removed here.
"""
import os
import sqlite3
import subprocess

from difflib_engine import Stmt, compare, decode_text, execute

CASES = [
    ('whole-empty', 'the whole database into an empty one'),
    ('whole-tito', 'the whole database into one with a tito table of its '
                   'own'),
    ('one-table', '".dump t" alone into an empty database'),
]
XFAIL = {}
OWN_ROWS = [(1, 'mine'), (2, 'yours'), ('k', None)]


def shell(args, stdin=None):
    """Run the sqlite3 shell; (exit status, stdout, stderr)."""
    p = subprocess.run(['sqlite3'] + args, input=stdin, capture_output=True,
                       timeout=120)
    return (p.returncode, p.stdout.decode('utf-8', 'surrogateescape'),
            p.stderr.decode('utf-8', 'surrogateescape'))


def first_line(text):
    return text.strip().split('\n')[0][:160]


def connect(path, so):
    c = sqlite3.connect(path, isolation_level=None)
    c.text_factory = decode_text
    c.enable_load_extension(True)
    c.load_extension(so)
    c.enable_load_extension(False)
    return c


def own_table(path, so):
    """Give the target database a tito table u of its own."""
    c = connect(path, so)
    try:
        c.execute('CREATE VIRTUAL TABLE u USING tito(k PRIMARY KEY, w, '
                  'INDEX by_w(w))')
        c.executemany('INSERT INTO u VALUES (?, ?)', OWN_ROWS)
    finally:
        c.close()


def own_intact(c):
    """None if u still holds its rows and checks out, else why not."""
    try:
        rows = c.execute('SELECT k, w FROM u ORDER BY k').fetchall()
        check = c.execute("SELECT tito_check('u')").fetchone()[0]
    except sqlite3.Error as e:
        return 'the target\'s own table u is damaged: %s' % e
    if sorted(rows, key=repr) != sorted(OWN_ROWS, key=repr):
        return 'the target\'s own table u changed: %d rows instead of %d' % (
            len(rows), len(OWN_ROWS))
    if check != 'ok':
        return 'tito_check(\'u\'): %s' % check
    return None


def round_trip(case, tito_path, native, schema, so, workdir):
    """Run one case; None if it passes, else a description."""
    target = os.path.join(workdir, 'restored-%s.db' % case)
    if os.path.exists(target):
        os.remove(target)
    rc, dump, err = shell([tito_path, '.dump t' if case == 'one-table'
                           else '.dump'])
    if rc != 0:
        return '.dump failed: %s' % err.strip()
    if case == 'whole-tito':
        own_table(target, so)
    so_base = so[:-3] if so.endswith('.so') else so
    rc, _, err = shell(['-cmd', '.load %s' % so_base, target], dump.encode(
        'utf-8', 'surrogateescape'))
    loud = rc != 0 or err.strip() != ''
    c = connect(target, so)
    try:
        if case == 'whole-tito':
            why = own_intact(c)
            if why:
                return why + (' (the .read said: %s)' % first_line(err)
                              if err.strip() else ' (the .read said nothing)')
        snap = Stmt(schema.snapshot_sql, mode='multiset')
        a = execute(native, snap, False)
        b = execute(c, snap, False)
        bad = compare(snap, a, b)
        if bad is None:
            check = c.execute("SELECT tito_check('t')").fetchone()[0]
            if check == 'ok':
                return None
            return 'tito_check(\'t\') after the round trip: %s' % check
        if loud and not b.ok and case != 'whole-empty':
            return None   # a loud failure, the target's own data intact
        # ".dump t" carries t's definition, not its rows (they are in
        # tito_store): the restored t refuses every use, saying so.
        if (case == 'one-table' and not b.ok and
                'not in the catalog of store' in (b.msg or '') and
                'dump the whole database' in (b.msg or '')):
            return None
        return ('t after the round trip: %s (native: %s)%s' % (
            b.show(2), a.show(2), '; the .read said: %s' % first_line(err)
            if err.strip() else '; the .read said nothing'))
    finally:
        c.close()
