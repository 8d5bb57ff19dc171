package dev.tvm.chicory;

import com.dylibso.chicory.runtime.Instance;
import dev.tvm.chicory.memory.SegmentMemory;
import java.nio.file.Path;

/**
 * The other process of {@code HibernationTest}: resumes the snapshot {@code args[0]} of {@code
 * hibernate/state.wasm} on the engine {@code args[1]}, runs {@link HibernationScript#AFTER} and
 * prints one outcome a line.
 */
public final class HibernationResumeMain {
    private HibernationResumeMain() {}

    public static void main(String[] args) {
        byte[] bytes = HibernationScript.moduleBytes("state.wasm");
        Engine engine = Engine.valueOf(args[1]);
        Instance instance = Hibernation.resume(
                Path.of(args[0]), bytes, HibernationScript.builder(bytes, engine, SegmentMemory.factory()));
        for (String outcome : HibernationScript.run(instance, HibernationScript.AFTER)) {
            System.out.println(outcome);
        }
    }
}
