;; hostile_racer.wat - a guest for racing frees against reads across threads through the raw
;; ABI (docs/raw-abi.md). One instance, the owner, publishes allocations (allocation i holds
;; the byte i + 1), then frees them and reallocates the same sizes, so the new occupants take
;; the freed slots and bytes, filled with 0xEE. Reader instances on other threads, each with its
;; own TvmImports granted the owner's region, read the published handles meanwhile: every read
;; must either see exactly i + 1 bytes or be refused (STALE_HANDLE; STALE_REGION once the
;; region is destroyed), never another allocation's bytes. Host test:
;; tvm-chicory's dev.tvm.chicory.hostile.HostileRaceTest.
;;
;; Memory (2 pages): 0x1000 read buffer (up to 4 KiB), 0x8000 the published handle list (i64s),
;; 0xC000 the owner's replacement handles. Only MVP instructions are used.
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

  (memory (export "memory") 2)

  (global $region (mut i32) (i32.const 0))
  (global $refused (mut i32) (i32.const 0))

  (func $at (param $base i32) (param $i i32) (result i32)
    (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 3))))

  ;; owner_setup() -> i32: a 4 MiB HOT_HEAP region; its reference or the error.
  (func (export "owner_setup") (result i32)
    (global.set $region (call $region_create (i32.const 0) (i64.const 0x400000) (i32.const 0)))
    (global.get $region))

  ;; owner_destroy() -> i32: destroys the region (status).
  (func (export "owner_destroy") (result i32)
    (call $region_destroy (global.get $region)))

  ;; publish(k, size) -> i32: k allocations of size <= 4096 bytes, allocation i filled with
  ;; i + 1, their handles at 0x8000; k or the first error.
  (func (export "publish") (param $k i32) (param $size i32) (result i32)
    (local $i i32) (local $h i64) (local $c i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $k)))
        (local.set $h (call $alloc (global.get $region) (i64.extend_i32_u (local.get $size))))
        (if (i64.eqz (local.get $h)) (then (return (call $last_error))))
        (local.set $c (call $fill (local.get $h) (i64.const 0) (i64.extend_i32_u (local.get $size))
                                  (i32.add (local.get $i) (i32.const 1))))
        (if (local.get $c) (then (return (local.get $c))))
        (i64.store (call $at (i32.const 0x8000) (local.get $i)) (local.get $h))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $k))

  ;; churn(k, size) -> i32: frees each published allocation and at once allocates a replacement
  ;; filled with 0xEE (handles at 0xC000). Returns how many replacements reused the freed slot,
  ;; or -2000 + the code of an unexpected failure.
  (func (export "churn") (param $k i32) (param $size i32) (result i32)
    (local $i i32) (local $h i64) (local $old i64) (local $c i32) (local $reused i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $k)))
        (local.set $old (i64.load (call $at (i32.const 0x8000) (local.get $i))))
        (local.set $c (call $free (local.get $old)))
        (if (local.get $c) (then (return (i32.add (i32.const -2000) (local.get $c)))))
        (local.set $h (call $alloc (global.get $region) (i64.extend_i32_u (local.get $size))))
        (if (i64.eqz (local.get $h)) (then (return (i32.add (i32.const -2000) (call $last_error)))))
        (local.set $c (call $fill (local.get $h) (i64.const 0) (i64.extend_i32_u (local.get $size)) (i32.const 0xEE)))
        (if (local.get $c) (then (return (i32.add (i32.const -2000) (local.get $c)))))
        (i64.store (call $at (i32.const 0xC000) (local.get $i)) (local.get $h))
        (if (i64.eq (i64.shr_u (local.get $h) (i64.const 12)) (i64.shr_u (local.get $old) (i64.const 12)))
          (then (local.set $reused (i32.add (local.get $reused) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $reused))

  ;; release(k) -> i32: frees the replacements; 0 or the first error.
  (func (export "release") (param $k i32) (result i32)
    (local $i i32) (local $c i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $k)))
        (local.set $c (call $free (i64.load (call $at (i32.const 0xC000) (local.get $i)))))
        (if (local.get $c) (then (return (local.get $c))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i32.const 0))

  ;; verify(k, size) -> i32: reads each published allocation once. Returns how many reads
  ;; succeeded with exactly the bytes i + 1; refusals (STALE_HANDLE, STALE_REGION) are counted
  ;; in refused(). A read that returned any other byte: -1000 - i. Any other error: -2000 + code.
  (func (export "verify") (param $k i32) (param $size i32) (result i32)
    (local $i i32) (local $j i32) (local $c i32) (local $good i32) (local $want i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $k)))
        (local.set $c (call $read (i64.load (call $at (i32.const 0x8000) (local.get $i)))
                                  (i64.const 0) (i32.const 0x1000) (local.get $size)))
        (if (i32.eqz (local.get $c))
          (then
            (local.set $want (i32.add (local.get $i) (i32.const 1)))
            (local.set $j (i32.const 0))
            (block $ok
              (loop $bytes
                (br_if $ok (i32.ge_u (local.get $j) (local.get $size)))
                (if (i32.ne (i32.load8_u (i32.add (i32.const 0x1000) (local.get $j))) (local.get $want))
                  (then (return (i32.sub (i32.const -1000) (local.get $i)))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $bytes)))
            (local.set $good (i32.add (local.get $good) (i32.const 1))))
          (else
            (if (i32.or (i32.eq (local.get $c) (i32.const -4)) (i32.eq (local.get $c) (i32.const -3)))
              (then (global.set $refused (i32.add (global.get $refused) (i32.const 1))))
              (else (return (i32.add (i32.const -2000) (local.get $c)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $good))

  (func (export "refused") (result i32) (global.get $refused))

  ;; verify_loads(k) -> i32: loads the first 8 bytes of each published allocation; k if each
  ;; was eight bytes i + 1, -1000 - i for any other value. A refused load traps.
  (func (export "verify_loads") (param $k i32) (result i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $k)))
        (if (i64.ne (call $load_i64 (i64.load (call $at (i32.const 0x8000) (local.get $i))) (i64.const 0))
                    (i64.mul (i64.extend_i32_u (i32.add (local.get $i) (i32.const 1)))
                             (i64.const 0x0101010101010101)))
          (then (return (i32.sub (i32.const -1000) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $k))

  ;; free_all(k) -> i32: frees every published allocation; returns how many frees succeeded.
  ;; STALE_HANDLE (another thread freed it first) is expected; any other error: -2000 + code.
  (func (export "free_all") (param $k i32) (result i32)
    (local $i i32) (local $c i32) (local $ok i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $k)))
        (local.set $c (call $free (i64.load (call $at (i32.const 0x8000) (local.get $i)))))
        (if (i32.eqz (local.get $c))
          (then (local.set $ok (i32.add (local.get $ok) (i32.const 1))))
          (else (if (i32.ne (local.get $c) (i32.const -4))
            (then (return (i32.add (i32.const -2000) (local.get $c)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $ok))
)
