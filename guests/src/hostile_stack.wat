;; hostile_stack.wat - a guest that recurses until its stack is almost exhausted and then calls a
;; tvm import, so that the host runs out of stack inside the import (a region lock held, a pin
;; half taken, a ledger half updated) unless it checks its headroom first. The host sweeps the
;; depth over the point where calls start to fail, for every import, and checks after each call
;; that every lock, pin, ledger and directory entry is consistent. Host test: tvm-chicory's
;; dev.tvm.chicory.hostile.HostileStackTest.
;;
;; Exports: memory (1 page), setup, dive, prepare, undo, op_count. Only MVP instructions.
;; dive(depth, op) recurses depth frames and then runs operation op (table at $op) on the
;; guest's own regions and handles, or on the granted host region: the import's result (or 0
;; for stores), or a trap. prepare(op) and undo(op), called at no depth, set up what an
;; operation consumes (a handle to free, a pin to release) and take back what it made.
(module
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

  (global $region (mut i32) (i32.const 0))   ;; own HOT_HEAP region, 1 MiB
  (global $scratch (mut i32) (i32.const 0))  ;; own SCRATCH region, 1 MiB, reset and compacted
  (global $host (mut i32) (i32.const 0))     ;; the host's region, granted, pinned by the host
  (global $handle (mut i64) (i64.const 0))   ;; a 256-byte allocation in $region
  (global $spare (mut i64) (i64.const 0))    ;; made by prepare, consumed (freed) by op 6
  (global $made (mut i32) (i32.const 0))     ;; a region made by op 0 or prepared for op 1
  (global $made64 (mut i64) (i64.const 0))   ;; a handle made by ops 3 and 5

  ;; setup(host) -> i32: 1, or the failing code.
  (func (export "setup") (param $host i32) (result i32)
    (global.set $host (local.get $host))
    (global.set $region (call $region_create (i32.const 0) (i64.const 0x100000) (i32.const 0)))
    (if (i32.lt_s (global.get $region) (i32.const 0)) (then (return (global.get $region))))
    (global.set $scratch (call $region_create (i32.const 4) (i64.const 0x100000) (i32.const 0)))
    (if (i32.lt_s (global.get $scratch) (i32.const 0)) (then (return (global.get $scratch))))
    (global.set $handle (call $alloc (global.get $region) (i64.const 256)))
    (if (i64.eqz (global.get $handle)) (then (return (call $last_error))))
    (i32.const 1))

  (func (export "op_count") (result i32) (i32.const 29))

  ;; The operations. Each returns its import's result as an i32 (stores: 0).
  (func $op (param $op i32) (result i32)
    (block $b28 (block $b27 (block $b26 (block $b25 (block $b24 (block $b23 (block $b22
    (block $b21 (block $b20 (block $b19 (block $b18 (block $b17 (block $b16 (block $b15
    (block $b14 (block $b13 (block $b12 (block $b11 (block $b10 (block $b9 (block $b8
    (block $b7 (block $b6 (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 $b8 $b9 $b10 $b11 $b12 $b13 $b14 $b15 $b16 $b17
                $b18 $b19 $b20 $b21 $b22 $b23 $b24 $b25 $b26 $b27 $b28 $b28 (local.get $op)))
      ;; 0 region_create: a 64 KiB region (undo destroys it)
      (global.set $made (call $region_create (i32.const 2) (i64.const 0x10000) (i32.const 0)))
      (return (global.get $made)))
      ;; 1 region_destroy of the region prepare made
      (return (call $region_destroy (global.get $made))))
      ;; 2 region_describe
      (return (call $region_describe (global.get $region) (i32.const 0x100))))
      ;; 3 alloc (undo frees)
      (global.set $made64 (call $alloc (global.get $region) (i64.const 64)))
      (return (i32.wrap_i64 (i64.shr_u (global.get $made64) (i64.const 32)))))
      ;; 4 alloc_batch of 4 (handles at 0x400; undo frees them)
      (return (call $alloc_batch (global.get $region) (i64.const 16) (i32.const 4) (i32.const 0x400))))
      ;; 5 lease (undo frees)
      (global.set $made64 (call $lease (global.get $region) (i64.const 128)))
      (return (i32.wrap_i64 (i64.shr_u (global.get $made64) (i64.const 32)))))
      ;; 6 free of the spare handle prepare made
      (return (call $free (global.get $spare))))
      ;; 7 size_of
      (return (i32.wrap_i64 (call $size_of (global.get $handle)))))
      ;; 8 read
      (return (call $read (global.get $handle) (i64.const 0) (i32.const 0x800) (i32.const 256))))
      ;; 9 write
      (return (call $write (global.get $handle) (i64.const 0) (i32.const 0x800) (i32.const 256))))
      ;; 10 copy within the allocation
      (return (call $copy (global.get $handle) (i64.const 128) (global.get $handle) (i64.const 0)
                          (i64.const 128))))
      ;; 11 fill
      (return (call $fill (global.get $handle) (i64.const 0) (i64.const 256) (i32.const 0x5a))))
      ;; 12..15 loads
      (return (call $load_i32 (global.get $handle) (i64.const 8))))
      (return (i32.wrap_i64 (call $load_i64 (global.get $handle) (i64.const 8)))))
;; 14 load_f32, 15 load_f64 (raw bits)
      (return (i32.reinterpret_f32 (call $load_f32 (global.get $handle) (i64.const 8)))))
      (return (i32.wrap_i64 (i64.reinterpret_f64 (call $load_f64 (global.get $handle) (i64.const 8))))))
      ;; 16..19 stores
      (call $store_i32 (global.get $handle) (i64.const 16) (i32.const 0x01020304))
      (return (i32.const 0)))
      (call $store_i64 (global.get $handle) (i64.const 16) (i64.const 0x0102030405060708))
      (return (i32.const 0)))
      (call $store_f32 (global.get $handle) (i64.const 16) (f32.const 1.5))
      (return (i32.const 0)))
      (call $store_f64 (global.get $handle) (i64.const 16) (f64.const 2.5))
      (return (i32.const 0)))
      ;; 20 pin own region (undo unpins)
      (return (call $pin (global.get $region))))
      ;; 21 unpin own region (prepare pinned it)
      (return (call $unpin (global.get $region))))
      ;; 22 reset the scratch region (prepare allocated in it)
      (return (call $reset (global.get $scratch))))
      ;; 23 compact the scratch region
      (return (i32.wrap_i64 (call $compact (global.get $scratch)))))
      ;; 24 metrics
      (return (call $metrics (global.get $region) (i32.const 0x100))))
      ;; 25 address_of
      (return (i32.wrap_i64 (call $address_of (global.get $handle)))))
      ;; 26 pin the host's region (undo unpins: its own pin)
      (return (call $pin (global.get $host))))
      ;; 27 unpin the host's region: the guest holds no pin on it, must be refused
      (return (call $unpin (global.get $host))))
      ;; 28 last_error
      (call $last_error))

  ;; dive(depth, op) -> i32: op at the bottom of depth frames. The frame keeps three locals live
  ;; across the call so that it is not trivially small in either engine.
  (func $dive (export "dive") (param $depth i32) (param $op i32) (result i32)
    (local $a i64) (local $b i64)
    (if (result i32) (i32.eqz (local.get $depth))
      (then (call $op (local.get $op)))
      (else
        (local.set $a (i64.extend_i32_u (local.get $depth)))
        (local.set $b (i64.mul (local.get $a) (i64.const 3)))
        (i32.add
          (call $dive (i32.sub (local.get $depth) (i32.const 1)) (local.get $op))
          (i32.wrap_i64 (i64.sub (local.get $b) (i64.mul (local.get $a) (i64.const 3))))))))

  ;; prepare(op) -> i32: what op consumes; 1 or the failing code.
  (func (export "prepare") (param $op i32) (result i32)
    (if (i32.eq (local.get $op) (i32.const 1))
      (then
        (global.set $made (call $region_create (i32.const 2) (i64.const 0x10000) (i32.const 0)))
        (if (i32.lt_s (global.get $made) (i32.const 0)) (then (return (global.get $made))))))
    (if (i32.eq (local.get $op) (i32.const 6))
      (then
        (global.set $spare (call $alloc (global.get $region) (i64.const 32)))
        (if (i64.eqz (global.get $spare)) (then (return (call $last_error))))))
    (if (i32.eq (local.get $op) (i32.const 21))
      (then
        (if (i32.ne (call $pin (global.get $region)) (i32.const 0)) (then (return (call $last_error))))))
    (if (i32.eq (local.get $op) (i32.const 22))
      (then
        (drop (call $reset (global.get $scratch)))
        (if (i64.eqz (call $alloc (global.get $scratch) (i64.const 4096)))
          (then (return (call $last_error))))))
    (i32.const 1))

  ;; undo(op) -> i32: takes back what op made if it succeeded, and what prepare made if op did
  ;; not consume it. Returns how many things it released.
  (func (export "undo") (param $op i32) (result i32)
    (local $n i32) (local $i i32)
    (if (i32.or (i32.eq (local.get $op) (i32.const 0)) (i32.eq (local.get $op) (i32.const 1)))
      (then
        (if (i32.gt_s (global.get $made) (i32.const 0))
          (then
            (if (i32.eqz (call $region_destroy (global.get $made)))
              (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))))
        (global.set $made (i32.const 0))))
    (if (i32.or (i32.eq (local.get $op) (i32.const 3)) (i32.eq (local.get $op) (i32.const 5)))
      (then
        (if (i64.ne (global.get $made64) (i64.const 0))
          (then
            (if (i32.eqz (call $free (global.get $made64)))
              (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))))
        (global.set $made64 (i64.const 0))))
    (if (i32.eq (local.get $op) (i32.const 4))
      (then
        (loop $each
          (if (i64.ne (i64.load (i32.add (i32.const 0x400) (i32.shl (local.get $i) (i32.const 3))))
                      (i64.const 0))
            (then
              (if (i32.eqz (call $free (i64.load (i32.add (i32.const 0x400)
                                                          (i32.shl (local.get $i) (i32.const 3))))))
                (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))
              (i64.store (i32.add (i32.const 0x400) (i32.shl (local.get $i) (i32.const 3)))
                         (i64.const 0))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $each (i32.lt_u (local.get $i) (i32.const 4))))))
    (if (i32.eq (local.get $op) (i32.const 6))
      (then
        (if (i32.eqz (call $free (global.get $spare)))
          (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (global.set $spare (i64.const 0))))
    ;; pins: release every pin this guest holds on its region and on the host's (unpin until it
    ;; is refused; the host's own pin must never go)
    (if (i32.or (i32.eq (local.get $op) (i32.const 20)) (i32.eq (local.get $op) (i32.const 21)))
      (then
        (block $none
          (loop $again
            (br_if $none (i32.ne (call $unpin (global.get $region)) (i32.const 0)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $again)))))
    (if (i32.or (i32.eq (local.get $op) (i32.const 26)) (i32.eq (local.get $op) (i32.const 27)))
      (then
        (block $none
          (loop $again
            (br_if $none (i32.ne (call $unpin (global.get $host)) (i32.const 0)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $again)))))
    (local.get $n))
)
