;; Hibernation test guest: every kind of state a snapshot carries. A mutable counter and
;; accumulators (i32, i64, f64, funcref globals), a constant, a funcref table that grows and is
;; filled from a passive element segment, passive data copied into memory then dropped, memory
;; that grows, and a start function that leaves marks (resume must overwrite them).
(module
  (type $unop (func (param i32) (result i32)))
  (memory (export "memory") 1 256)
  (global $counter (mut i32) (i32.const 0))
  (global $acc (mut i64) (i64.const 7))
  (global $ratio (mut f64) (f64.const 0.5))
  (global $chosen (mut funcref) (ref.null func))
  (global $k i32 (i32.const 42))
  (table $t 4 64 funcref)
  (elem (table $t) (i32.const 0) func $double $square)
  (elem $spare func $triple $negate)
  (data $greeting "hello, hibernation")
  (data (i32.const 16) "active")

  (func $double (type $unop) (i32.mul (local.get 0) (i32.const 2)))
  (func $square (type $unop) (i32.mul (local.get 0) (local.get 0)))
  (func $triple (type $unop) (i32.mul (local.get 0) (i32.const 3)))
  (func $negate (type $unop) (i32.sub (i32.const 0) (local.get 0)))

  ;; Runs at every instantiation (also on resume): marks the state resume must overwrite.
  (func $init
    (global.set $counter (i32.add (global.get $counter) (i32.const 100)))
    (i32.store (i32.const 1024) (i32.const 0xdeadbeef)))
  (start $init)

  (func (export "tick") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter))

  (func (export "accumulate") (param i64) (result i64)
    (global.set $acc (i64.add (i64.mul (global.get $acc) (i64.const 31)) (local.get 0)))
    (global.get $acc))

  (func (export "scale") (param f64) (result f64)
    (global.set $ratio (f64.mul (global.get $ratio) (local.get 0)))
    (global.get $ratio))

  (func (export "constant") (result i32) (global.get $k))

  ;; Calls table[slot](x); traps on a null slot.
  (func (export "apply") (param $slot i32) (param $x i32) (result i32)
    (call_indirect $t (type $unop) (local.get $x) (local.get $slot)))

  ;; Copies the spare element segment ($triple, $negate) into table slots [at, at+2).
  (func (export "install") (param $at i32)
    (table.init $t $spare (local.get $at) (i32.const 0) (i32.const 2)))

  (func (export "drop_spare") (elem.drop $spare))

  (func (export "table_grow") (param $n i32) (result i32)
    (table.grow $t (ref.null func) (local.get $n)))

  (func (export "table_size") (result i32) (table.size $t))

  ;; Remembers table[slot] in a global, and calls it.
  (func (export "choose") (param $slot i32)
    (global.set $chosen (table.get $t (local.get $slot))))
  (func (export "call_chosen") (param $x i32) (result i32)
    (table.set $t (i32.const 3) (global.get $chosen))
    (call_indirect $t (type $unop) (local.get $x) (i32.const 3)))

  ;; Copies the greeting into memory at dst, then drops it.
  (func (export "greet") (param $dst i32)
    (memory.init $greeting (local.get $dst) (i32.const 0) (i32.const 18))
    (data.drop $greeting))

  (func (export "clear") (param $addr i32) (param $len i32)
    (memory.fill (local.get $addr) (i32.const 0) (local.get $len)))

  (func (export "grow") (param $pages i32) (result i32) (memory.grow (local.get $pages)))
  (func (export "pages") (result i32) (memory.size))

  ;; Writes len bytes at addr, byte i = (seed + i * 7) & 0xff.
  (func (export "fill") (param $addr i32) (param $len i32) (param $seed i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store8 (i32.add (local.get $addr) (local.get $i))
          (i32.add (local.get $seed) (i32.mul (local.get $i) (i32.const 7))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; A position-weighted sum of len bytes at addr.
  (func (export "checksum") (param $addr i32) (param $len i32) (result i64)
    (local $i i32) (local $sum i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $sum (i64.add (i64.mul (local.get $sum) (i64.const 131))
          (i64.load8_u (i32.add (local.get $addr) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum))

  (func (export "load") (param $addr i32) (result i32) (i32.load (local.get $addr))))
