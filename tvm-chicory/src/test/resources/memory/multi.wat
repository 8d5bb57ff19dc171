;; Two memories, data segments listed out of memory order (built with --enable-multi-memory).
(module
  (memory $a 1 1)
  (memory $b 1 2)
  (data (memory $b) (i32.const 0) "B")
  (data (memory $a) (i32.const 0) "A")
  (data (memory $b) (i32.const 8) "\2a")
  (func (export "load_a") (param i32) (result i32) (i32.load8_u $a (local.get 0)))
  (func (export "load_b") (param i32) (result i32) (i32.load8_u $b (local.get 0)))
  (func (export "grow_b") (param i32) (result i32) (memory.grow $b (local.get 0)))
)
