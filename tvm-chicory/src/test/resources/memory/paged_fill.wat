;; A guest that fills memory 0 with a pattern and verifies it, for PagedGuestMemoryTest: it knows
;; nothing of paging. Word i (at byte 4*i) holds 4*i * 0x9E3779B1 + seed.
(module
  (memory (export "memory") 1 1024)

  ;; Grows memory 0 to hold `bytes` (a multiple of 4), writes the pattern over them and returns the
  ;; page count, or -1 if memory.grow refused.
  (func (export "fill") (param $bytes i32) (param $seed i32) (result i32)
    (local $i i32)
    (local $need i32)
    (local.set $need
      (i32.sub (i32.shr_u (i32.add (local.get $bytes) (i32.const 65535)) (i32.const 16)) (memory.size)))
    (if (i32.gt_s (local.get $need) (i32.const 0))
      (then
        (if (i32.eq (memory.grow (local.get $need)) (i32.const -1))
          (then (return (i32.const -1))))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (i32.store (local.get $i)
          (i32.add (i32.mul (local.get $i) (i32.const 0x9E3779B1)) (local.get $seed)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (memory.size))

  ;; Counts the words of the first `bytes` that do not hold the pattern.
  (func (export "verify") (param $bytes i32) (param $seed i32) (result i32)
    (local $i i32)
    (local $bad i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (if (i32.ne (i32.load (local.get $i))
                    (i32.add (i32.mul (local.get $i) (i32.const 0x9E3779B1)) (local.get $seed)))
          (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (local.get $bad))
)
