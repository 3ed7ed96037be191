-- Grafana: what the Altinity ClickHouse plugin sends, configured as Cloudflare's Grafana guide
-- says, run as acct_b.

# title: Altinity plugin start-up probe
# wae: unsupported function: timezone
# execute: true
# columns: ["timezone()"]
# result: [["Etc/UTC"]]
SELECT timezone() FORMAT JSON;
SELECT * FROM (SELECT timezone());

# title: Altinity plugin start-up probe with a trailing semicolon
# wae: unsupported function: timezone
SELECT timezone() FORMAT JSON;;
SELECT * FROM (SELECT timezone());

# title: $timeSeries and $timeFilter expanded
# execute: true
# columns: ["t","label","average_metric"]
# result: [[1678010400000,"London",12.5],[1678010700000,"Zürich",8],[1678011000000,"Paris",20],[1678014000000,"Austin",31.25]]
SELECT (intDiv(toUInt32(timestamp), 60) * 60) * 1000 AS t, blob1 AS label, sum(_sample_interval * double1) / sum(_sample_interval) AS average_metric
FROM weather
WHERE timestamp >= toDateTime(1678010400) AND timestamp <= toDateTime(1678014000)
GROUP BY t, label ORDER BY t, label FORMAT JSON;
SELECT (intDiv(toUInt32(timestamp), 60) * 60) * 1000 AS t, blob1 AS label, sum(_sample_interval * double1) / sum(_sample_interval) AS average_metric FROM (SELECT timestamp, _sample_interval, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE timestamp >= toDateTime(1678010400) AND timestamp <= toDateTime(1678014000) GROUP BY t, label ORDER BY t, label;

# title: Cloudflare's documented Grafana query
# execute: true
# columns: ["t","label","average_metric"]
# result: [[1678010400,"London",12.5],[1678010700,"Zürich",8],[1678011000,"Paris",20],[1678014000,"Austin",31.25],[1678060800,"London",10.5]]
SELECT intDiv(toUInt32(timestamp), 60) * 60 AS t, blob1 AS label, SUM(_sample_interval * double1) / SUM(_sample_interval) AS average_metric
FROM weather
WHERE timestamp <= NOW() AND timestamp > NOW() - INTERVAL '30' YEAR
GROUP BY blob1, t ORDER BY t, label;
SELECT intDiv(toUInt32(timestamp), 60) * 60 AS t, blob1 AS label, sum(_sample_interval * double1) / sum(_sample_interval) AS average_metric FROM (SELECT timestamp, _sample_interval, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE timestamp <= now() AND timestamp > now() - INTERVAL '30' YEAR GROUP BY blob1, t ORDER BY t, label;

# title: millisecond time filter with toDateTime64
# wae: unsupported function: toDateTime64
# execute: true
# columns: ["n"]
# result: [[3]]
SELECT count() AS n FROM weather WHERE timestamp >= toDateTime64(1678010400000 / 1000, 3) AND timestamp < toDateTime64(1678014000000 / 1000, 3);
SELECT count() AS n FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE timestamp >= toDateTime64(1678010400000 / 1000, 3) AND timestamp < toDateTime64(1678014000000 / 1000, 3);

# title: the Worker example query
# execute: true
# columns: ["city","max_temp","min_temp"]
# result: [["Austin",31.25,31.25],["London",12.5,10.5],["Paris",20,20],["Zürich",8,8]]
SELECT blob1 AS city, max(double1) AS max_temp, min(double1) AS min_temp FROM weather WHERE timestamp > NOW() - INTERVAL '30' YEAR GROUP BY city ORDER BY city;
SELECT blob1 AS city, max(double1) AS max_temp, min(double1) AS min_temp FROM (SELECT timestamp, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE timestamp > now() - INTERVAL '30' YEAR GROUP BY city ORDER BY city;
