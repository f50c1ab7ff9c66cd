#!/usr/bin/env bash
# tls_test.sh: the TiKV client over mutual TLS. Makes a throw-away CA and
# server/client certificates with openssl, serves the fake cluster over TLS
# (tls_fake.py) and runs $TITO_BUILD/tikv/test_tls against it.
set -u
cd "$(dirname "$0")/../.."
bin=${TITO_BUILD:-build}/tikv/test_tls
if ! command -v openssl > /dev/null; then
  echo "ok - TLS # skip openssl not installed"; exit 0
fi
if [ ! -x "$bin" ]; then
  echo "not ok - TLS: $bin not built"; exit 1
fi
tmp=$(mktemp -d)
fake_pid=""
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# CA, then a server certificate for 127.0.0.1 and a client certificate.
cert() { # name subject [extension]
  openssl req -newkey rsa:2048 -nodes -keyout "$tmp/$1.key" -subj "/CN=$2" \
    -out "$tmp/$1.csr" 2>/dev/null &&
  openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" \
    -CAcreateserial -days 1 -out "$tmp/$1.crt" ${3:+-extfile "$tmp/$1.ext"} \
    2>/dev/null
}
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" \
  -subj "/CN=tito test CA" -days 1 -out "$tmp/ca.crt" 2>/dev/null &&
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$tmp/server.ext" &&
cert server 127.0.0.1 ext && cert client tito-client ||
  { echo "not ok - TLS: cannot make test certificates"; exit 1; }

env -u LD_PRELOAD /usr/bin/python3 test/tikv/tls_fake.py "$tmp" \
  > "$tmp/ready" 2> "$tmp/fake.log" < /dev/null &
fake_pid=$!
for _ in $(seq 1 200); do
  grep -q '^PD=' "$tmp/ready" && break
  kill -0 "$fake_pid" 2>/dev/null || break
  sleep 0.05
done
if ! grep -q '^PD=' "$tmp/ready"; then
  echo "not ok - TLS: the TLS fake did not start"; tail -5 "$tmp/fake.log" | sed 's/^/# /'
  exit 1
fi
eval "$(head -1 "$tmp/ready")"
TITO_TIKV_PD=$PD TITO_TLS_CA=$tmp/ca.crt TITO_TLS_CERT=$tmp/client.crt \
  TITO_TLS_KEY=$tmp/client.key timeout 120 "$bin"
