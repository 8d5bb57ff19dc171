/*
 * memfill.c - an ordinary wasm32-wasi command that fills memory 0 through malloc and verifies it:
 * the guest of "every guest gets TVM" (transparent paging of directly addressed memory).
 *
 *     memfill [MIB]        MIB = 1..2047, default 1024
 *
 * Allocates MIB MiB with malloc in chunks of 16 MiB (the last one smaller when MIB is not a
 * multiple of 16), so memory 0 grows step by step from a few pages to a little over MIB MiB. Then
 * writes every 64-bit word, word i (counted across all chunks, in allocation order) holding
 * guest_word(i) (guest_mix.h), and reads everything back in the same order, comparing each word
 * and folding it into a checksum (guest_fold from GUEST_FOLD_START). Linked with a maximum of
 * 32767 pages (2 GiB - 64 KiB, Chicory's cap), starting at the stack and static data only.
 *
 * Output (stdout, one line) and exit codes:
 *     memfill: MIB MiB in CHUNKS chunks, WORDS words verified, checksum 0xHEX16, memory 0 PAGES pages
 *     0  every word read back as written
 *     1  a mismatch: "memfill: mismatch at word I (chunk C, byte offset O): expected 0x..., read 0x..."
 *        on stderr, for the first one
 *     2  malloc failed: "memfill: out of memory after N of MIB MiB (memory 0 at P pages)" on stderr
 *     3  a bad argument, with the usage on stderr
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "guest_mix.h"

#define MIB (1024u * 1024u)
#define CHUNK_MIB 16u
#define DEFAULT_MIB 1024u
#define MAX_MIB 2047u /* memory 0 cannot exceed 2 GiB - 64 KiB */

static unsigned memory_pages(void) {
    return (unsigned)__builtin_wasm_memory_size(0);
}

static int parse_mib(const char *text, unsigned *out) {
    char *end;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || value < 1 || value > MAX_MIB) {
        return 0;
    }
    *out = (unsigned)value;
    return 1;
}

int main(int argc, char **argv) {
    unsigned mib = DEFAULT_MIB;
    if (argc > 2 || (argc == 2 && !parse_mib(argv[1], &mib))) {
        fprintf(stderr, "memfill: bad argument%s%s\nusage: memfill [MIB]   (MIB = 1..%u, default %u)\n",
                argc == 2 ? " " : "s", argc == 2 ? argv[1] : "", MAX_MIB, DEFAULT_MIB);
        return 3;
    }

    unsigned chunks = (mib + CHUNK_MIB - 1) / CHUNK_MIB;
    uint64_t **chunk = calloc(chunks, sizeof *chunk);
    size_t *chunk_words = calloc(chunks, sizeof *chunk_words);
    if (chunk == NULL || chunk_words == NULL) {
        fprintf(stderr, "memfill: out of memory before the first chunk (memory 0 at %u pages)\n", memory_pages());
        return 2;
    }
    unsigned allocated_mib = 0;
    for (unsigned c = 0; c < chunks; c++) {
        unsigned this_mib = mib - allocated_mib < CHUNK_MIB ? mib - allocated_mib : CHUNK_MIB;
        chunk[c] = malloc((size_t)this_mib * MIB);
        if (chunk[c] == NULL) {
            fprintf(stderr, "memfill: out of memory after %u of %u MiB (memory 0 at %u pages)\n", allocated_mib, mib,
                    memory_pages());
            return 2;
        }
        chunk_words[c] = (size_t)this_mib * MIB / sizeof(uint64_t);
        allocated_mib += this_mib;
    }

    uint64_t index = 0;
    for (unsigned c = 0; c < chunks; c++) {
        uint64_t *words = chunk[c];
        for (size_t w = 0; w < chunk_words[c]; w++) {
            words[w] = guest_word(index++);
        }
    }

    uint64_t checksum = GUEST_FOLD_START;
    index = 0;
    for (unsigned c = 0; c < chunks; c++) {
        const uint64_t *words = chunk[c];
        for (size_t w = 0; w < chunk_words[c]; w++, index++) {
            uint64_t expected = guest_word(index);
            if (words[w] != expected) {
                fprintf(stderr,
                        "memfill: mismatch at word %" PRIu64 " (chunk %u, byte offset %zu): expected 0x%016" PRIx64
                        ", read 0x%016" PRIx64 "\n",
                        index, c, w * sizeof(uint64_t), expected, words[w]);
                return 1;
            }
            checksum = guest_fold(checksum, words[w]);
        }
    }

    printf("memfill: %u MiB in %u chunks, %" PRIu64 " words verified, checksum 0x%016" PRIx64
           ", memory 0 %u pages\n",
           mib, chunks, index, checksum, memory_pages());
    for (unsigned c = 0; c < chunks; c++) {
        free(chunk[c]);
    }
    free(chunk);
    free(chunk_words);
    return 0;
}
