"""reflection_test.py: what tools see of a tito table. Python's sqlite3
through the PRAGMAs (columns, types, NOT NULL, hidden columns), tito_indexes
for keys and indexes, and SQLAlchemy's inspector and Table reflection as
the README shows them (python3-sqlalchemy, installed by make setup; skipped
when missing). A change made by tito_alter is seen by a new inspection.
Prints "ok - NAME" / "not ok - NAME".
"""
import os
import sqlite3
import tempfile

SO = os.path.splitext(os.path.realpath(os.environ.get('TITO_SO', './tito.so')))[0]


def check(name, got, want):
    if got == want:
        print('ok - reflection: ' + name)
    else:
        print('not ok - reflection: ' + name)
        print('#   want: %r' % (want,))
        print('#   got:  %r' % (got,))


def main():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'r.db')
        c = sqlite3.connect(path, isolation_level=None)
        c.enable_load_extension(True)
        c.load_extension(SO)
        c.execute("CREATE VIRTUAL TABLE users USING tito(id INTEGER PRIMARY "
                  "KEY, email TEXT NOT NULL, name TEXT DEFAULT 'x', "
                  "UNIQUE INDEX by_email(email))")
        c.execute("INSERT INTO users(id, email) VALUES (1, 'a@x')")
        check('PRAGMA table_info: columns, types, NOT NULL',
              [r[1:4] for r in c.execute('PRAGMA table_info(users)')],
              [('id', 'INTEGER', 0), ('email', 'TEXT', 1), ('name', 'TEXT', 0)])
        check('PRAGMA table_xinfo: the planner hint is a hidden column',
              [(r[1], r[6]) for r in c.execute('PRAGMA table_xinfo(users)')][-1],
              ('tito_index', 1))
        check('tito_indexes: the key and the indexes',
              c.execute("SELECT name, kind, columns FROM tito_indexes('users')"
                        ).fetchall(),
              [('PRIMARY KEY', 'primary key', 'id'),
               ('by_email', 'unique', 'email')])
        c.close()
        try:
            import sqlalchemy as sa
        except ImportError:
            print('ok - reflection: SQLAlchemy # skip python3-sqlalchemy is '
                  'not installed (make setup installs it)')
            return
        engine = sa.create_engine('sqlite:///' + path)

        @sa.event.listens_for(engine, 'connect')
        def load_tito(dbapi_conn, _):
            dbapi_conn.enable_load_extension(True)
            dbapi_conn.load_extension(SO)
        insp = sa.inspect(engine)
        check('SQLAlchemy lists the table (and the store\'s own)',
              sorted(insp.get_table_names()), ['tito_store', 'users'])
        check('SQLAlchemy reflects columns and NOT NULL',
              [(x['name'], str(x['type']), x['nullable'])
               for x in insp.get_columns('users')],
              [('id', 'INTEGER', True), ('email', 'TEXT', False),
               ('name', 'TEXT', True)])
        users = sa.Table('users', sa.MetaData(),
                         sa.Column('id', sa.Integer, primary_key=True),
                         autoload_with=engine)
        check('a Table reflected with its key named (as the README shows)',
              ([x.name for x in users.primary_key],
               [x.name for x in users.columns]),
              (['id'], ['id', 'email', 'name']))
        with engine.begin() as conn:
            conn.execute(users.insert().values(id=2, email='b@x'))
            rows = conn.execute(sa.select(users).order_by(users.c.id)).fetchall()
        check('inserts and selects through the reflected Table',
              [tuple(r) for r in rows], [(1, 'a@x', 'x'), (2, 'b@x', 'x')])
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "SELECT tito_alter('users', 'ADD COLUMN age INTEGER')")
        check('a column added by tito_alter is reflected by a new inspection',
              [x['name'] for x in sa.inspect(engine).get_columns('users')],
              ['id', 'email', 'name', 'age'])
        engine.dispose()


main()
