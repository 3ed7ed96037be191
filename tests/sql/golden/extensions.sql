-- Safe ClickHouse extensions beyond WAE's documented dialect, run as acct_b.

# title: CASE WHEN
# wae: unsupported expression type: CASE WHEN
# execute: true
# columns: ["blob1","feel"]
# result: [["London","mild"],["Zürich","cold"],["Paris","warm"],["Austin","warm"],["London","mild"]]
SELECT blob1, CASE WHEN double1 > 15 THEN 'warm' WHEN double1 > 10 THEN 'mild' ELSE 'cold' END AS feel FROM weather ORDER BY timestamp;
SELECT blob1, CASE WHEN double1 > 15 THEN 'warm' WHEN double1 > 10 THEN 'mild' ELSE 'cold' END AS feel FROM (SELECT timestamp, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: CASE on a value
# wae: unsupported expression type: CASE WHEN
# execute: true
# columns: ["c"]
# result: [["uk"],["other"]]
SELECT CASE blob2 WHEN 'GB' THEN 'uk' ELSE 'other' END AS c FROM weather ORDER BY timestamp LIMIT 2;
SELECT CASE blob2 WHEN 'GB' THEN 'uk' ELSE 'other' END AS c FROM (SELECT timestamp, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp LIMIT 2;

# title: multiIf, coalesce, ifNull, nullIf
# wae: unsupported function: multiIf
# execute: true
# columns: ["a","b","c","d"]
# result: [["mild","London","x",null]]
SELECT multiIf(double1 > 15, 'warm', double1 > 10, 'mild', 'cold') AS a, coalesce(NULL, blob1) AS b, ifNull(NULL, 'x') AS c, nullIf(blob2, 'GB') AS d FROM weather ORDER BY timestamp LIMIT 1;
SELECT multiIf(double1 > 15, 'warm', double1 > 10, 'mild', 'cold') AS a, coalesce(NULL, blob1) AS b, ifNull(NULL, 'x') AS c, nullIf(blob2, 'GB') AS d FROM (SELECT timestamp, blob1, blob2, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp LIMIT 1;

# title: uniq, uniqExact, count(DISTINCT) and uniqIf
# wae: unsupported function: uniq
# execute: true
# columns: ["a","b","c","d"]
# result: [[4,4,4,3]]
SELECT uniq(blob2) AS a, uniqExact(blob2) AS b, count(DISTINCT blob2) AS c, uniqIf(blob2, double1 > 10) AS d FROM weather;
SELECT uniq(blob2) AS a, uniqExact(blob2) AS b, count(DISTINCT blob2) AS c, uniqIf(blob2, double1 > 10) AS d FROM (SELECT blob2, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: quantile, quantiles, quantileExact, median
# wae: unsupported function: quantile
# execute: true
# columns: ["a","b","c","d"]
# result: [[12.5,[9,26.75],12.5,12.5]]
SELECT quantile(0.5)(double1) AS a, quantiles(0.1, 0.9)(double1) AS b, quantileExact(0.5)(double1) AS c, median(double1) AS d FROM weather;
SELECT quantile(0.5)(double1) AS a, quantiles(0.1, 0.9)(double1) AS b, quantileExact(0.5)(double1) AS c, median(double1) AS d FROM (SELECT double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: quantilesExactWeighted and quantileExactWeightedIf
# wae: unsupported function: quantilesExactWeighted
# execute: true
# columns: ["a","b"]
# result: [[[20,31.25],10.5]]
SELECT quantilesExactWeighted(0.5, 0.99)(double1, _sample_interval) AS a, quantileExactWeightedIf(0.5)(double1, _sample_interval, blob2 = 'GB') AS b FROM weather;
SELECT quantilesExactWeighted(0.5, 0.99)(double1, _sample_interval) AS a, quantileExactWeightedIf(0.5)(double1, _sample_interval, blob2 = 'GB') AS b FROM (SELECT _sample_interval, blob2, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: any and anyLast
# wae: unsupported function: any
# execute: true
# columns: ["a"]
# result: [["FR"]]
SELECT any(blob2) AS a FROM weather WHERE blob1 = 'Paris';
SELECT any(blob2) AS a FROM (SELECT blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob1 = 'Paris';

# title: conversions and CAST to simple types
# wae: unsupported function: toString
# execute: true
# columns: ["a","b","c","d","e","f","g","h","i"]
# result: [["12.5",1.5,-3,"2023-03-05",1,"12.5",7,12,"2023-03-05 19:00:00"]]
SELECT toString(double1) AS a, toFloat64('1.5') AS b, toInt64(-3) AS c, toDate(timestamp) AS d, toUInt64(_sample_interval) AS e, CAST(double1 AS String) AS f, CAST('7' AS UInt8) AS g, double1::Int32 AS h, CAST(timestamp AS DateTime('Asia/Tokyo')) AS i FROM weather ORDER BY timestamp LIMIT 1;
SELECT toString(double1) AS a, toFloat64('1.5') AS b, toInt64(-3) AS c, toDate(timestamp) AS d, toUInt64(_sample_interval) AS e, CAST(double1 AS String) AS f, CAST('7' AS UInt8) AS g, CAST(double1 AS Int32) AS h, CAST(timestamp AS DateTime('Asia/Tokyo')) AS i FROM (SELECT timestamp, _sample_interval, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp LIMIT 1;

# title: CAST to a complex type is rejected
# error: sql_rejected
SELECT CAST(blob1 AS Map(String, String)) FROM weather;

# title: concat, ||, replaceAll, splitByChar, has, array indexing
# wae: unsupported function: concat
# execute: true
# columns: ["a","b","c","d","e","f"]
# result: [["London/GB","London!","L0nd0n",["","a","b"],1,"y"]]
SELECT concat(blob1, '/', blob2) AS a, blob1 || '!' AS b, replaceAll(blob1, 'o', '0') AS c, splitByChar('/', '/a/b') AS d, has(['GB', 'FR'], blob2) AS e, splitByChar(',', 'x,y')[2] AS f FROM weather ORDER BY timestamp LIMIT 1;
SELECT concat(blob1, '/', blob2) AS a, blob1 || '!' AS b, replaceAll(blob1, 'o', '0') AS c, splitByChar('/', '/a/b') AS d, has(['GB', 'FR'], blob2) AS e, splitByChar(',', 'x,y')[2] AS f FROM (SELECT timestamp, blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp LIMIT 1;

# title: WITH: a CTE
# wae: selection used unsupported features: WITH
# execute: true
# columns: ["city"]
# result: [["Paris"],["Austin"]]
WITH hot AS (SELECT blob1 AS city, double1 AS temp FROM weather WHERE double1 > 15) SELECT city FROM hot ORDER BY temp;
WITH "__usagehouse_cte_hot" AS (SELECT blob1 AS city, double1 AS temp FROM (SELECT blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE double1 > 15) SELECT city FROM "__usagehouse_cte_hot" AS hot ORDER BY temp;

# title: WITH: a CTE named like a dataset shadows it
# wae: selection used unsupported features: WITH
# execute: true
# columns: ["blob1"]
# result: [["Austin"]]
WITH weather AS (SELECT blob1 FROM weather WHERE blob2 = 'US') SELECT blob1 FROM weather;
WITH "__usagehouse_cte_weather" AS (SELECT blob1 FROM (SELECT blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob2 = 'US') SELECT blob1 FROM "__usagehouse_cte_weather" AS weather;

# title: WITH: a later CTE reads an earlier one
# wae: selection used unsupported features: WITH
# execute: true
# columns: ["blob1"]
# result: [["Zürich"]]
WITH a AS (SELECT blob1, double1 FROM weather), b AS (SELECT blob1 FROM a WHERE double1 < 10) SELECT * FROM b;
WITH "__usagehouse_cte_a" AS (SELECT blob1, double1 FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather), "__usagehouse_cte_b" AS (SELECT blob1 FROM "__usagehouse_cte_a" AS a WHERE double1 < 10) SELECT * FROM "__usagehouse_cte_b" AS b;

# title: WITH: a CTE is not visible outside its subquery, so the name is a dataset again
# wae: selection used unsupported features: JOIN
# execute: true
# columns: ["n"]
# result: [[5]]
SELECT count() AS n FROM (WITH weather AS (SELECT 1 AS x) SELECT * FROM weather) AS inner_q, weather;
SELECT count() AS n FROM (WITH "__usagehouse_cte_weather" AS (SELECT 1 AS x) SELECT * FROM "__usagehouse_cte_weather" AS weather) AS inner_q CROSS JOIN (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: WITH <expression> AS name is rejected
# error: sql_rejected
WITH 1 AS x SELECT x;

# title: WITH RECURSIVE is rejected
# error: sql_rejected
WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r;

# title: JOIN between two of the account's datasets
# wae: selection used unsupported features: JOIN
# execute: true
# columns: ["customer","city"]
# result: [["cust1","Austin"],["cust1","London"]]
SELECT u.index1 AS customer, w.blob1 AS city FROM usage_indexed_by_customer_id AS u INNER JOIN weather AS w ON u.timestamp = w.timestamp ORDER BY customer, city;
SELECT u.index1 AS customer, w.blob1 AS city FROM (SELECT timestamp, index1, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS u INNER JOIN (SELECT timestamp, index1, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS w ON u.timestamp = w.timestamp ORDER BY customer, city;

# title: LEFT JOIN with USING
# wae: selection used unsupported features: JOIN
# execute: true
# columns: ["timestamp","index1","w.blob1"]
# result: [["2023-02-28 23:59:59","cust2",""],["2023-03-05 10:00:00","cust1","London"]]
SELECT timestamp, u.index1, w.blob1 FROM usage_indexed_by_customer_id AS u LEFT JOIN weather AS w USING (timestamp) ORDER BY timestamp LIMIT 2;
SELECT timestamp, u.index1, w.blob1 FROM (SELECT timestamp, index1, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS u LEFT JOIN (SELECT timestamp, index1, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS w USING (timestamp) ORDER BY timestamp LIMIT 2;

# title: JOIN to a subquery
# wae: selection used unsupported features: JOIN
# execute: true
# columns: ["blob1","n"]
# result: [["London",2],["Zürich",1]]
SELECT w.blob1, t.n FROM weather AS w JOIN (SELECT blob2, count() AS n FROM weather GROUP BY blob2) AS t ON w.blob2 = t.blob2 ORDER BY w.timestamp LIMIT 2;
SELECT w.blob1, t.n FROM (SELECT timestamp, blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS w JOIN (SELECT blob2, count() AS n FROM (SELECT timestamp, blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather GROUP BY blob2) AS t ON w.blob2 = t.blob2 ORDER BY w.timestamp LIMIT 2;

# title: comma join
# wae: selection used unsupported features: JOIN
# execute: true
# columns: ["n"]
# result: [[5]]
SELECT count() AS n FROM weather AS a, "my-dataset" AS b;
SELECT count() AS n FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS a CROSS JOIN (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my-dataset') AS b;

# title: UNION ALL between datasets
# wae: selection used unsupported features: UNION
# execute: true
# columns: ["dataset","n"]
# result: [["my-dataset",1],["weather",5]]
SELECT * FROM (SELECT dataset, count() AS n FROM weather GROUP BY dataset UNION ALL SELECT dataset, count() AS n FROM "my-dataset" GROUP BY dataset) ORDER BY dataset;
SELECT * FROM (SELECT dataset, count() AS n FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather GROUP BY dataset UNION ALL SELECT dataset, count() AS n FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my-dataset') AS "my-dataset" GROUP BY dataset) ORDER BY dataset;

# title: UNION DISTINCT
# wae: selection used unsupported features: UNION
# execute: true
# columns: ["c"]
# result: [["CH"],["FR"],["GB"],["US"]]
SELECT c FROM (SELECT blob2 AS c FROM weather UNION DISTINCT SELECT blob2 AS c FROM weather) ORDER BY c;
SELECT c FROM (SELECT blob2 AS c FROM (SELECT blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather UNION DISTINCT SELECT blob2 AS c FROM (SELECT blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather) ORDER BY c;

# title: UNION ALL with a FORMAT at the end
# wae: selection used unsupported features: UNION
SELECT 1 AS x UNION ALL SELECT 2 AS x FORMAT JSONEachRow;
SELECT * FROM (SELECT 1 AS x UNION ALL SELECT 2 AS x);

# title: IN a subquery and EXISTS
# wae: selection used unsupported features: subquery outside FROM
# execute: true
# columns: ["blob1"]
# result: [["Austin"]]
SELECT blob1 FROM weather WHERE blob2 IN (SELECT blob2 FROM weather WHERE double1 > 30) AND EXISTS (SELECT 1 FROM weather);
SELECT blob1 FROM (SELECT blob1, blob2, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob2 IN (SELECT blob2 FROM (SELECT blob1, blob2, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE double1 > 30) AND EXISTS(SELECT 1 FROM (SELECT blob1, blob2, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather);

# title: dates: dateDiff, addDays, toStartOfQuarter
# wae: unsupported function: dateDiff
# execute: true
# columns: ["a","b","c"]
# result: [[4,"2023-03-06 10:00:00","2023-01-01 00:00:00"]]
SELECT dateDiff('day', toDateTime('2023-03-01 00:00:00'), timestamp) AS a, addDays(timestamp, 1) AS b, toStartOfQuarter(timestamp) AS c FROM weather ORDER BY timestamp LIMIT 1;
SELECT dateDiff('day', toDateTime('2023-03-01 00:00:00'), timestamp) AS a, addDays(timestamp, 1) AS b, toDateTime(toStartOfQuarter(timestamp)) AS c FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp LIMIT 1;

# title: window functions are not supported
# error: sql_rejected
SELECT blob1, sum(double1) OVER (ORDER BY timestamp) FROM weather;

# title: a lambda is rejected
# error: sql_rejected
SELECT arrayMap(x -> x * 2, [1, 2]);

# title: arrayJoin is rejected (row explosion)
# error: sql_rejected
SELECT arrayJoin([1, 2, 3]);

# title: ARRAY JOIN is rejected
# error: sql_rejected
SELECT blob1 FROM weather ARRAY JOIN [1, 2] AS x;

# title: ORDER BY WITH FILL is rejected (row explosion)
# error: sql_rejected
SELECT toUInt32(timestamp) AS t FROM weather ORDER BY t WITH FILL FROM 0 TO 1000000000000;

# title: GROUP BY WITH TOTALS is rejected (changes the JSON shape)
# error: sql_rejected
SELECT blob1, count() FROM weather GROUP BY blob1 WITH TOTALS;

# title: INTERSECT and EXCEPT are rejected
# error: sql_rejected
SELECT 1 INTERSECT SELECT 1;

# title: LIMIT BY
# wae: selection used unsupported features: LIMIT BY
# execute: true
# columns: ["blob2","blob1"]
# result: [["CH","Zürich"],["FR","Paris"],["GB","London"],["US","Austin"]]
SELECT blob2, blob1 FROM weather ORDER BY blob2, timestamp LIMIT 1 BY blob2;
SELECT blob2, blob1 FROM (SELECT timestamp, blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY blob2, timestamp LIMIT 1 BY blob2;

# title: SELECT DISTINCT
# wae: selection used unsupported features: SELECT DISTINCT
# execute: true
# columns: ["blob2"]
# result: [["CH"],["FR"],["GB"],["US"]]
SELECT DISTINCT blob2 FROM weather ORDER BY blob2;
SELECT DISTINCT blob2 FROM (SELECT blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY blob2;

# title: SELECT * EXCEPT
# wae: selection used unsupported features: * EXCEPT
# execute: true
# columns: ["dataset","_sample_interval","index1","blob1","blob2","blob3","blob4","blob5","blob6","blob7","blob8","blob9","blob10","blob11","blob12","blob13","blob14","blob15","blob16","blob17","blob18","blob19","blob20","double1","double2","double3","double4","double5","double6","double7","double8","double9","double10","double11","double12","double13","double14","double15","double16","double17","double18","double19","double20"]
# result: [["my-dataset",1,"k","a'b","back\\slash","","","","","","","","","","","","","","","","","","",1,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]]
SELECT * EXCEPT (timestamp) FROM "my-dataset" LIMIT 1 FORMAT JSONEachRow;
SELECT * EXCEPT (timestamp) FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my-dataset') AS "my-dataset" LIMIT 1;

# title: decodeURLComponent carries Grafana's ${var:percentencode} into a string
# wae: unsupported function: decodeURLComponent
# execute: true
# columns: ["v"]
# result: [["o'brien \"hi\" dir\\new\\ zürich"]]
SELECT decodeURLComponent('o%27brien%20%22hi%22%20dir%5Cnew%5C%20z%C3%BCrich') AS v;
SELECT * FROM (SELECT decodeURLComponent('o%27brien%20%22hi%22%20dir%5Cnew%5C%20z%C3%BCrich') AS v);
