/** Micrometer meters for a TVM region directory: {@link dev.tvm.micrometer.TvmMetrics}. */
// Micrometer is an automatic module (it has no module-info); its types are in this API.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.tvm.micrometer {
    requires transitive dev.tvm.core;
    requires transitive micrometer.core;

    exports dev.tvm.micrometer;
}
