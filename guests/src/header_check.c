/*
 * header_check.c - not a guest: build.sh compiles it to a temporary file to
 * prove that include/tvm.h declares every import of docs/raw-abi.md with the
 * exact wasm signature (the check requires all 26 imports), and that the
 * inline helpers compile warning-free. Never shipped in guests/wasm/.
 */
#include "tvm.h"

static volatile int64_t sink;

__attribute__((export_name("touch_every_import"))) void touch_every_import(void) {
    static tvm_region_info_t info;
    static tvm_metrics_t metrics;
    static tvm_handle_t handles[4];
    static uint8_t bytes[16];
    tvm_region_t r = tvm_region_create(TVM_KIND_HOT_HEAP, TVM_CAPACITY_DEFAULT, TVM_ALLOCATOR_DEFAULT);
    sink += tvm_region_describe(r, &info);
    tvm_handle_t h = tvm_alloc(r, 64);
    sink += tvm_alloc_batch(r, 16, 4, handles);
    sink += (int64_t)tvm_lease(r, 256);
    sink += tvm_size_of(h);
    sink += tvm_read(h, 0, bytes, 16);
    sink += tvm_write(h, 0, bytes, 16);
    sink += tvm_copy(h, 16, h, 0, 16);
    sink += tvm_fill(h, 0, 8, 0xAB);
    sink += tvm_load_i32(h, 0) + tvm_load_i64(h, 0) + (int64_t)tvm_load_f32(h, 0) + (int64_t)tvm_load_f64(h, 0);
    tvm_store_i32(h, 0, 1);
    tvm_store_i64(h, 0, 2);
    tvm_store_f32(h, 0, 3.0f);
    tvm_store_f64(h, 0, 4.0);
    sink += tvm_pin(r) + tvm_unpin(r) + tvm_reset(r) + tvm_compact(r);
    sink += tvm_metrics(r, &metrics);
    sink += tvm_free(h);
    sink += tvm_region_destroy(r);
    sink += tvm_last_error();
    sink += tvm_address_of(h);
    /* helpers */
    tvm_lease_t lease;
    sink += tvm_lease_init(&lease, r, 1024);
    sink += tvm_lease_alloc(&lease, 24) + tvm_lease_remaining(&lease);
    tvm_lease_reset(&lease);
    sink += tvm_lease_release(&lease);
    tvm_lease_attach(&lease, h, 64);
    sink += tvm_get_u8(h, 0) + tvm_put_u8(h, 1, 2) + tvm_get_bytes(h, 0, bytes, 4) + tvm_put_bytes(h, 0, bytes, 4);
    sink += tvm_get_i32(h, 0) + tvm_get_u32(h, 0) + tvm_get_i64(h, 0) + (int64_t)tvm_get_u64(h, 0);
    sink += (int64_t)tvm_get_f32(h, 0) + (int64_t)tvm_get_f64(h, 0) + (int64_t)tvm_get_handle(h, 8);
    tvm_put_i32(h, 0, 1);
    tvm_put_u32(h, 0, 1);
    tvm_put_i64(h, 0, 1);
    tvm_put_u64(h, 0, 1);
    tvm_put_f32(h, 0, 1);
    tvm_put_f64(h, 0, 1);
    tvm_put_handle(h, 8, h);
    sink += tvm_handle_region(h) + tvm_handle_error();
    sink += (int64_t)(uintptr_t)tvm_strerror(TVM_E_STALE_HANDLE) + (int64_t)(uintptr_t)tvm_error_name(TVM_E_MIN);
}
