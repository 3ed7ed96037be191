-- The SELECT grammar WAE's SQL reference documents (statements, operators, literals), run as
-- acct_b.

# title: select star returns the WAE columns in WAE order
# execute: true
# columns: ["dataset","timestamp","_sample_interval","index1","blob1","blob2","blob3","blob4","blob5","blob6","blob7","blob8","blob9","blob10","blob11","blob12","blob13","blob14","blob15","blob16","blob17","blob18","blob19","blob20","double1","double2","double3","double4","double5","double6","double7","double8","double9","double10","double11","double12","double13","double14","double15","double16","double17","double18","double19","double20"]
# result: [["weather","2023-03-05 10:00:00",1,"eu","London","GB","","","","","","","","","","","","","","","","","","",12.5,80,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]]
SELECT * FROM weather ORDER BY timestamp LIMIT 1;
SELECT * FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp LIMIT 1;

# title: FROM is optional
# execute: true
# columns: ["message"]
# result: [["Hello"]]
SELECT 'Hello' AS message;
SELECT * FROM (SELECT 'Hello' AS message);

# title: a dataset name that needs double quotes
# execute: true
# columns: ["blob1","blob2","dataset"]
# result: [["a'b","back\\slash","my-dataset"]]
SELECT blob1, blob2, dataset FROM "my-dataset";
SELECT blob1, blob2, dataset FROM (SELECT dataset, blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my-dataset') AS "my-dataset";

# title: backticks quote a dataset name too
# execute: true
# columns: ["n"]
# result: [[1]]
SELECT count() AS n FROM `my-dataset`;
SELECT count() AS n FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my-dataset') AS "my-dataset";

# title: qualified columns through an alias
# execute: true
# columns: ["a","b"]
# result: [["London","GB"]]
SELECT w.blob1 AS a, w.blob2 AS b FROM weather AS w ORDER BY w.timestamp LIMIT 1;
SELECT w.blob1 AS a, w.blob2 AS b FROM (SELECT timestamp, blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS w ORDER BY w.timestamp LIMIT 1;

# title: qualified columns through the plain dataset name
# execute: true
# columns: ["blob1"]
# result: [["London"]]
SELECT weather.blob1 FROM weather ORDER BY weather.timestamp LIMIT 1;
SELECT weather.blob1 FROM (SELECT timestamp, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY weather.timestamp LIMIT 1;

# title: a subquery in FROM
# execute: true
# columns: ["city","n"]
# result: [["Paris",4],["London",3]]
SELECT city, n FROM (SELECT blob1 AS city, sum(_sample_interval) AS n FROM weather GROUP BY city) ORDER BY n DESC, city LIMIT 2;
SELECT city, n FROM (SELECT blob1 AS city, sum(_sample_interval) AS n FROM (SELECT _sample_interval, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather GROUP BY city) ORDER BY n DESC, city LIMIT 2;

# title: a subquery in FROM with an alias
# execute: true
# columns: ["city"]
# result: [["Austin"]]
SELECT t.city FROM (SELECT blob1 AS city FROM weather) AS t ORDER BY t.city LIMIT 1;
SELECT t.city FROM (SELECT blob1 AS city FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather) AS t ORDER BY t.city LIMIT 1;

# title: WHERE with every comparison operator
# execute: true
# columns: ["n"]
# result: [[5]]
SELECT count() AS n FROM weather WHERE double1 = 12.5 OR double1 < 9 OR double1 > 30 OR double1 <= 8 OR double1 >= 31.25 OR double1 <> 1 OR double1 != 2;
SELECT count() AS n FROM (SELECT double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE double1 = 12.5 OR double1 < 9 OR double1 > 30 OR double1 <= 8 OR double1 >= 31.25 OR double1 <> 1 OR double1 <> 2;

# title: arithmetic operators and unary minus
# execute: true
# columns: ["a","b","c","d","e","f"]
# result: [[9,5,14,3.5,1,-12.5]]
SELECT 7 + 2 AS a, 7 - 2 AS b, 7 * 2 AS c, 7 / 2 AS d, 7 % 2 AS e, -double1 AS f FROM weather ORDER BY timestamp LIMIT 1;
SELECT 7 + 2 AS a, 7 - 2 AS b, 7 * 2 AS c, 7 / 2 AS d, 7 % 2 AS e, -double1 AS f FROM (SELECT timestamp, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp LIMIT 1;

# title: LIKE, NOT LIKE, ILIKE, NOT ILIKE
# execute: true
# columns: ["blob1"]
# result: [["London"],["London"]]
SELECT blob1 FROM weather WHERE blob1 LIKE 'L%' AND blob1 NOT LIKE '%x' AND blob1 ILIKE 'lon_on' AND blob1 NOT ILIKE 'PARIS' ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob1 LIKE 'L%' AND blob1 NOT LIKE '%x' AND blob1 ILIKE 'lon_on' AND blob1 NOT ILIKE 'PARIS' ORDER BY timestamp;

# title: BETWEEN and NOT BETWEEN are inclusive
# execute: true
# columns: ["blob1"]
# result: [["London"],["Zürich"]]
SELECT blob1 FROM weather WHERE double1 BETWEEN 8 AND 12.5 AND double2 NOT BETWEEN 81 AND 90 ORDER BY blob1;
SELECT blob1 FROM (SELECT blob1, double1, double2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE double1 BETWEEN 8 AND 12.5 AND NOT double2 BETWEEN 81 AND 90 ORDER BY blob1;

# title: IN and NOT IN lists
# execute: true
# columns: ["blob1"]
# result: [["London"],["London"]]
SELECT blob1 FROM weather WHERE blob2 IN ('GB', 'FR') AND blob1 NOT IN ('Paris') ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob2 IN ('GB', 'FR') AND NOT (blob1 IN ('Paris')) ORDER BY timestamp;

# title: boolean literals and operators
# execute: true
# columns: ["t","f","n","o"]
# result: [[true,false,1,true]]
SELECT true AS t, false AS f, NOT (1 = 2) AS n, (1 = 1 AND 2 = 2) OR false AS o;
SELECT * FROM (SELECT TRUE AS t, FALSE AS f, NOT (1 = 2) AS n, (1 = 1 AND 2 = 2) OR FALSE AS o);

# title: GROUP BY an expression, HAVING on aggregates and aliases
# execute: true
# columns: ["country","avg_temp","readings"]
# result: [["FR",20,1],["GB",11.5,2],["US",31.25,1]]
SELECT blob2 AS country, avg(double1) AS avg_temp, count() AS readings FROM weather GROUP BY country HAVING avg_temp > 10 AND readings >= 1 ORDER BY country;
SELECT blob2 AS country, avg(double1) AS avg_temp, count() AS readings FROM (SELECT blob2, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather GROUP BY country HAVING avg_temp > 10 AND readings >= 1 ORDER BY country;

# title: GROUP BY a raw expression
# execute: true
# columns: ["day","n"]
# result: [["2023-03-05 00:00:00",4],["2023-03-06 00:00:00",1]]
SELECT toStartOfDay(timestamp) AS day, count() AS n FROM weather GROUP BY toStartOfDay(timestamp) ORDER BY day;
SELECT toStartOfDay(timestamp) AS day, count() AS n FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather GROUP BY toStartOfDay(timestamp) ORDER BY day;

# title: ORDER BY ASC and DESC, LIMIT and OFFSET
# execute: true
# columns: ["blob1"]
# result: [["Paris"],["London"]]
SELECT blob1 FROM weather ORDER BY double1 DESC, blob1 ASC LIMIT 2 OFFSET 1;
SELECT blob1 FROM (SELECT blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY double1 DESC, blob1 ASC LIMIT 2 OFFSET 1;

# title: LIMIT ALL means no limit
# execute: true
# columns: ["n"]
# result: [[5]]
SELECT count() AS n FROM (SELECT blob1 FROM weather LIMIT ALL);
SELECT count() AS n FROM (SELECT blob1 FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather);

# title: a LIMIT of a qualified star reaches ClickHouse (the LIMIT ALL rewrite failed on it: a 500)
SELECT 1 FROM weather LIMIT x.*;
SELECT 1 FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather LIMIT x.*;

# title: OFFSET without LIMIT
# execute: true
# columns: ["blob1"]
# result: [["Austin"],["London"]]
SELECT blob1 FROM weather ORDER BY timestamp OFFSET 3;
SELECT blob1 FROM (SELECT timestamp, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp OFFSET 3;

# title: alias used in WHERE, GROUP BY, HAVING and ORDER BY
# execute: true
# columns: ["event","n"]
# result: [["London",3]]
SELECT blob1 AS event, sum(_sample_interval) AS n FROM weather WHERE event != 'Paris' GROUP BY event HAVING n > 1 ORDER BY event;
SELECT blob1 AS event, sum(_sample_interval) AS n FROM (SELECT _sample_interval, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE event <> 'Paris' GROUP BY event HAVING n > 1 ORDER BY event;

# title: string literals with escapes round-trip
# execute: true
# columns: ["a","b","c"]
# result: [["it's","back\\slash","tab\there"]]
SELECT 'it''s' AS a, 'back\\slash' AS b, 'tab\there' AS c;
SELECT * FROM (SELECT 'it''s' AS a, 'back\\slash' AS b, 'tab\there' AS c);

# title: a dataset with no rows answers nothing
# execute: true
# columns: ["n"]
# result: [[0]]
SELECT count() AS n FROM never_written;
SELECT count() AS n FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'never_written') AS never_written;

# title: dataset names are case-sensitive
# execute: true
# columns: ["n"]
# result: [[0]]
SELECT count() AS n FROM WEATHER;
SELECT count() AS n FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'WEATHER') AS WEATHER;

# title: FORMAT JSON is accepted and removed
SELECT 1 FORMAT JSON;
SELECT * FROM (SELECT 1);

# title: FORMAT JSONEachRow with a trailing semicolon
SELECT 1 FORMAT JSONEachRow;
SELECT * FROM (SELECT 1);

# title: FORMAT TabSeparated, any case
SELECT 1 format tabseparated;
SELECT * FROM (SELECT 1);

# title: an undocumented FORMAT is rejected
# error: sql_rejected
SELECT 1 FORMAT CSV;

# title: FORMAT Native is rejected
# error: sql_rejected
SELECT 1 FORMAT Native;

# title: FORMAT inside a subquery is rejected
# error: sql_rejected
SELECT * FROM (SELECT 1 FORMAT JSON);

# title: a syntax error is a sql_error
# error: sql_error
SELECT FROM WHERE;

# title: an unterminated string is a sql_error
# error: sql_error
SELECT 'abc;

# title: an empty query is a sql_error
# error: sql_error
 ;

# title: a SELECT without expressions is a sql_error, not ClickHouse's syntax error
# error: sql_error
SELECT -- nothing selected
;

# title: a number that overflows Float64 is a sql_error
# error: sql_error
SELECT 1e400;

# title: a number without its exponent is a sql_error
# error: sql_error
SELECT 1e;

# title: an INTERVAL whose quoted count is not a whole number is a sql_error
# error: sql_error
SELECT now() - INTERVAL 'x' DAY;

# title: GROUP BY with nothing after it is a sql_error, not ClickHouse's syntax error
# error: sql_error
SELECT blob1 FROM weather GROUP BY;

# title: ARRAY JOIN of a parameter is a sql_error (sqlglot failed with a ValueError: a 500)
# error: sql_error
SELECT count() FROM weather ARRAY JOIN ?@0;

# title: comments are dropped from the output
SELECT /* a comment */ 1 -- trailing
;
SELECT * FROM (SELECT 1);

# title: newcomer: a dataset name with "-" needs double quotes
# error: sql_error
SELECT count() FROM my-dataset WHERE blob1 = 'x';

# title: newcomer: a string in double quotes is a name; the hint says to use single quotes
# error: sql_error
SELECT count() FROM weather WHERE blob1 = "London";

# title: quoted names the query does give stay names: columns, aliases, implicit names
# execute: true
# columns: ["blob1","n"]
# result: [["London",2]]
SELECT "blob1", count() AS "n" FROM weather GROUP BY "blob1" HAVING "n" > 0 ORDER BY "n" DESC, "blob1" LIMIT 1;
SELECT "blob1", count() AS "n" FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather GROUP BY "blob1" HAVING "n" > 0 ORDER BY "n" DESC, "blob1" LIMIT 1;

# title: a quoted implicit column name of a subquery
# execute: true
# columns: ["count()"]
# result: [[5]]
SELECT "count()" FROM (SELECT count() FROM weather);
SELECT "count()" FROM (SELECT count() FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather);
