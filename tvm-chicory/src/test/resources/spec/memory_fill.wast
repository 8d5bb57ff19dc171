;; memory.fill: sets n bytes to the low byte of a value; traps, writing nothing, when the range
;; [d, d + n) leaves memory (computed without wrapping); n = 0 is allowed up to the end exactly.
;; Written for tvm-chicory (not taken from the WebAssembly testsuite); the ground of the
;; testsuite's memory_fill.wast.

(module
  (memory 1 2)
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "u8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  ;; the first address in [from, to) whose byte is not 'value', or -1
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
(invoke "fill" (i32.const 10) (i32.const 0xaa) (i32.const 5))
(assert_return (invoke "u8" (i32.const 9)) (i32.const 0))
(assert_return (invoke "u8" (i32.const 10)) (i32.const 0xaa))
(assert_return (invoke "u8" (i32.const 14)) (i32.const 0xaa))
(assert_return (invoke "u8" (i32.const 15)) (i32.const 0))
(assert_return (invoke "find_other" (i32.const 10) (i32.const 15) (i32.const 0xaa)) (i32.const -1))
;; only the low byte of the value counts
(invoke "fill" (i32.const 20) (i32.const 0x12345678) (i32.const 3))
(assert_return (invoke "find_other" (i32.const 20) (i32.const 23) (i32.const 0x78)) (i32.const -1))
(assert_return (invoke "u8" (i32.const 23)) (i32.const 0))
(invoke "fill" (i32.const 30) (i32.const -1) (i32.const 2))
(assert_return (invoke "u8" (i32.const 30)) (i32.const 0xff))
(assert_return (invoke "u8" (i32.const 31)) (i32.const 0xff))
;; refilling part of a range
(invoke "fill" (i32.const 12) (i32.const 0x01) (i32.const 2))
(assert_return (invoke "u8" (i32.const 11)) (i32.const 0xaa))
(assert_return (invoke "u8" (i32.const 12)) (i32.const 0x01))
(assert_return (invoke "u8" (i32.const 13)) (i32.const 0x01))
(assert_return (invoke "u8" (i32.const 14)) (i32.const 0xaa))
;; up to the last byte
(invoke "fill" (i32.const 65530) (i32.const 0x5c) (i32.const 6))
(assert_return (invoke "find_other" (i32.const 65530) (i32.const 65536) (i32.const 0x5c)) (i32.const -1))
(assert_return (invoke "u8" (i32.const 65529)) (i32.const 0))
;; empty fills: anywhere up to the end, itself included
(invoke "fill" (i32.const 0) (i32.const 0x99) (i32.const 0))
(invoke "fill" (i32.const 65535) (i32.const 0x99) (i32.const 0))
(invoke "fill" (i32.const 65536) (i32.const 0x99) (i32.const 0))
(assert_return (invoke "u8" (i32.const 0)) (i32.const 0))
(assert_return (invoke "u8" (i32.const 65535)) (i32.const 0x5c))
;; past the end: trap, and not one byte written
(assert_trap (invoke "fill" (i32.const 65537) (i32.const 0x99) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const 65536) (i32.const 0x99) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const 65520) (i32.const 0x99) (i32.const 17)) "out of bounds memory access")
(assert_return (invoke "find_other" (i32.const 65520) (i32.const 65530) (i32.const 0)) (i32.const -1))
(assert_return (invoke "find_other" (i32.const 65530) (i32.const 65536) (i32.const 0x5c)) (i32.const -1))
(assert_trap (invoke "fill" (i32.const 0) (i32.const 0x99) (i32.const 65537)) "out of bounds memory access")
(assert_return (invoke "u8" (i32.const 0)) (i32.const 0))
(assert_return (invoke "u8" (i32.const 10)) (i32.const 0xaa))
(assert_trap (invoke "fill" (i32.const 1) (i32.const 0x99) (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const -1) (i32.const 0x99) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const -1) (i32.const 0x99) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const 0x8000_0000) (i32.const 0x99) (i32.const 0x8000_0000)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const 65535) (i32.const 0x99) (i32.const 0xffff_ffff)) "out of bounds memory access")
(assert_return (invoke "u8" (i32.const 1)) (i32.const 0))
(assert_return (invoke "u8" (i32.const 65535)) (i32.const 0x5c))
;; the whole memory
(invoke "fill" (i32.const 0) (i32.const 0x6d) (i32.const 65536))
(assert_return (invoke "find_other" (i32.const 0) (i32.const 65536) (i32.const 0x6d)) (i32.const -1))
;; after growing, the bound moves and the new page can be filled
(assert_trap (invoke "fill" (i32.const 65536) (i32.const 1) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke "find_other" (i32.const 65536) (i32.const 131072) (i32.const 0)) (i32.const -1))
(invoke "fill" (i32.const 65000) (i32.const 0x21) (i32.const 66072))
(assert_return (invoke "find_other" (i32.const 0) (i32.const 65000) (i32.const 0x6d)) (i32.const -1))
(assert_return (invoke "find_other" (i32.const 65000) (i32.const 131072) (i32.const 0x21)) (i32.const -1))
(invoke "fill" (i32.const 131072) (i32.const 1) (i32.const 0))
(assert_trap (invoke "fill" (i32.const 131071) (i32.const 1) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "u8" (i32.const 131071)) (i32.const 0x21))

;; A memory of no pages: only the empty fill at 0.
(module
  (memory 0)
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
)
(invoke "fill" (i32.const 0) (i32.const 1) (i32.const 0))
(assert_trap (invoke "fill" (i32.const 1) (i32.const 1) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const 0) (i32.const 1) (i32.const 1)) "out of bounds memory access")

(assert_invalid (module (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0)))) "unknown memory")
(assert_invalid
  (module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i64.const 0))))
  "type mismatch")
(assert_invalid
  (module (memory 1) (func (memory.fill (i64.const 0) (i32.const 0) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (memory 1) (func (memory.fill (i32.const 0) (f32.const 0) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (memory 1) (func (result i32) (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))
  "type mismatch")
