;; regions.wat - example guest that reads regions natively as imported memories
;; (multi-memory). Memory 0 is the region bound as "heap", memory 1 the one bound
;; as "blob" (dev.tvm.chicory.RegionImports); memory 2 is the guest's own.
;; Addresses come from tvm.address_of(handle): an allocation's bytes start there.
(module
  (import "tvm" "address_of" (func $address_of (param i64) (result i64)))
  (import "tvm-region" "heap" (memory $heap 1))
  (import "tvm-region" "blob" (memory $blob 1))
  (memory $own (export "memory") 1)

  ;; The address of a handle's allocation, or the negative error.
  (func (export "address") (param $h i64) (result i64)
    (call $address_of (local.get $h)))

  ;; Walks a list in "heap": node = { i64 value @0, i32 next address @8 (0 ends) }.
  ;; Returns the sum of the values.
  (func (export "list_sum") (param $node i32) (result i64)
    (local $sum i64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $node)))
        (local.set $sum (i64.add (local.get $sum) (i64.load $heap (local.get $node))))
        (local.set $node (i32.load $heap offset=8 (local.get $node)))
        (br $next)))
    (local.get $sum))

  ;; Columnar filter + sum over "blob": the sum of the i64 values at
  ;; [base, base + 8n) that are greater than $threshold.
  (func (export "filter_sum") (param $base i32) (param $n i32) (param $threshold i64) (result i64)
    (local $sum i64) (local $end i32) (local $v i64)
    (local.set $end (i32.add (local.get $base) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $base) (local.get $end)))
        (local.set $v (i64.load $blob (local.get $base)))
        (if (i64.gt_s (local.get $v) (local.get $threshold))
          (then (local.set $sum (i64.add (local.get $sum) (local.get $v)))))
        (local.set $base (i32.add (local.get $base) (i32.const 8)))
        (br $next)))
    (local.get $sum))

  ;; Sums n i64 words of "blob" from base, unrolled by four.
  (func (export "blob_sum") (param $base i32) (param $n i32) (result i64)
    (local $sum i64) (local $end i32)
    (local.set $end (i32.add (local.get $base) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $base) (local.get $end)))
        (local.set $sum (i64.add (local.get $sum)
          (i64.add (i64.add (i64.load $blob (local.get $base)) (i64.load $blob offset=8 (local.get $base)))
                   (i64.add (i64.load $blob offset=16 (local.get $base)) (i64.load $blob offset=24 (local.get $base))))))
        (local.set $base (i32.add (local.get $base) (i32.const 32)))
        (br $next)))
    (local.get $sum))

  ;; Stores into "blob" (which traps when the region is read-only).
  (func (export "poke_blob") (param $addr i32) (param $v i64)
    (i64.store $blob (local.get $addr) (local.get $v)))

  ;; Stores into "heap".
  (func (export "poke_heap") (param $addr i32) (param $v i64)
    (i64.store $heap (local.get $addr) (local.get $v)))
)
