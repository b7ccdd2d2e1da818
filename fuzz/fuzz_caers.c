/*
 * fuzz_caers.c - libFuzzer harness for ingest/caers.c.
 *
 * The input is cut into up to four in-memory files at form feeds (0x0C)
 * (a CAERS import may name several files).  Seeds: tests/data/caers -
 * fuzz/run.sh.
 */
#include "vg.h"
#include "util/util.h"
#include "ingest/ingest_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int drop(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	struct vg_buf b = VG_BUF_INIT(0);

	VG_UNUSED(ctx);
	VG_UNUSED(err);
	if (vg_case_to_json(v, &b) == 0 && !v->case_id)
		abort(); /* every version has an id */
	vg_buf_release(&b);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_ingest_mem in[4];
	struct vg_ingest_sink sink = {drop, NULL, NULL};
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
	vg_ingest_caers_mem(in, n, &o, &sink, &st, &err);
	if (st.rows_rejected != rj.count)
		abort();
	return 0;
}
