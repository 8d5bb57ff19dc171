# Shared by the bench-results/*/run.sh scripts: source it, then call the functions.

# Sets $java to a JDK 25+ `java`: $JAVA if set, else the first /usr/lib/jvm/temurin-25*; exits if
# neither is a JDK 25+.
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
}

# Prints the machine lines every machine.txt starts with: date, kernel, cpus, cpu model, memory.
machine_basics() {
    echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "kernel:  $(uname -sr)"
    echo "cpus:    $(nproc)"
    grep -m1 'model name' /proc/cpuinfo || true
    grep -m1 MemTotal /proc/meminfo || true
}

# Prints the load average line, tagged with $1 ("before the run" or "after the run").
load_line() {
    echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, $1)"
}
