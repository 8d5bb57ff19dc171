;; Holds a host reference in a table: a snapshot must refuse it.
(module
  (table $ext 2 externref)
  (func (export "keep") (param externref) (table.set $ext (i32.const 0) (local.get 0))))
