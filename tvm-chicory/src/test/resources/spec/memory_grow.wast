;; memory.grow: it returns the old size in pages, or -1 (and changes nothing) when the new size
;; would pass the maximum; the pages it adds read as zero, the old ones keep their bytes, and the
;; new bound is exact.
;; Written for tvm-chicory (not taken from the WebAssembly testsuite); the ground of the
;; testsuite's memory_grow.wast. Growth beyond 32767 pages is not exercised: wasm lets grow fail
;; for lack of resources, and Chicory stops there.

;; ---------------------------------------------------------------- from no pages, no maximum

(module
  (memory 0)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
)
(assert_return (invoke "size") (i32.const 0))
(assert_trap (invoke "load8" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "store8" (i32.const 0) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 0)) (i32.const 0))
(assert_return (invoke "size") (i32.const 0))
(assert_trap (invoke "load8" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const 0))
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "load8" (i32.const 0)) (i32.const 0))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 0))
(assert_trap (invoke "load" (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "load8" (i32.const 65536)) "out of bounds memory access")
(invoke "store" (i32.const 65532) (i32.const 0x5eed5eed))
(invoke "store8" (i32.const 0) (i32.const 0x42))
(assert_return (invoke "grow" (i32.const 2)) (i32.const 1))
(assert_return (invoke "size") (i32.const 3))
;; old bytes stay, new pages are zero to their last byte
(assert_return (invoke "load" (i32.const 65532)) (i32.const 0x5eed5eed))
(assert_return (invoke "load8" (i32.const 0)) (i32.const 0x42))
(assert_return (invoke "load" (i32.const 65536)) (i32.const 0))
(assert_return (invoke "load" (i32.const 100000)) (i32.const 0))
(assert_return (invoke "load" (i32.const 131068)) (i32.const 0))
(assert_return (invoke "load" (i32.const 131072)) (i32.const 0))
(assert_return (invoke "load" (i32.const 196604)) (i32.const 0))
(assert_trap (invoke "load" (i32.const 196605)) "out of bounds memory access")
(assert_trap (invoke "load8" (i32.const 196608)) "out of bounds memory access")
;; a load across the old end now works
(assert_return (invoke "load" (i32.const 65534)) (i32.const 0x5eed))
(invoke "store" (i32.const 65534) (i32.const 0x01020304))
(assert_return (invoke "load8" (i32.const 65536)) (i32.const 0x02))
(assert_return (invoke "load8" (i32.const 65537)) (i32.const 0x01))
;; too much: -1, and the size stays
(assert_return (invoke "grow" (i32.const 0x10000)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0xffff)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0x8000_0000)) (i32.const -1))
(assert_return (invoke "grow" (i32.const -1)) (i32.const -1))
(assert_return (invoke "size") (i32.const 3))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 3))
(assert_return (invoke "grow" (i32.const 5)) (i32.const 3))
(assert_return (invoke "size") (i32.const 8))
(assert_return (invoke "load" (i32.const 524284)) (i32.const 0))
(assert_trap (invoke "load" (i32.const 524285)) "out of bounds memory access")

;; ---------------------------------------------------------------- with a maximum

(module
  (memory 0 4)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
(assert_return (invoke "grow" (i32.const 5)) (i32.const -1))
(assert_return (invoke "size") (i32.const 0))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 0))
(assert_return (invoke "grow" (i32.const 2)) (i32.const 1))
(assert_return (invoke "grow" (i32.const 2)) (i32.const -1))
(assert_return (invoke "size") (i32.const 3))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 3))
(assert_return (invoke "size") (i32.const 4))
(assert_return (invoke "load8" (i32.const 262143)) (i32.const 0))
(assert_trap (invoke "load8" (i32.const 262144)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 4))
(assert_return (invoke "grow" (i32.const -1)) (i32.const -1))
(assert_return (invoke "size") (i32.const 4))

(module
  (memory 1 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
(assert_return (invoke "grow" (i32.const 0)) (i32.const 1))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))

(module
  (memory 0 0)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
(assert_return (invoke "grow" (i32.const 0)) (i32.const 0))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_trap (invoke "load8" (i32.const 0)) "out of bounds memory access")

;; A maximum Chicory cannot reach still allows growth below its limit.
(module
  (memory 1 65536)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
)
(assert_return (invoke "grow" (i32.const 3)) (i32.const 1))
(assert_return (invoke "size") (i32.const 4))
(assert_return (invoke "grow" (i32.const 65533)) (i32.const -1))
(assert_return (invoke "size") (i32.const 4))

;; A larger step: 1000 pages at once (64 MB), with the bound exact at the new end.
(module
  (memory 1 1024)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "i64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "st64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
)
(assert_return (invoke "grow" (i32.const 1000)) (i32.const 1))
(assert_return (invoke "size") (i32.const 1001))
(assert_return (invoke "i64" (i32.const 65601528)) (i64.const 0))
(invoke "st64" (i32.const 65601528) (i64.const 0x0123456789abcdef))
(assert_return (invoke "i64" (i32.const 65601528)) (i64.const 0x0123456789abcdef))
(assert_trap (invoke "i64" (i32.const 65601529)) "out of bounds memory access")
(assert_trap (invoke "st64" (i32.const 65601529) (i64.const 1)) "out of bounds memory access")
(assert_return (invoke "i64" (i32.const 65601528)) (i64.const 0x0123456789abcdef))
(assert_return (invoke "i64" (i32.const 32800000)) (i64.const 0))
(assert_return (invoke "grow" (i32.const 24)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 23)) (i32.const 1001))
(assert_return (invoke "size") (i32.const 1024))
(assert_return (invoke "i64" (i32.const 67108856)) (i64.const 0))
(assert_trap (invoke "i64" (i32.const 67108857)) "out of bounds memory access")

;; ---------------------------------------------------------------- new pages are zero

;; Fill every page with a byte, grow, and check the new pages byte by byte.
(module
  (memory 1 8)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "fill") (param $value i32)
    (local $i i32)
    (local.set $i (i32.const 0))
    (loop $l
      (i32.store8 (local.get $i) (local.get $value))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.mul (memory.size) (i32.const 65536))))
    )
  )
  ;; Returns the first address in [from, to) whose byte is not 'value', or -1.
  (func (export "find_other") (param $from i32) (param $to i32) (param $value i32) (result i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $from) (local.get $to)))
        (if (i32.ne (i32.load8_u (local.get $from)) (local.get $value))
          (then (return (local.get $from))))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $l)
      )
    )
    (i32.const -1)
  )
)
(invoke "fill" (i32.const 0xa7))
(assert_return (invoke "find_other" (i32.const 0) (i32.const 65536) (i32.const 0xa7)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke "find_other" (i32.const 0) (i32.const 65536) (i32.const 0xa7)) (i32.const -1))
(assert_return (invoke "find_other" (i32.const 65536) (i32.const 131072) (i32.const 0)) (i32.const -1))
(invoke "fill" (i32.const 0x3c))
(assert_return (invoke "grow" (i32.const 3)) (i32.const 2))
(assert_return (invoke "find_other" (i32.const 0) (i32.const 131072) (i32.const 0x3c)) (i32.const -1))
(assert_return (invoke "find_other" (i32.const 131072) (i32.const 327680) (i32.const 0)) (i32.const -1))
(assert_return (invoke "find_other" (i32.const 131072) (i32.const 327680) (i32.const 0x3c)) (i32.const 131072))

;; ---------------------------------------------------------------- grow inside code

(module
  (memory 1 10)
  (func (export "grow_and_store") (param $pages i32) (param $value i32) (result i32)
    (local $old i32)
    (local.set $old (memory.grow (local.get $pages)))
    (if (i32.ne (local.get $old) (i32.const -1))
      (then
        ;; store at the last word of the newly grown memory
        (i32.store
          (i32.sub (i32.mul (i32.add (local.get $old) (local.get $pages)) (i32.const 65536)) (i32.const 4))
          (local.get $value))))
    (local.get $old)
  )
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  ;; grow in a loop, one page at a time, until it fails; returns how many grows succeeded
  (func (export "grow_until_full") (result i32)
    (local $n i32)
    (block $full
      (loop $l
        (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $l)
      )
    )
    (local.get $n)
  )
  (func (export "grow_in_args") (result i32)
    (i32.add (memory.grow (i32.const 0)) (memory.grow (i32.const 1)))
  )
  (func (export "grow_as_address") (result i32)
    ;; the old size in pages, used as an address
    (i32.load8_u (memory.grow (i32.const 0)))
  )
)
(assert_return (invoke "grow_and_store" (i32.const 2) (i32.const 0x77777777)) (i32.const 1))
(assert_return (invoke "load" (i32.const 196604)) (i32.const 0x77777777))
(assert_return (invoke "load" (i32.const 131068)) (i32.const 0))
(assert_return (invoke "grow_and_store" (i32.const 8) (i32.const 1)) (i32.const -1))
(assert_return (invoke "size") (i32.const 3))
(assert_return (invoke "grow_in_args") (i32.const 6))
(assert_return (invoke "size") (i32.const 4))
(assert_return (invoke "grow_as_address") (i32.const 0))
(assert_return (invoke "grow_until_full") (i32.const 6))
(assert_return (invoke "size") (i32.const 10))
(assert_return (invoke "load" (i32.const 196604)) (i32.const 0x77777777))
(assert_return (invoke "load" (i32.const 655356)) (i32.const 0))
(assert_trap (invoke "load" (i32.const 655357)) "out of bounds memory access")
(assert_return (invoke "grow_until_full") (i32.const 0))

;; ---------------------------------------------------------------- validation

(assert_invalid (module (memory 1) (func (result i32) (memory.grow (i64.const 1)))) "type mismatch")
(assert_invalid (module (memory 1) (func (result i32) (memory.grow (f32.const 1)))) "type mismatch")
(assert_invalid (module (memory 1) (func (result i32) (memory.grow))) "type mismatch")
(assert_invalid (module (memory 1) (func (result i64) (memory.grow (i32.const 1)))) "type mismatch")
(assert_invalid (module (memory 1) (func (memory.grow (i32.const 1)))) "type mismatch")
