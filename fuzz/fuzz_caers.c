/*
 * fuzz_caers.c - libFuzzer harness for ingest/caers.c.
 *
 * The input is cut into up to four in-memory files at form feeds (0x0C)
 * (a CAERS import may name several files).  Seeds: tests/data/caers -
 * fuzz/run.sh.
 */
#include "fuzz_mem_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return vg_fuzz_mem_reader(data, size, vg_ingest_caers_mem);
}
