;; Another module for the foreign-module check: same shape as nothing in particular.
(module
  (memory (export "memory") 1)
  (func (export "answer") (result i32) (i32.const 42)))
