# Shared by the bench-results/*/run.sh scripts: source it, then call the functions.

# Sets $java to a JDK 25+ `java`: $JAVA if set, else the first /usr/lib/jvm/temurin-25*; exits if
# neither is a JDK 25+. Exports JAVA_HOME (that JDK) for the Maven runs that follow.
find_java() {
    java="${JAVA:-}"
    if [[ -z "$java" ]]; then
        for d in /usr/lib/jvm/temurin-25*; do
            [[ -x "$d/bin/java" ]] && java="$d/bin/java" && break
        done
    fi
    if [[ -z "$java" ]] || ! "$java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
        echo "need a JDK 25+: set JAVA=/path/to/bin/java" >&2
        exit 1
    fi
    # The scripts' `mvn package` runs on it too: packaging the modular library jars reads Java 25
    # module descriptors, which an older JDK's jar tool cannot.
    JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$java")")")"
    export JAVA_HOME
    export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
}

# Prints the machine lines every machine.txt starts with: date, kernel, cpus, cpu model, memory.
machine_basics() {
    echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "kernel:  $(uname -sr)"
    echo "cpus:    $(nproc)"
    grep -m1 'model name' /proc/cpuinfo || true
    grep -m1 MemTotal /proc/meminfo || true
}

# Prints a whole machine.txt for a JMH run of tvm-bench: the basics, the commit of the checkout at
# $1, the file system of /tmp (where the benchmarks put their files), the load, and $java's version.
machine_report() {
    machine_basics
    echo "commit:  $(git -C "$1" describe --always --dirty 2>/dev/null || echo unknown)"
    echo "tmpdir:  $(df -T /tmp | tail -1)"
    load_line "before the run"
    "$java" -version 2>&1
}

# Prints the load average line, tagged with $1 ("before the run" or "after the run").
load_line() {
    echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, $1)"
}

# Builds tvm-bench's benchmarks.jar twice: from the working tree as $2/this.jar and from commit $1
# (git archive, so uncommitted edits stay out) as $2/base.jar. Call find_java first. No format
# check: Maven runs on JDK 25 here, where palantir-java-format cannot (see the root POM).
build_bench_jars() {
    local baseline="$1" out="$2" root
    root="$(git rev-parse --show-toplevel)"
    (cd "$root" && mvn -q -B -DskipTests -Dspotless.check.skip=true package -pl tvm-bench -am)
    cp "$root/tvm-bench/target/benchmarks.jar" "$out/this.jar"
    mkdir "$out/base"
    git -C "$root" archive "$baseline" | tar -x -C "$out/base"
    (cd "$out/base" && mvn -q -B -DskipTests -Dspotless.check.skip=true package -pl tvm-bench -am)
    cp "$out/base/tvm-bench/target/benchmarks.jar" "$out/base.jar"
}
