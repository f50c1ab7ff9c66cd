.load ./tito
-- Posts with their tags: the tito crate's relationships, in SQL.
-- Run it from the repository root after `make`:
--     sqlite3 blog.db < sql/blog.sql
-- It can be run again on the same file: it starts by dropping its tables.
--
-- Two ways to relate posts and tags:
--   * a link model post_tags(post_id, tag_id) keyed by both ids, with an index
--     by tag for the way back;
--   * as the tito crate does it, a post holding the ids of its tags (here a
--     JSON array), "hydrated" with one batched get of the tags.

DROP TABLE IF EXISTS posts;
DROP TABLE IF EXISTS tags;
DROP TABLE IF EXISTS post_tags;

CREATE VIRTUAL TABLE posts USING tito(
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  author TEXT NOT NULL,
  published TEXT,
  tag_ids TEXT,                          -- JSON array of tag ids
  INDEX by_author(author, published DESC)
);
CREATE VIRTUAL TABLE tags USING tito(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE              -- a unique index named name_unique
);
CREATE VIRTUAL TABLE post_tags USING tito(
  post_id INTEGER,
  tag_id INTEGER,
  PRIMARY KEY (post_id, tag_id),
  INDEX by_tag(tag_id)
);

INSERT INTO tags VALUES (1, 'sqlite'), (2, 'kv'), (3, 'tikv'), (4, 'c'), (5, 'news');
INSERT INTO posts VALUES
  (1, 'Hello, tito',             'ann', '2026-01-05', '[5]'),
  (2, 'Models as virtual tables', 'ann', '2026-02-10', '[1, 2]'),
  (3, 'An ordered key codec',     'bob', '2026-02-20', '[2, 4]'),
  (4, 'Talking to TiKV',          'bob', '2026-03-01', '[2, 3, 4]'),
  (5, 'Draft',                    'cy',  NULL,         '[]');
INSERT INTO post_tags SELECT p.id, j.value FROM posts p, json_each(p.tag_ids) j;

.headers on
.mode box

.print "Posts with their tags, through the link model:"
SELECT p.id, p.title, group_concat(t.name, ', ') AS tags
  FROM posts p
  LEFT JOIN post_tags pt ON pt.post_id = p.id
  LEFT JOIN tags t ON t.id = pt.tag_id
 GROUP BY p.id
 ORDER BY p.id;
.print "Each link is followed by a point get of its tag:"
EXPLAIN QUERY PLAN
SELECT p.id, p.title, group_concat(t.name, ', ') AS tags
  FROM posts p
  LEFT JOIN post_tags pt ON pt.post_id = p.id
  LEFT JOIN tags t ON t.id = pt.tag_id
 GROUP BY p.id
 ORDER BY p.id;

.print
.print "The same, as the tito crate hydrates a relationship: one batched get"
.print "of the tags a post lists:"
SELECT p.id, p.title,
       (SELECT group_concat(t.name, ', ') FROM tags t
         WHERE t.id IN (SELECT value FROM json_each(p.tag_ids))) AS tags
  FROM posts p
 ORDER BY p.id;
EXPLAIN QUERY PLAN
SELECT p.id, p.title,
       (SELECT group_concat(t.name, ', ') FROM tags t
         WHERE t.id IN (SELECT value FROM json_each(p.tag_ids))) AS tags
  FROM posts p
 ORDER BY p.id;

.print
.print "The way back: posts tagged kv, newest first, through the by_tag index"
.print "and a point get per post:"
SELECT p.published, p.title, p.author
  FROM tags t
  JOIN post_tags pt ON pt.tag_id = t.id
  JOIN posts p ON p.id = pt.post_id
 WHERE t.name = 'kv'
 ORDER BY p.published DESC;
EXPLAIN QUERY PLAN
SELECT p.published, p.title, p.author
  FROM tags t
  JOIN post_tags pt ON pt.tag_id = t.id
  JOIN posts p ON p.id = pt.post_id
 WHERE t.name = 'kv'
 ORDER BY p.published DESC;

.print
.print "An author's posts, newest first, straight from the by_author index:"
SELECT published, title FROM posts WHERE author = 'bob' ORDER BY published DESC;
EXPLAIN QUERY PLAN
SELECT published, title FROM posts WHERE author = 'bob' ORDER BY published DESC;

.print
.print "Tag counts:"
SELECT t.name, count(pt.post_id) AS posts
  FROM tags t LEFT JOIN post_tags pt ON pt.tag_id = t.id
 GROUP BY t.id
 ORDER BY posts DESC, t.name;

.print
.print "Retagging a post in one transaction: the links and the list change together."
BEGIN;
DELETE FROM post_tags WHERE post_id = 3;
INSERT INTO post_tags VALUES (3, 1), (3, 4);
UPDATE posts SET tag_ids = '[1, 4]' WHERE id = 3;
COMMIT;
SELECT p.title, group_concat(t.name, ', ') AS tags
  FROM post_tags pt JOIN posts p ON p.id = pt.post_id JOIN tags t ON t.id = pt.tag_id
 WHERE pt.post_id = 3;

.print
.print "Integrity of every model:"
SELECT tito_check('posts') AS posts, tito_check('tags') AS tags,
       tito_check('post_tags') AS post_tags;
