package dev.tvm.core.residency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The index and lists against plain collections, through growth and many deletions. */
class NodeListsTest {
    @Test
    void agreesWithPlainCollections() {
        Random random = new Random(11);
        NodeLists nodes = new NodeLists(3, 0); // starts tiny: grows many times
        List<LinkedHashSet<Long>> model = List.of(new LinkedHashSet<>(), new LinkedHashSet<>(), new LinkedHashSet<>());
        Map<Long, Integer> where = new HashMap<>();
        List<Long> universe = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            // Keys that differ only in high bits, or only in low bits, plus random ones.
            universe.add(
                    switch (i % 3) {
                        case 0 -> (long) i << 40;
                        case 1 -> (long) i;
                        default -> random.nextLong();
                    });
        }
        universe.add(Long.MIN_VALUE);
        universe.add(Long.MAX_VALUE);
        for (int op = 0; op < 300_000; op++) {
            long key = universe.get(random.nextInt(universe.size()));
            int list = random.nextInt(3);
            int node = nodes.find(key);
            Integer current = where.get(key);
            assertEquals(current == null, node == NodeLists.NIL, "presence of " + key);
            if (current == null) {
                if (random.nextInt(3) != 0) {
                    nodes.addLast(key, list);
                    model.get(list).add(key);
                    where.put(key, list);
                }
            } else {
                assertEquals(current, nodes.listOf(node));
                assertEquals(key, nodes.key(node));
                if (random.nextBoolean()) {
                    nodes.remove(node);
                    model.get(current).remove(key);
                    where.remove(key);
                } else {
                    nodes.moveToLast(node, list);
                    model.get(current).remove(key);
                    model.get(list).add(key);
                    where.put(key, list);
                }
            }
            if (op % 10_000 == 0) {
                check(nodes, model, where);
            }
        }
        check(nodes, model, where);
    }

    @Test
    void addBeforeInsertsInPlace() {
        NodeLists nodes = new NodeLists(1, 4);
        int a = nodes.addLast(1, 0);
        nodes.addLast(2, 0);
        nodes.addBefore(3, a);
        assertArrayEquals(new long[] {3, 1, 2}, nodes.keysOf(0));
        assertEquals(NodeLists.NIL, nodes.after(nodes.find(2)));
    }

    private static void check(NodeLists nodes, List<? extends Set<Long>> model, Map<Long, Integer> where) {
        assertEquals(where.size(), nodes.size());
        for (int l = 0; l < 3; l++) {
            long[] expected = model.get(l).stream().mapToLong(Long::longValue).toArray();
            assertArrayEquals(expected, nodes.keysOf(l), "list " + l);
            assertEquals(expected.length, nodes.size(l));
        }
        for (Map.Entry<Long, Integer> e : where.entrySet()) {
            assertEquals((int) e.getValue(), nodes.listOf(nodes.find(e.getKey())));
        }
    }
}
