#!/usr/bin/python3
"""proto_fields_test.py: checks src/tikv/proto/*.proto against the field
table of the protocol sheet (tikv-protocol-fields.json: kvproto's numbers,
types and labels). Every field and enum value we declare must match it
exactly; messages we add that kvproto's table lacks are listed, not failed.

The table lives outside the repository (TITO_PROTO_FIELDS, default
/work/shared/tikv-protocol-fields.json); without it the check is skipped.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "src", "tikv", "proto"))
TABLE = os.environ.get("TITO_PROTO_FIELDS", "/work/shared/tikv-protocol-fields.json")


def main():
    if not os.path.exists(TABLE):
        print("ok - proto fields match the sheet # skip %s not found" % TABLE)
        return 0
    from google.protobuf import descriptor_pb2 as D
    table = json.load(open(TABLE))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "ds.pb")
        protos = sorted(os.path.join(PROTO_DIR, f) for f in os.listdir(PROTO_DIR)
                        if f.endswith(".proto"))
        subprocess.run(["protoc", "-I", PROTO_DIR, "--include_imports",
                        "--descriptor_set_out=" + out] + protos, check=True)
        fds = D.FileDescriptorSet()
        fds.ParseFromString(open(out, "rb").read())
    F = D.FieldDescriptorProto
    scalar = {F.TYPE_UINT64: "uint64", F.TYPE_INT64: "int64", F.TYPE_UINT32: "uint32",
              F.TYPE_INT32: "int32", F.TYPE_BOOL: "bool", F.TYPE_STRING: "string",
              F.TYPE_BYTES: "bytes"}
    bad, nField, nEnum, extra = [], 0, 0, []

    def walk(prefix, msgs, enums):
        nonlocal nField, nEnum
        for e in enums:
            je = table["enums"].get(prefix + e.name)
            if je is None:
                extra.append(prefix + e.name)
                continue
            for v in e.value:
                nEnum += 1
                if je.get(v.name) != v.number:
                    bad.append("enum %s%s.%s = %d, sheet %s" % (prefix, e.name, v.name,
                                                               v.number, je.get(v.name)))
        for m in msgs:
            name = prefix + m.name
            walk(name + ".", m.nested_type, m.enum_type)
            jm = table["messages"].get(name)
            if jm is None:
                extra.append(name)
                continue
            for f in m.field:
                nField += 1
                jf = jm.get(f.name)
                typ = scalar.get(f.type) or f.type_name.lstrip(".")
                lab = ("repeated" if f.label == F.LABEL_REPEATED else
                       "oneof" if f.HasField("oneof_index") else "singular")
                got = (f.number, typ, lab)
                if jf is None or (jf["number"], jf["type"], jf["label"]) != got:
                    bad.append("%s.%s %s, sheet %s" % (name, f.name, got, jf))

    for fd in fds.file:
        walk(fd.package + ".", fd.message_type, fd.enum_type)
    for b in bad:
        print("# " + b)
    if extra:
        print("# not in the sheet's table (checked by hand): " + ", ".join(extra))
    print("# %d fields, %d enum values checked" % (nField, nEnum))
    ok = not bad and nField > 300
    print(("ok" if ok else "not ok") + " - proto fields match the sheet")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
