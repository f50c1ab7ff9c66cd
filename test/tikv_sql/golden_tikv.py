"""golden_tikv.py: the golden SQL files (test/sql/*.sql) again, on a TiKV
store. test/run calls it once per suite, with the fake cluster it started
(TITO_SQL_PD / TITO_SQL_CONTROL), or a real one (TITO_TIKV_PD).

Each file runs through the sqlite3 shell with TITO_STORE pointing at the
cluster, in a keyspace of its own, split into several regions first; on
the fake, faults are injected while it runs (region errors, busy servers,
dropped requests, splits, leader moves: tikvsql.Chaos). The output must
equal test/sql/NAME.expected, except for the differences documented in
test/sql/NAME.tikv.diff (a diff from the embedded output to the TiKV one,
applied with patch; the store URL shows as $TITO_STORE; both sides pass
through test/shell_neutral.sed as in test/run). A few files are
skipped, with the reason (SKIP below). Every keyspace of the run is removed
at the end. Prints "ok - " / "not ok - " lines.

  golden_tikv.py [--update] [test/sql/NAME.sql ...]
--update writes NAME.tikv.diff from the TiKV output (no faults injected):
after a change of a .expected file, or of tito's behaviour on TiKV.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tikvsql  # noqa: E402

SKIP = {
    '070-index-maintenance':
        'watches and damages the embedded store\'s table tito_store',
    '085-counted-scans':
        'counts of 6,000 rows across chunk edges make thousands of RPCs, '
        'which injected faults can push past the 20 s backoff; TiKV\'s '
        'counting (a keys-only scan) is in the KV conformance suite',
    '175-alter-steps':
        'runs builds inside BEGIN, which TiKV refuses (170-alter-index runs '
        'every kind of change on TiKV; alter_test.py builds in steps there)',
    '130-bulk':
        '20,000-row statements take minutes on the Python fake '
        '(make bench has the 10,000-row figures)',
}


# Files whose many RPCs would take minutes with a fault every 8 requests
# (tikvsql.Chaos): one fault every N requests instead.
FAULT_EVERY = {
    '170-alter-index': 400,
}


def expected_output(sql_path, tmp):
    """The expected TiKV output of one file (None if it cannot be made)."""
    exp = sql_path[:-4] + '.expected'
    diff = sql_path[:-4] + '.tikv.diff'
    if not os.path.exists(diff):
        with open(exp) as f:
            return f.read()
    out = os.path.join(tmp, 'expected')
    r = subprocess.run(['patch', '-s', '-o', out, exp, diff],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if r.returncode != 0:
        return None
    with open(out) as f:
        return f.read()


def neutral(text):
    """TEXT passed through test/shell_neutral.sed (the shell's own wording
    differs between SQLite versions), as test/run does."""
    return subprocess.run(['sed', '-f', os.path.join(tikvsql.ROOT,
                                                      'test/shell_neutral.sed')],
                          input=text, stdout=subprocess.PIPE, text=True,
                          check=True).stdout


def presplit(cluster, keyspace):
    """Several regions in the file's keyspace: catalog, then models 1-3
    split between rows and index entries."""
    for mid, kind in ((1, None), (1, 2), (2, None), (2, 2), (3, None)):
        cluster.ctl('split ' + tikvsql.model_key(keyspace, mid, kind).hex())


def run_file(cluster, prefix, sql_path, seed, tmp, update=False):
    name = os.path.basename(sql_path)[:-4]
    keyspace = prefix + name
    url = cluster.url(keyspace)
    chaos = None
    if cluster.control and not update:
        presplit(cluster, keyspace)
        chaos = tikvsql.Chaos(cluster, keyspace, seed,
                              every=FAULT_EVERY.get(name, 8))
        chaos.start()
    env = dict(os.environ, TITO_STORE=url)
    with open(sql_path) as f:
        r = subprocess.run(['sqlite3', '-cmd', '.load ' + tikvsql.SO,
                            ':memory:'], stdin=f, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, env=env, timeout=900)
    if chaos:
        chaos.stop()
    raw = r.stdout.decode('utf-8', 'replace').replace(url, '$TITO_STORE')
    if update:
        return write_diff(sql_path, raw, tmp)
    got = neutral(raw)
    want = expected_output(sql_path, tmp)
    if want is not None:
        want = neutral(want)
    faults = ''
    if chaos:
        faults = ' (faults: %s)' % ', '.join(
            '%s %d' % kv for kv in sorted(chaos.count.items()))
    label = 'tikv test/sql/%s.sql%s' % (name, faults)
    if want is None:
        return tikvsql.tap(False, label, 'test/sql/%s.tikv.diff does not '
                           'apply to the .expected file' % name)
    if got == want:
        return tikvsql.tap(True, label)
    with open(os.path.join(tmp, 'got'), 'w') as f:
        f.write(got)
    with open(os.path.join(tmp, 'want'), 'w') as f:
        f.write(want)
    d = subprocess.run(['diff', '-u', os.path.join(tmp, 'want'),
                        os.path.join(tmp, 'got')], stdout=subprocess.PIPE,
                       text=True).stdout
    return tikvsql.tap(False, label, d)


def write_diff(sql_path, got, tmp):
    """--update: record the output's differences as NAME.tikv.diff (or
    remove it when there are none). Review them before committing."""
    name = sql_path[:-4]
    rel = os.path.relpath(name, tikvsql.ROOT)
    with open(os.path.join(tmp, 'got'), 'w') as f:
        f.write(got)
    d = subprocess.run(['diff', '-u', '--label', rel + '.expected',
                        '--label', rel + ' (tikv)', name + '.expected',
                        os.path.join(tmp, 'got')], stdout=subprocess.PIPE,
                       text=True).stdout
    if d:
        with open(name + '.tikv.diff', 'w') as f:
            f.write(d)
    elif os.path.exists(name + '.tikv.diff'):
        os.remove(name + '.tikv.diff')
    return tikvsql.tap(True, 'tikv %s.sql: %s' % (
        rel,
        'differences written' if d else 'no differences'))


def main():
    update = '--update' in sys.argv
    args = [a for a in sys.argv[1:] if a != '--update']
    files = args or sorted(
        os.path.join(tikvsql.ROOT, 'test/sql', f)
        for f in os.listdir(os.path.join(tikvsql.ROOT, 'test/sql'))
        if f.endswith('.sql'))
    cluster = tikvsql.Cluster()
    prefix = tikvsql.run_prefix('golden')
    ok = True
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i, path in enumerate(files):
                name = os.path.basename(path)[:-4]
                if name in SKIP:
                    print('ok - tikv test/sql/%s.sql # skip %s' %
                          (name, SKIP[name]))
                    continue
                ok &= run_file(cluster, prefix, path, 1000 + i, tmp, update)
    finally:
        tikvsql.purge(cluster, prefix)
        cluster.stop()
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
