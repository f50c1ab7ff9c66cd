"""tikvsql.py: what the SQL-on-TiKV tests share: the cluster they run on,
its control channel, keyspaces, connections and cleanup.

The cluster, in order of preference:
  TITO_SQL_PD (+ TITO_SQL_CONTROL)  the fake cluster test/run started once
                                    for the whole suite
  TITO_TIKV_PD                      a real cluster: no control channel,
                                    tests that inject faults skip themselves
  otherwise                         a fake started here (test/fake_tikv)
Every test works in keyspaces named "<run prefix>..." (run_prefix()), so
runs never see each other's keys, and removes them when done (purge()).
"""
import os
import random
import socket
import sqlite3
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SO = os.path.realpath(os.environ.get('TITO_SO', os.path.join(ROOT, 'tito.so')))
BUILD = os.environ.get('TITO_BUILD', 'build')


class Cluster:
    """PD endpoints, the control address (None on a real cluster), and
    whether this process started the fake (stop() then stops it)."""

    def __init__(self):
        self.pid = None
        if os.environ.get('TITO_SQL_PD'):
            self.pd = os.environ['TITO_SQL_PD']
            self.control = os.environ.get('TITO_SQL_CONTROL') or None
        elif os.environ.get('TITO_TIKV_PD'):
            self.pd = os.environ['TITO_TIKV_PD']
            self.control = None
        else:
            out = subprocess.run(
                ['bash', os.path.join(ROOT, 'test/fake_tikv/start.sh'),
                 '--parent', str(os.getpid()), '--max-life', '1800'],
                stdout=subprocess.PIPE, check=True, text=True).stdout
            kv = dict(w.split('=', 1) for w in out.split())
            self.pd, self.control, self.pid = kv['PD'], kv['CONTROL'], kv['PID']

    def stop(self):
        if self.pid:
            subprocess.run(['bash', os.path.join(ROOT, 'test/fake_tikv/stop.sh'),
                            self.pid])
            self.pid = None

    def ctl(self, cmd):
        """One control command; the reply line ('ok ...' / 'err ...')."""
        host, port = self.control.rsplit(':', 1)
        with socket.create_connection((host, int(port)), timeout=30) as s:
            s.sendall((cmd + '\n').encode())
            buf = b''
            while not buf.endswith(b'\n'):
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
        return buf.decode().strip()

    def url(self, keyspace, extra=''):
        return 'tikv://%s?keyspace=%s%s' % (self.pd, keyspace, extra)


def run_prefix(name):
    """A keyspace name prefix unique to this run of test NAME (of a fixed
    length, so that key sizes in messages do not change between runs)."""
    return 'tito-test-%s-%08x-%08x-' % (name, os.getpid() & 0xffffffff,
                                        int(time.time()) & 0xffffffff)


def run_tests(name, tests):
    """Run each of TESTS as test(cluster, prefix) on the cluster (a fake
    one, or TITO_TIKV_PD's), under a key prefix of this run of NAME; every
    keyspace of the run is removed at the end, whatever happened."""
    cluster = Cluster()
    prefix = run_prefix(name)
    try:
        for test in tests:
            test(cluster, prefix)
    finally:
        purge(cluster, prefix)
        cluster.stop()


def keyspace_key(keyspace):
    """The raw key prefix of a keyspace (src/kv_keyspace.h)."""
    return b'\x25' + keyspace.encode() + b'\x00\x00'


def model_key(keyspace, model_id, kind=None, rest=b''):
    """A key of model MODEL_ID under keyspace (prefix option ''):
    keyspace | P('') | u32 id [| kind | rest] (src/table.h)."""
    k = keyspace_key(keyspace) + b'\x25\x00\x00' + model_id.to_bytes(4, 'big')
    if kind is not None:
        k += bytes([kind]) + rest
    return k


def purge(cluster, prefix):
    """Remove every keyspace named PREFIX... from the cluster."""
    tool = os.path.join(ROOT, BUILD, 'tikv', 'purge_keyspace')
    r = subprocess.run([tool, cluster.pd, prefix], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        print('# purge of %s failed: %s' % (prefix, r.stderr.strip()))
    return r.returncode == 0


def connect(store_url, path=':memory:'):
    """A connection with tito loaded and its store set to STORE_URL (usable
    from any thread)."""
    c = sqlite3.connect(path, isolation_level=None, timeout=30,
                        check_same_thread=False)
    c.enable_load_extension(True)
    c.load_extension(SO)
    c.enable_load_extension(False)
    c.execute("SELECT tito_config('store', ?)", (store_url,))
    return c


class Chaos:
    """Injects faults into the fake while a test runs: region errors,
    busy servers, dropped requests, splits and leader moves, from a seeded
    random sequence, at most one per EVERY requests the fake received
    (checked every INTERVAL seconds)."""

    KINDS = ['NotLeader', 'NotLeaderNoHint', 'EpochNotMatch',
             'ServerIsBusy:5', 'RegionNotFound', 'StaleCommand', 'Drop']
    METHODS = ['*', 'KvGet', 'KvBatchGet', 'KvScan', 'KvPrewrite',
               'KvCommit']

    def __init__(self, cluster, keyspace, seed, interval=0.02, every=8):
        self.every = every
        self.cluster = cluster
        self.keyspace = keyspace
        self.rnd = random.Random(seed)
        self.interval = interval
        self.count = {}
        self.stopped = False
        self.thread = None

    def one(self):
        r = self.rnd.random()
        if r < 0.15:
            key = model_key(self.keyspace, self.rnd.randint(1, 4),
                            self.rnd.choice([1, 2]),
                            bytes(self.rnd.randrange(256) for _ in range(3)))
            cmd, what = 'split ' + key.hex(), 'split'
        elif r < 0.22:
            regions = self.cluster.ctl('regions').split()[1:]
            rid = self.rnd.choice(regions).split(':')[0]
            cmd, what = 'move_leader %s %d' % (rid, self.rnd.randint(1, 3)), \
                'move_leader'
        else:
            kind = self.rnd.choice(self.KINDS)
            cmd = 'fault %s %s 1' % (self.rnd.choice(self.METHODS), kind)
            what = kind.split(':')[0]
        if self.cluster.ctl(cmd).startswith('ok'):
            self.count[what] = self.count.get(what, 0) + 1

    def requests(self):
        """Requests the fake has received so far (all methods)."""
        return sum(int(w.split('=')[1])
                   for w in self.cluster.ctl('stats').split()[1:])

    def run(self):
        # A fault waits for the next matching call: arm one only when the
        # client has made EVERY requests since the last, so faults never
        # pile up while it backs off.
        last = 0
        while not self.stopped:
            try:
                n = self.requests()
                if n - last >= self.every:
                    self.one()
                    last = n
            except OSError:
                pass
            time.sleep(self.interval)

    def start(self):
        import threading
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def stop(self):
        self.stopped = True
        if self.thread:
            self.thread.join()
        self.cluster.ctl('clear_faults')


def tap(ok, name, detail=None):
    print('%s - %s' % ('ok' if ok else 'not ok', name))
    if not ok and detail:
        for line in str(detail).splitlines()[:40]:
            print('#   ' + line)
    sys.stdout.flush()
    return ok


class Worker:
    """A SQL session in another process (worker.py): another machine's
    connection to the same store."""

    def __init__(self, store_url):
        import json
        self.json = json
        self.p = subprocess.Popen(
            [sys.executable, os.path.join(os.path.dirname(
                os.path.abspath(__file__)), 'worker.py'), store_url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def send(self, req):
        self.p.stdin.write(self.json.dumps(req) + '\n')
        self.p.stdin.flush()

    def reply(self):
        line = self.p.stdout.readline()
        if not line:
            return {'err': 'worker died', 'code': 'DIED'}
        return self.json.loads(line)

    def sql(self, sql, *params):
        """Run one statement; its rows, or the error dict."""
        self.send({'sql': sql, 'params': list(params)})
        return self.reply()

    def rows(self, sql, *params):
        r = self.sql(sql, *params)
        if 'err' in r:
            raise RuntimeError('%s: %s' % (sql, r['err']))
        return r['rows']

    def kill(self):
        self.p.kill()
        self.p.wait()

    def close(self):
        if self.p.poll() is None:
            try:
                self.send({'exit': 0})
                self.p.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
