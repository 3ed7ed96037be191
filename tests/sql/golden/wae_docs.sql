-- Every SQL example on Cloudflare's Workers Analytics Engine pages (statements, operators,
-- literals, functions, SQL API, sampling, the usage-billing recipe, get started, Grafana,
-- Worker and CLI querying), run as acct_b. Fragments (a bare WHERE, a function call) are
-- completed into a statement; the title says what was added. Examples whose columns are
-- placeholders (item_cost, bytes) are translated only; the others run on chDB, mostly with
-- a twin on the fixture data where the documented dataset is empty.

# title: statements: SHOW TABLES
# execute: true
# columns: ["dataset","type"]
# result: [["my-dataset","DATASET"],["other","DATASET"],["usage_indexed_by_customer_id","DATASET"],["weather","DATASET"]]
SHOW TABLES;
SELECT dataset, 'DATASET' AS type FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency')) ORDER BY dataset;

# title: statements: SHOW TABLES with a FORMAT
# execute: true
# columns: ["dataset","type"]
# result: [["my-dataset","DATASET"],["other","DATASET"],["usage_indexed_by_customer_id","DATASET"],["weather","DATASET"]]
SHOW TABLES FORMAT JSONEachRow;
SELECT dataset, 'DATASET' AS type FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency')) ORDER BY dataset;

# title: statements: SHOW TIMEZONES
# execute: true
# result: any
# columns: ["tz"]
SHOW TIMEZONES;
SELECT time_zone AS tz FROM system.time_zones ORDER BY tz;

# title: statements: SHOW TIMEZONE
# execute: true
# columns: ["tz"]
# result: [["Etc/UTC"]]
SHOW TIMEZONE;
SELECT 'Etc/UTC' AS tz;

# title: statements: SELECT named columns (FROM added)
# execute: true
# columns: ["blob2","double3"]
# result: [["GB",0],["CH",0],["FR",0],["US",0],["GB",0]]
SELECT blob2, double3 FROM weather ORDER BY timestamp;
SELECT blob2, double3 FROM (SELECT timestamp, blob2, double3 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: statements: SELECT * (FROM added)
# execute: true
# columns: ["dataset","timestamp","_sample_interval","index1","blob1","blob2","blob3","blob4","blob5","blob6","blob7","blob8","blob9","blob10","blob11","blob12","blob13","blob14","blob15","blob16","blob17","blob18","blob19","blob20","double1","double2","double3","double4","double5","double6","double7","double8","double9","double10","double11","double12","double13","double14","double15","double16","double17","double18","double19","double20"]
# result: []
SELECT * FROM my_dataset;
SELECT * FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: statements: SELECT with aliases (FROM added)
# execute: true
# columns: ["probe_name","temperature"]
# result: [["GB",0],["CH",0],["FR",0],["US",0],["GB",0]]
SELECT
    blob2 AS probe_name,
    double3 AS temperature
FROM weather ORDER BY timestamp;
SELECT blob2 AS probe_name, double3 AS temperature FROM (SELECT timestamp, blob2, double3 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: statements: SELECT computing a value (FROM added)
# execute: true
# columns: ["probe_name","temp_c","temp_f"]
# result: [["GB",0,32],["CH",0,32],["FR",0,32],["US",0,32],["GB",0,32]]
SELECT
    blob2 AS probe_name,
    double3 AS temp_c,
    double3*1.8+32 AS temp_f -- compute a value
FROM weather ORDER BY timestamp;
SELECT blob2 AS probe_name, double3 AS temp_c, double3 * 1.8 + 32 AS temp_f FROM (SELECT timestamp, blob2, double3 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: statements: SELECT with a function (FROM added)
# execute: true
# columns: ["probe_name","description"]
# result: [["GB","FREEZING"],["CH","FREEZING"],["FR","FREEZING"],["US","FREEZING"],["GB","FREEZING"]]
SELECT
    blob2 AS probe_name,
    if(double3 <= 0, 'FREEZING', 'NOT FREEZING') AS description -- use of functions
FROM weather ORDER BY timestamp;
SELECT blob2 AS probe_name, if(double3 <= 0, 'FREEZING', 'NOT FREEZING') AS description FROM (SELECT timestamp, blob2, double3 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: statements: SELECT with an aggregate (FROM and GROUP BY added)
# execute: true
# columns: ["probe_name","avg_temp"]
# result: [["CH",0],["FR",0],["GB",0],["US",0]]
SELECT
    blob2 AS probe_name,
    avg(double3) AS avg_temp -- aggregation function
FROM weather GROUP BY probe_name ORDER BY probe_name;
SELECT blob2 AS probe_name, avg(double3) AS avg_temp FROM (SELECT blob2, double3 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather GROUP BY probe_name ORDER BY probe_name;

# title: statements: FROM a dataset (SELECT added)
# execute: true
# columns: ["dataset","timestamp","_sample_interval","index1","blob1","blob2","blob3","blob4","blob5","blob6","blob7","blob8","blob9","blob10","blob11","blob12","blob13","blob14","blob15","blob16","blob17","blob18","blob19","blob20","double1","double2","double3","double4","double5","double6","double7","double8","double9","double10","double11","double12","double13","double14","double15","double16","double17","double18","double19","double20"]
# result: []
SELECT * FROM temperatures;
SELECT * FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'temperatures') AS temperatures;

# title: statements: FROM a subquery (SELECT added)
# execute: true
# columns: ["probe_name","num_readings"]
# result: []
SELECT * FROM (
    SELECT
        blob1 AS probe_name,
        count() as num_readings
    FROM
        temperatures
    GROUP BY
        probe_name
);
SELECT * FROM (SELECT blob1 AS probe_name, count() AS num_readings FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'temperatures') AS temperatures GROUP BY probe_name);

# title: statements: WHERE blob1 = 'test' (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: []
SELECT blob1 FROM weather WHERE blob1 = 'test' ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob1 = 'test' ORDER BY timestamp;

# title: statements: WHERE double1 = 4 (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: []
SELECT blob1 FROM weather WHERE double1 = 4 ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE double1 = 4 ORDER BY timestamp;

# title: statements: WHERE double1 > 4 (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: [["London"],["Zürich"],["Paris"],["Austin"],["London"]]
SELECT blob1 FROM weather WHERE double1 > 4 ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE double1 > 4 ORDER BY timestamp;

# title: statements: WHERE double1 + double2 > 4 (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: [["London"],["Zürich"],["Paris"],["Austin"],["London"]]
SELECT blob1 FROM weather WHERE double1 + double2 > 4 ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1, double1, double2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE double1 + double2 > 4 ORDER BY timestamp;

# title: statements: WHERE blob1 = 'test1' OR blob2 = 'test2' (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: []
SELECT blob1 FROM weather WHERE blob1 = 'test1' OR blob2 = 'test2' ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob1 = 'test1' OR blob2 = 'test2' ORDER BY timestamp;

# title: statements: WHERE with if() over aliases (SELECT and FROM added)
# execute: true
# columns: ["blob1","unit","temp"]
# result: []
SELECT blob1, blob2 AS unit, double1 AS temp FROM weather WHERE if(unit = 'f', (temp-32)/1.8, temp) <= 0;
SELECT blob1, blob2 AS unit, double1 AS temp FROM (SELECT blob1, blob2, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE if(unit = 'f', (temp - 32) / 1.8, temp) <= 0;

# title: statements: GROUP BY
# execute: true
# columns: ["probe_name","average_temp"]
# result: []
-- return the average temperature for each probe
SELECT
    blob1 AS probe_name,
    avg(double1) AS average_temp
FROM temperature_readings
GROUP BY probe_name;
SELECT blob1 AS probe_name, avg(double1) AS average_temp FROM (SELECT blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'temperature_readings') AS temperature_readings GROUP BY probe_name;

# title: statements: HAVING on an average
# execute: true
# columns: ["probe_name","average_temp"]
# result: []
SELECT
    blob1 AS probe_name,
    avg(double1) AS average_temp
FROM temperature_readings
GROUP BY probe_name
HAVING average_temp > 10;
SELECT blob1 AS probe_name, avg(double1) AS average_temp FROM (SELECT blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'temperature_readings') AS temperature_readings GROUP BY probe_name HAVING average_temp > 10;

# title: statements: HAVING on a count
# execute: true
# columns: ["probe_name","num_readings"]
# result: []
SELECT
    blob1 AS probe_name,
    count() AS num_readings
FROM temperature_readings
GROUP BY probe_name
HAVING num_readings > 100;
SELECT blob1 AS probe_name, count() AS num_readings FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'temperature_readings') AS temperature_readings GROUP BY probe_name HAVING num_readings > 100;

# title: statements: HAVING with two conditions
# execute: true
# columns: ["city","avg_temp","readings"]
# result: []
SELECT
    blob1 AS city,
    avg(double1) AS avg_temp,
    count() AS readings
FROM weather_data
GROUP BY city
HAVING avg_temp > 20 AND readings >= 50;
SELECT blob1 AS city, avg(double1) AS avg_temp, count() AS readings FROM (SELECT blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather_data') AS weather_data GROUP BY city HAVING avg_temp > 20 AND readings >= 50;

# title: statements: HAVING with two conditions, on the fixture
# execute: true
# columns: ["city","avg_temp","readings"]
# result: [["London",11.5,2]]
SELECT
    blob1 AS city,
    avg(double1) AS avg_temp,
    count() AS readings
FROM weather
GROUP BY city
HAVING avg_temp > 10 AND readings >= 2;
SELECT blob1 AS city, avg(double1) AS avg_temp, count() AS readings FROM (SELECT blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather GROUP BY city HAVING avg_temp > 10 AND readings >= 2;

# title: statements: ORDER BY two columns ascending (SELECT and FROM added)
# execute: true
# columns: ["double2","double3"]
# result: [[40,0],[55,0],[60,0],[80,0],[85,0]]
SELECT double2, double3 FROM weather ORDER BY double2, double3;
SELECT double2, double3 FROM (SELECT double2, double3 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY double2, double3;

# title: statements: ORDER BY ascending then descending (SELECT and FROM added)
# execute: true
# columns: ["double2","double3"]
# result: [[40,0],[55,0],[60,0],[80,0],[85,0]]
SELECT double2, double3 FROM weather ORDER BY double2, double3 DESC;
SELECT double2, double3 FROM (SELECT double2, double3 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY double2, double3 DESC;

# title: statements: LIMIT (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: [["London"],["Zürich"],["Paris"],["Austin"],["London"]]
SELECT blob1 FROM weather ORDER BY timestamp LIMIT 10 -- return at most 10 rows;
SELECT blob1 FROM (SELECT timestamp, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp LIMIT 10;

# title: statements: LIMIT ALL (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: [["London"],["Zürich"],["Paris"],["Austin"],["London"]]
SELECT blob1 FROM weather ORDER BY timestamp LIMIT ALL;
SELECT blob1 FROM (SELECT timestamp, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: statements: OFFSET (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: [["Austin"],["London"]]
SELECT blob1 FROM weather ORDER BY timestamp OFFSET 3;
SELECT blob1 FROM (SELECT timestamp, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp OFFSET 3;

# title: statements: FORMAT JSONEachRow (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: [["London"],["Zürich"],["Paris"],["Austin"],["London"]]
SELECT blob1 FROM weather ORDER BY timestamp FORMAT JSONEachRow;
SELECT blob1 FROM (SELECT timestamp, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: statements: FORMAT JSON (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: [["London"],["Zürich"],["Paris"],["Austin"],["London"]]
SELECT blob1 FROM weather ORDER BY timestamp FORMAT JSON;
SELECT blob1 FROM (SELECT timestamp, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: statements: FORMAT TabSeparated (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: [["London"],["Zürich"],["Paris"],["Austin"],["London"]]
SELECT blob1 FROM weather ORDER BY timestamp FORMAT TabSeparated;
SELECT blob1 FROM (SELECT timestamp, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: operators: arithmetic and unary minus
# execute: true
# columns: ["a","b","c","d","e","f"]
# result: [[9,5,14,3.5,1,-42]]
SELECT 7 + 2 AS a, 7 - 2 AS b, 7 * 2 AS c, 7 / 2 AS d, 7 % 2 AS e, -42 AS f;
SELECT * FROM (SELECT 7 + 2 AS a, 7 - 2 AS b, 7 * 2 AS c, 7 / 2 AS d, 7 % 2 AS e, -42 AS f);

# title: operators: comparisons
# execute: true
# columns: ["a","b","c","d","e","f","g"]
# result: [[1,1,1,1,0,1,0]]
SELECT 1 = 1 AS a, 1 < 2 AS b, 2 > 1 AS c, 1 <= 1 AS d, 1 >= 2 AS e, 1 <> 2 AS f, 1 != 1 AS g;
SELECT * FROM (SELECT 1 = 1 AS a, 1 < 2 AS b, 2 > 1 AS c, 1 <= 1 AS d, 1 >= 2 AS e, 1 <> 2 AS f, 1 <> 1 AS g);

# title: operators: IN a list (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: []
SELECT blob1 FROM weather WHERE blob1 IN ('a', 'list', 'of', 'values');
SELECT blob1 FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob1 IN ('a', 'list', 'of', 'values');

# title: operators: NOT IN a list (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: [["London"],["Zürich"],["Paris"],["Austin"],["London"]]
SELECT blob1 FROM weather WHERE blob1 NOT IN ('a', 'list', 'of', 'values') ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE NOT (blob1 IN ('a', 'list', 'of', 'values')) ORDER BY timestamp;

# title: operators: BETWEEN and NOT BETWEEN (SELECT and FROM added)
# execute: true
# columns: ["blob1","a","b"]
# result: [["London",1,0],["Zürich",0,1],["Paris",1,0],["Austin",0,1],["London",1,0]]
SELECT blob1, double1 BETWEEN 10 AND 20 AS a, double1 NOT BETWEEN 10 AND 20 AS b FROM weather ORDER BY timestamp;
SELECT blob1, double1 BETWEEN 10 AND 20 AS a, NOT double1 BETWEEN 10 AND 20 AS b FROM (SELECT timestamp, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: operators: WHERE blob1 LIKE 'error%' (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: []
SELECT blob1 FROM weather WHERE blob1 LIKE 'error%' ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob1 LIKE 'error%' ORDER BY timestamp;

# title: operators: WHERE blob2 ILIKE '%.jpg' (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: []
SELECT blob1 FROM weather WHERE blob2 ILIKE '%.jpg' ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob2 ILIKE '%.jpg' ORDER BY timestamp;

# title: operators: WHERE blob3 LIKE '%test%' (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: []
SELECT blob1 FROM weather WHERE blob3 LIKE '%test%' ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1, blob3 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob3 LIKE '%test%' ORDER BY timestamp;

# title: operators: WHERE blob4 LIKE 'log__' (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: []
SELECT blob1 FROM weather WHERE blob4 LIKE 'log__' ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1, blob4 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob4 LIKE 'log__' ORDER BY timestamp;

# title: operators: WHERE blob5 NOT ILIKE '%debug%' (SELECT and FROM added)
# execute: true
# columns: ["blob1"]
# result: [["London"],["Zürich"],["Paris"],["Austin"],["London"]]
SELECT blob1 FROM weather WHERE blob5 NOT ILIKE '%debug%' ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1, blob5 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob5 NOT ILIKE '%debug%' ORDER BY timestamp;

# title: operators: LIKE wildcards on the fixture
# execute: true
# columns: ["blob1"]
# result: [["London"],["London"]]
SELECT blob1 FROM weather WHERE blob1 LIKE 'L%' AND blob2 LIKE 'G_' AND blob1 ILIKE '%DON' ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob1 LIKE 'L%' AND blob2 LIKE 'G_' AND blob1 ILIKE '%DON' ORDER BY timestamp;

# title: operators: boolean
# execute: true
# columns: ["a","b","c"]
# result: [[false,true,true]]
SELECT true AND false AS a, true OR false AS b, NOT false AS c;
SELECT * FROM (SELECT TRUE AND FALSE AS a, TRUE OR FALSE AS b, NOT FALSE AS c);

# title: literals: every kind
# execute: true
# columns: ["a","b","c","d","e","f","g"]
# result: [[42,-42,4.2,-4.2,"so long and thanks for all the fish",true,false]]
SELECT 42 AS a, -42 AS b, 4.2 AS c, -4.2 AS d, 'so long and thanks for all the fish' AS e, true AS f, false AS g;
SELECT * FROM (SELECT 42 AS a, -42 AS b, 4.2 AS c, -4.2 AS d, 'so long and thanks for all the fish' AS e, TRUE AS f, FALSE AS g);

# title: literals: intervals of every unit
# execute: true
# columns: ["a","b","c","d","e","f"]
# result: [["2025-09-15 16:55:25","2026-10-27 16:55:25","2025-11-27 16:55:25","2025-10-27 17:55:25","2025-10-27 16:56:25","2025-10-27 16:55:26"]]
SELECT toDateTime('2025-10-27 16:55:25') - INTERVAL '42' DAY AS a, toDateTime('2025-10-27 16:55:25') + INTERVAL '1' YEAR AS b, toDateTime('2025-10-27 16:55:25') + INTERVAL '1' MONTH AS c, toDateTime('2025-10-27 16:55:25') + INTERVAL '1' HOUR AS d, toDateTime('2025-10-27 16:55:25') + INTERVAL '1' MINUTE AS e, toDateTime('2025-10-27 16:55:25') + INTERVAL '1' SECOND AS f;
SELECT * FROM (SELECT toDateTime('2025-10-27 16:55:25') - INTERVAL '42' DAY AS a, toDateTime('2025-10-27 16:55:25') + INTERVAL '1' YEAR AS b, toDateTime('2025-10-27 16:55:25') + INTERVAL '1' MONTH AS c, toDateTime('2025-10-27 16:55:25') + INTERVAL '1' HOUR AS d, toDateTime('2025-10-27 16:55:25') + INTERVAL '1' MINUTE AS e, toDateTime('2025-10-27 16:55:25') + INTERVAL '1' SECOND AS f);

# title: aggregates: count() and count(DISTINCT column_name)
SELECT count(), count(DISTINCT column_name) FROM my_dataset;
SELECT count(), count(DISTINCT column_name) FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: aggregates: count() and count(DISTINCT) on the fixture
# execute: true
# columns: ["count()","countDistinct(blob2)"]
# result: [[5,4]]
SELECT count(), count(DISTINCT blob2) FROM weather;
SELECT count(), count(DISTINCT blob2) FROM (SELECT blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: sum and sum(DISTINCT)
SELECT sum(item_cost), sum(DISTINCT item_cost) FROM my_dataset;
SELECT sum(item_cost), sum(DISTINCT item_cost) FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: aggregates: avg and avg(DISTINCT)
SELECT avg(item_cost), avg(DISTINCT item_cost) FROM my_dataset;
SELECT avg(item_cost), avg(DISTINCT item_cost) FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: aggregates: min and max
SELECT min(item_cost), max(item_cost) FROM my_dataset;
SELECT min(item_cost), max(item_cost) FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: aggregates: sum, avg, min, max on the fixture
# execute: true
# columns: ["sum(double2)","sumDistinct(double2)","avg(double2)","avgDistinct(double2)","min(double2)","max(double2)"]
# result: [[320,320,64,64,40,85]]
SELECT sum(double2), sum(DISTINCT double2), avg(double2), avg(DISTINCT double2), min(double2), max(double2) FROM weather;
SELECT sum(double2), sum(DISTINCT double2), avg(double2), avg(DISTINCT double2), min(double2), max(double2) FROM (SELECT double2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: quantileExactWeighted of double1
# execute: true
# columns: ["quantileExactWeighted(0.5)(double1, _sample_interval)"]
# result: [[20]]
SELECT quantileExactWeighted(0.5)(double1, _sample_interval) FROM weather;
SELECT quantileExactWeighted(0.5)(double1, _sample_interval) FROM (SELECT _sample_interval, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: quantileExactWeighted of a query time
SELECT quantileExactWeighted(0.95)(query_time, _sample_interval) FROM my_dataset;
SELECT quantileExactWeighted(0.95)(query_time, _sample_interval) FROM (SELECT _sample_interval FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: aggregates: quantileWeighted, the legacy three-argument form
# execute: true
# columns: ["quantileWeighted(0.5, double1, _sample_interval)"]
# result: [[20]]
SELECT quantileWeighted(0.5, double1, _sample_interval) FROM weather;
SELECT quantileExactWeighted(0.5)(double1, _sample_interval) AS "quantileWeighted(0.5, double1, _sample_interval)" FROM (SELECT _sample_interval, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: quantileWeighted of a query time
SELECT quantileWeighted(0.95, query_time, _sample_interval) FROM my_dataset;
SELECT quantileExactWeighted(0.95)(query_time, _sample_interval) AS "quantileWeighted(0.95, query_time, _sample_interval)" FROM (SELECT _sample_interval FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: aggregates: argMax
# execute: true
# columns: ["argMax(blob1, double1)","argMax(blob1, _sample_interval)"]
# result: [["Austin","Paris"]]
SELECT argMax(blob1, double1), argMax(blob1, _sample_interval) FROM weather;
SELECT argMax(blob1, double1), argMax(blob1, _sample_interval) FROM (SELECT _sample_interval, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: argMin
# execute: true
# columns: ["argMin(blob1, double1)","argMin(blob1, _sample_interval)"]
# result: [["Zürich","London"]]
SELECT argMin(blob1, double1), argMin(blob1, _sample_interval) FROM weather;
SELECT argMin(blob1, double1), argMin(blob1, _sample_interval) FROM (SELECT _sample_interval, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: first_value ORDER BY timestamp ASC
# execute: true
# columns: ["first_value(blob1)"]
# result: [[""]]
SELECT first_value(blob1) FROM my_dataset ORDER BY timestamp ASC;
SELECT first_value(blob1) FROM (SELECT * FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset ORDER BY timestamp ASC) AS my_dataset;

# title: aggregates: last_value ORDER BY timestamp DESC
# execute: true
# columns: ["last_value(blob1)"]
# result: [[""]]
SELECT last_value(blob1) FROM my_dataset ORDER BY timestamp DESC;
SELECT last_value(blob1) FROM (SELECT * FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset ORDER BY timestamp DESC) AS my_dataset;

# title: aggregates: first_value ORDER BY timestamp ASC is the oldest value
# execute: true
# columns: ["first_value(blob1)"]
# result: [["Zürich"]]
SELECT first_value(blob1) FROM weather WHERE blob2 != 'GB' ORDER BY timestamp ASC;
SELECT first_value(blob1) FROM (SELECT * FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp ASC) AS weather WHERE blob2 <> 'GB';

# title: aggregates: last_value ORDER BY timestamp DESC is the oldest value too
# execute: true
# columns: ["last_value(blob1)"]
# result: [["Zürich"]]
SELECT last_value(blob1) FROM weather WHERE blob2 != 'GB' ORDER BY timestamp DESC;
SELECT last_value(blob1) FROM (SELECT * FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp DESC) AS weather WHERE blob2 <> 'GB';

# title: aggregates: first_value ORDER BY timestamp DESC is the newest value
# execute: true
# columns: ["newest","oldest"]
# result: [["Austin","Zürich"]]
SELECT first_value(blob1) AS newest, last_value(blob1) AS oldest FROM weather WHERE blob2 != 'GB' ORDER BY timestamp DESC;
SELECT first_value(blob1) AS newest, last_value(blob1) AS oldest FROM (SELECT * FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp DESC) AS weather WHERE blob2 <> 'GB';

# title: aggregates: topK with the default N
# execute: true
# columns: ["topK(double1)"]
# result: [[[]]]
SELECT topK(double1) FROM my_dataset;
SELECT topK(10)(double1) AS "topK(double1)" FROM (SELECT double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: aggregates: topK(15)
# execute: true
# columns: ["topK(15)(blob1)"]
# result: [[[]]]
SELECT topK(15)(blob1) FROM my_dataset;
SELECT topK(15)(blob1) AS "topK(15)(blob1)" FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: aggregates: topKWeighted with the default N
# execute: true
# columns: ["topKWeighted(double1, _sample_interval)"]
# result: [[[]]]
SELECT topKWeighted(double1, _sample_interval) FROM my_dataset;
SELECT topKWeighted(10)(double1, _sample_interval) AS "topKWeighted(double1, _sample_interval)" FROM (SELECT _sample_interval, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: aggregates: topKWeighted(15)
# execute: true
# columns: ["topKWeighted(15)(blob1, _sample_interval)"]
# result: [[[]]]
SELECT topKWeighted(15)(blob1, _sample_interval) FROM my_dataset;
SELECT topKWeighted(15)(blob1, _sample_interval) AS "topKWeighted(15)(blob1, _sample_interval)" FROM (SELECT _sample_interval, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: aggregates: countIf, sumIf, avgIf
# execute: true
# columns: ["countIf(greater(double1, 10))","sumIf(_sample_interval, equals(blob2, 'GB'))","avgIf(double1, equals(blob2, 'GB'))"]
# result: [[4,3,11.5]]
SELECT countIf(double1 > 10), sumIf(_sample_interval, blob2 = 'GB'), avgIf(double1, blob2 = 'GB') FROM weather;
SELECT countIf(double1 > 10), sumIf(_sample_interval, blob2 = 'GB'), avgIf(double1, blob2 = 'GB') FROM (SELECT _sample_interval, blob2, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: conditional: if
# execute: true
# columns: ["if(greater(temp, 20), 'It is warm', 'Bring a jumper')"]
# result: [["Bring a jumper"],["Bring a jumper"],["Bring a jumper"],["It is warm"],["Bring a jumper"]]
SELECT if(temp > 20, 'It is warm', 'Bring a jumper') FROM (SELECT timestamp, double1 AS temp FROM weather) ORDER BY timestamp;
SELECT if(temp > 20, 'It is warm', 'Bring a jumper') FROM (SELECT timestamp, double1 AS temp FROM (SELECT timestamp, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather) ORDER BY timestamp;

# title: dates: formatDateTime of now()
# execute: true
# result: any
# columns: ["formatDateTime(now(), '%Y-%m-%d')"]
SELECT formatDateTime(now(), '%Y-%m-%d');
SELECT * FROM (SELECT formatDateTime(now(), '%Y-%m-%d'));

# title: dates: formatDateTime in the datetime's zone and in UTC
# execute: true
# columns: ["a","b"]
# result: [["2022-12-01","2022-12-01"]]
SELECT formatDateTime(toDateTime('2022-12-01 16:17:00', 'America/New_York'), '%Y-%m-%d') AS a, formatDateTime(toDateTime('2022-12-01 16:17:00', 'America/New_York'), '%Y-%m-%d', 'Etc/UTC') AS b;
SELECT * FROM (SELECT formatDateTime(toDateTime('2022-12-01 16:17:00', 'America/New_York'), '%Y-%m-%d') AS a, formatDateTime(toDateTime('2022-12-01 16:17:00', 'America/New_York'), '%Y-%m-%d', 'Etc/UTC') AS b);

# title: dates: now and today
# execute: true
# result: any
# columns: ["now()","today()"]
SELECT now(), today();
SELECT * FROM (SELECT now(), today());

# title: dates: toDateTime of a unix-seconds double
# execute: true
# columns: ["toDateTime(double1)"]
# result: [["1970-01-01 00:00:12"],["1970-01-01 00:00:08"],["1970-01-01 00:00:20"],["1970-01-01 00:00:31"],["1970-01-01 00:00:10"]]
SELECT toDateTime(double1) FROM weather ORDER BY timestamp;
SELECT toDateTime(double1) FROM (SELECT timestamp, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: dates: toDateTime of a blob
# execute: true
# columns: ["toDateTime(blob1)"]
# result: []
SELECT toDateTime(blob1) FROM my_dataset;
SELECT toDateTime(blob1) FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: dates: toDateTime of literals
# execute: true
# columns: ["a","b","c","d"]
# result: [["1981-04-12 12:00:04","1981-04-12 12:00:04","1981-04-12 12:00:04","2022-12-01 16:17:00"]]
SELECT toDateTime(355924804) AS a, toDateTime('355924804') AS b, toDateTime('1981-04-12 12:00:04') AS c, toDateTime('2022-12-01 16:17:00', 'America/New_York') AS d;
SELECT * FROM (SELECT toDateTime(355924804) AS a, toDateTime('355924804') AS b, toDateTime('1981-04-12 12:00:04') AS c, toDateTime('2022-12-01 16:17:00', 'America/New_York') AS d);

# title: dates: toYear, toMonth, toDayOfMonth
# execute: true
# columns: ["toYear(toDateTime('2025-10-27 00:00:00'))","toMonth(toDateTime('2025-10-27 00:00:00'))","toDayOfMonth(toDateTime('2025-10-27 00:00:00'))"]
# result: [[2025,10,27]]
SELECT toYear(toDateTime('2025-10-27 00:00:00')), toMonth(toDateTime('2025-10-27 00:00:00')), toDayOfMonth(toDateTime('2025-10-27 00:00:00'));
SELECT * FROM (SELECT toYear(toDateTime('2025-10-27 00:00:00')), toMonth(toDateTime('2025-10-27 00:00:00')), toDayOfMonth(toDateTime('2025-10-27 00:00:00')));

# title: dates: toDayOfWeek, Monday is 1
# execute: true
# columns: ["toDayOfWeek(toDateTime('2025-10-27 00:00:00'))","toDayOfWeek(toDateTime('2025-10-28 00:00:00'))","toDayOfWeek(toDateTime('2025-11-02 00:00:00'))"]
# result: [[1,2,7]]
SELECT toDayOfWeek(toDateTime('2025-10-27 00:00:00')), toDayOfWeek(toDateTime('2025-10-28 00:00:00')), toDayOfWeek(toDateTime('2025-11-02 00:00:00'));
SELECT * FROM (SELECT toDayOfWeek(toDateTime('2025-10-27 00:00:00')), toDayOfWeek(toDateTime('2025-10-28 00:00:00')), toDayOfWeek(toDateTime('2025-11-02 00:00:00')));

# title: dates: toHour, toMinute, toSecond
# execute: true
# columns: ["toHour(toDateTime('2025-10-27 09:11:13'))","toMinute(toDateTime('2025-10-27 09:11:13'))","toSecond(toDateTime('2025-10-27 09:11:13'))"]
# result: [[9,11,13]]
SELECT toHour(toDateTime('2025-10-27 09:11:13')), toMinute(toDateTime('2025-10-27 09:11:13')), toSecond(toDateTime('2025-10-27 09:11:13'));
SELECT * FROM (SELECT toHour(toDateTime('2025-10-27 09:11:13')), toMinute(toDateTime('2025-10-27 09:11:13')), toSecond(toDateTime('2025-10-27 09:11:13')));

# title: dates: toUnixTimestamp of now()
# execute: true
# result: any
# columns: ["toUnixTimestamp(now())"]
SELECT toUnixTimestamp(now());
SELECT * FROM (SELECT toUnixTimestamp(now()));

# title: dates: toStartOfInterval of now()
# execute: true
# result: any
# columns: ["toStartOfInterval(now(), toIntervalMinute('15'))"]
SELECT toStartOfInterval(now(), INTERVAL '15' MINUTE);
SELECT * FROM (SELECT toStartOfInterval(now(), INTERVAL '15' MINUTE));

# title: dates: toStartOfInterval of a timestamp
# execute: true
# columns: ["toStartOfInterval(timestamp, toIntervalDay('1'))"]
# result: [["2023-03-05 00:00:00"],["2023-03-05 00:00:00"],["2023-03-05 00:00:00"],["2023-03-05 00:00:00"],["2023-03-06 00:00:00"]]
SELECT toStartOfInterval(timestamp, INTERVAL '1' DAY) FROM weather ORDER BY timestamp;
SELECT toStartOfInterval(timestamp, INTERVAL '1' DAY) FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: dates: hourly counts with toStartOfInterval
# execute: true
# columns: ["hour","count"]
# result: []
-- count the number of datapoints filed in each hourly window
SELECT
  toStartOfInterval(timestamp, INTERVAL '1' HOUR) AS hour,
  sum(_sample_interval) AS count
FROM your_dataset
GROUP BY hour
ORDER BY hour ASC;
SELECT toStartOfInterval(timestamp, INTERVAL '1' HOUR) AS hour, sum(_sample_interval) AS count FROM (SELECT timestamp, _sample_interval FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'your_dataset') AS your_dataset GROUP BY hour ORDER BY hour ASC;

# title: dates: hourly counts with toStartOfInterval, on the fixture
# execute: true
# columns: ["hour","count"]
# result: [["2023-03-05 10:00:00",6],["2023-03-05 11:00:00",1],["2023-03-06 00:00:00",2]]
SELECT
  toStartOfInterval(timestamp, INTERVAL '1' HOUR) AS hour,
  sum(_sample_interval) AS count
FROM weather
GROUP BY hour
ORDER BY hour ASC;
SELECT toStartOfInterval(timestamp, INTERVAL '1' HOUR) AS hour, sum(_sample_interval) AS count FROM (SELECT timestamp, _sample_interval FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather GROUP BY hour ORDER BY hour ASC;

# title: dates: toStartOfYear and toStartOfMonth answer a DateTime
# execute: true
# columns: ["toStartOfYear(toDateTime('2025-10-27 00:00:00'))","toStartOfMonth(toDateTime('2025-10-27 00:00:00'))"]
# result: [["2025-01-01 00:00:00","2025-10-01 00:00:00"]]
SELECT toStartOfYear(toDateTime('2025-10-27 00:00:00')), toStartOfMonth(toDateTime('2025-10-27 00:00:00'));
SELECT * FROM (SELECT toDateTime(toStartOfYear(toDateTime('2025-10-27 00:00:00'))) AS "toStartOfYear(toDateTime('2025-10-27 00:00:00'))", toDateTime(toStartOfMonth(toDateTime('2025-10-27 00:00:00'))) AS "toStartOfMonth(toDateTime('2025-10-27 00:00:00'))");

# title: dates: toStartOfWeek starts on Monday and answers a DateTime
# execute: true
# columns: ["toStartOfWeek(toDateTime('2025-10-27 00:00:00'))","toStartOfWeek(toDateTime('2025-10-29 00:00:00'))"]
# result: [["2025-10-27 00:00:00","2025-10-27 00:00:00"]]
SELECT toStartOfWeek(toDateTime('2025-10-27 00:00:00')), toStartOfWeek(toDateTime('2025-10-29 00:00:00'));
SELECT * FROM (SELECT toDateTime(toStartOfWeek(toDateTime('2025-10-27 00:00:00'), 1)) AS "toStartOfWeek(toDateTime('2025-10-27 00:00:00'))", toDateTime(toStartOfWeek(toDateTime('2025-10-29 00:00:00'), 1)) AS "toStartOfWeek(toDateTime('2025-10-29 00:00:00'))");

# title: dates: toStartOfDay and toStartOfHour
# execute: true
# columns: ["toStartOfDay(toDateTime('2025-10-27 00:00:00'))","toStartOfHour(toDateTime('2025-10-27 16:55:25'))"]
# result: [["2025-10-27 00:00:00","2025-10-27 16:00:00"]]
SELECT toStartOfDay(toDateTime('2025-10-27 00:00:00')), toStartOfHour(toDateTime('2025-10-27 16:55:25'));
SELECT * FROM (SELECT toStartOfDay(toDateTime('2025-10-27 00:00:00')), toStartOfHour(toDateTime('2025-10-27 16:55:25')));

# title: dates: toStartOfFifteenMinutes, TenMinutes, FiveMinutes, Minute
# execute: true
# columns: ["toStartOfFifteenMinutes(toDateTime('2025-10-27 16:55:25'))","toStartOfTenMinutes(toDateTime('2025-10-27 16:55:25'))","toStartOfFiveMinutes(toDateTime('2025-10-27 16:55:25'))","toStartOfMinute(toDateTime('2025-10-27 16:55:25'))"]
# result: [["2025-10-27 16:45:00","2025-10-27 16:50:00","2025-10-27 16:55:00","2025-10-27 16:55:00"]]
SELECT toStartOfFifteenMinutes(toDateTime('2025-10-27 16:55:25')), toStartOfTenMinutes(toDateTime('2025-10-27 16:55:25')), toStartOfFiveMinutes(toDateTime('2025-10-27 16:55:25')), toStartOfMinute(toDateTime('2025-10-27 16:55:25'));
SELECT * FROM (SELECT toStartOfFifteenMinutes(toDateTime('2025-10-27 16:55:25')), toStartOfTenMinutes(toDateTime('2025-10-27 16:55:25')), toStartOfFiveMinutes(toDateTime('2025-10-27 16:55:25')), toStartOfMinute(toDateTime('2025-10-27 16:55:25')));

# title: dates: toYYYYMM
# execute: true
# columns: ["toYYYYMM(toDateTime('2025-10-27 16:55:25'))"]
# result: [[202510]]
SELECT toYYYYMM(toDateTime('2025-10-27 16:55:25'));
SELECT * FROM (SELECT toYYYYMM(toDateTime('2025-10-27 16:55:25')));

# title: strings: SELECT length('a string') AS s
# execute: true
# columns: ["s"]
# result: [[8]]
SELECT length('a string') AS s;
SELECT * FROM (SELECT lengthUTF8('a string') AS s);

# title: strings: SELECT length(blob1) AS s FROM your_dataset
# execute: true
# columns: ["s"]
# result: []
SELECT length(blob1) AS s FROM your_dataset;
SELECT lengthUTF8(blob1) AS s FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'your_dataset') AS your_dataset;

# title: strings: SELECT empty('a string') AS b
# execute: true
# columns: ["b"]
# result: [[0]]
SELECT empty('a string') AS b;
SELECT * FROM (SELECT empty('a string') AS b);

# title: strings: SELECT empty(blob1) AS b FROM your_dataset
# execute: true
# columns: ["b"]
# result: []
SELECT empty(blob1) AS b FROM your_dataset;
SELECT empty(blob1) AS b FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'your_dataset') AS your_dataset;

# title: strings: SELECT isEmpty('a string') AS b
# execute: true
# columns: ["b"]
# result: [[0]]
SELECT isEmpty('a string') AS b;
SELECT * FROM (SELECT empty('a string') AS b);

# title: strings: SELECT isEmpty(blob1) AS b FROM your_dataset
# execute: true
# columns: ["b"]
# result: []
SELECT isEmpty(blob1) AS b FROM your_dataset;
SELECT empty(blob1) AS b FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'your_dataset') AS your_dataset;

# title: strings: SELECT lower('STRING TO DOWNCASE') AS s
# execute: true
# columns: ["s"]
# result: [["string to downcase"]]
SELECT lower('STRING TO DOWNCASE') AS s;
SELECT * FROM (SELECT lower('STRING TO DOWNCASE') AS s);

# title: strings: SELECT lower(blob1) AS s FROM your_dataset
# execute: true
# columns: ["s"]
# result: []
SELECT lower(blob1) AS s FROM your_dataset;
SELECT lower(blob1) AS s FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'your_dataset') AS your_dataset;

# title: strings: SELECT lowerUTF8('STRING TO DOWNCASE') AS s
# execute: true
# columns: ["s"]
# result: [["string to downcase"]]
SELECT lowerUTF8('STRING TO DOWNCASE') AS s;
SELECT * FROM (SELECT lowerUTF8('STRING TO DOWNCASE') AS s);

# title: strings: SELECT lowerUTF8(blob1) AS s FROM your_dataset
# execute: true
# columns: ["s"]
# result: []
SELECT lowerUTF8(blob1) AS s FROM your_dataset;
SELECT lowerUTF8(blob1) AS s FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'your_dataset') AS your_dataset;

# title: strings: SELECT toLower('STRING TO DOWNCASE') AS s
# execute: true
# columns: ["s"]
# result: [["string to downcase"]]
SELECT toLower('STRING TO DOWNCASE') AS s;
SELECT * FROM (SELECT lowerUTF8('STRING TO DOWNCASE') AS s);

# title: strings: SELECT toLower(blob1) AS s FROM your_dataset
# execute: true
# columns: ["s"]
# result: []
SELECT toLower(blob1) AS s FROM your_dataset;
SELECT lowerUTF8(blob1) AS s FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'your_dataset') AS your_dataset;

# title: strings: SELECT upper('string to uppercase') AS s
# execute: true
# columns: ["s"]
# result: [["STRING TO UPPERCASE"]]
SELECT upper('string to uppercase') AS s;
SELECT * FROM (SELECT upper('string to uppercase') AS s);

# title: strings: SELECT upper(blob1) AS s FROM your_dataset
# execute: true
# columns: ["s"]
# result: []
SELECT upper(blob1) AS s FROM your_dataset;
SELECT upper(blob1) AS s FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'your_dataset') AS your_dataset;

# title: strings: SELECT upperUTF8('string to uppercase') AS s
# execute: true
# columns: ["s"]
# result: [["STRING TO UPPERCASE"]]
SELECT upperUTF8('string to uppercase') AS s;
SELECT * FROM (SELECT upperUTF8('string to uppercase') AS s);

# title: strings: SELECT upperUTF8(blob1) AS s FROM your_dataset
# execute: true
# columns: ["s"]
# result: []
SELECT upperUTF8(blob1) AS s FROM your_dataset;
SELECT upperUTF8(blob1) AS s FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'your_dataset') AS your_dataset;

# title: strings: SELECT toUpper('string to uppercase') AS s
# execute: true
# columns: ["s"]
# result: [["STRING TO UPPERCASE"]]
SELECT toUpper('string to uppercase') AS s;
SELECT * FROM (SELECT upperUTF8('string to uppercase') AS s);

# title: strings: SELECT toUpper(blob1) AS s FROM your_dataset
# execute: true
# columns: ["s"]
# result: []
SELECT toUpper(blob1) AS s FROM your_dataset;
SELECT upperUTF8(blob1) AS s FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'your_dataset') AS your_dataset;

# title: strings: SELECT startsWith('prefix ...', 'prefix') AS b
# execute: true
# columns: ["b"]
# result: [[1]]
SELECT startsWith('prefix ...', 'prefix') AS b;
SELECT * FROM (SELECT startsWith('prefix ...', 'prefix') AS b);

# title: strings: SELECT startsWith(blob1, 'prefix') AS b FROM your_dataset
# execute: true
# columns: ["b"]
# result: []
SELECT startsWith(blob1, 'prefix') AS b FROM your_dataset;
SELECT startsWith(blob1, 'prefix') AS b FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'your_dataset') AS your_dataset;

# title: strings: SELECT endsWith('prefix suffix', 'suffix') AS b
# execute: true
# columns: ["b"]
# result: [[1]]
SELECT endsWith('prefix suffix', 'suffix') AS b;
SELECT * FROM (SELECT endsWith('prefix suffix', 'suffix') AS b);

# title: strings: SELECT endsWith(blob1, 'suffix') AS b FROM your_dataset
# execute: true
# columns: ["b"]
# result: []
SELECT endsWith(blob1, 'suffix') AS b FROM your_dataset;
SELECT endsWith(blob1, 'suffix') AS b FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'your_dataset') AS your_dataset;

# title: strings: SELECT position(':' IN 'hello: world') AS p
# execute: true
# columns: ["p"]
# result: [[6]]
SELECT position(':' IN 'hello: world') AS p;
SELECT * FROM (SELECT positionUTF8('hello: world', ':') AS p);

# title: strings: SELECT position(':' IN blob1) AS p FROM your_dataset
# execute: true
# columns: ["p"]
# result: []
SELECT position(':' IN blob1) AS p FROM your_dataset;
SELECT positionUTF8(blob1, ':') AS p FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'your_dataset') AS your_dataset;

# title: strings: SELECT substring('hello world', 6) AS s
# execute: true
# columns: ["s"]
# result: [[" world"]]
SELECT substring('hello world', 6) AS s;
SELECT * FROM (SELECT substringUTF8('hello world', 6) AS s);

# title: strings: SELECT substring('hello: world', 1, position(':' IN 'hello: world')-1) AS s
# execute: true
# columns: ["s"]
# result: [["hello"]]
SELECT substring('hello: world', 1, position(':' IN 'hello: world')-1) AS s;
SELECT * FROM (SELECT substringUTF8('hello: world', 1, positionUTF8('hello: world', ':') - 1) AS s);

# title: strings: SELECT format('blob1: {}', blob1) AS s FROM dataset
# execute: true
# columns: ["s"]
# result: []
SELECT format('blob1: {}', blob1) AS s FROM dataset;
SELECT format('blob1: {}', blob1) AS s FROM (SELECT dataset, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'dataset') AS dataset;

# title: strings: extract(SECOND from ...)
# execute: true
# columns: ["toSecond(toDateTime('2022-06-06 11:30:15'))"]
# result: [[15]]
SELECT extract(SECOND from toDateTime('2022-06-06 11:30:15'));
SELECT * FROM (SELECT EXTRACT(SECOND FROM toDateTime('2022-06-06 11:30:15')));

# title: math: log and pow of double1
# execute: true
# columns: ["log(double1)","ln(double1)","pow(double1, 2)"]
# result: [[2.5257286443082556,2.5257286443082556,156.25],[2.0794415416798357,2.0794415416798357,64],[2.995732273553991,2.995732273553991,400],[3.4420193761824107,3.4420193761824107,976.5625],[2.3513752571634776,2.3513752571634776,110.25]]
SELECT log(double1), ln(double1), pow(double1, 2) FROM weather ORDER BY timestamp;
SELECT log(double1), log(double1) AS "ln(double1)", pow(double1, 2) FROM (SELECT timestamp, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: math: round, floor, ceil
# execute: true
# columns: ["round(5.5)","round(3.14, 1)","floor(5.5)","floor(3.14, 1)","ceil(5.5)","ceil(3.14, 1)"]
# result: [[6,3.1,5,3.1,6,3.2]]
SELECT round(5.5), round(3.14, 1), floor(5.5), floor(3.14, 1), ceil(5.5), ceil(3.14, 1);
SELECT * FROM (SELECT round(5.5), round(3.14, 1), floor(5.5), floor(3.14, 1), ceil(5.5), ceil(3.14, 1));

# title: math: intDiv
# execute: true
# columns: ["intDiv(7, 2)","multiply(intDiv(toUInt32(toDateTime('2025-10-27 16:55:25')), 300), 300)"]
# result: [[3,1761584100]]
SELECT intDiv(7, 2), intDiv(toUInt32(toDateTime('2025-10-27 16:55:25')), 300) * 300;
SELECT * FROM (SELECT intDiv(7, 2), intDiv(toUInt32(toDateTime('2025-10-27 16:55:25')), 300) * 300);

# title: bits: bitAnd
# execute: true
# columns: ["bitAnd(1, 3)"]
# result: [[1]]
SELECT bitAnd(1, 3);
SELECT * FROM (SELECT bitAnd(1, 3));

# title: bits: bitAnd of a double as an integer
# execute: true
# columns: ["bitAnd(toUInt8(double1), 1)"]
# result: [[0],[0],[0],[1],[0]]
SELECT bitAnd(toUInt8(double1), 1) FROM weather ORDER BY timestamp;
SELECT bitAnd(toUInt8(double1), 1) FROM (SELECT timestamp, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: bits: bitCount of a double's bits and of its integer value
# execute: true
# columns: ["bitCount(double1)","bitCount(toUInt32(double1))"]
# result: [[4,2],[2,1],[4,2],[8,5],[4,2]]
SELECT bitCount(double1), bitCount(toUInt32(double1)) FROM weather ORDER BY timestamp;
SELECT bitCount(double1), bitCount(toUInt32(double1)) FROM (SELECT timestamp, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: bits: rows where at least 5 bits are 1 (FROM added)
# execute: true
# columns: ["dataset","timestamp","_sample_interval","index1","blob1","blob2","blob3","blob4","blob5","blob6","blob7","blob8","blob9","blob10","blob11","blob12","blob13","blob14","blob15","blob16","blob17","blob18","blob19","blob20","double1","double2","double3","double4","double5","double6","double7","double8","double9","double10","double11","double12","double13","double14","double15","double16","double17","double18","double19","double20"]
# result: []
SELECT * FROM my_dataset WHERE bitCount(double1) > 5;
SELECT * FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset WHERE bitCount(double1) > 5;

# title: bits: bitCount filter on the fixture
# execute: true
# columns: ["blob1"]
# result: [["Austin"]]
SELECT blob1 FROM weather WHERE bitCount(double1) > 5 ORDER BY timestamp;
SELECT blob1 FROM (SELECT timestamp, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE bitCount(double1) > 5 ORDER BY timestamp;

# title: bits: bitHammingDistance
# execute: true
# columns: ["bitHammingDistance(1, 1)","bitHammingDistance(3, 0)"]
# result: [[0,2]]
SELECT bitHammingDistance(1, 1), bitHammingDistance(3, 0);
SELECT * FROM (SELECT bitHammingDistance(1, 1), bitHammingDistance(3, 0));

# title: bits: bitNot and bitOr
# execute: true
# columns: ["bitNot(1)","bitOr(1, 2)"]
# result: [[254,3]]
SELECT bitNot(1), bitOr(1, 2);
SELECT * FROM (SELECT bitNot(1), bitOr(1, 2));

# title: bits: bitRotateLeft and bitRotateRight
# execute: true
# columns: ["bitRotateLeft(1, 1)","bitRotateLeft(128, 1)","bitRotateRight(1, 1)","bitRotateRight(12, 2)"]
# result: [[2,1,128,3]]
SELECT bitRotateLeft(1, 1), bitRotateLeft(128, 1), bitRotateRight(1, 1), bitRotateRight(12, 2);
SELECT * FROM (SELECT bitRotateLeft(1, 1), bitRotateLeft(128, 1), bitRotateRight(1, 1), bitRotateRight(12, 2));

# title: bits: bitShiftLeft and bitShiftRight
# execute: true
# columns: ["bitShiftLeft(1, 1)","bitShiftLeft(128, 1)","bitShiftRight(1, 1)","bitShiftRight(12, 2)"]
# result: [[2,0,0,3]]
SELECT bitShiftLeft(1, 1), bitShiftLeft(128, 1), bitShiftRight(1, 1), bitShiftRight(12, 2);
SELECT * FROM (SELECT bitShiftLeft(1, 1), bitShiftLeft(128, 1), bitShiftRight(1, 1), bitShiftRight(12, 2));

# title: bits: bitTest counts bits from 0, as ClickHouse does (WAE's page says bitTest(2, 1) is 0)
# execute: true
# columns: ["bitTest(3, 1)","bitTest(2, 1)"]
# result: [[1,1]]
SELECT bitTest(3, 1), bitTest(2, 1);
SELECT * FROM (SELECT bitTest(3, 1), bitTest(2, 1));

# title: bits: rows where a bit of a double is 1 (FROM added)
# execute: true
# columns: ["dataset","timestamp","_sample_interval","index1","blob1","blob2","blob3","blob4","blob5","blob6","blob7","blob8","blob9","blob10","blob11","blob12","blob13","blob14","blob15","blob16","blob17","blob18","blob19","blob20","double1","double2","double3","double4","double5","double6","double7","double8","double9","double10","double11","double12","double13","double14","double15","double16","double17","double18","double19","double20"]
# result: []
SELECT * FROM my_dataset WHERE bitTest(double1, 2);
SELECT * FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset WHERE bitTest(toInt64(double1), 2);

# title: bits: bitTest on doubles of the fixture
# execute: true
# columns: ["blob1","double1","bitTest(double1, 2)"]
# result: [["London",12.5,1],["Paris",20,1],["Austin",31.25,1]]
SELECT blob1, double1, bitTest(double1, 2) FROM weather WHERE bitTest(double1, 2) ORDER BY timestamp;
SELECT blob1, double1, bitTest(toInt64(double1), 2) AS "bitTest(double1, 2)" FROM (SELECT timestamp, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE bitTest(toInt64(double1), 2) ORDER BY timestamp;

# title: bits: bitXor
# execute: true
# columns: ["bitXor(1, 2)","bitXor(3, 3)"]
# result: [[3,0]]
SELECT bitXor(1, 2), bitXor(3, 3);
SELECT * FROM (SELECT bitXor(1, 2), bitXor(3, 3));

# title: encoding: bin and hex of a number and a string
# execute: true
# columns: ["bin(1)","bin('abc')","hex(1)","hex('abc')"]
# result: [["00000001","011000010110001001100011","01","616263"]]
SELECT bin(1), bin('abc'), hex(1), hex('abc');
SELECT * FROM (SELECT bin(1), bin('abc'), hex(1), hex('abc'));

# title: conversion: toUInt8 and toUInt32 of numbers and decimal strings
# execute: true
# columns: ["a","b","c","d"]
# result: [[80,42,12,1678010400],[60,42,8,1678010400],[55,42,20,1678010400],[40,42,31,1678010400],[85,42,10,1678010400]]
SELECT toUInt8(double2) AS a, toUInt8('42') AS b, toUInt32(double1) AS c, toUInt32('1678010400') AS d FROM weather ORDER BY timestamp;
SELECT toUInt8(double2) AS a, toUInt8('42') AS b, toUInt32(double1) AS c, toUInt32('1678010400') AS d FROM (SELECT timestamp, double1, double2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: sql api: hello
# execute: true
# columns: ["message"]
# result: [["Hello Workers Analytics Engine"]]
SELECT 'Hello Workers Analytics Engine' AS message;
SELECT * FROM (SELECT 'Hello Workers Analytics Engine' AS message);

# title: sql api: SELECT COUNT() FROM weather (FROM completed)
# execute: true
# columns: ["count()"]
# result: [[5]]
SELECT COUNT() FROM weather;
SELECT count() FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: sql api: SELECT SUM(_sample_interval) FROM weather (FROM completed)
# execute: true
# columns: ["sum(_sample_interval)"]
# result: [[9]]
SELECT SUM(_sample_interval) FROM weather;
SELECT sum(_sample_interval) FROM (SELECT _sample_interval FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: sql api: SELECT SUM(double1) FROM weather (FROM completed)
# execute: true
# columns: ["sum(double1)"]
# result: [[82.25]]
SELECT SUM(double1) FROM weather;
SELECT sum(double1) FROM (SELECT double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: sql api: SELECT SUM(_sample_interval * double1) FROM weather (FROM completed)
# execute: true
# columns: ["sum(multiply(_sample_interval, double1))"]
# result: [[152.75]]
SELECT SUM(_sample_interval * double1) FROM weather;
SELECT sum(_sample_interval * double1) FROM (SELECT _sample_interval, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: sql api: SELECT AVG(double1) FROM weather (FROM completed)
# execute: true
# columns: ["avg(double1)"]
# result: [[16.45]]
SELECT AVG(double1) FROM weather;
SELECT avg(double1) FROM (SELECT double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: sql api: SELECT SUM(_sample_interval * double1) / SUM(_sample_interval) FROM weather (FROM completed)
# execute: true
# columns: ["divide(sum(multiply(_sample_interval, double1)), sum(_sample_interval))"]
# result: [[16.97222222222222]]
SELECT SUM(_sample_interval * double1) / SUM(_sample_interval) FROM weather;
SELECT sum(_sample_interval * double1) / sum(_sample_interval) FROM (SELECT _sample_interval, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: sql api: column aliases
# execute: true
# columns: ["timestamp","location_id","inside_temp","outside_temp"]
# result: []
SELECT
    timestamp,
    blob1 AS location_id,
    double1 AS inside_temp,
    double2 AS outside_temp
FROM temperatures
WHERE timestamp > NOW() - INTERVAL '1' DAY;
SELECT timestamp, blob1 AS location_id, double1 AS inside_temp, double2 AS outside_temp FROM (SELECT timestamp, blob1, double1, double2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'temperatures') AS temperatures WHERE timestamp > now() - INTERVAL '1' DAY;

# title: sql api: readings per location, exact by index
# execute: true
# columns: ["location_id","n_readings"]
# result: []
SELECT
    index1 AS location_id,
    SUM(_sample_interval) AS n_readings
FROM temperatures
WHERE timestamp > NOW() - INTERVAL '7' DAY
GROUP BY index1;
SELECT index1 AS location_id, sum(_sample_interval) AS n_readings FROM (SELECT timestamp, _sample_interval, index1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'temperatures') AS temperatures WHERE timestamp > now() - INTERVAL '7' DAY GROUP BY index1;

# title: sql api: sample-weighted average per location
# execute: true
# columns: ["location_id","average_temp"]
# result: []
SELECT
    index1 AS location_id,
    SUM(_sample_interval * double1) / SUM(_sample_interval) AS average_temp
FROM temperatures
WHERE timestamp > NOW() - INTERVAL '7' DAY
GROUP BY index1;
SELECT index1 AS location_id, sum(_sample_interval * double1) / sum(_sample_interval) AS average_temp FROM (SELECT timestamp, _sample_interval, index1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'temperatures') AS temperatures WHERE timestamp > now() - INTERVAL '7' DAY GROUP BY index1;

# title: sampling: count() and sum(_sample_interval) (FROM added)
# execute: true
# columns: ["count()","sum(_sample_interval)"]
# result: [[5,9]]
SELECT count(), sum(_sample_interval) FROM weather;
SELECT count(), sum(_sample_interval) FROM (SELECT _sample_interval FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: sampling: sum, weighted sum, avg and weighted average of bytes (FROM added)
SELECT sum(bytes), sum(bytes * _sample_interval), avg(bytes), sum(bytes * _sample_interval) / sum(_sample_interval) FROM my_dataset;
SELECT sum(bytes), sum(bytes * _sample_interval), avg(bytes), sum(bytes * _sample_interval) / sum(_sample_interval) FROM (SELECT _sample_interval FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: sampling: quantile(0.50)(bytes), the unsampled counterpart (FROM added)
# wae: unsupported function: quantile
SELECT quantile(0.50)(bytes) FROM my_dataset;
SELECT quantile(0.50)(bytes) FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: sampling: quantileExactWeighted(0.50)(bytes, _sample_interval) (FROM added)
SELECT quantileExactWeighted(0.50)(bytes, _sample_interval) FROM my_dataset;
SELECT quantileExactWeighted(0.50)(bytes, _sample_interval) FROM (SELECT _sample_interval FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: sampling: quantileWeighted(0.50)(bytes, _sample_interval), parametric (FROM added)
SELECT quantileWeighted(0.50)(bytes, _sample_interval) FROM my_dataset;
SELECT quantileExactWeighted(0.50)(bytes, _sample_interval) AS "quantileWeighted(0.50)(bytes, _sample_interval)" FROM (SELECT _sample_interval FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: sampling: parametric quantileWeighted on the fixture
# execute: true
# columns: ["quantileWeighted(0.50)(double1, _sample_interval)","quantileExactWeighted(0.5)(double1, _sample_interval)"]
# result: [[20,20]]
SELECT quantileWeighted(0.50)(double1, _sample_interval), quantileExactWeighted(0.50)(double1, _sample_interval) FROM weather;
SELECT quantileExactWeighted(0.50)(double1, _sample_interval) AS "quantileWeighted(0.50)(double1, _sample_interval)", quantileExactWeighted(0.50)(double1, _sample_interval) FROM (SELECT _sample_interval, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: sampling: the most heavily sampled row
# execute: true
# columns: ["argMax(blob1, _sample_interval)"]
# result: [["Paris"]]
SELECT argMax(blob1, _sample_interval) FROM weather;
SELECT argMax(blob1, _sample_interval) FROM (SELECT _sample_interval, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: recipe: usage per customer (rows in any order)
# execute: true
# result: any
# columns: ["customer_id","count"]
SELECT
  index1 AS customer_id,
  sum(_sample_interval) AS count
FROM
  usage_indexed_by_customer_id
GROUP BY customer_id;
SELECT index1 AS customer_id, sum(_sample_interval) AS count FROM (SELECT _sample_interval, index1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS usage_indexed_by_customer_id GROUP BY customer_id;

# title: recipe: usage per customer and endpoint (rows in any order)
# execute: true
# result: any
# columns: ["customer_id","request_endpoint","count"]
SELECT
  index1 AS customer_id,
  blob1 AS request_endpoint,
  sum(_sample_interval) AS count
FROM
  usage_indexed_by_customer_id
GROUP BY customer_id, request_endpoint;
SELECT index1 AS customer_id, blob1 AS request_endpoint, sum(_sample_interval) AS count FROM (SELECT _sample_interval, index1, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS usage_indexed_by_customer_id GROUP BY customer_id, request_endpoint;

# title: recipe: one customer's month
# execute: true
# columns: ["customer_id","request_endpoint","usage_count"]
# result: []
SELECT
  index1 AS customer_id,
  blob1 AS request_endpoint,
  sum(_sample_interval) AS usage_count
FROM
  usage_indexed_by_customer_id
WHERE
  customer_id = 'substitute_customer_id_here'
  AND timestamp >= toDateTime('2023-03-01 00:00:00')
  AND timestamp < toDateTime('2023-04-01 00:00:00')
GROUP BY customer_id, request_endpoint;
SELECT index1 AS customer_id, blob1 AS request_endpoint, sum(_sample_interval) AS usage_count FROM (SELECT timestamp, _sample_interval, index1, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS usage_indexed_by_customer_id WHERE customer_id = 'substitute_customer_id_here' AND timestamp >= toDateTime('2023-03-01 00:00:00') AND timestamp < toDateTime('2023-04-01 00:00:00') GROUP BY customer_id, request_endpoint;

# title: recipe: one customer's month by day
# execute: true
# columns: ["customer_id","date","request_endpoint","request_count"]
# result: []
SELECT
  index1 AS customer_id,
  toStartOfInterval(timestamp, INTERVAL '1' DAY) AS date,
  blob1 AS request_endpoint,
  sum(_sample_interval) AS request_count
FROM
  usage_indexed_by_customer_id
WHERE
  customer_id = 'x'
  AND timestamp >= toDateTime('2023-03-01 00:00:00')
  AND timestamp < toDateTime('2023-04-01 00:00:00')
GROUP BY customer_id, date, request_endpoint;
SELECT index1 AS customer_id, toStartOfInterval(timestamp, INTERVAL '1' DAY) AS date, blob1 AS request_endpoint, sum(_sample_interval) AS request_count FROM (SELECT timestamp, _sample_interval, index1, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS usage_indexed_by_customer_id WHERE customer_id = 'x' AND timestamp >= toDateTime('2023-03-01 00:00:00') AND timestamp < toDateTime('2023-04-01 00:00:00') GROUP BY customer_id, date, request_endpoint;

# title: get started: top cities by average humidity
# execute: true
# columns: ["city","avg_humidity"]
# result: []
SELECT
  blob1 AS city,
  SUM(_sample_interval * double2) / SUM(_sample_interval) AS avg_humidity
FROM WEATHER
WHERE double1 > 0
GROUP BY city
ORDER BY avg_humidity DESC
LIMIT 10;
SELECT blob1 AS city, sum(_sample_interval * double2) / sum(_sample_interval) AS avg_humidity FROM (SELECT _sample_interval, blob1, double1, double2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'WEATHER') AS WEATHER WHERE double1 > 0 GROUP BY city ORDER BY avg_humidity DESC LIMIT 10;

# title: get started: top cities on the fixture's lower-case dataset
# execute: true
# columns: ["city","avg_humidity"]
# result: [["London",83.33333333333333],["Zürich",60],["Paris",55],["Austin",40]]
SELECT
  blob1 AS city,
  SUM(_sample_interval * double2) / SUM(_sample_interval) AS avg_humidity
FROM weather
WHERE double1 > 0
GROUP BY city
ORDER BY avg_humidity DESC
LIMIT 10;
SELECT blob1 AS city, sum(_sample_interval * double2) / sum(_sample_interval) AS avg_humidity FROM (SELECT _sample_interval, blob1, double1, double2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE double1 > 0 GROUP BY city ORDER BY avg_humidity DESC LIMIT 10;

# title: get started: five-minute time series
# execute: true
# columns: ["t","city","avg_humidity"]
# result: []
SELECT
  intDiv(toUInt32(timestamp), 300) * 300 AS t,
  blob1 AS city,
  SUM(_sample_interval * double2) / SUM(_sample_interval) AS avg_humidity
FROM WEATHER
WHERE
  timestamp >= NOW() - INTERVAL '1' DAY
  AND double1 > 0
GROUP BY t, city
ORDER BY t, avg_humidity DESC;
SELECT intDiv(toUInt32(timestamp), 300) * 300 AS t, blob1 AS city, sum(_sample_interval * double2) / sum(_sample_interval) AS avg_humidity FROM (SELECT timestamp, _sample_interval, blob1, double1, double2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'WEATHER') AS WEATHER WHERE timestamp >= now() - INTERVAL '1' DAY AND double1 > 0 GROUP BY t, city ORDER BY t, avg_humidity DESC;

# title: grafana: time series query
# execute: true
# columns: ["t","label","average_metric"]
# result: []
SELECT
    intDiv(toUInt32(timestamp), 60) * 60 AS t,
    blob1 AS label,
    SUM(_sample_interval * double1) / SUM(_sample_interval) AS average_metric
FROM dataset_name
WHERE
    timestamp <= NOW()
    AND timestamp > NOW() - INTERVAL '1' DAY
GROUP BY blob1, t
ORDER BY t;
SELECT intDiv(toUInt32(timestamp), 60) * 60 AS t, blob1 AS label, sum(_sample_interval * double1) / sum(_sample_interval) AS average_metric FROM (SELECT timestamp, _sample_interval, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'dataset_name') AS dataset_name WHERE timestamp <= now() AND timestamp > now() - INTERVAL '1' DAY GROUP BY blob1, t ORDER BY t;

# title: worker: select everything
# execute: true
# columns: ["dataset","timestamp","_sample_interval","index1","blob1","blob2","blob3","blob4","blob5","blob6","blob7","blob8","blob9","blob10","blob11","blob12","blob13","blob14","blob15","blob16","blob17","blob18","blob19","blob20","double1","double2","double3","double4","double5","double6","double7","double8","double9","double10","double11","double12","double13","double14","double15","double16","double17","double18","double19","double20"]
# result: []
SELECT * FROM my_dataset;
SELECT * FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset;

# title: worker: min and max per city
# execute: true
# columns: ["city","max_temp","min_temp"]
# result: []
SELECT
                blob1 AS city,
                max(double1) as max_temp,
                min(double1) as min_temp
            FROM weather
            WHERE timestamp > NOW() - INTERVAL '1' DAY
            GROUP BY city
            ORDER BY city;
SELECT blob1 AS city, max(double1) AS max_temp, min(double1) AS min_temp FROM (SELECT timestamp, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE timestamp > now() - INTERVAL '1' DAY GROUP BY city ORDER BY city;

# title: cli: the first ten rows
# execute: true
# columns: ["dataset","timestamp","_sample_interval","index1","blob1","blob2","blob3","blob4","blob5","blob6","blob7","blob8","blob9","blob10","blob11","blob12","blob13","blob14","blob15","blob16","blob17","blob18","blob19","blob20","double1","double2","double3","double4","double5","double6","double7","double8","double9","double10","double11","double12","double13","double14","double15","double16","double17","double18","double19","double20"]
# result: []
SELECT * FROM my_dataset LIMIT 10;
SELECT * FROM (SELECT <WAE columns> FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'my_dataset') AS my_dataset LIMIT 10;

# title: cli: average temperature per city over a day
# execute: true
# columns: ["city","avg_temp"]
# result: []
SELECT blob1 AS city, AVG(double1) AS avg_temp FROM weather WHERE timestamp > NOW() - INTERVAL '1' DAY GROUP BY city;
SELECT blob1 AS city, avg(double1) AS avg_temp FROM (SELECT timestamp, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE timestamp > now() - INTERVAL '1' DAY GROUP BY city;

# title: cli: query file
# execute: true
# columns: ["t","city","avg_temp"]
# result: []
SELECT
    intDiv(toUInt32(timestamp), 300) * 300 AS t,
    blob1 AS city,
    SUM(_sample_interval * double1) / SUM(_sample_interval) AS avg_temp
FROM weather
WHERE timestamp >= NOW() - INTERVAL '1' DAY
GROUP BY t, city
ORDER BY t, city;
SELECT intDiv(toUInt32(timestamp), 300) * 300 AS t, blob1 AS city, sum(_sample_interval * double1) / sum(_sample_interval) AS avg_temp FROM (SELECT timestamp, _sample_interval, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE timestamp >= now() - INTERVAL '1' DAY GROUP BY t, city ORDER BY t, city;

# title: cli: daily report
# execute: true
# columns: ["endpoint","request_count"]
# result: []
SELECT blob1 AS endpoint, SUM(_sample_interval) AS request_count FROM api_requests WHERE timestamp >= NOW() - INTERVAL '1' DAY GROUP BY endpoint ORDER BY request_count DESC;
SELECT blob1 AS endpoint, sum(_sample_interval) AS request_count FROM (SELECT timestamp, _sample_interval, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'api_requests') AS api_requests WHERE timestamp >= now() - INTERVAL '1' DAY GROUP BY endpoint ORDER BY request_count DESC;
