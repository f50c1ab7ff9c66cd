"""MVCC storage with Percolator semantics, as TiKV's txn layer behaves.

Pure Python, no protobuf: the service layer (tikv_service.py) maps requests
to these calls and KeyErr results back to kvrpcpb.KeyError. Keys are raw user
keys. Two column families, as in TiKV:
  locks:  key -> Lock          (at most one lock per key)
  writes: key -> [Write, ...]  newest commit_ts first; a rollback record has
                               commit_ts == start_ts of the rolled-back txn
Values are kept inside the write record (TiKV's short-value case).
The caller serialises all calls (one cluster-wide mutex).
"""
import bisect

TS_MAX = (1 << 64) - 1
PHYSICAL_SHIFT = 18

# Lock / write kinds, named after kvrpcpb.Op where they come from.
PUT, DEL, LOCK, ROLLBACK, PESSIMISTIC = "Put", "Del", "Lock", "Rollback", "PessimisticLock"

# CheckTxnStatus actions (kvrpcpb.Action).
NO_ACTION, TTL_EXPIRE_ROLLBACK, LOCK_NOT_EXIST_ROLLBACK, MIN_COMMIT_TS_PUSHED = 0, 1, 2, 3
TTL_EXPIRE_PESSIMISTIC_ROLLBACK, LOCK_NOT_EXIST_DO_NOTHING = 4, 5

MAX_KEY_SIZE = 8 * 1024  # storage.max-key-size, on the encoded key


def physical(ts):
    return ts >> PHYSICAL_SHIFT


class Lock:
    def __init__(self, key, primary, start_ts, ttl, kind, value=b"",
                 min_commit_ts=0, txn_size=0, for_update_ts=0):
        self.key = key
        self.primary = primary
        self.start_ts = start_ts
        self.ttl = ttl
        self.kind = kind
        self.value = value
        self.min_commit_ts = min_commit_ts
        self.txn_size = txn_size
        self.for_update_ts = for_update_ts
        self.use_async_commit = False
        self.secondaries = []

    def expired(self, current_ts):
        # TiKV: lock.ts.physical() + lock.ttl < current_ts.physical()
        return physical(self.start_ts) + self.ttl < physical(current_ts)


class Write:
    def __init__(self, start_ts, commit_ts, kind, value=b""):
        self.start_ts = start_ts
        self.commit_ts = commit_ts
        self.kind = kind
        self.value = value


class KeyErr(Exception):
    """One kvrpcpb.KeyError. kind names the KeyError member set; fields are
    that member's fields (plus 'text' for retryable/abort strings)."""

    def __init__(self, kind, **fields):
        super().__init__(kind)
        self.kind = kind
        self.fields = fields

    def __repr__(self):
        return "KeyErr(%s, %r)" % (self.kind, self.fields)


def locked(lock):
    return KeyErr("locked", lock=lock)


class Mvcc:
    def __init__(self):
        self.locks = {}
        self.writes = {}
        self.keys = []  # sorted: every key with a lock or a write record

    # ---- low-level helpers -------------------------------------------------
    def _touch(self, key):
        i = bisect.bisect_left(self.keys, key)
        if i == len(self.keys) or self.keys[i] != key:
            self.keys.insert(i, key)

    def _put_lock(self, lock):
        self._touch(lock.key)
        self.locks[lock.key] = lock

    def _add_write(self, key, w):
        self._touch(key)
        lst = self.writes.setdefault(key, [])
        i = 0
        while i < len(lst) and lst[i].commit_ts > w.commit_ts:
            i += 1
        lst.insert(i, w)

    def _txn_record(self, key, start_ts):
        """The write record of txn start_ts on key (commit or rollback)."""
        for w in self.writes.get(key, ()):
            if w.start_ts == start_ts and (w.kind != ROLLBACK or w.commit_ts == start_ts):
                return w
        return None

    def _rollback_key(self, key, start_ts):
        """Remove txn start_ts's lock on key (if any) and leave a rollback
        record, which makes a late prewrite of that txn fail."""
        lock = self.locks.get(key)
        if lock is not None and lock.start_ts == start_ts:
            del self.locks[key]
        rec = self._txn_record(key, start_ts)
        if rec is None:
            self._add_write(key, Write(start_ts, start_ts, ROLLBACK))

    def _commit_key(self, lock, commit_ts):
        kind = {PUT: PUT, DEL: DEL}.get(lock.kind, LOCK)
        del self.locks[lock.key]
        self._add_write(lock.key, Write(lock.start_ts, commit_ts, kind, lock.value))

    def key_range(self, lo, hi):
        """Sorted keys in [lo, hi); hi None = unbounded."""
        i = bisect.bisect_left(self.keys, lo)
        j = len(self.keys) if hi is None else bisect.bisect_left(self.keys, hi)
        return self.keys[i:j]

    # ---- reads -------------------------------------------------------------
    def read(self, key, ts, resolved=(), committed=()):
        """Snapshot read at ts: (value, commit_ts) or None if absent.
        Raises KeyErr locked when a Put/Del lock with lock.ts <= ts and
        min_commit_ts <= ts is in the way (Lock and pessimistic locks never
        block reads; locks of txns in `resolved` are skipped; locks of txns in
        `committed` are read through, as TiKV does)."""
        lock = self.locks.get(key)
        if (lock is not None and lock.kind in (PUT, DEL) and lock.start_ts <= ts
                and not (ts == TS_MAX and key == lock.primary)):
            # (ts = u64 max reads the latest committed version; TiKV lets
            # such a read pass the primary lock itself)
            if lock.start_ts in committed:
                return (lock.value, 0) if lock.kind == PUT else None
            if lock.start_ts not in resolved and lock.min_commit_ts <= ts:
                raise locked(lock)
        for w in self.writes.get(key, ()):
            if w.commit_ts > ts:
                continue
            if w.kind == PUT:
                return (w.value, w.commit_ts)
            if w.kind == DEL:
                return None
        return None

    def scan(self, lo, hi, ts, limit, reverse, resolved=(), committed=()):
        """Pairs (key, value, commit_ts, KeyErr or None) in [lo, hi), at most
        limit of them (0 = none); a locked key yields an error pair."""
        out = []
        if limit == 0:
            return out
        i = bisect.bisect_left(self.keys, lo)
        j = len(self.keys) if hi is None else bisect.bisect_left(self.keys, hi)
        order = range(j - 1, i - 1, -1) if reverse else range(i, j)
        for k in (self.keys[n] for n in order):
            try:
                got = self.read(k, ts, resolved, committed)
            except KeyErr as e:
                out.append((k, b"", 0, e))
            else:
                if got is None:
                    continue
                out.append((k, got[0], got[1], None))
            if len(out) >= limit:
                break
        return out

    # ---- prewrite ------------------------------------------------------------
    def prewrite(self, mutations, primary, start_ts, ttl, min_commit_ts, txn_size,
                 encoded_len):
        """Optimistic prewrite. mutations: list of (op, key, value).
        All or nothing, as TiKV: any error leaves no lock. Returns a list of
        KeyErr (empty on success)."""
        new_locks = []
        lock_errors = []
        for op, key, value in mutations:
            if encoded_len(key) > MAX_KEY_SIZE:
                return [KeyErr("abort", text="KeyTooLarge { size: %d, limit: %d }"
                               % (encoded_len(key), MAX_KEY_SIZE))]
            lock = self.locks.get(key)
            if lock is not None:
                if lock.start_ts != start_ts:
                    lock_errors.append(locked(lock))
                continue  # our own lock: a resent prewrite, nothing to do
            own = self._txn_record(key, start_ts)
            if own is not None:
                if own.kind == ROLLBACK:
                    return [self._conflict(key, primary, start_ts, own, "SelfRolledBack")]
                continue  # already committed: TiKV answers a retried prewrite with ok
            newest = self.writes.get(key, [None])[0]
            if newest is not None and newest.commit_ts > start_ts:
                return [self._conflict(key, primary, start_ts, newest, "Optimistic")]
            if op in ("Insert", "CheckNotExists"):
                if self._exists(key):
                    return [KeyErr("already_exist", key=key)]
                if op == "CheckNotExists":
                    continue
            kind = {"Put": PUT, "Insert": PUT, "Del": DEL, "Lock": LOCK}.get(op)
            if kind is None:
                return [KeyErr("abort", text="unsupported mutation op %s" % op)]
            new_locks.append(Lock(key, primary, start_ts, ttl, kind,
                                  value if kind == PUT else b"",
                                  min_commit_ts, txn_size))
        if lock_errors:
            return lock_errors
        for lk in new_locks:
            self._put_lock(lk)
        return []

    def _exists(self, key):
        for w in self.writes.get(key, ()):
            if w.kind == PUT:
                return True
            if w.kind == DEL:
                return False
        return False

    @staticmethod
    def _conflict(key, primary, start_ts, w, reason):
        return KeyErr("conflict", start_ts=start_ts, conflict_ts=w.start_ts, key=key,
                      primary=primary, conflict_commit_ts=w.commit_ts, reason=reason,
                      text="WriteConflict { start_ts: %d, conflict_start_ts: %d, "
                           "conflict_commit_ts: %d, reason: %s }"
                           % (start_ts, w.start_ts, w.commit_ts, reason))

    # ---- commit / rollback ---------------------------------------------------
    def commit(self, keys, start_ts, commit_ts):
        """Commit txn start_ts's locks on keys at commit_ts; all or nothing.
        Returns None or a KeyErr."""
        if commit_ts <= start_ts:
            return KeyErr("abort", text="InvalidTxnTso { start_ts: %d, commit_ts: %d }"
                          % (start_ts, commit_ts))
        todo = []
        for key in keys:
            lock = self.locks.get(key)
            if lock is not None and lock.start_ts == start_ts:
                if commit_ts < lock.min_commit_ts:
                    return KeyErr("commit_ts_expired", start_ts=start_ts,
                                  attempted_commit_ts=commit_ts, key=key,
                                  min_commit_ts=lock.min_commit_ts)
                todo.append(lock)
                continue
            rec = self._txn_record(key, start_ts)
            if rec is not None and rec.kind != ROLLBACK:
                continue  # already committed: a resent commit succeeds
            return self._lock_not_found(key, start_ts)
        for lock in todo:
            self._commit_key(lock, commit_ts)
        return None

    @staticmethod
    def _lock_not_found(key, start_ts):
        return KeyErr("txn_lock_not_found", key=key,
                      text="TxnLockNotFound { start_ts: %d, commit_ts: 0, key: %s }"
                           % (start_ts, key.hex()))

    def batch_rollback(self, keys, start_ts):
        """Roll back txn start_ts on keys (rollback records even where there
        is no lock). Fails if any key is already committed."""
        for key in keys:
            rec = self._txn_record(key, start_ts)
            if rec is not None and rec.kind != ROLLBACK:
                return KeyErr("abort", text="Committed { start_ts: %d, commit_ts: %d, key: %s }"
                              % (start_ts, rec.commit_ts, key.hex()))
        for key in keys:
            self._rollback_key(key, start_ts)
        return None

    def cleanup(self, key, start_ts, current_ts):
        """Legacy Cleanup: (commit_version, KeyErr or None)."""
        lock = self.locks.get(key)
        if lock is not None and lock.start_ts == start_ts:
            if current_ts != 0 and not lock.expired(current_ts):
                return 0, locked(lock)
            self._rollback_key(key, start_ts)
            return 0, None
        rec = self._txn_record(key, start_ts)
        if rec is not None and rec.kind != ROLLBACK:
            return rec.commit_ts, None
        self._rollback_key(key, start_ts)
        return 0, None

    # ---- lock resolution -----------------------------------------------------
    def check_txn_status(self, primary, lock_ts, caller_start_ts, current_ts,
                         rollback_if_not_exist, verify_is_primary, resolving_pessimistic,
                         force_sync_commit=False):
        """Returns dict(lock_ttl, commit_version, action, lock) or raises KeyErr.
        As TiKV: an async-commit primary is never rolled back nor pushed here
        (its fate is decided by CheckSecondaryLocks) unless force_sync_commit;
        an expired pessimistic primary is only unlocked when the caller
        resolves a pessimistic lock."""
        lock = self.locks.get(primary)
        if lock is not None and lock.start_ts == lock_ts:
            if verify_is_primary and lock.primary != primary:
                raise KeyErr("primary_mismatch", lock=lock)
            if lock.use_async_commit and not force_sync_commit:
                return dict(lock_ttl=lock.ttl, commit_version=0, action=NO_ACTION, lock=lock)
            if lock.expired(current_ts) and lock.kind == PESSIMISTIC and resolving_pessimistic:
                del self.locks[primary]
                return dict(lock_ttl=0, commit_version=0,
                            action=TTL_EXPIRE_PESSIMISTIC_ROLLBACK, lock=None)
            if lock.expired(current_ts):
                self._rollback_key(primary, lock_ts)
                return dict(lock_ttl=0, commit_version=0, action=TTL_EXPIRE_ROLLBACK, lock=None)
            action = NO_ACTION
            if (lock.kind != PESSIMISTIC and lock.min_commit_ts != 0
                    and caller_start_ts != TS_MAX and caller_start_ts >= lock.min_commit_ts):
                lock.min_commit_ts = max(caller_start_ts + 1, current_ts if current_ts != TS_MAX else 0)
                action = MIN_COMMIT_TS_PUSHED
            return dict(lock_ttl=lock.ttl, commit_version=0, action=action, lock=lock)
        rec = self._txn_record(primary, lock_ts)
        if rec is not None:
            if rec.kind != ROLLBACK:
                return dict(lock_ttl=0, commit_version=rec.commit_ts, action=NO_ACTION, lock=None)
            return dict(lock_ttl=0, commit_version=0, action=NO_ACTION, lock=None)
        if resolving_pessimistic:
            return dict(lock_ttl=0, commit_version=0, action=LOCK_NOT_EXIST_DO_NOTHING, lock=None)
        if rollback_if_not_exist:
            self._rollback_key(primary, lock_ts)
            return dict(lock_ttl=0, commit_version=0, action=LOCK_NOT_EXIST_ROLLBACK, lock=None)
        raise KeyErr("txn_not_found", start_ts=lock_ts, primary_key=primary)

    def resolve_lock(self, txns, keys, lo, hi):
        """txns: {start_ts: commit_ts (0 = roll back)}. keys non-empty: just
        those keys ("lite"); else every lock of those txns in [lo, hi)."""
        if keys:
            (start_ts, commit_ts), = txns.items()
            for key in keys:
                lock = self.locks.get(key)
                if lock is not None and lock.start_ts == start_ts:
                    err = self._resolve_one(lock, commit_ts)
                    if err:
                        return err
                elif commit_ts:
                    rec = self._txn_record(key, start_ts)
                    if rec is None or rec.kind == ROLLBACK:
                        return self._lock_not_found(key, start_ts)
                else:
                    err = self.batch_rollback([key], start_ts)
                    if err:
                        return err
            return None
        for key in self.key_range(lo, hi):
            lock = self.locks.get(key)
            if lock is not None and lock.start_ts in txns:
                err = self._resolve_one(lock, txns[lock.start_ts])
                if err:
                    return err
        return None

    def _resolve_one(self, lock, commit_ts):
        if commit_ts == 0:
            self._rollback_key(lock.key, lock.start_ts)
            return None
        if commit_ts < lock.min_commit_ts:
            return KeyErr("commit_ts_expired", start_ts=lock.start_ts,
                          attempted_commit_ts=commit_ts, key=lock.key,
                          min_commit_ts=lock.min_commit_ts)
        self._commit_key(lock, commit_ts)
        return None

    def txn_heart_beat(self, primary, start_ts, advise_ttl):
        lock = self.locks.get(primary)
        if lock is None or lock.start_ts != start_ts:
            raise KeyErr("txn_not_found", start_ts=start_ts, primary_key=primary)
        if advise_ttl > lock.ttl:
            lock.ttl = advise_ttl
        return lock.ttl

    def check_secondary_locks(self, keys, start_ts):
        """(locks, commit_ts): the locks still held by the txn, or commit_ts
        > 0 if some key is committed, or ([], 0) if some key is rolled back
        (a missing key gets a rollback record, as TiKV does)."""
        held = []
        for key in keys:
            lock = self.locks.get(key)
            if lock is not None and lock.start_ts == start_ts:
                held.append(lock)
                continue
            rec = self._txn_record(key, start_ts)
            if rec is not None and rec.kind != ROLLBACK:
                return [], rec.commit_ts
            if rec is None:
                self._rollback_key(key, start_ts)
            return [], 0
        return held, 0

    def pessimistic_rollback(self, keys, start_ts, for_update_ts):
        """Remove txn start_ts's pessimistic locks (for_update_ts <= the
        given one) on keys; other locks stay. Never writes a record."""
        for key in keys:
            lock = self.locks.get(key)
            if (lock is not None and lock.start_ts == start_ts and lock.kind == PESSIMISTIC
                    and lock.for_update_ts <= for_update_ts):
                del self.locks[key]

    def plant_lock(self, lock):
        """Put a lock as another client (TiDB) would leave it."""
        if key_in_use := self.locks.get(lock.key):
            raise ValueError("key %s is already locked by %d" % (lock.key.hex(), key_in_use.start_ts))
        self._put_lock(lock)

    def commit_planted(self, key, commit_ts):
        """Commit the lock on key at commit_ts (what its owner's commit
        would do)."""
        lock = self.locks.get(key)
        if lock is None:
            raise ValueError("no lock on %s" % key.hex())
        self._commit_key(lock, commit_ts)

    def scan_lock(self, max_version, lo, hi, limit):
        out = []
        for key in self.key_range(lo, hi):
            lock = self.locks.get(key)
            if lock is not None and lock.start_ts <= max_version:
                out.append(lock)
                if limit and len(out) >= limit:
                    break
        return out

    def delete_range(self, lo, hi):
        """Not MVCC: drop every lock and version in [lo, hi)."""
        for key in self.key_range(lo, hi):
            self.locks.pop(key, None)
            self.writes.pop(key, None)
        i = bisect.bisect_left(self.keys, lo)
        j = len(self.keys) if hi is None else bisect.bisect_left(self.keys, hi)
        del self.keys[i:j]
