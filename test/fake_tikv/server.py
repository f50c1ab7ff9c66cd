#!/usr/bin/python3
"""Fake PD + TiKV cluster for the client tests: one process, several gRPC
servers on 127.0.0.1 (one per PD member, one per store) and a control port.

  server.py [--stores N] [--regions K1,K2,...] [--pd N] [--parent PID]
            [--max-life SECONDS]

Prints one line when ready: PD=host:p1,host:p2 CONTROL=host:pc PID=pid
and serves until SIGTERM/SIGINT, the control command `shutdown`, the
death of --parent, or --max-life seconds.
"""
import argparse
import os
import signal
import sys
import threading
import time
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import grpc  # noqa: E402

import pb  # noqa: E402
from cluster import Cluster  # noqa: E402
from control import Control, ControlServer  # noqa: E402
from pd_service import PdService  # noqa: E402
from tikv_service import TikvService  # noqa: E402

GRPC_OPTIONS = [("grpc.so_reuseport", 0),
                ("grpc.max_receive_message_length", -1),
                ("grpc.max_send_message_length", -1)]


def split_keys_arg(s):
    """--regions: comma-separated raw keys; a key written hex:... is hex."""
    out = []
    for k in s.split(","):
        if not k:
            continue
        out.append(bytes.fromhex(k[4:]) if k.startswith("hex:") else k.encode())
    return out


class Fake:
    def __init__(self, n_stores, split_keys, n_pd):
        self.cluster = Cluster(n_stores, split_keys, n_pd)
        self.done = threading.Event()
        self.control = Control(self)
        self.ctl_server = None

    def _grpc_server(self, handler, port, workers):
        s = grpc.server(futures.ThreadPoolExecutor(max_workers=workers), options=GRPC_OPTIONS)
        s.add_generic_rpc_handlers((handler,))
        got = s.add_insecure_port("127.0.0.1:%d" % port)
        if got == 0:
            raise RuntimeError("cannot bind 127.0.0.1:%d" % port)
        s.start()
        return s, got

    # ---- stores --------------------------------------------------------------------
    def _start_store(self, st):
        st.server, st.port = self._grpc_server(
            TikvService(self.cluster, st.id).generic_handler(), st.port, 64)
        st.up = True

    def store_down(self, sid):
        c = self.cluster
        with c.mu:
            st = c.stores[sid]
            if not st.up:
                raise ValueError("store %d is already down" % sid)
            st.up = False
            c.leader_failover(sid)
            server, st.server = st.server, None
        server.stop(0).wait()

    def store_up(self, sid):
        c = self.cluster
        with c.mu:
            st = c.stores[sid]
            if st.up:
                raise ValueError("store %d is up" % sid)
        self._start_store(st)

    def store_bounce(self, sid):
        """Close every connection of a store (stop its server) and serve
        again on the same port; leadership does not move."""
        c = self.cluster
        with c.mu:
            st = c.stores[sid]
            if not st.up:
                raise ValueError("store %d is down" % sid)
            server, st.server = st.server, None
        server.stop(0).wait()
        self._start_store(st)

    # ---- PD members ------------------------------------------------------------------
    def _start_pd(self, m):
        m.server, m.port = self._grpc_server(
            PdService(self.cluster, m).generic_handler(), m.port, 256)
        m.alive = True

    def pd_kill_leader(self):
        """Stop the leader member's server; the next live member leads."""
        c = self.cluster
        with c.mu:
            old = c.pd_leader_member()
            alive = [m for m in c.pd if m.alive and m is not old]
            if not alive:
                raise ValueError("no other live PD member")
            old.alive = False
            c.pd_leader = alive[0].idx
            server, old.server = old.server, None
            reply = "%s 127.0.0.1:%d" % (alive[0].name, alive[0].port)
        server.stop(0).wait()
        return reply

    def pd_revive(self):
        for m in self.cluster.pd:
            if not m.alive:
                self._start_pd(m)

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self):
        c = self.cluster
        for m in c.pd:
            self._start_pd(m)
        for sid in sorted(c.stores):
            self._start_store(c.stores[sid])
        self.ctl_server = ControlServer(self.control)
        threading.Thread(target=self.ctl_server.serve_forever, daemon=True).start()

    def reset(self):
        c = self.cluster
        for sid, st in c.stores.items():
            if not st.up:
                self._start_store(st)
        self.pd_revive()
        with c.mu:
            c.pd_leader = 0
            c.reset_data()
            c.stats = {}
            c.raft_entry_max = 8 << 20

    def ready_line(self):
        c = self.cluster
        pd = ",".join("127.0.0.1:%d" % m.port for m in c.pd)
        return "PD=%s CONTROL=127.0.0.1:%d PID=%d" % (pd, self.ctl_server.server_address[1],
                                                     os.getpid())

    def shutdown(self):
        self.done.set()

    def stop_all(self):
        c = self.cluster
        evs = []
        for st in c.stores.values():
            if st.server is not None:
                evs.append(st.server.stop(0))
        for m in c.pd:
            if m.server is not None:
                evs.append(m.server.stop(0))
        for e in evs:
            e.wait(2)
        if self.ctl_server is not None:
            self.ctl_server.server_close()  # the process exits right after


def parent_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stores", type=int, default=3)
    ap.add_argument("--regions", default="g,n,t")
    ap.add_argument("--pd", type=int, default=3)
    ap.add_argument("--parent", type=int, default=0)
    ap.add_argument("--max-life", type=float, default=3600)
    a = ap.parse_args()
    if a.stores < 1 or a.pd < 1:
        ap.error("need at least one store and one PD member")

    fake = Fake(a.stores, split_keys_arg(a.regions), a.pd)
    fake.start()
    signal.signal(signal.SIGTERM, lambda *_: fake.shutdown())
    signal.signal(signal.SIGINT, lambda *_: fake.shutdown())
    print(fake.ready_line(), flush=True)
    deadline = time.monotonic() + a.max_life
    while not fake.done.wait(0.2):
        if a.parent and not parent_alive(a.parent):
            break
        if time.monotonic() > deadline:
            print("fake_tikv: --max-life reached, exiting", file=sys.stderr)
            break
    fake.stop_all()
    # Do not wait for gRPC worker threads still parked in cancelled calls.
    pb.cleanup()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
