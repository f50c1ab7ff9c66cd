"""The state of the fake cluster: stores, regions, PD members, TSO clock,
injected faults and RPC statistics, all under one mutex (cluster.mu).

Regions hold memcomparable-encoded boundaries (as PD and TiKV do under API
v1); the MVCC data (mvcc.Mvcc) is one keyspace shared by all stores, since
the fake has no replication: a region's data "lives" on its leader, and the
region checks decide which store may serve a request.
"""
import threading
import time

from codec import encode_bytes, decode_bytes
from mvcc import Mvcc

REPLICAS = 3


class Region:
    def __init__(self, rid, start, end, version, conf_ver, peers, leader):
        self.id = rid
        self.start = start          # encoded, b"" = -inf
        self.end = end              # encoded, b"" = +inf
        self.version = version
        self.conf_ver = conf_ver
        self.peers = peers          # list of (peer_id, store_id)
        self.leader = leader        # store id of the leader peer

    def raw_start(self):
        return decode_bytes(self.start) if self.start else b""

    def raw_end(self):
        """Raw exclusive end, None = unbounded."""
        return decode_bytes(self.end) if self.end else None

    def contains_enc(self, enc):
        return enc >= self.start and (self.end == b"" or enc < self.end)

    def peer_on(self, store_id):
        for pid, sid in self.peers:
            if sid == store_id:
                return pid
        return None

    def leader_peer(self):
        return (self.peer_on(self.leader), self.leader)


class Store:
    def __init__(self, sid):
        self.id = sid
        self.port = 0
        self.up = True
        self.server = None


class PdMember:
    def __init__(self, idx, member_id):
        self.idx = idx
        self.id = member_id
        self.name = "pd-%d" % idx
        self.port = 0
        self.alive = True
        self.server = None


class Fault:
    """An injected fault for the next `count` calls of `method` (or '*')."""

    def __init__(self, method, kind, count, arg=0, store=0):
        self.method = method
        self.kind = kind
        self.count = count
        self.arg = arg
        self.store = store


class Cluster:
    def __init__(self, n_stores, split_keys, n_pd, cluster_id=6820000000000000001):
        self.mu = threading.RLock()
        self.cluster_id = cluster_id
        self.n_stores = n_stores
        self.split_keys = sorted(set(split_keys))
        self.stores = {i: Store(i) for i in range(1, n_stores + 1)}
        self.pd = [PdMember(i, 1000 + i) for i in range(n_pd)]
        self.pd_leader = 0
        self.next_id = 100
        self.clock_offset_ms = 0
        self.last_physical = 0
        self.last_logical = 0
        self.gc_safe_point = 0
        self.raft_entry_max = 8 << 20   # raftstore.raft-entry-max-size
        self.stats = {}
        self.faults = []
        self.crash_primaries = set()   # raw primary keys armed by crash_after_prewrite
        self.crashed_txns = set()      # start_ts whose commits/rollbacks are swallowed
        self.reset_data()

    # ---- topology ------------------------------------------------------------
    def alloc_id(self):
        self.next_id += 1
        return self.next_id

    def _peers_for(self, leader):
        """Peers on min(REPLICAS, stores) stores, starting at the leader's."""
        n = min(REPLICAS, self.n_stores)
        ids = sorted(self.stores)
        i = ids.index(leader)
        return [(self.alloc_id(), ids[(i + k) % len(ids)]) for k in range(n)]

    def reset_data(self):
        """Fresh data and the initial regions (fresh ids, so stale client
        caches see RegionNotFound rather than a region going back in time)."""
        self.mvcc = Mvcc()
        bounds = [b""] + [encode_bytes(k) for k in self.split_keys] + [b""]
        self.regions = []
        ids = sorted(self.stores)
        for i in range(len(bounds) - 1):
            leader = ids[i % len(ids)]
            self.regions.append(Region(self.alloc_id(), bounds[i], bounds[i + 1],
                                       1, 1, self._peers_for(leader), leader))
        self.faults = []
        self.crash_primaries = set()
        self.crashed_txns = set()

    def region_by_id(self, rid):
        for r in self.regions:
            if r.id == rid:
                return r
        return None

    def region_for_enc(self, enc):
        for r in self.regions:
            if r.contains_enc(enc):
                return r
        return None

    def prev_region(self, r):
        i = self.regions.index(r)
        return self.regions[i - 1] if i > 0 else None

    def split(self, raw_key):
        """Split the region holding raw_key at it. As TiKV (right-derive),
        the right part keeps the id; the left part is new. Both get
        version + 1. Returns (left, right)."""
        if raw_key == b"":
            raise ValueError("empty split key")
        enc = encode_bytes(raw_key)
        r = self.region_for_enc(enc)
        if r.start == enc:
            raise ValueError("key is already a region boundary")
        left = Region(self.alloc_id(), r.start, enc, r.version + 1, r.conf_ver,
                      [(self.alloc_id(), sid) for _, sid in r.peers], r.leader)
        r.start = enc
        r.version += 1
        self.regions.insert(self.regions.index(r), left)
        return left, r

    def move_leader(self, rid, store_id):
        r = self.region_by_id(rid)
        if r is None:
            raise ValueError("no region %d" % rid)
        if r.peer_on(store_id) is None:
            raise ValueError("region %d has no peer on store %d" % (rid, store_id))
        r.leader = store_id

    def leader_failover(self, sid):
        """Store sid went down: its regions elect a leader on another live
        peer (what Raft does after the election timeout)."""
        for r in self.regions:
            if r.leader == sid:
                for _, other in r.peers:
                    if other != sid and self.stores[other].up:
                        r.leader = other
                        break

    # ---- TSO -------------------------------------------------------------------
    def now_ms(self):
        return int(time.time() * 1000) + self.clock_offset_ms

    def tso(self, count):
        """Reserve count timestamps; returns (physical, logical) of the largest."""
        phys = self.now_ms()
        if phys > self.last_physical:
            self.last_physical, self.last_logical = phys, 0
        if self.last_logical + count >= (1 << 18):
            self.last_physical += 1
            self.last_logical = 0
        self.last_logical += count
        return self.last_physical, self.last_logical

    # ---- faults and stats ------------------------------------------------------
    def count(self, method):
        self.stats[method] = self.stats.get(method, 0) + 1

    def take_fault(self, method, store_id=0, wild=False):
        """The next armed fault for this call, if any ('*' matches only the
        TiKV methods: wild=True)."""
        with self.mu:
            for f in self.faults:
                if (f.count > 0 and (f.method == method or (wild and f.method == "*"))
                        and f.store in (0, store_id)):
                    f.count -= 1
                    if f.count == 0:
                        self.faults.remove(f)
                    return f
        return None

    def pd_leader_member(self):
        return self.pd[self.pd_leader]
