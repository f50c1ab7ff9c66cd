-- 220-outbox-leases: workers of one group divide the partitions with
-- leases (owner, expiry, generation); a worker reads only its partitions;
-- an expired worker's partitions are taken over by another.

SELECT tito_config('clock', 1700000000);
CREATE VIRTUAL TABLE jobs USING tito(id INTEGER PRIMARY KEY, TOPIC job PARTITIONS 4);
INSERT INTO jobs VALUES (1), (2), (3), (4), (5), (6), (7), (8);
SELECT "partition", count(*) FROM tito_peek('job', 'g') GROUP BY 1;

.print -- w1 claims two partitions, w2 the other two, w3 none
SELECT tito_lease('job', 'g', 'w1', 30, 2);
SELECT tito_lease('job', 'g', 'w2', 30, 2);
SELECT tito_lease('job', 'g', 'w3', 30);
SELECT "partition", lease_owner, lease_expiry, lease_generation FROM tito_consumers
  WHERE topic = 'job' ORDER BY "partition";

.print -- each worker consumes only its partitions
BEGIN;
SELECT 'w1', "partition", key FROM tito_events('job', 'g', NULL, NULL, 100, 'w1');
COMMIT;
BEGIN;
SELECT 'w3', "partition", key FROM tito_events('job', 'g', NULL, NULL, 100, 'w3');
COMMIT;
SELECT count(*) AS left_for_w2 FROM tito_peek('job', 'g');

.print -- w1 renews in time (same generation); w2 stops renewing: after
.print -- expiry w3 takes its partitions over (a new generation), and w2 reads nothing
SELECT tito_config('clock', 1700000020);
SELECT tito_lease('job', 'g', 'w1', 30, 2);
SELECT tito_config('clock', 1700000040);
SELECT tito_lease('job', 'g', 'w3', 30, 2);
BEGIN;
SELECT 'w2', count(*) FROM tito_events('job', 'g', NULL, NULL, 100, 'w2');
COMMIT;
BEGIN;
SELECT 'w3', "partition", key FROM tito_events('job', 'g', NULL, NULL, 100, 'w3');
COMMIT;
SELECT "partition", checkpoint, lag, lease_owner, lease_generation FROM tito_consumers
  WHERE topic = 'job' ORDER BY "partition";

.print -- giving leases up (0 seconds) frees them at once
SELECT tito_lease('job', 'g', 'w3', 0);
SELECT tito_lease('job', 'g', 'w1', 30);
SELECT count(*) FROM tito_consumers WHERE lease_owner = 'w1';

.print -- errors
SELECT tito_lease('job', 'g', 'w1', -1);
SELECT tito_lease('job', 'g', NULL, 30);
SELECT tito_lease('nosuch', 'g', 'w1', 30);
SELECT tito_check();
