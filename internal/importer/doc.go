// Package importer reads and writes the vendor's ERP import files (SPEC §5):
// JSONL with company, msa, order and price records, and CSV with one row per
// order line (orders only).
//
// Reading checks syntax and types only and reports every problem, each with
// its file, line and field (a JSON-style path such as "lines[2].quantity"
// in JSONL, a column name in CSV), then goes on with the next line. The
// rules on values and references (key syntax, positive quantities, dates in
// order, known companies and MSAs, new PO numbers…) are checked by
// [entitle.Batch.Validate], which the caller runs on the returned batch. To
// report each problem once, a record with a syntax or type problem is left
// out of the batch, while a missing field or a JSON null is read as the zero
// value for Validate to report ("required"). A consequence: records that
// refer to a left-out company or MSA are reported by Validate as referring
// to an unknown one.
//
// JSONL lines are scanned by a small strict JSON scanner of this package
// rather than encoding/json, so that every unknown and repeated field of a
// record is reported, with no reflection and few allocations (imports run
// to hundreds of thousands of orders). A line longer than 16 MiB is reported
// and skipped without being held in memory.
//
// [Stream] reads a JSONL file without holding its orders: they are read
// again from the file, as the import writes them, so that an import's
// memory does not grow with the number of orders.
package importer
