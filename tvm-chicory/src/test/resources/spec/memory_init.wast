;; memory.init and data.drop: copy a slice of a passive data segment into memory; trap, writing
;; nothing, when the slice leaves the segment or the destination leaves memory; a dropped segment
;; (and an active one, once instantiated) behaves as empty.
;; Written for tvm-chicory (not taken from the WebAssembly testsuite); the ground of the
;; testsuite's memory_init.wast and data_drop cases of bulk.wast.

(module
  (memory 1)
  (data $active (i32.const 0) "\aa\bb")
  (data $p "\01\02\03\04\05\06\07\08\09\0a")
  (data $empty "")
  (data $q "queue")
  (func (export "init") (param i32 i32 i32) (memory.init $p (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_q") (param i32 i32 i32) (memory.init $q (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_empty") (param i32 i32 i32) (memory.init $empty (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_active") (param i32 i32 i32) (memory.init $active (local.get 0) (local.get 1) (local.get 2)))
  (func (export "drop") (data.drop $p))
  (func (export "drop_active") (data.drop $active))
  (func (export "u8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "i64") (param i32) (result i64) (i64.load (local.get 0)))
)
(assert_return (invoke "u8" (i32.const 0)) (i32.const 0xaa))
(invoke "init" (i32.const 100) (i32.const 0) (i32.const 10))
(assert_return (invoke "i64" (i32.const 100)) (i64.const 0x0807060504030201))
(assert_return (invoke "i64" (i32.const 108)) (i64.const 0x0a09))
(assert_return (invoke "u8" (i32.const 99)) (i32.const 0))
;; a slice, and the same segment used again
(invoke "init" (i32.const 200) (i32.const 3) (i32.const 4))
(assert_return (invoke "i64" (i32.const 200)) (i64.const 0x07060504))
(invoke "init" (i32.const 201) (i32.const 9) (i32.const 1))
(assert_return (invoke "i64" (i32.const 200)) (i64.const 0x07060a04))
;; empty slices at any offset up to the segment's length, any destination up to memory's end
(invoke "init" (i32.const 300) (i32.const 10) (i32.const 0))
(invoke "init" (i32.const 65536) (i32.const 0) (i32.const 0))
(invoke "init" (i32.const 65536) (i32.const 10) (i32.const 0))
(assert_return (invoke "u8" (i32.const 300)) (i32.const 0))
;; to the last bytes
(invoke "init" (i32.const 65531) (i32.const 5) (i32.const 5))
(assert_return (invoke "i64" (i32.const 65528)) (i64.const 0x0a09080706000000))
;; out of the segment or of memory: trap, nothing written
(assert_trap (invoke "init" (i32.const 400) (i32.const 11) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "init" (i32.const 400) (i32.const 0) (i32.const 11)) "out of bounds memory access")
(assert_trap (invoke "init" (i32.const 400) (i32.const 8) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "i64" (i32.const 400)) (i64.const 0))
(assert_trap (invoke "init" (i32.const 65537) (i32.const 0) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "init" (i32.const 65530) (i32.const 0) (i32.const 7)) "out of bounds memory access")
(assert_return (invoke "i64" (i32.const 65528)) (i64.const 0x0a09080706000000))
(assert_trap (invoke "init" (i32.const -1) (i32.const 0) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "init" (i32.const 0) (i32.const -1) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "init" (i32.const 1) (i32.const 1) (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "init" (i32.const 0) (i32.const 0x8000_0000) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "u8" (i32.const 1)) (i32.const 0xbb))
;; another segment
(invoke "init_q" (i32.const 500) (i32.const 1) (i32.const 3))
(assert_return (invoke "i64" (i32.const 500)) (i64.const 0x756575))
;; the empty segment
(invoke "init_empty" (i32.const 0) (i32.const 0) (i32.const 0))
(invoke "init_empty" (i32.const 65536) (i32.const 0) (i32.const 0))
(assert_trap (invoke "init_empty" (i32.const 0) (i32.const 0) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "init_empty" (i32.const 0) (i32.const 1) (i32.const 0)) "out of bounds memory access")
;; an active segment is dropped once instantiation has applied it
(invoke "init_active" (i32.const 0) (i32.const 0) (i32.const 0))
(assert_trap (invoke "init_active" (i32.const 600) (i32.const 0) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "u8" (i32.const 600)) (i32.const 0))
(invoke "drop_active")
;; dropping: later inits see an empty segment; dropping again is fine
(invoke "drop")
(invoke "init" (i32.const 0) (i32.const 0) (i32.const 0))
(assert_trap (invoke "init" (i32.const 700) (i32.const 0) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "init" (i32.const 700) (i32.const 1) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "u8" (i32.const 700)) (i32.const 0))
(invoke "drop")
;; what was copied before the drop stays
(assert_return (invoke "i64" (i32.const 100)) (i64.const 0x0807060504030201))
;; other segments are unaffected
(invoke "init_q" (i32.const 800) (i32.const 0) (i32.const 5))
(assert_return (invoke "i64" (i32.const 800)) (i64.const 0x6575657571))

;; A memory of no pages: only empty inits at 0.
(module
  (memory 0)
  (data $d "x")
  (func (export "init") (param i32 i32 i32) (memory.init $d (local.get 0) (local.get 1) (local.get 2)))
)
(invoke "init" (i32.const 0) (i32.const 0) (i32.const 0))
(invoke "init" (i32.const 0) (i32.const 1) (i32.const 0))
(assert_trap (invoke "init" (i32.const 1) (i32.const 0) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "init" (i32.const 0) (i32.const 0) (i32.const 1)) "out of bounds memory access")

;; memory.init in a start function, and into a grown memory
(module
  (memory 0 2)
  (data $d "start!")
  (func $start
    (drop (memory.grow (i32.const 1)))
    (memory.init $d (i32.const 65530) (i32.const 0) (i32.const 6)))
  (start $start)
  (func (export "i64") (param i32) (result i64) (i64.load (local.get 0)))
)
(assert_return (invoke "i64" (i32.const 65528)) (i64.const 0x217472617473_0000))

;; A trap in the start function: the module is not instantiated.
(assert_trap
  (module
    (memory 1)
    (data $d "abc")
    (func $start (memory.init $d (i32.const 65535) (i32.const 0) (i32.const 3)))
    (start $start))
  "out of bounds memory access")

(assert_invalid (module (memory 1) (func (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 0)))) "unknown data segment")
(assert_invalid (module (memory 1) (func (data.drop 0))) "unknown data segment")
(assert_invalid
  (module (memory 1) (data "x") (func (memory.init 0 (i32.const 0) (i32.const 0) (i64.const 0))))
  "type mismatch")
