/*
** test_model.c: unit tests of the model parser (src/model.c): every form of
** the definition grammar, the declared CREATE TABLE text, every error
** message, and SQLite facts the model relies on (type affinity, DEFAULT on
** virtual tables).
*/
#include "check.h"
#include "definition.h"
#include "kv.h"
#include "model.h"
#include <sqlite3.h>
#include <stdarg.h>
#include <string.h>

#define NARG(a) ((int)(sizeof(a) / sizeof(a[0])))

/* Parse azArg for table zTab; expect success. */
static tito_model *parseOk(const char *zTab, int nArg, const char *const *azArg) {
  tito_model *pM = 0;
  char *zErr = 0;
  int rc = tito_model_parse(zTab, nArg, azArg, &pM, &zErr);
  if (rc != TITO_OK) {
    printf("# unexpected error: %s\n", zErr ? zErr : "(none)");
  }
  CHECK(rc == TITO_OK && pM != 0 && zErr == 0);
  sqlite3_free(zErr);
  return pM;
}

/* Parse azArg; expect an error whose message contains each of the
** NULL-terminated substrings after nArg/azArg. */
static void parseErr(int nArg, const char *const *azArg, ...) {
  tito_model *pM = (tito_model *)1;
  char *zErr = 0;
  int rc = tito_model_parse("users", nArg, azArg, &pM, &zErr);
  const char *zSub;
  va_list ap;
  CHECK(rc == TITO_ERROR);
  CHECK(pM == 0);
  CHECK(zErr != 0);
  if (!zErr) return;
  CHECK(strncmp(zErr, "tito: users", 11) == 0);
  va_start(ap, azArg);
  while ((zSub = va_arg(ap, const char *)) != 0) {
    if (!strstr(zErr, zSub)) {
      printf("# message \"%s\" lacks \"%s\"\n", zErr, zSub);
      CHECK(strstr(zErr, zSub) != 0);
    }
  }
  va_end(ap);
  sqlite3_free(zErr);
}

/* Parse a single argument list given as one string with '|' separators
** (test convenience, no '|' in arguments). */
#define MAXARG 32
typedef struct Args {
  int n;
  char *az[MAXARG];
  char buf[4096];
} Args;
static Args *splitArgs(Args *a, const char *z) {
  char *s;
  a->n = 0;
  strncpy(a->buf, z, sizeof(a->buf) - 1);
  a->buf[sizeof(a->buf) - 1] = 0;
  s = a->buf;
  for (;;) {
    char *e = strchr(s, '|');
    a->az[a->n++] = s;
    if (!e) break;
    *e = 0;
    s = e + 1;
  }
  return a;
}

static void test_users(void) {
  static const char *const az[] = {
      "id TEXT PRIMARY KEY",
      "name TEXT NOT NULL",
      "email TEXT",
      "role TEXT",
      "status TEXT DEFAULT 'new'",
      "score REAL",
      "UNIQUE INDEX by_email(email)",
      "INDEX by_role_status(role, status DESC)",
      "INDEX by_active(status) WHERE status = 'active' AND score > 0",
      "INDEX by_role_cover(role) INCLUDE (name)"};
  tito_model *pM = parseOk("users", NARG(az), az);
  char *zSql;
  if (!pM) return;
  CHECK(strcmp(pM->zTable, "users") == 0);
  CHECK(pM->nCol == 6);
  CHECK(strcmp(pM->aCol[0].zName, "id") == 0);
  CHECK(strcmp(pM->aCol[0].zType, "TEXT") == 0);
  CHECK(pM->aCol[0].cAff == TITO_AFF_TEXT);
  CHECK(pM->aCol[0].iPk == 1 && pM->aCol[0].bNotNull);
  CHECK(pM->aCol[1].bNotNull && pM->aCol[1].iPk == 0);
  CHECK(!pM->aCol[2].bNotNull);
  CHECK(pM->aCol[4].zDefault && strcmp(pM->aCol[4].zDefault, "'new'") == 0);
  CHECK(pM->aCol[3].zDefault == 0);
  CHECK(pM->aCol[5].cAff == TITO_AFF_REAL);
  CHECK(pM->nPk == 1 && pM->aiPk[0] == 0 && pM->abPkDesc[0] == 0);
  CHECK(pM->iRowidCol == -1);
  CHECK(pM->nIndex == 4);
  CHECK(strcmp(pM->aIndex[0].zName, "by_email") == 0);
  CHECK(pM->aIndex[0].iId == 1 && pM->aIndex[0].bUnique);
  CHECK(pM->aIndex[0].nCol == 1 && pM->aIndex[0].aiCol[0] == 2);
  CHECK(pM->aIndex[0].zWhere == 0 && pM->aIndex[0].nInclude == 0);
  CHECK(pM->aIndex[1].iId == 2 && !pM->aIndex[1].bUnique);
  CHECK(pM->aIndex[1].nCol == 2 && pM->aIndex[1].aiCol[0] == 3 &&
        pM->aIndex[1].aiCol[1] == 4);
  CHECK(pM->aIndex[1].abDesc[0] == 0 && pM->aIndex[1].abDesc[1] == 1);
  CHECK(pM->aIndex[2].zWhere &&
        strcmp(pM->aIndex[2].zWhere, "status = 'active' AND score > 0") == 0);
  CHECK(pM->aIndex[2].nCol == 1 && pM->aIndex[2].aiCol[0] == 4);
  CHECK(pM->aIndex[3].nInclude == 1 && pM->aIndex[3].aiInclude[0] == 1);
  CHECK(strcmp(pM->zPrefix, "") == 0 && pM->zStore == 0);
  CHECK(tito_model_column(pM, "EMAIL") == 2);
  CHECK(tito_model_column(pM, "nope") == -1);
  CHECK(tito_model_index(pM, "BY_ACTIVE") == 2);
  CHECK(tito_model_index(pM, "nope") == -1);
  zSql = tito_model_declare_sql(pM);
  CHECK(zSql &&
        strcmp(zSql,
               "CREATE TABLE x(\"id\" TEXT NOT NULL, \"name\" TEXT NOT NULL, "
               "\"email\" TEXT, "
               "\"role\" TEXT, \"status\" TEXT DEFAULT 'new', \"score\" REAL, "
               "\"_key\" BLOB HIDDEN PRIMARY KEY) WITHOUT ROWID") == 0);
  sqlite3_free(zSql);
  tito_model_free(pM);
  check_group("model: the users example of issue 3");
}

static void test_composite_and_rowid(void) {
  static const char *const az1[] = {"a INTEGER", "b TEXT", "c REAL",
                                    "PRIMARY KEY(a, b)"};
  static const char *const az2[] = {"msg TEXT"};
  static const char *const az3[] = {"id INTEGER PRIMARY KEY", "v"};
  static const char *const az4[] = {"id integer primary key desc", "v"};
  static const char *const az5[] = {"id INT PRIMARY KEY", "v"};
  static const char *const az6[] = {"v", "id", "PRIMARY KEY (id DESC, v ASC)"};
  tito_model *pM;
  char *zSql;

  pM = parseOk("t1", NARG(az1), az1);
  if (pM) {
    CHECK(pM->nPk == 2 && pM->aiPk[0] == 0 && pM->aiPk[1] == 1);
    CHECK(pM->aCol[0].iPk == 1 && pM->aCol[1].iPk == 2 && pM->aCol[2].iPk == 0);
    CHECK(pM->aCol[0].bNotNull && pM->aCol[1].bNotNull && !pM->aCol[2].bNotNull);
    CHECK(pM->iRowidCol == -1);
    CHECK(pM->aCol[0].cAff == TITO_AFF_INTEGER);
    zSql = tito_model_declare_sql(pM);
    CHECK(zSql && strcmp(zSql, "CREATE TABLE x(\"a\" INTEGER NOT NULL, "
                               "\"b\" TEXT NOT NULL, "
                               "\"c\" REAL, \"_key\" BLOB HIDDEN PRIMARY KEY) "
                               "WITHOUT ROWID") == 0);
    sqlite3_free(zSql);
    tito_model_free(pM);
  }
  pM = parseOk("log", NARG(az2), az2);
  if (pM) {
    CHECK(pM->nPk == 0 && pM->iRowidCol == -1 && pM->nIndex == 0);
    zSql = tito_model_declare_sql(pM);
    CHECK(zSql && strcmp(zSql, "CREATE TABLE x(\"msg\" TEXT)") == 0);
    sqlite3_free(zSql);
    tito_model_free(pM);
  }
  pM = parseOk("t3", NARG(az3), az3);
  if (pM) {
    CHECK(pM->nPk == 1 && pM->iRowidCol == 0 && pM->aiPk[0] == 0);
    CHECK(pM->aCol[0].bNotNull == 0); /* NULL means "allocate" */
    CHECK(strcmp(pM->aCol[1].zType, "") == 0 && pM->aCol[1].cAff == TITO_AFF_BLOB);
    zSql = tito_model_declare_sql(pM);
    CHECK(zSql && strcmp(zSql, "CREATE TABLE x(\"id\" INTEGER, \"v\")") == 0);
    sqlite3_free(zSql);
    tito_model_free(pM);
  }
  pM = parseOk("t4", NARG(az4), az4); /* DESC: not a rowid alias */
  if (pM) {
    CHECK(pM->nPk == 1 && pM->iRowidCol == -1 && pM->abPkDesc[0] == 1);
    CHECK(pM->aCol[0].bNotNull);
    tito_model_free(pM);
  }
  pM = parseOk("t5", NARG(az5), az5); /* INT is not INTEGER */
  if (pM) {
    CHECK(pM->nPk == 1 && pM->iRowidCol == -1);
    tito_model_free(pM);
  }
  pM = parseOk("t6", NARG(az6), az6);
  if (pM) {
    CHECK(pM->nPk == 2 && pM->aiPk[0] == 1 && pM->aiPk[1] == 0);
    CHECK(pM->abPkDesc[0] == 1 && pM->abPkDesc[1] == 0);
    CHECK(pM->aCol[1].iPk == 1 && pM->aCol[0].iPk == 2);
    tito_model_free(pM);
  }
  check_group("model: composite key, implicit rowid, rowid alias");
}

/* Expect the '|'-separated arguments zArgs to fail with substrings ... */
#define ERR(zArgs, ...)                                    \
  do {                                                     \
    Args a_;                                               \
    splitArgs(&a_, zArgs);                                 \
    parseErr(a_.n, (const char *const *)a_.az, __VA_ARGS__, (char *)0); \
  } while (0)

static void test_errors(void) {
  ERR("id TEXT PRIMARY KEY|email TEXT|INDEX by_email(emial)",
      "tito: users argument 3: unknown column \"emial\" in INDEX by_email "
      "(did you mean \"email\"?)");
  ERR("id TEXT|PRIMARY KEY(idd)", "argument 2: unknown column \"idd\" in "
      "PRIMARY KEY (did you mean \"id\"?)");
  ERR("id TEXT|INDEX i(zzzzzz)", "unknown column \"zzzzzz\" in INDEX i");
  ERR("id TEXT|x CHECK(x > 0)", "argument 2:",
      "CHECK constraints are not supported on tito tables");
  ERR("id TEXT COLLATE NOCASE", "argument 1:",
      "tito supports only BINARY collation", "NOCASE");
  ERR("id TEXT|TOPIC orders PARTITIONS 0", "argument 2:",
      "TOPIC orders: PARTITIONS must be a whole number from 1 to 65536");
  ERR("id TEXT|TOPIC orders ON INSERT OR SELECT", "argument 2:",
      "expected INSERT, UPDATE or DELETE after ON");
  ERR("id TEXT|TOPIC orders PARTITION BY (nosuch)", "argument 2:",
      "PARTITION BY: no such column: nosuch");
  ERR("id TEXT|TOPIC orders MAX ATTEMPTS 0", "MAX ATTEMPTS must be");
  ERR("id TEXT|TOPIC orders AT now", "after AT");
  ERR("prefix = 'a'", "at least one column");
  parseErr(0, 0, "tito: users: a tito table needs at least one column", (char *)0);
  ERR("a|b|A", "argument 3: duplicate column name \"A\"");
  ERR("a|INDEX i(a)|INDEX I(a)", "argument 3: duplicate index name \"I\"",
      "argument 2");
  ERR("a PRIMARY KEY|b PRIMARY KEY", "argument 2: more than one PRIMARY KEY",
      "argument 1");
  ERR("a PRIMARY KEY|b|PRIMARY KEY(a,b)", "argument 3: more than one PRIMARY KEY");
  ERR("a|PRIMARY KEY(a, A)", "argument 2:", "\"A\" appears twice in PRIMARY KEY");
  ERR("a|b|INDEX i(a, b, a DESC)", "argument 3:", "\"a\" appears twice in INDEX i");
  ERR("a|INDEX i()", "argument 2:", "at least one column");
  ERR("a|PRIMARY KEY()", "argument 2:", "at least one column");
  ERR("a|INDEX i(a) INCLUDE ()", "argument 2:", "at least one column");
  ERR("a|INDEX i(a) INCLUDE (b)", "argument 2:", "unknown column \"b\" in INDEX i");
  ERR("_key TEXT", "argument 1:", "\"_key\" is reserved");
  ERR("a|\"_KEY\"", "argument 2:", "\"_KEY\" is reserved");
  ERR("a|INDEX i(a) WHERE", "argument 2:", "WHERE needs a condition");
  ERR("a|INDEX i(a) WHERE   INCLUDE (a)", "WHERE needs a condition");
  ERR("a|colour = 'red'", "argument 2:", "unknown option \"colour\"");
  ERR("a|prefx = 'x'", "unknown option \"prefx\" (did you mean \"prefix\"?)");
  ERR("a|prefix = 'x'|prefix = 'y'", "argument 3:", "more than one \"prefix\"");
  ERR("a|store = 'x'|store = 'y'", "argument 2:", "unknown store \"x\"");
  ERR("a|store = 'embedded'|store = 'y'", "argument 3:", "more than one \"store\"");
  ERR("a|store = 'tikv://'", "unknown store");
  ERR("a|prefix = ", "argument 2:", "expected a quoted string",
      "found the end of the argument");
  ERR("a|prefix = 'x' junk", "argument 2:", "found \"junk\"");
  ERR("a|42 b", "argument 2:", "expected a column definition", "found \"42\"");
  ERR("a|(b)", "argument 2:", "expected a column definition");
  ERR("a|", "argument 2:", "empty argument");
  ERR("a TEXT NOT", "expected NULL after NOT", "end of the argument");
  ERR("a TEXT PRIMARY", "expected KEY after PRIMARY");
  ERR("a INTEGER PRIMARY KEY AUTOINCREMENT", "AUTOINCREMENT is not supported");
  ERR("a TEXT DEFAULT", "after DEFAULT", "end of the argument");
  ERR("a TEXT DEFAULT foo", "after DEFAULT", "found \"foo\"");
  ERR("a TEXT DEFAULT - 'x'", "a number after the sign");
  ERR("a TEXT DEFAULT 1 DEFAULT 2", "more than one DEFAULT");
  ERR("a TEXT DEFAULT (1 + 2", "expected \")\"");
  ERR("a TEXT REFERENCES b(c)", "foreign keys are not supported");
  ERR("a TEXT GENERATED ALWAYS AS (1)", "generated columns are not supported");
  ERR("a TEXT AS (1)", "generated columns are not supported");
  ERR("a TEXT frobnicate(3) x", "expected a column constraint", "found \"x\"");
  ERR("a TEXT, b", "expected a column constraint", "found \",\"");
  ERR("a 'oops", "argument 1:", "unterminated");
  ERR("\"a", "unterminated");
  ERR("a /* x", "unterminated");
  ERR("\"\" TEXT", "must not be empty");
  ERR("a|INDEX i a", "expected \"(\" and the indexed columns", "found \"a\"");
  ERR("a|INDEX i", "expected \"(\"", "end of the argument");
  ERR("a|INDEX i(a b)", "expected \",\" or \")\"", "found \"b\"");
  ERR("a|INDEX i(a) foo", "expected INCLUDE (...), WHERE", "found \"foo\"");
  ERR("a|INDEX i(a) INCLUDE (a DESC)", "expected \",\" or \")\"", "\"DESC\"");
  ERR("a|INDEX i(a) INCLUDE (a) INCLUDE (a)", "found \"INCLUDE\"");
  ERR("a|INDEX i(a COLLATE nocase)", "only BINARY collation");
  ERR("a|UNIQUE (a)", "argument 2:", "UNIQUE INDEX name");
  ERR("a|PRIMARY KEY(a) ON CONFLICT REPLACE", "found \"ON\"");
  ERR("a|CHECK (a > 0)", "argument 2:", "CHECK constraints are not supported");
  ERR("a|FOREIGN KEY (a) REFERENCES b(c)", "argument 2:", "foreign keys are not supported");
  ERR("a|CONSTRAINT pk PRIMARY KEY (a)", "argument 2:", "CONSTRAINT names are not supported");
  ERR("a|topic TEXT", "argument 2:", "a column named topic must be quoted");
  ERR("a|index TEXT", "argument 2:", "expected \"(\"");
  check_group("model: error messages");
}

/* Every clause of TOPIC lands in the model. */
static void testTopics(void) {
  const char *az[] = {"id TEXT PRIMARY KEY", "email TEXT", "n INTEGER",
                      "TOPIC a",
                      "TOPIC b ON INSERT OR DELETE WHERE n > 1 AND email "
                      "LIKE 'x%' AT (n + 60) PARTITION BY (email, n) "
                      "PARTITIONS 64 MAX ATTEMPTS 7 RETAIN 3600"};
  tito_model *pM = 0;
  char *zErr = 0;
  int rc = tito_model_parse("t", 5, az, &pM, &zErr);
  CHECK(rc == TITO_OK);
  if (rc == TITO_OK) {
    const tito_topic *a = &pM->aTopic[0], *b = &pM->aTopic[1];
    CHECK(pM->nTopic == 2);
    CHECK(a->mAction == TITO_ACT_ALL && !a->zWhere && !a->zAt &&
              a->nPart == 0 && a->nPartitions == 0 && a->nRetain == -1);
    CHECK(b->mAction == (TITO_ACT_INSERT | TITO_ACT_DELETE));
    CHECK(b->zWhere && strcmp(b->zWhere, "n > 1 AND email LIKE 'x%'") == 0);
    CHECK(b->zAt && strcmp(b->zAt, "n + 60") == 0);
    CHECK(b->nPart == 2 && b->aiPart[0] == 1 && b->aiPart[1] == 2);
    CHECK(b->nPartitions == 64 && b->nMaxAttempts == 7 && b->nRetain == 3600);
  }
  tito_model_free(pM);
  sqlite3_free(zErr);
  check_group("model: topics");
}

/* Types as written, affinities, quoting, spacing, comments, case. */
static void test_forms(void) {
  static const char *const az[] = {
      "\"first name\"   VARCHAR( 20 )  not   null",
      "`we``ird` UNSIGNED BIG INT",
      "[br\"ack] DOUBLE PRECISION DEFAULT -1.5e3",
      "\"q\"\"uote\" DECIMAL(10, 5) DEFAULT (1 + (2 * 3)) COLLATE binary",
      "ts DATETIME DEFAULT CURRENT_TIMESTAMP NULL",
      "b BLOB DEFAULT x'00ff'",
      "flag BOOLEAN DEFAULT TRUE CONSTRAINT c1 NOT NULL",
      "n DEFAULT NULL",
      "s TEXT DEFAULT 'it''s' /* comment */ UNIQUE",
      "Pk INTEGER Primary  Key",
      "unique index\tBY_NAME (\n \"first name\" desc ,\n [we`ird] ASC\n)",
      "iNdEx by_ts(ts) where ts > '2020' -- trailing\n and flag",
      "INDEX \"by s\"(s) WHERE s IS NOT NULL INCLUDE (n, s, Pk, ts, n)",
      "INDEX by_n(n) INCLUDE (b) WHERE (n) > 0",
      "PREFIX = 'app''1'",
      "store='tikv://127.0.0.1:2379,127.0.0.2:2379'"};
  tito_model *pM = parseOk("weird", NARG(az), az);
  char *zSql;
  if (!pM) return;
  CHECK(pM->nCol == 10);
  CHECK(strcmp(pM->aCol[0].zName, "first name") == 0);
  CHECK(strcmp(pM->aCol[0].zType, "VARCHAR( 20 )") == 0);
  CHECK(pM->aCol[0].cAff == TITO_AFF_TEXT && pM->aCol[0].bNotNull);
  CHECK(strcmp(pM->aCol[1].zName, "we`ird") == 0);
  CHECK(strcmp(pM->aCol[1].zType, "UNSIGNED BIG INT") == 0);
  CHECK(pM->aCol[1].cAff == TITO_AFF_INTEGER);
  CHECK(strcmp(pM->aCol[2].zName, "br\"ack") == 0);
  CHECK(strcmp(pM->aCol[2].zType, "DOUBLE PRECISION") == 0);
  CHECK(pM->aCol[2].cAff == TITO_AFF_REAL);
  CHECK(strcmp(pM->aCol[2].zDefault, "-1.5e3") == 0);
  CHECK(strcmp(pM->aCol[3].zName, "q\"uote") == 0);
  CHECK(strcmp(pM->aCol[3].zType, "DECIMAL(10, 5)") == 0);
  CHECK(pM->aCol[3].cAff == TITO_AFF_NUMERIC);
  CHECK(strcmp(pM->aCol[3].zDefault, "(1 + (2 * 3))") == 0);
  CHECK(strcmp(pM->aCol[4].zDefault, "CURRENT_TIMESTAMP") == 0);
  CHECK(pM->aCol[4].cAff == TITO_AFF_NUMERIC && !pM->aCol[4].bNotNull);
  CHECK(strcmp(pM->aCol[5].zDefault, "x'00ff'") == 0);
  CHECK(pM->aCol[5].cAff == TITO_AFF_BLOB);
  CHECK(strcmp(pM->aCol[6].zDefault, "TRUE") == 0 && pM->aCol[6].bNotNull);
  CHECK(strcmp(pM->aCol[7].zType, "") == 0);
  CHECK(strcmp(pM->aCol[7].zDefault, "NULL") == 0);
  CHECK(strcmp(pM->aCol[8].zDefault, "'it''s'") == 0);
  CHECK(pM->nPk == 1 && pM->aiPk[0] == 9 && pM->iRowidCol == 9);
  CHECK(pM->nIndex == 5);
  /* Column-level UNIQUE on s: named after the column, placed where written. */
  CHECK(strcmp(pM->aIndex[0].zName, "s_unique") == 0);
  CHECK(pM->aIndex[0].bUnique && pM->aIndex[0].nCol == 1 &&
        pM->aIndex[0].aiCol[0] == 8 && pM->aIndex[0].iId == 1);
  CHECK(strcmp(pM->aIndex[1].zName, "BY_NAME") == 0 && pM->aIndex[1].bUnique);
  CHECK(pM->aIndex[1].nCol == 2 && pM->aIndex[1].aiCol[0] == 0 &&
        pM->aIndex[1].aiCol[1] == 1 && pM->aIndex[1].abDesc[0] == 1 &&
        pM->aIndex[1].abDesc[1] == 0);
  CHECK(strcmp(pM->aIndex[2].zWhere, "ts > '2020' -- trailing\n and flag") == 0);
  CHECK(!pM->aIndex[2].bUnique);
  CHECK(strcmp(pM->aIndex[3].zName, "by s") == 0);
  CHECK(strcmp(pM->aIndex[3].zWhere, "s IS NOT NULL") == 0);
  /* INCLUDE drops key fields, primary-key fields and repeats. */
  CHECK(pM->aIndex[3].nInclude == 2 && pM->aIndex[3].aiInclude[0] == 7 &&
        pM->aIndex[3].aiInclude[1] == 4);
  CHECK(strcmp(pM->aIndex[4].zWhere, "(n) > 0") == 0);
  CHECK(pM->aIndex[4].nInclude == 1 && pM->aIndex[4].aiInclude[0] == 5);
  CHECK(pM->aIndex[4].iId == 5);
  CHECK(strcmp(pM->zPrefix, "app'1") == 0);
  CHECK(pM->zStore &&
        strcmp(pM->zStore, "tikv://127.0.0.1:2379,127.0.0.2:2379") == 0);
  zSql = tito_model_declare_sql(pM);
  CHECK(zSql &&
        strcmp(zSql,
               "CREATE TABLE x(\"first name\" VARCHAR( 20 ) NOT NULL, \"we`ird\" "
               "UNSIGNED BIG INT, \"br\"\"ack\" DOUBLE PRECISION DEFAULT "
               "-1.5e3, \"q\"\"uote\" DECIMAL(10, 5) DEFAULT (1 + (2 * 3)), "
               "\"ts\" DATETIME DEFAULT CURRENT_TIMESTAMP, \"b\" BLOB DEFAULT "
               "x'00ff', \"flag\" BOOLEAN NOT NULL DEFAULT TRUE, \"n\" DEFAULT NULL, "
               "\"s\" TEXT DEFAULT 'it''s', \"Pk\" INTEGER)") == 0);
  sqlite3_free(zSql);
  tito_model_free(pM);
  check_group("model: types, quoting, spacing, comments, defaults, options");
}

/* Column-level UNIQUE names avoid user index names; none on the key. */
static void test_unique_names(void) {
  static const char *const az1[] = {"a UNIQUE", "INDEX a_unique(a)",
                                    "INDEX a_unique_2(a)", "b UNIQUE UNIQUE"};
  static const char *const az2[] = {"id TEXT PRIMARY KEY UNIQUE", "v UNIQUE"};
  static const char *const az3[] = {"id TEXT UNIQUE", "v", "PRIMARY KEY(id, v)"};
  static const char *const az4[] = {"a", "store = embedded", "prefix = p1",
                                    "\"topic\" TEXT", "\"index\"", "primary",
                                    "unique", "constraint_x CONSTRAINT c UNIQUE"};
  tito_model *pM = parseOk("u", NARG(az1), az1);
  if (pM) {
    CHECK(pM->nIndex == 5);
    CHECK(strcmp(pM->aIndex[0].zName, "a_unique_3") == 0);
    CHECK(strcmp(pM->aIndex[1].zName, "a_unique") == 0);
    CHECK(strcmp(pM->aIndex[2].zName, "a_unique_2") == 0);
    CHECK(strcmp(pM->aIndex[3].zName, "b_unique") == 0);
    CHECK(strcmp(pM->aIndex[4].zName, "b_unique_2") == 0);
    tito_model_free(pM);
  }
  pM = parseOk("u", NARG(az2), az2);
  if (pM) {
    CHECK(pM->nIndex == 1 && strcmp(pM->aIndex[0].zName, "v_unique") == 0);
    CHECK(pM->aIndex[0].iId == 1 && pM->aIndex[0].aiCol[0] == 1);
    tito_model_free(pM);
  }
  pM = parseOk("u", NARG(az3), az3); /* part of a composite key: kept */
  if (pM) {
    CHECK(pM->nIndex == 1 && strcmp(pM->aIndex[0].zName, "id_unique") == 0);
    tito_model_free(pM);
  }
  pM = parseOk("u", NARG(az4), az4);
  if (pM) {
    CHECK(pM->zStore == 0 && strcmp(pM->zPrefix, "p1") == 0);
    CHECK(pM->nCol == 6 && tito_model_column(pM, "topic") == 1 &&
          tito_model_column(pM, "index") == 2 &&
          tito_model_column(pM, "primary") == 3 &&
          tito_model_column(pM, "unique") == 4);
    CHECK(pM->nIndex == 1 && strcmp(pM->aIndex[0].zName, "constraint_x_unique") == 0);
    tito_model_free(pM);
  }
  check_group("model: column-level UNIQUE index names, bare option values");
}

/* Our affinity equals SQLite's: CAST('1.5' AS T) and CAST('2' AS T) give a
** distinct pair of result types for each of the five affinities. */
static void test_affinity_vs_sqlite(void) {
  static const char *const azType[] = {
      "INTEGER", "INT", "TINYINT", "BIGINT", "UNSIGNED BIG INT", "INT2",
      "CHARACTER(20)", "VARCHAR(255)", "NCHAR(55)", "NVARCHAR(100)", "TEXT",
      "CLOB", "BLOB", "REAL", "DOUBLE", "DOUBLE PRECISION", "FLOAT", "NUMERIC",
      "DECIMAL(10,5)", "BOOLEAN", "DATE", "DATETIME", "STRING", "FLOATING POINT",
      "POINT", "CHARINT", "BLOBTEXT", "REALBLOB", "TEXTBLOB", "DOUBLE TEXT",
      "BLOBY REAL", "xint", "intx", "ivory", "floa", "dou b", "clo b"};
  sqlite3 *db = 0;
  size_t i;
  CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
  for (i = 0; i < sizeof(azType) / sizeof(azType[0]); i++) {
    char zArg[100];
    const char *azArg[1] = {zArg};
    tito_model *pM;
    char *zErr = 0, *zSql;
    sqlite3_stmt *pStmt = 0;
    char cWant = 0;
    snprintf(zArg, sizeof(zArg), "c %s", azType[i]);
    if (tito_model_parse("t", 1, azArg, &pM, &zErr) != TITO_OK) {
      printf("# %s: %s\n", azType[i], zErr);
      CHECK(0);
      sqlite3_free(zErr);
      continue;
    }
    zSql = sqlite3_mprintf("SELECT typeof(CAST('1.5' AS %s)) || typeof(CAST('2' AS %s))",
                           azType[i], azType[i]);
    if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) == SQLITE_OK &&
        sqlite3_step(pStmt) == SQLITE_ROW) {
      const char *z = (const char *)sqlite3_column_text(pStmt, 0);
      if (strcmp(z, "integerinteger") == 0) cWant = TITO_AFF_INTEGER;
      if (strcmp(z, "realinteger") == 0) cWant = TITO_AFF_NUMERIC;
      if (strcmp(z, "realreal") == 0) cWant = TITO_AFF_REAL;
      if (strcmp(z, "texttext") == 0) cWant = TITO_AFF_TEXT;
      if (strcmp(z, "blobblob") == 0) cWant = TITO_AFF_BLOB;
    }
    if (pM->aCol[0].cAff != cWant) {
      printf("# type %s: tito says %c, SQLite %c\n", azType[i], pM->aCol[0].cAff,
             cWant ? cWant : '?');
      CHECK(0);
    }
    sqlite3_finalize(pStmt);
    sqlite3_free(zSql);
    tito_model_free(pM);
  }
  sqlite3_close(db);
  check_group("model: affinity of declared types equals SQLite's");
}

/*
** A minimal virtual table over a model, to ask SQLite itself: does it
** accept the declared schema, and does it apply DEFAULT clauses to the
** values handed to xUpdate on INSERT? xUpdate records the last call.
*/
static int rec_argc;
static char rec_av[16][64]; /* text of argv[i], "NULL" for SQL NULL */

static int mvConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                     sqlite3_vtab **ppVtab, char **pzErr) {
  tito_model *pM;
  char *zErr = 0, *zSql;
  int rc;
  (void)pAux;
  if (tito_model_parse(argv[2], argc - 3, argv + 3, &pM, &zErr) != TITO_OK) {
    *pzErr = zErr;
    return SQLITE_ERROR;
  }
  zSql = tito_model_declare_sql(pM);
  rc = sqlite3_declare_vtab(db, zSql);
  sqlite3_free(zSql);
  tito_model_free(pM);
  if (rc != SQLITE_OK) return rc;
  *ppVtab = sqlite3_malloc(sizeof(sqlite3_vtab));
  if (!*ppVtab) return SQLITE_NOMEM;
  memset(*ppVtab, 0, sizeof(sqlite3_vtab));
  return SQLITE_OK;
}
static int mvDisconnect(sqlite3_vtab *p) {
  sqlite3_free(p);
  return SQLITE_OK;
}
static int mvBestIndex(sqlite3_vtab *p, sqlite3_index_info *pInfo) {
  (void)p;
  pInfo->estimatedCost = 1e6;
  return SQLITE_OK;
}
static int mvOpen(sqlite3_vtab *p, sqlite3_vtab_cursor **ppCur) {
  (void)p;
  *ppCur = sqlite3_malloc(sizeof(sqlite3_vtab_cursor));
  return *ppCur ? SQLITE_OK : SQLITE_NOMEM;
}
static int mvClose(sqlite3_vtab_cursor *pCur) {
  sqlite3_free(pCur);
  return SQLITE_OK;
}
static int mvFilter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                    int argc, sqlite3_value **argv) {
  (void)pCur, (void)idxNum, (void)idxStr, (void)argc, (void)argv;
  return SQLITE_OK;
}
static int mvNext(sqlite3_vtab_cursor *pCur) {
  (void)pCur;
  return SQLITE_OK;
}
static int mvEof(sqlite3_vtab_cursor *pCur) {
  (void)pCur;
  return 1;
}
static int mvColumn(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i) {
  (void)pCur, (void)ctx, (void)i;
  return SQLITE_OK;
}
static int mvRowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid) {
  (void)pCur;
  *pRowid = 0;
  return SQLITE_OK;
}
static int mvUpdate(sqlite3_vtab *p, int argc, sqlite3_value **argv,
                    sqlite3_int64 *pRowid) {
  int i;
  (void)p, (void)pRowid;
  rec_argc = argc;
  for (i = 0; i < argc && i < 16; i++) {
    const char *z = (const char *)sqlite3_value_text(argv[i]);
    snprintf(rec_av[i], sizeof(rec_av[i]), "%s", z ? z : "NULL");
  }
  return SQLITE_OK;
}
static sqlite3_module mvModule = {
    0, mvConnect, mvConnect, mvBestIndex, mvDisconnect, mvDisconnect, mvOpen,
    mvClose, mvFilter, mvNext, mvEof, mvColumn, mvRowid, mvUpdate,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

/* Run zSql; returns the sqlite3_exec code, error text into zErr[]. */
static int run(sqlite3 *db, const char *zSql, char *zErr, size_t nErr) {
  char *z = 0;
  int rc = sqlite3_exec(db, zSql, 0, 0, &z);
  snprintf(zErr, nErr, "%s", z ? z : "");
  sqlite3_free(z);
  return rc;
}

static void test_declared_in_sqlite(void) {
  sqlite3 *db = 0;
  char zErr[512];
  sqlite3_stmt *pStmt = 0;
  int nHidden = 0;
  CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
  CHECK(sqlite3_create_module(db, "mv", &mvModule, 0) == SQLITE_OK);
  CHECK(run(db,
            "CREATE VIRTUAL TABLE users USING mv(\n"
            "  id TEXT PRIMARY KEY,\n"
            "  name TEXT NOT NULL,  -- a comment\n"
            "  status TEXT DEFAULT 'new',\n"
            "  n INTEGER DEFAULT (6 * 7),\n"
            "  ts DEFAULT CURRENT_DATE,\n"
            "  neg REAL DEFAULT -2.5,\n"
            "  UNIQUE INDEX by_name(name) WHERE status <> 'x' INCLUDE (n)\n"
            ")",
            zErr, sizeof(zErr)) == SQLITE_OK);
  if (zErr[0]) printf("# %s\n", zErr);
  /* The hidden _key column is declared last. */
  if (sqlite3_prepare_v2(db, "SELECT name, type, hidden, pk FROM pragma_table_xinfo('users')",
                         -1, &pStmt, 0) == SQLITE_OK) {
    while (sqlite3_step(pStmt) == SQLITE_ROW) {
      if (sqlite3_column_int(pStmt, 2)) {
        nHidden++;
        CHECK(strcmp((const char *)sqlite3_column_text(pStmt, 0), "_key") == 0);
        CHECK(sqlite3_column_int(pStmt, 3) == 1);
      }
    }
  }
  sqlite3_finalize(pStmt);
  CHECK(nHidden == 1);
  /* INSERT naming only some columns. SQLite (3.40) does NOT apply DEFAULT
  ** clauses for virtual tables: sqlite3_declare_vtab discards them, so the
  ** omitted columns arrive as NULL, exactly like an explicit NULL. The vtab
  ** layer has to apply defaults itself. argv: [0] old key, [1] new key (the
  ** hidden PRIMARY KEY column), then one per declared column. */
  CHECK(run(db, "INSERT INTO users(id, name) VALUES ('k', 'ann')", zErr,
            sizeof(zErr)) == SQLITE_OK);
  CHECK(rec_argc == 2 + 7);
  CHECK(strcmp(rec_av[0], "NULL") == 0);
  CHECK(strcmp(rec_av[2], "k") == 0 && strcmp(rec_av[3], "ann") == 0);
  CHECK(strcmp(rec_av[4], "NULL") == 0); /* status: DEFAULT 'new' not applied */
  CHECK(strcmp(rec_av[5], "NULL") == 0); /* n: DEFAULT (6 * 7) not applied */
  CHECK(strcmp(rec_av[6], "NULL") == 0);
  CHECK(strcmp(rec_av[7], "NULL") == 0);
  CHECK(strcmp(rec_av[8], "NULL") == 0); /* _key: not given */
  /* ... and PRAGMA table_info shows no default either. */
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM pragma_table_info('users') "
                             "WHERE dflt_value IS NOT NULL",
                         -1, &pStmt, 0) == SQLITE_OK &&
      sqlite3_step(pStmt) == SQLITE_ROW) {
    CHECK(sqlite3_column_int(pStmt, 0) == 0);
  } else {
    CHECK(0);
  }
  sqlite3_finalize(pStmt);
  /* declare_vtab still refuses a DEFAULT that is not constant, but with a
  ** vague message: the vtab layer should check DEFAULTs itself first. */
  CHECK(run(db, "CREATE VIRTUAL TABLE d USING mv(a, b DEFAULT (a + 1))", zErr,
            sizeof(zErr)) == SQLITE_ERROR);
  CHECK(strstr(zErr, "vtable constructor failed") != 0);
  /* A rowid table (INTEGER PRIMARY KEY alias) declares no key column. */
  CHECK(run(db, "CREATE VIRTUAL TABLE t USING mv(id INTEGER PRIMARY KEY, v TEXT DEFAULT 'd')",
            zErr, sizeof(zErr)) == SQLITE_OK);
  CHECK(run(db, "INSERT INTO t(id) VALUES (7)", zErr, sizeof(zErr)) == SQLITE_OK);
  CHECK(rec_argc == 2 + 2 && strcmp(rec_av[1], "NULL") == 0);
  CHECK(strcmp(rec_av[2], "7") == 0 && strcmp(rec_av[3], "NULL") == 0);
  /* A bad definition fails CREATE with our message. */
  CHECK(run(db, "CREATE VIRTUAL TABLE bad USING mv(email TEXT, INDEX by_email(emial))",
            zErr, sizeof(zErr)) == SQLITE_ERROR);
  CHECK(strcmp(zErr, "tito: bad argument 2: unknown column \"emial\" in INDEX "
                     "by_email (did you mean \"email\"?)") == 0);
  sqlite3_close(db);
  check_group("model: declared schema in SQLite; DEFAULT is not applied to vtabs");
}

/*
** Allocation failures: a wrapper around SQLite's allocator fails the Nth
** allocation; parsing then returns TITO_NOMEM (or a complete result if the
** failed allocation was not needed) and every byte is freed.
*/
static sqlite3_mem_methods realMem;
static int nFailAt = 0; /* fail the allocation with this count; 0 = never */
static int nAllocs = 0;
static void *failMalloc(int n) {
  if (nFailAt && ++nAllocs == nFailAt) return 0;
  return realMem.xMalloc(n);
}
static void *failRealloc(void *p, int n) {
  if (nFailAt && ++nAllocs == nFailAt) return 0;
  return realMem.xRealloc(p, n);
}

static void test_oom(void) {
  static const char *const azOk[] = {
      "id TEXT PRIMARY KEY UNIQUE", "name TEXT NOT NULL UNIQUE",
      "email VARCHAR(20) DEFAULT 'x' COLLATE BINARY", "role", "v UNIQUE",
      "UNIQUE INDEX by_email(email DESC, role) INCLUDE (name, v) WHERE role > 1",
      "INDEX v_unique(v)", "prefix = 'p'", "store = 'tikv://h:1'"};
  static const char *const azBad[] = {"id TEXT PRIMARY KEY", "email TEXT",
                                      "INDEX by_email(emial)"};
  static const char *const azBad2[] = {"a", "b", "PRIMARY KEY(a, c)"};
  static const char *const azBad3[] = {"a", "INDEX i(a) INCLUDE (a, x)"};
  static const char *const azBad4[] = {"a TEXT DEFAULT (1", "b"};
  static const char *const azBad5[] = {"a", "prefx = 1"};
  static const char *const *aaz[] = {azOk, azBad, azBad2, azBad3, azBad4, azBad5};
  static const int anArg[] = {NARG(azOk), NARG(azBad), NARG(azBad2),
                              NARG(azBad3), NARG(azBad4), NARG(azBad5)};
  size_t k;
  for (k = 0; k < sizeof(anArg) / sizeof(anArg[0]); k++) {
    int i, rcWant = -1, bDone = 0;
    for (i = 1; i < 2000 && !bDone; i++) {
      sqlite3_int64 nBefore = sqlite3_memory_used();
      tito_model *pM = 0;
      char *zErr = 0, *zSql = 0;
      int rc;
      nAllocs = 0;
      nFailAt = i;
      rc = tito_model_parse("users", anArg[k], aaz[k], &pM, &zErr);
      if (pM) zSql = tito_model_declare_sql(pM);
      bDone = nAllocs < i; /* no allocation failed: the full result */
      nFailAt = 0;
      if (bDone) {
        CHECK(rc == rcWant || rcWant < 0);
        CHECK(k == 0 ? (pM != 0 && zSql != 0) : (pM == 0 && zErr != 0));
      } else {
        /* an allocation failed: NOMEM, or the error it was heading for */
        CHECK(rc == TITO_NOMEM || (rc == TITO_ERROR && k > 0 && zErr) ||
              (rc == TITO_OK && pM && !zSql));
        CHECK(rc != TITO_NOMEM || (pM == 0 && zErr == 0));
      }
      sqlite3_free(zSql);
      sqlite3_free(zErr);
      tito_model_free(pM);
      CHECK(sqlite3_memory_used() == nBefore);
    }
    CHECK(bDone);
  }
  check_group("model: allocation failures return TITO_NOMEM and leak nothing");
}

/* Where a WHERE predicate ends: at a trailing INCLUDE (...) only. */
static void test_where(void) {
  static const char *const az[] = {
      "a", "b",
      "INDEX i1(a) WHERE a = include(b)",
      "INDEX i2(a) WHERE a IN (1, 2) INCLUDE (b)",
      "INDEX i3(a) WHERE \"a\" > 'x' AND (b OR a) include(b)",
      "INDEX i4(a) WHERE a NOT include(b)",
      "INDEX i5(a) WHERE a = ','"};
  tito_model *pM = parseOk("w", NARG(az), az);
  if (!pM) return;
  CHECK(strcmp(pM->aIndex[0].zWhere, "a = include(b)") == 0);
  CHECK(pM->aIndex[0].nInclude == 0);
  CHECK(strcmp(pM->aIndex[1].zWhere, "a IN (1, 2)") == 0);
  CHECK(pM->aIndex[1].nInclude == 1);
  CHECK(strcmp(pM->aIndex[2].zWhere, "\"a\" > 'x' AND (b OR a)") == 0);
  CHECK(pM->aIndex[2].nInclude == 1);
  CHECK(strcmp(pM->aIndex[3].zWhere, "a NOT include(b)") == 0);
  CHECK(strcmp(pM->aIndex[4].zWhere, "a = ','") == 0);
  tito_model_free(pM);
  check_group("model: partial-index WHERE text and INCLUDE after it");
}

/* Which model changes a table of a shared store can follow: any of its
** indexes (a plan finds its index by id, titoFilter), never of its columns
** or primary key. */
static void test_follows(void) {
  static const char *const azOld[] = {"id INTEGER PRIMARY KEY", "a", "b",
                                      "INDEX ia(a)"};
  static const char *const azAdd[] = {"id INTEGER PRIMARY KEY", "a", "b",
                                      "INDEX ia(a)", "INDEX ib(b)"};
  static const char *const azSwap[] = {"id INTEGER PRIMARY KEY", "a", "b",
                                       "INDEX ib(b)", "INDEX ia(a)"};
  static const char *const azCol[] = {"id INTEGER PRIMARY KEY", "a", "b", "c",
                                      "INDEX ia(a)"};
  static const char *const azUniq[] = {"id INTEGER PRIMARY KEY", "a", "b",
                                       "UNIQUE INDEX ia(a)", "INDEX ib(b)"};
  static const char *const azPk[] = {"id INTEGER", "a", "b",
                                     "PRIMARY KEY (id, a)", "INDEX ia(a)"};
  tito_model *pOld = parseOk("f", NARG(azOld), azOld);
  tito_model *pAdd = parseOk("f", NARG(azAdd), azAdd);
  tito_model *pSwap = parseOk("f", NARG(azSwap), azSwap);
  tito_model *pCol = parseOk("f", NARG(azCol), azCol);
  tito_model *pUniq = parseOk("f", NARG(azUniq), azUniq);
  tito_model *pPk = parseOk("f", NARG(azPk), azPk);
  if (pOld && pAdd && pSwap && pCol && pUniq && pPk) {
    CHECK(tito_def_model_follows(pOld, pOld));
    CHECK(tito_def_model_follows(pOld, pAdd));    /* an index added */
    CHECK(tito_def_model_follows(pOld, pSwap));   /* ia moved */
    CHECK(!tito_def_model_follows(pOld, pCol));   /* a column added */
    CHECK(tito_def_model_follows(pOld, pUniq));   /* ia changed */
    CHECK(tito_def_model_follows(pAdd, pOld));    /* ib gone */
    CHECK(!tito_def_model_follows(pOld, pPk));    /* another primary key */
    CHECK(tito_def_same_index(&pOld->aIndex[0], &pAdd->aIndex[0]));
    CHECK(tito_def_same_index(&pOld->aIndex[0], &pSwap->aIndex[1]));
    CHECK(!tito_def_same_index(&pOld->aIndex[0], &pUniq->aIndex[0]));
    CHECK(!tito_def_same_index(&pAdd->aIndex[1], &pAdd->aIndex[0]));
  }
  tito_model_free(pPk);
  tito_model_free(pOld);
  tito_model_free(pAdd);
  tito_model_free(pSwap);
  tito_model_free(pCol);
  tito_model_free(pUniq);
  {
    /* Read by an older model: columns added at the end or renamed, the
    ** same types; not a column dropped, retyped or moved. */
    static const char *const azW[] = {"id INTEGER PRIMARY KEY", "a", "b",
                                      "c TEXT DEFAULT 'x'", "INDEX ia(a)"};
    static const char *const azRen[] = {"id INTEGER PRIMARY KEY", "aa", "b",
                                        "INDEX ia(aa)"};
    static const char *const azType[] = {"id INTEGER PRIMARY KEY", "a",
                                         "b TEXT", "INDEX ia(a)"};
    static const char *const azDrop[] = {"id INTEGER PRIMARY KEY", "a",
                                         "INDEX ia(a)"};
    tito_model *pW = parseOk("f", NARG(azW), azW);
    tito_model *pRen = parseOk("f", NARG(azRen), azRen);
    tito_model *pType = parseOk("f", NARG(azType), azType);
    tito_model *pDrop = parseOk("f", NARG(azDrop), azDrop);
    tito_model *pO = parseOk("f", NARG(azOld), azOld);
    if (pW && pRen && pType && pDrop && pO) {
      CHECK(!tito_def_model_follows(pO, pW) && tito_def_model_reads(pO, pW));
      CHECK(!tito_def_model_follows(pO, pRen) &&
            tito_def_model_reads(pO, pRen));
      CHECK(!tito_def_model_reads(pO, pType));
      CHECK(!tito_def_model_reads(pO, pDrop));
      CHECK(!tito_def_model_reads(pW, pO)); /* a column fewer */
      CHECK(tito_def_model_reads(pDrop, pO)); /* a column added... */
      CHECK(!tito_def_model_reads(pO, pDrop)); /* ...not dropped */
    }
    tito_model_free(pW);
    tito_model_free(pRen);
    tito_model_free(pType);
    tito_model_free(pDrop);
    tito_model_free(pO);
  }
  check_group("definition: a model changed elsewhere is followed whatever "
              "its indexes became, with the same columns and primary key; "
              "read by the old model when columns were only added or "
              "renamed");
}

int main(void) {
  sqlite3_mem_methods m;
  sqlite3_config(SQLITE_CONFIG_GETMALLOC, &realMem);
  m = realMem;
  m.xMalloc = failMalloc;
  m.xRealloc = failRealloc;
  sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
  test_users();
  test_composite_and_rowid();
  test_errors();
  testTopics();
  test_forms();
  test_unique_names();
  test_affinity_vs_sqlite();
  test_declared_in_sqlite();
  test_where();
  test_follows();
  test_oom();
  return check_exit();
}
