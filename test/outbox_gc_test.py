"""outbox_gc_test.py: consumed events are removed as consumers go, so the
store stays bounded under steady load: 40 rounds of 250 events produced
and consumed by two groups; the event keys left after each round stay
below a bound that does not grow with the rounds. A group that lags keeps
its events. Prints "ok - " / "not ok - ".
"""
import os
import sqlite3

SO = os.path.abspath(os.environ.get('TITO_SO', './tito.so'))
PARTS, ROUND, ROUNDS = 8, 250, 40


def main():
    db = sqlite3.connect(':memory:', isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(SO)
    db.execute("CREATE VIRTUAL TABLE t USING tito(id INTEGER PRIMARY KEY, "
               "v TEXT, TOPIC t PARTITIONS %d)" % PARTS)
    for g in ('a', 'b', 'slow'):
        db.execute("SELECT tito_group_start('t', ?, 'beginning')", (g,))

    def event_keys():
        # Event keys: P | u32 0 | 0x11 ... (src/outbox.h)
        return db.execute("SELECT count(*) FROM tito_store WHERE "
                          "substr(k, 1, 7) = x'25000000000000' AND "
                          "substr(k, 8, 1) = x'11'").fetchone()[0]
    most, n, ok = 0, 0, True
    for r in range(ROUNDS):
        db.execute('BEGIN')
        db.executemany('INSERT INTO t VALUES (?, ?)',
                       [(n + i, 'x' * 50) for i in range(ROUND)])
        db.execute('COMMIT')
        n += ROUND
        for g in ('a', 'b'):
            db.execute('BEGIN')
            got = len(db.execute("SELECT key FROM tito_events('t', ?)", (g,))
                      .fetchall())
            db.execute('COMMIT')
            if got != ROUND:
                print('# round %d group %s got %d' % (r, g, got))
                ok = False
        if r == 0:
            lagging = event_keys()
        if r == 1:
            # The slow group catches up once; from then on it keeps up.
            db.execute('BEGIN')
            db.execute("SELECT count(*) FROM tito_events('t', 'slow', NULL, "
                       "NULL, 100000)").fetchone()
            db.execute('COMMIT')
        if r >= 2:
            db.execute('BEGIN')
            db.execute("SELECT count(*) FROM tito_events('t', 'slow')").fetchone()
            db.execute('COMMIT')
            most = max(most, event_keys())
    # While 'slow' had consumed nothing, every event was kept.
    if lagging < ROUND:
        print('# a lagging group lost events: %d kept of %d' % (lagging, ROUND))
        ok = False
    # Steady state: at most the last event of each partition plus a round.
    bound = PARTS + ROUND
    if most > bound:
        print('# %d event keys kept after %d rounds (bound %d)' % (most, ROUNDS, bound))
        ok = False
    check = db.execute('SELECT tito_check()').fetchone()[0]
    if check != 'ok':
        print('# tito_check: %s' % check)
        ok = False
    print('%s - outbox cleanup: %d events through 3 groups, at most %d event '
          'keys kept (bound %d)' % ('ok' if ok else 'not ok', n, most, bound))


main()
