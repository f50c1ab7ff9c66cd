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
        check("of two racing ADD INDEX by_race, one wins, the other fails "
              "naming the duplicate", (len(errs), "duplicate index name" in
                                       (errs[0] if errs else "")), (1, True))
        check("both connections see one definition; tito_check ok",
              (a.execute("SELECT sql FROM sqlite_schema WHERE name = 'm'")
               .fetchone() == b.execute("SELECT sql FROM sqlite_schema WHERE "
                                        "name = 'm'").fetchone(),
               a.execute("SELECT count(*) FROM tito_indexes('m') WHERE name = "
                         "'by_race'").fetchone()[0],
               b.execute("SELECT tito_check('m')").fetchone()[0]),
              (True, 1, "ok"))
        a.close()
        b.close()


main()
