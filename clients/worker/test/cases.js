// Arguments for writeDataPoint(): run through workerd's real binding and ours side by side
// (tests/clients/test_worker_binding.py) and checked in plain node (binding.test.js).
// Each case builds fresh values, so getters and buffers are never shared between runs.

const bytes = (n, fill = 65) => new Uint8Array(n).fill(fill).buffer;
const many = (n, value) => Array.from({ length: n }, () => value);

export const CASES = {
  no_argument: () => [],
  undefined_argument: () => [undefined],
  null_argument: () => [null],
  empty_object: () => [{}],
  string_argument: () => ["hello"],
  number_argument: () => [5],
  boolean_argument: () => [true],
  array_argument: () => [["a"]],
  recipe: () => [{ indexes: ["customer-42"], blobs: ["/api/export"] }],
  recipe_old_docs_blobs_object: () => [{ indexes: ["c"], blobs: { customer_id: "c", request_endpoint: "/x" } }],
  unknown_keys_ignored: () => [{ indexes: ["a"], blob: ["typo"], timestamp: 5, foo: 1 }],
  inherited_fields: () => [Object.create({ indexes: ["inherited"] })],
  index_empty_array: () => [{ indexes: [] }],
  index_null: () => [{ indexes: [null] }],
  index_undefined: () => [{ indexes: [undefined] }],
  index_number: () => [{ indexes: [123] }],
  index_boolean: () => [{ indexes: [true] }],
  index_object: () => [{ indexes: [{}] }],
  index_bigint: () => [{ indexes: [10n] }],
  index_string_object: () => [{ indexes: [new String("boxed")] }],
  index_arraybuffer: () => [{ indexes: [bytes(3)] }],
  index_typed_array: () => [{ indexes: [new Uint8Array([104, 105])] }],
  index_dataview: () => [{ indexes: [new DataView(bytes(2, 66))] }],
  index_96_bytes: () => [{ indexes: ["x".repeat(96)] }],
  index_97_bytes: () => [{ indexes: ["x".repeat(97)] }],
  index_96_utf8_bytes: () => [{ indexes: ["é".repeat(48)] }],
  index_98_utf8_bytes: () => [{ indexes: ["é".repeat(49)] }],
  index_97_arraybuffer: () => [{ indexes: [bytes(97)] }],
  index_two: () => [{ indexes: ["a", "b"] }],
  index_two_nulls: () => [{ indexes: [null, null] }],
  index_hole_then_value: () => [{ indexes: [, "a"] }], // eslint-disable-line no-sparse-arrays
  index_symbol: () => [{ indexes: [Symbol("s")] }],
  index_symbol_before_count: () => [{ indexes: ["a", Symbol("s")] }],
  indexes_string: () => [{ indexes: "abc" }],
  indexes_null: () => [{ indexes: null }],
  indexes_array_like: () => [{ indexes: { 0: "a", length: 1 } }],
  indexes_set: () => [{ indexes: new Set(["a"]) }],
  blobs_coerced: () => [{ blobs: [1, 2.5, true, null, undefined, "s", -0, 1e21, NaN, 10n] }],
  blobs_objects: () => [{ blobs: [{}, [1, 2], { toString: () => "custom" }, new Number(3)] }],
  blobs_numbers_printed: () => [{ blobs: [-1.5, 0.1 + 0.2, 1e-7, 123456789012345680000] }],
  blobs_bytes: () => [{ blobs: [bytes(2), new Uint8Array([66, 67])] }],
  blobs_holes: () => [{ blobs: [, "b", , "d"] }], // eslint-disable-line no-sparse-arrays
  blobs_20: () => [{ blobs: many(20, "a") }],
  blobs_21: () => [{ blobs: many(21, "a") }],
  blobs_21_nulls: () => [{ blobs: many(21, null) }],
  blobs_16000_bytes: () => [{ blobs: ["x".repeat(8000), "y".repeat(8000)] }],
  blobs_16001_bytes: () => [{ blobs: ["x".repeat(8000), "y".repeat(8001)] }],
  blobs_16001_utf8_bytes: () => [{ blobs: ["é".repeat(4000), "y".repeat(8001)] }],
  blobs_null_does_not_count: () => [{ blobs: [null, "x".repeat(16000)] }],
  blobs_symbol: () => [{ blobs: [Symbol("b")] }],
  blobs_string: () => [{ blobs: "abc" }],
  blobs_null: () => [{ blobs: null }],
  blobs_typed_array: () => [{ blobs: new Uint8Array([1, 2]) }],
  doubles_numeric_strings: () => [{ doubles: ["12", " 3 ", "0x10", "", "1e3", "+5", ".5", "0b11"] }],
  doubles_coerced: () => [{ doubles: [null, true, false, [], [5], { valueOf: () => 7 }, new Date(5)] }],
  doubles_not_numbers: () => [{ doubles: ["abc", undefined, {}, NaN, Infinity, -Infinity] }],
  doubles_hole: () => [{ doubles: [, 2] }], // eslint-disable-line no-sparse-arrays
  doubles_20: () => [{ doubles: many(20, 1.5) }],
  doubles_21: () => [{ doubles: many(21, 1) }],
  doubles_bigint: () => [{ doubles: [1n] }],
  doubles_symbol: () => [{ doubles: [Symbol("d")] }],
  doubles_string: () => [{ doubles: "5" }],
  doubles_number: () => [{ doubles: 5 }],
  doubles_typed_array: () => [{ doubles: new Float64Array([1, 2]) }],
  order_indexes_before_blobs: () => [{ indexes: ["a", "b"], blobs: many(21, "a") }],
  order_blobs_before_doubles: () => [{ doubles: many(21, 1), blobs: many(21, "a") }],
  order_conversion_before_limits: () => [{ indexes: ["a", "b"], blobs: [Symbol("b")] }],
  order_indexes_then_doubles: () => [{ indexes: [Symbol("i")], doubles: [1n] }],
  order_doubles_then_blobs: () => [{ blobs: [Symbol("b")], doubles: [1n] }],
  order_getters: () => [
    {
      get blobs() {
        throw new Error("blobs getter");
      },
      get doubles() {
        throw new Error("doubles getter");
      },
      get indexes() {
        throw new Error("indexes getter");
      },
    },
  ],
  all_fields: () => [{ indexes: ["all"], blobs: many(20, "b"), doubles: many(20, 2) }],
};

