# tito: a SQLite loadable extension over an ordered transactional KV store.
#
#   make setup        install the Debian packages the build and tests need
#   make              build ./tito.so (embedded store, no server needed)
#   make test         build everything and run the whole suite (test/run)
#   make test SAN=1   the same under AddressSanitizer + UBSan, in build-san/
#   make valgrind     the C test programs under valgrind (also the TiKV
#                     client against the fake cluster)
#   make bench        print benchmark figures (not a test)
#   make demo         run sql/quickstart.sql on a fresh demo.db
#
# Engine sources (src/*.c) are compiled twice: with TITO_EXTENSION for
# tito.so (calls go through SQLite's routine table) and without it for the
# C unit tests, which link libsqlite3 directly.

CC      ?= cc
SAN     ?=
BUILD   := build$(if $(SAN),-san)
PYTHON  ?= /usr/bin/python3

comma    := ,
WARN     := -std=c11 -Wall -Wextra -Werror
OPT      := $(if $(SAN),-O1 -g -fno-omit-frame-pointer -fsanitize=address$(comma)undefined -fno-sanitize-recover=undefined,-O2 -g)
CFLAGS   ?=
CFLAGS   += $(WARN) $(OPT) -fPIC -D_GNU_SOURCE -Isrc
LDSAN    := $(if $(SAN),-fsanitize=address$(comma)undefined)

SQLITE_LIBS := $(shell pkg-config --libs sqlite3)

CORE_SRC := $(wildcard src/*.c)
EXT_SRC  := $(wildcard ext/*.c)
EXT_OBJ  := $(patsubst %.c,$(BUILD)/so/%.o,$(CORE_SRC) $(EXT_SRC))
UNIT_OBJ := $(patsubst %.c,$(BUILD)/unit/%.o,$(CORE_SRC))
TITO_SO  := $(if $(SAN),$(BUILD)/tito.so,tito.so)

UNIT_TESTS := $(patsubst test/unit/%.c,$(BUILD)/unit/%,$(wildcard test/unit/test_*.c))
BENCH_BINS := $(patsubst test/bench/%.c,$(BUILD)/bench/%,$(wildcard test/bench/*.c))
# Other parts (src/tikv/tikv.mk) add their test programs here.
TEST_BINS  := $(UNIT_TESTS)

# Debian packages: build, the TiKV client (gRPC core C API, protobuf-c), the
# fake cluster of the tests (Python gRPC), and valgrind.
DEBS := build-essential pkg-config sqlite3 libsqlite3-dev libprotobuf-c-dev \
        protobuf-c-compiler protobuf-compiler libgrpc-dev uuid-dev python3 \
        python3-grpcio python3-protobuf valgrind
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all setup test test-build valgrind bench demo clean
all: $(TITO_SO)

-include src/tikv/tikv.mk

# Keep object files: they are shared by several programs.
.SECONDARY: $(UNIT_OBJ) $(EXT_OBJ)

# tito.so links the TiKV client (src/tikv/tikv.mk: TIKV_LIB, TIKV_LIBS).
$(TITO_SO): $(EXT_OBJ) $(TIKV_LIB)
	$(CC) -shared $(LDSAN) -Wl,--exclude-libs,ALL -o $@ $(EXT_OBJ) $(TIKV_LIB) $(TIKV_LIBS)

$(BUILD)/so/%.o: %.c $(wildcard src/*.h ext/*.h src/tikv/kv_tikv.h src/tikv/client.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DTITO_EXTENSION -fvisibility=hidden -Iext -c -o $@ $<

$(BUILD)/unit/%.o: %.c $(wildcard src/*.h src/tikv/kv_tikv.h src/tikv/client.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/unit/test_%: test/unit/test_%.c $(UNIT_OBJ) $(TIKV_LIB) test/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itest/unit -o $@ $< $(UNIT_OBJ) $(TIKV_LIB) $(LDSAN) $(SQLITE_LIBS) $(TIKV_LIBS) -lm

$(BUILD)/bench/%: test/bench/%.c $(UNIT_OBJ) $(TIKV_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(UNIT_OBJ) $(TIKV_LIB) $(LDSAN) $(SQLITE_LIBS) $(TIKV_LIBS) -lm

# Test tools (not tests): removing a test run's keyspaces from a cluster.
TEST_TOOLS := $(BUILD)/tikv/purge_keyspace

test-build: $(TITO_SO) $(TEST_BINS) $(TEST_TOOLS)

$(BUILD)/tikv/purge_keyspace: test/tikv/purge_keyspace.c $(TIKV_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(TIKV_CFLAGS) -o $@ $< $(TIKV_LIB) $(LDSAN) $(TIKV_LIBS)

test: test-build
	TITO_SO=./$(TITO_SO) TITO_BUILD=$(BUILD) PYTHON=$(PYTHON) SAN=$(SAN) \
	  bash test/run $(TEST_BINS)

# gRPC keeps some one-time allocations ("possibly lost"): only definite
# leaks and memory errors fail.
VALGRIND := valgrind -q --error-exitcode=9 --leak-check=full \
            --errors-for-leak-kinds=definite --show-leak-kinds=definite

valgrind: test-build
	@fail=0; for t in $(UNIT_TESTS) $(filter $(BUILD)/tikv/%,$(TEST_BINS)); do \
	  echo "== $$t"; $(VALGRIND) $$t > /dev/null || { echo "FAILED: $$t"; fail=1; }; \
	done; \
	TIKV_TEST_WRAPPER="$(VALGRIND)" TIKV_TEST_TIMEOUT=900 bash test/tikv/client_test.sh \
	  | grep -E '^(not ok|ok)' ; \
	exit $$fail

bench: $(TITO_SO) $(BENCH_BINS)
	TITO_SO=./$(TITO_SO) PYTHON=$(PYTHON) bash test/bench/run $(BENCH_BINS)

setup:
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEBS)

# The quickstart shows a constraint error on purpose, so the shell exits 1:
# the demo succeeds when the tables it built check out.
demo: $(TITO_SO)
	rm -f demo.db
	sqlite3 demo.db < sql/quickstart.sql || true
	@test "$$(sqlite3 -cmd '.load ./$(TITO_SO:.so=)' demo.db "SELECT tito_check('users')")" = ok \
	  && echo "demo.db is ready: sqlite3 -cmd '.load ./tito' demo.db"

clean:
	rm -rf build build-san tito.so demo.db
