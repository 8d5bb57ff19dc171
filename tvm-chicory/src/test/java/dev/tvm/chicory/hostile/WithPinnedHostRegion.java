package dev.tvm.chicory.hostile;

import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh directory per test holding one host region that the host has pinned and must keep pinned. */
abstract class WithPinnedHostRegion {
    RegionDirectory dir;
    Region hostRegion;

    @BeforeEach
    void openDirectoryWithHostPin() {
        dir = RegionDirectory.builder().build();
        hostRegion = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(1 << 20));
        hostRegion.pin();
    }

    @AfterEach
    void closeDirectory() {
        dir.close();
    }
}
