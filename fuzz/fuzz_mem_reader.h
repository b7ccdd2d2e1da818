/*
 * fuzz_mem_reader.h - the body shared by the harnesses of the readers with
 * an in-memory entry taking several files (MAUDE, VAERS, CAERS).
 *
 * The input is cut into up to four in-memory files at form feeds (0x0C),
 * so one input can hold files that join (master and detail rows).  Every
 * version delivered must encode and carry a case id; every rejected row
 * must be counted in the rejects.  Anything else aborts.
 */
#ifndef VG_FUZZ_MEM_READER_H
#define VG_FUZZ_MEM_READER_H

#include "vg.h"
#include "util/util.h"
#include "ingest/ingest_int.h"

typedef int (*vg_fuzz_mem_fn)(const struct vg_ingest_mem *in, int n,
                              const struct vg_ingest_opts *opts,
                              const struct vg_ingest_sink *sink,
                              struct vg_ingest_stats *stats, struct vg_err *err);

static int vg_fuzz_drop(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	struct vg_buf b = VG_BUF_INIT(0);

	VG_UNUSED(ctx);
	VG_UNUSED(err);
	if (vg_case_to_json(v, &b) == 0 && !v->case_id)
		abort(); /* every version has an id */
	vg_buf_release(&b);
	return 0;
}

static int vg_fuzz_mem_reader(const uint8_t *data, size_t size, vg_fuzz_mem_fn run)
{
	struct vg_ingest_mem in[4];
	struct vg_ingest_sink sink = {vg_fuzz_drop, NULL, NULL};
	struct vg_ingest_stats st = {0, 0, 0, 0};
	struct vg_rejects rj = {NULL, 0};
	struct vg_ingest_opts o;
	struct vg_err err = VG_ERR_INIT;
	int n = 0;
	size_t start = 0;

	memset(&o, 0, sizeof o);
	o.rejects = &rj;
	for (size_t i = 0; i <= size && n < 4; i++)
		if (i == size || (data[i] == 0x0C && n < 3)) {
			in[n] = (struct vg_ingest_mem){"f", data + start, i - start};
			n++;
			start = i + 1;
		}
	run(in, n, &o, &sink, &st, &err);
	if (st.rows_rejected != rj.count)
		abort();
	return 0;
}

#endif
