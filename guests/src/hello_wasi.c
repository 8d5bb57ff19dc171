/*
 * hello_wasi.c - an ordinary wasm32-wasi program (main + wasi-libc printf)
 * that also uses the tvm imports, to test that `tvm run` links both WASI
 * (wasi_snapshot_preview1) and the `tvm` module into one instance.
 *
 * Expected stdout, exit code 0:
 *     tvm says: 42
 * On a tvm failure it prints "tvm error: <step>: <NAME> (<code>)" to stderr
 * and exits with 1.
 */
#include <stdio.h>

#include "tvm.h"

static int fail(const char *step, int32_t code) {
    fprintf(stderr, "tvm error: %s: %s (%d)\n", step, tvm_error_name(code), (int)code);
    return 1;
}

int main(void) {
    tvm_region_t region = tvm_region_create(TVM_KIND_HOT_HEAP, TVM_CAPACITY_DEFAULT, TVM_ALLOCATOR_DEFAULT);
    if (region <= 0) {
        return fail("region_create", region);
    }
    tvm_handle_t h = tvm_alloc(region, sizeof(int64_t));
    if (h == TVM_NULL_HANDLE) {
        return fail("alloc", tvm_handle_error());
    }
    tvm_put_i64(h, 0, 6 * 7);
    int64_t value = tvm_get_i64(h, 0);
    printf("tvm says: %lld\n", (long long)value);

    tvm_status_t s = tvm_free(h);
    if (s < 0) {
        return fail("free", s);
    }
    s = tvm_region_destroy(region);
    if (s < 0) {
        return fail("region_destroy", s);
    }
    return 0;
}
