"""sql_connections_test.py: two connections to one database file share tito
tables: rowids, unique entries and schema changes made by one are seen by the
other (no stale per-connection state). Prints "ok - NAME" / "not ok - NAME"."""
import os
import sqlite3
import tempfile

SO = os.path.realpath(os.environ.get("TITO_SO", "./tito.so"))


def connect(path):
    c = sqlite3.connect(path, isolation_level=None)
    c.enable_load_extension(True)
    c.load_extension(SO)
    return c


def check(name, got, want):
    if got == want:
        print("ok - connections: " + name)
    else:
        print("not ok - connections: " + name)
        print("#   want: %r" % (want,))
        print("#   got:  %r" % (got,))


def main():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "c.db")
        a, b = connect(path), connect(path)
        a.execute("CREATE VIRTUAL TABLE log USING tito(msg TEXT)")
        a.execute("CREATE VIRTUAL TABLE u USING tito(id TEXT PRIMARY KEY,"
                  " e TEXT, UNIQUE INDEX by_e(e))")
        a.execute("INSERT INTO log VALUES ('a1')")
        check("b sees a's table and row",
              b.execute("SELECT rowid, msg FROM log").fetchall(), [(1, "a1")])
        b.execute("INSERT INTO log VALUES ('b1')")
        a.execute("INSERT INTO log VALUES ('a2')")
        check("rowids allocated by both never collide",
              a.execute("SELECT rowid, msg FROM log").fetchall(),
              [(1, "a1"), (2, "b1"), (3, "a2")])
        b.execute("INSERT INTO u VALUES ('x', 'e1')")
        try:
            a.execute("INSERT INTO u VALUES ('y', 'e1')")
            err = None
        except sqlite3.IntegrityError as ex:
            err = str(ex)
        check("a unique value written by b conflicts in a", err,
              "UNIQUE constraint failed: u.e")
        # An open transaction in b is not visible to a; after COMMIT it is.
        b.execute("BEGIN")
        b.execute("INSERT INTO u VALUES ('z', 'e2')")
        check("b's uncommitted row is invisible to a",
              a.execute("SELECT count(*) FROM u").fetchone(), (1,))
        b.execute("COMMIT")
        check("b's committed row is visible to a",
              a.execute("SELECT id FROM u WHERE e = 'e2'").fetchall(), [("z",)])
        check("tito_check from a",
              a.execute("SELECT tito_check('log'), tito_check('u')").fetchone(),
              ("ok", "ok"))
        b.execute("DROP TABLE u")
        b.execute("CREATE VIRTUAL TABLE u USING tito(id TEXT PRIMARY KEY, other TEXT)")
        b.execute("INSERT INTO u VALUES ('q', 'w')")
        check("a sees b's new definition of u",
              a.execute("SELECT * FROM u").fetchall(), [("q", "w")])
        check("a's tito_check of the new u",
              a.execute("SELECT tito_check('u')").fetchone(), ("ok",))
        # tito_alter in b: a's instance of the table is replaced before its
        # next statement, so a's writes maintain the new index at once.
        a.execute("CREATE VIRTUAL TABLE m USING tito(id INTEGER PRIMARY KEY,"
                  " e TEXT, n INT)")
        a.executemany("INSERT INTO m VALUES (?, ?, ?)",
                      [(i, "e%d" % i, i % 7) for i in range(1, 301)])
        check("a reads m through its instance",
              a.execute("SELECT count(*) FROM m WHERE n = 3").fetchone(), (43,))
        b.execute("SELECT tito_alter('m', 'ADD UNIQUE INDEX by_e(e)')")
        b.execute("SELECT tito_alter('m', 'ADD INDEX by_n(n) WHERE n > 2')")
        a.execute("INSERT INTO m VALUES (301, 'e301', 3)")
        a.execute("UPDATE m SET n = 4 WHERE id = 10")
        a.execute("DELETE FROM m WHERE id = 17")
        try:
            a.execute("INSERT INTO m VALUES (302, 'e5', 0)")
            err = None
        except sqlite3.IntegrityError as ex:
            err = str(ex)
        check("a's write checks the unique index b added", err,
              "UNIQUE constraint failed: m.e")
        check("a's plan uses b's new index",
              a.execute("EXPLAIN QUERY PLAN SELECT id FROM m WHERE e = 'e9'")
              .fetchone()[3], "SCAN m VIRTUAL TABLE INDEX 4194562:index by_e eq cover")
        check("a's writes kept b's new indexes exact",
              b.execute("SELECT tito_check('m'), count(*) FROM m WHERE n = 3")
              .fetchone(), ("ok", 42))  # 43, +301, -10 (now 4), -17
        b.execute("SELECT tito_alter('m', 'DROP INDEX by_e')")
        a.execute("INSERT INTO m VALUES (303, 'e5', 0)")
        check("after b dropped it, a no longer checks it; tito_check ok",
              a.execute("SELECT tito_check('m'), count(*) FROM m WHERE e = 'e5'")
              .fetchone(), ("ok", 2))
        # Two connections racing to change one model: SQLite lets one write
        # at a time; the second change runs on the first one's definition.
        import threading
        res = {}

        def change(name, sql):
            conn = connect(path)
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("SELECT count(*) FROM m").fetchall()  # connected
            try:
                conn.execute(sql)
                res[name] = "ok"
            except sqlite3.Error as ex:
                res[name] = str(ex)
            conn.close()
        ta = threading.Thread(target=change, args=(
            "a", "SELECT tito_alter('m', 'ADD INDEX by_race(n, e)')"))
        tb = threading.Thread(target=change, args=(
            "b", "SELECT tito_alter('m', 'ADD INDEX by_race(e)')"))
        ta.start(); tb.start(); ta.join(); tb.join()
        errs = sorted(v for v in res.values() if v != "ok")
        # The loser comes after the winner's build (the name is taken) or
        # between its steps (a build is in progress).
        check("of two racing ADD INDEX by_race, one wins, the other fails "
              "naming the duplicate or the build in progress",
              (len(errs), any(w in (errs[0] if errs else "") for w in (
                  "duplicate index name", "index by_race is being built"))),
              (1, True))
        check("both connections see one definition; tito_check ok",
              (a.execute("SELECT sql FROM sqlite_schema WHERE name = 'm'")
               .fetchone() == b.execute("SELECT sql FROM sqlite_schema WHERE "
                                        "name = 'm'").fetchone(),
               a.execute("SELECT count(*) FROM tito_indexes('m') WHERE name = "
                         "'by_race'").fetchone()[0],
               b.execute("SELECT tito_check('m')").fetchone()[0]),
              (True, 1, "ok"))
        build_with_writers(a, b)
        a.close()
        b.close()
    with tempfile.TemporaryDirectory() as d:
        build_while_writing(os.path.join(d, "w.db"))


def same_rows(conn, where):
    return conn.execute(
        "SELECT (SELECT json_group_array(id) FROM (SELECT id FROM w WHERE %s "
        "ORDER BY id)) IS (SELECT json_group_array(id) FROM (SELECT id FROM "
        "o WHERE %s ORDER BY id))" % (where, where)).fetchone()[0] == 1


def build_with_writers(a, b):
    """a builds an index one step at a time; b writes between the steps
    (rows reached and not yet reached) and sees the build in tito_changes."""
    a.execute("CREATE VIRTUAL TABLE w USING tito(id INTEGER PRIMARY KEY, "
              "g INT, u TEXT)")
    a.execute("CREATE TABLE o(id INTEGER PRIMARY KEY, g INT, u TEXT)")
    a.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM "
              "n WHERE i < 3000) INSERT INTO o SELECT i, i % 17, 'u' || i "
              "FROM n")
    a.execute("INSERT INTO w SELECT * FROM o")
    a.execute("SELECT tito_config('alter_batch', 400)")
    a.execute("SELECT tito_alter('w', 'ADD UNIQUE INDEX by_gu(g, u)', 0)")
    seen, steps = [], 0
    while True:
        row = b.execute("SELECT rows_done FROM tito_changes WHERE "
                        "table_name = 'w'").fetchone()
        if row is None:
            break
        seen.append(row[0])
        k = steps * 131
        for sql in ("UPDATE {t} SET g = g + 100 WHERE id % 250 = " + str(k % 250),
                    "DELETE FROM {t} WHERE id % 411 = " + str(k % 411),
                    "INSERT INTO {t} VALUES (%d, 3, 'n%d')" % (10000 + steps, steps)):
            b.execute("BEGIN")
            b.execute(sql.format(t="w"))
            b.execute(sql.format(t="o"))
            b.execute("COMMIT")
        a.execute("SELECT tito_alter('w', 'RESUME', 1)")
        steps += 1
    check("b wrote between a's build steps and saw them in tito_changes",
          (len(seen) >= 8, seen == sorted(seen)), (True, True))
    check("the index built while b wrote is exact; queries read it",
          (a.execute("SELECT tito_check('w')").fetchone()[0],
           same_rows(a, "g = 3"), same_rows(b, "g > 100 AND u > 'u2'"),
           b.execute("SELECT DISTINCT tito_index FROM w WHERE g = 3 AND "
                     "u = 'u3'").fetchone()[0]),
          ("ok", True, True, "by_gu"))


def build_while_writing(path):
    """A build of many steps in one thread, writes in another, both
    running freely: every write commits, the index is exact."""
    import threading
    a = connect(path)
    a.execute("PRAGMA journal_mode = WAL")
    a.execute("CREATE VIRTUAL TABLE w USING tito(id INTEGER PRIMARY KEY, "
              "g INT, u TEXT)")
    a.execute("CREATE TABLE o(id INTEGER PRIMARY KEY, g INT, u TEXT)")
    a.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM "
              "n WHERE i < 20000) INSERT INTO o SELECT i, i % 17, 'u' || i "
              "FROM n")
    a.execute("INSERT INTO w SELECT * FROM o")
    stop = threading.Event()
    log = {"writes": 0, "during": 0, "errors": []}

    def writer():
        b = connect(path)
        b.execute("PRAGMA busy_timeout = 20000")
        i = 0
        while (not stop.is_set() or i < 20) and i < 1000:
            try:
                b.execute("BEGIN IMMEDIATE")
                building = b.execute("SELECT count(*) FROM tito_changes"
                                     ).fetchone()[0]
                for t in ("w", "o"):
                    b.execute("UPDATE %s SET g = g + 1 WHERE id = %d"
                              % (t, (i * 7919) % 20000 + 1))
                    b.execute("INSERT INTO %s VALUES (%d, %d, 'x%d')"
                              % (t, 100000 + i, i % 17, i))
                b.execute("COMMIT")
                log["writes"] += 1
                log["during"] += building
            except sqlite3.Error as ex:
                log["errors"].append(str(ex))
                if b.in_transaction:
                    b.execute("ROLLBACK")
            i += 1
        b.close()
    t = threading.Thread(target=writer)
    t.start()
    a.execute("PRAGMA busy_timeout = 20000")
    a.execute("SELECT tito_config('alter_batch', 500)")
    a.execute("SELECT tito_alter('w', 'ADD INDEX by_g(g, u)')")
    stop.set()
    t.join()
    print("# %d writer transactions, %d of them while the index was being "
          "built" % (log["writes"], log["during"]))
    check("a writer thread and a build of 40 steps: every write committed, "
          "the index exact",
          (log["errors"], a.execute("SELECT tito_check('w')").fetchone()[0],
           same_rows(a, "g = 5 AND u > 'u1'")), ([], "ok", True))
    a.close()


main()
