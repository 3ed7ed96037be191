-- Statements: the SHOW family WAE documents; everything else is rejected.

# title: SHOW TABLES lists the account's datasets
# execute: true
# columns: ["dataset","type"]
# result: [["my-dataset","DATASET"],["other","DATASET"],["usage_indexed_by_customer_id","DATASET"],["weather","DATASET"]]
SHOW TABLES;
SELECT dataset, 'DATASET' AS type FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency')) ORDER BY dataset;

# title: SHOW TABLES with a FORMAT, any case
show tables format JSONEachRow;
SELECT dataset, 'DATASET' AS type FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency')) ORDER BY dataset;

# title: SHOW TIMEZONES
SHOW TIMEZONES;
SELECT time_zone AS tz FROM system.time_zones ORDER BY tz;

# title: SHOW TIMEZONES FORMAT TabSeparated with a comment
SHOW /* zones */ TIMEZONES FORMAT TabSeparated;
SELECT time_zone AS tz FROM system.time_zones ORDER BY tz;

# title: SHOW TIMEZONE
# execute: true
# columns: ["tz"]
# result: [["Etc/UTC"]]
SHOW TIMEZONE;
SELECT 'Etc/UTC' AS tz;

# title: SHOW TIMEZONE FORMAT JSON
SHOW TIMEZONE FORMAT JSON;
SELECT 'Etc/UTC' AS tz;

# title: SHOW with an unknown FORMAT
# error: sql_rejected
SHOW TABLES FORMAT XML;

# title: SHOW DATABASES is not supported
# error: sql_rejected
SHOW DATABASES;

# title: SHOW CREATE TABLE is not supported
# error: sql_rejected
SHOW CREATE TABLE points;

# title: SHOW TABLES FROM another database is not supported
# error: sql_rejected
SHOW TABLES FROM system;

# title: bare SHOW
# error: sql_rejected
SHOW;

# title: DESCRIBE is not supported
# error: sql_rejected
DESCRIBE weather;

# title: DESC is not supported
# error: sql_rejected
DESC weather;

# title: INSERT
# error: sql_rejected
INSERT INTO points VALUES (1);

# title: CREATE
# error: sql_rejected
CREATE TABLE x (a String) ENGINE = Memory;

# title: ALTER
# error: sql_rejected
ALTER TABLE points DELETE WHERE 1;

# title: DROP
# error: sql_rejected
DROP TABLE points;

# title: TRUNCATE
# error: sql_rejected
TRUNCATE TABLE points;

# title: OPTIMIZE
# error: sql_rejected
OPTIMIZE TABLE points FINAL;

# title: KILL
# error: sql_rejected
KILL QUERY WHERE 1;

# title: SYSTEM
# error: sql_rejected
SYSTEM SHUTDOWN;

# title: ATTACH
# error: sql_rejected
ATTACH TABLE x;

# title: DETACH
# error: sql_rejected
DETACH TABLE points;

# title: RENAME
# error: sql_rejected
RENAME TABLE points TO p2;

# title: GRANT
# error: sql_rejected
GRANT ALL ON *.* TO default;

# title: SET
# error: sql_rejected
SET readonly = 0;

# title: USE
# error: sql_rejected
USE system;

# title: EXPLAIN
# error: sql_rejected
EXPLAIN SELECT 1;

# title: EXISTS TABLE
# error: sql_rejected
EXISTS TABLE points;

# title: CHECK TABLE
# error: sql_rejected
CHECK TABLE points;

# title: WATCH
# error: sql_rejected
WATCH points;

# title: BACKUP
# error: sql_rejected
BACKUP TABLE points TO Disk('backups', '1.zip');

# title: DELETE FROM
# error: sql_rejected
DELETE FROM points WHERE 1;

# title: UPDATE
# error: sql_rejected
UPDATE points SET blob1 = '' WHERE 1;

# title: a leading parenthesised query is a query
# execute: true
# columns: ["x"]
# result: [[1]]
(SELECT 1 AS x);
SELECT * FROM ((SELECT 1 AS x));
