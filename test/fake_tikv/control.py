"""The control channel: a TCP line protocol on 127.0.0.1 (see README.md).

One command per line; one reply line per command, "ok ..." or "err ...".
Keys are given in hex (raw user keys; "-" or "" = the empty key).
"""
import socketserver
import threading

from cluster import Fault
from codec import decode_bytes, encode_bytes
from tikv_service import REGION_FAULTS

PD_FAULTS = ("Drop", "Delay", "NoLeader")
TIKV_FAULTS = REGION_FAULTS + ("Drop", "DropAfter", "Delay")


def hexkey(s):
    return b"" if s in ("-", "") else bytes.fromhex(s)


def raw_hex(enc):
    return decode_bytes(enc).hex() if enc else "-"


class Control:
    """Executes control commands against a running fake (server.Fake)."""

    def __init__(self, fake):
        self.fake = fake
        self.c = fake.cluster

    def run(self, line):
        parts = line.split()
        if not parts:
            return "err empty command"
        fn = getattr(self, "cmd_" + parts[0], None)
        if fn is None:
            return "err unknown command %s" % parts[0]
        try:
            out = fn(*parts[1:])
        except TypeError as e:
            return "err bad arguments: %s" % e
        except (ValueError, KeyError) as e:
            return "err %s" % e
        except Exception as e:  # keep the channel alive whatever happens
            return "err internal error: %r" % e
        return "ok" + (" " + out if out else "")

    # ---- topology ----------------------------------------------------------------
    def cmd_ping(self):
        return "pong"

    def cmd_regions(self):
        """id:start:end:version:conf_ver:leader_store per region (raw hex keys)."""
        with self.c.mu:
            return " ".join("%d:%s:%s:%d:%d:%d" % (r.id, raw_hex(r.start), raw_hex(r.end),
                                                 r.version, r.conf_ver, r.leader)
                            for r in self.c.regions)

    def cmd_region_of(self, key):
        with self.c.mu:
            r = self.c.region_for_enc(encode_bytes(hexkey(key)))
            return "%d %d %d" % (r.id, r.leader, r.version)

    def cmd_split(self, *keys):
        """Split at each key; replies left:right region ids per split."""
        if not keys:
            raise ValueError("split needs a key")
        out = []
        with self.c.mu:
            for k in keys:
                left, right = self.c.split(hexkey(k))
                out.append("%d:%d" % (left.id, right.id))
        return " ".join(out)

    def cmd_move_leader(self, rid, sid):
        with self.c.mu:
            if not self.c.stores[int(sid)].up:
                raise ValueError("store %s is down" % sid)
            self.c.move_leader(int(rid), int(sid))
        return ""

    def cmd_stores(self):
        with self.c.mu:
            return " ".join("%d:127.0.0.1:%d:%s" % (s.id, s.port, "up" if s.up else "down")
                            for s in self.c.stores.values())

    def cmd_store_down(self, sid):
        self.fake.store_down(int(sid))
        return ""

    def cmd_store_up(self, sid):
        self.fake.store_up(int(sid))
        return ""

    def cmd_store_bounce(self, sid):
        self.fake.store_bounce(int(sid))
        return ""

    def cmd_pd_kill_leader(self):
        return self.fake.pd_kill_leader()

    def cmd_pd_revive(self):
        self.fake.pd_revive()
        return ""

    def cmd_pd_leader(self):
        with self.c.mu:
            m = self.c.pd_leader_member()
            return "%s 127.0.0.1:%d" % (m.name, m.port)

    # ---- faults ------------------------------------------------------------------------
    def cmd_fault(self, method, kind, count="1", store="0"):
        """fault METHOD KIND [COUNT [STORE]]; KIND Delay:ms or ServerIsBusy:ms."""
        arg = 0
        if ":" in kind:
            kind, a = kind.split(":", 1)
            arg = int(a)
        pd_method = method[0].isupper() and not method.startswith("Kv") and method != "*"
        allowed = PD_FAULTS if pd_method else TIKV_FAULTS
        if kind not in allowed:
            raise ValueError("fault %s not possible on %s (one of %s)"
                             % (kind, method, ",".join(allowed)))
        if kind == "Delay" and arg <= 0:
            raise ValueError("Delay needs :ms")
        with self.c.mu:
            self.c.faults.append(Fault(method, kind, int(count), arg, int(store)))
        return ""

    def cmd_clear_faults(self):
        with self.c.mu:
            self.c.faults = []
        return ""

    def cmd_raft_entry_max(self, n):
        """Largest write request (bytes) a region accepts; larger ones get
        RaftEntryTooLarge. Default 8 MiB, as TiKV; reset restores it."""
        with self.c.mu:
            self.c.raft_entry_max = int(n)
        return ""

    def cmd_crash_after_prewrite(self, key):
        with self.c.mu:
            self.c.crash_primaries.add(hexkey(key))
        return ""

    def cmd_plant_lock(self, key, primary, start_ts, ttl, kind, *opts):
        """plant_lock KEY PRIMARY START_TS|tso TTL Put|Del|Lock|PessimisticLock
        [value=HEX] [async=1] [secondaries=HEX,HEX] [min_commit_ts=N]
        [for_update_ts=N]: a lock as another client (TiDB) leaves it;
        replies its start_ts."""
        from mvcc import Lock, PUT, DEL, LOCK, PESSIMISTIC
        kinds = {"Put": PUT, "Del": DEL, "Lock": LOCK, "PessimisticLock": PESSIMISTIC}
        if kind not in kinds:
            raise ValueError("lock kind %s is not one of %s" % (kind, ",".join(kinds)))
        o = dict(x.split("=", 1) for x in opts)
        with self.c.mu:
            if start_ts == "tso":
                p, l = self.c.tso(1)
                ts = (p << 18) | l
            else:
                ts = int(start_ts)
            lk = Lock(hexkey(key), hexkey(primary), ts, int(ttl), kinds[kind],
                      bytes.fromhex(o.get("value", "")), int(o.get("min_commit_ts", ts + 1)),
                      1, int(o.get("for_update_ts", 0)))
            lk.use_async_commit = o.get("async", "0") == "1"
            if o.get("secondaries"):
                lk.secondaries = [hexkey(k) for k in o["secondaries"].split(",")]
            self.c.mvcc.plant_lock(lk)
            return str(ts)

    def cmd_commit_lock(self, key, commit_ts):
        """Commit the lock on KEY at COMMIT_TS|tso (as its owner would)."""
        with self.c.mu:
            if commit_ts == "tso":
                p, l = self.c.tso(1)
                cts = (p << 18) | l
            else:
                cts = int(commit_ts)
            self.c.mvcc.commit_planted(hexkey(key), cts)
            return str(cts)

    # ---- clock -------------------------------------------------------------------------
    def cmd_advance_time(self, ms):
        with self.c.mu:
            self.c.clock_offset_ms += int(ms)
            return str(self.c.clock_offset_ms)

    def cmd_set_ttl_clock(self, ms):
        """Set the TSO clock offset (ms ahead of the wall clock); never backwards."""
        with self.c.mu:
            if int(ms) < self.c.clock_offset_ms:
                raise ValueError("the clock cannot go back (offset %d)" % self.c.clock_offset_ms)
            self.c.clock_offset_ms = int(ms)
            return str(self.c.clock_offset_ms)

    def cmd_tso(self):
        with self.c.mu:
            p, l = self.c.tso(1)
            return str((p << 18) | l)

    # ---- data inspection ------------------------------------------------------------------
    def cmd_dump_locks(self):
        with self.c.mu:
            locks = [self.c.mvcc.locks[k] for k in sorted(self.c.mvcc.locks)]
            items = ["%s:%d:%s:%d:%s" % (lk.key.hex() or "-", lk.start_ts, lk.primary.hex() or "-",
                                         lk.ttl, lk.kind) for lk in locks]
            return " ".join([str(len(items))] + items)

    def cmd_get(self, key):
        """Latest committed value: 'value HEX' or 'notfound' (ignores locks)."""
        with self.c.mu:
            m = self.c.mvcc
            for w in m.writes.get(hexkey(key), ()):
                if w.kind == "Put":
                    return "value " + w.value.hex()
                if w.kind == "Del":
                    break
            return "notfound"

    def cmd_mvcc(self, key):
        """The lock and write records of one key."""
        k = hexkey(key)
        with self.c.mu:
            m = self.c.mvcc
            lk = m.locks.get(k)
            out = ["lock=" + ("%d:%s:%s" % (lk.start_ts, lk.kind, lk.primary.hex()) if lk else "none")]
            for w in m.writes.get(k, ()):
                out.append("%s@%d/%d" % (w.kind, w.commit_ts, w.start_ts))
            return " ".join(out)

    def cmd_stats(self):
        with self.c.mu:
            return " ".join("%s=%d" % kv for kv in sorted(self.c.stats.items()))

    def cmd_stats_reset(self):
        with self.c.mu:
            self.c.stats = {}
        return ""

    def cmd_reset(self):
        """Fresh data, initial regions (new ids), no faults, stats zeroed,
        every store and PD member up, leaders as at start."""
        self.fake.reset()
        return ""

    def cmd_shutdown(self):
        threading.Thread(target=self.fake.shutdown, daemon=True).start()
        return "bye"


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            reply = self.server.control.run(line)
            self.wfile.write((reply + "\n").encode())
            self.wfile.flush()


class ControlServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, control):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.control = control
