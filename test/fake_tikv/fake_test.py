#!/usr/bin/python3
"""The fake cluster's own tests: it conflicts, locks and resolves as TiKV
does (facts sheet, sections 2-4). Starts the fake with start.sh, talks to it
over gRPC with the thin pyclient, prints "ok - NAME" / "not ok - NAME".
"""
import os
import sys
import subprocess
import time
import traceback

if os.environ.get("LD_PRELOAD"):
    # test/run preloads ASan under SAN=1; Python and grpcio are not built for it.
    env = dict(os.environ)
    del env["LD_PRELOAD"]
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import grpc  # noqa: E402

from codec import encode_bytes, decode_bytes  # noqa: E402
from pb import kvrpcpb, pdpb  # noqa: E402
from pyclient import Client, Ctl  # noqa: E402

PUT, DEL, INSERT, LOCK = kvrpcpb.Put, kvrpcpb.Del, kvrpcpb.Insert, kvrpcpb.Lock
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def no_errors(resp):
    check(not resp.HasField("region_error"), "region error: %s" % resp.region_error)
    errs = list(resp.errors) if hasattr(resp, "errors") else []
    if hasattr(resp, "error") and not isinstance(resp.error, str) and resp.HasField("error"):
        errs.append(resp.error)
    check(not errs, "key errors: %s" % errs)
    return resp


def rpc_code(fn):
    try:
        fn()
    except grpc.RpcError as e:
        return e.code()
    return None


# ---- PD ---------------------------------------------------------------------------------
@test
def pd_members(cl, ctl, env):
    m = cl.pd_call(env["pd"][1], "GetMembers", pdpb.GetMembersRequest())
    check(m.header.cluster_id == cl.cluster_id and cl.cluster_id != 0, "cluster id")
    urls = sorted(u for mem in m.members for u in mem.client_urls)
    check(urls == sorted("http://" + a for a in env["pd"]), "client urls %s" % urls)
    check(m.leader.client_urls[0] == "http://" + env["pd"][0], "leader")


@test
def pd_follower_and_cluster_id(cl, ctl, env):
    req = pdpb.GetRegionRequest(region_key=encode_bytes(b"a"))
    req.header.cluster_id = cl.cluster_id
    code = rpc_code(lambda: cl.pd_call(env["pd"][1], "GetRegion", req))
    check(code == grpc.StatusCode.UNAVAILABLE, "follower answered %s" % code)
    req.header.cluster_id = cl.cluster_id + 1
    code = rpc_code(lambda: cl.pd_call(env["pd"][0], "GetRegion", req))
    check(code == grpc.StatusCode.FAILED_PRECONDITION, "wrong cluster id gave %s" % code)
    s = cl.tso_stream(cluster_id=cl.cluster_id + 1)
    code = rpc_code(lambda: s.send(1))
    s.close()
    check(code == grpc.StatusCode.FAILED_PRECONDITION, "Tso with wrong cluster id gave %s" % code)
    r = cl.pd("GetStore", store_id=99)
    check(r.header.error.type == pdpb.UNKNOWN and not r.HasField("store"), "unknown store")


@test
def tso_monotonic_and_batches(cl, ctl, env):
    s = cl.tso_stream()
    last = 0
    for count in (1, 10, 3, 1, 100, 7):
        r = s.send(count)
        check(r.count == count, "count echoed")
        largest = (r.timestamp.physical << 18) | r.timestamp.logical
        first = largest - count + 1
        check(first > last, "batch [%d..%d] overlaps previous %d" % (first, largest, last))
        check(r.timestamp.physical > 1600000000000, "physical is Unix ms")
        last = largest
    s.close()
    s = cl.tso_stream()
    check(rpc_code(lambda: s.send(0)) is not None, "count 0 must fail")
    s.close()
    check(cl.ts() > last, "a new stream continues above the last ts")


@test
def regions_encoded(cl, ctl, env):
    region, leader = cl.locate(b"h")
    check(decode_bytes(region.start_key) == b"g" and decode_bytes(region.end_key) == b"n",
          "h in [g,n): %r %r" % (region.start_key, region.end_key))
    check(region.start_key == encode_bytes(b"g"), "boundaries are encoded")
    check(leader.store_id != 0 and leader.id in [p.id for p in region.peers], "leader peer")
    # PD compares encoded keys: an unencoded "g" sorts before Encode("g") and
    # lands in the previous region, as it would on a real PD
    raw = cl.pd("GetRegion", region_key=b"g").region
    enc = cl.pd("GetRegion", region_key=encode_bytes(b"g")).region
    check(raw.end_key == encode_bytes(b"g") and enc.start_key == encode_bytes(b"g"),
          "raw key goes to the wrong region")
    first, _ = cl.locate(b"")
    check(first.start_key == b"" and decode_bytes(first.end_key) == b"g", "first region")
    prev = cl.pd("GetPrevRegion", region_key=encode_bytes(b"n"))
    check(decode_bytes(prev.region.end_key) == b"n" and prev.region.id == region.id, "prev of n")
    none = cl.pd("GetPrevRegion", region_key=encode_bytes(b"a"))
    check(not none.HasField("region"), "no region before the first")
    sr = cl.pd("ScanRegions", start_key=encode_bytes(b"h"), end_key=encode_bytes(b"u"), limit=0)
    check([decode_bytes(r.region.start_key) for r in sr.regions] == [b"g", b"n", b"t"],
          "scan regions h..u")
    check(len(sr.region_metas) == 3 and len(sr.leaders) == 3, "parallel arrays")
    by_id = cl.pd("GetRegionByID", region_id=region.id)
    check(by_id.region == region, "by id")
    st = cl.pd("GetAllStores")
    check(len(st.stores) == 3 and all(":" in s.address and "//" not in s.address for s in st.stores),
          "stores host:port")


# ---- Percolator -------------------------------------------------------------------------------
@test
def write_conflict(cl, ctl, env):
    t1 = cl.ts()
    t2 = cl.ts()
    no_errors(cl.prewrite([(PUT, b"k1", b"v2")], b"k1", t2))
    c2 = cl.ts()
    no_errors(cl.commit([b"k1"], t2, c2))
    r = cl.prewrite([(PUT, b"k1", b"v1")], b"k1", t1)
    check(len(r.errors) == 1 and r.errors[0].HasField("conflict"), "conflict expected: %s" % r)
    wc = r.errors[0].conflict
    check(wc.start_ts == t1 and wc.conflict_ts == t2 and wc.conflict_commit_ts == c2
          and wc.key == b"k1" and wc.reason == kvrpcpb.WriteConflict.Optimistic, str(wc))
    check(ctl.ok("mvcc 6b31").startswith("lock=none"), "no lock left by a failed prewrite")
    got = cl.get(b"k1", cl.ts())
    check(got.value == b"v2", "winner's value")


@test
def prewrite_over_foreign_lock(cl, ctl, env):
    t1 = cl.ts()
    no_errors(cl.prewrite([(PUT, b"a", b"1"), (PUT, b"b", b"1")], b"a", t1))
    t2 = cl.ts()
    r = cl.prewrite([(PUT, b"b", b"2"), (PUT, b"c", b"2")], b"b", t2)
    check(len(r.errors) == 1 and r.errors[0].HasField("locked"), "locked: %s" % r)
    li = r.errors[0].locked
    check(li.key == b"b" and li.lock_version == t1 and li.primary_lock == b"a"
          and li.lock_ttl == 3000 and li.lock_type == kvrpcpb.Put, str(li))
    check(ctl.ok("mvcc 63") == "lock=none", "all or nothing: c not locked")
    # the same prewrite again is idempotent
    no_errors(cl.prewrite([(PUT, b"a", b"1"), (PUT, b"b", b"1")], b"a", t1))


@test
def read_meets_lock(cl, ctl, env):
    s0, c0 = cl.put(b"h1", b"old")
    t = cl.ts()
    no_errors(cl.prewrite([(PUT, b"h1", b"new"), (PUT, b"h2", b"new")], b"h1", t))
    before = cl.get(b"h1", t - 1)
    check(before.value == b"old" and not before.HasField("error"), "snapshot below the lock")
    r = cl.get(b"h1", cl.ts())
    check(r.HasField("error") and r.error.locked.lock_version == t, "get meets lock: %s" % r)
    bg = cl.kv("KvBatchGet", b"h1", keys=[b"h1", b"h2", b"h3"], version=cl.ts())
    errs = [p for p in bg.pairs if p.HasField("error")]
    check(len(errs) == 2 and all(p.key == b"" for p in errs)
          and sorted(p.error.locked.key for p in errs) == [b"h1", b"h2"], "batch get: %s" % bg)
    sc = cl.kv("KvScan", b"h", start_key=b"h", end_key=b"i", limit=10, version=cl.ts())
    check(len(sc.pairs) == 2 and all(p.HasField("error") for p in sc.pairs), "scan: %s" % sc)
    # resolved_locks lets a reader skip the lock; committed_locks reads through it
    region, leader = cl.locate(b"h1")
    ctx = cl.ctx_for(region, leader)
    ctx.resolved_locks.append(t)
    r = cl.kv_call(cl.store_addr(leader.store_id), "KvGet",
                   kvrpcpb.GetRequest(context=ctx, key=b"h1", version=cl.ts()))
    check(r.value == b"old", "resolved_locks skips the lock")
    del ctx.resolved_locks[:]
    ctx.committed_locks.append(t)
    r = cl.kv_call(cl.store_addr(leader.store_id), "KvGet",
                   kvrpcpb.GetRequest(context=ctx, key=b"h1", version=cl.ts()))
    check(r.value == b"new", "committed_locks reads through the lock")
    # a Lock-type lock never blocks readers
    t3 = cl.ts()
    no_errors(cl.prewrite([(LOCK, b"j1", b"")], b"j1", t3))
    check(not cl.get(b"j1", cl.ts()).HasField("error"), "Lock op does not block")


@test
def check_txn_status_expired_rolls_back(cl, ctl, env):
    t = cl.ts()
    no_errors(cl.prewrite([(PUT, b"p", b"x"), (PUT, b"q", b"x")], b"p", t, ttl=500))
    st = cl.kv("KvCheckTxnStatus", b"p", primary_key=b"p", lock_ts=t, caller_start_ts=t + 5,
               current_ts=cl.ts(), verify_is_primary=True)
    check(st.lock_ttl == 500 and st.commit_version == 0 and st.lock_info.key == b"p",
          "alive: %s" % st)
    ctl.ok("advance_time 1000")
    now = cl.ts()
    st = cl.kv("KvCheckTxnStatus", b"p", primary_key=b"p", lock_ts=t, caller_start_ts=now,
               current_ts=now, verify_is_primary=True)
    check(st.lock_ttl == 0 and st.commit_version == 0
          and st.action == kvrpcpb.TTLExpireRollback, "expired: %s" % st)
    check(ctl.ok("mvcc 70") == "lock=none Rollback@%d/%d" % (t, t), ctl.ok("mvcc 70"))
    # the writer's late commit now fails: TxnLockNotFound
    r = cl.commit([b"p"], t, cl.ts())
    check(r.error.HasField("txn_lock_not_found") and r.error.retryable, "late commit: %s" % r)
    # asking again: rolled back, nothing more to do
    st = cl.kv("KvCheckTxnStatus", b"p", primary_key=b"p", lock_ts=t, current_ts=cl.ts())
    check(st.lock_ttl == 0 and st.commit_version == 0 and not st.HasField("error"), "again")
    # the orphan secondary q: resolved as rolled back
    no_errors(cl.kv("KvResolveLock", b"q", start_version=t, commit_version=0))
    check(ctl.ok("mvcc 71").startswith("lock=none Rollback"), "q rolled back")
    check(cl.get(b"q", cl.ts()).not_found, "q absent")


@test
def check_txn_status_committed_rolls_forward(cl, ctl, env):
    t = cl.ts()
    no_errors(cl.prewrite([(PUT, b"a5", b"1")], b"a5", t))        # primary, region 1
    no_errors(cl.prewrite([(PUT, b"h5", b"2")], b"a5", t))        # secondary, region 2
    c = cl.ts()
    no_errors(cl.commit([b"a5"], t, c))                            # then the writer "dies"
    reader = cl.ts()
    r = cl.get(b"h5", reader)
    check(r.error.locked.primary_lock == b"a5", "reader meets the secondary lock")
    st = cl.kv("KvCheckTxnStatus", b"a5", primary_key=b"a5", lock_ts=t,
               caller_start_ts=reader, current_ts=cl.ts(), verify_is_primary=True)
    check(st.commit_version == c and st.lock_ttl == 0, "committed: %s" % st)
    no_errors(cl.kv("KvResolveLock", b"h5", start_version=t, commit_version=c))
    r = cl.get(b"h5", reader)
    check(r.value == b"2", "rolled forward: %s" % r)
    check(ctl.ok("mvcc 6835") == "lock=none Put@%d/%d" % (c, t), "write record at commit ts")


@test
def check_txn_status_pushes_and_not_found(cl, ctl, env):
    t = cl.ts()
    no_errors(cl.prewrite([(PUT, b"m1", b"1")], b"m1", t))
    reader = cl.ts()
    st = cl.kv("KvCheckTxnStatus", b"m1", primary_key=b"m1", lock_ts=t, caller_start_ts=reader,
               current_ts=reader, verify_is_primary=True)
    check(st.action == kvrpcpb.MinCommitTSPushed and st.lock_info.min_commit_ts > reader,
          "pushed: %s" % st)
    check(not cl.get(b"m1", reader).HasField("error"), "pushed lock no longer blocks reader")
    r = cl.commit([b"m1"], t, reader)  # below the pushed min_commit_ts
    check(r.error.HasField("commit_ts_expired")
          and r.error.commit_ts_expired.min_commit_ts == st.lock_info.min_commit_ts, str(r))
    no_errors(cl.commit([b"m1"], t, cl.ts()))
    # secondary lock of a txn whose primary was never prewritten
    t2 = cl.ts()
    no_errors(cl.prewrite([(PUT, b"h9", b"1")], b"a9", t2))
    st = cl.kv("KvCheckTxnStatus", b"a9", primary_key=b"a9", lock_ts=t2, current_ts=cl.ts())
    check(st.error.txn_not_found.start_ts == t2, "txn not found: %s" % st)
    st = cl.kv("KvCheckTxnStatus", b"a9", primary_key=b"a9", lock_ts=t2, current_ts=cl.ts(),
               rollback_if_not_exist=True)
    check(st.action == kvrpcpb.LockNotExistRollback and not st.HasField("error"), str(st))
    r = cl.prewrite([(PUT, b"a9", b"1")], b"a9", t2)   # the late primary prewrite
    check(r.errors and r.errors[0].conflict.reason == kvrpcpb.WriteConflict.SelfRolledBack,
          "late primary prewrite refused: %s" % r)
    # verify_is_primary on a secondary
    st = cl.kv("KvCheckTxnStatus", b"h9", primary_key=b"h9", lock_ts=t2, current_ts=cl.ts(),
               verify_is_primary=True)
    check(st.error.HasField("primary_mismatch"), "primary mismatch: %s" % st)


@test
def resolve_lock_whole_region(cl, ctl, env):
    t = cl.ts()
    no_errors(cl.prewrite([(PUT, b"h1", b"1"), (PUT, b"h2", b"2"), (DEL, b"h3", b"")], b"h1", t))
    t_other = cl.ts()
    no_errors(cl.prewrite([(PUT, b"i1", b"x")], b"i1", t_other))
    c = cl.ts()
    no_errors(cl.kv("KvResolveLock", b"h1", start_version=t, commit_version=c))
    locks = ctl.ok("dump_locks").split()
    check(locks[0] == "1" and locks[1].startswith("6931:"), "only the other txn's lock: %s" % locks)
    check(cl.get(b"h2", cl.ts()).value == b"2", "committed")
    sl = cl.kv("KvScanLock", b"h", max_version=cl.ts(), start_key=b"h", limit=10)
    check([lk.key for lk in sl.locks] == [b"i1"], "scan lock")
    sl = cl.kv("KvScanLock", b"h", max_version=t_other - 1, start_key=b"h", limit=10)
    check(len(sl.locks) == 0, "scan lock max_version")
    # batch form: txn_infos
    txn = kvrpcpb.TxnInfo(txn=t_other, status=0)
    no_errors(cl.kv("KvResolveLock", b"h1", txn_infos=[txn]))
    check(ctl.ok("dump_locks") == "0", "rolled back by txn_infos")


@test
def insert_already_exist(cl, ctl, env):
    cl.put(b"u1", b"x")
    t = cl.ts()
    r = cl.prewrite([(INSERT, b"u1", b"y")], b"u1", t)
    check(len(r.errors) == 1 and r.errors[0].already_exist.key == b"u1", str(r))
    no_errors(cl.prewrite([(INSERT, b"u2", b"y")], b"u2", t))
    no_errors(cl.commit([b"u2"], t, cl.ts()))
    # after a delete the key may be inserted again
    t = cl.ts()
    no_errors(cl.prewrite([(DEL, b"u1", b"")], b"u1", t))
    no_errors(cl.commit([b"u1"], t, cl.ts()))
    t = cl.ts()
    no_errors(cl.prewrite([(INSERT, b"u1", b"z")], b"u1", t))
    r = cl.prewrite([(kvrpcpb.CheckNotExists, b"u2", b"")], b"u2", cl.ts())
    check(r.errors and r.errors[0].HasField("already_exist"), "CheckNotExists")


@test
def rollback_blocks_late_prewrite(cl, ctl, env):
    t = cl.ts()
    no_errors(cl.kv("KvBatchRollback", b"r1", keys=[b"r1", b"r2"], start_version=t))
    r = cl.prewrite([(PUT, b"r1", b"v")], b"r1", t)
    check(r.errors and r.errors[0].conflict.reason == kvrpcpb.WriteConflict.SelfRolledBack, str(r))
    # rolling back a prewritten txn removes its locks
    t2 = cl.ts()
    no_errors(cl.prewrite([(PUT, b"r3", b"v")], b"r3", t2))
    no_errors(cl.kv("KvBatchRollback", b"r3", keys=[b"r3"], start_version=t2))
    check(ctl.ok("mvcc 7233") == "lock=none Rollback@%d/%d" % (t2, t2), ctl.ok("mvcc 7233"))
    r = cl.commit([b"r3"], t2, cl.ts())
    check(r.error.HasField("txn_lock_not_found"), "commit after rollback")
    # rolling back a committed txn fails
    s, _ = cl.put(b"r4", b"v")
    r = cl.kv("KvBatchRollback", b"r4", keys=[b"r4"], start_version=s)
    check(r.error.abort, "rollback of committed: %s" % r)
    # a commit resent after success is fine
    no_errors(cl.commit([b"r4"], s, cl.ts()))


@test
def heartbeat_extends_ttl(cl, ctl, env):
    t = cl.ts()
    no_errors(cl.prewrite([(PUT, b"hb", b"v")], b"hb", t, ttl=300))
    r = no_errors(cl.kv("KvTxnHeartBeat", b"hb", primary_lock=b"hb", start_version=t,
                        advise_lock_ttl=60000))
    check(r.lock_ttl == 60000, "ttl raised")
    r = no_errors(cl.kv("KvTxnHeartBeat", b"hb", primary_lock=b"hb", start_version=t,
                        advise_lock_ttl=10))
    check(r.lock_ttl == 60000, "never lowered")
    ctl.ok("advance_time 5000")
    st = cl.kv("KvCheckTxnStatus", b"hb", primary_key=b"hb", lock_ts=t, current_ts=cl.ts(),
               caller_start_ts=0)
    check(st.lock_ttl == 60000, "still alive after 5 s: %s" % st)
    r = cl.kv("KvTxnHeartBeat", b"hb", primary_lock=b"hc", start_version=t, advise_lock_ttl=1)
    check(r.error.HasField("txn_not_found"), "heartbeat without lock")


@test
def check_secondary_locks(cl, ctl, env):
    t = cl.ts()
    no_errors(cl.prewrite([(PUT, b"s1", b"v"), (PUT, b"s2", b"v")], b"s1", t))
    r = cl.kv("KvCheckSecondaryLocks", b"s1", keys=[b"s1", b"s2"], start_version=t)
    check(len(r.locks) == 2 and r.commit_ts == 0, str(r))
    c = cl.ts()
    no_errors(cl.commit([b"s1"], t, c))
    r = cl.kv("KvCheckSecondaryLocks", b"s1", keys=[b"s2", b"s1"], start_version=t)
    check(r.commit_ts == c and len(r.locks) == 0, "committed: %s" % r)
    r = cl.kv("KvCheckSecondaryLocks", b"s1", keys=[b"s3"], start_version=t)
    check(len(r.locks) == 0 and r.commit_ts == 0, "missing key")
    check(ctl.ok("mvcc 7333").endswith("Rollback@%d/%d" % (t, t)), "rollback record written")


@test
def cleanup_legacy(cl, ctl, env):
    t = cl.ts()
    no_errors(cl.prewrite([(PUT, b"cl", b"v")], b"cl", t, ttl=100000))
    r = cl.kv("KvCleanup", b"cl", key=b"cl", start_version=t, current_ts=cl.ts())
    check(r.error.HasField("locked"), "alive lock not cleaned")
    r = no_errors(cl.kv("KvCleanup", b"cl", key=b"cl", start_version=t, current_ts=0))
    check(ctl.ok("mvcc 636c").startswith("lock=none Rollback"), "cleaned")


# ---- scans --------------------------------------------------------------------------------------
def load(cl, keys):
    t = cl.ts()
    by_region = {}
    for k in keys:
        by_region.setdefault(cl.locate(k)[0].id, []).append(k)
    for ks in by_region.values():
        no_errors(cl.prewrite([(PUT, k, b"v" + k) for k in ks], keys[0], t))
    c = cl.ts()
    for ks in by_region.values():
        no_errors(cl.commit(ks, t, c))


@test
def scan_bounds_forward_and_reverse(cl, ctl, env):
    load(cl, [b"h1", b"h2", b"h3", b"h4", b"i", b"m9"])    # all in [g, n)
    ts = cl.ts()

    def scan(**kw):
        return cl.kv("KvScan", b"h", version=ts, **kw)

    keys = lambda r: [p.key for p in r.pairs]  # noqa: E731
    check(keys(scan(start_key=b"h2", end_key=b"i", limit=10)) == [b"h2", b"h3", b"h4"], "fwd")
    check(keys(scan(start_key=b"h2", limit=2)) == [b"h2", b"h3"], "fwd limit")
    check(keys(scan(start_key=b"h", limit=100)) == [b"h1", b"h2", b"h3", b"h4", b"i", b"m9"],
          "empty end = to region end")
    r = scan(start_key=b"h4", end_key=b"h2", limit=10, reverse=True)
    check(keys(r) == [b"h3", b"h2"], "reverse: start exclusive upper, end inclusive lower: %s"
          % keys(r))
    check(keys(scan(start_key=b"m9", limit=2, reverse=True)) == [b"i", b"h4"], "reverse limit")
    check(keys(scan(start_key=b"n", limit=100, reverse=True))[0] == b"m9",
          "reverse from the region end")
    check(keys(scan(start_key=b"", limit=100, reverse=True)) == [], "empty reverse start = ''")
    kr = scan(start_key=b"h", end_key=b"i", limit=10, key_only=True)
    check(all(p.value == b"" for p in kr.pairs) and len(kr.pairs) == 4, "key only")
    check(scan(start_key=b"a", limit=10).error.abort.startswith("InvalidReqRange"), "lower < region")
    check(scan(start_key=b"h", end_key=b"p", limit=10).error.abort.startswith("InvalidReqRange"),
          "upper > region")
    check(scan(start_key=b"p", limit=10, reverse=True).error.abort.startswith("InvalidReqRange"),
          "reverse upper > region")
    check(scan(start_key=b"", limit=10).error.abort.startswith("InvalidReqRange"),
          "empty forward start outside the first region")
    check(len(scan(start_key=b"h", limit=0).pairs) == 0, "limit 0")
    # deleted keys and old snapshots
    t = cl.ts()
    no_errors(cl.prewrite([(DEL, b"h2", b"")], b"h2", t))
    no_errors(cl.commit([b"h2"], t, cl.ts()))
    check(keys(cl.kv("KvScan", b"h", version=cl.ts(), start_key=b"h", end_key=b"h4", limit=9))
          == [b"h1", b"h3"], "delete hides")
    check(b"h2" in keys(scan(start_key=b"h", end_key=b"h4", limit=9)), "old snapshot sees it")


@test
def delete_range(cl, ctl, env):
    load(cl, [b"d1", b"d2", b"d3"])
    no_errors(cl.kv("KvDeleteRange", b"d", start_key=b"d2", end_key=b"d3"))
    ks = [p.key for p in cl.kv("KvScan", b"d", version=cl.ts(), start_key=b"d", limit=9).pairs]
    check(ks == [b"d1", b"d3"], "range dropped: %s" % ks)


# ---- region errors -----------------------------------------------------------------------------
@test
def region_errors(cl, ctl, env):
    region, leader = cl.locate(b"h")
    addr = {s.id: s.address for s in cl.pd("GetAllStores").stores}
    req = kvrpcpb.GetRequest(key=b"h", version=cl.ts())
    other = [p for p in region.peers if p.store_id != leader.store_id][0]
    req.context.CopyFrom(cl.ctx_for(region, other))
    r = cl.kv_call(addr[other.store_id], "KvGet", req)
    check(r.region_error.not_leader.leader == leader, "not leader with hint: %s" % r)
    req.context.CopyFrom(cl.ctx_for(region, leader))
    r = cl.kv_call(addr[other.store_id], "KvGet", req)
    check(r.region_error.HasField("store_not_match"), "store not match: %s" % r)
    req.context.region_epoch.version += 5
    r = cl.kv_call(addr[leader.store_id], "KvGet", req)
    check(len(r.region_error.epoch_not_match.current_regions) >= 1
          and r.region_error.epoch_not_match.current_regions[0].id == region.id, "epoch")
    req.context.CopyFrom(cl.ctx_for(region, leader))
    req.context.ClearField("region_epoch")
    r = cl.kv_call(addr[leader.store_id], "KvGet", req)
    check(r.region_error.message == "missing epoch!", "missing epoch")
    req.context.CopyFrom(cl.ctx_for(region, leader))
    req.key = b"z"
    r = cl.kv_call(addr[leader.store_id], "KvGet", req)
    kn = r.region_error.key_not_in_region
    check(kn.key == b"z" and kn.start_key == encode_bytes(b"g") and kn.end_key == encode_bytes(b"n"),
          "key not in region (encoded bounds): %s" % r)
    req.key = b"h"
    req.context.region_id = 99999
    r = cl.kv_call(addr[leader.store_id], "KvGet", req)
    check(r.region_error.region_not_found.region_id == 99999, "region not found")
    req.context.CopyFrom(cl.ctx_for(region, leader))
    req.context.peer.id += 1000
    r = cl.kv_call(addr[leader.store_id], "KvGet", req)
    check(r.region_error.HasField("mismatch_peer_id"), "mismatch peer id")
    req.context.CopyFrom(cl.ctx_for(region, leader))
    req.context.cluster_id = cl.cluster_id + 1
    code = rpc_code(lambda: cl.kv_call(addr[leader.store_id], "KvGet", req))
    check(code == grpc.StatusCode.INVALID_ARGUMENT, "wrong cluster id in Context: %s" % code)


@test
def split_changes_epoch(cl, ctl, env):
    load(cl, [b"h1", b"k1"])
    region, leader = cl.locate(b"h1")
    old_ctx = cl.ctx_for(region, leader)
    left_id, right_id = map(int, ctl.ok("split 6a").split(":"))   # split at "j"
    check(right_id == region.id, "right part keeps the id")
    left, _ = cl.locate(b"h1")
    right, _ = cl.locate(b"k1")
    check(left.id == left_id and left.region_epoch.version == region.region_epoch.version + 1
          and right.region_epoch.version == region.region_epoch.version + 1, "versions bumped")
    check(left.end_key == encode_bytes(b"j") == right.start_key, "split point encoded")
    r = cl.kv_call(cl.store_addr(leader.store_id), "KvGet",
                   kvrpcpb.GetRequest(context=old_ctx, key=b"h1", version=cl.ts()))
    cur = r.region_error.epoch_not_match.current_regions
    check(sorted(x.id for x in cur) == sorted([left_id, right_id]),
          "EpochNotMatch carries both halves: %s" % r)
    check(cl.get(b"h1", cl.ts()).value == b"vh1" and cl.get(b"k1", cl.ts()).value == b"vk1",
          "data survives the split")
    check(ctl.ok("region_of 6a").split()[0] == str(right_id), "region_of")


@test
def move_leader(cl, ctl, env):
    region, leader = cl.locate(b"h")
    target = [p for p in region.peers if p.store_id != leader.store_id][0]
    ctl.ok("move_leader %d %d" % (region.id, target.store_id))
    r = cl.kv_call(cl.store_addr(leader.store_id), "KvGet",
                   kvrpcpb.GetRequest(context=cl.ctx_for(region, leader), key=b"h", version=1))
    check(r.region_error.not_leader.leader == target, "old leader points to the new: %s" % r)
    _, new_leader = cl.locate(b"h")
    check(new_leader == target, "PD knows the new leader")
    check(cl.get(b"h", cl.ts()).not_found, "new leader serves")


# ---- faults and control ---------------------------------------------------------------------------
@test
def injected_faults(cl, ctl, env):
    cl.put(b"f", b"1")
    ctl.ok("fault KvGet ServerIsBusy:50 1")
    r = cl.get(b"f", cl.ts())
    check(r.region_error.server_is_busy.backoff_ms == 50, "busy: %s" % r)
    check(cl.get(b"f", cl.ts()).value == b"1", "only once")
    ctl.ok("fault KvGet NotLeaderNoHint 1")
    check(not cl.get(b"f", cl.ts()).region_error.not_leader.HasField("leader"), "no hint")
    ctl.ok("fault KvGet EpochNotMatch 1")
    check(len(cl.get(b"f", cl.ts()).region_error.epoch_not_match.current_regions) == 1, "epoch")
    ctl.ok("fault KvGet RegionNotFound 1")
    check(cl.get(b"f", cl.ts()).region_error.HasField("region_not_found"), "region not found")
    ctl.ok("fault * StaleCommand 1")
    check(cl.get(b"f", cl.ts()).region_error.HasField("stale_command"), "wildcard")
    ctl.ok("fault KvGet Drop 1")
    check(rpc_code(lambda: cl.get(b"f", cl.ts())) == grpc.StatusCode.UNAVAILABLE, "drop")
    ctl.ok("fault KvGet Delay:300 1")
    t0 = time.monotonic()
    check(cl.get(b"f", cl.ts()).value == b"1", "delayed answer")
    check(time.monotonic() - t0 >= 0.3, "delay")
    ctl.ok("fault GetRegion NoLeader 1")
    check(not cl.pd("GetRegion", region_key=encode_bytes(b"f")).HasField("leader"), "no leader")
    ctl.ok("fault GetStore Drop 1")
    check(rpc_code(lambda: cl.pd("GetStore", store_id=1)) == grpc.StatusCode.UNAVAILABLE, "pd drop")
    # response lost after the commit was applied
    t = cl.ts()
    no_errors(cl.prewrite([(PUT, b"f", b"2")], b"f", t))
    ctl.ok("fault KvCommit DropAfter 1")
    c = cl.ts()
    check(rpc_code(lambda: cl.commit([b"f"], t, c)) == grpc.StatusCode.UNAVAILABLE, "lost reply")
    check(cl.get(b"f", cl.ts()).value == b"2", "but applied")
    no_errors(cl.commit([b"f"], t, c))   # the resend succeeds
    t = cl.ts()
    no_errors(cl.prewrite([(PUT, b"f", b"3")], b"f", t))
    ctl.ok("fault KvCommit Undetermined 1")
    r = cl.commit([b"f"], t, cl.ts())
    check(r.region_error.HasField("undetermined_result"), "undetermined: %s" % r)
    check(cl.get(b"f", cl.ts()).value == b"3", "applied although undetermined")
    ctl.ok("fault KvGet NotLeader 1 %d" % (cl.locate(b"f")[1].store_id % 3 + 1))
    check(cl.get(b"f", cl.ts()).value == b"3", "a fault for another store does not fire")
    ctl.ok("clear_faults")
    check(ctl("fault KvGet Bogus 1").startswith("err"), "bad fault refused")
    ctl.ok("raft_entry_max 1000")
    r = cl.prewrite([(PUT, b"f%d" % i, b"x" * 100) for i in range(20)], b"f0", cl.ts())
    check(r.region_error.raft_entry_too_large.entry_size > 1000, "entry too large: %s" % r)
    no_errors(cl.prewrite([(PUT, b"f%d" % i, b"x" * 100) for i in range(5)], b"f0", cl.ts()))
    check(ctl("fault GetRegion NotLeader 1").startswith("err"), "region error on PD refused")


@test
def crash_between_prewrite_and_commit(cl, ctl, env):
    ctl.ok("crash_after_prewrite %s" % b"w1".hex())
    t = cl.ts()
    no_errors(cl.prewrite([(PUT, b"w1", b"v")], b"w1", t, ttl=1000))
    no_errors(cl.prewrite([(PUT, b"w9", b"v")], b"w1", t, ttl=1000))   # another region? same here
    c = cl.ts()
    check(rpc_code(lambda: cl.commit([b"w1"], t, c)) == grpc.StatusCode.UNAVAILABLE, "commit lost")
    check(rpc_code(lambda: cl.commit([b"w1"], t, c)) == grpc.StatusCode.UNAVAILABLE, "resend lost")
    check(ctl.ok("mvcc 7731").startswith("lock=%d" % t), "primary still locked")
    # a reader after the TTL rolls the crashed txn back
    ctl.ok("advance_time 2000")
    now = cl.ts()
    check(cl.get(b"w9", now).error.locked.lock_version == t, "reader meets lock")
    st = cl.kv("KvCheckTxnStatus", b"w1", primary_key=b"w1", lock_ts=t, caller_start_ts=now,
               current_ts=now, verify_is_primary=True)
    check(st.action == kvrpcpb.TTLExpireRollback, "rolled back: %s" % st)
    no_errors(cl.kv("KvResolveLock", b"w9", start_version=t, commit_version=0, keys=[b"w9"]))
    check(cl.get(b"w9", cl.ts()).not_found and ctl.ok("dump_locks") == "0", "clean")


@test
def pd_leader_change(cl, ctl, env):
    before = cl.ts()
    new = ctl.ok("pd_kill_leader").split()[1]
    check(new == env["pd"][1], "next member leads: %s" % new)
    m = cl.pd_call(env["pd"][2], "GetMembers", pdpb.GetMembersRequest())
    check(m.leader.client_urls[0] == "http://" + new and len(m.members) == 3, "members")
    cl.timeout = 1
    check(rpc_code(lambda: cl.pd_call(env["pd"][0], "GetMembers", pdpb.GetMembersRequest()))
          is not None, "old leader is gone")
    cl.pd_leader = new
    check(cl.ts() > before, "TSO monotonic across the leader change")
    check(cl.locate(b"h")[0].id != 0, "new leader serves regions")
    req = pdpb.GetRegionRequest(region_key=encode_bytes(b"a"))
    req.header.cluster_id = cl.cluster_id
    check(rpc_code(lambda: cl.pd_call(env["pd"][2], "GetRegion", req))
          == grpc.StatusCode.UNAVAILABLE, "remaining follower refuses")


@test
def store_down_and_up(cl, ctl, env):
    region, leader = cl.locate(b"h")
    addr = cl.store_addr(leader.store_id)
    ctl.ok("store_down %d" % leader.store_id)
    r = cl.pd("GetRegion", region_key=encode_bytes(b"h"))
    check(r.leader.store_id != leader.store_id, "leader failed over")
    check([d.peer.store_id for d in r.down_peers] == [leader.store_id], "down peer reported")
    cl.timeout = 1
    check(rpc_code(lambda: cl.kv_call(addr, "KvGet", kvrpcpb.GetRequest(key=b"h")))
          == grpc.StatusCode.UNAVAILABLE, "store unreachable")
    check(cl.get(b"h", cl.ts()).not_found, "new leader serves")
    ctl.ok("store_up %d" % leader.store_id)
    check(cl.store_addr(leader.store_id) == addr, "same address after restart")
    cl.channels.pop(addr).close()   # skip grpc's reconnect backoff
    r = cl.kv_call(addr, "KvGet", kvrpcpb.GetRequest(context=cl.ctx_for(region, leader), key=b"h"))
    check(r.region_error.HasField("not_leader"), "restarted store is a follower")


@test
def store_bounce_drops_connections(cl, ctl, env):
    cl.put(b"h", b"1")
    region, leader = cl.locate(b"h")
    addr = cl.store_addr(leader.store_id)
    ctl.ok("fault KvGet Delay:1500 1")
    import threading
    got = {}

    def slow():
        got["code"] = rpc_code(lambda: cl.get(b"h", cl.ts()))
    th = threading.Thread(target=slow)
    th.start()
    time.sleep(0.3)
    ctl.ok("store_bounce %d" % leader.store_id)
    th.join()
    check(got["code"] is not None, "in-flight call cut off")
    check(cl.store_addr(leader.store_id) == addr and cl.locate(b"h")[1] == leader,
          "same address, same leader")
    cl.channels.pop(addr).close()
    check(cl.get(b"h", cl.ts()).value == b"1", "serves again")


@test
def stats_count_rpcs(cl, ctl, env):
    ctl.ok("stats_reset")
    s = cl.tso_stream()
    s.send(1)
    s.send(5)
    s.close()
    region, leader = cl.locate(b"h")
    addr = cl.store_addr(leader.store_id)
    for _ in range(3):
        cl.kv_call(addr, "KvGet", kvrpcpb.GetRequest(context=cl.ctx_for(region, leader), key=b"h"))
    got = dict(kv.split("=") for kv in ctl.ok("stats").split())
    check(got == {"Tso": "2", "TsoStream": "1", "GetRegion": "1", "GetStore": "1", "KvGet": "3"},
          "stats %s" % got)


@test
def reset_restores(cl, ctl, env):
    cl.put(b"x", b"1")
    ctl.ok("split 78")
    ctl.ok("fault KvGet Drop 5")
    old = cl.locate(b"x")[0].id
    ctl.ok("reset")
    cl2 = Client(env["pd"])
    r, _ = cl2.locate(b"x")
    check(r.id != old and decode_bytes(r.start_key) == b"t", "regions back, new ids")
    check(cl2.get(b"x", cl2.ts()).not_found, "data gone, faults gone")
    check(ctl.ok("stats").count("KvGet=1") == 1, "stats restarted")
    cl2.close()


def main():
    out = subprocess.run([os.path.join(HERE, "start.sh"), "--parent", str(os.getpid()),
                          "--max-life", "300"], stdout=subprocess.PIPE, check=True,
                         text=True).stdout
    env = dict(kv.split("=", 1) for kv in out.split())
    env["pd"] = env["PD"].split(",")
    failed = 0
    t_start = time.monotonic()
    try:
        ctl = Ctl(env["CONTROL"])
        for t in TESTS:
            ctl.ok("reset")
            cl = Client(env["pd"])
            try:
                t(cl, ctl, env)
                print("ok - fake_tikv %s" % t.__name__, flush=True)
            except Exception:
                failed += 1
                print("not ok - fake_tikv %s" % t.__name__)
                for line in traceback.format_exc().splitlines():
                    print("# " + line)
                sys.stdout.flush()
            finally:
                cl.close()
        ctl.close()
    finally:
        subprocess.run([os.path.join(HERE, "stop.sh"), env["PID"]])
    print("# fake_tikv: %d tests in %.1f s" % (len(TESTS), time.monotonic() - t_start))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
