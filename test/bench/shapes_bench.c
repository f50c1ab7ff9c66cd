/*
** shapes_bench.c: query shapes on an orders schema, tito on the embedded
** store beside ordinary SQLite tables after ANALYZE, in one run.
**
** Two database files get the same tables, rows and indexes: one as
** ordinary tables (then ANALYZE), one as tito models (then tito_analyze,
** unless --no-stats). Every shape's SQL text runs unchanged on both; the
** figure is microseconds of CPU per query on each side and their ratio
** (tito / native; lower is better for tito). Figures, not tests: nothing
** here fails on a slow shape. Both sides must return the same rows: a
** difference is reported (and makes the exit status non-zero), since a
** fast wrong answer is no figure.
**
**   shapes_bench [--orders N] [--no-stats] [--shape NAME] [--plans]
*/
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How a shape's parameters are chosen (?1, and ?2.. for lists). */
enum { P_NONE, P_ORDER, P_CUSTOMER, P_EMAIL, P_STATUS, P_ORDERS10 };

typedef struct Shape {
  const char *zName;
  int eParam;
  const char *zSql;
} Shape;

static const Shape aShape[] = {
    {"point get", P_ORDER, "SELECT * FROM orders WHERE id = ?1"},
    {"unique lookup", P_EMAIL,
     "SELECT id, name FROM customers WHERE email = ?1"},
    {"keyset page", P_ORDER,
     "SELECT * FROM orders WHERE id > ?1 ORDER BY id LIMIT 20"},
    {"IN list (10 keys)", P_ORDERS10,
     "SELECT * FROM orders WHERE id IN (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"},
    {"orders of a customer", P_CUSTOMER,
     "SELECT id, status, total FROM orders WHERE customer_id = ?1"
     " ORDER BY created_at DESC"},
    {"3-table join", P_CUSTOMER,
     "SELECT c.name, o.id, li.product_id, li.qty FROM customers c"
     " JOIN orders o ON o.customer_id = c.id"
     " JOIN line_items li ON li.order_id = o.id WHERE c.id = ?1"},
    {"GROUP BY with a join", P_CUSTOMER,
     "SELECT o.status, sum(li.qty * li.price) FROM orders o"
     " JOIN line_items li ON li.order_id = o.id WHERE o.customer_id = ?1"
     " GROUP BY o.status"},
    {"covering sum by status", P_NONE,
     "SELECT status, round(sum(total), 2) FROM orders GROUP BY status"},
    {"covering sum, one status", P_STATUS,
     "SELECT round(sum(total), 2) FROM orders WHERE status = ?1"},
    {"count(*) whole model", P_NONE, "SELECT count(*) FROM orders"},
    {"count(*) of a status", P_STATUS,
     "SELECT count(*) FROM orders WHERE status = ?1"},
    {"count(*) of a pk range", P_ORDER,
     "SELECT count(*) FROM orders WHERE id >= ?1"},
    {"ORDER BY id LIMIT OFFSET", P_NONE,
     "SELECT * FROM orders ORDER BY id LIMIT 2 OFFSET 50000"},
    {"open newest first LIMIT", P_NONE,
     "SELECT id, created_at FROM orders WHERE status = 'open'"
     " ORDER BY created_at DESC LIMIT 10"},
    {"min over a partial index", P_NONE,
     "SELECT min(created_at) FROM orders WHERE status = 'open'"},
    {"max with equality before", P_CUSTOMER,
     "SELECT max(created_at) FROM orders WHERE customer_id = ?1"},
    {"max of the primary key", P_NONE, "SELECT max(id) FROM orders"},
    {"line items of an order", P_ORDER,
     "SELECT * FROM line_items WHERE order_id = ?1"},
    {"join from an IN subquery", P_CUSTOMER,
     "SELECT * FROM line_items WHERE order_id IN"
     " (SELECT id FROM orders WHERE customer_id = ?1)"},
};
#define N_SHAPE ((int)(sizeof(aShape) / sizeof(aShape[0])))

static const char *const azStatus[] = {"open", "shipped", "done"};

typedef struct Config {
  int nOrder;
  int bStats;
  int bPlans;
  const char *zShape;
} Config;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(sqlite3 *db, const char *zWhat) {
  fprintf(stderr, "shapes_bench: %s: %s\n", zWhat,
          db ? sqlite3_errmsg(db) : "?");
  exit(1);
}

static void exec(sqlite3 *db, const char *zSql) {
  char *zErr = 0;
  if (sqlite3_exec(db, zSql, 0, 0, &zErr) != SQLITE_OK) {
    fprintf(stderr, "shapes_bench: %s\n  in: %.200s\n", zErr ? zErr : "?",
            zSql);
    exit(1);
  }
}

static sqlite3 *openDb(const char *zPath) {
  const char *zSo = getenv("TITO_SO");
  sqlite3 *db = 0;
  char *zErr = 0;
  if (!zSo || !*zSo) zSo = "./tito.so";
  unlink(zPath);
  if (sqlite3_open(zPath, &db) != SQLITE_OK) die(db, zPath);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, 0);
  if (sqlite3_load_extension(db, zSo, 0, &zErr) != SQLITE_OK) {
    fprintf(stderr, "shapes_bench: cannot load %s: %s\n", zSo,
            zErr ? zErr : "?");
    exit(1);
  }
  exec(db, "PRAGMA cache_size=-262144");
  return db;
}

/* The rows, the same on both sides: 10 customers per 100 orders, about
** 2.47 line items per order, 2% of orders open and 8% shipped. */
static void load(sqlite3 *db, int nOrder, int bTito) {
  char z[4096];
  int nCust = nOrder / 10 > 0 ? nOrder / 10 : 1;
  if (bTito) {
    exec(db,
         "CREATE VIRTUAL TABLE customers USING tito(id INTEGER PRIMARY KEY,"
         " name TEXT, email TEXT, region TEXT,"
         " UNIQUE INDEX by_email(email));"
         "CREATE VIRTUAL TABLE orders USING tito(id INTEGER PRIMARY KEY,"
         " customer_id INTEGER, status TEXT, created_at INTEGER NOT NULL,"
         " total REAL,"
         " INDEX by_customer(customer_id, created_at),"
         " INDEX by_status(status) INCLUDE (total),"
         " INDEX open_by_created(created_at) WHERE status = 'open');"
         "CREATE VIRTUAL TABLE line_items USING tito(order_id INTEGER,"
         " line_no INTEGER, product_id INTEGER, qty INTEGER, price REAL,"
         " PRIMARY KEY (order_id, line_no),"
         " INDEX by_product(product_id))");
  } else {
    exec(db,
         "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT,"
         " email TEXT, region TEXT);"
         "CREATE UNIQUE INDEX by_email ON customers(email);"
         "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INTEGER,"
         " status TEXT, created_at INTEGER NOT NULL, total REAL);"
         "CREATE INDEX by_customer ON orders(customer_id, created_at);"
         "CREATE INDEX by_status ON orders(status, total);"
         "CREATE INDEX open_by_created ON orders(created_at)"
         " WHERE status = 'open';"
         "CREATE TABLE line_items(order_id INTEGER, line_no INTEGER,"
         " product_id INTEGER, qty INTEGER, price REAL,"
         " PRIMARY KEY (order_id, line_no)) WITHOUT ROWID;"
         "CREATE INDEX by_product ON line_items(product_id)");
  }
  exec(db, "BEGIN");
  snprintf(z, sizeof(z),
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
           " WHERE i < %d)"
           " INSERT INTO customers SELECT i, 'customer ' || i,"
           " 'c' || i || '@example.com', 'region ' || (i %% 17) FROM n",
           nCust);
  exec(db, z);
  snprintf(z, sizeof(z),
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
           " WHERE i < %d)"
           " INSERT INTO orders SELECT i, 1 + (i * 7919) %% %d,"
           " CASE WHEN i %% 50 = 7 THEN 'open' WHEN i %% 12 = 3"
           " THEN 'shipped' ELSE 'done' END, 1700000000 + i * 60,"
           " ((i * 31) %% 10000) / 100.0 FROM n",
           nOrder, nCust);
  exec(db, z);
  snprintf(z, sizeof(z),
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
           " WHERE i < %d), l(j) AS (VALUES (1), (2), (3), (4))"
           " INSERT INTO line_items SELECT i, j, 1 + (i * j * 13) %% 500,"
           " 1 + (i + j) %% 5, ((i * j) %% 900) / 10.0 FROM n, l"
           " WHERE j <= 1 + (i * 3 + j) %% 4 - (i %% 3 = 0)",
           nOrder);
  exec(db, z);
  exec(db, "COMMIT");
}

static uint64_t rnd(uint64_t *p) {
  uint64_t x = *p;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *p = x;
  return x * 0x2545F4914F6CDD1DULL;
}

static void bind(sqlite3_stmt *s, int eParam, uint64_t *pSeed, int nOrder) {
  char z[64];
  int i, nCust = nOrder / 10 > 0 ? nOrder / 10 : 1;
  switch (eParam) {
    case P_ORDER:
      sqlite3_bind_int64(s, 1, 1 + (int64_t)(rnd(pSeed) % nOrder));
      break;
    case P_CUSTOMER:
      sqlite3_bind_int64(s, 1, 1 + (int64_t)(rnd(pSeed) % nCust));
      break;
    case P_EMAIL:
      snprintf(z, sizeof(z), "c%d@example.com",
               1 + (int)(rnd(pSeed) % nCust));
      sqlite3_bind_text(s, 1, z, -1, SQLITE_TRANSIENT);
      break;
    case P_STATUS:
      sqlite3_bind_text(s, 1, azStatus[rnd(pSeed) % 3], -1, SQLITE_STATIC);
      break;
    case P_ORDERS10:
      for (i = 1; i <= 10; i++) {
        sqlite3_bind_int64(s, i, 1 + (int64_t)(rnd(pSeed) % nOrder));
      }
      break;
  }
}

/* Run s once; return a checksum of its rows (order-insensitive sum). */
static uint64_t runOnce(sqlite3 *db, sqlite3_stmt *s) {
  uint64_t sum = 0;
  int rc, i;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    uint64_t h = 1469598103934665603ULL;
    for (i = 0; i < sqlite3_column_count(s); i++) {
      const unsigned char *z = sqlite3_column_text(s, i);
      int n = sqlite3_column_bytes(s, i);
      while (n-- > 0) h = (h ^ *z++) * 1099511628211ULL;
      h = (h ^ 0xff) * 1099511628211ULL;
    }
    sum += h;
  }
  if (rc != SQLITE_DONE) die(db, "step");
  sqlite3_reset(s);
  return sum;
}

/* Run shape k n times on db with the seed *pSeed; seconds of CPU. Stops
** early (setting *pn) when it takes longer than tMax. */
static double runShape(sqlite3 *db, int k, int *pn, double tMax, int nOrder,
                       uint64_t *pCheck) {
  sqlite3_stmt *s = 0;
  uint64_t seed = 0x9E3779B97F4A7C15ULL + (uint64_t)k;
  double t0, t;
  int i;
  if (sqlite3_prepare_v2(db, aShape[k].zSql, -1, &s, 0) != SQLITE_OK) {
    die(db, aShape[k].zSql);
  }
  *pCheck = 0;
  t0 = now();
  for (i = 0; i < *pn; i++) {
    bind(s, aShape[k].eParam, &seed, nOrder);
    *pCheck += runOnce(db, s);
    if ((i & 7) == 7 && now() - t0 > tMax) {
      i++;
      break;
    }
  }
  t = now() - t0;
  *pn = i;
  sqlite3_finalize(s);
  return t;
}

static void printPlan(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *s = 0;
  char *zEqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", zSql);
  if (sqlite3_prepare_v2(db, zEqp, -1, &s, 0) != SQLITE_OK) die(db, zEqp);
  while (sqlite3_step(s) == SQLITE_ROW) {
    printf("      %s\n", (const char *)sqlite3_column_text(s, 3));
  }
  sqlite3_finalize(s);
  sqlite3_free(zEqp);
}

static void parseArgs(Config *c, int argc, char **argv) {
  int i;
  c->nOrder = 100000;
  c->bStats = 1;
  c->bPlans = 0;
  c->zShape = 0;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--orders") == 0 && i + 1 < argc) {
      c->nOrder = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--no-stats") == 0) {
      c->bStats = 0;
    } else if (strcmp(argv[i], "--plans") == 0) {
      c->bPlans = 1;
    } else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc) {
      c->zShape = argv[++i];
    } else {
      fprintf(stderr,
              "usage: shapes_bench [--orders N] [--no-stats] [--plans]"
              " [--shape NAME]\n");
      exit(2);
    }
  }
  if (c->nOrder < 100) c->nOrder = 100;
}

int main(int argc, char **argv) {
  Config cfg;
  char zDir[64], zNat[96], zTito[96];
  sqlite3 *dbNat, *dbTito;
  double tLoadNat, tLoadTito, t0;
  int k, nBad = 0, nOver = 0;
  const char *zTmp = getenv("TMPDIR");
  parseArgs(&cfg, argc, argv);
  snprintf(zDir, sizeof(zDir), "%s/tito_shapes.XXXXXX",
           zTmp && strlen(zTmp) < 40 ? zTmp : "/tmp");
  if (mkdtemp(zDir) == 0) die(0, "mkdtemp");
  snprintf(zNat, sizeof(zNat), "%s/native.db", zDir);
  snprintf(zTito, sizeof(zTito), "%s/tito.db", zDir);
  dbNat = openDb(zNat);
  dbTito = openDb(zTito);

  t0 = now();
  load(dbNat, cfg.nOrder, 0);
  exec(dbNat, "ANALYZE");
  tLoadNat = now() - t0;
  t0 = now();
  load(dbTito, cfg.nOrder, 1);
  if (cfg.bStats) {
    exec(dbTito, "SELECT tito_analyze('customers'), tito_analyze('orders'),"
                 " tito_analyze('line_items')");
  }
  tLoadTito = now() - t0;

  printf("# shapes_bench: %d orders, native SQLite %s after ANALYZE vs tito"
         " on the embedded store (%s)\n",
         cfg.nOrder, sqlite3_libversion(),
         cfg.bStats ? "after tito_analyze" : "no statistics");
  printf("# load + analyze: native %.2fs, tito %.2fs (CPU)\n", tLoadNat,
         tLoadTito);
  printf("%-28s %8s %12s %12s %8s\n", "shape", "queries", "native us/q",
         "tito us/q", "ratio");
  for (k = 0; k < N_SHAPE; k++) {
    int n = 1000000, nDone;
    uint64_t sumNat, sumTito;
    double tNat, tTito, uNat, uTito;
    if (cfg.zShape && strcmp(cfg.zShape, aShape[k].zName) != 0) continue;
    /* Warm both sides' caches, then time: native for about 0.2 s, tito
    ** for as many queries (at most about 3 s). */
    n = 3;
    runShape(dbNat, k, &n, 1.0, cfg.nOrder, &sumNat);
    n = 3;
    runShape(dbTito, k, &n, 1.0, cfg.nOrder, &sumTito);
    n = 1000000;
    tNat = runShape(dbNat, k, &n, 0.2, cfg.nOrder, &sumNat);
    nDone = n;
    tTito = runShape(dbTito, k, &n, 3.0, cfg.nOrder, &sumTito);
    if (n < nDone) {
      /* tito stopped early: compare the same queries. */
      int m = n;
      tNat = runShape(dbNat, k, &m, 1e9, cfg.nOrder, &sumNat);
    }
    uNat = tNat * 1e6 / n;
    uTito = tTito * 1e6 / n;
    printf("%-28s %8d %12.1f %12.1f %7.2fx%s\n", aShape[k].zName, n, uNat,
           uTito, uTito / (uNat > 0 ? uNat : 1e-9),
           sumNat != sumTito ? "  DIFFERENT ROWS" : "");
    if (sumNat != sumTito) nBad++;
    if (uTito > 3 * uNat) nOver++;
    if (cfg.bPlans) {
      printf("    native:\n");
      printPlan(dbNat, aShape[k].zSql);
      printf("    tito:\n");
      printPlan(dbTito, aShape[k].zSql);
    }
  }
  printf("# %d shape(s) above 3x; %d with different rows\n", nOver, nBad);
  sqlite3_close(dbNat);
  sqlite3_close(dbTito);
  unlink(zNat);
  unlink(zTito);
  rmdir(zDir);
  return nBad ? 1 : 0;
}
