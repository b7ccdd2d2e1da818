/*
 * fuzz_maude.c - libFuzzer harness for ingest/maude.c.
 *
 * The input is cut into up to four in-memory files at form feeds (0x0C),
 * so one input can hold an mdrfoi, a device, a patient and a text file
 * that join through the external sorter.  Seeds: tests/data/maude (each
 * file alone) - fuzz/run.sh.
 */
#include "fuzz_mem_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return vg_fuzz_mem_reader(data, size, vg_ingest_maude_mem);
}
