"""The pdpb.PD service of one fake PD member.

GetMembers is answered by every member (cluster id in the header, all
members with client_urls "http://127.0.0.1:port", the leader). Every other
call is served by the leader only: a follower answers gRPC UNAVAILABLE
"not leader", and a request whose header cluster_id differs from the
cluster's fails with FAILED_PRECONDITION "mismatch cluster id", as PD does.
Region keys are compared in the encoded key space (the client must encode).
"""
import time

import grpc

from pb import pdpb, metapb
from tikv_service import region_pb, leader_pb


class PdService:
    def __init__(self, cluster, member):
        self.c = cluster
        self.m = member

    def _header(self, resp, err_type=None, msg=""):
        resp.header.cluster_id = self.c.cluster_id
        if err_type is not None:
            resp.header.error.type = err_type
            resp.header.error.message = msg

    def _gate(self, method, req, context):
        """Count, apply injected faults, refuse on a follower or a wrong
        cluster id. Returns the fault (for kinds handled by the caller)."""
        c = self.c
        with c.mu:
            c.count(method)
        f = c.take_fault(method)
        if f is not None:
            if f.kind == "Delay":
                time.sleep(f.arg / 1000.0)
            elif f.kind == "Drop":
                context.abort(grpc.StatusCode.UNAVAILABLE, "connection dropped (injected)")
        with c.mu:
            if method != "GetMembers":
                if c.pd_leader != self.m.idx:
                    context.abort(grpc.StatusCode.UNAVAILABLE, "not leader")
                if req.header.cluster_id != c.cluster_id:
                    context.abort(grpc.StatusCode.FAILED_PRECONDITION,
                                  "mismatch cluster id, need %d but got %d"
                                  % (c.cluster_id, req.header.cluster_id))
        return f

    def _member_pb(self, m):
        return pdpb.Member(name=m.name, member_id=m.id,
                           client_urls=["http://127.0.0.1:%d" % m.port],
                           peer_urls=["http://127.0.0.1:%d" % m.port])

    def GetMembers(self, req, context):
        self._gate("GetMembers", req, context)
        resp = pdpb.GetMembersResponse()
        with self.c.mu:
            self._header(resp)
            for m in self.c.pd:
                resp.members.add().CopyFrom(self._member_pb(m))
            lead = self._member_pb(self.c.pd_leader_member())
            resp.leader.CopyFrom(lead)
            resp.etcd_leader.CopyFrom(lead)
        return resp

    def Tso(self, req_iter, context):
        c = self.c
        with c.mu:
            c.count("TsoStream")
        for req in req_iter:
            self._gate("Tso", req, context)
            if req.count == 0 or req.count >= (1 << 18):
                context.abort(grpc.StatusCode.UNKNOWN,
                              "tso count should be positive and below 2^18")
            with c.mu:
                phys, logical = c.tso(req.count)
            resp = pdpb.TsoResponse(count=req.count)
            self._header(resp)
            resp.timestamp.physical = phys
            resp.timestamp.logical = logical
            yield resp

    def _fill_region(self, resp, r, fault):
        """region, leader, down_peers of a GetRegionResponse-like message."""
        resp.region.CopyFrom(region_pb(r))
        if fault is None or fault.kind != "NoLeader":
            resp.leader.CopyFrom(leader_pb(r))
        for pid, sid in r.peers:
            if not self.c.stores[sid].up:
                resp.down_peers.add(peer=metapb.Peer(id=pid, store_id=sid), down_seconds=60)

    def GetRegion(self, req, context):
        f = self._gate("GetRegion", req, context)
        resp = pdpb.GetRegionResponse()
        with self.c.mu:
            self._header(resp)
            r = self.c.region_for_enc(req.region_key)
            if r is not None:
                self._fill_region(resp, r, f)
        return resp

    def GetPrevRegion(self, req, context):
        f = self._gate("GetPrevRegion", req, context)
        resp = pdpb.GetRegionResponse()
        with self.c.mu:
            self._header(resp)
            r = self.c.region_for_enc(req.region_key)
            p = self.c.prev_region(r) if r is not None else None
            if p is not None:
                self._fill_region(resp, p, f)
        return resp

    def GetRegionByID(self, req, context):
        f = self._gate("GetRegionByID", req, context)
        resp = pdpb.GetRegionResponse()
        with self.c.mu:
            self._header(resp)
            r = self.c.region_by_id(req.region_id)
            if r is not None:
                self._fill_region(resp, r, f)
        return resp

    def ScanRegions(self, req, context):
        f = self._gate("ScanRegions", req, context)
        resp = pdpb.ScanRegionsResponse()
        with self.c.mu:
            self._header(resp)
            for r in self.c.regions:
                if r.end and r.end <= req.start_key:
                    continue
                if req.end_key and r.start >= req.end_key:
                    break
                if req.limit > 0 and len(resp.regions) >= req.limit:
                    break
                item = resp.regions.add()
                self._fill_region(item, r, f)
                resp.region_metas.add().CopyFrom(item.region)
                resp.leaders.add().CopyFrom(item.leader)
        return resp

    def _store_pb(self, s):
        return metapb.Store(id=s.id, address="127.0.0.1:%d" % s.port,
                            state=metapb.Up, version="8.5.0-fake",
                            node_state=metapb.Serving)

    def GetStore(self, req, context):
        self._gate("GetStore", req, context)
        resp = pdpb.GetStoreResponse()
        with self.c.mu:
            s = self.c.stores.get(req.store_id)
            if s is None:
                self._header(resp, pdpb.UNKNOWN, "invalid store ID %d, not found" % req.store_id)
            else:
                self._header(resp)
                resp.store.CopyFrom(self._store_pb(s))
        return resp

    def GetAllStores(self, req, context):
        self._gate("GetAllStores", req, context)
        resp = pdpb.GetAllStoresResponse()
        with self.c.mu:
            self._header(resp)
            for sid in sorted(self.c.stores):
                resp.stores.add().CopyFrom(self._store_pb(self.c.stores[sid]))
        return resp

    def UpdateGCSafePoint(self, req, context):
        self._gate("UpdateGCSafePoint", req, context)
        resp = pdpb.UpdateGCSafePointResponse()
        with self.c.mu:
            self._header(resp)
            if req.safe_point > self.c.gc_safe_point:
                self.c.gc_safe_point = req.safe_point
            resp.new_safe_point = self.c.gc_safe_point
        return resp

    UNARY = {
        "GetMembers": (pdpb.GetMembersRequest, pdpb.GetMembersResponse),
        "GetRegion": (pdpb.GetRegionRequest, pdpb.GetRegionResponse),
        "GetPrevRegion": (pdpb.GetRegionRequest, pdpb.GetRegionResponse),
        "GetRegionByID": (pdpb.GetRegionByIDRequest, pdpb.GetRegionResponse),
        "ScanRegions": (pdpb.ScanRegionsRequest, pdpb.ScanRegionsResponse),
        "GetStore": (pdpb.GetStoreRequest, pdpb.GetStoreResponse),
        "GetAllStores": (pdpb.GetAllStoresRequest, pdpb.GetAllStoresResponse),
        "UpdateGCSafePoint": (pdpb.UpdateGCSafePointRequest, pdpb.UpdateGCSafePointResponse),
    }

    def generic_handler(self):
        handlers = {}
        for name, (req_cls, resp_cls) in self.UNARY.items():
            handlers[name] = grpc.unary_unary_rpc_method_handler(
                getattr(self, name), request_deserializer=req_cls.FromString,
                response_serializer=resp_cls.SerializeToString)
        handlers["Tso"] = grpc.stream_stream_rpc_method_handler(
            self.Tso, request_deserializer=pdpb.TsoRequest.FromString,
            response_serializer=pdpb.TsoResponse.SerializeToString)
        return grpc.method_handlers_generic_handler("pdpb.PD", handlers)
