;; Atomics and wait/notify on an imported shared memory (built with --enable-threads).
(module
  (import "env" "mem" (memory 1 1 shared))

  (func (export "load") (param i32) (result i32) (i32.atomic.load (local.get 0)))
  (func (export "load64") (param i32) (result i64) (i64.atomic.load (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.atomic.load8_u (local.get 0)))
  (func (export "load16") (param i32) (result i32) (i32.atomic.load16_u (local.get 0)))
  (func (export "store") (param i32 i32) (i32.atomic.store (local.get 0) (local.get 1)))
  (func (export "store64") (param i32 i64) (i64.atomic.store (local.get 0) (local.get 1)))
  (func (export "add") (param i32 i32) (result i32) (i32.atomic.rmw.add (local.get 0) (local.get 1)))
  (func (export "sub") (param i32 i32) (result i32) (i32.atomic.rmw.sub (local.get 0) (local.get 1)))
  (func (export "and") (param i32 i32) (result i32) (i32.atomic.rmw.and (local.get 0) (local.get 1)))
  (func (export "or") (param i32 i32) (result i32) (i32.atomic.rmw.or (local.get 0) (local.get 1)))
  (func (export "xor") (param i32 i32) (result i32) (i32.atomic.rmw.xor (local.get 0) (local.get 1)))
  (func (export "xchg") (param i32 i32) (result i32) (i32.atomic.rmw.xchg (local.get 0) (local.get 1)))
  (func (export "cmpxchg") (param i32 i32 i32) (result i32)
    (i32.atomic.rmw.cmpxchg (local.get 0) (local.get 1) (local.get 2)))
  (func (export "add8") (param i32 i32) (result i32) (i32.atomic.rmw8.add_u (local.get 0) (local.get 1)))
  (func (export "cmpxchg8") (param i32 i32 i32) (result i32)
    (i32.atomic.rmw8.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))
  (func (export "add16") (param i32 i32) (result i32) (i32.atomic.rmw16.add_u (local.get 0) (local.get 1)))
  (func (export "xchg16") (param i32 i32) (result i32) (i32.atomic.rmw16.xchg_u (local.get 0) (local.get 1)))
  (func (export "add64") (param i32 i64) (result i64) (i64.atomic.rmw.add (local.get 0) (local.get 1)))
  (func (export "cmpxchg64") (param i32 i64 i64) (result i64)
    (i64.atomic.rmw.cmpxchg (local.get 0) (local.get 1) (local.get 2)))
  (func (export "add32_64") (param i32 i64) (result i64) (i64.atomic.rmw32.add_u (local.get 0) (local.get 1)))
  (func (export "fence") (atomic.fence))
  (func (export "wait32") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait64") (param i32 i64 i64) (result i32)
    (memory.atomic.wait64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify (local.get 0) (local.get 1)))

  ;; n atomic increments of the i32 at p.
  (func (export "inc_loop") (param $p i32) (param $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (drop (i32.atomic.rmw.add (local.get $p) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))

  ;; n increments of the i64 at p by a compare-and-swap retry loop.
  (func (export "cas_loop") (param $p i32) (param $n i32)
    (local $seen i64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (loop $retry
          (local.set $seen (i64.atomic.load (local.get $p)))
          (br_if $retry
            (i64.ne
              (i64.atomic.rmw.cmpxchg (local.get $p) (local.get $seen)
                (i64.add (local.get $seen) (i64.const 1)))
              (local.get $seen))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))
)
