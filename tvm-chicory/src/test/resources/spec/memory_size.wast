;; memory.size reports pages, follows growth, and is exact at every step.
;; Written for tvm-chicory (not taken from the WebAssembly testsuite); the ground of the
;; testsuite's memory_size.wast.

(module
  (memory 0)
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (drop (memory.grow (local.get 0))))
)
(assert_return (invoke "size") (i32.const 0))
(assert_return (invoke "grow" (i32.const 1)))
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "grow" (i32.const 4)))
(assert_return (invoke "size") (i32.const 5))
(assert_return (invoke "grow" (i32.const 0)))
(assert_return (invoke "size") (i32.const 5))

(module
  (memory 1)
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (drop (memory.grow (local.get 0))))
)
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "grow" (i32.const 1)))
(assert_return (invoke "size") (i32.const 2))
(assert_return (invoke "grow" (i32.const 4)))
(assert_return (invoke "size") (i32.const 6))
(assert_return (invoke "grow" (i32.const 0)))
(assert_return (invoke "size") (i32.const 6))

(module
  (memory 0 2)
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (drop (memory.grow (local.get 0))))
)
(assert_return (invoke "size") (i32.const 0))
(assert_return (invoke "grow" (i32.const 3)))
(assert_return (invoke "size") (i32.const 0))
(assert_return (invoke "grow" (i32.const 1)))
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "grow" (i32.const 0)))
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "grow" (i32.const 2)))
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "grow" (i32.const 1)))
(assert_return (invoke "size") (i32.const 2))

(module
  (memory 3 8)
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (drop (memory.grow (local.get 0))))
  ;; the size in bytes, as a program would compute its bound
  (func (export "bytes") (result i64) (i64.mul (i64.extend_i32_u (memory.size)) (i64.const 65536)))
)
(assert_return (invoke "size") (i32.const 3))
(assert_return (invoke "bytes") (i64.const 196608))
(assert_return (invoke "grow" (i32.const 1)))
(assert_return (invoke "size") (i32.const 4))
(assert_return (invoke "grow" (i32.const 3)))
(assert_return (invoke "size") (i32.const 7))
(assert_return (invoke "grow" (i32.const 0)))
(assert_return (invoke "size") (i32.const 7))
(assert_return (invoke "grow" (i32.const 2)))
(assert_return (invoke "size") (i32.const 7))
(assert_return (invoke "grow" (i32.const 1)))
(assert_return (invoke "size") (i32.const 8))
(assert_return (invoke "bytes") (i64.const 524288))

;; The size of an imported memory is the exporter's current size.
(module $host
  (memory (export "m") 2 6)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
(register "host" $host)
(module $guest
  (memory (import "host" "m") 1)
  (func (export "size") (result i32) (memory.size))
)
(assert_return (invoke $guest "size") (i32.const 2))
(assert_return (invoke $host "grow" (i32.const 3)) (i32.const 2))
(assert_return (invoke $guest "size") (i32.const 5))

;; The spectest host memory has 1 to 2 pages.
(module
  (memory (import "spectest" "memory") 1 2)
  (func (export "size") (result i32) (memory.size))
)
(assert_return (invoke "size") (i32.const 1))

(assert_invalid (module (memory 1) (func (result i64) (memory.size))) "type mismatch")
(assert_invalid (module (memory 1) (func (result f32) (memory.size))) "type mismatch")
(assert_invalid (module (memory 1) (func (memory.size))) "type mismatch")
