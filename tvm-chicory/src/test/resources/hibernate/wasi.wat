;; A WASI guest (stdio only): prints its argument count through fd_write, keeps a counter.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 64) "tick\n")
  ;; Returns argc; counts calls.
  (func (export "argc") (result i32)
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.load (i32.const 0)))
  ;; Writes "tick\n" to stdout; returns the calls so far.
  (func (export "tick") (result i32)
    (i32.store (i32.const 8) (i32.const 64))
    (i32.store (i32.const 12) (i32.const 5))
    (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16)))
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (global.get $calls)))
