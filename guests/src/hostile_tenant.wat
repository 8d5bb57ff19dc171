;; hostile_tenant.wat - a guest that reaches for another tenant's regions through the raw ABI
;; (docs/raw-abi.md). The same module also plays the victim: own_setup makes a region holding a
;; 256-byte allocation of (i*7+seed) & 0xFF. An attacker instance, bound to the same directory
;; through its own TvmImports, is handed the victim's region reference and handle and tries
;; every function on them; all must fail with ACCESS_DENIED. Host test:
;; tvm-chicory's dev.tvm.chicory.hostile.HostileTenantTest.
;;
;; Exports: memory (1 page), own_setup, own_region, own_handle, checksum, attack_foreign
;; (writes its codes as i32s at 0x2000, returns their count), foreign_load, foreign_store,
;; scan, pin_n, unpin_n. Only MVP instructions are used.
(module
  ;; ------------------------------------------------------------- imports
  (import "tvm" "region_create"   (func $region_create   (param i32 i64 i32) (result i32)))
  (import "tvm" "region_destroy"  (func $region_destroy  (param i32) (result i32)))
  (import "tvm" "region_describe" (func $region_describe (param i32 i32) (result i32)))
  (import "tvm" "alloc"           (func $alloc           (param i32 i64) (result i64)))
  (import "tvm" "alloc_batch"     (func $alloc_batch     (param i32 i64 i32 i32) (result i32)))
  (import "tvm" "lease"           (func $lease           (param i32 i64) (result i64)))
  (import "tvm" "free"            (func $free            (param i64) (result i32)))
  (import "tvm" "size_of"         (func $size_of         (param i64) (result i64)))
  (import "tvm" "read"            (func $read            (param i64 i64 i32 i32) (result i32)))
  (import "tvm" "write"           (func $write           (param i64 i64 i32 i32) (result i32)))
  (import "tvm" "copy"            (func $copy            (param i64 i64 i64 i64 i64) (result i32)))
  (import "tvm" "fill"            (func $fill            (param i64 i64 i64 i32) (result i32)))
  (import "tvm" "load_i32"        (func $load_i32        (param i64 i64) (result i32)))
  (import "tvm" "load_i64"        (func $load_i64        (param i64 i64) (result i64)))
  (import "tvm" "load_f32"        (func $load_f32        (param i64 i64) (result f32)))
  (import "tvm" "load_f64"        (func $load_f64        (param i64 i64) (result f64)))
  (import "tvm" "store_i32"       (func $store_i32       (param i64 i64 i32)))
  (import "tvm" "store_i64"       (func $store_i64       (param i64 i64 i64)))
  (import "tvm" "store_f32"       (func $store_f32       (param i64 i64 f32)))
  (import "tvm" "store_f64"       (func $store_f64       (param i64 i64 f64)))
  (import "tvm" "pin"             (func $pin             (param i32) (result i32)))
  (import "tvm" "unpin"           (func $unpin           (param i32) (result i32)))
  (import "tvm" "reset"           (func $reset           (param i32) (result i32)))
  (import "tvm" "compact"         (func $compact         (param i32) (result i64)))
  (import "tvm" "metrics"         (func $metrics         (param i32 i32) (result i32)))
  (import "tvm" "last_error"      (func $last_error      (result i32)))
  (import "tvm" "address_of"      (func $address_of      (param i64) (result i64)))

  (memory (export "memory") 1)

  (global $region (mut i32) (i32.const 0))
  (global $handle (mut i64) (i64.const 0))
  (global $n (mut i32) (i32.const 0))

  (func $rec (param $c i32)
    (i32.store (i32.add (i32.const 0x2000) (i32.shl (global.get $n) (i32.const 2))) (local.get $c))
    (global.set $n (i32.add (global.get $n) (i32.const 1))))
  (func $rec64 (param $v i64) (call $rec (i32.wrap_i64 (local.get $v))))
  ;; A handle function's result: 1 if it returned a handle (the attack worked), else last_error.
  (func $rech (param $h i64)
    (if (i64.eqz (local.get $h))
      (then (call $rec (call $last_error)))
      (else (call $rec (i32.const 1)))))

  ;; own_setup(seed) -> i64: a 1 MiB HOT_HEAP region and a 256-byte allocation of
  ;; (i*7+seed) & 0xFF; its handle, or 0.
  (func (export "own_setup") (param $seed i32) (result i64)
    (local $i i32)
    (global.set $region (call $region_create (i32.const 0) (i64.const 0x100000) (i32.const 0)))
    (if (i32.le_s (global.get $region) (i32.const 0)) (then (return (i64.const 0))))
    (global.set $handle (call $alloc (global.get $region) (i64.const 256)))
    (if (i64.eqz (global.get $handle)) (then (return (i64.const 0))))
    (loop $l
      (i32.store8 (i32.add (i32.const 0x100) (local.get $i))
                  (i32.add (i32.mul (local.get $i) (i32.const 7)) (local.get $seed)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 256))))
    (if (call $write (global.get $handle) (i64.const 0) (i32.const 0x100) (i32.const 256))
      (then (return (i64.const 0))))
    (global.get $handle))

  (func (export "own_region") (result i32) (global.get $region))
  (func (export "own_handle") (result i64) (global.get $handle))

  ;; checksum(h, len) -> i64: sum of byte[i] * (i + 1) over len <= 4096 bytes, or the error.
  (func (export "checksum") (param $h i64) (param $len i32) (result i64)
    (local $i i32) (local $s i64) (local $c i32)
    (local.set $c (call $read (local.get $h) (i64.const 0) (i32.const 0x100) (local.get $len)))
    (if (i32.lt_s (local.get $c) (i32.const 0)) (then (return (i64.extend_i32_s (local.get $c)))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $s (i64.add (local.get $s)
          (i64.mul (i64.load8_u (i32.add (i32.const 0x100) (local.get $i)))
                   (i64.extend_i32_u (i32.add (local.get $i) (i32.const 1))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $s))

  ;; attack_foreign(ref, h) -> i32: every function on another tenant's region reference and
  ;; handle, and on values derived from them. Codes, in order:
  ;;  0 region_destroy   1 region_describe  2 alloc        3 alloc_batch   4 lease
  ;;  5 pin              6 unpin            7 reset        8 compact       9 metrics
  ;; 10 free            11 size_of         12 address_of  13 read         14 write
  ;; 15 fill            16 copy into own   17 copy over theirs
  ;; 18 read of h with the next slot generation      19 own slot bits under their region
  ;; 20 describe of their reference with generation + 1
  (func (export "attack_foreign") (param $ref i32) (param $h i64) (result i32)
    (local $own i64)
    (global.set $n (i32.const 0))
    (local.set $own (global.get $handle))
    (call $rec (call $region_destroy (local.get $ref)))
    (call $rec (call $region_describe (local.get $ref) (i32.const 0x100)))
    (call $rech (call $alloc (local.get $ref) (i64.const 8)))
    (call $rec (call $alloc_batch (local.get $ref) (i64.const 8) (i32.const 1) (i32.const 0x100)))
    (call $rech (call $lease (local.get $ref) (i64.const 8)))
    (call $rec (call $pin (local.get $ref)))
    (call $rec (call $unpin (local.get $ref)))
    (call $rec (call $reset (local.get $ref)))
    (call $rec64 (call $compact (local.get $ref)))
    (call $rec (call $metrics (local.get $ref) (i32.const 0x100)))
    (call $rec (call $free (local.get $h)))
    (call $rec64 (call $size_of (local.get $h)))
    (call $rec64 (call $address_of (local.get $h)))
    (call $rec (call $read (local.get $h) (i64.const 0) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $write (local.get $h) (i64.const 0) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $fill (local.get $h) (i64.const 0) (i64.const 8) (i32.const 0x66)))
    (call $rec (call $copy (local.get $own) (i64.const 0) (local.get $h) (i64.const 0) (i64.const 8)))
    (call $rec (call $copy (local.get $h) (i64.const 0) (local.get $own) (i64.const 0) (i64.const 8)))
    (call $rec (call $read (i64.add (local.get $h) (i64.const 1)) (i64.const 0) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $read
      (i64.or (i64.and (local.get $h) (i64.const 0xFFFFFFF000000000))
              (i64.and (local.get $own) (i64.const 0xFFFFFFFFF)))
      (i64.const 0) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $region_describe (i32.add (local.get $ref) (i32.const 1)) (i32.const 0x100)))
    (global.get $n))

  ;; foreign_load(h) -> i64, foreign_store(h, v): the trapping accessors on a foreign handle.
  (func (export "foreign_load") (param $h i64) (result i64)
    (call $load_i64 (local.get $h) (i64.const 0)))
  (func (export "foreign_store") (param $h i64) (param $v i64)
    (call $store_i64 (local.get $h) (i64.const 0) (local.get $v)))

  ;; scan(max_id, max_gen) -> i32: describes every reference id << 12 | gen for id in
  ;; 1..max_id and gen in 1..max_gen; returns how many succeeded (only its own may).
  (func (export "scan") (param $max_id i32) (param $max_gen i32) (result i32)
    (local $id i32) (local $gen i32) (local $ok i32)
    (local.set $id (i32.const 1))
    (block $done
      (loop $ids
        (br_if $done (i32.gt_u (local.get $id) (local.get $max_id)))
        (local.set $gen (i32.const 1))
        (block $next
          (loop $gens
            (br_if $next (i32.gt_u (local.get $gen) (local.get $max_gen)))
            (if (i32.eqz (call $region_describe
                  (i32.or (i32.shl (local.get $id) (i32.const 12)) (local.get $gen)) (i32.const 0x100)))
              (then (local.set $ok (i32.add (local.get $ok) (i32.const 1)))))
            (local.set $gen (i32.add (local.get $gen) (i32.const 1)))
            (br $gens)))
        (local.set $id (i32.add (local.get $id) (i32.const 1)))
        (br $ids)))
    (local.get $ok))
;; pin_n(ref, n) -> i32, unpin_n(ref, n) -> i32: n pins (unpins) of a region; n, or the
  ;; first error. A tenant that leaves with pins taken must not leave them behind.
  (func (export "pin_n") (param $ref i32) (param $count i32) (result i32)
    (local $i i32) (local $c i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $c (call $pin (local.get $ref)))
        (if (local.get $c) (then (return (local.get $c))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $count))
  (func (export "unpin_n") (param $ref i32) (param $count i32) (result i32)
    (local $i i32) (local $c i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $c (call $unpin (local.get $ref)))
        (if (local.get $c) (then (return (local.get $c))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $count))
)
