"""worker.py STORE_URL: one SQLite connection (its own :memory: database,
as another machine would have) with tito loaded and its store set, driven
over stdin/stdout by the concurrency tests (tikvsql.Worker).

Each input line is a JSON object:
  {"sql": "...", "params": [...]}   run it; reply {"rows": [[...], ...]}
                                    or {"err": message, "code": name}
  {"retry": [sql, ...], "times": N} run the statements as one transaction
                                    (BEGIN ... COMMIT), again after each
                                    write conflict (SQLITE_BUSY_SNAPSHOT),
                                    up to N times; reply {"tries": n} or an
                                    error as above
  {"exit": 0}                       close and exit
One reply line per request.
"""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tikvsql  # noqa: E402


def run(c, sql, params):
    try:
        return {'rows': [list(r) for r in c.execute(sql, params).fetchall()]}
    except sqlite3.Error as e:
        return {'err': str(e), 'code': getattr(e, 'sqlite_errorname', '?')}


def retry(c, stmts, times):
    for n in range(1, times + 1):
        r = run(c, 'BEGIN', [])
        for s in stmts:
            if 'err' in r:
                break
            r = run(c, s, [])
        if 'err' not in r:
            r = run(c, 'COMMIT', [])
        if 'err' not in r:
            return {'tries': n}
        if c.in_transaction:
            run(c, 'ROLLBACK', [])
        if r.get('code') != 'SQLITE_BUSY_SNAPSHOT':
            return r
    return r


def main():
    c = tikvsql.connect(sys.argv[1])
    for line in sys.stdin:
        req = json.loads(line)
        if 'exit' in req:
            break
        if 'retry' in req:
            out = retry(c, req['retry'], req.get('times', 50))
        else:
            out = run(c, req['sql'], req.get('params', []))
        sys.stdout.write(json.dumps(out) + '\n')
        sys.stdout.flush()
    c.close()


if __name__ == '__main__':
    main()
