"""Message classes for the fake cluster, generated from src/tikv/proto.

The .proto files are the client's own (src/tikv/proto); they are compiled
with `protoc --python_out` into a private temporary directory at import time
(never committed), so the fake and the client always speak the same schema.
"""
import atexit
import importlib
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "src", "tikv", "proto"))


def _generate():
    out = tempfile.mkdtemp(prefix="fake_tikv_pb_")
    atexit.register(cleanup)
    protos = sorted(f for f in os.listdir(PROTO_DIR) if f.endswith(".proto"))
    subprocess.run(["protoc", "--python_out=" + out, "-I", PROTO_DIR] +
                   [os.path.join(PROTO_DIR, p) for p in protos], check=True)
    sys.path.insert(0, out)
    return out


def cleanup():
    """Remove the generated code (also called by server.py before _exit)."""
    shutil.rmtree(GEN_DIR, True)


GEN_DIR = _generate()
metapb = importlib.import_module("metapb_pb2")
errorpb = importlib.import_module("errorpb_pb2")
kvrpcpb = importlib.import_module("kvrpcpb_pb2")
pdpb = importlib.import_module("pdpb_pb2")
