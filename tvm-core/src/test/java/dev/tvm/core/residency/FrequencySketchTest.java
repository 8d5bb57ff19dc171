package dev.tvm.core.residency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FrequencySketchTest {
    @Test
    void countsUpToFifteen() {
        FrequencySketch sketch = new FrequencySketch(1024);
        long key = (7L << 32) | 123;
        assertEquals(0, sketch.frequency(key));
        for (int i = 1; i <= 20; i++) {
            sketch.increment(key);
            assertEquals(Math.min(i, 15), sketch.frequency(key));
        }
    }

    @Test
    void rarelyOverestimatesUnseenKeys() {
        int n = 1024;
        FrequencySketch sketch = new FrequencySketch(n);
        for (long k = 0; k < n; k++) {
            sketch.increment((1L << 32) | k);
        }
        int wrong = 0;
        for (long k = 0; k < 10_000; k++) {
            wrong += sketch.frequency((2L << 32) | k) > 0 ? 1 : 0;
        }
        assertTrue(wrong < 200, "unseen keys with a count: " + wrong + " of 10000");
        for (long k = 0; k < n; k++) {
            assertTrue(sketch.frequency((1L << 32) | k) >= 1); // never underestimates
        }
    }

    @Test
    void halvesEveryCounterAfterTheSample() {
        FrequencySketch sketch = new FrequencySketch(64);
        assertEquals(640, sketch.sampleSize());
        long hot = 42;
        for (int i = 0; i < 15; i++) {
            sketch.increment(hot);
        }
        assertEquals(15, sketch.frequency(hot));
        long k = 1000;
        while (sketch.resets() == 0) {
            sketch.increment(k++);
        }
        assertTrue(k - 1000 <= 640, "increments before the reset: " + (k - 1000));
        assertEquals(7, sketch.frequency(hot));
    }
}
