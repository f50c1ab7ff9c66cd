"""Write the starting seeds of the fuzz corpus (test/fuzz/corpus/<target>/).

  python3 test/fuzz/seeds.py [TITO_SO]

keycodec, rowcodec: the keys and values tito itself writes for tables of
edge values (ints near 2^53 and 2^63, reals, -0.0, inf, '', texts and blobs
with 00 bytes, NULL), ASC and DESC; model: every definition in the SQL tests
and examples; planner, tamper: a few fixed byte strings (their inputs are
read as a stream of choices, any bytes are valid).

Seeds are named seed-*; files found by fuzzing are named by their content
hash (libFuzzer's -merge). Running this again rewrites only seed-* files.
"""
import hashlib
import os
import re
import sqlite3
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, 'test', 'fuzz', 'corpus')


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'seed-' + name), 'wb') as f:
        f.write(data)


def model_seeds():
    n = 0
    files = sorted(
        [os.path.join(ROOT, 'test', 'sql', f) for f in os.listdir(os.path.join(ROOT, 'test', 'sql'))
         if f.endswith('.sql')] +
        [os.path.join(ROOT, 'sql', f) for f in os.listdir(os.path.join(ROOT, 'sql')) if f.endswith('.sql')])
    seen = set()
    for path in files:
        text = open(path, encoding='utf-8').read()
        for m in re.finditer(r'USING\s+tito\s*\(', text, re.I):
            i, depth, q = m.end(), 1, None
            while i < len(text) and depth:
                c = text[i]
                if q:
                    if c == q:
                        q = None
                elif c in '\'"`':
                    q = c
                elif c == '(':
                    depth += 1
                elif c == ')':
                    depth -= 1
                i += 1
            body = text[m.end():i - 1]
            body = '\n'.join(line.split('--')[0] for line in body.split('\n'))
            if body in seen:
                continue
            seen.add(body)
            write('model', '%03d' % n, body.encode())
            n += 1
    return n


def codec_seeds(so):
    db = sqlite3.connect(':memory:')
    db.enable_load_extension(True)
    db.load_extension(so)
    vals = [None, 0, 1, -1, 2 ** 53, 2 ** 53 + 1, -2 ** 53 - 1, 2 ** 63 - 1, -2 ** 63,
            1.5, -0.0, 1e308, float('inf'), float('-inf'), 2.0 ** 63, -2.0 ** 63,
            '', 'a', 'a\x00b', '\x00', 'zz\u00e9', b'', b'\x00', b'\x00\xff', b'\xff\xff']
    db.execute("CREATE VIRTUAL TABLE a USING tito(k PRIMARY KEY, v, INDEX i(v DESC))")
    db.execute("CREATE VIRTUAL TABLE b USING tito(x REAL, y TEXT, z BLOB, "
               "PRIMARY KEY(x DESC, y), UNIQUE INDEX u(z), INDEX c(y) INCLUDE (x, z))")
    for i, v in enumerate(vals):
        db.execute("INSERT OR IGNORE INTO a VALUES (?, ?)", (v if v is not None else i, v))
        x = v if isinstance(v, (int, float)) else float(i)
        db.execute("INSERT OR IGNORE INTO b VALUES (?, ?, ?)",
                   (x, str(v), v if isinstance(v, bytes) else None))
    nk = nr = 0
    for k, v in db.execute("SELECT k, v FROM tito_store"):
        # Skip P (the empty prefix, 3 bytes), the model id and the kind;
        # an index entry's key also has its index id.
        if len(k) < 8 or k[3:7] == b'\0\0\0\0':
            continue
        fields = k[8:] if k[7] == 1 else k[12:]
        for mode in (0, 1, 2, 3):
            inv = bytes(c ^ 0xff for c in fields) if mode & 1 else fields
            write('keycodec', '%04d' % nk, bytes([mode]) + inv)
            nk += 1
        if v:
            write('rowcodec', '%04d' % nr, bytes([nr % 6]) + v)
            nr += 1
    return nk, nr


def stream_seeds():
    for target in ('planner', 'tamper'):
        for i in range(8):
            data = hashlib.sha256(('%s-%d' % (target, i)).encode()).digest() * (i + 1)
            write(target, '%02d' % i, data)


if __name__ == '__main__':
    so = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'tito')
    print('model seeds:', model_seeds())
    print('keycodec, rowcodec seeds:', codec_seeds(so))
    stream_seeds()
