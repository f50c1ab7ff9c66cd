#!/usr/bin/python3
"""tls_fake.py CERTDIR: the fake PD + TiKV cluster (test/fake_tikv) served
over mutual TLS: server certificate CERTDIR/server.{crt,key}, clients must
present a certificate signed by CERTDIR/ca.crt. Prints the fake's ready
line and serves until stdin closes or SIGTERM. Used by tls_test.sh.
"""
import os
import signal
import sys
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fake_tikv"))

import grpc  # noqa: E402
import server  # noqa: E402


class TlsFake(server.Fake):
    """The fake with every gRPC port behind mutual TLS."""

    def __init__(self, certdir):
        super().__init__(2, [b"g", b"n"], 2)

        def rd(name):
            with open(os.path.join(certdir, name), "rb") as f:
                return f.read()
        self.creds = grpc.ssl_server_credentials(
            [(rd("server.key"), rd("server.crt"))],
            root_certificates=rd("ca.crt"), require_client_auth=True)

    def _grpc_server(self, handler, port, workers):
        s = grpc.server(futures.ThreadPoolExecutor(max_workers=workers),
                        options=server.GRPC_OPTIONS)
        s.add_generic_rpc_handlers((handler,))
        got = s.add_secure_port("127.0.0.1:%d" % port, self.creds)
        if got == 0:
            raise RuntimeError("cannot bind 127.0.0.1:%d" % port)
        s.start()
        return s, got


def main():
    fake = TlsFake(sys.argv[1])
    fake.start()
    signal.signal(signal.SIGTERM, lambda *_: fake.shutdown())
    print(fake.ready_line(), flush=True)
    while not fake.done.wait(0.5):
        if os.getppid() == 1:
            break
    fake.stop_all()


if __name__ == "__main__":
    main()
