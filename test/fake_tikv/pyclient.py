"""A tiny Python PD/TiKV client for the fake's own tests (fake_test.py).

Deliberately thin: it sends exactly the request it is told to send (no
retries, no cache), so tests can provoke every error on purpose. Also the
control-channel client.
"""
import socket

import grpc

from codec import encode_bytes
from pb import kvrpcpb, pdpb

KV_METHODS = {
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
    "KvDeleteRange": (kvrpcpb.DeleteRangeRequest, kvrpcpb.DeleteRangeResponse),
}
PD_METHODS = {
    "GetMembers": (pdpb.GetMembersRequest, pdpb.GetMembersResponse),
    "GetRegion": (pdpb.GetRegionRequest, pdpb.GetRegionResponse),
    "GetPrevRegion": (pdpb.GetRegionRequest, pdpb.GetRegionResponse),
    "GetRegionByID": (pdpb.GetRegionByIDRequest, pdpb.GetRegionResponse),
    "ScanRegions": (pdpb.ScanRegionsRequest, pdpb.ScanRegionsResponse),
    "GetStore": (pdpb.GetStoreRequest, pdpb.GetStoreResponse),
    "GetAllStores": (pdpb.GetAllStoresRequest, pdpb.GetAllStoresResponse),
}


class Ctl:
    """Control channel: one command, one reply line."""

    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.f = self.sock.makefile("rw")

    def __call__(self, cmd):
        self.f.write(cmd + "\n")
        self.f.flush()
        return self.f.readline().strip()

    def ok(self, cmd):
        r = self(cmd)
        if not r.startswith("ok"):
            raise AssertionError("control %r -> %r" % (cmd, r))
        return r[3:]

    def close(self):
        self.f.close()
        self.sock.close()


class Client:
    def __init__(self, pd_addrs, timeout=5):
        self.timeout = timeout
        self.pd_addrs = pd_addrs
        self.channels = {}
        m = self.pd_call(pd_addrs[0], "GetMembers", pdpb.GetMembersRequest())
        self.cluster_id = m.header.cluster_id
        self.pd_leader = m.leader.client_urls[0].split("://", 1)[1]

    def channel(self, addr):
        ch = self.channels.get(addr)
        if ch is None:
            ch = self.channels[addr] = grpc.insecure_channel(addr)
        return ch

    def close(self):
        for ch in self.channels.values():
            ch.close()

    # ---- PD ----------------------------------------------------------------------
    def pd_call(self, addr, method, req):
        req_cls, resp_cls = PD_METHODS[method]
        fn = self.channel(addr).unary_unary("/pdpb.PD/" + method,
                                            request_serializer=req_cls.SerializeToString,
                                            response_deserializer=resp_cls.FromString)
        return fn(req, timeout=self.timeout)

    def pd(self, method, **fields):
        req_cls, _ = PD_METHODS[method]
        req = req_cls(**fields)
        req.header.cluster_id = self.cluster_id
        return self.pd_call(self.pd_leader, method, req)

    def tso_stream(self, addr=None, cluster_id=None):
        """A Tso bidi stream: returns send(count) -> TsoResponse, close()."""
        fn = self.channel(addr or self.pd_leader).stream_stream(
            "/pdpb.PD/Tso", request_serializer=pdpb.TsoRequest.SerializeToString,
            response_deserializer=pdpb.TsoResponse.FromString)
        return TsoStream(fn, self.cluster_id if cluster_id is None else cluster_id)

    def ts(self):
        s = self.tso_stream()
        try:
            r = s.send(1)
            return (r.timestamp.physical << 18) | r.timestamp.logical
        finally:
            s.close()

    def locate(self, key):
        """(metapb.Region, leader Peer) of a raw key."""
        r = self.pd("GetRegion", region_key=encode_bytes(key))
        return r.region, r.leader

    def store_addr(self, store_id):
        return self.pd("GetStore", store_id=store_id).store.address

    # ---- TiKV -------------------------------------------------------------------------
    def ctx_for(self, region, peer):
        ctx = kvrpcpb.Context(region_id=region.id)
        ctx.region_epoch.CopyFrom(region.region_epoch)
        ctx.peer.CopyFrom(peer)
        return ctx

    def kv_call(self, addr, method, req):
        req_cls, resp_cls = KV_METHODS[method]
        fn = self.channel(addr).unary_unary("/tikvpb.Tikv/" + method,
                                            request_serializer=req_cls.SerializeToString,
                                            response_deserializer=resp_cls.FromString)
        return fn(req, timeout=self.timeout)

    def kv(self, method, route_key, **fields):
        """Send method to the leader of route_key's region, with a correct Context."""
        region, leader = self.locate(route_key)
        req = KV_METHODS[method][0](**fields)
        req.context.CopyFrom(self.ctx_for(region, leader))
        return self.kv_call(self.store_addr(leader.store_id), method, req)

    # ---- Percolator helpers -------------------------------------------------------------
    def prewrite(self, muts, primary, start_ts, ttl=3000, min_commit_ts=None):
        """muts: [(op, key, value)], all in one region."""
        req = dict(primary_lock=primary, start_version=start_ts, lock_ttl=ttl,
                   txn_size=len(muts),
                   min_commit_ts=start_ts + 1 if min_commit_ts is None else min_commit_ts,
                   mutations=[kvrpcpb.Mutation(op=op, key=k, value=v) for op, k, v in muts])
        return self.kv("KvPrewrite", muts[0][1], **req)

    def commit(self, keys, start_ts, commit_ts):
        return self.kv("KvCommit", keys[0], keys=keys, start_version=start_ts,
                       commit_version=commit_ts)

    def get(self, key, ts, **kw):
        return self.kv("KvGet", key, key=key, version=ts, **kw)

    def put(self, key, value):
        """A whole committed single-key txn; returns (start_ts, commit_ts)."""
        s = self.ts()
        r = self.prewrite([(kvrpcpb.Put, key, value)], key, s)
        assert not r.errors and not r.HasField("region_error"), r
        c = self.ts()
        r = self.commit([key], s, c)
        assert not r.HasField("error") and not r.HasField("region_error"), r
        return s, c


class TsoStream:
    def __init__(self, fn, cluster_id):
        import queue
        self.q = queue.Queue()
        self.cluster_id = cluster_id
        self.call = fn(iter(self.q.get, None))
        self.it = iter(self.call)

    def send(self, count):
        req = pdpb.TsoRequest(count=count)
        req.header.cluster_id = self.cluster_id
        self.q.put(req)
        return next(self.it)

    def close(self):
        self.q.put(None)
        self.call.cancel()
