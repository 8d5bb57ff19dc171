;; A stand-in for the matrix workloads (bench/workloads/), to test engines/bench.mjs before they
;; exist: bench_setup fills about `bytes` bytes with seeded xorshift64 values, bench_run sums them.
;; Same guest ABI as the real workloads; standin-m64.wat is the memory64 twin.
(module
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))  ;; i64 values in the working set
  (func (export "bench_setup") (param $bytes i64) (param $seed i64) (result i64)
    (local $i i32) (local $x i64) (local $pages i32)
    (global.set $n (i32.wrap_i64 (i64.shr_u (local.get $bytes) (i64.const 3))))
    (local.set $pages (i32.shr_u (i32.add (i32.shl (global.get $n) (i32.const 3)) (i32.const 65535)) (i32.const 16)))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then (if (i32.lt_s (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const 0))
        (then (return (i64.const -1))))))
    (local.set $x (i64.or (local.get $seed) (i64.const 1)))
    (block $done (loop $fill
      (br_if $done (i32.ge_u (local.get $i) (global.get $n)))
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
      (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
      (i64.store (i32.shl (local.get $i) (i32.const 3)) (local.get $x))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $fill)))
    (i64.shl (i64.extend_i32_u (global.get $n)) (i64.const 3)))
  (func (export "bench_run") (result i64)
    (local $p i32) (local $end i32) (local $sum i64)
    (local.set $end (i32.shl (global.get $n) (i32.const 3)))
    (block $done (loop $sum
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $sum (i64.add (local.get $sum) (i64.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br $sum)))
    (local.get $sum)))
