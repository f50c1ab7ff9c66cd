/*
** embedded_bench.c: tito on the embedded store against ordinary SQLite
** tables (make bench; figures, not a test).
**
** One file database in a fresh temporary directory, with SQLite's default
** settings (rollback journal, synchronous FULL) except a page cache large
** enough to hold it (--cache-mb 0 keeps SQLite's 2 MiB default, where both
** sides mostly measure reads of the OS file cache), holds for each key
** variant (TEXT keys, INTEGER keys) a tito table and an
** ordinary table with the same columns, the same two indexes (UNIQUE on
** email, plain on score) and the same rows. The same prepared statements,
** reused with bound parameters, then run against both:
**
**   get      SELECT name, email, role, score FROM t WHERE id=?
**   eq       SELECT id, name FROM t WHERE email=?            (unique index)
**   range    SELECT id, name, score FROM t WHERE score>=? AND score<?
**            (100 rows, in score order, each row fetched)
**   insert   INSERT INTO t VALUES(?,?,?,?,?)   (two indexes to maintain)
**   update   UPDATE t SET score=? WHERE id=?   (an indexed column)
**
** Operations run in batches of one transaction each (reads too: a read
** transaction per batch, so the figures compare the engines, not file
** locking). Time is the process's CPU time (user + system; --wall for wall
** clock): steady on a busy machine, and without fsync waits, which belong
** to the disk. Each (operation, table) pair runs several rounds, native and
** tito alternating; the best round is printed as ops/s (interference from
** other processes only ever slows a round down), and the ratio
** native ops/s / tito ops/s says how many times slower tito is. Every
** statement's result is checked (row counts, changes), so a wrong answer
** stops the bench instead of printing a fast figure. A last pass counts
** the nested statements tito runs per operation (SQLITE_TRACE_STMT sees
** them with a "-- " prefix).
**
** Options (for profiling one side): --rows N, --scale F (operation counts),
** --rounds N, --only tito|native, --op NAME[,NAME] (get, eq, range, insert,
** update), --variant text|int, --cache-mb N, --memory (":memory:" instead
** of a file), --autocommit (reads outside explicit transactions), --wall,
** --no-count (skip the statement count).
** The extension is loaded from $TITO_SO (default ./tito.so).
*/
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { OP_GET, OP_EQ, OP_RANGE, OP_INSERT, OP_UPDATE, N_OP };
enum { SIDE_NATIVE, SIDE_TITO, N_SIDE };
enum { VAR_TEXT, VAR_INT, N_VAR };

static const char *const azOp[N_OP] = {"get", "eq", "range", "insert",
                                       "update"};
static const char *const azOpLabel[N_OP] = {
    "point get by key", "index equality (unique)", "index range, 100 rows",
    "insert, 2 indexes", "update indexed column"};
static const char *const azVar[N_VAR] = {"text", "int"};
static const char *const azRole[8] = {"admin", "editor", "viewer", "guest",
                                      "owner", "author", "staff",  "bot"};

/* Operations per round at scale 1, and per transaction. */
static const int aOpCount[N_OP] = {40000, 40000, 1000, 8000, 8000};
static const int aBatch[N_OP] = {1000, 1000, 100, 1000, 1000};

typedef struct Config {
  int nRow;          /* rows loaded per table */
  double scale;      /* multiplies aOpCount */
  int nRound;
  int bSide[N_SIDE]; /* sides to run */
  int bOp[N_OP];     /* operations to run */
  int bVar[N_VAR];   /* key variants to run */
  int nCacheMb;      /* 0: SQLite's default page cache */
  int bMemory;       /* ":memory:" database */
  int bAutocommit;   /* reads without explicit transactions */
  int bNoCount;      /* skip the nested-statement count */
} Config;

typedef struct Bench {
  Config cfg;
  sqlite3 *db;
  char zDir[64];        /* temporary directory ("" for :memory:) */
  char zPath[96];       /* database file */
  int64_t nNested;      /* nested statements seen by the trace */
  int nInsertRound[N_VAR][N_SIDE]; /* insert rounds done (fresh keys) */
} Bench;

/* Result of one (variant, op): ops/s per side and nested statements/op. */
typedef struct Figure {
  double aOps[N_SIDE];
  double nStmt;
} Figure;

/* ------------------------------------------------------------ helpers */

static void die(Bench *b, const char *zWhat) {
  fprintf(stderr, "embedded_bench: %s: %s\n", zWhat,
          b->db ? sqlite3_errmsg(b->db) : "no database");
  exit(1);
}

/* Seconds of this process's CPU time (user + system), or of wall time with
** --wall. CPU time keeps the figures steady on a busy machine and leaves
** out fsync waits, which are the disk's, not the engine's. */
static int bWallClock = 0;
static double now(void) {
  struct timespec ts;
  clock_gettime(bWallClock ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void exec(Bench *b, const char *zSql) {
  char *zErr = 0;
  if (sqlite3_exec(b->db, zSql, 0, 0, &zErr) != SQLITE_OK) {
    fprintf(stderr, "embedded_bench: %s\n  in: %s\n", zErr ? zErr : "?",
            zSql);
    exit(1);
  }
}

static sqlite3_stmt *prepare(Bench *b, const char *zSql) {
  sqlite3_stmt *s = 0;
  if (sqlite3_prepare_v3(b->db, zSql, -1, SQLITE_PREPARE_PERSISTENT, &s, 0)) {
    fprintf(stderr, "embedded_bench: %s\n  in: %s\n", sqlite3_errmsg(b->db),
            zSql);
    exit(1);
  }
  return s;
}

/* xorshift64*: the same sequence for both sides of a comparison. */
static uint64_t rnd(uint64_t *pState) {
  uint64_t x = *pState;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *pState = x;
  return x * 0x2545F4914F6CDD1DULL;
}

/* The scrambled number of row j: a bijection on 32 bits, so text keys and
** emails are unique and arrive in no particular order. */
static uint32_t rowNum(int64_t j) {
  return (uint32_t)((uint64_t)j * 2654435761u);
}

/* Row j's score: a permutation of [0, nRow) for loaded rows (so a range of
** width 100 holds 100 rows), above it for inserted rows. */
static int64_t rowScore(const Bench *b, int64_t j) {
  if (j >= b->cfg.nRow) return j;
  return (j * 7919) % b->cfg.nRow; /* 7919 is prime: coprime to nRow */
}

/* Bind row j's key (parameter i) in variant v. */
static void bindKey(sqlite3_stmt *s, int i, int v, int64_t j, char *zBuf) {
  if (v == VAR_INT) {
    sqlite3_bind_int64(s, i, j + 1);
  } else {
    int n = snprintf(zBuf, 32, "user:%08x", rowNum(j));
    sqlite3_bind_text(s, i, zBuf, n, SQLITE_STATIC);
  }
}

static void bindEmail(sqlite3_stmt *s, int i, int64_t j, char *zBuf) {
  int n = snprintf(zBuf, 48, "u%u@example.com", rowNum(j));
  sqlite3_bind_text(s, i, zBuf, n, SQLITE_STATIC);
}

/* Bind all five columns of row j to INSERT statement s. */
static void bindRow(const Bench *b, sqlite3_stmt *s, int v, int64_t j,
                    char *zKey, char *zName, char *zEmail) {
  uint32_t k = rowNum(j);
  int n = snprintf(zName, 48, "Name %u", k);
  bindKey(s, 1, v, j, zKey);
  sqlite3_bind_text(s, 2, zName, n, SQLITE_STATIC);
  bindEmail(s, 3, j, zEmail);
  sqlite3_bind_text(s, 4, azRole[k % 8], -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 5, rowScore(b, j));
}

/* Table name of (variant, side) into z. */
static void tableName(char *z, int v, int side) {
  snprintf(z, 32, "%s_%s", side == SIDE_TITO ? "tito" : "native", azVar[v]);
}

/* ------------------------------------------------------------- set up */

static void openDb(Bench *b) {
  const char *zSo = getenv("TITO_SO");
  char *zErr = 0;
  if (!zSo || !*zSo) zSo = "./tito.so";
  if (b->cfg.bMemory) {
    snprintf(b->zPath, sizeof(b->zPath), ":memory:");
  } else {
    const char *zTmp = getenv("TMPDIR");
    snprintf(b->zDir, sizeof(b->zDir), "%s/tito_bench.XXXXXX",
             zTmp && strlen(zTmp) < 40 ? zTmp : "/tmp");
    if (mkdtemp(b->zDir) == 0) die(b, "mkdtemp");
    snprintf(b->zPath, sizeof(b->zPath), "%s/bench.db", b->zDir);
  }
  if (sqlite3_open(b->zPath, &b->db) != SQLITE_OK) die(b, "open");
  sqlite3_db_config(b->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, 0);
  if (sqlite3_load_extension(b->db, zSo, 0, &zErr) != SQLITE_OK) {
    fprintf(stderr, "embedded_bench: cannot load %s: %s\n", zSo,
            zErr ? zErr : "?");
    exit(1);
  }
  if (b->cfg.nCacheMb > 0) {
    char z[64];
    snprintf(z, sizeof(z), "PRAGMA cache_size=-%d", b->cfg.nCacheMb * 1024);
    exec(b, z);
  }
}

static void closeDb(Bench *b) {
  if (sqlite3_close(b->db) != SQLITE_OK) die(b, "close");
  b->db = 0;
  if (b->zDir[0]) {
    char z[128];
    snprintf(z, sizeof(z), "%s-journal", b->zPath);
    unlink(z);
    unlink(b->zPath);
    rmdir(b->zDir);
  }
}

/* Create the tables of variant v (both sides) and load nRow rows into
** each, in scrambled key order, one transaction per table. */
static void createAndLoad(Bench *b, int v) {
  const char *zKeyType = v == VAR_INT ? "INTEGER" : "TEXT";
  char zT[32], zSql[512], zKey[32], zName[48], zEmail[48];
  int side;
  for (side = 0; side < N_SIDE; side++) {
    sqlite3_stmt *s;
    int64_t i;
    if (!b->cfg.bSide[side]) continue;
    tableName(zT, v, side);
    if (side == SIDE_TITO) {
      snprintf(zSql, sizeof(zSql),
               "CREATE VIRTUAL TABLE %s USING tito(id %s PRIMARY KEY, "
               "name TEXT NOT NULL, email TEXT, role TEXT, score INTEGER, "
               "UNIQUE INDEX by_email(email), INDEX by_score(score))",
               zT, zKeyType);
    } else {
      snprintf(zSql, sizeof(zSql),
               "CREATE TABLE %s(id %s PRIMARY KEY, name TEXT NOT NULL, "
               "email TEXT, role TEXT, score INTEGER);"
               "CREATE UNIQUE INDEX %s_email ON %s(email);"
               "CREATE INDEX %s_score ON %s(score)",
               zT, zKeyType, zT, zT, zT, zT);
    }
    exec(b, zSql);
    snprintf(zSql, sizeof(zSql),
             "INSERT INTO %s(id, name, email, role, score) "
             "VALUES(?1, ?2, ?3, ?4, ?5)", zT);
    s = prepare(b, zSql);
    exec(b, "BEGIN");
    for (i = 0; i < b->cfg.nRow; i++) {
      /* Text keys: scrambled already. Integer keys: visit rows in a
      ** scrambled order too, so both sides see the same random inserts. */
      int64_t j = v == VAR_INT ? (i * 7919) % b->cfg.nRow : i;
      bindRow(b, s, v, j, zKey, zName, zEmail);
      if (sqlite3_step(s) != SQLITE_DONE) die(b, "loading rows");
      sqlite3_reset(s);
    }
    exec(b, "COMMIT");
    sqlite3_finalize(s);
  }
}

/* ---------------------------------------------------------- operations */

/* The SQL of op on table zT. */
static void opSql(char *z, int n, int op, const char *zT) {
  switch (op) {
    case OP_GET:
      snprintf(z, n, "SELECT name, email, role, score FROM %s WHERE id=?1",
               zT);
      break;
    case OP_EQ:
      snprintf(z, n, "SELECT id, name FROM %s WHERE email=?1", zT);
      break;
    case OP_RANGE:
      snprintf(z, n,
               "SELECT id, name, score FROM %s WHERE score>=?1 AND score<?2 "
               "ORDER BY score", zT);
      break;
    case OP_INSERT:
      snprintf(z, n,
               "INSERT INTO %s(id, name, email, role, score) "
               "VALUES(?1, ?2, ?3, ?4, ?5)", zT);
      break;
    default:
      snprintf(z, n, "UPDATE %s SET score=?2 WHERE id=?1", zT);
      break;
  }
}

/* Step a read to its end, touching every column; returns the row count. */
static int readAll(Bench *b, sqlite3_stmt *s) {
  int nRow = 0, rc, i, nCol = sqlite3_column_count(s);
  int64_t sum = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    for (i = 0; i < nCol; i++) {
      if (sqlite3_column_type(s, i) == SQLITE_INTEGER) {
        sum += sqlite3_column_int64(s, i);
      } else {
        sum += sqlite3_column_bytes(s, i);
      }
    }
    nRow++;
  }
  if (rc != SQLITE_DONE || sum < 0) die(b, "reading");
  sqlite3_reset(s);
  return nRow;
}

/* Run operation i of op on statement s (random state *pR, insert row base
** iBase). Checks the result. */
static void runOne(Bench *b, sqlite3_stmt *s, int v, int op, int64_t i,
                   uint64_t *pR, int64_t iBase) {
  char zKey[32], zName[48], zEmail[48];
  int nRow = b->cfg.nRow, n = 0, want = 1;
  int64_t j = (int64_t)(rnd(pR) % (uint64_t)nRow);
  switch (op) {
    case OP_GET:
      bindKey(s, 1, v, j, zKey);
      n = readAll(b, s);
      break;
    case OP_EQ:
      bindEmail(s, 1, j, zEmail);
      n = readAll(b, s);
      break;
    case OP_RANGE: {
      int64_t lo = (int64_t)(rnd(pR) % (uint64_t)(nRow - 100));
      sqlite3_bind_int64(s, 1, lo);
      sqlite3_bind_int64(s, 2, lo + 100);
      n = readAll(b, s);
      want = 100;
      break;
    }
    case OP_INSERT:
      bindRow(b, s, v, iBase + i, zKey, zName, zEmail);
      if (sqlite3_step(s) != SQLITE_DONE) die(b, "insert");
      sqlite3_reset(s);
      n = sqlite3_changes(b->db);
      break;
    default:
      bindKey(s, 1, v, j, zKey);
      sqlite3_bind_int64(s, 2, 2 * (int64_t)nRow + (int64_t)(rnd(pR) % 1000000));
      if (sqlite3_step(s) != SQLITE_DONE) die(b, "update");
      sqlite3_reset(s);
      n = sqlite3_changes(b->db);
      break;
  }
  if (n != want) {
    fprintf(stderr, "embedded_bench: %s on %s: %d rows, expected %d\n",
            azOp[op], sqlite3_sql(s), n, want);
    exit(1);
  }
}

/* Run nOps operations of op on (v, side) in batches; returns ops/s. */
static double runOps(Bench *b, int v, int side, int op, int nOps,
                     uint64_t seed) {
  char zT[32], zSql[256];
  sqlite3_stmt *s;
  uint64_t r = seed;
  int64_t iBase = 0, i;
  int bTxn = op >= OP_INSERT || !b->cfg.bAutocommit;
  double t0, t;
  tableName(zT, v, side);
  opSql(zSql, sizeof(zSql), op, zT);
  s = prepare(b, zSql);
  if (op == OP_INSERT) {
    /* Fresh keys for each round; the same keys on both sides. */
    iBase = (int64_t)b->cfg.nRow + (int64_t)b->nInsertRound[v][side]++ * nOps;
  }
  t0 = now();
  for (i = 0; i < nOps; i++) {
    if (bTxn && i % aBatch[op] == 0) exec(b, "BEGIN");
    runOne(b, s, v, op, i, &r, iBase);
    if (bTxn && (i % aBatch[op] == aBatch[op] - 1 || i == nOps - 1)) {
      exec(b, "COMMIT");
    }
  }
  t = now() - t0;
  sqlite3_finalize(s);
  return t > 0 ? nOps / t : 0;
}

static int cmpDouble(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Count nested statements (run by the extension) as they start. */
static int traceCb(unsigned m, void *pCtx, void *p, void *x) {
  Bench *b = (Bench *)pCtx;
  (void)m;
  (void)p;
  if (x && strncmp((const char *)x, "-- ", 3) == 0) b->nNested++;
  return 0;
}

/* Nested statements per operation of op on the tito table. Writes use keys
** no round uses (beyond every insert round). */
static double nestedPerOp(Bench *b, int v, int op) {
  int nOps = 200;
  double r;
  if (op == OP_INSERT) b->nInsertRound[v][SIDE_TITO] += 1000;
  b->nNested = 0;
  sqlite3_trace_v2(b->db, SQLITE_TRACE_STMT, traceCb, b);
  runOps(b, v, SIDE_TITO, op, nOps, 42);
  sqlite3_trace_v2(b->db, 0, 0, 0);
  /* BEGIN/COMMIT are top-level: only the extension's statements count. */
  r = (double)b->nNested / nOps;
  return r;
}

/* Measure op on variant v: rounds alternating the side that goes first. */
static void measure(Bench *b, int v, int op, Figure *pFig) {
  int nOps = (int)(aOpCount[op] * b->cfg.scale);
  double aRound[N_SIDE][32];
  int round, k, side;
  if (nOps < 1) nOps = 1;
  for (round = 0; round < b->cfg.nRound; round++) {
    uint64_t seed = 0x9E3779B97F4A7C15ULL ^ (uint64_t)(round * 1000 + op + 1);
    for (k = 0; k < N_SIDE; k++) {
      side = (round & 1) ? N_SIDE - 1 - k : k;
      aRound[side][round] = b->cfg.bSide[side]
                                ? runOps(b, v, side, op, nOps, seed)
                                : 0;
    }
  }
  for (side = 0; side < N_SIDE; side++) {
    qsort(aRound[side], (size_t)b->cfg.nRound, sizeof(double), cmpDouble);
    /* The best round: a busy machine only ever slows a round down. */
    pFig->aOps[side] = aRound[side][b->cfg.nRound - 1];
  }
  pFig->nStmt = b->cfg.bSide[SIDE_TITO] && !b->cfg.bNoCount
                    ? nestedPerOp(b, v, op)
                    : 0;
}

/* ------------------------------------------------------------- report */

static void printFigures(Bench *b, Figure aFig[N_VAR][N_OP], double tLoad,
                         double tAll) {
  char zCache[64];
  int v, op;
  snprintf(zCache, sizeof(zCache), "%d MiB (the database fits)",
           b->cfg.nCacheMb);
  printf("tito embedded store vs native SQLite %s, %d rows per table, "
         "best of %d rounds\n",
         sqlite3_libversion(), b->cfg.nRow, b->cfg.nRound);
  printf("database: %s (journal_mode=delete, synchronous=full), page cache "
         "%s; reads %s; writes in transactions of 1000; %s\n",
         b->cfg.bMemory ? ":memory:" : "one file in a temp dir",
         b->cfg.nCacheMb ? zCache : "SQLite's default (2 MiB)",
         b->cfg.bAutocommit ? "autocommit"
                            : "in transactions of 1000 (range: 100)",
         bWallClock ? "wall-clock time" : "CPU time (user + system)");
  printf("ratio = native ops/s / tito ops/s (how many times slower tito "
         "is); target <= 2 for reads, <= 3 for writes\n\n");
  printf("%-5s %-24s %13s %13s %7s %7s %9s\n", "key", "operation",
         "native ops/s", "tito ops/s", "ratio", "target", "stmts/op");
  for (v = 0; v < N_VAR; v++) {
    if (!b->cfg.bVar[v]) continue;
    for (op = 0; op < N_OP; op++) {
      const Figure *f = &aFig[v][op];
      double ratio;
      int target = op >= OP_INSERT ? 3 : 2;
      if (!b->cfg.bOp[op]) continue;
      ratio = f->aOps[SIDE_TITO] > 0 ? f->aOps[SIDE_NATIVE] / f->aOps[SIDE_TITO]
                                     : 0;
      printf("%-5s %-24s %13.0f %13.0f %6.2fx %5dx%s %9.1f\n", azVar[v],
             azOpLabel[op], f->aOps[SIDE_NATIVE], f->aOps[SIDE_TITO], ratio,
             target,
             (b->cfg.bSide[0] && b->cfg.bSide[1] && ratio > target) ? "!" : " ",
             f->nStmt);
    }
  }
  printf("\n(stmts/op: statements tito runs on tito_store per operation; "
         "'!' marks a ratio over its target)\n");
  printf("load %.1f s, total %.1f s\n", tLoad, tAll);
}

/* ------------------------------------------------------------- options */

static void usage(void) {
  fprintf(stderr,
          "usage: embedded_bench [--rows N] [--scale F] [--rounds N] "
          "[--only tito|native] [--op get,eq,range,insert,update] "
          "[--variant text|int] [--cache-mb N] [--memory] [--autocommit] "
          "[--wall] [--no-count]\n");
  exit(2);
}

/* Set pbOn[i] for each comma-separated name of azName in zList. */
static void parseList(const char *zList, const char *const *azName, int n,
                      int *pbOn) {
  int i;
  for (i = 0; i < n; i++) pbOn[i] = 0;
  while (*zList) {
    size_t len = strcspn(zList, ",");
    for (i = 0; i < n; i++) {
      if (strlen(azName[i]) == len && strncmp(azName[i], zList, len) == 0) {
        pbOn[i] = 1;
        break;
      }
    }
    if (i == n) usage();
    zList += len;
    if (*zList == ',') zList++;
  }
}

static void parseArgs(Config *c, int argc, char **argv) {
  static const char *const azSide[N_SIDE] = {"native", "tito"};
  int i, k;
  memset(c, 0, sizeof(*c));
  c->nRow = 100000;
  c->scale = 1.0;
  c->nRound = 5;
  c->nCacheMb = 256;
  for (k = 0; k < N_SIDE; k++) c->bSide[k] = 1;
  for (k = 0; k < N_OP; k++) c->bOp[k] = 1;
  for (k = 0; k < N_VAR; k++) c->bVar[k] = 1;
  for (i = 1; i < argc; i++) {
    const char *z = argv[i], *zArg = i + 1 < argc ? argv[i + 1] : 0;
    if (strcmp(z, "--memory") == 0) {
      c->bMemory = 1;
    } else if (strcmp(z, "--autocommit") == 0) {
      c->bAutocommit = 1;
    } else if (strcmp(z, "--no-count") == 0) {
      c->bNoCount = 1;
    } else if (strcmp(z, "--wall") == 0) {
      bWallClock = 1;
    } else if (zArg == 0) {
      usage();
    } else if (strcmp(z, "--rows") == 0) {
      c->nRow = atoi(zArg), i++;
    } else if (strcmp(z, "--scale") == 0) {
      c->scale = atof(zArg), i++;
    } else if (strcmp(z, "--rounds") == 0) {
      c->nRound = atoi(zArg), i++;
    } else if (strcmp(z, "--cache-mb") == 0) {
      c->nCacheMb = atoi(zArg), i++;
    } else if (strcmp(z, "--only") == 0) {
      parseList(zArg, azSide, N_SIDE, c->bSide), i++;
    } else if (strcmp(z, "--op") == 0) {
      parseList(zArg, azOp, N_OP, c->bOp), i++;
    } else if (strcmp(z, "--variant") == 0) {
      parseList(zArg, azVar, N_VAR, c->bVar), i++;
    } else {
      usage();
    }
  }
  if (c->nRow < 1000 || c->nRound < 1 || c->nRound > 32 || c->scale <= 0) {
    usage();
  }
}

int main(int argc, char **argv) {
  static Figure aFig[N_VAR][N_OP];
  Bench b;
  double t0 = now(), tLoad = 0, t;
  int v, op;
  memset(&b, 0, sizeof(b));
  parseArgs(&b.cfg, argc, argv);
  openDb(&b);
  for (v = 0; v < N_VAR; v++) {
    if (!b.cfg.bVar[v]) continue;
    t = now();
    createAndLoad(&b, v);
    tLoad += now() - t;
    for (op = 0; op < N_OP; op++) {
      if (b.cfg.bOp[op]) measure(&b, v, op, &aFig[v][op]);
    }
  }
  closeDb(&b);
  printFigures(&b, aFig, tLoad, now() - t0);
  return 0;
}
