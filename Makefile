# tito: a SQLite loadable extension over an ordered transactional KV store.
#
#   make setup        install the Debian packages the build and tests need
#   make              build ./tito.so (embedded store, no server needed)
#   make test         build everything and run the whole suite (test/run)
#   make test SAN=1   the same under AddressSanitizer + UBSan, in build-san/
#   make test SQLITE=current
#                     the same against a current SQLite (library and shell
#                     built from source in build-current/, never installed);
#                     also for make bench
#   make valgrind     the C test programs under valgrind (also the TiKV
#                     client against the fake cluster)
#   make bench        print benchmark figures (not a test)
#   make demo         run sql/quickstart.sql on a fresh demo.db
#   make fuzz         every fuzz target for FUZZ_TIME seconds (default 60)
#                     with clang's libFuzzer (make setup-fuzz), else the
#                     seeded driver (test/fuzz/run.sh)
#   make soak         the crash and multi-process tests, many more trials
#
# Engine sources (src/*.c) are compiled twice: with TITO_EXTENSION for
# tito.so (calls go through SQLite's routine table) and without it for the
# C unit tests, which link libsqlite3 directly.

CC      ?= cc
SAN     ?=
BUILD   := build$(if $(SAN),-san)
PYTHON  ?= /usr/bin/python3
# Which SQLite the tests and benchmarks run on: empty for the system's
# (Debian 12: 3.40.1), "current" for the one built in build-current/.
SQLITE  ?=

comma    := ,
WARN     := -std=c11 -Wall -Wextra -Werror
OPT      := $(if $(SAN),-O1 -g -fno-omit-frame-pointer -fsanitize=address$(comma)undefined -fno-sanitize-recover=undefined,-O2 -g)
CFLAGS   ?=
CFLAGS   += $(WARN) $(OPT) -fPIC -D_GNU_SOURCE -Isrc
LDSAN    := $(if $(SAN),-fsanitize=address$(comma)undefined)

# Probed only when a recipe links against it (a lazy variable), quietly:
# `make setup` runs before pkg-config exists.
SQLITE_LIBS = $(eval SQLITE_LIBS := $(shell pkg-config --libs sqlite3 2>/dev/null || echo -lsqlite3))$(SQLITE_LIBS)

# The engine's own libraries (libuuid: event ids).
ENGINE_LIBS := -luuid

CORE_SRC := $(wildcard src/*.c)
EXT_SRC  := $(wildcard ext/*.c)
EXT_OBJ  := $(patsubst %.c,$(BUILD)/so/%.o,$(CORE_SRC) $(EXT_SRC))
UNIT_OBJ := $(patsubst %.c,$(BUILD)/unit/%.o,$(CORE_SRC))
TITO_SO  := $(if $(SAN),$(BUILD)/tito.so,tito.so)

UNIT_TESTS := $(patsubst test/unit/%.c,$(BUILD)/unit/%,$(wildcard test/unit/test_*.c))
BENCH_BINS := $(patsubst test/bench/%.c,$(BUILD)/bench/%,$(wildcard test/bench/*.c))
# The KV conformance suite (test/kv/) on the embedded store; tikv.mk builds
# it again for TiKV.
KV_CONF_EMB := $(BUILD)/kv/test_kv_conformance_embedded
# Other parts (src/tikv/tikv.mk) add their test programs here.
TEST_BINS  := $(UNIT_TESTS) $(KV_CONF_EMB)

# Debian packages: build, the TiKV client (gRPC core C API, protobuf-c), the
# fake cluster of the tests (Python gRPC), valgrind, and SQLAlchemy for the
# reflection test.
DEBS := build-essential pkg-config sqlite3 libsqlite3-dev libprotobuf-c-dev \
        protobuf-c-compiler protobuf-compiler libgrpc-dev uuid-dev python3 \
        python3-grpcio python3-protobuf valgrind python3-sqlalchemy

.PHONY: all setup setup-fuzz print-debs print-fuzz-debs test test-build \
        valgrind bench demo fuzz soak clean sqlite-current
all: $(TITO_SO)

-include src/tikv/tikv.mk

# Keep object files: they are shared by several programs.
.SECONDARY: $(UNIT_OBJ) $(EXT_OBJ)

# tito.so links the TiKV client (src/tikv/tikv.mk: TIKV_LIB, TIKV_LIBS), its
# symbols kept inside.
$(TITO_SO): $(EXT_OBJ) $(TIKV_LIB)
	@echo "$(CC) -shared -o $@ ... (the engine, the TiKV client, gRPC)"
	@$(CC) -shared $(LDSAN) -Wl,--exclude-libs,ALL -o $@ $(EXT_OBJ) $(TIKV_LIB) $(TIKV_LIBS) $(ENGINE_LIBS)

$(BUILD)/so/%.o: %.c $(wildcard src/*.h ext/*.h src/tikv/kv_tikv.h src/tikv/client.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DTITO_EXTENSION -fvisibility=hidden -Iext -c -o $@ $<

$(BUILD)/unit/%.o: %.c $(wildcard src/*.h src/tikv/kv_tikv.h src/tikv/client.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The engine opens TiKV stores (src/store_registry.c): every program linking
# it links the client too.
$(BUILD)/unit/test_%: test/unit/test_%.c $(UNIT_OBJ) $(TIKV_LIB) test/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itest/unit -o $@ $< $(UNIT_OBJ) $(TIKV_LIB) $(LDSAN) $(SQLITE_LIBS) $(TIKV_LIBS) $(ENGINE_LIBS) -lm

$(KV_CONF_EMB): test/kv/kv_conformance.c test/kv/fixture_embedded.c test/kv/kv_fixture.h $(UNIT_OBJ) $(TIKV_LIB) test/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itest/unit -Itest/kv -o $@ test/kv/kv_conformance.c test/kv/fixture_embedded.c $(UNIT_OBJ) $(TIKV_LIB) $(LDSAN) $(SQLITE_LIBS) $(TIKV_LIBS) $(ENGINE_LIBS) -lm

$(BUILD)/bench/%: test/bench/%.c $(UNIT_OBJ) $(TIKV_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(UNIT_OBJ) $(TIKV_LIB) $(LDSAN) $(SQLITE_LIBS) $(TIKV_LIBS) $(ENGINE_LIBS) -lm

# Test tools (not tests): removing a test run's keyspaces from a cluster.
TEST_TOOLS := $(BUILD)/tikv/purge_keyspace

$(BUILD)/tikv/purge_keyspace: test/tikv/purge_keyspace.c $(TIKV_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(TIKV_CFLAGS) -o $@ $< $(TIKV_LIB) $(LDSAN) $(TIKV_LIBS)

# ---------------------------------------------------------------------------
# A current SQLite for `make test SQLITE=current` (and bench). tito.so and
# the test programs are the same as for the system SQLite (compiled against
# its 3.40 header); only what they run on changes: the shell comes first in
# PATH and the library in LD_LIBRARY_PATH (the shell, Python's sqlite3
# module and the C test programs all load libsqlite3.so.0), and
# test/sqlite_version_test.sh checks that each really runs CUR_VERSION.
#
# The source is SQLite's autoconf tarball (amalgamation + shell.c) that the
# npm package sqlite3 ships: fetched with `npm pack`, pinned by version and
# checked by sha256, so the build works offline from the npm registry alone.
# Compile options: Debian's (FTS3/4/5, RTREE, JSON, math functions,
# load_extension, column metadata, ...), except LIKE_DOESNT_MATCH_BLOBS,
# which is left out on purpose as in SQLite's default build and most other
# distributions: with it LIKE and GLOB never match a BLOB, without it they
# do, and the two runs of the suite then cover both settings.
CUR          := build-current
CUR_VERSION  := 3.52.0
CUR_NPM      := sqlite3@6.0.1
CUR_NPM_TGZ  := sqlite3-6.0.1.tgz
CUR_NPM_SHA  := ab8d044a93e05bd031d7ea75547c7fa60387cdc259d27f93c0e3e2832c4b1df9
CUR_AUTOCONF := sqlite-autoconf-3520000
CUR_DEFS := -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_COLUMN_METADATA \
  -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_FTS3 \
  -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_FTS3_TOKENIZER \
  -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_MATH_FUNCTIONS \
  -DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_ENABLE_RTREE \
  -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_STMTVTAB \
  -DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_ENABLE_LOAD_EXTENSION \
  -DSQLITE_MAX_SCHEMA_RETRY=25 \
  -DSQLITE_MAX_VARIABLE_NUMBER=250000 -DSQLITE_OMIT_LOOKASIDE \
  -DSQLITE_SECURE_DELETE -DSQLITE_SOUNDEX -DSQLITE_USE_URI=1

ifeq ($(SQLITE),current)
SQLITE_DEP := sqlite-current
SQLITE_ENV := PATH="$(abspath $(CUR))/bin:$$PATH" \
  LD_LIBRARY_PATH="$(abspath $(CUR))/lib$${LD_LIBRARY_PATH:+:$$LD_LIBRARY_PATH}" \
  TITO_SQLITE_EXPECT=$(CUR_VERSION)
else ifneq ($(SQLITE),)
$(error SQLITE=$(SQLITE): say SQLITE=current, or nothing for the system SQLite)
endif

sqlite-current: $(CUR)/bin/sqlite3

$(CUR)/dl/$(CUR_NPM_TGZ):
	@mkdir -p $(CUR)/dl/tmp
	cd $(CUR)/dl/tmp && npm pack --silent $(CUR_NPM) > /dev/null
	echo "$(CUR_NPM_SHA)  $(CUR)/dl/tmp/$(CUR_NPM_TGZ)" | sha256sum -c --quiet
	mv $(CUR)/dl/tmp/$(CUR_NPM_TGZ) $@ && rmdir $(CUR)/dl/tmp

$(CUR)/src/sqlite3.c: $(CUR)/dl/$(CUR_NPM_TGZ)
	rm -rf $(CUR)/src && mkdir -p $(CUR)/src
	tar -xzOf $< package/deps/$(CUR_AUTOCONF).tar.gz | \
	  tar -xz -C $(CUR)/src --strip-components=1 \
	    $(addprefix $(CUR_AUTOCONF)/,sqlite3.c sqlite3.h sqlite3ext.h shell.c)
	touch $@

$(CUR)/lib/libsqlite3.so.0: $(CUR)/src/sqlite3.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -fPIC -shared -Wl,-soname,libsqlite3.so.0 $(CUR_DEFS) \
	  -o $@ $< -lm -lpthread -ldl
	ln -sf libsqlite3.so.0 $(CUR)/lib/libsqlite3.so

$(CUR)/bin/sqlite3: $(CUR)/lib/libsqlite3.so.0
	@mkdir -p $(dir $@)
	$(CC) -O2 $(CUR_DEFS) -I$(CUR)/src -o $@ $(CUR)/src/shell.c \
	  -L$(CUR)/lib -lsqlite3 -Wl,-rpath,'$$ORIGIN/../lib' -lm

# Fuzz targets (test/fuzz/fuzz_*.c). Built with test/fuzz/driver.c they
# replay their corpus in `make test`; `make fuzz` builds them with clang's
# libFuzzer (see test/fuzz/run.sh). The SQL targets (planner, tamper) link
# the whole extension, registered in-process.
FUZZ_NAMES := $(patsubst test/fuzz/fuzz_%.c,%,$(wildcard test/fuzz/fuzz_*.c))
FUZZ_BINS  := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))
EXT_UNIT_OBJ := $(patsubst %.c,$(BUILD)/unit/%.o,$(EXT_SRC))
.SECONDARY: $(EXT_UNIT_OBJ)

$(BUILD)/fuzz/fuzz_%: test/fuzz/fuzz_%.c test/fuzz/driver.c $(wildcard test/fuzz/*.h) $(UNIT_OBJ) $(EXT_UNIT_OBJ) $(TIKV_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iext -Itest/fuzz -o $@ $< test/fuzz/driver.c $(UNIT_OBJ) $(EXT_UNIT_OBJ) $(TIKV_LIB) $(LDSAN) $(SQLITE_LIBS) $(TIKV_LIBS) $(ENGINE_LIBS) -lm

test-build: $(TITO_SO) $(TEST_BINS) $(TEST_TOOLS) $(FUZZ_BINS)

test: test-build $(SQLITE_DEP)
	$(SQLITE_ENV) TITO_SO=./$(TITO_SO) TITO_BUILD=$(BUILD) PYTHON=$(PYTHON) \
	  SAN=$(SAN) bash test/run $(TEST_BINS)

# gRPC keeps some one-time allocations ("possibly lost"): only definite
# leaks and memory errors fail.
VALGRIND := valgrind -q --error-exitcode=9 --leak-check=full \
            --errors-for-leak-kinds=definite --show-leak-kinds=definite

valgrind: test-build
	@fail=0; for t in $(UNIT_TESTS) $(KV_CONF_EMB) $(filter $(BUILD)/tikv/%,$(TEST_BINS)); do \
	  echo "== $$t"; $(VALGRIND) $$t > /dev/null || { echo "FAILED: $$t"; fail=1; }; \
	done; \
	TIKV_TEST_WRAPPER="$(VALGRIND)" TIKV_TEST_TIMEOUT=900 bash test/tikv/client_test.sh \
	  | grep -E '^(not ok|ok)' ; \
	exit $$fail

bench: $(TITO_SO) $(BENCH_BINS) $(TEST_TOOLS) sqlite-current
	$(SQLITE_ENV) TITO_SO=./$(TITO_SO) PYTHON=$(PYTHON) \
	  bash test/bench/run $(BENCH_BINS)

# setup.sh installs make if needed, then asks for this list.
setup:
	@sh setup.sh --no-demo

print-debs:
	@echo $(DEBS)

# clang's libFuzzer for `make fuzz` (not needed by `make test`).
FUZZ_DEBS := clang libclang-rt-14-dev
setup-fuzz:
	@sh setup.sh --fuzz

print-fuzz-debs:
	@echo $(DEBS) $(FUZZ_DEBS)

FUZZ_TIME ?= 60
fuzz:
	FUZZ_TIME=$(FUZZ_TIME) bash test/fuzz/run.sh $(FUZZ_TARGETS)

# The crash and multi-process tests with many more trials than make test.
soak: $(TITO_SO) $(SQLITE_DEP)
	$(SQLITE_ENV) TITO_SO=./$(TITO_SO) TITO_SOAK=1 $(PYTHON) test/crash_test.py
	$(SQLITE_ENV) TITO_SO=./$(TITO_SO) TITO_SOAK=1 $(PYTHON) test/multiprocess_test.py

# The quickstart shows a constraint error on purpose (the shell then exits
# 1 and calls it a "Runtime error"): the demo prints it as the expected
# result it is, and succeeds when the tables it built check out.
DEMO_DB ?= demo.db
demo: $(TITO_SO)
	@rm -f $(DEMO_DB)
	@sed 's|^\.load \./tito$$|.load ./$(TITO_SO:.so=)|' sql/quickstart.sql | \
	  sqlite3 $(DEMO_DB) 2>&1 | \
	  sed -e 's/^Runtime error near line [0-9]*: \(.*\) ([0-9]*)$$/-> error, as expected: \1/' \
	      -e 's/^Error near line [0-9]*: \(.*\)$$/-> error, as expected: \1/'
	@test "$$(sqlite3 -cmd '.load ./$(TITO_SO:.so=)' $(DEMO_DB) "SELECT tito_check('users')")" = ok \
	  && echo "$(DEMO_DB) is ready: sqlite3 -cmd '.load ./tito' $(DEMO_DB)"

clean:
	rm -rf build build-san build-fuzz $(CUR) tito.so demo.db
