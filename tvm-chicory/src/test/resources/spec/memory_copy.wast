;; memory.copy: copies n bytes from s to d as if through a temporary buffer (overlap in either
;; direction is fine); traps, writing nothing, when either range leaves memory; n = 0 is allowed
;; up to the end exactly.
;; Written for tvm-chicory (not taken from the WebAssembly testsuite); the ground of the
;; testsuite's memory_copy.wast.

(module
  (memory 1 2)
  (data (i32.const 0) "\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f")
  (data (i32.const 65520) "\f0\f1\f2\f3\f4\f5\f6\f7\f8\f9\fa\fb\fc\fd\fe\ff")
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "u8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "i64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
;; disjoint
(invoke "copy" (i32.const 100) (i32.const 0) (i32.const 16))
(assert_return (invoke "i64" (i32.const 100)) (i64.const 0x0706050403020100))
(assert_return (invoke "i64" (i32.const 108)) (i64.const 0x0f0e0d0c0b0a0908))
(assert_return (invoke "u8" (i32.const 99)) (i32.const 0))
(assert_return (invoke "u8" (i32.const 116)) (i32.const 0))
;; overlapping, destination after the source (must copy from the back)
(invoke "copy" (i32.const 102) (i32.const 100) (i32.const 8))
(assert_return (invoke "i64" (i32.const 100)) (i64.const 0x0504030201000100))
(assert_return (invoke "i64" (i32.const 108)) (i64.const 0x0f0e0d0c0b0a0706))
;; overlapping, destination before the source (must copy from the front)
(invoke "copy" (i32.const 200) (i32.const 0) (i32.const 16))
(invoke "copy" (i32.const 199) (i32.const 200) (i32.const 16))
(assert_return (invoke "i64" (i32.const 199)) (i64.const 0x0706050403020100))
(assert_return (invoke "i64" (i32.const 207)) (i64.const 0x0f0e0d0c0b0a0908))
(assert_return (invoke "u8" (i32.const 215)) (i32.const 0x0f))
;; onto itself
(invoke "copy" (i32.const 0) (i32.const 0) (i32.const 16))
(assert_return (invoke "i64" (i32.const 0)) (i64.const 0x0706050403020100))
;; from and to the last bytes
(invoke "copy" (i32.const 300) (i32.const 65528) (i32.const 8))
(assert_return (invoke "i64" (i32.const 300)) (i64.const 0xfffefdfcfbfaf9f8))
(invoke "copy" (i32.const 65528) (i32.const 0) (i32.const 8))
(assert_return (invoke "i64" (i32.const 65528)) (i64.const 0x0706050403020100))
(assert_return (invoke "i64" (i32.const 65520)) (i64.const 0xf7f6f5f4f3f2f1f0))
;; empty copies, anywhere up to the end itself
(invoke "copy" (i32.const 65536) (i32.const 0) (i32.const 0))
(invoke "copy" (i32.const 0) (i32.const 65536) (i32.const 0))
(invoke "copy" (i32.const 65536) (i32.const 65536) (i32.const 0))
;; out of bounds: trap before writing anything
(assert_trap (invoke "copy" (i32.const 65537) (i32.const 0) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const 0) (i32.const 65537) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const 65530) (i32.const 0) (i32.const 7)) "out of bounds memory access")
(assert_return (invoke "i64" (i32.const 65528)) (i64.const 0x0706050403020100))
(assert_trap (invoke "copy" (i32.const 400) (i32.const 65530) (i32.const 7)) "out of bounds memory access")
(assert_return (invoke "i64" (i32.const 400)) (i64.const 0))
(assert_trap (invoke "copy" (i32.const 0) (i32.const 1) (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const 1) (i32.const 0) (i32.const 65536)) "out of bounds memory access")
(assert_return (invoke "i64" (i32.const 0)) (i64.const 0x0706050403020100))
(assert_trap (invoke "copy" (i32.const -1) (i32.const 0) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const 0) (i32.const -1) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const 1) (i32.const 0) (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const 0x8000_0000) (i32.const 0) (i32.const 0x8000_0000)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const 16) (i32.const 0xffff_fff0) (i32.const 0x10)) "out of bounds memory access")
(assert_return (invoke "i64" (i32.const 0)) (i64.const 0x0706050403020100))
(assert_return (invoke "u8" (i32.const 16)) (i32.const 0))
;; the whole memory onto itself, and shifted by one in each direction within it
(invoke "copy" (i32.const 0) (i32.const 0) (i32.const 65536))
(invoke "copy" (i32.const 1) (i32.const 0) (i32.const 65535))
(assert_return (invoke "i64" (i32.const 0)) (i64.const 0x0605040302010000))
(assert_return (invoke "u8" (i32.const 65535)) (i32.const 0x06))
(invoke "copy" (i32.const 0) (i32.const 1) (i32.const 65535))
(assert_return (invoke "i64" (i32.const 0)) (i64.const 0x0706050403020100))
(assert_return (invoke "u8" (i32.const 65534)) (i32.const 0x06))
;; across the end of a grown page
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(invoke "copy" (i32.const 65532) (i32.const 0) (i32.const 8))
(assert_return (invoke "i64" (i32.const 65532)) (i64.const 0x0706050403020100))
(invoke "copy" (i32.const 131064) (i32.const 65532) (i32.const 8))
(assert_return (invoke "i64" (i32.const 131064)) (i64.const 0x0706050403020100))
(assert_trap (invoke "copy" (i32.const 131065) (i32.const 0) (i32.const 8)) "out of bounds memory access")
(assert_return (invoke "i64" (i32.const 131064)) (i64.const 0x0706050403020100))

;; A memory of no pages: only empty copies at 0.
(module
  (memory 0)
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
)
(invoke "copy" (i32.const 0) (i32.const 0) (i32.const 0))
(assert_trap (invoke "copy" (i32.const 1) (i32.const 0) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const 0) (i32.const 1) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const 0) (i32.const 0) (i32.const 1)) "out of bounds memory access")

(assert_invalid (module (func (memory.copy (i32.const 0) (i32.const 0) (i32.const 0)))) "unknown memory")
(assert_invalid
  (module (memory 1) (func (memory.copy (i32.const 0) (i64.const 0) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (memory 1) (func (memory.copy (i32.const 0) (i32.const 0) (f64.const 0))))
  "type mismatch")
