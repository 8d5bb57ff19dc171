;; link_features.wat - exercises what the static linker must renumber: a guest
;; with two memories of its own, passive and active data, a table with active,
;; passive and declarative element segments, call_indirect, ref.func, globals,
;; a start function, bulk memory on both memories, and shell calls. Linked with
;; a shell, every index space shifts: functions (imports resolved), memories
;; (the shell's pools come after memory 1), data and element segments, types.
(module
  (type $binop (func (param i32 i32) (result i32)))
  (import "tvm_shell" "region_create" (func $region_create (param i32 i32 i32) (result i32)))
  (import "tvm_shell" "alloc" (func $alloc (param i32 i64) (result i64)))
  (import "tvm_shell" "store_i64" (func $store_i64 (param i64 i64 i64)))
  (import "tvm_shell" "load_i64" (func $load_i64 (param i64 i64) (result i64)))
  (import "tvm_shell" "copy_in" (func $copy_in (param i64 i64 i32 i64) (result i32)))
  (import "tvm_shell" "copy_out" (func $copy_out (param i32 i64 i64 i64) (result i32)))
  (memory $main 1)
  (memory $side 1 2)
  (table $t 4 8 funcref)
  (global $started (mut i32) (i32.const 0))
  (global $base i32 (i32.const 64))
  (data $greeting (i32.const 16) "linked!")
  (data $lazy "passive bytes")
  (data $side_init (memory $side) (i32.const 8) "\2a\00\00\00")
  (elem (table $t) (i32.const 0) func $add $sub)
  (elem $later func $mul)
  (elem declare func $sub)
  (start $init)
  (func $init (global.set $started (i32.const 1)))
  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))

  ;; 1 when the start function ran
  (func (export "started") (result i32) (global.get $started))

  ;; table slot 2 filled from the passive segment, then slots 0..2 called
  (func (export "indirect") (param $a i32) (param $b i32) (result i32)
    (table.init $t $later (i32.const 2) (i32.const 0) (i32.const 1))
    (elem.drop $later)
    (i32.add
      (i32.add
        (call_indirect $t (type $binop) (local.get $a) (local.get $b) (i32.const 0))
        (call_indirect $t (type $binop) (local.get $a) (local.get $b) (i32.const 1)))
      (call_indirect $t (type $binop) (local.get $a) (local.get $b) (i32.const 2))))

  ;; ref.func and table.set/get/size/grow
  (func (export "tables") (result i32)
    (drop (table.grow $t (ref.func $sub) (i32.const 2)))
    (table.set $t (i32.const 3) (ref.func $sub))
    (i32.add (table.size $t)
      (call_indirect $t (type $binop) (i32.const 10) (i32.const 3) (i32.const 5))))

  ;; passive data into memory 0, the side memory's active data, memory.copy across guest memories
  (func (export "bulk") (result i64)
    (memory.init $lazy (i32.const 100) (i32.const 0) (i32.const 13))
    (data.drop $lazy)
    (memory.copy $side $main (i32.const 32) (i32.const 100) (i32.const 13))
    (i64.add
      (i64.load $side (i32.const 32))
      (i64.extend_i32_u (i32.load $side (i32.const 8)))))

  ;; a round trip through a shell pool: guest memory -> pool -> guest memory
  (func (export "through_pool") (result i64)
    (local $r i32) (local $h i64)
    (local.set $r (call $region_create (i32.const 1) (i32.const 2) (i32.const 4096)))
    (local.set $h (call $alloc (local.get $r) (i64.const 64)))
    (drop (call $copy_in (local.get $h) (i64.const 0) (i32.const 16) (i64.const 7)))
    (call $store_i64 (local.get $h) (i64.const 8) (i64.const 99))
    (drop (call $copy_out (i32.const 200) (local.get $h) (i64.const 0) (i64.const 16)))
    (i64.add (i64.load (i32.const 200))
      (i64.add (i64.load (i32.const 208)) (call $load_i64 (local.get $h) (i64.const 8)))))

  ;; memory.size and grow of both guest memories
  (func (export "sizes") (result i32)
    (drop (memory.grow $side (i32.const 1)))
    (i32.add (i32.mul (memory.size $main) (i32.const 10)) (memory.size $side)))
  (export "memory" (memory $main))
)
