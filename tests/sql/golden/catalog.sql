-- The Altinity Grafana plugin's own metadata queries (its query builder's pickers, timestamp
-- columns, ad hoc filter keys and values), verbatim from Altinity/clickhouse-grafana
-- (src/views/QueryEditor/components/QueryBuilder/hooks/useConnectionData.ts,
-- src/datasource/adhoc.ts, src/views/QueryEditor/hooks/useSystemDatabases.ts), answered from
-- the account's own catalog (server/sql/catalog.py), run as acct_b.

# title: builder DATABASES: one database, default
# wae: unsupported table: system.databases (WAE reads a dataset by its name)
# execute: true
# columns: ["name"]
# result: [["default"]]
SELECT name FROM system.databases ORDER BY name;
SELECT name FROM (SELECT 'default' AS name) AS databases ORDER BY name;

# title: builder TABLES: the account's datasets
# wae: unsupported table: system.tables (WAE reads a dataset by its name)
# execute: true
# columns: ["name"]
# result: [["my-dataset"],["other"],["usage_indexed_by_customer_id"],["weather"]]
SELECT name FROM system.tables WHERE database = 'default' ORDER BY name;
SELECT name FROM (SELECT 'default' AS database, dataset AS name FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency'))) AS tables WHERE database = 'default' ORDER BY name;

# title: builder TABLES of another database: none
# wae: unsupported table: system.tables (WAE reads a dataset by its name)
# execute: true
# columns: ["name"]
# result: []
SELECT name FROM system.tables WHERE database = 'usagehouse' ORDER BY name;
SELECT name FROM (SELECT 'default' AS database, dataset AS name FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency'))) AS tables WHERE database = 'usagehouse' ORDER BY name;

# title: builder DATE columns: none, so the plugin's blank choice
# wae: selection used unsupported features: UNION
# execute: true
# columns: ["name"]
# result: [[" "]]
SELECT name FROM system.columns WHERE database = 'default' AND table = 'weather' AND type IN ('Date','Date32','Nullable(Date)','Nullable(Date32)') ORDER BY name UNION ALL SELECT ' ' AS name;
SELECT * FROM (SELECT name FROM (SELECT 'default' AS database, dataset AS `table`, _column.1 AS name, _column.2 AS type, toUInt64(_column.3) AS position FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency')) ARRAY JOIN [('dataset', 'String', 1), ('timestamp', 'DateTime(''UTC'')', 2), ('_sample_interval', 'UInt32', 3), ('index1', 'String', 4), ('blob1', 'String', 5), ('blob2', 'String', 6), ('blob3', 'String', 7), ('blob4', 'String', 8), ('blob5', 'String', 9), ('blob6', 'String', 10), ('blob7', 'String', 11), ('blob8', 'String', 12), ('blob9', 'String', 13), ('blob10', 'String', 14), ('blob11', 'String', 15), ('blob12', 'String', 16), ('blob13', 'String', 17), ('blob14', 'String', 18), ('blob15', 'String', 19), ('blob16', 'String', 20), ('blob17', 'String', 21), ('blob18', 'String', 22), ('blob19', 'String', 23), ('blob20', 'String', 24), ('double1', 'Float64', 25), ('double2', 'Float64', 26), ('double3', 'Float64', 27), ('double4', 'Float64', 28), ('double5', 'Float64', 29), ('double6', 'Float64', 30), ('double7', 'Float64', 31), ('double8', 'Float64', 32), ('double9', 'Float64', 33), ('double10', 'Float64', 34), ('double11', 'Float64', 35), ('double12', 'Float64', 36), ('double13', 'Float64', 37), ('double14', 'Float64', 38), ('double15', 'Float64', 39), ('double16', 'Float64', 40), ('double17', 'Float64', 41), ('double18', 'Float64', 42), ('double19', 'Float64', 43), ('double20', 'Float64', 44)] AS _column) AS columns WHERE database = 'default' AND table = 'weather' AND type IN ('Date', 'Date32', 'Nullable(Date)', 'Nullable(Date32)') ORDER BY name UNION ALL SELECT ' ' AS name);

# title: builder DateTime columns: timestamp
# wae: unsupported table: system.columns (WAE reads a dataset by its name)
# execute: true
# columns: ["name"]
# result: [["timestamp"]]
SELECT name FROM system.columns WHERE database = 'default' AND table = 'weather' AND (substring(type,1,8) = 'DateTime' OR substring(type,10,8) = 'DateTime') AND (substring(type,1,10) != 'DateTime64' OR substring(type,10,10) != 'DateTime64')ORDER BY name;
SELECT name FROM (SELECT 'default' AS database, dataset AS `table`, _column.1 AS name, _column.2 AS type, toUInt64(_column.3) AS position FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency')) ARRAY JOIN [('dataset', 'String', 1), ('timestamp', 'DateTime(''UTC'')', 2), ('_sample_interval', 'UInt32', 3), ('index1', 'String', 4), ('blob1', 'String', 5), ('blob2', 'String', 6), ('blob3', 'String', 7), ('blob4', 'String', 8), ('blob5', 'String', 9), ('blob6', 'String', 10), ('blob7', 'String', 11), ('blob8', 'String', 12), ('blob9', 'String', 13), ('blob10', 'String', 14), ('blob11', 'String', 15), ('blob12', 'String', 16), ('blob13', 'String', 17), ('blob14', 'String', 18), ('blob15', 'String', 19), ('blob16', 'String', 20), ('blob17', 'String', 21), ('blob18', 'String', 22), ('blob19', 'String', 23), ('blob20', 'String', 24), ('double1', 'Float64', 25), ('double2', 'Float64', 26), ('double3', 'Float64', 27), ('double4', 'Float64', 28), ('double5', 'Float64', 29), ('double6', 'Float64', 30), ('double7', 'Float64', 31), ('double8', 'Float64', 32), ('double9', 'Float64', 33), ('double10', 'Float64', 34), ('double11', 'Float64', 35), ('double12', 'Float64', 36), ('double13', 'Float64', 37), ('double14', 'Float64', 38), ('double15', 'Float64', 39), ('double16', 'Float64', 40), ('double17', 'Float64', 41), ('double18', 'Float64', 42), ('double19', 'Float64', 43), ('double20', 'Float64', 44)] AS _column) AS columns WHERE database = 'default' AND table = 'weather' AND (substringUTF8(type, 1, 8) = 'DateTime' OR substringUTF8(type, 10, 8) = 'DateTime') AND (substringUTF8(type, 1, 10) <> 'DateTime64' OR substringUTF8(type, 10, 10) <> 'DateTime64') ORDER BY name;

# title: builder DateTime64 columns: none
# wae: unsupported table: system.columns (WAE reads a dataset by its name)
# execute: true
# columns: ["name"]
# result: []
SELECT name FROM system.columns WHERE database = 'default' AND table = 'weather' AND (substring(type,1,10) = 'DateTime64' OR substring(type,10,10) = 'DateTime64')ORDER BY name;
SELECT name FROM (SELECT 'default' AS database, dataset AS `table`, _column.1 AS name, _column.2 AS type, toUInt64(_column.3) AS position FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency')) ARRAY JOIN [('dataset', 'String', 1), ('timestamp', 'DateTime(''UTC'')', 2), ('_sample_interval', 'UInt32', 3), ('index1', 'String', 4), ('blob1', 'String', 5), ('blob2', 'String', 6), ('blob3', 'String', 7), ('blob4', 'String', 8), ('blob5', 'String', 9), ('blob6', 'String', 10), ('blob7', 'String', 11), ('blob8', 'String', 12), ('blob9', 'String', 13), ('blob10', 'String', 14), ('blob11', 'String', 15), ('blob12', 'String', 16), ('blob13', 'String', 17), ('blob14', 'String', 18), ('blob15', 'String', 19), ('blob16', 'String', 20), ('blob17', 'String', 21), ('blob18', 'String', 22), ('blob19', 'String', 23), ('blob20', 'String', 24), ('double1', 'Float64', 25), ('double2', 'Float64', 26), ('double3', 'Float64', 27), ('double4', 'Float64', 28), ('double5', 'Float64', 29), ('double6', 'Float64', 30), ('double7', 'Float64', 31), ('double8', 'Float64', 32), ('double9', 'Float64', 33), ('double10', 'Float64', 34), ('double11', 'Float64', 35), ('double12', 'Float64', 36), ('double13', 'Float64', 37), ('double14', 'Float64', 38), ('double15', 'Float64', 39), ('double16', 'Float64', 40), ('double17', 'Float64', 41), ('double18', 'Float64', 42), ('double19', 'Float64', 43), ('double20', 'Float64', 44)] AS _column) AS columns WHERE database = 'default' AND table = 'weather' AND (substringUTF8(type, 1, 10) = 'DateTime64' OR substringUTF8(type, 10, 10) = 'DateTime64') ORDER BY name;

# title: builder TimeStamp (UInt32) columns
# wae: unsupported table: system.columns (WAE reads a dataset by its name)
# execute: true
# columns: ["name"]
# result: [["_sample_interval"]]
SELECT name FROM system.columns WHERE database = 'default' AND table = 'weather' AND type = 'UInt32' ORDER BY name;
SELECT name FROM (SELECT 'default' AS database, dataset AS `table`, _column.1 AS name, _column.2 AS type, toUInt64(_column.3) AS position FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency')) ARRAY JOIN [('dataset', 'String', 1), ('timestamp', 'DateTime(''UTC'')', 2), ('_sample_interval', 'UInt32', 3), ('index1', 'String', 4), ('blob1', 'String', 5), ('blob2', 'String', 6), ('blob3', 'String', 7), ('blob4', 'String', 8), ('blob5', 'String', 9), ('blob6', 'String', 10), ('blob7', 'String', 11), ('blob8', 'String', 12), ('blob9', 'String', 13), ('blob10', 'String', 14), ('blob11', 'String', 15), ('blob12', 'String', 16), ('blob13', 'String', 17), ('blob14', 'String', 18), ('blob15', 'String', 19), ('blob16', 'String', 20), ('blob17', 'String', 21), ('blob18', 'String', 22), ('blob19', 'String', 23), ('blob20', 'String', 24), ('double1', 'Float64', 25), ('double2', 'Float64', 26), ('double3', 'Float64', 27), ('double4', 'Float64', 28), ('double5', 'Float64', 29), ('double6', 'Float64', 30), ('double7', 'Float64', 31), ('double8', 'Float64', 32), ('double9', 'Float64', 33), ('double10', 'Float64', 34), ('double11', 'Float64', 35), ('double12', 'Float64', 36), ('double13', 'Float64', 37), ('double14', 'Float64', 38), ('double15', 'Float64', 39), ('double16', 'Float64', 40), ('double17', 'Float64', 41), ('double18', 'Float64', 42), ('double19', 'Float64', 43), ('double20', 'Float64', 44)] AS _column) AS columns WHERE database = 'default' AND table = 'weather' AND type = 'UInt32' ORDER BY name;

# title: builder TimeStamp64 columns
# wae: unsupported table: system.columns (WAE reads a dataset by its name)
# execute: true
# columns: ["name"]
# result: [["_sample_interval"]]
SELECT name FROM system.columns WHERE database = 'default' AND table = 'weather' AND (type LIKE 'UInt%' OR type LIKE 'Int%')ORDER BY name;
SELECT name FROM (SELECT 'default' AS database, dataset AS `table`, _column.1 AS name, _column.2 AS type, toUInt64(_column.3) AS position FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency')) ARRAY JOIN [('dataset', 'String', 1), ('timestamp', 'DateTime(''UTC'')', 2), ('_sample_interval', 'UInt32', 3), ('index1', 'String', 4), ('blob1', 'String', 5), ('blob2', 'String', 6), ('blob3', 'String', 7), ('blob4', 'String', 8), ('blob5', 'String', 9), ('blob6', 'String', 10), ('blob7', 'String', 11), ('blob8', 'String', 12), ('blob9', 'String', 13), ('blob10', 'String', 14), ('blob11', 'String', 15), ('blob12', 'String', 16), ('blob13', 'String', 17), ('blob14', 'String', 18), ('blob15', 'String', 19), ('blob16', 'String', 20), ('blob17', 'String', 21), ('blob18', 'String', 22), ('blob19', 'String', 23), ('blob20', 'String', 24), ('double1', 'Float64', 25), ('double2', 'Float64', 26), ('double3', 'Float64', 27), ('double4', 'Float64', 28), ('double5', 'Float64', 29), ('double6', 'Float64', 30), ('double7', 'Float64', 31), ('double8', 'Float64', 32), ('double9', 'Float64', 33), ('double10', 'Float64', 34), ('double11', 'Float64', 35), ('double12', 'Float64', 36), ('double13', 'Float64', 37), ('double14', 'Float64', 38), ('double15', 'Float64', 39), ('double16', 'Float64', 40), ('double17', 'Float64', 41), ('double18', 'Float64', 42), ('double19', 'Float64', 43), ('double20', 'Float64', 44)] AS _column) AS columns WHERE database = 'default' AND table = 'weather' AND (type LIKE 'UInt%' OR type LIKE 'Int%') ORDER BY name;

# title: builder Float columns (the plugin's OR binds loosest, as ClickHouse reads it)
# wae: unsupported table: system.columns (WAE reads a dataset by its name)
# execute: true
# columns: ["name"]
# result: [["double1"],["double10"],["double11"],["double12"],["double13"],["double14"],["double15"],["double16"],["double17"],["double18"],["double19"],["double2"],["double20"],["double3"],["double4"],["double5"],["double6"],["double7"],["double8"],["double9"]]
SELECT name FROM system.columns WHERE database = 'default' AND table = 'weather' AND type LIKE 'Float%' OR type LIKE 'Decimal%' ORDER BY name;
SELECT name FROM (SELECT 'default' AS database, dataset AS `table`, _column.1 AS name, _column.2 AS type, toUInt64(_column.3) AS position FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency')) ARRAY JOIN [('dataset', 'String', 1), ('timestamp', 'DateTime(''UTC'')', 2), ('_sample_interval', 'UInt32', 3), ('index1', 'String', 4), ('blob1', 'String', 5), ('blob2', 'String', 6), ('blob3', 'String', 7), ('blob4', 'String', 8), ('blob5', 'String', 9), ('blob6', 'String', 10), ('blob7', 'String', 11), ('blob8', 'String', 12), ('blob9', 'String', 13), ('blob10', 'String', 14), ('blob11', 'String', 15), ('blob12', 'String', 16), ('blob13', 'String', 17), ('blob14', 'String', 18), ('blob15', 'String', 19), ('blob16', 'String', 20), ('blob17', 'String', 21), ('blob18', 'String', 22), ('blob19', 'String', 23), ('blob20', 'String', 24), ('double1', 'Float64', 25), ('double2', 'Float64', 26), ('double3', 'Float64', 27), ('double4', 'Float64', 28), ('double5', 'Float64', 29), ('double6', 'Float64', 30), ('double7', 'Float64', 31), ('double8', 'Float64', 32), ('double9', 'Float64', 33), ('double10', 'Float64', 34), ('double11', 'Float64', 35), ('double12', 'Float64', 36), ('double13', 'Float64', 37), ('double14', 'Float64', 38), ('double15', 'Float64', 39), ('double16', 'Float64', 40), ('double17', 'Float64', 41), ('double18', 'Float64', 42), ('double19', 'Float64', 43), ('double20', 'Float64', 44)] AS _column) AS columns WHERE database = 'default' AND table = 'weather' AND type LIKE 'Float%' OR type LIKE 'Decimal%' ORDER BY name;

# title: builder COLUMNS: every WAE column with its type
# wae: unsupported table: system.columns (WAE reads a dataset by its name)
# execute: true
# columns: ["text","value"]
# result: [["dataset","String"],["timestamp","DateTime('UTC')"],["_sample_interval","UInt32"],["index1","String"],["blob1","String"],["blob2","String"],["blob3","String"],["blob4","String"],["blob5","String"],["blob6","String"],["blob7","String"],["blob8","String"],["blob9","String"],["blob10","String"],["blob11","String"],["blob12","String"],["blob13","String"],["blob14","String"],["blob15","String"],["blob16","String"],["blob17","String"],["blob18","String"],["blob19","String"],["blob20","String"],["double1","Float64"],["double2","Float64"],["double3","Float64"],["double4","Float64"],["double5","Float64"],["double6","Float64"],["double7","Float64"],["double8","Float64"],["double9","Float64"],["double10","Float64"],["double11","Float64"],["double12","Float64"],["double13","Float64"],["double14","Float64"],["double15","Float64"],["double16","Float64"],["double17","Float64"],["double18","Float64"],["double19","Float64"],["double20","Float64"]]
SELECT name text, type value FROM system.columns WHERE database = 'default' AND table = 'weather';
SELECT name AS text, type AS value FROM (SELECT 'default' AS database, dataset AS `table`, _column.1 AS name, _column.2 AS type, toUInt64(_column.3) AS position FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency')) ARRAY JOIN [('dataset', 'String', 1), ('timestamp', 'DateTime(''UTC'')', 2), ('_sample_interval', 'UInt32', 3), ('index1', 'String', 4), ('blob1', 'String', 5), ('blob2', 'String', 6), ('blob3', 'String', 7), ('blob4', 'String', 8), ('blob5', 'String', 9), ('blob6', 'String', 10), ('blob7', 'String', 11), ('blob8', 'String', 12), ('blob9', 'String', 13), ('blob10', 'String', 14), ('blob11', 'String', 15), ('blob12', 'String', 16), ('blob13', 'String', 17), ('blob14', 'String', 18), ('blob15', 'String', 19), ('blob16', 'String', 20), ('blob17', 'String', 21), ('blob18', 'String', 22), ('blob19', 'String', 23), ('blob20', 'String', 24), ('double1', 'Float64', 25), ('double2', 'Float64', 26), ('double3', 'Float64', 27), ('double4', 'Float64', 28), ('double5', 'Float64', 29), ('double6', 'Float64', 30), ('double7', 'Float64', 31), ('double8', 'Float64', 32), ('double9', 'Float64', 33), ('double10', 'Float64', 34), ('double11', 'Float64', 35), ('double12', 'Float64', 36), ('double13', 'Float64', 37), ('double14', 'Float64', 38), ('double15', 'Float64', 39), ('double16', 'Float64', 40), ('double17', 'Float64', 41), ('double18', 'Float64', 42), ('double19', 'Float64', 43), ('double20', 'Float64', 44)] AS _column) AS columns WHERE database = 'default' AND table = 'weather';

# title: ad hoc filter keys: every column of every dataset (sorted, first three shown)
# wae: unsupported table: system.columns (WAE reads a dataset by its name)
# execute: true
# columns: ["database","table","name","type"]
# result: [["default","my-dataset","_sample_interval","UInt32"],["default","my-dataset","blob1","String"],["default","my-dataset","blob10","String"]]
SELECT database, table, name, type FROM system.columns WHERE database NOT IN ('system','INFORMATION_SCHEMA','information_schema') ORDER BY database, table, name LIMIT 3;
SELECT database, table, name, type FROM (SELECT 'default' AS database, dataset AS `table`, _column.1 AS name, _column.2 AS type, toUInt64(_column.3) AS position FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency')) ARRAY JOIN [('dataset', 'String', 1), ('timestamp', 'DateTime(''UTC'')', 2), ('_sample_interval', 'UInt32', 3), ('index1', 'String', 4), ('blob1', 'String', 5), ('blob2', 'String', 6), ('blob3', 'String', 7), ('blob4', 'String', 8), ('blob5', 'String', 9), ('blob6', 'String', 10), ('blob7', 'String', 11), ('blob8', 'String', 12), ('blob9', 'String', 13), ('blob10', 'String', 14), ('blob11', 'String', 15), ('blob12', 'String', 16), ('blob13', 'String', 17), ('blob14', 'String', 18), ('blob15', 'String', 19), ('blob16', 'String', 20), ('blob17', 'String', 21), ('blob18', 'String', 22), ('blob19', 'String', 23), ('blob20', 'String', 24), ('double1', 'Float64', 25), ('double2', 'Float64', 26), ('double3', 'Float64', 27), ('double4', 'Float64', 28), ('double5', 'Float64', 29), ('double6', 'Float64', 30), ('double7', 'Float64', 31), ('double8', 'Float64', 32), ('double9', 'Float64', 33), ('double10', 'Float64', 34), ('double11', 'Float64', 35), ('double12', 'Float64', 36), ('double13', 'Float64', 37), ('double14', 'Float64', 38), ('double15', 'Float64', 39), ('double16', 'Float64', 40), ('double17', 'Float64', 41), ('double18', 'Float64', 42), ('double19', 'Float64', 43), ('double20', 'Float64', 44)] AS _column) AS columns WHERE NOT (database IN ('system', 'INFORMATION_SCHEMA', 'information_schema')) ORDER BY database, table, name LIMIT 3;

# title: ad hoc filter keys, the plugin's exact text
# wae: unsupported table: system.columns (WAE reads a dataset by its name)
# execute: true
# result: any
# columns: ["database","table","name","type"]
SELECT database, table, name, type FROM system.columns WHERE database NOT IN ('system','INFORMATION_SCHEMA','information_schema') ORDER BY database, table;
SELECT database, table, name, type FROM (SELECT 'default' AS database, dataset AS `table`, _column.1 AS name, _column.2 AS type, toUInt64(_column.3) AS position FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency')) ARRAY JOIN [('dataset', 'String', 1), ('timestamp', 'DateTime(''UTC'')', 2), ('_sample_interval', 'UInt32', 3), ('index1', 'String', 4), ('blob1', 'String', 5), ('blob2', 'String', 6), ('blob3', 'String', 7), ('blob4', 'String', 8), ('blob5', 'String', 9), ('blob6', 'String', 10), ('blob7', 'String', 11), ('blob8', 'String', 12), ('blob9', 'String', 13), ('blob10', 'String', 14), ('blob11', 'String', 15), ('blob12', 'String', 16), ('blob13', 'String', 17), ('blob14', 'String', 18), ('blob15', 'String', 19), ('blob16', 'String', 20), ('blob17', 'String', 21), ('blob18', 'String', 22), ('blob19', 'String', 23), ('blob20', 'String', 24), ('double1', 'Float64', 25), ('double2', 'Float64', 26), ('double3', 'Float64', 27), ('double4', 'Float64', 28), ('double5', 'Float64', 29), ('double6', 'Float64', 30), ('double7', 'Float64', 31), ('double8', 'Float64', 32), ('double9', 'Float64', 33), ('double10', 'Float64', 34), ('double11', 'Float64', 35), ('double12', 'Float64', 36), ('double13', 'Float64', 37), ('double14', 'Float64', 38), ('double15', 'Float64', 39), ('double16', 'Float64', 40), ('double17', 'Float64', 41), ('double18', 'Float64', 42), ('double19', 'Float64', 43), ('double20', 'Float64', 44)] AS _column) AS columns WHERE NOT (database IN ('system', 'INFORMATION_SCHEMA', 'information_schema')) ORDER BY database, table;

# title: ad hoc filter keys of older plugins
# wae: unsupported table: system.columns (WAE reads a dataset by its name)
# execute: true
# result: any
# columns: ["database","table","name","type"]
SELECT database, table, name, type FROM system.columns WHERE database NOT IN ('system','INFORMATION_SCHEMA') ORDER BY database, table;
SELECT database, table, name, type FROM (SELECT 'default' AS database, dataset AS `table`, _column.1 AS name, _column.2 AS type, toUInt64(_column.3) AS position FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency')) ARRAY JOIN [('dataset', 'String', 1), ('timestamp', 'DateTime(''UTC'')', 2), ('_sample_interval', 'UInt32', 3), ('index1', 'String', 4), ('blob1', 'String', 5), ('blob2', 'String', 6), ('blob3', 'String', 7), ('blob4', 'String', 8), ('blob5', 'String', 9), ('blob6', 'String', 10), ('blob7', 'String', 11), ('blob8', 'String', 12), ('blob9', 'String', 13), ('blob10', 'String', 14), ('blob11', 'String', 15), ('blob12', 'String', 16), ('blob13', 'String', 17), ('blob14', 'String', 18), ('blob15', 'String', 19), ('blob16', 'String', 20), ('blob17', 'String', 21), ('blob18', 'String', 22), ('blob19', 'String', 23), ('blob20', 'String', 24), ('double1', 'Float64', 25), ('double2', 'Float64', 26), ('double3', 'Float64', 27), ('double4', 'Float64', 28), ('double5', 'Float64', 29), ('double6', 'Float64', 30), ('double7', 'Float64', 31), ('double8', 'Float64', 32), ('double9', 'Float64', 33), ('double10', 'Float64', 34), ('double11', 'Float64', 35), ('double12', 'Float64', 36), ('double13', 'Float64', 37), ('double14', 'Float64', 38), ('double15', 'Float64', 39), ('double16', 'Float64', 40), ('double17', 'Float64', 41), ('double18', 'Float64', 42), ('double19', 'Float64', 43), ('double20', 'Float64', 44)] AS _column) AS columns WHERE NOT (database IN ('system', 'INFORMATION_SCHEMA')) ORDER BY database, table;

# title: ad hoc filter values: default.<dataset> is the dataset
# wae: selection used unsupported features: SELECT DISTINCT
# execute: true
# columns: ["value"]
# result: [["Austin"],["London"],["Paris"],["Zürich"]]
SELECT DISTINCT blob1 AS value FROM (SELECT DISTINCT blob1 FROM default.weather LIMIT 300) ORDER BY value;
SELECT DISTINCT blob1 AS value FROM (SELECT DISTINCT blob1 FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather LIMIT 300) ORDER BY value;

# title: ad hoc filter values, the plugin's exact text
# wae: selection used unsupported features: SELECT DISTINCT
# execute: true
# result: any
# columns: ["value"]
SELECT DISTINCT blob1 AS value FROM default.weather LIMIT 300;
SELECT DISTINCT blob1 AS value FROM (SELECT blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather LIMIT 300;

# title: the editor's probe for system tables it could autocomplete from: none
# wae: unsupported table: system.tables (WAE reads a dataset by its name)
# execute: true
# columns: ["name"]
# result: []
SELECT name FROM system.tables
WHERE database='system' AND name IN (
'functions','table_engines','formats',
'table_functions','data_type_families','merge_tree_settings',
'settings','clusters','macros','storage_policies','aggregate_function_combinators',
'database','tables','dictionaries','columns'
);
SELECT name FROM (SELECT 'default' AS database, dataset AS name FROM (SELECT DISTINCT _points.dataset AS dataset FROM usagehouse.points AS _points WHERE _points.account_id = 'acct_b' AND _points.dataset NOT IN ('#counters', '#idempotency'))) AS tables WHERE database = 'system' AND name IN ('functions', 'table_engines', 'formats', 'table_functions', 'data_type_families', 'merge_tree_settings', 'settings', 'clusters', 'macros', 'storage_policies', 'aggregate_function_combinators', 'database', 'tables', 'dictionaries', 'columns');

# title: other system tables stay out of reach
# error: sql_rejected
SELECT name, is_aggregate FROM system.functions;

# title: other databases stay out of reach
# error: sql_rejected
SELECT count() FROM usagehouse.weather;

# title: the editor's autocompletion query (abridged) reads a dozen system tables: refused (the editor falls back to its built-in keywords)
# error: sql_rejected
SELECT DISTINCT arrayJoin(extractAll(name, '[\\w_]{2,}')) AS completion, color
FROM (
  SELECT name, 'identifier' AS color FROM system.functions
  UNION ALL
  SELECT name, 'keyword' AS color FROM system.table_engines
  UNION ALL
  SELECT name, 'identifier' AS color FROM system.databases
  UNION ALL
  SELECT DISTINCT name, 'identifier' AS color FROM system.tables
  UNION ALL
  SELECT DISTINCT name, 'identifier' AS color FROM system.columns
) WHERE notEmpty(completion) LIMIT 10000;
