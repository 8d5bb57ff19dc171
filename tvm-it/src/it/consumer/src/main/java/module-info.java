/** A modular consumer: TVM's modules on the module path, as a JPMS application uses them. */
module example {
    requires dev.tvm.chicory;

    exports example;
}
