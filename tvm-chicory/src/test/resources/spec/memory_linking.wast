;; Memories shared between modules: one memory object behind every import and re-export, import
;; limits matched against the exporter's current size and maximum, and data segments of
;; importing modules (active and passive) applied to the shared memory.
;; Written for tvm-chicory (not taken from the WebAssembly testsuite); the ground of the
;; memory parts of the testsuite's imports.wast, linking.wast and data.wast.

(module $owner
  (memory (export "mem") 1 4)
  (data (i32.const 0) "owner")
  (data $own_passive "OWN")
  (func (export "u8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "i32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "init_own") (param i32) (memory.init $own_passive (local.get 0) (i32.const 0) (i32.const 3)))
)
(register "owner" $owner)

;; Import limits: the minimum against the current size, the maximum against the exporter's.
(module (memory (import "owner" "mem") 1))
(module (memory (import "owner" "mem") 0))
(module (memory (import "owner" "mem") 1 4))
(module (memory (import "owner" "mem") 1 5))
(module (memory (import "owner" "mem") 0 65536))
(assert_unlinkable (module (memory (import "owner" "mem") 2)) "incompatible import type")
(assert_unlinkable (module (memory (import "owner" "mem") 1 3)) "incompatible import type")
(assert_unlinkable (module (memory (import "owner" "mem") 0 1)) "incompatible import type")
(assert_unlinkable (module (memory (import "owner" "mem") 2 3)) "incompatible import type")
;; once the owner has grown, a larger minimum links
(assert_return (invoke $owner "grow" (i32.const 1)) (i32.const 1))
(module (memory (import "owner" "mem") 2))
(module (memory (import "owner" "mem") 2 4))
(assert_unlinkable (module (memory (import "owner" "mem") 3)) "incompatible import type")

;; Wrong kinds and unknown names.
(assert_unlinkable (module (import "owner" "mem" (func))) "incompatible import type")
(assert_unlinkable (module (import "owner" "mem" (global i32))) "incompatible import type")
(assert_unlinkable (module (import "owner" "mem" (table 0 funcref))) "incompatible import type")
(assert_unlinkable (module (memory (import "owner" "u8") 1)) "incompatible import type")
(assert_unlinkable (module (memory (import "owner" "nothing") 1)) "unknown import")
(assert_unlinkable (module (memory (import "nobody" "mem") 1)) "unknown import")

;; The spectest host's memory is 1 to 2 pages.
(module (memory (import "spectest" "memory") 1 2))
(module (memory (import "spectest" "memory") 0 2))
(module (memory (import "spectest" "memory") 1 3))
(module (memory (import "spectest" "memory") 0))
(assert_unlinkable (module (memory (import "spectest" "memory") 2)) "incompatible import type")
(assert_unlinkable (module (memory (import "spectest" "memory") 1 1)) "incompatible import type")

;; Re-exported memories are the same memory.
(module $relay
  (memory (import "owner" "mem") 1)
  (export "again" (memory 0))
  (data (i32.const 100) "relay")
)
(register "relay" $relay)
(module $user
  (memory (import "relay" "again") 1)
  (data (i32.const 200) "user")
  (func (export "i32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
(assert_return (invoke $owner "i32" (i32.const 100)) (i32.const 0x616c6572))
(assert_return (invoke $owner "i32" (i32.const 200)) (i32.const 0x72657375))
(assert_return (invoke $user "i32" (i32.const 0)) (i32.const 0x656e776f))
(invoke $user "store" (i32.const 300) (i32.const 0x12345678))
(assert_return (invoke $owner "i32" (i32.const 300)) (i32.const 0x12345678))
(invoke $user "fill" (i32.const 400) (i32.const 0x33) (i32.const 4))
(assert_return (invoke $owner "i32" (i32.const 400)) (i32.const 0x33333333))
(invoke $user "copy" (i32.const 500) (i32.const 0) (i32.const 4))
(assert_return (invoke $owner "i32" (i32.const 500)) (i32.const 0x656e776f))
(assert_return (invoke $user "size") (i32.const 2))
(assert_return (invoke $user "grow" (i32.const 2)) (i32.const 2))
(assert_return (invoke $owner "size") (i32.const 4))
(assert_return (invoke $owner "grow" (i32.const 1)) (i32.const -1))
(invoke $user "store" (i32.const 262140) (i32.const 7))
(assert_return (invoke $owner "i32" (i32.const 262140)) (i32.const 7))
(assert_trap (invoke $owner "i32" (i32.const 262141)) "out of bounds memory access")
(assert_trap (invoke $user "store" (i32.const 262141) (i32.const 7)) "out of bounds memory access")

;; A module whose instantiation fails keeps the writes of the segments before the failing one.
(assert_trap
  (module
    (memory (import "owner" "mem") 1)
    (data (i32.const 600) "kept")
    (data (i32.const 262144) "x")
    (data (i32.const 700) "never"))
  "out of bounds memory access")
(assert_return (invoke $owner "i32" (i32.const 600)) (i32.const 0x7470656b))
(assert_return (invoke $owner "i32" (i32.const 700)) (i32.const 0))
;; and a failing start function keeps the segments' writes too
(assert_trap
  (module
    (memory (import "owner" "mem") 1)
    (data (i32.const 800) "init")
    (func $start (i32.store (i32.const 262144) (i32.const 0)))
    (start $start))
  "out of bounds memory access")
(assert_return (invoke $owner "i32" (i32.const 800)) (i32.const 0x74696e69))

;; Passive segments belong to the module that declares them, even when another module has
;; imported the memory since.
(module $other
  (memory (import "owner" "mem") 1)
  (data $theirs "THEIRS")
  (func (export "init_theirs") (param i32) (memory.init $theirs (local.get 0) (i32.const 0) (i32.const 6)))
)
(invoke $owner "init_own" (i32.const 900))
(assert_return (invoke $owner "i32" (i32.const 900)) (i32.const 0x004e574f))
(invoke $other "init_theirs" (i32.const 910))
(assert_return (invoke $owner "i32" (i32.const 910)) (i32.const 0x49454854))
