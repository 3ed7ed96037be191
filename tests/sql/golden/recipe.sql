-- Cloudflare's usage-based billing recipe, run as acct_b:
-- https://developers.cloudflare.com/analytics/analytics-engine/recipes/usage-based-billing-for-your-saas-product/

# title: recipe 1: usage per customer
# execute: true
# columns: ["customer_id","count"]
# result: [["cust1",5],["cust2",11]]
SELECT index1 AS customer_id, sum(_sample_interval) AS count
FROM usage_indexed_by_customer_id
GROUP BY customer_id
ORDER BY customer_id;
SELECT index1 AS customer_id, sum(_sample_interval) AS count FROM (SELECT _sample_interval, index1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS usage_indexed_by_customer_id GROUP BY customer_id ORDER BY customer_id;

# title: recipe 2: usage per customer and endpoint
# execute: true
# columns: ["customer_id","request_endpoint","count"]
# result: [["cust1","/api/a",3],["cust1","/api/b",2],["cust2","/api/a",10],["cust2","/api/b",1]]
SELECT index1 AS customer_id, blob1 AS request_endpoint, sum(_sample_interval) AS count
FROM usage_indexed_by_customer_id
GROUP BY customer_id, request_endpoint
ORDER BY customer_id, request_endpoint;
SELECT index1 AS customer_id, blob1 AS request_endpoint, sum(_sample_interval) AS count FROM (SELECT _sample_interval, index1, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS usage_indexed_by_customer_id GROUP BY customer_id, request_endpoint ORDER BY customer_id, request_endpoint;

# title: recipe 3: one customer's month per endpoint (alias in WHERE)
# execute: true
# columns: ["customer_id","request_endpoint","count"]
# result: [["cust1","/api/a",2],["cust1","/api/b",2]]
SELECT index1 AS customer_id, blob1 AS request_endpoint, sum(_sample_interval) AS count
FROM usage_indexed_by_customer_id
WHERE customer_id = 'cust1'
  AND timestamp >= toDateTime('2023-03-01 00:00:00')
  AND timestamp < toDateTime('2023-04-01 00:00:00')
GROUP BY customer_id, request_endpoint
ORDER BY request_endpoint;
SELECT index1 AS customer_id, blob1 AS request_endpoint, sum(_sample_interval) AS count FROM (SELECT timestamp, _sample_interval, index1, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS usage_indexed_by_customer_id WHERE customer_id = 'cust1' AND timestamp >= toDateTime('2023-03-01 00:00:00') AND timestamp < toDateTime('2023-04-01 00:00:00') GROUP BY customer_id, request_endpoint ORDER BY request_endpoint;

# title: recipe 4: daily breakdown with a quoted interval count
# execute: true
# columns: ["customer_id","date","request_endpoint","count"]
# result: [["cust1","2023-03-05 00:00:00","/api/a",1],["cust1","2023-03-05 00:00:00","/api/b",2],["cust1","2023-03-06 00:00:00","/api/a",1]]
SELECT
  index1 AS customer_id,
  toStartOfInterval(timestamp, INTERVAL '1' DAY) AS date,
  blob1 AS request_endpoint,
  sum(_sample_interval) AS count
FROM usage_indexed_by_customer_id
WHERE customer_id = 'cust1'
  AND timestamp >= toDateTime('2023-03-01 00:00:00')
  AND timestamp < toDateTime('2023-04-01 00:00:00')
GROUP BY customer_id, date, request_endpoint
ORDER BY date, request_endpoint;
SELECT index1 AS customer_id, toStartOfInterval(timestamp, INTERVAL '1' DAY) AS date, blob1 AS request_endpoint, sum(_sample_interval) AS count FROM (SELECT timestamp, _sample_interval, index1, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS usage_indexed_by_customer_id WHERE customer_id = 'cust1' AND timestamp >= toDateTime('2023-03-01 00:00:00') AND timestamp < toDateTime('2023-04-01 00:00:00') GROUP BY customer_id, date, request_endpoint ORDER BY date, request_endpoint;

# title: recipe: sampling-aware sum and average of a double
# execute: true
# columns: ["customer_id","bytes","avg_bytes"]
# result: [["cust1",801,160.2],["cust2",500,45.45454545454545]]
SELECT index1 AS customer_id,
  sum(_sample_interval * double1) AS bytes,
  sum(_sample_interval * double1) / sum(_sample_interval) AS avg_bytes
FROM usage_indexed_by_customer_id
GROUP BY customer_id
ORDER BY customer_id;
SELECT index1 AS customer_id, sum(_sample_interval * double1) AS bytes, sum(_sample_interval * double1) / sum(_sample_interval) AS avg_bytes FROM (SELECT _sample_interval, index1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS usage_indexed_by_customer_id GROUP BY customer_id ORDER BY customer_id;

# title: recipe: unaliased aggregates are named as ClickHouse names them, in canonical case
# execute: true
# columns: ["count()","sum(_sample_interval)","countDistinct(index1)"]
# result: [[6,16,2]]
SELECT COUNT(), Sum(_sample_interval), count(DISTINCT index1) FROM usage_indexed_by_customer_id;
SELECT count(), sum(_sample_interval), count(DISTINCT index1) FROM (SELECT _sample_interval, index1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS usage_indexed_by_customer_id;
