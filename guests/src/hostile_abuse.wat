;; hostile_abuse.wat - a hostile guest of the raw ABI (docs/raw-abi.md) attacking its own
;; tenancy: forged and tampered handles, handles replayed after free, reset and destroy, double
;; frees, huge lengths, negative and wrapping offsets, guest pointers outside its memory, absurd
;; sizes, counts, kinds and flags. Every attack must be refused with the documented code; the
;; host test is tvm-chicory's dev.tvm.chicory.hostile.HostileAbuseTest, which holds the expected
;; code of every numbered attack below.
;;
;; Exports: memory (1 page), setup, region, victim, checksum, tamper, attack_tamper,
;; load_tampered, store_tampered, attack_random, random_mask, attack_stale, attack_bounds,
;; load_at, load32_at, store_at. Attacks that return a count write that many i32 codes at
;; 0x2000. Only MVP instructions are used.
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

  ;; Layout: 0x100 scratch (4 KiB) for reads and writes; 0x2000 results (i32 codes).
  (global $region (mut i32) (i32.const 0))
  (global $victim (mut i64) (i64.const 0))
  (global $n (mut i32) (i32.const 0))
  (global $rng (mut i64) (i64.const 0))
  (global $mask (mut i32) (i32.const 0))

  ;; Appends one code to the results.
  (func $rec (param $c i32)
    (i32.store (i32.add (i32.const 0x2000) (i32.shl (global.get $n) (i32.const 2))) (local.get $c))
    (global.set $n (i32.add (global.get $n) (i32.const 1))))
  ;; A value function's result as a code.
  (func $rec64 (param $v i64) (call $rec (i32.wrap_i64 (local.get $v))))
  ;; A handle function's result: 1 if it returned a handle (attack succeeded), else last_error.
  (func $rech (param $h i64)
    (if (i64.eqz (local.get $h))
      (then (call $rec (call $last_error)))
      (else (call $rec (i32.const 1)))))

  ;; setup() -> i32: a 1 MiB HOT_HEAP region and a 256-byte victim holding (i*7+3) & 0xFF.
  (func (export "setup") (result i32)
    (local $i i32)
    (global.set $region (call $region_create (i32.const 0) (i64.const 0x100000) (i32.const 0)))
    (if (i32.le_s (global.get $region) (i32.const 0)) (then (return (global.get $region))))
    (global.set $victim (call $alloc (global.get $region) (i64.const 256)))
    (if (i64.eqz (global.get $victim)) (then (return (call $last_error))))
    (loop $l
      (i32.store8 (i32.add (i32.const 0x100) (local.get $i))
                  (i32.add (i32.mul (local.get $i) (i32.const 7)) (i32.const 3)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 256))))
    (call $write (global.get $victim) (i64.const 0) (i32.const 0x100) (i32.const 256)))

  (func (export "region") (result i32) (global.get $region))
  (func (export "victim") (result i64) (global.get $victim))
  (func (export "random_mask") (result i32) (global.get $mask))

  ;; checksum(h, len) -> i64: sum of byte[i] * (i + 1) of the first len <= 4096 bytes, or the
  ;; negative error of the read.
  (func $checksum (export "checksum") (param $h i64) (param $len i32) (result i64)
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

  ;; tamper(h, which) -> i64: the handle h altered in one of 11 ways (see HostileAbuseTest).
  (func $tamper (export "tamper") (param $h i64) (param $which i32) (result i64)
    (block $b10 (block $b9 (block $b8 (block $b7 (block $b6 (block $b5
    (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 $b8 $b9 $b10 (local.get $which)))
      ;; 0: slot generation + 1 (never issued yet)
      (return (i64.add (local.get $h) (i64.const 1))))
      ;; 1: slot generation 0
      (return (i64.and (local.get $h) (i64.const 0xFFFFFFFFFFFFF000))))
      ;; 2: slot generation 4095
      (return (i64.or (local.get $h) (i64.const 0xFFF))))
      ;; 3: next slot (never issued)
      (return (i64.add (local.get $h) (i64.const 0x1000))))
      ;; 4: largest slot
      (return (i64.or (local.get $h) (i64.const 0xFFFFFF000))))
      ;; 5: region generation + 1
      (return (i64.add (local.get $h) (i64.const 0x1000000000))))
      ;; 6: region generation - 1
      (return (i64.sub (local.get $h) (i64.const 0x1000000000))))
      ;; 7: region id + 1
      (return (i64.add (local.get $h) (i64.const 0x1000000000000))))
      ;; 8: sign bit flipped (region id + 32768)
      (return (i64.xor (local.get $h) (i64.const 0x8000000000000000))))
      ;; 9: the null handle
      (return (i64.const 0)))
    ;; 10: all ones
    (i64.const -1))

  ;; attack_tamper(which) -> i32: uses tamper(victim, which) with read, write, fill, size_of,
  ;; address_of, copy (as destination and as source) and free: 8 codes.
  (func (export "attack_tamper") (param $which i32) (result i32)
    (local $t i64)
    (global.set $n (i32.const 0))
    (local.set $t (call $tamper (global.get $victim) (local.get $which)))
    (call $rec (call $read (local.get $t) (i64.const 0) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $write (local.get $t) (i64.const 0) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $fill (local.get $t) (i64.const 0) (i64.const 8) (i32.const 0x55)))
    (call $rec64 (call $size_of (local.get $t)))
    (call $rec64 (call $address_of (local.get $t)))
    (call $rec (call $copy (local.get $t) (i64.const 0) (global.get $victim) (i64.const 0) (i64.const 8)))
    (call $rec (call $copy (global.get $victim) (i64.const 0) (local.get $t) (i64.const 0) (i64.const 8)))
    (call $rec (call $free (local.get $t)))
    (global.get $n))

  ;; load_tampered(which) -> i64 and store_tampered(which): the trapping accessors.
  (func (export "load_tampered") (param $which i32) (result i64)
    (call $load_i64 (call $tamper (global.get $victim) (local.get $which)) (i64.const 0)))
  (func (export "store_tampered") (param $which i32)
    (call $store_i64 (call $tamper (global.get $victim) (local.get $which)) (i64.const 0) (i64.const 0x6666)))

  ;; xorshift64* of the guest's own state.
  (func $next (result i64)
    (local $x i64)
    (local.set $x (global.get $rng))
    (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 12))))
    (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 25))))
    (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 27))))
    (global.set $rng (local.get $x))
    (i64.mul (local.get $x) (i64.const 0x2545F4914F6CDD1D)))

  ;; attack_random(seed, n, own) -> i32: n random handles (own = 1: the victim's region bits
  ;; kept, slot and generation random), each read, written, filled and freed. Returns how many
  ;; calls succeeded; random_mask() has bit -code set for every error seen.
  (func (export "attack_random") (param $seed i64) (param $count i32) (param $own i32) (result i32)
    (local $i i32) (local $h i64) (local $ok i32)
    (global.set $rng (i64.or (local.get $seed) (i64.const 1)))
    (global.set $mask (i32.const 0))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $h (call $next))
        (if (local.get $own)
          (then (local.set $h (i64.or (i64.and (global.get $victim) (i64.const 0xFFFFFFF000000000))
                                      (i64.and (local.get $h) (i64.const 0xFFFFFFFFF))))))
        (local.set $ok (i32.add (local.get $ok)
          (call $note (call $read (local.get $h) (i64.const 0) (i32.const 0x100) (i32.const 8)))))
        (local.set $ok (i32.add (local.get $ok)
          (call $note (call $write (local.get $h) (i64.const 0) (i32.const 0x100) (i32.const 8)))))
        (local.set $ok (i32.add (local.get $ok)
          (call $note (call $fill (local.get $h) (i64.const 0) (i64.const 8) (i32.const 0)))))
        (local.set $ok (i32.add (local.get $ok) (call $note (call $free (local.get $h)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $ok))

  ;; 1 for a success, else 0 and the code noted in the mask.
  (func $note (param $c i32) (result i32)
    (if (i32.ge_s (local.get $c) (i32.const 0)) (then (return (i32.const 1))))
    (global.set $mask (i32.or (global.get $mask) (i32.shl (i32.const 1) (i32.sub (i32.const 0) (local.get $c)))))
    (i32.const 0))

  ;; attack_stale() -> i32: replays handles after free, after reset and after destroy. Codes:
  ;;  0 free(a)=0            1 read(a)           2 write(a)          3 fill(a)
  ;;  4 size_of(a)           5 free(a) again     6 b reuses a's slot (1)
  ;;  7 read(a)              8 write(a)          9 copy(b <- a)     10 copy(a <- b)
  ;; 11 b still zero (1)    12 free(b)=0
  ;; 13 reset(r2)=0         14 read(d)          15 e zero (1)      16 read(d) after e
  ;; 17 destroy(r2)=0       18 read(e)          19 destroy(r2)     20 alloc(r2)
  ;; 21 r3 takes r2's id (1) 22 read(e)         23 destroy(r2)     24 destroy(r3)=0
  (func (export "attack_stale") (result i32)
    (local $a i64) (local $b i64) (local $r2 i32) (local $r3 i32) (local $d i64) (local $e i64)
    (global.set $n (i32.const 0))
    (local.set $a (call $alloc (global.get $region) (i64.const 64)))
    (drop (call $fill (local.get $a) (i64.const 0) (i64.const 64) (i32.const 0xA5)))
    (call $rec (call $free (local.get $a)))
    (call $rec (call $read (local.get $a) (i64.const 0) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $write (local.get $a) (i64.const 0) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $fill (local.get $a) (i64.const 0) (i64.const 8) (i32.const 0x66)))
    (call $rec64 (call $size_of (local.get $a)))
    (call $rec (call $free (local.get $a)))
    (local.set $b (call $alloc (global.get $region) (i64.const 64)))
    (call $rec (i64.eq (i64.and (local.get $b) (i64.const 0xFFFFFFFFFFFFF000))
                       (i64.and (local.get $a) (i64.const 0xFFFFFFFFFFFFF000))))
    (call $rec (call $read (local.get $a) (i64.const 0) (i32.const 0x100) (i32.const 8)))
    (i64.store (i32.const 0x100) (i64.const 0x6666666666666666))
    (call $rec (call $write (local.get $a) (i64.const 0) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $copy (local.get $b) (i64.const 0) (local.get $a) (i64.const 0) (i64.const 8)))
    (call $rec (call $copy (local.get $a) (i64.const 0) (local.get $b) (i64.const 0) (i64.const 8)))
    (call $rec (i64.eq (call $checksum (local.get $b) (i32.const 64)) (i64.const 0)))
    (call $rec (call $free (local.get $b)))
    ;; a second region: reset, then destroy
    (local.set $r2 (call $region_create (i32.const 2) (i64.const 0x10000) (i32.const 0)))
    (local.set $d (call $alloc (local.get $r2) (i64.const 32)))
    (drop (call $fill (local.get $d) (i64.const 0) (i64.const 32) (i32.const 0x77)))
    (call $rec (call $reset (local.get $r2)))
    (call $rec (call $read (local.get $d) (i64.const 0) (i32.const 0x100) (i32.const 8)))
    (local.set $e (call $alloc (local.get $r2) (i64.const 32)))
    (call $rec (i64.eq (call $checksum (local.get $e) (i32.const 32)) (i64.const 0)))
    (call $rec (call $read (local.get $d) (i64.const 0) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $region_destroy (local.get $r2)))
    (call $rec (call $read (local.get $e) (i64.const 0) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $region_destroy (local.get $r2)))
    (call $rech (call $alloc (local.get $r2) (i64.const 8)))
    (local.set $r3 (call $region_create (i32.const 2) (i64.const 0x10000) (i32.const 0)))
    (call $rec (i32.eq (i32.shr_u (local.get $r3) (i32.const 12)) (i32.shr_u (local.get $r2) (i32.const 12))))
    (call $rec (call $read (local.get $e) (i64.const 0) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $region_destroy (local.get $r2)))
    (call $rec (call $region_destroy (local.get $r3)))
    (global.get $n))

  ;; attack_bounds() -> i32: huge lengths, negative and wrapping offsets, guest pointers outside
  ;; memory 0, absurd sizes, counts, kinds and flags. One code per line, numbered as in
  ;; HostileAbuseTest.BOUNDS.
  (func (export "attack_bounds") (result i32)
    (local $v i64) (local $r i32)
    (local.set $v (global.get $victim))
    (local.set $r (global.get $region))
    (global.set $n (i32.const 0))
    ;; 0-6: read/write lengths (i32): 2^31 and 2^32-1 are negative; 2^31-1 overruns memory 0
    (call $rec (call $read (local.get $v) (i64.const 0) (i32.const 0x100) (i32.const 0x80000000)))
    (call $rec (call $read (local.get $v) (i64.const 0) (i32.const 0x100) (i32.const 0xFFFFFFFF)))
    (call $rec (call $write (local.get $v) (i64.const 0) (i32.const 0x100) (i32.const 0x80000000)))
    (call $rec (call $write (local.get $v) (i64.const 0) (i32.const 0x100) (i32.const 0xFFFFFFFF)))
    (call $rec (call $read (local.get $v) (i64.const 0) (i32.const 0x100) (i32.const 0x7FFFFFFF)))
    (call $rec (call $write (local.get $v) (i64.const 0) (i32.const 0) (i32.const 0x7FFFFFFF)))
    (call $rec (call $read (local.get $v) (i64.const 0) (i32.const 0x100) (i32.const 257)))
    ;; 7-13: offsets: negative, 2^63, wrapping offset + len, straddling the end, empty at the end
    (call $rec (call $read (local.get $v) (i64.const -1) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $read (local.get $v) (i64.const 0x8000000000000000) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $read (local.get $v) (i64.const 0x7FFFFFFFFFFFFFF8) (i32.const 0x100) (i32.const 16)))
    (call $rec (call $write (local.get $v) (i64.const 0xFFFFFFFFFFFFFFF8) (i32.const 0x100) (i32.const 16)))
    (call $rec (call $read (local.get $v) (i64.const 250) (i32.const 0x100) (i32.const 8)))
    (call $rec (call $read (local.get $v) (i64.const 256) (i32.const 0x100) (i32.const 0)))
    (call $rec (call $read (local.get $v) (i64.const 257) (i32.const 0x100) (i32.const 0)))
    ;; 14-21: fill and copy lengths (i64): 2^63, 2^63-1, 2^64-1, 2^32-1, wrapping offsets
    (call $rec (call $fill (local.get $v) (i64.const 0) (i64.const 0x8000000000000000) (i32.const 0)))
    (call $rec (call $fill (local.get $v) (i64.const 0) (i64.const 0x7FFFFFFFFFFFFFFF) (i32.const 0)))
    (call $rec (call $fill (local.get $v) (i64.const 1) (i64.const -1) (i32.const 0)))
    (call $rec (call $fill (local.get $v) (i64.const 0) (i64.const 0xFFFFFFFF) (i32.const 0)))
    (call $rec (call $copy (local.get $v) (i64.const 0) (local.get $v) (i64.const 0) (i64.const 0x8000000000000000)))
    (call $rec (call $copy (local.get $v) (i64.const 8) (local.get $v) (i64.const 0) (i64.const -1)))
    (call $rec (call $copy (local.get $v) (i64.const 0x7FFFFFFFFFFFFFFF) (local.get $v) (i64.const 0) (i64.const 2)))
    (call $rec (call $copy (local.get $v) (i64.const 0) (local.get $v) (i64.const -8) (i64.const 8)))
    ;; 22-29: guest pointers outside memory 0 (64 KiB)
    (call $rec (call $read (local.get $v) (i64.const 0) (i32.const 0xFFFFFFF0) (i32.const 32)))
    (call $rec (call $read (local.get $v) (i64.const 0) (i32.const 0x10000) (i32.const 1)))
    (call $rec (call $read (local.get $v) (i64.const 0) (i32.const 0xFFFF) (i32.const 2)))
    (call $rec (call $write (local.get $v) (i64.const 0) (i32.const 0xFFFFFFFF) (i32.const 1)))
    (call $rec (call $write (local.get $v) (i64.const 0) (i32.const 0xFFF8) (i32.const 16)))
    (call $rec (call $region_describe (local.get $r) (i32.const 0xFFC1)))
    (call $rec (call $metrics (local.get $r) (i32.const 0xFF81)))
    (call $rec (call $metrics (i32.const 0) (i32.const 0xFFFFFFFF)))
    ;; 30-38: absurd sizes and counts
    (call $rech (call $alloc (local.get $r) (i64.const 0x8000000000000000)))
    (call $rech (call $alloc (local.get $r) (i64.const -1)))
    (call $rech (call $alloc (local.get $r) (i64.const 0)))
    (call $rech (call $alloc (local.get $r) (i64.const 0x100000000)))
    (call $rech (call $lease (local.get $r) (i64.const 0x7FFFFFFFFFFFFFFF)))
    (call $rec (call $alloc_batch (local.get $r) (i64.const 8) (i32.const -1) (i32.const 0x100)))
    (call $rec (call $alloc_batch (local.get $r) (i64.const 8) (i32.const 0x7FFFFFFF) (i32.const 0x100)))
    (call $rec (call $alloc_batch (local.get $r) (i64.const 8) (i32.const 0x100000) (i32.const 0x100)))
    (call $rec (call $alloc_batch (local.get $r) (i64.const 8) (i32.const 2) (i32.const 0xFFFFFFF8)))
    ;; 39-45: region_create with bad kinds, capacities and flags
    (call $rec (call $region_create (i32.const 99) (i64.const 0) (i32.const 0)))
    (call $rec (call $region_create (i32.const -1) (i64.const 0) (i32.const 0)))
    (call $rec (call $region_create (i32.const 0) (i64.const -1) (i32.const 0)))
    (call $rec (call $region_create (i32.const 0) (i64.const 0x8000000000000000) (i32.const 0)))
    (call $rec (call $region_create (i32.const 0) (i64.const 0x100000001) (i32.const 0)))
    (call $rec (call $region_create (i32.const 0) (i64.const 0x10000) (i32.const 0x10)))
    (call $rec (call $region_create (i32.const 0) (i64.const 0x10000) (i32.const 5)))
    ;; 46-51: region references that are not ours or not references at all
    (call $rec (call $region_destroy (i32.const 0)))
    (call $rec (call $region_destroy (i32.const -1)))
    (call $rec (call $region_describe (i32.const 0x7FFFFFFF) (i32.const 0x100)))
    (call $rec (call $reset (i32.add (local.get $r) (i32.const 1))))
    (call $rec64 (call $compact (i32.const -5)))
    (call $rec (call $unpin (local.get $r)))
    (global.get $n))

  ;; load_at(h, offset) -> i64, load32_at, store_at(h, offset, v): trapping accessors with
  ;; guest-chosen offsets (host passes the victim and hostile offsets).
  (func (export "load_at") (param $h i64) (param $o i64) (result i64)
    (call $load_i64 (local.get $h) (local.get $o)))
  (func (export "load32_at") (param $h i64) (param $o i64) (result i32)
    (call $load_i32 (local.get $h) (local.get $o)))
  (func (export "store_at") (param $h i64) (param $o i64) (param $v i64)
    (call $store_i64 (local.get $h) (local.get $o) (local.get $v)))
)
