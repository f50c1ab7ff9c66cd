-- 150-model-rules: what a tito model is, where it differs from a CREATE
-- TABLE with the same words.
--   * A table with a primary key that is not the rowid behaves as a WITHOUT
--     ROWID table (the key is the row's identity in the store): key columns
--     are NOT NULL, as SQLite enforces for WITHOUT ROWID tables (a rowid
--     table would accept NULL there, a legacy quirk).
--   * The rowid alias follows SQLite's rule: a one-column key of type
--     INTEGER, except "INTEGER PRIMARY KEY DESC" written on the column;
--     "PRIMARY KEY (x DESC)" is the rowid.
--   * A partial index's WHERE accepts what SQLite's accepts (an IN list)
--     and refuses what it refuses (subqueries), with SQLite's words.
--   * At most 64 indexes, UNIQUE columns included: refused at CREATE.

.print -- PRIMARY KEY (x DESC) on an INTEGER column is the rowid, as in SQLite
CREATE VIRTUAL TABLE a USING tito(x INTEGER, v, PRIMARY KEY (x DESC));
CREATE TABLE na(x INTEGER, v, PRIMARY KEY (x DESC));
INSERT INTO a VALUES (NULL, 'one'), (5, 'five'), (NULL, 'six'), ('7', 'seven');
INSERT INTO na VALUES (NULL, 'one'), (5, 'five'), (NULL, 'six'), ('7', 'seven');
INSERT INTO a VALUES ('x', 'text');
INSERT INTO na VALUES ('x', 'text');
SELECT rowid, x, typeof(x), v FROM a ORDER BY x DESC;
SELECT CASE WHEN (SELECT group_concat(rowid || x || v) FROM a) = (SELECT group_concat(rowid || x || v) FROM na) THEN 'same rows as sqlite' ELSE 'DIFFERENT' END;

.print -- x INTEGER PRIMARY KEY DESC is not the rowid: an ordinary key column
.print -- (NOT NULL as in a WITHOUT ROWID table, text kept, descending order)
CREATE VIRTUAL TABLE b USING tito(x INTEGER PRIMARY KEY DESC, v);
INSERT INTO b VALUES (1, 'one'), ('2', 'two'), ('abc', 'text'), (2.5, 'real');
INSERT INTO b VALUES (NULL, 'null');
SELECT x, typeof(x), v FROM b;
SELECT rowid FROM b;

.print -- a key column that is not the rowid is NOT NULL (WITHOUT ROWID)
CREATE VIRTUAL TABLE c USING tito(k TEXT PRIMARY KEY, v);
INSERT INTO c VALUES (NULL, 1);
CREATE VIRTUAL TABLE d USING tito(k1 INT, k2 TEXT, PRIMARY KEY (k1, k2));
INSERT INTO d VALUES (1, NULL);
CREATE TABLE nd(k1 INT, k2 TEXT, PRIMARY KEY (k1, k2)) WITHOUT ROWID;
INSERT INTO nd VALUES (1, NULL);

.print -- partial indexes: an IN list as in SQLite (used when a literal
.print -- equality proves it), subqueries refused with SQLite's words
CREATE VIRTUAL TABLE e USING tito(a INT PRIMARY KEY, b TEXT, c, INDEX i(c) WHERE b IN (1, 2, 'x'));
CREATE TABLE ne(a INT PRIMARY KEY, b TEXT, c);
CREATE INDEX ne_i ON ne(c) WHERE b IN (1, 2, 'x');
INSERT INTO e VALUES (1, 1, 'p'), (2, '2', 'q'), (3, 'x', 'r'), (4, 'y', 's'), (5, ' 1', 'p');
INSERT INTO ne SELECT * FROM e;
EXPLAIN QUERY PLAN SELECT a FROM e WHERE c = 'p' AND b = '1';
SELECT a FROM e WHERE c = 'p' AND b = '1';
EXPLAIN QUERY PLAN SELECT a FROM e WHERE c = 'p' AND b = 'y';
SELECT a FROM e WHERE c > 'a' AND b IN ('1', 'x') ORDER BY a;
SELECT a FROM ne WHERE c > 'a' AND b IN ('1', 'x') ORDER BY a;
SELECT tito_check('e');
CREATE VIRTUAL TABLE f USING tito(a, b, INDEX i(a) WHERE b IN (SELECT 1));
CREATE INDEX nf ON ne(a) WHERE b IN (SELECT 1);
CREATE VIRTUAL TABLE f USING tito(a, b, INDEX i(a) WHERE EXISTS (SELECT 1));
CREATE INDEX nf ON ne(a) WHERE EXISTS (SELECT 1);
CREATE TABLE n1(x);
CREATE VIRTUAL TABLE f USING tito(a, b, INDEX i(a) WHERE b IN n1);
CREATE INDEX nf ON ne(a) WHERE b IN n1;
CREATE VIRTUAL TABLE f USING tito(a, b, INDEX i(a) WHERE (SELECT 1) = b);
CREATE INDEX nf ON ne(a) WHERE (SELECT 1) = b;
CREATE VIRTUAL TABLE f USING tito(a, b, INDEX i(a) WHERE b = ?);
CREATE INDEX nf ON ne(a) WHERE b = ?;
CREATE VIRTUAL TABLE f USING tito(a, b, INDEX i(a) WHERE random() > 0);
CREATE INDEX nf ON ne(a) WHERE random() > 0;

.print -- 64 indexes (UNIQUE columns included): every write keeps them all
CREATE VIRTUAL TABLE g USING tito(k INTEGER PRIMARY KEY, c0, c1, c2, c3, c4, c5, c6, c7 UNIQUE, INDEX p0(c0) WHERE c1 > 0, INDEX i1(c1), INDEX i2(c2), UNIQUE INDEX u3(c3), INDEX i4(c4), INDEX p5(c5) WHERE c6 > 1, UNIQUE INDEX u6(c6), INDEX i7(c7), INDEX i8(c0), UNIQUE INDEX u9(c1), INDEX p10(c2) WHERE c3 > 2, INDEX i11(c3), UNIQUE INDEX u12(c4), INDEX i13(c5), INDEX i14(c6), INDEX p15(c7) WHERE c0 > 3, INDEX i16(c0), INDEX i17(c1), UNIQUE INDEX u18(c2), INDEX i19(c3), INDEX p20(c4) WHERE c5 > 0, UNIQUE INDEX u21(c5), INDEX i22(c6), INDEX i23(c7), UNIQUE INDEX u24(c0), INDEX p25(c1) WHERE c2 > 1, INDEX i26(c2), UNIQUE INDEX u27(c3), INDEX i28(c4), INDEX i29(c5), INDEX p30(c6) WHERE c7 > 2, INDEX i31(c7), INDEX i32(c0), UNIQUE INDEX u33(c1), INDEX i34(c2), INDEX p35(c3) WHERE c4 > 3, UNIQUE INDEX u36(c4), INDEX i37(c5), INDEX i38(c6), UNIQUE INDEX u39(c7), INDEX p40(c0) WHERE c1 > 0, INDEX i41(c1), UNIQUE INDEX u42(c2), INDEX i43(c3), INDEX i44(c4), INDEX p45(c5) WHERE c6 > 1, INDEX i46(c6), INDEX i47(c7), UNIQUE INDEX u48(c0), INDEX i49(c1), INDEX p50(c2) WHERE c3 > 2, UNIQUE INDEX u51(c3), INDEX i52(c4), INDEX i53(c5), UNIQUE INDEX u54(c6), INDEX p55(c7) WHERE c0 > 3, INDEX i56(c0), UNIQUE INDEX u57(c1), INDEX i58(c2), INDEX i59(c3), INDEX p60(c4) WHERE c5 > 0, INDEX i61(c5), INDEX i62(c6));
CREATE TABLE ng(k INTEGER PRIMARY KEY, c0, c1, c2, c3, c4, c5, c6, c7 UNIQUE);
CREATE INDEX p0 ON ng(c0) WHERE c1 > 0;
CREATE INDEX i1 ON ng(c1);
CREATE INDEX i2 ON ng(c2);
CREATE UNIQUE INDEX u3 ON ng(c3);
CREATE INDEX i4 ON ng(c4);
CREATE INDEX p5 ON ng(c5) WHERE c6 > 1;
CREATE UNIQUE INDEX u6 ON ng(c6);
CREATE INDEX i7 ON ng(c7);
CREATE INDEX i8 ON ng(c0);
CREATE UNIQUE INDEX u9 ON ng(c1);
CREATE INDEX p10 ON ng(c2) WHERE c3 > 2;
CREATE INDEX i11 ON ng(c3);
CREATE UNIQUE INDEX u12 ON ng(c4);
CREATE INDEX i13 ON ng(c5);
CREATE INDEX i14 ON ng(c6);
CREATE INDEX p15 ON ng(c7) WHERE c0 > 3;
CREATE INDEX i16 ON ng(c0);
CREATE INDEX i17 ON ng(c1);
CREATE UNIQUE INDEX u18 ON ng(c2);
CREATE INDEX i19 ON ng(c3);
CREATE INDEX p20 ON ng(c4) WHERE c5 > 0;
CREATE UNIQUE INDEX u21 ON ng(c5);
CREATE INDEX i22 ON ng(c6);
CREATE INDEX i23 ON ng(c7);
CREATE UNIQUE INDEX u24 ON ng(c0);
CREATE INDEX p25 ON ng(c1) WHERE c2 > 1;
CREATE INDEX i26 ON ng(c2);
CREATE UNIQUE INDEX u27 ON ng(c3);
CREATE INDEX i28 ON ng(c4);
CREATE INDEX i29 ON ng(c5);
CREATE INDEX p30 ON ng(c6) WHERE c7 > 2;
CREATE INDEX i31 ON ng(c7);
CREATE INDEX i32 ON ng(c0);
CREATE UNIQUE INDEX u33 ON ng(c1);
CREATE INDEX i34 ON ng(c2);
CREATE INDEX p35 ON ng(c3) WHERE c4 > 3;
CREATE UNIQUE INDEX u36 ON ng(c4);
CREATE INDEX i37 ON ng(c5);
CREATE INDEX i38 ON ng(c6);
CREATE UNIQUE INDEX u39 ON ng(c7);
CREATE INDEX p40 ON ng(c0) WHERE c1 > 0;
CREATE INDEX i41 ON ng(c1);
CREATE UNIQUE INDEX u42 ON ng(c2);
CREATE INDEX i43 ON ng(c3);
CREATE INDEX i44 ON ng(c4);
CREATE INDEX p45 ON ng(c5) WHERE c6 > 1;
CREATE INDEX i46 ON ng(c6);
CREATE INDEX i47 ON ng(c7);
CREATE UNIQUE INDEX u48 ON ng(c0);
CREATE INDEX i49 ON ng(c1);
CREATE INDEX p50 ON ng(c2) WHERE c3 > 2;
CREATE UNIQUE INDEX u51 ON ng(c3);
CREATE INDEX i52 ON ng(c4);
CREATE INDEX i53 ON ng(c5);
CREATE UNIQUE INDEX u54 ON ng(c6);
CREATE INDEX p55 ON ng(c7) WHERE c0 > 3;
CREATE INDEX i56 ON ng(c0);
CREATE UNIQUE INDEX u57 ON ng(c1);
CREATE INDEX i58 ON ng(c2);
CREATE INDEX i59 ON ng(c3);
CREATE INDEX p60 ON ng(c4) WHERE c5 > 0;
CREATE INDEX i61 ON ng(c5);
CREATE INDEX i62 ON ng(c6);
SELECT count(*) FROM pragma_index_list('ng');
INSERT INTO g(c0, c1, c2, c3, c4, c5, c6, c7) VALUES (1, 2, 3, 4, 5, 6, 7, 8), (2, 3, 4, 5, 6, 7, 8, 9);
INSERT INTO ng(c0, c1, c2, c3, c4, c5, c6, c7) VALUES (1, 2, 3, 4, 5, 6, 7, 8), (2, 3, 4, 5, 6, 7, 8, 9);
INSERT INTO g(c0, c7) VALUES (9, 8);
INSERT INTO ng(c0, c7) VALUES (9, 8);
INSERT INTO g(c3) VALUES (5);
INSERT INTO ng(c3) VALUES (5);
UPDATE g SET c1 = c1 + 10, c2 = c2 * 2 WHERE k = 1;
UPDATE ng SET c1 = c1 + 10, c2 = c2 * 2 WHERE k = 1;
DELETE FROM g WHERE c0 = 2;
DELETE FROM ng WHERE c0 = 2;
SELECT k, c0, c1, c2, c7 FROM g;
SELECT CASE WHEN (SELECT group_concat(k || c0 || c1 || c2 || c7) FROM g) = (SELECT group_concat(k || c0 || c1 || c2 || c7) FROM ng) THEN 'same rows as sqlite' ELSE 'DIFFERENT' END;
SELECT tito_check('g');

.print -- 65 indexes are refused, with or without a partial one
CREATE VIRTUAL TABLE h USING tito(k, c UNIQUE, INDEX i0(k), INDEX i1(k), INDEX i2(k), INDEX i3(k), INDEX i4(k), INDEX i5(k), INDEX i6(k), INDEX i7(k), INDEX i8(k), INDEX i9(k), INDEX i10(k), INDEX i11(k), INDEX i12(k), INDEX i13(k), INDEX i14(k), INDEX i15(k), INDEX i16(k), INDEX i17(k), INDEX i18(k), INDEX i19(k), INDEX i20(k), INDEX i21(k), INDEX i22(k), INDEX i23(k), INDEX i24(k), INDEX i25(k), INDEX i26(k), INDEX i27(k), INDEX i28(k), INDEX i29(k), INDEX i30(k), INDEX i31(k), INDEX i32(k), INDEX i33(k), INDEX i34(k), INDEX i35(k), INDEX i36(k), INDEX i37(k), INDEX i38(k), INDEX i39(k), INDEX i40(k), INDEX i41(k), INDEX i42(k), INDEX i43(k), INDEX i44(k), INDEX i45(k), INDEX i46(k), INDEX i47(k), INDEX i48(k), INDEX i49(k), INDEX i50(k), INDEX i51(k), INDEX i52(k), INDEX i53(k), INDEX i54(k), INDEX i55(k), INDEX i56(k), INDEX i57(k), INDEX i58(k), INDEX i59(k), INDEX i60(k), INDEX i61(k), INDEX i62(k), INDEX i63(k));
CREATE VIRTUAL TABLE h USING tito(k, c, INDEX i0(k), INDEX i1(k), INDEX i2(k), INDEX i3(k), INDEX i4(k), INDEX i5(k), INDEX i6(k), INDEX i7(k), INDEX i8(k), INDEX i9(k), INDEX i10(k), INDEX i11(k), INDEX i12(k), INDEX i13(k), INDEX i14(k), INDEX i15(k), INDEX i16(k), INDEX i17(k), INDEX i18(k), INDEX i19(k), INDEX i20(k), INDEX i21(k), INDEX i22(k), INDEX i23(k), INDEX i24(k), INDEX i25(k), INDEX i26(k), INDEX i27(k), INDEX i28(k), INDEX i29(k), INDEX i30(k), INDEX i31(k), INDEX i32(k), INDEX i33(k), INDEX i34(k), INDEX i35(k), INDEX i36(k), INDEX i37(k), INDEX i38(k), INDEX i39(k), INDEX i40(k), INDEX i41(k), INDEX i42(k), INDEX i43(k), INDEX i44(k), INDEX i45(k), INDEX i46(k), INDEX i47(k), INDEX i48(k), INDEX i49(k), INDEX i50(k), INDEX i51(k), INDEX i52(k), INDEX i53(k), INDEX i54(k), INDEX i55(k), INDEX i56(k), INDEX i57(k), INDEX i58(k), INDEX i59(k), INDEX i60(k), INDEX i61(k), INDEX i62(k), INDEX i63(k), INDEX p(c) WHERE c > 0);
SELECT count(*) FROM sqlite_master WHERE name = 'h';

.print -- a partial condition on a numeric column holding text: the column's
.print -- affinity still applies (' 7x' > '5' compares text with the number 5)
CREATE VIRTUAL TABLE n USING tito(k INTEGER PRIMARY KEY, a INTEGER, b TEXT, r REAL,
  INDEX p(b) WHERE a > '5', INDEX q(b) WHERE r < '5');
CREATE TABLE nn(k INTEGER PRIMARY KEY, a INTEGER, b TEXT, r REAL);
CREATE INDEX nn_p ON nn(b) WHERE a > '5';
CREATE INDEX nn_q ON nn(b) WHERE r < '5';
INSERT INTO n VALUES (1, ' 7x', 'q', ' 1x'), (2, 9, 'q', 1), (3, 'abc', 'q', 'abc'), (4, '', 'q', x'00');
INSERT INTO nn SELECT * FROM n;
EXPLAIN QUERY PLAN SELECT k FROM n WHERE b = 'q' AND a > '5';
SELECT group_concat(k, ' ') FROM (SELECT k FROM n WHERE b = 'q' AND a > '5' ORDER BY k);
SELECT group_concat(k, ' ') FROM (SELECT k FROM nn WHERE b = 'q' AND a > '5' ORDER BY k);
SELECT group_concat(k, ' ') FROM (SELECT k FROM n WHERE b = 'q' AND r < '5' ORDER BY k);
SELECT group_concat(k, ' ') FROM (SELECT k FROM nn WHERE b = 'q' AND r < '5' ORDER BY k);
SELECT tito_check('n');
