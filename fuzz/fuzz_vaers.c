/*
 * fuzz_vaers.c - libFuzzer harness for ingest/vaers.c.
 *
 * The input is cut into up to four in-memory files at form feeds (0x0C),
 * so one input can hold a DATA, a VAX and a SYMPTOMS file that join
 * through the external sorter.  Seeds: tests/data/vaers (each file alone)
 * - fuzz/run.sh.
 */
#include "fuzz_mem_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return vg_fuzz_mem_reader(data, size, vg_ingest_vaers_mem);
}
