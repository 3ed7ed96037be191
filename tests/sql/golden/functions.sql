-- Every function WAE's SQL reference documents, with WAE's semantics, run as acct_b.

# title: aggregates: count sum avg min max
# execute: true
# columns: ["count()","sum(double1)","avg(double1)","min(double1)","max(double1)"]
# result: [[5,82.25,16.45,8,31.25]]
SELECT count(), sum(double1), avg(double1), min(double1), max(double1) FROM weather;
SELECT count(), sum(double1), avg(double1), min(double1), max(double1) FROM (SELECT double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: sum and avg with DISTINCT
# execute: true
# columns: ["sumDistinct(double2)","avgDistinct(double2)"]
# result: [[320,64]]
SELECT sum(DISTINCT double2), avg(DISTINCT double2) FROM weather;
SELECT sum(DISTINCT double2), avg(DISTINCT double2) FROM (SELECT double2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: quantileExactWeighted is parametric
# execute: true
# columns: ["median_temp"]
# result: [[20]]
SELECT quantileExactWeighted(0.5)(double1, _sample_interval) AS median_temp FROM weather;
SELECT quantileExactWeighted(0.5)(double1, _sample_interval) AS median_temp FROM (SELECT _sample_interval, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: legacy quantileWeighted(q, x, w) becomes quantileExactWeighted(q)(x, w)
# execute: true
# columns: ["quantileWeighted(0.5, double1, _sample_interval)"]
# result: [[20]]
SELECT quantileWeighted(0.5, double1, _sample_interval) FROM weather;
SELECT quantileExactWeighted(0.5)(double1, _sample_interval) AS "quantileWeighted(0.5, double1, _sample_interval)" FROM (SELECT _sample_interval, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: quantileWeighted with an alias keeps the alias
# execute: true
# columns: ["q"]
# result: [[20]]
SELECT quantileWeighted(0.5, double1, _sample_interval) AS q FROM weather;
SELECT quantileExactWeighted(0.5)(double1, _sample_interval) AS q FROM (SELECT _sample_interval, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: quantileWeighted needs three arguments
# error: sql_error
SELECT quantileWeighted(0.5, double1) FROM weather;

# title: aggregates: argMax and argMin
# execute: true
# columns: ["hottest","coldest"]
# result: [["Austin","Zürich"]]
SELECT argMax(blob1, double1) AS hottest, argMin(blob1, double1) AS coldest FROM weather;
SELECT argMax(blob1, double1) AS hottest, argMin(blob1, double1) AS coldest FROM (SELECT blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: first_value and last_value
# execute: true
# columns: ["f","l"]
# result: [["London","London"]]
SELECT first_value(blob1) AS f, last_value(blob1) AS l FROM (SELECT blob1 FROM weather ORDER BY timestamp);
SELECT first_value(blob1) AS f, last_value(blob1) AS l FROM (SELECT blob1 FROM (SELECT timestamp, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp);

# title: aggregates: topK defaults to 10
# execute: true
# columns: ["topK(blob2)"]
# result: [[["GB","FR","US","CH"]]]
SELECT topK(blob2) FROM weather;
SELECT topK(10)(blob2) AS "topK(blob2)" FROM (SELECT blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: topK(N)(x)
# execute: true
# columns: ["top"]
# result: [[["GB"]]]
SELECT topK(1)(blob2) AS top FROM weather;
SELECT topK(1)(blob2) AS top FROM (SELECT blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: topKWeighted defaults to 10
# execute: true
# columns: ["top"]
# result: [[["FR","GB","US","CH"]]]
SELECT topKWeighted(blob2, _sample_interval) AS top FROM weather;
SELECT topKWeighted(10)(blob2, _sample_interval) AS top FROM (SELECT _sample_interval, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: topKWeighted(N)(x, w)
# execute: true
# columns: ["top"]
# result: [[["FR"]]]
SELECT topKWeighted(1)(blob2, _sample_interval) AS top FROM weather;
SELECT topKWeighted(1)(blob2, _sample_interval) AS top FROM (SELECT _sample_interval, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: aggregates: countIf sumIf avgIf
# execute: true
# columns: ["warm","gb","gb_avg"]
# result: [[4,3,11.5]]
SELECT countIf(double1 > 10) AS warm, sumIf(_sample_interval, blob2 = 'GB') AS gb, avgIf(double1, blob2 = 'GB') AS gb_avg FROM weather;
SELECT countIf(double1 > 10) AS warm, sumIf(_sample_interval, blob2 = 'GB') AS gb, avgIf(double1, blob2 = 'GB') AS gb_avg FROM (SELECT _sample_interval, blob2, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather;

# title: conditional: if
# execute: true
# columns: ["blob1","feel"]
# result: [["London","cold"],["Zürich","cold"],["Paris","warm"],["Austin","warm"],["London","cold"]]
SELECT blob1, if(double1 > 15, 'warm', 'cold') AS feel FROM weather ORDER BY timestamp;
SELECT blob1, if(double1 > 15, 'warm', 'cold') AS feel FROM (SELECT timestamp, blob1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp;

# title: dates: now and today run
# execute: true
# result: any
# columns: ["after","d"]
SELECT now() >= toDateTime('2023-01-01 00:00:00') AS after, today() AS d;
SELECT * FROM (SELECT now() >= toDateTime('2023-01-01 00:00:00') AS after, today() AS d);

# title: dates: toDateTime from a string, a number, a numeric string and with a zone
# execute: true
# columns: ["a","b","c","d"]
# result: [["2023-03-05 10:00:00","2023-03-05 10:00:00","2023-03-05 10:00:00","2023-03-05 10:00:00"]]
SELECT toDateTime('2023-03-05 10:00:00') AS a, toDateTime(1678010400) AS b, toDateTime('1678010400') AS c, toDateTime('2023-03-05 10:00:00', 'America/New_York') AS d;
SELECT * FROM (SELECT toDateTime('2023-03-05 10:00:00') AS a, toDateTime(1678010400) AS b, toDateTime('1678010400') AS c, toDateTime('2023-03-05 10:00:00', 'America/New_York') AS d);

# title: dates: toUnixTimestamp
# execute: true
# columns: ["t"]
# result: [[1678010400]]
SELECT toUnixTimestamp(timestamp) AS t FROM weather ORDER BY t LIMIT 1;
SELECT toUnixTimestamp(timestamp) AS t FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY t LIMIT 1;

# title: dates: formatDateTime with and without a zone
# execute: true
# columns: ["a","b"]
# result: [["2023-03-05 10","19:00"]]
SELECT formatDateTime(timestamp, '%Y-%m-%d %H') AS a, formatDateTime(timestamp, '%H:%i', 'Asia/Tokyo') AS b FROM weather ORDER BY timestamp LIMIT 1;
SELECT formatDateTime(timestamp, '%Y-%m-%d %H') AS a, formatDateTime(timestamp, '%H:%i', 'Asia/Tokyo') AS b FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp LIMIT 1;

# title: dates: toStartOfInterval with every unit
# execute: true
# columns: ["y","mo","d","h","mi","s"]
# result: [["2023-01-01","2023-03-01","2023-03-04 00:00:00","2023-03-05 06:00:00","2023-03-05 10:00:00","2023-03-05 10:05:00"]]
SELECT
  toStartOfInterval(timestamp, INTERVAL '1' YEAR) AS y,
  toStartOfInterval(timestamp, INTERVAL '1' MONTH) AS mo,
  toStartOfInterval(timestamp, INTERVAL '2' DAY) AS d,
  toStartOfInterval(timestamp, INTERVAL '6' HOUR) AS h,
  toStartOfInterval(timestamp, INTERVAL '15' MINUTE) AS mi,
  toStartOfInterval(timestamp, INTERVAL '30' SECOND) AS s
FROM weather ORDER BY timestamp LIMIT 1 OFFSET 1;
SELECT toStartOfInterval(timestamp, INTERVAL '1' YEAR) AS y, toStartOfInterval(timestamp, INTERVAL '1' MONTH) AS mo, toStartOfInterval(timestamp, INTERVAL '2' DAY) AS d, toStartOfInterval(timestamp, INTERVAL '6' HOUR) AS h, toStartOfInterval(timestamp, INTERVAL '15' MINUTE) AS mi, toStartOfInterval(timestamp, INTERVAL '30' SECOND) AS s FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp LIMIT 1 OFFSET 1;

# title: dates: toStartOfInterval with a time zone
# execute: true
# columns: ["d"]
# result: [["2023-03-05 00:00:00"]]
SELECT toStartOfInterval(timestamp, INTERVAL '1' DAY, 'Asia/Tokyo') AS d FROM weather ORDER BY timestamp LIMIT 1;
SELECT toStartOfInterval(timestamp, INTERVAL '1' DAY, 'Asia/Tokyo') AS d FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp LIMIT 1;

# title: dates: components
# execute: true
# columns: ["y","mo","d","h","mi","s","dow","ym"]
# result: [[2023,2,28,23,59,59,2,202302]]
SELECT toYear(timestamp) AS y, toMonth(timestamp) AS mo, toDayOfMonth(timestamp) AS d, toHour(timestamp) AS h, toMinute(timestamp) AS mi, toSecond(timestamp) AS s, toDayOfWeek(timestamp) AS dow, toYYYYMM(timestamp) AS ym FROM usage_indexed_by_customer_id ORDER BY timestamp LIMIT 1;
SELECT toYear(timestamp) AS y, toMonth(timestamp) AS mo, toDayOfMonth(timestamp) AS d, toHour(timestamp) AS h, toMinute(timestamp) AS mi, toSecond(timestamp) AS s, toDayOfWeek(timestamp) AS dow, toYYYYMM(timestamp) AS ym FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS usage_indexed_by_customer_id ORDER BY timestamp LIMIT 1;

# title: dates: truncations
# execute: true
# columns: ["a","b","c","d","e","f","g","h"]
# result: [["2023-01-01 00:00:00","2023-03-01 00:00:00","2023-03-06 00:00:00","2023-03-06 12:00:00","2023-03-06 12:00:00","2023-03-06 12:00:00","2023-03-06 12:00:00","2023-03-06 12:00:00"]]
SELECT toStartOfYear(timestamp) AS a, toStartOfMonth(timestamp) AS b, toStartOfDay(timestamp) AS c, toStartOfHour(timestamp) AS d, toStartOfFifteenMinutes(timestamp) AS e, toStartOfTenMinutes(timestamp) AS f, toStartOfFiveMinutes(timestamp) AS g, toStartOfMinute(timestamp) AS h FROM usage_indexed_by_customer_id ORDER BY timestamp DESC LIMIT 1 OFFSET 1;
SELECT toDateTime(toStartOfYear(timestamp)) AS a, toDateTime(toStartOfMonth(timestamp)) AS b, toStartOfDay(timestamp) AS c, toStartOfHour(timestamp) AS d, toStartOfFifteenMinutes(timestamp) AS e, toStartOfTenMinutes(timestamp) AS f, toStartOfFiveMinutes(timestamp) AS g, toStartOfMinute(timestamp) AS h FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS usage_indexed_by_customer_id ORDER BY timestamp DESC LIMIT 1 OFFSET 1;

# title: dates: toStartOfWeek starts weeks on Monday, as WAE's does
# execute: true
# columns: ["sunday_belongs_to_monday","monday"]
# result: [["2023-02-27 00:00:00","2023-03-06 00:00:00"]]
SELECT toStartOfWeek(toDateTime('2023-03-05 10:00:00')) AS sunday_belongs_to_monday, toStartOfWeek(toDateTime('2023-03-06 10:00:00')) AS monday;
SELECT * FROM (SELECT toDateTime(toStartOfWeek(toDateTime('2023-03-05 10:00:00'), 1)) AS sunday_belongs_to_monday, toDateTime(toStartOfWeek(toDateTime('2023-03-06 10:00:00'), 1)) AS monday);

# title: dates: extract each unit
# execute: true
# columns: ["y","mo","d","h","mi","s"]
# result: [[2023,2,28,23,59,59]]
SELECT extract(YEAR FROM timestamp) AS y, extract(MONTH FROM timestamp) AS mo, extract(DAY FROM timestamp) AS d, extract(HOUR FROM timestamp) AS h, extract(MINUTE FROM timestamp) AS mi, extract(SECOND FROM timestamp) AS s FROM usage_indexed_by_customer_id ORDER BY timestamp LIMIT 1;
SELECT EXTRACT(YEAR FROM timestamp) AS y, EXTRACT(MONTH FROM timestamp) AS mo, EXTRACT(DAY FROM timestamp) AS d, EXTRACT(HOUR FROM timestamp) AS h, EXTRACT(MINUTE FROM timestamp) AS mi, EXTRACT(SECOND FROM timestamp) AS s FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'usage_indexed_by_customer_id') AS usage_indexed_by_customer_id ORDER BY timestamp LIMIT 1;

# title: strings: length counts UTF-8 characters
# execute: true
# columns: ["length(blob1)"]
# result: [[6]]
SELECT length(blob1) FROM weather WHERE blob2 = 'CH';
SELECT lengthUTF8(blob1) AS "length(blob1)" FROM (SELECT blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob2 = 'CH';

# title: strings: empty and isEmpty
# execute: true
# columns: ["a","b"]
# result: [[1,0]]
SELECT empty(blob3) AS a, isEmpty(blob1) AS b FROM weather WHERE blob2 = 'CH';
SELECT empty(blob3) AS a, empty(blob1) AS b FROM (SELECT blob1, blob2, blob3 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob2 = 'CH';

# title: strings: lower and upper are ASCII only
# execute: true
# columns: ["l","u"]
# result: [["zürich","ZüRICH"]]
SELECT lower(blob1) AS l, upper(blob1) AS u FROM weather WHERE blob2 = 'CH';
SELECT lower(blob1) AS l, upper(blob1) AS u FROM (SELECT blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob2 = 'CH';

# title: strings: lowerUTF8 and upperUTF8
# execute: true
# columns: ["l","u"]
# result: [["zürich","ZÜRICH"]]
SELECT lowerUTF8(blob1) AS l, upperUTF8(blob1) AS u FROM weather WHERE blob2 = 'CH';
SELECT lowerUTF8(blob1) AS l, upperUTF8(blob1) AS u FROM (SELECT blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob2 = 'CH';

# title: strings: toLower and toUpper are Unicode-aware in WAE
# execute: true
# columns: ["toLower(blob1)","toUpper(blob1)"]
# result: [["zürich","ZÜRICH"]]
SELECT toLower(blob1), toUpper(blob1) FROM weather WHERE blob2 = 'CH';
SELECT lowerUTF8(blob1) AS "toLower(blob1)", upperUTF8(blob1) AS "toUpper(blob1)" FROM (SELECT blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob2 = 'CH';

# title: strings: startsWith and endsWith
# execute: true
# columns: ["s","e"]
# result: [[1,1]]
SELECT startsWith(blob1, 'Lon') AS s, endsWith(blob1, 'don') AS e FROM weather ORDER BY timestamp LIMIT 1;
SELECT startsWith(blob1, 'Lon') AS s, endsWith(blob1, 'don') AS e FROM (SELECT timestamp, blob1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp LIMIT 1;

# title: strings: position(needle IN haystack) counts characters, 0 when missing
# execute: true
# columns: ["p","missing"]
# result: [[3,0]]
SELECT position('r' IN blob1) AS p, position('q' IN blob1) AS missing FROM weather WHERE blob2 = 'CH';
SELECT positionUTF8(blob1, 'r') AS p, positionUTF8(blob1, 'q') AS missing FROM (SELECT blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob2 = 'CH';

# title: strings: position(haystack, needle)
# execute: true
# columns: ["position(blob1, 'ch')"]
# result: [[5]]
SELECT position(blob1, 'ch') FROM weather WHERE blob2 = 'CH';
SELECT positionUTF8(blob1, 'ch') AS "position(blob1, 'ch')" FROM (SELECT blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob2 = 'CH';

# title: strings: substring counts characters
# execute: true
# columns: ["a","b"]
# result: [["üri","rich"]]
SELECT substring(blob1, 2, 3) AS a, substring(blob1, 3) AS b FROM weather WHERE blob2 = 'CH';
SELECT substringUTF8(blob1, 2, 3) AS a, substringUTF8(blob1, 3) AS b FROM (SELECT blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather WHERE blob2 = 'CH';

# title: strings: format
# execute: true
# columns: ["s"]
# result: [["London is in GB"]]
SELECT format('{} is in {}', blob1, blob2) AS s FROM weather ORDER BY timestamp LIMIT 1;
SELECT format('{} is in {}', blob1, blob2) AS s FROM (SELECT timestamp, blob1, blob2 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp LIMIT 1;

# title: math: intDiv log ln pow abs
# execute: true
# columns: ["a","b","c","d","e"]
# result: [[3,0,0,1024,3.5]]
SELECT intDiv(7, 2) AS a, log(1) AS b, ln(1) AS c, pow(2, 10) AS d, abs(-3.5) AS e;
SELECT * FROM (SELECT intDiv(7, 2) AS a, log(1) AS b, log(1) AS c, pow(2, 10) AS d, abs(-3.5) AS e);

# title: math: round floor ceil with decimal places
# execute: true
# columns: ["a","b","c","d","e","f"]
# result: [[3.14,3.1,3.142,2,-2,2]]
SELECT round(3.14159, 2) AS a, floor(3.14159, 1) AS b, ceil(3.14159, 3) AS c, round(2.5) AS d, floor(-1.5) AS e, ceil(1.2) AS f;
SELECT * FROM (SELECT round(3.14159, 2) AS a, floor(3.14159, 1) AS b, ceil(3.14159, 3) AS c, round(2.5) AS d, floor(-1.5) AS e, ceil(1.2) AS f);

# title: bits: every bit function
# execute: true
# columns: ["a","b","c","d","e","f","g","h","i","j","k"]
# result: [[8,14,6,254,8,1,3,129,16,4,1]]
SELECT bitAnd(12, 10) AS a, bitOr(12, 10) AS b, bitXor(12, 10) AS c, bitNot(toUInt8(1)) AS d, bitCount(255) AS e, bitHammingDistance(1, 3) AS f, bitRotateLeft(toUInt8(129), 1) AS g, bitRotateRight(toUInt8(3), 1) AS h, bitShiftLeft(1, 4) AS i, bitShiftRight(16, 2) AS j, bitTest(5, 0) AS k;
SELECT * FROM (SELECT bitAnd(12, 10) AS a, bitOr(12, 10) AS b, bitXor(12, 10) AS c, bitNot(toUInt8(1)) AS d, bitCount(255) AS e, bitHammingDistance(1, 3) AS f, bitRotateLeft(toUInt8(129), 1) AS g, bitRotateRight(toUInt8(3), 1) AS h, bitShiftLeft(1, 4) AS i, bitShiftRight(16, 2) AS j, bitTest(5, 0) AS k);

# title: encoding: hex and bin of numbers and strings
# execute: true
# columns: ["a","b","c","d"]
# result: [["FF","4142","00000101","01000001"]]
SELECT hex(255) AS a, hex('AB') AS b, bin(5) AS c, bin('A') AS d;
SELECT * FROM (SELECT hex(255) AS a, hex('AB') AS b, bin(5) AS c, bin('A') AS d);

# title: conversion: toUInt32 and toUInt8 of numbers and decimal strings
# execute: true
# columns: ["a","b","c","t"]
# result: [[3,42,7,1678010400]]
SELECT toUInt32(3.9) AS a, toUInt32('42') AS b, toUInt8('7') AS c, toUInt32(timestamp) AS t FROM weather ORDER BY timestamp LIMIT 1;
SELECT toUInt32(3.9) AS a, toUInt32('42') AS b, toUInt8('7') AS c, toUInt32(timestamp) AS t FROM (SELECT timestamp FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather ORDER BY timestamp LIMIT 1;

# title: names: function names are case-insensitive and rendered in their canonical case
# execute: true
# columns: ["a","b","c","d","e"]
# result: [[7,"2023-03-05 00:00:00",202303,4,["eu"]],[2,"2023-03-06 00:00:00",202303,1,["eu"]]]
SELECT SUM(_sample_interval) AS a, TOSTARTOFINTERVAL(timestamp, INTERVAL '1' DAY) AS b, toyyyymm(timestamp) AS c, COUNTIF(double1 > 0) AS d, TOPK(1)(index1) AS e FROM weather GROUP BY b, c ORDER BY b;
SELECT sum(_sample_interval) AS a, toStartOfInterval(timestamp, INTERVAL '1' DAY) AS b, toYYYYMM(timestamp) AS c, countIf(double1 > 0) AS d, topK(1)(index1) AS e FROM (SELECT timestamp, _sample_interval, index1, double1 FROM usagehouse.points AS _points PREWHERE _points.account_id = 'acct_b' AND _points.dataset = 'weather') AS weather GROUP BY b, c ORDER BY b;
