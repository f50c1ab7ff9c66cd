"""difflib_engine: runs statements against a tito table and a native SQLite
table and compares what SQLite reports for both (helper of
differential_test.py).

A Stmt is one SQL statement with its parameters and what to compare:
  kind   'select' (compare rows), 'write' (rows, changes(), then the whole
         table), 'txn' (outcome only; then the whole table), 'reopen'
         (close and reopen both database files; tito_check, whole table);
  mode   for selects: 'exact' (ordered, exact types), 'multiset' (exact
         types, any order), 'norm' (any order, values compared as SQLite
         compares them: 1 = 1.0, -0.0 = 0.0; for min/max/DISTINCT/GROUP BY
         whose pick among equal values is arbitrary), 'count' (number of
         rows only: LIMIT without a total ORDER BY), 'keyseq' (the ORDER BY
         values, in order, compared as SQLite compares them; plus the exact
         multiset when there is no LIMIT);
  keys   for 'keyseq': [(result column index, nocase)] of the ORDER BY.
Each side runs in its own connection (both tables are named t, so error
messages compare as they are). A Pair holds the two connections; run_log()
replays a list of statements from scratch, which is what the shrinker uses.
"""
import math
import os
import shutil
import sqlite3
import tempfile
import time

# tito plans seen, when TITO_DIFF_PLANS=1: {(schema, idxStr, orderby): n}
PLANS = {} if os.environ.get('TITO_DIFF_PLANS') == '1' else None


class Stmt:
    def __init__(self, sql, params=(), kind='select', mode='multiset',
                 keys=(), has_limit=False):
        self.sql = sql
        self.params = list(params)
        self.kind = kind
        self.mode = mode
        self.keys = list(keys)
        self.has_limit = has_limit

    def text(self):
        """The statement as one line of SQL (parameters in a comment)."""
        if self.kind == 'reopen':
            return '-- close both connections and open the files again'
        s = self.sql + ';'
        if self.params:
            s += '  -- params: ' + ', '.join(sql_literal(v) for v in self.params)
        return s

    def inlined(self):
        """The statement with its parameters written as literals (for the
        sqlite3 shell; a literal may be planned differently)."""
        if self.kind == 'reopen':
            return '-- (reopen: .open the file again)'
        parts = self.sql.split('?')
        if len(parts) - 1 != len(self.params):
            return self.text()
        out = parts[0]
        for v, rest in zip(self.params, parts[1:]):
            out += sql_literal(v) + rest
        return out + ';'


def sql_literal(v):
    """v written as an SQL literal."""
    if v is None:
        return 'NULL'
    if isinstance(v, bool):
        return '1' if v else '0'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        r = repr(v)
        return r if ('e' in r or '.' in r) else r + '.0'
    if isinstance(v, str):
        if not clean_text(v) or '\x00' in v:
            return "CAST(X'%s' AS TEXT)" % v.encode(
                'utf-8', 'surrogateescape').hex().upper()
        return "'" + v.replace("'", "''") + "'"
    if isinstance(v, (bytes, bytearray)):
        return "X'" + bytes(v).hex().upper() + "'"
    raise TypeError(v)


def clean_text(v):
    """True if v is valid UTF-8 text (SQLite text need not be: a blob
    concatenated with text gives whatever bytes it held)."""
    try:
        v.encode('utf-8')
        return True
    except UnicodeEncodeError:
        return False


def decode_text(b):
    return b.decode('utf-8', 'surrogateescape')


# ------------------------------------------------------------ value keys

def type_name(v):
    if v is None:
        return 'null'
    if isinstance(v, int):
        return 'integer'
    if isinstance(v, float):
        return 'real'
    if isinstance(v, str):
        return 'text'
    return 'blob'


def exact_key(v):
    """A sortable key that tells apart every value SQLite can return,
    including its type and the sign of a zero real."""
    t = type_name(v)
    if v is None:
        return (t, 0, 0)
    if isinstance(v, float):
        return (t, v, math.copysign(1.0, v))
    return (t, v, 0)


_CLASS = {'null': 0, 'integer': 1, 'real': 1, 'text': 2, 'blob': 3}


def norm_key(v, nocase=False):
    """A key under which two values are equal exactly when SQLite's
    comparison says so (BINARY collation, or NOCASE for ASCII letters)."""
    t = type_name(v)
    if v is None:
        return (0, 0)
    if t == 'text' and nocase:
        # NOCASE compares ASCII case-folded bytes up to the first NUL, then
        # the lengths (sqlite3StrNICmp stops at a NUL).
        b = v.encode('utf-8', 'surrogateescape')
        i = b.find(b'\0')
        head = b if i < 0 else b[:i + 1]
        return (2, head.lower(), len(b))
    if isinstance(v, float) and v == 0.0:
        return (1, 0)
    return (_CLASS[t], v)


def exact_rows(rows):
    return sorted(tuple(exact_key(v) for v in r) for r in rows)


def norm_rows(rows):
    return sorted(tuple(norm_key(v) for v in r) for r in rows)


# ------------------------------------------------------------ outcomes

class Outcome:
    """What one side reported for a statement."""
    def __init__(self, ok, rows=None, code=None, msg=None, changes=None,
                 lastrowid=None):
        self.ok = ok
        self.rows = rows
        self.code = code
        self.msg = msg
        self.changes = changes
        self.lastrowid = lastrowid

    def show(self, limit=int(os.environ.get('TITO_DIFF_SHOW', '12'))):
        if not self.ok:
            s = 'error %s (code %s)' % (self.msg, self.code)
        else:
            rows = self.rows or []
            shown = ', '.join('(' + ', '.join(sql_literal(v) for v in r) + ')'
                              for r in rows[:limit])
            if len(rows) > limit:
                shown += ', ... %d rows' % len(rows)
            s = 'ok [%s]' % shown
        if self.changes is not None:
            s += ' changes=%s' % self.changes
        if self.lastrowid is not None:
            s += ' last_insert_rowid=%s' % self.lastrowid
        return s


def execute(conn, st, want_rowid):
    """Run st on conn; return its Outcome (with changes() after a write)."""
    try:
        rows = conn.execute(st.sql, st.params).fetchall()
        out = Outcome(True, rows=rows)
    except sqlite3.Error as e:
        out = Outcome(False, code=getattr(e, 'sqlite_errorcode', None),
                      msg=str(e))
    if st.kind == 'write':
        r = conn.execute('SELECT changes(), last_insert_rowid()').fetchone()
        out.changes = r[0]
        if want_rowid:
            out.lastrowid = r[1]
    return out


def compare(st, a, b):
    """None when the native outcome a and the tito outcome b agree for st,
    else (kind, explanation)."""
    if a.ok != b.ok:
        return ('outcome', 'one side failed')
    if not a.ok:
        if a.msg != b.msg:
            return ('error', 'different error messages')
        if a.code != b.code:
            return ('errcode', 'different extended error codes')
    else:
        why = compare_rows(st, a.rows, b.rows)
        if why:
            return ('result', why)
    if a.changes != b.changes:
        return ('changes', 'different changes()')
    if a.lastrowid != b.lastrowid:
        return ('lastrowid', 'different last_insert_rowid()')
    return None


def compare_rows(st, ra, rb):
    mode = st.mode
    if mode == 'exact':
        if [tuple(exact_key(v) for v in r) for r in ra] != \
           [tuple(exact_key(v) for v in r) for r in rb]:
            return 'rows differ (ordered, exact types)'
        return None
    if mode == 'count':
        return None if len(ra) == len(rb) else 'row counts differ'
    if mode == 'normseq':
        return None if [tuple(norm_key(v) for v in r) for r in ra] == \
            [tuple(norm_key(v) for v in r) for r in rb] else \
            'rows differ (in order, as SQLite compares values)'
    if mode == 'norm':
        return None if norm_rows(ra) == norm_rows(rb) else \
            'rows differ (as SQLite compares values)'
    if mode == 'keyseq':
        ka = [tuple(norm_key(r[i], nc) for i, nc in st.keys) for r in ra]
        kb = [tuple(norm_key(r[i], nc) for i, nc in st.keys) for r in rb]
        if ka != kb:
            return 'ORDER BY values differ (in order)'
        if st.has_limit:
            return None
    if exact_rows(ra) != exact_rows(rb):
        return 'rows differ (as multisets, exact types)'
    return None


# ------------------------------------------------------------ the pair

class Schema:
    """One table shape: the tito definition, the native equivalent, and
    the SELECT that reads the whole table."""
    def __init__(self, name, tito_sql, native_sql, snapshot_sql, rowid):
        self.name = name
        self.tito_sql = tito_sql
        self.native_sql = list(native_sql)
        self.snapshot_sql = snapshot_sql
        self.rowid = rowid          # last_insert_rowid() is comparable


class Pair:
    """A native connection and a tito connection with table t in each, on
    two database files in a temporary directory (so that a 'reopen'
    statement can close and reopen them)."""
    # TITO_DIFF_STORE (a tikv:// URL without keyspace): the tito side runs
    # on that store, each pair in a keyspace of its own (named after
    # TITO_DIFF_KEYSPACE, the run's prefix, which the caller purges).
    pairs = 0

    def __init__(self, schema, so_path):
        self.schema = schema
        self.so_path = so_path
        self.dir = tempfile.mkdtemp(prefix='tito-diff-')
        self.store = None
        if os.environ.get('TITO_DIFF_STORE'):
            Pair.pairs += 1
            base = os.environ['TITO_DIFF_STORE']
            self.store = '%s%skeyspace=%s%d' % (
                base, '&' if '?' in base else '?',
                os.environ.get('TITO_DIFF_KEYSPACE', 'tito-diff-'),
                Pair.pairs)
        self.open()
        for s in schema.native_sql:
            self.native.execute(s)
        self.tito.execute(schema.tito_sql)

    def connect(self, name):
        c = sqlite3.connect(os.path.join(self.dir, name),
                            isolation_level=None)
        c.text_factory = decode_text
        c.execute('PRAGMA synchronous = OFF')
        return c

    def open(self):
        self.native = self.connect('native.db')
        self.tito = self.connect('tito.db')
        self.tito.enable_load_extension(True)
        self.tito.load_extension(self.so_path)
        self.tito.enable_load_extension(False)
        if self.store:
            self.tito.execute("SELECT tito_config('store', ?)", (self.store,))

    def close(self):
        self.native.close()
        self.tito.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def step(self, st):
        """Run st on both sides; None if they agree, else a mismatch dict."""
        self.native_ok = True
        if st.kind == 'reopen':
            self.native.close()
            self.tito.close()
            self.open()
            r = self.check()
            if r != 'ok':
                return {'kind': 'check', 'why': r}
            return self.compare_tables(st)
        if PLANS is not None and st.kind == 'select':
            self.note_plan(st)
        a = execute(self.native, st, self.schema.rowid)
        b = execute(self.tito, st, self.schema.rowid)
        self.native_ok = a.ok
        bad = compare(st, a, b)
        if bad:
            return {'kind': bad[0], 'why': bad[1], 'stmt': st,
                    'native': a, 'tito': b}
        if st.kind in ('write', 'txn'):
            return self.compare_tables(st)
        return None

    def note_plan(self, st):
        """Count the tito plans (EXPLAIN QUERY PLAN details) of selects."""
        try:
            rows = self.tito.execute('EXPLAIN QUERY PLAN ' + st.sql,
                                     st.params).fetchall()
        except sqlite3.Error:
            return
        for r in rows:
            d = r[3]
            if 'VIRTUAL TABLE INDEX' in d:
                d = d.split(':', 1)[1] if ':' in d else d
                d = ' '.join(w for w in d.split() if not w[0].isdigit())
                key = (self.schema.name[0], d,
                       'orderby' if ' ORDER BY ' in st.sql else '')
                PLANS[key] = PLANS.get(key, 0) + 1

    def compare_tables(self, st):
        """Compare the whole table (exact types, any order)."""
        snap = Stmt(self.schema.snapshot_sql, mode='multiset')
        a = execute(self.native, snap, False)
        b = execute(self.tito, snap, False)
        bad = compare(snap, a, b)
        if bad:
            return {'kind': 'table', 'why': 'table contents differ after the '
                    'statement (' + bad[1] + ')', 'stmt': st,
                    'native': a, 'tito': b}
        return None

    def analyze(self):
        """tito_analyze('t'): planner statistics on the tito side, which
        the statements after it make stale; None, or an error message."""
        try:
            self.tito.execute("SELECT tito_analyze('t')").fetchall()
            return None
        except sqlite3.Error as e:
            return 'tito_analyze: %s' % e

    def check(self):
        """tito_check('t'), or an error message."""
        try:
            return self.tito.execute("SELECT tito_check('t')").fetchone()[0]
        except sqlite3.Error as e:
            return 'error: %s' % e


def run_log(schema, so_path, log, final_check=False):
    """Replay log on a fresh pair: (index of the first mismatch, mismatch),
    or (len(log), {'kind': 'check', ...}) if final_check and tito_check
    fails at the end, or (None, None)."""
    p = Pair(schema, so_path)
    try:
        for i, st in enumerate(log):
            bad = p.step(st)
            if bad:
                return i, bad
        if final_check:
            r = p.check()
            if r != 'ok':
                return len(log), {'kind': 'check', 'why': r}
        return None, None
    finally:
        p.close()


def shrink(schema, so_path, log, kind, budget_s):
    """Delta-debugging: a shorter prefix-closed list of statements of log
    that still ends in a mismatch of the same kind. The failing statement
    (the last of log) is kept; for kind 'check' the failure is tito_check
    at the end. Stops after budget_s seconds with the best found so far."""
    deadline = time.monotonic() + budget_s
    final_check = kind == 'check'

    def fails(cand):
        i, bad = run_log(schema, so_path, cand, final_check)
        if bad is None or bad['kind'] != kind:
            return None
        return cand[:i + 1] if i < len(cand) else cand

    cur = list(log)
    # Reads change nothing: drop them all at once first.
    if not final_check:
        keep = [s for s in cur[:-1] if s.kind != 'select'] + cur[-1:]
        r = fails(keep)
        if r is not None:
            cur = r
    n = 2
    while len(cur) > 1 and time.monotonic() < deadline:
        body = cur if final_check else cur[:-1]
        tail = [] if final_check else cur[-1:]
        if len(body) < n:
            n = len(body)
        if n == 0:
            break
        size = max(1, len(body) // n)
        reduced = False
        for start in range(0, len(body), size):
            if time.monotonic() >= deadline:
                break
            cand = body[:start] + body[start + size:] + tail
            r = fails(cand)
            if r is not None:
                cur = r
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if size == 1:
                break
            n = min(len(body), n * 2)
    return cur
