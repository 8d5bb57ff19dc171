;; The multi-memory proposal: several memories in one module, each with its own size, maximum,
;; bounds, data segments and growth; loads, stores, memory.size/grow/fill/init and memory.copy
;; between any two of them; imported and defined memories mixed.
;; Written for tvm-chicory (not taken from the WebAssembly testsuite); the ground of the
;; multi-memory proposal's tests (memory-multi, load/store/address/data/memory_* by index,
;; imports, linking).

;; ---------------------------------------------------------------- three defined memories

(module $three
  (memory $a 1)
  (memory $b 2 3)
  (memory $c 0 1)
  (data (memory $a) (i32.const 0) "AAAA")
  (data (memory $b) (i32.const 0) "BBBB")
  (data (memory $b) (i32.const 131068) "bend")
  (data (memory $a) (i32.const 65532) "aend")
  (data (memory $c) (i32.const 0) "")
  (data $pa "passive")

  (func (export "size_a") (result i32) (memory.size $a))
  (func (export "size_b") (result i32) (memory.size $b))
  (func (export "size_c") (result i32) (memory.size $c))
  (func (export "grow_a") (param i32) (result i32) (memory.grow $a (local.get 0)))
  (func (export "grow_b") (param i32) (result i32) (memory.grow $b (local.get 0)))
  (func (export "grow_c") (param i32) (result i32) (memory.grow $c (local.get 0)))

  (func (export "u8_a") (param i32) (result i32) (i32.load8_u $a (local.get 0)))
  (func (export "u8_b") (param i32) (result i32) (i32.load8_u $b (local.get 0)))
  (func (export "u8_c") (param i32) (result i32) (i32.load8_u $c (local.get 0)))
  (func (export "i32_a") (param i32) (result i32) (i32.load $a (local.get 0)))
  (func (export "i32_b") (param i32) (result i32) (i32.load $b (local.get 0)))
  (func (export "i32_c") (param i32) (result i32) (i32.load $c (local.get 0)))
  (func (export "s16_b") (param i32) (result i32) (i32.load16_s $b (local.get 0)))
  (func (export "s8_c") (param i32) (result i64) (i64.load8_s $c (local.get 0)))
  (func (export "s32_b") (param i32) (result i64) (i64.load32_s $b offset=4 (local.get 0)))
  (func (export "i64_a") (param i32) (result i64) (i64.load $a (local.get 0)))
  (func (export "i64_b") (param i32) (result i64) (i64.load $b (local.get 0)))
  (func (export "i64_c") (param i32) (result i64) (i64.load $c (local.get 0)))
  (func (export "f32_b") (param i32) (result f32) (f32.load $b (local.get 0)))
  (func (export "f64_c") (param i32) (result f64) (f64.load $c offset=8 (local.get 0)))

  (func (export "st8_a") (param i32 i32) (i32.store8 $a (local.get 0) (local.get 1)))
  (func (export "st8_b") (param i32 i32) (i32.store8 $b (local.get 0) (local.get 1)))
  (func (export "st8_c") (param i32 i32) (i32.store8 $c (local.get 0) (local.get 1)))
  (func (export "st16_c") (param i32 i32) (i32.store16 $c (local.get 0) (local.get 1)))
  (func (export "st32_b") (param i32 i32) (i32.store $b (local.get 0) (local.get 1)))
  (func (export "st64_a") (param i32 i64) (i64.store $a (local.get 0) (local.get 1)))
  (func (export "st64_b") (param i32 i64) (i64.store $b offset=8 (local.get 0) (local.get 1)))
  (func (export "st32_64_c") (param i32 i64) (i64.store32 $c (local.get 0) (local.get 1)))
  (func (export "stf32_b") (param i32 f32) (f32.store $b (local.get 0) (local.get 1)))
  (func (export "stf64_c") (param i32 f64) (f64.store $c offset=8 (local.get 0) (local.get 1)))

  (func (export "copy_ab") (param i32 i32 i32) (memory.copy $b $a (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_ba") (param i32 i32 i32) (memory.copy $a $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_bc") (param i32 i32 i32) (memory.copy $c $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_bb") (param i32 i32 i32) (memory.copy $b $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill_b") (param i32 i32 i32) (memory.fill $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill_c") (param i32 i32 i32) (memory.fill $c (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_c") (param i32 i32 i32) (memory.init $c $pa (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_b") (param i32 i32 i32) (memory.init $b $pa (local.get 0) (local.get 1) (local.get 2)))
  (func (export "drop_pa") (data.drop $pa))

  ;; one value through all three memories in a single function
  (func (export "relay") (param i64) (result i64)
    (i64.store $a (i32.const 1000) (local.get 0))
    (i64.store $b (i32.const 2000) (i64.add (i64.load $a (i32.const 1000)) (i64.const 1)))
    (i64.store $c (i32.const 0) (i64.add (i64.load $b (i32.const 2000)) (i64.const 1)))
    (i64.load $c (i32.const 0))
  )
)

;; sizes are per memory
(assert_return (invoke "size_a") (i32.const 1))
(assert_return (invoke "size_b") (i32.const 2))
(assert_return (invoke "size_c") (i32.const 0))
;; data went to its own memory
(assert_return (invoke "i32_a" (i32.const 0)) (i32.const 0x41414141))
(assert_return (invoke "i32_b" (i32.const 0)) (i32.const 0x42424242))
(assert_return (invoke "i32_a" (i32.const 65532)) (i32.const 0x646e6561))
(assert_return (invoke "i32_b" (i32.const 131068)) (i32.const 0x646e6562))
(assert_return (invoke "i32_b" (i32.const 65532)) (i32.const 0))
;; bounds are per memory
(assert_return (invoke "u8_a" (i32.const 65535)) (i32.const 0x64))
(assert_trap (invoke "u8_a" (i32.const 65536)) "out of bounds memory access")
(assert_return (invoke "u8_b" (i32.const 65536)) (i32.const 0))
(assert_return (invoke "u8_b" (i32.const 131071)) (i32.const 0x64))
(assert_trap (invoke "u8_b" (i32.const 131072)) "out of bounds memory access")
(assert_trap (invoke "i32_b" (i32.const 131069)) "out of bounds memory access")
(assert_trap (invoke "u8_c" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "i64_c" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "st8_c" (i32.const 0) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "i64_a" (i32.const 65529)) "out of bounds memory access")
(assert_trap (invoke "s32_b" (i32.const 131065)) "out of bounds memory access")
(assert_return (invoke "s32_b" (i32.const 131064)) (i64.const 0x646e6562))
;; stores land in their memory only
(invoke "st8_a" (i32.const 10) (i32.const 0x11))
(invoke "st8_b" (i32.const 10) (i32.const 0x22))
(assert_return (invoke "u8_a" (i32.const 10)) (i32.const 0x11))
(assert_return (invoke "u8_b" (i32.const 10)) (i32.const 0x22))
(invoke "st64_a" (i32.const 16) (i64.const 0x0102030405060708))
(assert_return (invoke "i64_a" (i32.const 16)) (i64.const 0x0102030405060708))
(assert_return (invoke "i64_b" (i32.const 16)) (i64.const 0))
(invoke "st64_b" (i32.const 16) (i64.const -2))
(assert_return (invoke "i64_b" (i32.const 24)) (i64.const -2))
(assert_return (invoke "i64_a" (i32.const 24)) (i64.const 0))
(invoke "st32_b" (i32.const 40) (i32.const 0xffff8001))
(assert_return (invoke "s16_b" (i32.const 40)) (i32.const -32767))
(assert_return (invoke "s16_b" (i32.const 42)) (i32.const -1))
(invoke "stf32_b" (i32.const 48) (f32.const -0x1.8p+1))
(assert_return (invoke "f32_b" (i32.const 48)) (f32.const -3.0))
(assert_return (invoke "i32_b" (i32.const 48)) (i32.const 0xc0400000))
(assert_trap (invoke "st64_b" (i32.const 131057) (i64.const 1)) "out of bounds memory access")
(assert_return (invoke "i64_b" (i32.const 131064)) (i64.const 0x646e656200000000))
;; growth is per memory
(assert_return (invoke "grow_c" (i32.const 1)) (i32.const 0))
(assert_return (invoke "size_c") (i32.const 1))
(assert_return (invoke "size_a") (i32.const 1))
(assert_return (invoke "size_b") (i32.const 2))
(assert_return (invoke "i64_c" (i32.const 65528)) (i64.const 0))
(invoke "st16_c" (i32.const 65534) (i32.const 0x8081))
(assert_return (invoke "s8_c" (i32.const 65534)) (i64.const -127))
(assert_return (invoke "s8_c" (i32.const 65535)) (i64.const -128))
(invoke "st32_64_c" (i32.const 100) (i64.const 0x1122334455667788))
(assert_return (invoke "i64_c" (i32.const 100)) (i64.const 0x55667788))
(invoke "stf64_c" (i32.const 200) (f64.const 0x1.921fb54442d18p+1))
(assert_return (invoke "f64_c" (i32.const 200)) (f64.const 0x1.921fb54442d18p+1))
(assert_return (invoke "i64_c" (i32.const 208)) (i64.const 0x400921fb54442d18))
(assert_return (invoke "grow_c" (i32.const 1)) (i32.const -1))
(assert_return (invoke "grow_b" (i32.const 2)) (i32.const -1))
(assert_return (invoke "grow_b" (i32.const 1)) (i32.const 2))
(assert_return (invoke "size_b") (i32.const 3))
(assert_return (invoke "u8_b" (i32.const 196607)) (i32.const 0))
(assert_trap (invoke "u8_b" (i32.const 196608)) "out of bounds memory access")
(assert_return (invoke "grow_a" (i32.const 2)) (i32.const 1))
(assert_return (invoke "size_a") (i32.const 3))
(assert_return (invoke "size_b") (i32.const 3))
(assert_return (invoke "size_c") (i32.const 1))
(assert_return (invoke "i32_a" (i32.const 65532)) (i32.const 0x646e6561))
(assert_return (invoke "u8_a" (i32.const 196607)) (i32.const 0))
;; all three in one function
(assert_return (invoke "relay" (i64.const 40)) (i64.const 42))
(assert_return (invoke "i64_a" (i32.const 1000)) (i64.const 40))
(assert_return (invoke "i64_b" (i32.const 2000)) (i64.const 41))
(assert_return (invoke "i64_c" (i32.const 0)) (i64.const 42))

;; memory.copy between memories
(invoke "copy_ab" (i32.const 300) (i32.const 0) (i32.const 4))
(assert_return (invoke "i32_b" (i32.const 300)) (i32.const 0x41414141))
(assert_return (invoke "i32_a" (i32.const 300)) (i32.const 0))
(invoke "copy_ba" (i32.const 310) (i32.const 0) (i32.const 4))
(assert_return (invoke "i32_a" (i32.const 310)) (i32.const 0x42424242))
(invoke "copy_bc" (i32.const 65532) (i32.const 131068) (i32.const 4))
(assert_return (invoke "i32_c" (i32.const 65532)) (i32.const 0x646e6562))
(invoke "copy_ab" (i32.const 196604) (i32.const 65532) (i32.const 4))
(assert_return (invoke "i32_b" (i32.const 196604)) (i32.const 0x646e6561))
;; the same addresses in two memories do not overlap
(invoke "copy_ab" (i32.const 0) (i32.const 0) (i32.const 8))
(assert_return (invoke "i64_b" (i32.const 0)) (i64.const 0x0000000041414141))
;; within one memory, by index
(invoke "copy_bb" (i32.const 1) (i32.const 0) (i32.const 4))
(assert_return (invoke "i64_b" (i32.const 0)) (i64.const 0x0000004141414141))
;; empty copies up to each memory's own end
(invoke "copy_bc" (i32.const 65536) (i32.const 196608) (i32.const 0))
(invoke "copy_ab" (i32.const 196608) (i32.const 196608) (i32.const 0))
;; out of bounds in the source or the destination memory: trap, nothing written
(assert_trap (invoke "copy_bc" (i32.const 65537) (i32.const 0) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "copy_bc" (i32.const 0) (i32.const 196609) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "copy_bc" (i32.const 65530) (i32.const 0) (i32.const 7)) "out of bounds memory access")
(assert_trap (invoke "copy_bc" (i32.const 400) (i32.const 196600) (i32.const 9)) "out of bounds memory access")
(assert_return (invoke "i64_c" (i32.const 400)) (i64.const 0))
(assert_return (invoke "i32_c" (i32.const 65532)) (i32.const 0x646e6562))
(assert_trap (invoke "copy_ab" (i32.const 0) (i32.const -1) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "copy_ba" (i32.const 196600) (i32.const 0) (i32.const 16)) "out of bounds memory access")
(assert_return (invoke "u8_a" (i32.const 196607)) (i32.const 0))

;; fill and init by index
(invoke "fill_b" (i32.const 500) (i32.const 0x7e) (i32.const 3))
(assert_return (invoke "i32_b" (i32.const 500)) (i32.const 0x007e7e7e))
(assert_return (invoke "i32_a" (i32.const 500)) (i32.const 0))
(assert_trap (invoke "fill_c" (i32.const 65535) (i32.const 1) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "u8_c" (i32.const 65535)) (i32.const 0x64))
(invoke "init_c" (i32.const 600) (i32.const 0) (i32.const 7))
(assert_return (invoke "i64_c" (i32.const 600)) (i64.const 0x0065766973736170))
(invoke "init_b" (i32.const 196601) (i32.const 0) (i32.const 7))
(assert_return (invoke "i64_b" (i32.const 196600)) (i64.const 0x6576697373617000))
(assert_trap (invoke "init_c" (i32.const 65530) (i32.const 0) (i32.const 7)) "out of bounds memory access")
(assert_return (invoke "u8_c" (i32.const 65530)) (i32.const 0))
(invoke "drop_pa")
(assert_trap (invoke "init_b" (i32.const 0) (i32.const 0) (i32.const 1)) "out of bounds memory access")
(invoke "init_c" (i32.const 0) (i32.const 0) (i32.const 0))

;; ---------------------------------------------------------------- imported and defined

(module $mixed
  (memory $host (import "spectest" "memory") 1 2)   ;; index 0
  (memory $own 1)                                   ;; index 1
  (memory $big 2)                                   ;; index 2
  (data (memory $host) (i32.const 4000) "host")
  (data (memory $own) (i32.const 4000) "own!")
  (data (memory $big) (i32.const 131064) "big!")
  (func (export "i32") (param i32 i32) (result i32)
    ;; load from the memory whose index is the first argument
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.load $host (local.get 1)))
      (else
        (if (result i32) (i32.eq (local.get 0) (i32.const 1))
          (then (i32.load $own (local.get 1)))
          (else (i32.load $big (local.get 1)))))))
  (func (export "size") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (memory.size $host))
      (else
        (if (result i32) (i32.eq (local.get 0) (i32.const 1))
          (then (memory.size $own))
          (else (memory.size $big))))))
  (func (export "grow_host") (param i32) (result i32) (memory.grow $host (local.get 0)))
  (func (export "copy_to_host") (param i32 i32 i32) (memory.copy $host $big (local.get 0) (local.get 1) (local.get 2)))
)
(assert_return (invoke "i32" (i32.const 0) (i32.const 4000)) (i32.const 0x74736f68))
(assert_return (invoke "i32" (i32.const 1) (i32.const 4000)) (i32.const 0x216e776f))
(assert_return (invoke "i32" (i32.const 2) (i32.const 4000)) (i32.const 0))
(assert_return (invoke "i32" (i32.const 2) (i32.const 131064)) (i32.const 0x21676962))
(assert_return (invoke "size" (i32.const 0)) (i32.const 1))
(assert_return (invoke "size" (i32.const 1)) (i32.const 1))
(assert_return (invoke "size" (i32.const 2)) (i32.const 2))
(assert_trap (invoke "i32" (i32.const 0) (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "i32" (i32.const 1) (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke "i32" (i32.const 2) (i32.const 65533)) (i32.const 0))
(invoke "copy_to_host" (i32.const 65532) (i32.const 131064) (i32.const 4))
(assert_return (invoke "i32" (i32.const 0) (i32.const 65532)) (i32.const 0x21676962))
(assert_return (invoke "grow_host" (i32.const 1)) (i32.const 1))
(assert_return (invoke "grow_host" (i32.const 1)) (i32.const -1))
(assert_return (invoke "size" (i32.const 0)) (i32.const 2))
(assert_return (invoke "size" (i32.const 1)) (i32.const 1))
(assert_return (invoke "i32" (i32.const 0) (i32.const 131068)) (i32.const 0))

;; The spectest memory is shared: another module sees the bytes and the growth.
(module
  (memory (import "spectest" "memory") 2 2)
  (func (export "i32") (param i32) (result i32) (i32.load (local.get 0)))
)
(assert_return (invoke "i32" (i32.const 4000)) (i32.const 0x74736f68))
(assert_return (invoke "i32" (i32.const 65532)) (i32.const 0x21676962))

;; ---------------------------------------------------------------- memories across modules

(module $pair
  (memory $m0 (export "m0") 1 4)
  (memory $m1 (export "m1") 2 4)
  (data (memory $m0) (i32.const 0) "zero")
  (data (memory $m1) (i32.const 0) "one!")
  (func (export "i32_m0") (param i32) (result i32) (i32.load $m0 (local.get 0)))
  (func (export "i32_m1") (param i32) (result i32) (i32.load $m1 (local.get 0)))
  (func (export "size_m1") (result i32) (memory.size $m1))
)
(register "pair" $pair)

;; Imported in the other order, plus a memory of its own.
(module $swapped
  (memory $x (import "pair" "m1") 2 4)   ;; index 0 is pair's m1
  (memory $y (import "pair" "m0") 1 4)   ;; index 1 is pair's m0
  (memory $z 1)
  (data (memory $x) (i32.const 8) "to m1")
  (data (memory $y) (i32.const 8) "to m0")
  (func (export "i32_x") (param i32) (result i32) (i32.load $x (local.get 0)))
  (func (export "i32_y") (param i32) (result i32) (i32.load $y (local.get 0)))
  (func (export "st_x") (param i32 i32) (i32.store $x (local.get 0) (local.get 1)))
  (func (export "st_y") (param i32 i32) (i32.store $y (local.get 0) (local.get 1)))
  (func (export "grow_x") (param i32) (result i32) (memory.grow $x (local.get 0)))
  (func (export "copy_yz") (param i32 i32 i32) (memory.copy $z $y (local.get 0) (local.get 1) (local.get 2)))
  (func (export "i32_z") (param i32) (result i32) (i32.load $z (local.get 0)))
)
(assert_return (invoke $swapped "i32_x" (i32.const 0)) (i32.const 0x21656e6f))
(assert_return (invoke $swapped "i32_y" (i32.const 0)) (i32.const 0x6f72657a))
(assert_return (invoke $pair "i32_m1" (i32.const 8)) (i32.const 0x6d206f74))
(assert_return (invoke $pair "i32_m0" (i32.const 8)) (i32.const 0x6d206f74))
(assert_return (invoke $pair "i32_m1" (i32.const 12)) (i32.const 0x31))
(assert_return (invoke $pair "i32_m0" (i32.const 12)) (i32.const 0x30))
(invoke $swapped "st_x" (i32.const 100) (i32.const 111))
(invoke $swapped "st_y" (i32.const 100) (i32.const 222))
(assert_return (invoke $pair "i32_m1" (i32.const 100)) (i32.const 111))
(assert_return (invoke $pair "i32_m0" (i32.const 100)) (i32.const 222))
(assert_return (invoke $swapped "grow_x" (i32.const 1)) (i32.const 2))
(assert_return (invoke $pair "size_m1") (i32.const 3))
(assert_return (invoke $pair "i32_m1" (i32.const 196604)) (i32.const 0))
(assert_trap (invoke $pair "i32_m0" (i32.const 65533)) "out of bounds memory access")
(invoke $swapped "copy_yz" (i32.const 0) (i32.const 0) (i32.const 4))
(assert_return (invoke $swapped "i32_z" (i32.const 0)) (i32.const 0x6f72657a))

;; Limits are checked per imported memory.
(assert_unlinkable
  (module (memory (import "pair" "m0") 2))
  "incompatible import type")
(assert_unlinkable
  (module (memory (import "pair" "m1") 1 3))
  "incompatible import type")
(module (memory (import "pair" "m1") 3 4))
(module (memory (import "pair" "m0") 1) (memory (import "pair" "m1") 3))

;; ---------------------------------------------------------------- instantiation order

;; Segments are applied in order, so one that fails leaves the earlier ones' bytes in memories
;; that outlive the module (imported ones), whichever memory each segment targets.
(module $target
  (memory (export "m0") 1)
  (memory (export "m1") 1)
  (func (export "u8_m0") (param i32) (result i32) (i32.load8_u 0 (local.get 0)))
  (func (export "u8_m1") (param i32) (result i32) (i32.load8_u 1 (local.get 0)))
)
(register "target" $target)
(assert_trap
  (module
    (memory (import "target" "m0") 1)
    (memory (import "target" "m1") 1)
    (data (memory 0) (i32.const 10) "a")
    (data (memory 1) (i32.const 10) "b")
    (data (memory 0) (i32.const 65536) "c"))
  "out of bounds memory access")
(assert_return (invoke $target "u8_m0" (i32.const 10)) (i32.const 0x61))
(assert_return (invoke $target "u8_m1" (i32.const 10)) (i32.const 0x62))
(assert_trap
  (module
    (memory (import "target" "m0") 1)
    (memory (import "target" "m1") 1)
    (data (memory 1) (i32.const 20) "d")
    (data (memory 0) (i32.const 65536) "e"))
  "out of bounds memory access")
(assert_return (invoke $target "u8_m1" (i32.const 20)) (i32.const 0x64))
(assert_trap
  (module
    (memory (import "target" "m0") 1)
    (memory $own 1)
    (data (memory 0) (i32.const 30) "f")
    (data (memory $own) (i32.const 65536) "g"))
  "out of bounds memory access")
(assert_return (invoke $target "u8_m0" (i32.const 30)) (i32.const 0x66))

;; ---------------------------------------------------------------- validation

(assert_invalid (module (memory 1) (func (drop (i32.load 1 (i32.const 0))))) "unknown memory 1")
(assert_invalid (module (memory 1) (memory 1) (func (i32.store 2 (i32.const 0) (i32.const 0)))) "unknown memory 2")
(assert_invalid (module (memory 1) (func (drop (memory.size 1)))) "unknown memory 1")
(assert_invalid (module (memory 1) (func (drop (memory.grow 1 (i32.const 0))))) "unknown memory 1")
(assert_invalid
  (module (memory 1) (func (memory.copy 0 1 (i32.const 0) (i32.const 0) (i32.const 0))))
  "unknown memory 1")
(assert_invalid
  (module (memory 1) (func (memory.copy 1 0 (i32.const 0) (i32.const 0) (i32.const 0))))
  "unknown memory 1")
(assert_invalid
  (module (memory 1) (func (memory.fill 1 (i32.const 0) (i32.const 0) (i32.const 0))))
  "unknown memory 1")
(assert_invalid
  (module (memory 1) (data "x") (func (memory.init 1 0 (i32.const 0) (i32.const 0) (i32.const 0))))
  "unknown memory 1")
(assert_invalid (module (memory 1) (data (memory 1) (i32.const 0) "")) "unknown memory 1")
(assert_invalid
  (module (memory (import "spectest" "memory") 1) (data (memory 1) (i32.const 0) ""))
  "unknown memory 1")
