package dev.tvm.chicory.wit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed WIT package: {@code package namespace:name@version;} with its interfaces and worlds.
 *
 * @param namespace e.g. {@code tvm}
 * @param name e.g. {@code memory}
 * @param version e.g. {@code 0.1.0}, or null
 * @param interfaces interface name to interface, in declaration order
 * @param worlds world name to world, in declaration order
 */
public record WitPackage(
        String namespace,
        String name,
        String version,
        Map<String, WitInterface> interfaces,
        Map<String, World> worlds) {
    /** Checks the names and copies the maps, keeping their order. */
    public WitPackage {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        interfaces = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(interfaces));
        worlds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(worlds));
    }

    /**
     * A world: the interfaces of this package it imports and exports.
     *
     * @param name the world name
     * @param imports imported interface names
     * @param exports exported interface names
     */
    public record World(String name, List<String> imports, List<String> exports) {
        /** Copies the lists. */
        public World {
            imports = List.copyOf(imports);
            exports = List.copyOf(exports);
        }
    }

    /** The interface {@code interfaceName}. */
    public WitInterface iface(String interfaceName) {
        WitInterface i = interfaces.get(interfaceName);
        if (i == null) {
            throw new IllegalArgumentException("package " + id() + " has no interface " + interfaceName);
        }
        return i;
    }

    /** {@code namespace:name@version} (without {@code @version} when there is none). */
    public String id() {
        return namespace + ":" + name + (version == null ? "" : "@" + version);
    }

    /**
     * The core import module name of an interface under the component model's core-module
     * convention: {@code namespace:name/interface@version}, e.g. {@code tvm:memory/manager@0.1.0}.
     * The import name of each function is the function name.
     */
    public String importModule(String interfaceName) {
        iface(interfaceName);
        return namespace + ":" + name + "/" + interfaceName + (version == null ? "" : "@" + version);
    }
}
