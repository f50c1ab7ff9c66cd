"""The tikvpb.Tikv service of one fake store.

Every request goes through the same gate, in TiKV's order: injected fault,
RegionNotFound (no peer of that region on this store), StoreNotMatch,
MismatchPeerId, NotLeader (with the leader hint), missing epoch,
EpochNotMatch (current region + split siblings, boundaries encoded),
KeyNotInRegion for keys outside the region. Then the MVCC operation
(mvcc.py) runs under the cluster mutex and its KeyErr results are mapped to
kvrpcpb.KeyError. Keys in requests are raw user keys; region boundaries are
encoded.
"""
import time

import grpc

from codec import encode_bytes
from mvcc import KeyErr, PUT, DEL, LOCK, PESSIMISTIC
from pb import errorpb, kvrpcpb, metapb

REGION_FAULTS = ("NotLeader", "NotLeaderNoHint", "EpochNotMatch", "ServerIsBusy",
                 "RegionNotFound", "StaleCommand", "Undetermined")
# Commands that go through Raft as one proposal (size-limited).
RAFT_WRITES = ("KvPrewrite", "KvCommit", "KvBatchRollback", "KvResolveLock", "KvCleanup",
               "KvCheckTxnStatus", "KvTxnHeartBeat", "KvCheckSecondaryLocks", "KvDeleteRange")
LOCK_TYPE = {PUT: kvrpcpb.Put, DEL: kvrpcpb.Del, LOCK: kvrpcpb.Lock,
             PESSIMISTIC: kvrpcpb.PessimisticLock}
OP_NAME = {kvrpcpb.Put: "Put", kvrpcpb.Del: "Del", kvrpcpb.Lock: "Lock",
           kvrpcpb.Insert: "Insert", kvrpcpb.CheckNotExists: "CheckNotExists",
           kvrpcpb.Rollback: "Rollback", kvrpcpb.PessimisticLock: "PessimisticLock"}
CONFLICT_REASON = {"Optimistic": kvrpcpb.WriteConflict.Optimistic,
                   "SelfRolledBack": kvrpcpb.WriteConflict.SelfRolledBack}


# ---- message builders ----------------------------------------------------------
def region_pb(r):
    m = metapb.Region(id=r.id, start_key=r.start, end_key=r.end)
    m.region_epoch.conf_ver = r.conf_ver
    m.region_epoch.version = r.version
    for pid, sid in r.peers:
        m.peers.add(id=pid, store_id=sid)
    return m


def leader_pb(r):
    pid, sid = r.leader_peer()
    return metapb.Peer(id=pid, store_id=sid)


def lock_info(lock):
    return kvrpcpb.LockInfo(primary_lock=lock.primary, lock_version=lock.start_ts, key=lock.key,
                            lock_ttl=lock.ttl, txn_size=lock.txn_size,
                            lock_type=LOCK_TYPE[lock.kind], min_commit_ts=lock.min_commit_ts,
                            use_async_commit=lock.use_async_commit,
                            lock_for_update_ts=lock.for_update_ts)


def key_error(e):
    """kvrpcpb.KeyError from an mvcc.KeyErr."""
    ke = kvrpcpb.KeyError()
    f = e.fields
    if e.kind == "locked":
        ke.locked.CopyFrom(lock_info(f["lock"]))
    elif e.kind == "conflict":
        ke.conflict.start_ts = f["start_ts"]
        ke.conflict.conflict_ts = f["conflict_ts"]
        ke.conflict.key = f["key"]
        ke.conflict.primary = f["primary"]
        ke.conflict.conflict_commit_ts = f["conflict_commit_ts"]
        ke.conflict.reason = CONFLICT_REASON[f["reason"]]
        ke.retryable = f["text"]  # TiKV sets both
    elif e.kind == "already_exist":
        ke.already_exist.key = f["key"]
    elif e.kind == "txn_not_found":
        ke.txn_not_found.start_ts = f["start_ts"]
        ke.txn_not_found.primary_key = f["primary_key"]
    elif e.kind == "txn_lock_not_found":
        ke.txn_lock_not_found.key = f["key"]
        ke.retryable = f["text"]  # older clients read the text
    elif e.kind == "commit_ts_expired":
        ke.commit_ts_expired.start_ts = f["start_ts"]
        ke.commit_ts_expired.attempted_commit_ts = f["attempted_commit_ts"]
        ke.commit_ts_expired.key = f["key"]
        ke.commit_ts_expired.min_commit_ts = f["min_commit_ts"]
    elif e.kind == "primary_mismatch":
        ke.primary_mismatch.lock_info.CopyFrom(lock_info(f["lock"]))
    elif e.kind == "abort":
        ke.abort = f["text"]
    else:
        ke.abort = repr(e)
    return ke


class RegionError(Exception):
    def __init__(self, err):
        super().__init__(err.message)
        self.err = err


def err_not_leader(r, hint=True):
    e = errorpb.Error(message="peer is not leader for region %d" % r.id)
    e.not_leader.region_id = r.id
    if hint:
        e.not_leader.leader.CopyFrom(leader_pb(r))
        e.message += ", leader may be store %d" % r.leader
    return e


def err_region_not_found(rid):
    e = errorpb.Error(message="region %d is not found" % rid)
    e.region_not_found.region_id = rid
    return e


def err_epoch_not_match(regions):
    e = errorpb.Error(message="epoch not match")
    e.epoch_not_match.SetInParent()
    for r in regions:
        e.epoch_not_match.current_regions.add().CopyFrom(region_pb(r))
    return e


def err_key_not_in_region(key, r):
    e = errorpb.Error(message="key %s is not in region %d" % (key.hex(), r.id))
    k = e.key_not_in_region
    k.key, k.region_id, k.start_key, k.end_key = key, r.id, r.start, r.end
    return e


class TikvService:
    """Handlers for one store; `cluster` is shared by every store."""

    def __init__(self, cluster, store_id):
        self.c = cluster
        self.sid = store_id

    # ---- the gate ----------------------------------------------------------------
    def _siblings(self, r, req_version):
        """Current region plus neighbours newer than the client's epoch
        (TiKV attaches split siblings to EpochNotMatch)."""
        out = [r]
        i = self.c.regions.index(r)
        j = i - 1
        while j >= 0 and self.c.regions[j].version > req_version and len(out) < 8:
            out.insert(0, self.c.regions[j])
            j -= 1
        j = i + 1
        while j < len(self.c.regions) and self.c.regions[j].version > req_version and len(out) < 16:
            out.append(self.c.regions[j])
            j += 1
        return out

    def check_context(self, ctx, context):
        """The region of ctx if this store may serve it; raises RegionError."""
        c = self.c
        if ctx.cluster_id and ctx.cluster_id != c.cluster_id:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          "cluster id mismatch: request %d, store %d" % (ctx.cluster_id, c.cluster_id))
        r = c.region_by_id(ctx.region_id)
        if r is None or r.peer_on(self.sid) is None:
            raise RegionError(err_region_not_found(ctx.region_id))
        if ctx.peer.store_id != self.sid:
            e = errorpb.Error(message="store not match: request %d, actual %d"
                              % (ctx.peer.store_id, self.sid))
            e.store_not_match.request_store_id = ctx.peer.store_id
            e.store_not_match.actual_store_id = self.sid
            raise RegionError(e)
        own = r.peer_on(self.sid)
        if ctx.peer.id != own:
            e = errorpb.Error(message="mismatch peer id %d != %d" % (ctx.peer.id, own))
            e.mismatch_peer_id.request_peer_id = ctx.peer.id
            e.mismatch_peer_id.store_peer_id = own
            raise RegionError(e)
        if r.leader != self.sid:
            raise RegionError(err_not_leader(r))
        if not ctx.HasField("region_epoch"):
            raise RegionError(errorpb.Error(message="missing epoch!"))
        if ctx.region_epoch.version != r.version:
            raise RegionError(err_epoch_not_match(self._siblings(r, ctx.region_epoch.version)))
        return r

    @staticmethod
    def check_keys(r, keys):
        for k in keys:
            if not r.contains_enc(encode_bytes(k)):
                raise RegionError(err_key_not_in_region(k, r))

    def injected(self, f, ctx):
        """The region error of an injected fault, built from the real region."""
        r = self.c.region_by_id(ctx.region_id)
        if f.kind == "RegionNotFound" or r is None:
            return err_region_not_found(ctx.region_id)
        if f.kind == "NotLeader":
            return err_not_leader(r)
        if f.kind == "NotLeaderNoHint":
            return err_not_leader(r, hint=False)
        if f.kind == "EpochNotMatch":
            return err_epoch_not_match([r])
        if f.kind == "ServerIsBusy":
            e = errorpb.Error(message="server is busy (injected)")
            e.server_is_busy.reason = "injected"
            e.server_is_busy.backoff_ms = f.arg
            return e
        if f.kind == "StaleCommand":
            e = errorpb.Error(message="stale command")
            e.stale_command.SetInParent()
            return e
        if f.kind == "Undetermined":
            e = errorpb.Error(message="result undetermined (injected)")
            e.undetermined_result.message = "injected"
            return e
        raise AssertionError(f.kind)

    def serve(self, method, req, context, resp_cls, body):
        """Run one request through faults, the gate and body(region, resp)."""
        c = self.c
        with c.mu:
            c.count(method)
        f = c.take_fault(method, self.sid, wild=True)
        if f is not None:
            if f.kind == "Delay":
                time.sleep(f.arg / 1000.0)
            elif f.kind == "Drop":
                context.abort(grpc.StatusCode.UNAVAILABLE, "connection dropped (injected)")
        resp = resp_cls()
        with c.mu:
            if f is not None and f.kind in REGION_FAULTS and f.kind != "Undetermined":
                resp.region_error.CopyFrom(self.injected(f, req.context))
                return resp
            self.check_crash(method, req, context)
            try:
                r = self.check_context(req.context, context)
                if method in RAFT_WRITES and req.ByteSize() > c.raft_entry_max:
                    e = errorpb.Error(message="raft entry is too large, region %d, entry size %d"
                                      % (r.id, req.ByteSize()))
                    e.raft_entry_too_large.region_id = r.id
                    e.raft_entry_too_large.entry_size = req.ByteSize()
                    raise RegionError(e)
                body(r, resp)
            except RegionError as e:
                resp.Clear()
                resp.region_error.CopyFrom(e.err)
                return resp
            if f is not None and f.kind == "Undetermined":
                resp.Clear()
                resp.region_error.CopyFrom(self.injected(f, req.context))
        if f is not None and f.kind == "DropAfter":
            context.abort(grpc.StatusCode.UNAVAILABLE, "response lost (injected, request applied)")
        return resp

    def check_crash(self, method, req, context):
        """crash_after_prewrite: the commit of an armed primary, and every
        later commit/rollback/heartbeat of that txn, vanish unapplied."""
        c = self.c
        if method == "KvCommit" and c.crash_primaries.intersection(req.keys):
            c.crash_primaries.difference_update(req.keys)
            c.crashed_txns.add(req.start_version)
        if method in ("KvCommit", "KvBatchRollback") and req.start_version in c.crashed_txns:
            context.abort(grpc.StatusCode.UNAVAILABLE, "writer crashed (injected)")
        if method == "KvTxnHeartBeat" and req.start_version in c.crashed_txns:
            context.abort(grpc.StatusCode.UNAVAILABLE, "writer crashed (injected)")

    # ---- reads ---------------------------------------------------------------------
    @staticmethod
    def _snapshot_sets(ctx):
        return set(ctx.resolved_locks), set(ctx.committed_locks)

    def KvGet(self, req, context):
        def body(r, resp):
            self.check_keys(r, [req.key])
            res, com = self._snapshot_sets(req.context)
            try:
                got = self.c.mvcc.read(req.key, req.version, res, com)
            except KeyErr as e:
                resp.error.CopyFrom(key_error(e))
                return
            if got is None:
                resp.not_found = True
            else:
                resp.value = got[0]
                if req.need_commit_ts:
                    resp.commit_ts = got[1]
        return self.serve("KvGet", req, context, kvrpcpb.GetResponse, body)

    def KvBatchGet(self, req, context):
        def body(r, resp):
            self.check_keys(r, req.keys)
            res, com = self._snapshot_sets(req.context)
            for k in req.keys:
                try:
                    got = self.c.mvcc.read(k, req.version, res, com)
                except KeyErr as e:
                    resp.pairs.add().error.CopyFrom(key_error(e))  # key left empty, as TiKV
                    continue
                if got is not None:
                    p = resp.pairs.add(key=k, value=got[0])
                    if req.need_commit_ts:
                        p.commit_ts = got[1]
        return self.serve("KvBatchGet", req, context, kvrpcpb.BatchGetResponse, body)

    def KvScan(self, req, context):
        def body(r, resp):
            rs, re = r.raw_start(), r.raw_end()
            if req.reverse:
                hi = req.start_key            # exclusive upper bound, always concrete
                lo = req.end_key if req.end_key else None
            else:
                lo = req.start_key
                hi = req.end_key if req.end_key else None
            # TiKV's SnapshotStore::verify_range
            if lo is not None and r.start and encode_bytes(lo) < r.start:
                resp.error.abort = "InvalidReqRange { start: %s, lower_bound: %s }" % (lo.hex(), rs.hex())
                return
            if hi is not None and r.end and encode_bytes(hi) > r.end:
                resp.error.abort = "InvalidReqRange { end: %s, upper_bound: %s }" % (hi.hex(), re.hex())
                return
            lo = rs if lo is None or lo < rs else lo
            if hi is None or (re is not None and hi > re):
                hi = re
            if hi is not None and lo >= hi:
                return
            res, com = self._snapshot_sets(req.context)
            for k, v, cts, err in self.c.mvcc.scan(lo, hi, req.version, req.limit,
                                                   req.reverse, res, com):
                if err is not None:
                    resp.pairs.add().error.CopyFrom(key_error(err))
                else:
                    resp.pairs.add(key=k, value=b"" if req.key_only else v)
        return self.serve("KvScan", req, context, kvrpcpb.ScanResponse, body)

    # ---- writes ----------------------------------------------------------------------
    def KvPrewrite(self, req, context):
        def body(r, resp):
            self.check_keys(r, [m.key for m in req.mutations])
            if req.for_update_ts:
                resp.errors.add().abort = "pessimistic prewrite is not supported by the fake"
                return
            muts = [(OP_NAME.get(m.op, str(m.op)), m.key, m.value) for m in req.mutations]
            errs = self.c.mvcc.prewrite(muts, req.primary_lock, req.start_version,
                                        req.lock_ttl, req.min_commit_ts, req.txn_size,
                                        lambda k: len(encode_bytes(k)))
            for e in errs:
                resp.errors.add().CopyFrom(key_error(e))
            # Async commit and 1PC are not offered: min_commit_ts = 0 and
            # one_pc_commit_ts = 0 tell the client to use normal 2PC.
        return self.serve("KvPrewrite", req, context, kvrpcpb.PrewriteResponse, body)

    def KvCommit(self, req, context):
        def body(r, resp):
            self.check_keys(r, req.keys)
            e = self.c.mvcc.commit(list(req.keys), req.start_version, req.commit_version)
            if e is not None:
                resp.error.CopyFrom(key_error(e))
        return self.serve("KvCommit", req, context, kvrpcpb.CommitResponse, body)

    def KvBatchRollback(self, req, context):
        def body(r, resp):
            self.check_keys(r, req.keys)
            e = self.c.mvcc.batch_rollback(list(req.keys), req.start_version)
            if e is not None:
                resp.error.CopyFrom(key_error(e))
        return self.serve("KvBatchRollback", req, context, kvrpcpb.BatchRollbackResponse, body)

    def KvCleanup(self, req, context):
        def body(r, resp):
            self.check_keys(r, [req.key])
            cts, e = self.c.mvcc.cleanup(req.key, req.start_version, req.current_ts)
            if e is not None:
                resp.error.CopyFrom(key_error(e))
            resp.commit_version = cts
        return self.serve("KvCleanup", req, context, kvrpcpb.CleanupResponse, body)

    # ---- lock resolution ---------------------------------------------------------------
    def KvCheckTxnStatus(self, req, context):
        def body(r, resp):
            self.check_keys(r, [req.primary_key])
            try:
                st = self.c.mvcc.check_txn_status(
                    req.primary_key, req.lock_ts, req.caller_start_ts, req.current_ts,
                    req.rollback_if_not_exist, req.verify_is_primary,
                    req.resolving_pessimistic_lock, req.force_sync_commit)
            except KeyErr as e:
                resp.error.CopyFrom(key_error(e))
                return
            resp.lock_ttl = st["lock_ttl"]
            resp.commit_version = st["commit_version"]
            resp.action = st["action"]
            if st["lock"] is not None:
                resp.lock_info.CopyFrom(lock_info(st["lock"]))
                resp.lock_info.secondaries.extend(st["lock"].secondaries)
        return self.serve("KvCheckTxnStatus", req, context, kvrpcpb.CheckTxnStatusResponse, body)

    def KvResolveLock(self, req, context):
        def body(r, resp):
            self.check_keys(r, req.keys)
            if req.start_version:
                txns = {req.start_version: req.commit_version}
            else:
                txns = {t.txn: t.status for t in req.txn_infos}
            if req.keys and not req.start_version:
                resp.error.abort = "ResolveLock with keys needs start_version"
                return
            e = self.c.mvcc.resolve_lock(txns, list(req.keys), r.raw_start(), r.raw_end())
            if e is not None:
                resp.error.CopyFrom(key_error(e))
        return self.serve("KvResolveLock", req, context, kvrpcpb.ResolveLockResponse, body)

    def KvTxnHeartBeat(self, req, context):
        def body(r, resp):
            self.check_keys(r, [req.primary_lock])
            try:
                resp.lock_ttl = self.c.mvcc.txn_heart_beat(req.primary_lock, req.start_version,
                                                           req.advise_lock_ttl)
            except KeyErr as e:
                resp.error.CopyFrom(key_error(e))
        return self.serve("KvTxnHeartBeat", req, context, kvrpcpb.TxnHeartBeatResponse, body)

    def KvCheckSecondaryLocks(self, req, context):
        def body(r, resp):
            self.check_keys(r, req.keys)
            locks, cts = self.c.mvcc.check_secondary_locks(list(req.keys), req.start_version)
            for lk in locks:
                resp.locks.add().CopyFrom(lock_info(lk))
            resp.commit_ts = cts
        return self.serve("KvCheckSecondaryLocks", req, context,
                          kvrpcpb.CheckSecondaryLocksResponse, body)

    def KVPessimisticRollback(self, req, context):
        def body(r, resp):
            self.check_keys(r, req.keys)
            self.c.mvcc.pessimistic_rollback(list(req.keys), req.start_version,
                                             req.for_update_ts)
        return self.serve("KVPessimisticRollback", req, context,
                          kvrpcpb.PessimisticRollbackResponse, body)

    def _clip(self, r, lo, hi):
        """Raw [lo, hi) intersected with the region, or an InvalidReqRange text."""
        rs, re = r.raw_start(), r.raw_end()
        if lo and r.start and encode_bytes(lo) < r.start:
            return None, None, "InvalidReqRange { start: %s }" % lo.hex()
        if hi and r.end and encode_bytes(hi) > r.end:
            return None, None, "InvalidReqRange { end: %s }" % hi.hex()
        lo = max(lo or b"", rs)
        hi = hi or re
        if re is not None and hi is not None and hi > re:
            hi = re
        return lo, hi, None

    def KvScanLock(self, req, context):
        def body(r, resp):
            lo, hi, err = self._clip(r, req.start_key, req.end_key)
            if err:
                resp.error.abort = err
                return
            for lk in self.c.mvcc.scan_lock(req.max_version, lo, hi, req.limit):
                resp.locks.add().CopyFrom(lock_info(lk))
        return self.serve("KvScanLock", req, context, kvrpcpb.ScanLockResponse, body)

    def KvDeleteRange(self, req, context):
        def body(r, resp):
            lo, hi, err = self._clip(r, req.start_key, req.end_key)
            if err:
                resp.error = err
                return
            if not req.notify_only:
                self.c.mvcc.delete_range(lo, hi)
        return self.serve("KvDeleteRange", req, context, kvrpcpb.DeleteRangeResponse, body)

    # ---- registration -------------------------------------------------------------------
    METHODS = {
        "KvGet": (kvrpcpb.GetRequest, kvrpcpb.GetResponse),
        "KvScan": (kvrpcpb.ScanRequest, kvrpcpb.ScanResponse),
        "KvBatchGet": (kvrpcpb.BatchGetRequest, kvrpcpb.BatchGetResponse),
        "KvPrewrite": (kvrpcpb.PrewriteRequest, kvrpcpb.PrewriteResponse),
        "KvCommit": (kvrpcpb.CommitRequest, kvrpcpb.CommitResponse),
        "KvBatchRollback": (kvrpcpb.BatchRollbackRequest, kvrpcpb.BatchRollbackResponse),
        "KvCleanup": (kvrpcpb.CleanupRequest, kvrpcpb.CleanupResponse),
        "KvCheckTxnStatus": (kvrpcpb.CheckTxnStatusRequest, kvrpcpb.CheckTxnStatusResponse),
        "KvResolveLock": (kvrpcpb.ResolveLockRequest, kvrpcpb.ResolveLockResponse),
        "KvTxnHeartBeat": (kvrpcpb.TxnHeartBeatRequest, kvrpcpb.TxnHeartBeatResponse),
        "KvCheckSecondaryLocks": (kvrpcpb.CheckSecondaryLocksRequest,
                                  kvrpcpb.CheckSecondaryLocksResponse),
        "KvScanLock": (kvrpcpb.ScanLockRequest, kvrpcpb.ScanLockResponse),
        "KVPessimisticRollback": (kvrpcpb.PessimisticRollbackRequest,
                                  kvrpcpb.PessimisticRollbackResponse),
        "KvDeleteRange": (kvrpcpb.DeleteRangeRequest, kvrpcpb.DeleteRangeResponse),
    }

    def generic_handler(self):
        handlers = {}
        for name, (req_cls, resp_cls) in self.METHODS.items():
            handlers[name] = grpc.unary_unary_rpc_method_handler(
                getattr(self, name), request_deserializer=req_cls.FromString,
                response_serializer=resp_cls.SerializeToString)
        return grpc.method_handlers_generic_handler("tikvpb.Tikv", handlers)
