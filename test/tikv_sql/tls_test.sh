#!/usr/bin/env bash
# tls_test.sh: a tito table on a TiKV store reached over mutual TLS, the
# files named by URL parameters (tls_ca, tls_cert, tls_key). Makes a
# throw-away CA and certificates with openssl and serves the fake cluster
# over TLS (test/tikv/tls_fake.py). Prints "ok - " / "not ok - " lines.
set -u
cd "$(dirname "$0")/../.."
so=$(realpath "${TITO_SO:-./tito.so}")
if ! command -v openssl > /dev/null; then
  echo "ok - SQL over TLS # skip openssl not installed"; exit 0
fi
tmp=$(mktemp -d)
fake_pid=""
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

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
  { echo "not ok - SQL over TLS: cannot make test certificates"; exit 1; }

env -u LD_PRELOAD /usr/bin/python3 test/tikv/tls_fake.py "$tmp" \
  > "$tmp/ready" 2> "$tmp/fake.log" < /dev/null &
fake_pid=$!
for _ in $(seq 1 200); do
  grep -q '^PD=' "$tmp/ready" && break
  kill -0 "$fake_pid" 2>/dev/null || break
  sleep 0.05
done
if ! grep -q '^PD=' "$tmp/ready"; then
  echo "not ok - SQL over TLS: the TLS fake did not start"; exit 1
fi
eval "$(head -1 "$tmp/ready")"   # PD=...

tls="tls_ca=$tmp/ca.crt&tls_cert=$tmp/client.crt&tls_key=$tmp/client.key"
sql="CREATE VIRTUAL TABLE t USING tito(id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO t VALUES (1, 'over TLS');
SELECT v FROM t;
DROP TABLE t;"
got=$(TITO_STORE="tikv://$PD?keyspace=tls&$tls" sqlite3 -cmd ".load $so" \
  :memory: "$sql" 2>&1)
if [ "$got" = "over TLS" ]; then
  echo "ok - SQL over TLS: a table on a store whose URL names the TLS files"
else
  echo "not ok - SQL over TLS: a table on a store whose URL names the TLS files"
  echo "$got" | head -5 | sed 's/^/#   /'
fi
# The CREATE alone: a shell given several statements in one argument may
# report only the last error (SQLite 3.52's does).
got=$(TITO_STORE="tikv://$PD?keyspace=tls&timeout_ms=500" sqlite3 \
  -cmd ".load $so" :memory: \
  "CREATE VIRTUAL TABLE t USING tito(id INTEGER PRIMARY KEY, v TEXT);" 2>&1)
case $got in
  *"cannot open store tikv://$PD"*) echo "ok - SQL over TLS: without the TLS files the store cannot be opened" ;;
  *) echo "not ok - SQL over TLS: without the TLS files the store cannot be opened"
     echo "$got" | head -5 | sed 's/^/#   /' ;;
esac
