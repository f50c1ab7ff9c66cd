#!/usr/bin/env bash
# test/setup_test.sh: the README's first command (setup.sh) and what it
# prints, without touching the machine: apt-get, id and sudo are stubs on a
# PATH that holds only the tools setup.sh needs (so no real sudo either).
#   - as root with no sudo at all (a plain container): apt-get runs directly;
#   - as a user with sudo: every apt-get goes through sudo;
#   - as a user without sudo: a clear error;
#   - apt-get update runs once; setup.sh prints two short lines;
#   - make (tito.so, print-debs) says nothing about gRPC when it is absent;
#   - the demo shows its intentional constraint error as expected.
set -u
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0
ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; n=$((n + 1)); }

# The README's first command is the one tested here.
first=$(grep -m1 -E '^    [^ ]' README.md | sed 's/^    //')
[ "$first" = "sh setup.sh" ] && ok "README first command is sh setup.sh" \
  || nok "README first command is '$first', not the tested 'sh setup.sh'"

# A PATH with only what setup.sh and make need, plus the stubs.
bin=$tmp/bin; mkdir -p "$bin"
for t in sh make env mktemp rm tail cat dirname echo; do
  p=$(type -P "$t") || { nok "tool $t missing"; continue; }
  ln -s "$p" "$bin/$t"
done
cat > "$bin/apt-get" <<EOF
#!/bin/sh
echo "apt-get \$* uid=\${FAKE_UID}\${VIA_SUDO:+ via sudo}" >> "$tmp/calls"
echo "Reading package lists... (noise that must not be shown)"
EOF
cat > "$bin/id" <<'EOF'
#!/bin/sh
[ "$1" = -u ] && { echo "$FAKE_UID"; exit 0; }
exit 1
EOF
cat > "$tmp/sudo" <<'EOF'
#!/bin/sh
VIA_SUDO=1 exec "$@"
EOF
chmod +x "$bin/apt-get" "$bin/id" "$tmp/sudo"

run_setup() { # $1 = uid, $2 = with sudo (1/0)
  local path=$bin
  if [ "$2" = 1 ]; then mkdir -p "$tmp/sbin"; cp "$tmp/sudo" "$tmp/sbin/"; path=$tmp/sbin:$bin; fi
  rm -f "$tmp/calls"
  FAKE_UID=$1 PATH=$path sh setup.sh --no-demo > "$tmp/out" 2>&1
}

run_setup 0 0; rc=$?
updates=$(grep -c '^apt-get -q -y update' "$tmp/calls" 2>/dev/null)
if [ $rc = 0 ] && [ "$updates" = 1 ] && ! grep -q 'via sudo' "$tmp/calls" &&
   grep -q '^apt-get -q -y install .*libsqlite3-dev' "$tmp/calls"; then
  ok "setup.sh as root without sudo: one apt-get update, packages installed"
else
  nok "setup.sh as root without sudo (rc $rc, $updates updates)"; cat "$tmp/out" "$tmp/calls"
fi
if [ "$(wc -l < "$tmp/out")" -le 2 ] && ! grep -q 'Reading package lists' "$tmp/out"; then
  ok "setup.sh prints little"
else
  nok "setup.sh output:"; cat "$tmp/out"
fi

run_setup 1000 1; rc=$?
if [ $rc = 0 ] && [ "$(grep -c . "$tmp/calls")" = "$(grep -c 'via sudo' "$tmp/calls")" ] &&
   [ "$(grep -c ' update ' "$tmp/calls")" = 1 ] &&
   grep -q '^apt-get -q -y install .*libsqlite3-dev' "$tmp/calls"; then
  ok "setup.sh as a user: every apt-get through sudo, one update"
else
  nok "setup.sh as a user with sudo (rc $rc)"; cat "$tmp/out" "$tmp/calls"
fi

run_setup 1000 0; rc=$?
if [ $rc != 0 ] && grep -q 'run it as root, or install sudo' "$tmp/out" && [ ! -s "$tmp/calls" ]; then
  ok "setup.sh as a user without sudo: a clear error, nothing run"
else
  nok "setup.sh as a user without sudo (rc $rc)"; cat "$tmp/out"
fi

# gRPC absent (pkg-config finds nothing): make stays quiet about it.
mkdir -p "$tmp/nopc"
PKG_CONFIG_LIBDIR=$tmp/nopc make -s print-debs > /dev/null 2> "$tmp/err1"
PKG_CONFIG_LIBDIR=$tmp/nopc make -n -B tito.so > /dev/null 2> "$tmp/err2"
if [ ! -s "$tmp/err1" ] && [ ! -s "$tmp/err2" ]; then
  ok "make without gRPC prints nothing about it"
else
  nok "make without gRPC:"; cat "$tmp/err1" "$tmp/err2"
fi

# The demo: its intentional error shown as expected, and it succeeds.
make -s --no-print-directory -C "$root" demo SAN="${SAN:-}" \
  DEMO_DB="$tmp/demo.db" > "$tmp/demo" 2>&1; rc=$?
if [ $rc = 0 ] && ! grep -q 'Runtime error' "$tmp/demo" &&
   grep -q '^-> error, as expected: UNIQUE constraint failed: users.email$' "$tmp/demo" &&
   grep -q 'is ready' "$tmp/demo"; then
  ok "make demo shows the intentional error as expected"
else
  nok "make demo (rc $rc)"; tail -20 "$tmp/demo"
fi
exit $n
