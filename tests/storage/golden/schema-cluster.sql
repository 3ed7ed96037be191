CREATE DATABASE IF NOT EXISTS usagehouse ON CLUSTER 'usagehouse';

CREATE TABLE IF NOT EXISTS usagehouse.points_local ON CLUSTER 'usagehouse' (
    account_id LowCardinality(String),
    dataset LowCardinality(String),
    timestamp DateTime('UTC'),
    _sample_interval UInt32 DEFAULT 1,
    index1 String,
    _blobs Array(Nullable(String)) EPHEMERAL,
    _doubles Array(Float64) EPHEMERAL,
    blob1 String DEFAULT ifNull(_blobs[1], ''),
    blob2 String DEFAULT ifNull(_blobs[2], ''),
    blob3 String DEFAULT ifNull(_blobs[3], ''),
    blob4 String DEFAULT ifNull(_blobs[4], ''),
    blob5 String DEFAULT ifNull(_blobs[5], ''),
    blob6 String DEFAULT ifNull(_blobs[6], ''),
    blob7 String DEFAULT ifNull(_blobs[7], ''),
    blob8 String DEFAULT ifNull(_blobs[8], ''),
    blob9 String DEFAULT ifNull(_blobs[9], ''),
    blob10 String DEFAULT ifNull(_blobs[10], ''),
    blob11 String DEFAULT ifNull(_blobs[11], ''),
    blob12 String DEFAULT ifNull(_blobs[12], ''),
    blob13 String DEFAULT ifNull(_blobs[13], ''),
    blob14 String DEFAULT ifNull(_blobs[14], ''),
    blob15 String DEFAULT ifNull(_blobs[15], ''),
    blob16 String DEFAULT ifNull(_blobs[16], ''),
    blob17 String DEFAULT ifNull(_blobs[17], ''),
    blob18 String DEFAULT ifNull(_blobs[18], ''),
    blob19 String DEFAULT ifNull(_blobs[19], ''),
    blob20 String DEFAULT ifNull(_blobs[20], ''),
    double1 Float64 DEFAULT _doubles[1],
    double2 Float64 DEFAULT _doubles[2],
    double3 Float64 DEFAULT _doubles[3],
    double4 Float64 DEFAULT _doubles[4],
    double5 Float64 DEFAULT _doubles[5],
    double6 Float64 DEFAULT _doubles[6],
    double7 Float64 DEFAULT _doubles[7],
    double8 Float64 DEFAULT _doubles[8],
    double9 Float64 DEFAULT _doubles[9],
    double10 Float64 DEFAULT _doubles[10],
    double11 Float64 DEFAULT _doubles[11],
    double12 Float64 DEFAULT _doubles[12],
    double13 Float64 DEFAULT _doubles[13],
    double14 Float64 DEFAULT _doubles[14],
    double15 Float64 DEFAULT _doubles[15],
    double16 Float64 DEFAULT _doubles[16],
    double17 Float64 DEFAULT _doubles[17],
    double18 Float64 DEFAULT _doubles[18],
    double19 Float64 DEFAULT _doubles[19],
    double20 Float64 DEFAULT _doubles[20],
    _batch UInt64 DEFAULT 0,
    INDEX batch_minmax _batch TYPE minmax GRANULARITY 1
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/usagehouse/points_local', '{replica}')
PARTITION BY toYYYYMM(timestamp)
ORDER BY (account_id, dataset, index1, timestamp)
TTL timestamp + INTERVAL 92 DAY DELETE WHERE dataset NOT IN ('#counters', '#idempotency'), timestamp + INTERVAL 730 DAY DELETE WHERE dataset = '#counters', toDateTime(intDiv(_batch, 1024000000)) + INTERVAL 1 DAY DELETE WHERE dataset = '#idempotency'
SETTINGS min_bytes_for_wide_part = 268435456;

CREATE TABLE IF NOT EXISTS usagehouse.meter_starts_local ON CLUSTER 'usagehouse' (
    meter String,
    batch UInt64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/usagehouse/meter_starts_local', '{replica}')
ORDER BY meter;

CREATE TABLE IF NOT EXISTS usagehouse.points ON CLUSTER 'usagehouse' AS usagehouse.points_local
ENGINE = Distributed('usagehouse', 'usagehouse', 'points_local', cityHash64(_batch));

CREATE TABLE IF NOT EXISTS usagehouse.meter_starts ON CLUSTER 'usagehouse' AS usagehouse.meter_starts_local
ENGINE = Distributed('usagehouse', 'usagehouse', 'meter_starts_local', cityHash64(meter));

CREATE TABLE IF NOT EXISTS usagehouse.points_r10_local ON CLUSTER 'usagehouse' (
    account_id LowCardinality(String),
    dataset LowCardinality(String),
    timestamp DateTime('UTC'),
    _sample_interval UInt32 DEFAULT 1,
    index1 String,
    _blobs Array(Nullable(String)) EPHEMERAL,
    _doubles Array(Float64) EPHEMERAL,
    blob1 String DEFAULT ifNull(_blobs[1], ''),
    blob2 String DEFAULT ifNull(_blobs[2], ''),
    blob3 String DEFAULT ifNull(_blobs[3], ''),
    blob4 String DEFAULT ifNull(_blobs[4], ''),
    blob5 String DEFAULT ifNull(_blobs[5], ''),
    blob6 String DEFAULT ifNull(_blobs[6], ''),
    blob7 String DEFAULT ifNull(_blobs[7], ''),
    blob8 String DEFAULT ifNull(_blobs[8], ''),
    blob9 String DEFAULT ifNull(_blobs[9], ''),
    blob10 String DEFAULT ifNull(_blobs[10], ''),
    blob11 String DEFAULT ifNull(_blobs[11], ''),
    blob12 String DEFAULT ifNull(_blobs[12], ''),
    blob13 String DEFAULT ifNull(_blobs[13], ''),
    blob14 String DEFAULT ifNull(_blobs[14], ''),
    blob15 String DEFAULT ifNull(_blobs[15], ''),
    blob16 String DEFAULT ifNull(_blobs[16], ''),
    blob17 String DEFAULT ifNull(_blobs[17], ''),
    blob18 String DEFAULT ifNull(_blobs[18], ''),
    blob19 String DEFAULT ifNull(_blobs[19], ''),
    blob20 String DEFAULT ifNull(_blobs[20], ''),
    double1 Float64 DEFAULT _doubles[1],
    double2 Float64 DEFAULT _doubles[2],
    double3 Float64 DEFAULT _doubles[3],
    double4 Float64 DEFAULT _doubles[4],
    double5 Float64 DEFAULT _doubles[5],
    double6 Float64 DEFAULT _doubles[6],
    double7 Float64 DEFAULT _doubles[7],
    double8 Float64 DEFAULT _doubles[8],
    double9 Float64 DEFAULT _doubles[9],
    double10 Float64 DEFAULT _doubles[10],
    double11 Float64 DEFAULT _doubles[11],
    double12 Float64 DEFAULT _doubles[12],
    double13 Float64 DEFAULT _doubles[13],
    double14 Float64 DEFAULT _doubles[14],
    double15 Float64 DEFAULT _doubles[15],
    double16 Float64 DEFAULT _doubles[16],
    double17 Float64 DEFAULT _doubles[17],
    double18 Float64 DEFAULT _doubles[18],
    double19 Float64 DEFAULT _doubles[19],
    double20 Float64 DEFAULT _doubles[20],
    _batch UInt64 DEFAULT 0,
    INDEX batch_minmax _batch TYPE minmax GRANULARITY 1
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/usagehouse/points_r10_local', '{replica}')
PARTITION BY toYYYYMM(timestamp)
ORDER BY (account_id, dataset, index1, timestamp)
TTL timestamp + INTERVAL 92 DAY DELETE WHERE dataset NOT IN ('#counters', '#idempotency'), timestamp + INTERVAL 730 DAY DELETE WHERE dataset = '#counters', toDateTime(intDiv(_batch, 1024000000)) + INTERVAL 1 DAY DELETE WHERE dataset = '#idempotency'
SETTINGS min_bytes_for_wide_part = 268435456;

CREATE TABLE IF NOT EXISTS usagehouse.points_r10 ON CLUSTER 'usagehouse' AS usagehouse.points_r10_local
ENGINE = Distributed('usagehouse', 'usagehouse', 'points_r10_local', cityHash64(_batch));

CREATE MATERIALIZED VIEW IF NOT EXISTS usagehouse.points_r10_mv ON CLUSTER 'usagehouse' TO usagehouse.points_r10_local AS SELECT account_id, dataset, timestamp, toUInt32(least(_sample_interval * 10, 4294967295)) AS _sample_interval, index1, blob1, blob2, blob3, blob4, blob5, blob6, blob7, blob8, blob9, blob10, blob11, blob12, blob13, blob14, blob15, blob16, blob17, blob18, blob19, blob20, double1, double2, double3, double4, double5, double6, double7, double8, double9, double10, double11, double12, double13, double14, double15, double16, double17, double18, double19, double20, _batch FROM usagehouse.points_local WHERE dataset NOT IN ('#counters', '#idempotency') AND cityHash64(_batch, rowNumberInBlock(), index1, timestamp) % 10 = 0;

CREATE TABLE IF NOT EXISTS usagehouse.points_r100_local ON CLUSTER 'usagehouse' (
    account_id LowCardinality(String),
    dataset LowCardinality(String),
    timestamp DateTime('UTC'),
    _sample_interval UInt32 DEFAULT 1,
    index1 String,
    _blobs Array(Nullable(String)) EPHEMERAL,
    _doubles Array(Float64) EPHEMERAL,
    blob1 String DEFAULT ifNull(_blobs[1], ''),
    blob2 String DEFAULT ifNull(_blobs[2], ''),
    blob3 String DEFAULT ifNull(_blobs[3], ''),
    blob4 String DEFAULT ifNull(_blobs[4], ''),
    blob5 String DEFAULT ifNull(_blobs[5], ''),
    blob6 String DEFAULT ifNull(_blobs[6], ''),
    blob7 String DEFAULT ifNull(_blobs[7], ''),
    blob8 String DEFAULT ifNull(_blobs[8], ''),
    blob9 String DEFAULT ifNull(_blobs[9], ''),
    blob10 String DEFAULT ifNull(_blobs[10], ''),
    blob11 String DEFAULT ifNull(_blobs[11], ''),
    blob12 String DEFAULT ifNull(_blobs[12], ''),
    blob13 String DEFAULT ifNull(_blobs[13], ''),
    blob14 String DEFAULT ifNull(_blobs[14], ''),
    blob15 String DEFAULT ifNull(_blobs[15], ''),
    blob16 String DEFAULT ifNull(_blobs[16], ''),
    blob17 String DEFAULT ifNull(_blobs[17], ''),
    blob18 String DEFAULT ifNull(_blobs[18], ''),
    blob19 String DEFAULT ifNull(_blobs[19], ''),
    blob20 String DEFAULT ifNull(_blobs[20], ''),
    double1 Float64 DEFAULT _doubles[1],
    double2 Float64 DEFAULT _doubles[2],
    double3 Float64 DEFAULT _doubles[3],
    double4 Float64 DEFAULT _doubles[4],
    double5 Float64 DEFAULT _doubles[5],
    double6 Float64 DEFAULT _doubles[6],
    double7 Float64 DEFAULT _doubles[7],
    double8 Float64 DEFAULT _doubles[8],
    double9 Float64 DEFAULT _doubles[9],
    double10 Float64 DEFAULT _doubles[10],
    double11 Float64 DEFAULT _doubles[11],
    double12 Float64 DEFAULT _doubles[12],
    double13 Float64 DEFAULT _doubles[13],
    double14 Float64 DEFAULT _doubles[14],
    double15 Float64 DEFAULT _doubles[15],
    double16 Float64 DEFAULT _doubles[16],
    double17 Float64 DEFAULT _doubles[17],
    double18 Float64 DEFAULT _doubles[18],
    double19 Float64 DEFAULT _doubles[19],
    double20 Float64 DEFAULT _doubles[20],
    _batch UInt64 DEFAULT 0,
    INDEX batch_minmax _batch TYPE minmax GRANULARITY 1
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/usagehouse/points_r100_local', '{replica}')
PARTITION BY toYYYYMM(timestamp)
ORDER BY (account_id, dataset, index1, timestamp)
TTL timestamp + INTERVAL 92 DAY DELETE WHERE dataset NOT IN ('#counters', '#idempotency'), timestamp + INTERVAL 730 DAY DELETE WHERE dataset = '#counters', toDateTime(intDiv(_batch, 1024000000)) + INTERVAL 1 DAY DELETE WHERE dataset = '#idempotency'
SETTINGS min_bytes_for_wide_part = 268435456;

CREATE TABLE IF NOT EXISTS usagehouse.points_r100 ON CLUSTER 'usagehouse' AS usagehouse.points_r100_local
ENGINE = Distributed('usagehouse', 'usagehouse', 'points_r100_local', cityHash64(_batch));

CREATE MATERIALIZED VIEW IF NOT EXISTS usagehouse.points_r100_mv ON CLUSTER 'usagehouse' TO usagehouse.points_r100_local AS SELECT account_id, dataset, timestamp, toUInt32(least(_sample_interval * 100, 4294967295)) AS _sample_interval, index1, blob1, blob2, blob3, blob4, blob5, blob6, blob7, blob8, blob9, blob10, blob11, blob12, blob13, blob14, blob15, blob16, blob17, blob18, blob19, blob20, double1, double2, double3, double4, double5, double6, double7, double8, double9, double10, double11, double12, double13, double14, double15, double16, double17, double18, double19, double20, _batch FROM usagehouse.points_local WHERE dataset NOT IN ('#counters', '#idempotency') AND cityHash64(_batch, rowNumberInBlock(), index1, timestamp) % 100 = 0;
