package dev.tvm.chicory.wit;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Binds Java implementations of WIT functions as Chicory host functions, following the canonical
 * ABI for core modules: the import module of interface {@code i} is {@link
 * WitPackage#importModule(String)} ({@code ns:pkg/i@version}), the import name is the function
 * name, the core signature is {@link CanonicalAbi#signature flattening} in the {@code LOWER}
 * direction. Each call lifts the core arguments into Java values ({@link WitArgs}), runs the
 * implementation, and lowers its Java result; all of it is driven by the parsed types, so an
 * implementation deals in Java values only.
 *
 * <pre>{@code
 * WitHost host = WitHost.builder(WitParser.parse(text))
 *         .implement("greeter", "greet", args -> "hello, " + args.string(0))
 *         .build();
 * Instance.builder(module).withImportValues(host.toImportValues())...
 * }</pre>
 *
 * The guest must export its memory and, if any string or list is lowered into it, {@code
 * cabi_realloc}. A canonical-ABI violation by the guest traps ({@link CanonicalAbiException}); an
 * exception from an implementation propagates unchanged (Chicory turns it into a trap).
 * Thread-safe: calls from several instances may run at once.
 */
public final class WitHost {
    /** A Java implementation of one WIT function: lifted arguments in, Java result out. */
    @FunctionalInterface
    public interface Implementation {
        /** The function's result as a Java value ({@code null} for a function without result). */
        Object call(WitArgs args);
    }

    private final WitPackage pkg;
    private final List<Bound> bound;

    private record Bound(String iface, FunctionAbi abi, String module, Implementation impl, LongAdder calls) {}

    private WitHost(Builder builder) {
        this.pkg = builder.pkg;
        List<Bound> out = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Map<String, Implementation> left = new LinkedHashMap<>(builder.impls);
        for (String iface : builder.interfaces) {
            for (WitFunction f : pkg.iface(iface).functions()) {
                Implementation impl = left.remove(key(iface, f.name()));
                if (impl == null) {
                    missing.add(key(iface, f.name()));
                    continue;
                }
                out.add(new Bound(
                        iface,
                        FunctionAbi.of(f, CanonicalAbi.Direction.LOWER),
                        pkg.importModule(iface),
                        impl,
                        new LongAdder()));
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("no implementation for " + missing);
        }
        if (!left.isEmpty()) {
            throw new IllegalStateException("implementations of unknown functions " + left.keySet());
        }
        this.bound = List.copyOf(out);
    }

    private static String key(String iface, String function) {
        return iface + "." + function;
    }

    /** Starts binding functions of {@code pkg}. */
    public static Builder builder(WitPackage pkg) {
        return new Builder(pkg);
    }

    /** Collects implementations. */
    public static final class Builder {
        private final WitPackage pkg;
        private final Map<String, Implementation> impls = new LinkedHashMap<>();
        private final List<String> interfaces = new ArrayList<>();

        private Builder(WitPackage pkg) {
            this.pkg = Objects.requireNonNull(pkg, "pkg");
        }

        /**
         * Implements {@code iface.function}. Every function of an interface with at least one
         * implementation must be implemented.
         */
        public Builder implement(String iface, String function, Implementation impl) {
            pkg.iface(iface).function(function); // fails for unknown names
            if (impls.put(key(iface, function), Objects.requireNonNull(impl, "impl")) != null) {
                throw new IllegalArgumentException(key(iface, function) + " is implemented twice");
            }
            if (!interfaces.contains(iface)) {
                interfaces.add(iface);
            }
            return this;
        }

        /** The host with these bindings. */
        public WitHost build() {
            return new WitHost(this);
        }
    }

    /** The package bound. */
    public WitPackage pkg() {
        return pkg;
    }

    /** The host functions, interface by interface in binding order, functions in WIT order. */
    public HostFunction[] functions() {
        HostFunction[] out = new HostFunction[bound.size()];
        for (int i = 0; i < out.length; i++) {
            Bound b = bound.get(i);
            CanonicalAbi.CoreSignature sig = b.abi().signature();
            FunctionType type = FunctionType.of(valTypes(sig.params()), valTypes(sig.results()));
            out[i] = new HostFunction(b.module(), b.abi().function().name(), type, (instance, core) -> {
                b.calls().increment();
                AbiContext cx = AbiContext.of(instance);
                List<Object> args = b.abi().liftArguments(cx, core);
                Object result = b.impl().call(new WitArgs(b.abi().function(), args));
                return b.abi().lowerResult(cx, result, core);
            });
        }
        return out;
    }

    private static ValType[] valTypes(List<CoreType> types) {
        ValType[] out = new ValType[types.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = types.get(i).valType();
        }
        return out;
    }

    /** {@link #functions()} as Chicory import values. */
    public ImportValues toImportValues() {
        return ImportValues.builder().addFunction(functions()).build();
    }

    /**
     * Calls so far per function, keyed {@code interface.function} (e.g. {@code manager.alloc}), in
     * binding order; counted on entry, before lifting, so failed and trapped calls count too.
     */
    public Map<String, Long> callCounts() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Bound b : bound) {
            out.put(key(b.iface(), b.abi().function().name()), b.calls().sum());
        }
        return out;
    }

    /** The core signature of every bound function, keyed {@code module.name}. */
    public Map<String, CanonicalAbi.CoreSignature> coreSignatures() {
        Map<String, CanonicalAbi.CoreSignature> out = new LinkedHashMap<>();
        for (Bound b : bound) {
            out.put(b.module() + "." + b.abi().function().name(), b.abi().signature());
        }
        return out;
    }
}
