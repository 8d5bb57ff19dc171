;; Memory declarations, limits, inline data, data segments and their bounds.
;; Written for tvm-chicory (not taken from the WebAssembly testsuite); it covers the ground of
;; the testsuite's memory.wast and data.wast for 32-bit memories.

;; ---------------------------------------------------------------- declarations

(module (memory 0))
(module (memory 1))
(module (memory 0 0))
(module (memory 0 1))
(module (memory 1 1))
(module (memory 2 5))
(module (memory 1 256))
(module (memory 0 65536))
(module (memory 3 65536))

;; A declared maximum above what Chicory can give (32767 pages) still instantiates: growth just
;; stops earlier.
(module
  (memory 1 65536)
  (func (export "size") (result i32) (memory.size))
)
(assert_return (invoke "size") (i32.const 1))

(module
  (memory (export "mem") 3 7)
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
(assert_return (invoke "size") (i32.const 3))
(assert_return (invoke "grow" (i32.const 4)) (i32.const 3))
(assert_return (invoke "size") (i32.const 7))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "size") (i32.const 7))

;; Limits that no module may declare.
(assert_invalid (module (memory 2 1)) "size minimum must not be greater than maximum")
(assert_invalid (module (memory 1 0)) "size minimum must not be greater than maximum")
(assert_invalid (module (memory 65537)) "memory size must be at most 65536 pages (4GiB)")
(assert_invalid (module (memory 0 65537)) "memory size must be at most 65536 pages (4GiB)")
(assert_invalid (module (memory 0xffff_ffff)) "memory size must be at most 65536 pages (4GiB)")
(assert_invalid (module (memory 0 0xffff_ffff)) "memory size must be at most 65536 pages (4GiB)")

;; Memory instructions need a memory.
(assert_invalid (module (func (drop (i32.load (i32.const 0))))) "unknown memory")
(assert_invalid (module (func (i32.store (i32.const 0) (i32.const 0)))) "unknown memory")
(assert_invalid (module (func (drop (i64.load16_s (i32.const 0))))) "unknown memory")
(assert_invalid (module (func (f64.store (i32.const 0) (f64.const 0)))) "unknown memory")
(assert_invalid (module (func (drop (memory.size)))) "unknown memory")
(assert_invalid (module (func (drop (memory.grow (i32.const 0))))) "unknown memory")

;; Addresses of a 32-bit memory are i32, and loads and stores have fixed types.
(assert_invalid (module (memory 1) (func (drop (i32.load (i64.const 0))))) "type mismatch")
(assert_invalid (module (memory 1) (func (drop (f32.load (f32.const 0))))) "type mismatch")
(assert_invalid (module (memory 1) (func (i32.store (i64.const 0) (i32.const 0)))) "type mismatch")
(assert_invalid (module (memory 1) (func (i64.store (i32.const 0) (i32.const 0)))) "type mismatch")
(assert_invalid (module (memory 1) (func (f32.store (i32.const 0) (f64.const 0)))) "type mismatch")
(assert_invalid (module (memory 1) (func (result i64) (i32.load (i32.const 0)))) "type mismatch")
(assert_invalid (module (memory 1) (func (result i32) (i64.load8_u (i32.const 0)))) "type mismatch")
(assert_invalid (module (memory 1) (func (result f64) (f32.load (i32.const 0)))) "type mismatch")
(assert_invalid (module (memory 1) (func (result i32) (memory.grow (i64.const 1)))) "type mismatch")
(assert_invalid (module (memory 1) (func (result i64) (memory.size))) "type mismatch")

;; ---------------------------------------------------------------- inline data

;; The inline form sizes the memory to the data: min = max = ceil(bytes / 64 KiB).
(module
  (memory (data "Hello" "\00\ff\7f\80"))
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "u8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "s8") (param i32) (result i32) (i32.load8_s (local.get 0)))
)
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "u8" (i32.const 0)) (i32.const 72))
(assert_return (invoke "u8" (i32.const 1)) (i32.const 101))
(assert_return (invoke "u8" (i32.const 4)) (i32.const 111))
(assert_return (invoke "u8" (i32.const 5)) (i32.const 0))
(assert_return (invoke "u8" (i32.const 6)) (i32.const 255))
(assert_return (invoke "s8" (i32.const 6)) (i32.const -1))
(assert_return (invoke "s8" (i32.const 7)) (i32.const 127))
(assert_return (invoke "s8" (i32.const 8)) (i32.const -128))
(assert_return (invoke "u8" (i32.const 9)) (i32.const 0))
(assert_return (invoke "u8" (i32.const 65535)) (i32.const 0))
(assert_trap (invoke "u8" (i32.const 65536)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 1))

;; Empty inline data: a memory of no pages that can never grow.
(module
  (memory (data))
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "u8") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
(assert_return (invoke "size") (i32.const 0))
(assert_trap (invoke "u8" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 0))

;; ---------------------------------------------------------------- data segments

(module
  (global $at (import "spectest" "global_i32") i32)  ;; 666
  (memory 1)
  (data (i32.const 0) "\aa\bb\cc\dd\ee")
  (data (i32.const 2) "\11\22")                  ;; overlaps the first: applied later, so it wins
  (data (i32.const 65531) "tail!")               ;; the last five bytes
  (data (i32.const 65536) "")                    ;; empty, right at the end: allowed
  (data (i32.const 0) "")                        ;; empty at 0
  (data (global.get $at) "g")                    ;; offset from an imported global
  (data (i32.const 100) "\01\02\03\04\05\06\07\08")
  (data (i32.const 200) "\ff\ff\ff\ff\ff\ff\ff\ff")
  (data (i32.const 300) "\00\00\80\3f" "\00\00\00\00\00\00\f0\bf")  ;; 1.0f, then -1.0d
  (func (export "u8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "i32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "i64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "f32") (param i32) (result f32) (f32.load (local.get 0)))
  (func (export "f64") (param i32) (result f64) (f64.load (local.get 0)))
)
(assert_return (invoke "u8" (i32.const 0)) (i32.const 0xaa))
(assert_return (invoke "u8" (i32.const 1)) (i32.const 0xbb))
(assert_return (invoke "u8" (i32.const 2)) (i32.const 0x11))
(assert_return (invoke "u8" (i32.const 3)) (i32.const 0x22))
(assert_return (invoke "u8" (i32.const 4)) (i32.const 0xee))
(assert_return (invoke "u8" (i32.const 5)) (i32.const 0))
(assert_return (invoke "i32" (i32.const 0)) (i32.const 0x2211bbaa))
(assert_return (invoke "u8" (i32.const 65530)) (i32.const 0))
(assert_return (invoke "u8" (i32.const 65531)) (i32.const 116))
(assert_return (invoke "u8" (i32.const 65535)) (i32.const 33))
(assert_return (invoke "i32" (i32.const 65532)) (i32.const 0x216c6961))
(assert_return (invoke "u8" (i32.const 665)) (i32.const 0))
(assert_return (invoke "u8" (i32.const 666)) (i32.const 103))
(assert_return (invoke "u8" (i32.const 667)) (i32.const 0))
(assert_return (invoke "i64" (i32.const 100)) (i64.const 0x0807060504030201))
(assert_return (invoke "i64" (i32.const 200)) (i64.const -1))
(assert_return (invoke "i32" (i32.const 204)) (i32.const -1))
(assert_return (invoke "i64" (i32.const 208)) (i64.const 0))
(assert_return (invoke "f32" (i32.const 300)) (f32.const 1.0))
(assert_return (invoke "f64" (i32.const 304)) (f64.const -1.0))

;; A segment in a memory of no pages: only an empty one at 0.
(module (memory 0) (data (i32.const 0) ""))
(module (memory 0 0) (data (i32.const 0) ""))
(module (memory 0) (data (i32.const 0) "") (data (i32.const 0) ""))

;; Segments may fill the whole memory.
(module
  (memory 1)
  (data (i32.const 65528) "\01\02\03\04\05\06\07\08")
  (func (export "i64") (param i32) (result i64) (i64.load (local.get 0)))
)
(assert_return (invoke "i64" (i32.const 65528)) (i64.const 0x0807060504030201))
(assert_trap (invoke "i64" (i32.const 65529)) "out of bounds memory access")

;; Segments that do not fit make the module uninstantiable.
(assert_trap (module (memory 0) (data (i32.const 0) "x")) "out of bounds memory access")
(assert_trap (module (memory 0) (data (i32.const 1) "")) "out of bounds memory access")
(assert_trap (module (memory 0 0) (data (i32.const 0) "x")) "out of bounds memory access")
(assert_trap (module (memory 1) (data (i32.const 65536) "x")) "out of bounds memory access")
(assert_trap (module (memory 1) (data (i32.const 65535) "xy")) "out of bounds memory access")
(assert_trap (module (memory 1) (data (i32.const 65529) "12345678")) "out of bounds memory access")
(assert_trap (module (memory 1) (data (i32.const 65537) "")) "out of bounds memory access")
(assert_trap (module (memory 1) (data (i32.const -1) "x")) "out of bounds memory access")
(assert_trap (module (memory 1) (data (i32.const -1) "")) "out of bounds memory access")
(assert_trap (module (memory 1) (data (i32.const 0x8000_0000) "")) "out of bounds memory access")
(assert_trap (module (memory 2) (data (i32.const 131071) "xx")) "out of bounds memory access")
(assert_trap
  (module (global (import "spectest" "global_i32") i32) (memory 0) (data (global.get 0) "x"))
  "out of bounds memory access"
)

;; Segments need a memory, and their offsets are constant i32 expressions.
(assert_invalid (module (data (i32.const 0) "")) "unknown memory")
(assert_invalid (module (memory 1) (data (i64.const 0) "")) "type mismatch")
(assert_invalid (module (memory 1) (data (f32.const 0) "")) "type mismatch")

;; ---------------------------------------------------------------- exported memories

(module $exporter
  (memory (export "memory") 1 3)
  (data (i32.const 8) "exported")
  (func (export "u8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "size") (result i32) (memory.size))
)
(register "exporter" $exporter)

(module $importer
  (memory (import "exporter" "memory") 1 3)
  (data (i32.const 16) "!")
  (func (export "u8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
;; Both see one memory: the importer's data segment, and each other's stores and growth.
(assert_return (invoke $exporter "u8" (i32.const 16)) (i32.const 33))
(assert_return (invoke $importer "u8" (i32.const 8)) (i32.const 101))
(invoke $importer "poke" (i32.const 1000) (i32.const 77))
(assert_return (invoke $exporter "u8" (i32.const 1000)) (i32.const 77))
(invoke $exporter "poke" (i32.const 1001) (i32.const 88))
(assert_return (invoke $importer "u8" (i32.const 1001)) (i32.const 88))
(assert_return (invoke $importer "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke $exporter "size") (i32.const 2))
(assert_return (invoke $exporter "u8" (i32.const 131071)) (i32.const 0))
(invoke $exporter "poke" (i32.const 131071) (i32.const 9))
(assert_return (invoke $importer "u8" (i32.const 131071)) (i32.const 9))
(assert_trap (invoke $importer "u8" (i32.const 131072)) "out of bounds memory access")
(assert_return (invoke $importer "grow" (i32.const 2)) (i32.const -1))
(assert_return (invoke $exporter "size") (i32.const 2))

;; The size of a memory, as a module exports it through a global computed at instantiation.
(module $sized
  (global $pages (import "spectest" "global_i32") i32)
  (memory 2)
  (global (export "bytes_per_page") i32 (i32.const 65536))
  (global (export "imported") i32 (global.get $pages))
  (func (export "size") (result i32) (memory.size))
)
(assert_return (get $sized "bytes_per_page") (i32.const 65536))
(assert_return (get "imported") (i32.const 666))
(assert_return (invoke "size") (i32.const 2))
