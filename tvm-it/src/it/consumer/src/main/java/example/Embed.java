package example;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import dev.tvm.chicory.RegionMemories;
import dev.tvm.chicory.TvmImports;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import java.nio.file.Path;

/** The README's "Use from Maven" example. */
public final class Embed {
    /** Builds a list of n nodes in list_sum.wasm and returns their sum, 0 + 1 + ... + (n - 1). */
    public static long sumOfList(Path wasm, int n) {
        try (RegionDirectory dir = RegionDirectory.builder().withResidentBudget(256L << 20).build();
                RegionMemories memories = RegionMemories.factory(dir); // the guest's own memory: a region
                TvmImports tvm = TvmImports.builder(dir).build()) { // the guest's tvm imports
            Region list = dir.create(RegionSpec.of(RegionKind.OBJECT_ARENA).withName("list"));
            tvm.grant(list.ref()); // the guest may use this region, and no other it did not create
            Instance guest = Instance.builder(Parser.parse(wasm))
                    .withImportValues(tvm.toImportValues())
                    .withMemoryFactory(memories)
                    .build(); // Chicory's interpreter; see Engine for the compiler
            long head = guest.export("build_list").apply(list.ref(), n, 0)[0];
            return guest.export("sum_list").apply(head, 0)[0];
        }
    }

    private Embed() {}
}
