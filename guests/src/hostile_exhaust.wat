;; hostile_exhaust.wat - a guest that tries to exhaust what a multi-tenant host shares: handles
;; (allocating in a loop, by alloc, alloc_batch or lease) and address space (creating regions in
;; a loop). Its tenant quota (dev.tvm.chicory.TenantQuota, docs/raw-abi.md "Quotas") must stop it
;; with the documented code while the host and the other tenants go on. Host test: tvm-chicory's
;; dev.tvm.chicory.hostile.HostileExhaustionTest.
;;
;; Exports: memory (1 page), exhaust_handles, reserve_forever, last_code. Only MVP instructions.
(module
  (import "tvm" "region_create" (func $region_create (param i32 i64 i32) (result i32)))
  (import "tvm" "alloc"         (func $alloc         (param i32 i64) (result i64)))
  (import "tvm" "alloc_batch"   (func $alloc_batch   (param i32 i64 i32 i32) (result i32)))
  (import "tvm" "lease"         (func $lease         (param i32 i64) (result i64)))
  (import "tvm" "last_error"    (func $last_error    (result i32)))

  (memory (export "memory") 1)

  ;; The code of the failure that ended the last loop (0 if it hit its bound instead).
  (global $code (mut i32) (i32.const 0))

  (func (export "last_code") (result i32) (global.get $code))

  ;; exhaust_handles(mode, size, max) -> i64: creates a 4 GiB OBJECT_ARENA region (mode 0, 2) or
  ;; BLOB_ARENA region (mode 1), then allocates size-byte allocations until a call fails or max
  ;; were made: mode 0 alloc, 1 alloc_batch of 256 (handles written at 0x1000), 2 lease.
  ;; Returns the number made (or the region_create error); last_code() says why it stopped.
  (func (export "exhaust_handles") (param $mode i32) (param $size i64) (param $max i64) (result i64)
    (local $region i32) (local $n i64) (local $r i32)
    (global.set $code (i32.const 0))
    (local.set $region
      (call $region_create (select (i32.const 2) (i32.const 1) (i32.eq (local.get $mode) (i32.const 1)))
                           (i64.const 0) (i32.const 0)))
    (if (i32.lt_s (local.get $region) (i32.const 0))
      (then
        (global.set $code (local.get $region))
        (return (i64.extend_i32_s (local.get $region)))))
    (block $done
      (loop $more
        (br_if $done (i64.ge_u (local.get $n) (local.get $max)))
        (if (i32.eq (local.get $mode) (i32.const 1))
          (then
            (local.set $r (call $alloc_batch (local.get $region) (local.get $size) (i32.const 256)
                                             (i32.const 0x1000)))
            (if (i32.lt_s (local.get $r) (i32.const 0))
              (then (global.set $code (local.get $r)) (br $done)))
            (local.set $n (i64.add (local.get $n) (i64.const 256))))
          (else
            (if (i64.eqz
                  (if (result i64) (i32.eqz (local.get $mode))
                    (then (call $alloc (local.get $region) (local.get $size)))
                    (else (call $lease (local.get $region) (local.get $size)))))
              (then (global.set $code (call $last_error)) (br $done)))
            (local.set $n (i64.add (local.get $n) (i64.const 1)))))
        (br $more)))
    (local.get $n))

  ;; reserve_forever(capacity, max) -> i32: creates BLOB_ARENA regions of capacity bytes (0 = 4
  ;; GiB) until region_create fails or max were made; returns how many. last_code() says why.
  (func (export "reserve_forever") (param $capacity i64) (param $max i32) (result i32)
    (local $n i32) (local $r i32)
    (global.set $code (i32.const 0))
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get $n) (local.get $max)))
        (local.set $r (call $region_create (i32.const 2) (local.get $capacity) (i32.const 0)))
        (if (i32.lt_s (local.get $r) (i32.const 0))
          (then (global.set $code (local.get $r)) (br $done)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $more)))
    (local.get $n))
)
