;; fastpath.wat - hand-written guest of the raw fast-path ABI (docs/raw-abi.md).
;;
;; Imports every function of the `tvm` module and exports:
;;
;;   selftest() -> i32        runs a fixed scenario against a fresh HOT_HEAP
;;                            region; 0 on success, else the number of the
;;                            first failing step (see the comments below).
;;                            Uses guest memory [0x000, 0x500) as scratch.
;;   abi_<name>(...)          one thin wrapper per import, same signature,
;;                            forwarding the arguments unchanged, so a host
;;                            test can drive the whole ABI from a real guest
;;                            with arbitrary (including invalid) arguments.
;;   memory                   memory 0, 2 pages (128 KiB), not growable here.
;;                            Tests may use any address; selftest only
;;                            touches [0x000, 0x500).
;;
;; Only MVP instructions are used.
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

  ;; -------------------------------------------------------------- selftest
  ;;
  ;; Scratch layout: 0x100 source bytes for write, 0x200 destination of read,
  ;; 0x300 tvm_region_info (64 B), 0x400 tvm_metrics (128 B).
  ;;
  ;; Allocation `a` (64 B) after steps 5-9:
  ;;   [0,4)   i32 0x12345678      [8,16)  i64 0x0123456789ABCDEF
  ;;   [16,20) f32 1.5             [24,32) f64 -2.25
  ;;   [32,48) bytes 0x00..0x0F    [48,64) zero (fresh allocation)
  (func (export "selftest") (result i32)
    (local $r i32) (local $a i64) (local $b i64)

    ;; 1: create a HOT_HEAP region, default capacity and allocator
    (local.set $r (call $region_create (i32.const 0) (i64.const 0) (i32.const 0)))
    (if (i32.le_s (local.get $r) (i32.const 0)) (then (return (i32.const 1))))

    ;; 2, 3: two 64-byte allocations
    (local.set $a (call $alloc (local.get $r) (i64.const 64)))
    (if (i64.eqz (local.get $a)) (then (return (i32.const 2))))
    (local.set $b (call $alloc (local.get $r) (i64.const 64)))
    (if (i64.eqz (local.get $b)) (then (return (i32.const 3))))

    ;; 4: size_of reports the requested size
    (if (i64.ne (call $size_of (local.get $a)) (i64.const 64)) (then (return (i32.const 4))))

    ;; 5-8: store then load each scalar type
    (call $store_i32 (local.get $a) (i64.const 0) (i32.const 0x12345678))
    (if (i32.ne (call $load_i32 (local.get $a) (i64.const 0)) (i32.const 0x12345678))
      (then (return (i32.const 5))))
    (call $store_i64 (local.get $a) (i64.const 8) (i64.const 0x0123456789ABCDEF))
    (if (i64.ne (call $load_i64 (local.get $a) (i64.const 8)) (i64.const 0x0123456789ABCDEF))
      (then (return (i32.const 6))))
    (call $store_f32 (local.get $a) (i64.const 16) (f32.const 1.5))
    (if (f32.ne (call $load_f32 (local.get $a) (i64.const 16)) (f32.const 1.5))
      (then (return (i32.const 7))))
    (call $store_f64 (local.get $a) (i64.const 24) (f64.const -2.25))
    (if (f64.ne (call $load_f64 (local.get $a) (i64.const 24)) (f64.const -2.25))
      (then (return (i32.const 8))))

    ;; 9: write 16 bytes 0x00..0x0F from guest memory 0x100 into a[32..48)
    (i64.store (i32.const 0x100) (i64.const 0x0706050403020100))
    (i64.store (i32.const 0x108) (i64.const 0x0F0E0D0C0B0A0908))
    (if (i32.ne (call $write (local.get $a) (i64.const 32) (i32.const 0x100) (i32.const 16)) (i32.const 0))
      (then (return (i32.const 9))))

    ;; 10: read all 64 bytes of a into guest memory 0x200
    (if (i32.ne (call $read (local.get $a) (i64.const 0) (i32.const 0x200) (i32.const 64)) (i32.const 0))
      (then (return (i32.const 10))))

    ;; 11: the bytes read back are exactly what the loads/stores and write produced
    (if (i32.or
          (i32.or
            (i32.ne (i32.load (i32.const 0x200)) (i32.const 0x12345678))
            (i64.ne (i64.load (i32.const 0x208)) (i64.const 0x0123456789ABCDEF)))
          (i32.or
            (i32.or
              (f32.ne (f32.load (i32.const 0x210)) (f32.const 1.5))
              (f64.ne (f64.load (i32.const 0x218)) (f64.const -2.25)))
            (i32.or
              (i32.or
                (i64.ne (i64.load (i32.const 0x220)) (i64.const 0x0706050403020100))
                (i64.ne (i64.load (i32.const 0x228)) (i64.const 0x0F0E0D0C0B0A0908)))
              (i32.or
                (i64.ne (i64.load (i32.const 0x230)) (i64.const 0))
                (i64.ne (i64.load (i32.const 0x238)) (i64.const 0))))))
      (then (return (i32.const 11))))

    ;; 12: copy a[0..48) to b[0..48) host-side
    (if (i32.ne (call $copy (local.get $b) (i64.const 0) (local.get $a) (i64.const 0) (i64.const 48)) (i32.const 0))
      (then (return (i32.const 12))))

    ;; 13: b holds the copy
    (if (i32.or
          (i64.ne (call $load_i64 (local.get $b) (i64.const 8)) (i64.const 0x0123456789ABCDEF))
          (i64.ne (call $load_i64 (local.get $b) (i64.const 40)) (i64.const 0x0F0E0D0C0B0A0908)))
      (then (return (i32.const 13))))

    ;; 14: fill b[48..64) with 0xAB (only the low byte of the value counts)
    (if (i32.ne (call $fill (local.get $b) (i64.const 48) (i64.const 16) (i32.const 0x7FAB)) (i32.const 0))
      (then (return (i32.const 14))))
    (if (i64.ne (call $load_i64 (local.get $b) (i64.const 56)) (i64.const 0xABABABABABABABAB))
      (then (return (i32.const 14))))

    ;; 15: free a
    (if (i32.ne (call $free (local.get $a)) (i32.const 0)) (then (return (i32.const 15))))

    ;; 16: a status call on the freed handle fails with STALE_HANDLE (-4)
    (if (i32.ne (call $read (local.get $a) (i64.const 0) (i32.const 0x200) (i32.const 4)) (i32.const -4))
      (then (return (i32.const 16))))

    ;; 17: ... and sets last_error
    (if (i32.ne (call $last_error) (i32.const -4)) (then (return (i32.const 17))))

    ;; 18: size_of (a value function) on the freed handle reports -4 too
    (if (i64.ne (call $size_of (local.get $a)) (i64.const -4)) (then (return (i32.const 18))))

    ;; 19: b is untouched by the failures; free it
    (if (i64.ne (call $load_i64 (local.get $b) (i64.const 0)) (i64.const 0x0000000012345678))
      (then (return (i32.const 19))))
    (if (i32.ne (call $free (local.get $b)) (i32.const 0)) (then (return (i32.const 19))))

    ;; 20: describe: ref and kind echo back, nothing live
    (if (i32.ne (call $region_describe (local.get $r) (i32.const 0x300)) (i32.const 0))
      (then (return (i32.const 20))))
    (if (i32.or
          (i32.or
            (i32.ne (i32.load (i32.const 0x300)) (local.get $r))
            (i32.ne (i32.load (i32.const 0x304)) (i32.const 0)))
          (i64.ne (i64.load (i32.const 0x320)) (i64.const 0)))
      (then (return (i32.const 20))))

    ;; 21: metrics: 2 allocations, 2 frees, live_regions 1
    (if (i32.ne (call $metrics (local.get $r) (i32.const 0x400)) (i32.const 0))
      (then (return (i32.const 21))))
    (if (i32.or
          (i32.or
            (i64.ne (i64.load (i32.const 0x400)) (i64.const 2))
            (i64.ne (i64.load (i32.const 0x408)) (i64.const 2)))
          (i64.ne (i64.load (i32.const 0x478)) (i64.const 1)))
      (then (return (i32.const 21))))

    ;; 22: destroy the region
    (if (i32.ne (call $region_destroy (local.get $r)) (i32.const 0)) (then (return (i32.const 22))))

    ;; 23: the region reference is dead now: a second destroy fails with a negative code
    (if (i32.ge_s (call $region_destroy (local.get $r)) (i32.const 0)) (then (return (i32.const 23))))
    (if (i32.ge_s (call $last_error) (i32.const 0)) (then (return (i32.const 23))))

    (i32.const 0))

  ;; ---------------------------------------------- abi_* forwarding wrappers
  (func (export "abi_region_create") (param i32 i64 i32) (result i32)
    (call $region_create (local.get 0) (local.get 1) (local.get 2)))
  (func (export "abi_region_destroy") (param i32) (result i32)
    (call $region_destroy (local.get 0)))
  (func (export "abi_region_describe") (param i32 i32) (result i32)
    (call $region_describe (local.get 0) (local.get 1)))
  (func (export "abi_alloc") (param i32 i64) (result i64)
    (call $alloc (local.get 0) (local.get 1)))
  (func (export "abi_alloc_batch") (param i32 i64 i32 i32) (result i32)
    (call $alloc_batch (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "abi_lease") (param i32 i64) (result i64)
    (call $lease (local.get 0) (local.get 1)))
  (func (export "abi_free") (param i64) (result i32)
    (call $free (local.get 0)))
  (func (export "abi_size_of") (param i64) (result i64)
    (call $size_of (local.get 0)))
  (func (export "abi_read") (param i64 i64 i32 i32) (result i32)
    (call $read (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "abi_write") (param i64 i64 i32 i32) (result i32)
    (call $write (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "abi_copy") (param i64 i64 i64 i64 i64) (result i32)
    (call $copy (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
  (func (export "abi_fill") (param i64 i64 i64 i32) (result i32)
    (call $fill (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "abi_load_i32") (param i64 i64) (result i32)
    (call $load_i32 (local.get 0) (local.get 1)))
  (func (export "abi_load_i64") (param i64 i64) (result i64)
    (call $load_i64 (local.get 0) (local.get 1)))
  (func (export "abi_load_f32") (param i64 i64) (result f32)
    (call $load_f32 (local.get 0) (local.get 1)))
  (func (export "abi_load_f64") (param i64 i64) (result f64)
    (call $load_f64 (local.get 0) (local.get 1)))
  (func (export "abi_store_i32") (param i64 i64 i32)
    (call $store_i32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "abi_store_i64") (param i64 i64 i64)
    (call $store_i64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "abi_store_f32") (param i64 i64 f32)
    (call $store_f32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "abi_store_f64") (param i64 i64 f64)
    (call $store_f64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "abi_pin") (param i32) (result i32)
    (call $pin (local.get 0)))
  (func (export "abi_unpin") (param i32) (result i32)
    (call $unpin (local.get 0)))
  (func (export "abi_reset") (param i32) (result i32)
    (call $reset (local.get 0)))
  (func (export "abi_compact") (param i32) (result i64)
    (call $compact (local.get 0)))
  (func (export "abi_metrics") (param i32 i32) (result i32)
    (call $metrics (local.get 0) (local.get 1)))
  (func (export "abi_last_error") (result i32)
    (call $last_error))
  (func (export "abi_address_of") (param i64) (result i64)
    (call $address_of (local.get 0)))
)
