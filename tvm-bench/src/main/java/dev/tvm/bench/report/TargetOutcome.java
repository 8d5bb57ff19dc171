package dev.tvm.bench.report;

/**
 * How the data measures up to one target of the issue.
 *
 * @param target the target as the issue states it
 * @param status met, missed, or not measurable from these results
 * @param detail the numbers behind the status: counts ("18 of 24 pairs") and the cells that missed
 */
public record TargetOutcome(String target, Status status, String detail) {
    /** The verdict. */
    public enum Status {
        MET,
        MISSED,
        NO_DATA
    }
}
