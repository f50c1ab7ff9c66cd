#!/bin/sh
# setup.sh: the first command of the README, on a Debian machine.
#
#   sh setup.sh            install the Debian packages tito needs, build
#                          tito.so and run the demo (sql/quickstart.sql)
#   sh setup.sh --no-demo  the packages only (what `make setup` and CI run)
#   sh setup.sh --fuzz     also clang's libFuzzer, for `make fuzz`
#                          (`make setup-fuzz`; implies --no-demo)
#
# Works as root (a plain container, where sudo does not exist) and as a user
# with sudo. The package lists are updated once; apt's own output goes to a
# log file that is shown only when something fails. The package names are
# the Makefile's DEBS, so make is installed first when it is missing.
set -eu
cd "$(dirname "$0")"

demo=yes
fuzz=no
for a in "$@"; do
  case $a in
    --no-demo) demo=no ;;
    --fuzz) demo=no; fuzz=yes ;;
    *) echo "setup.sh: unknown option $a" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" = 0 ]; then
  SUDO=
elif command -v sudo >/dev/null 2>&1; then
  SUDO=sudo
else
  echo "setup.sh: run it as root, or install sudo" >&2
  exit 1
fi

log=$(mktemp "${TMPDIR:-/tmp}/tito-setup.XXXXXX")
apt() {
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -q -y "$@" >>"$log" 2>&1; then
    echo "setup.sh: apt-get $1 failed:" >&2
    tail -30 "$log" >&2
    exit 1
  fi
}

echo "setup: installing the Debian packages (apt-get; log in $log)"
apt update
command -v make >/dev/null 2>&1 || apt install make
target=print-debs
[ $fuzz = yes ] && target=print-fuzz-debs
debs=$(make -s --no-print-directory $target) || {
  echo "setup.sh: make $target failed" >&2
  exit 1
}
# shellcheck disable=SC2086 # one word per package
apt install $debs
rm -f "$log"

if [ "$demo" = yes ]; then
  echo "setup: building tito.so"
  make -s --no-print-directory
  echo "setup: running the demo"
  make -s --no-print-directory demo
fi
