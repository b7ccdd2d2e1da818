/*
 * fuzz_e2b.c - libFuzzer harness for ingest/e2b.c and e2b_export.c.
 *
 * Feeds the input to vg_ingest_e2b_buffer (both E2B(R3) and E2B(R2) paths,
 * the UTF-8 repair filter, the entity guard, the caps); every version the
 * reader accepts is exported again with vg_e2b_export and read back, which
 * must give exactly one version.  Seeds: tests/data/e2b (fuzz/run.sh).
 */
#include "vg.h"
#include "util/util.h"
#include "ingest/ingest.h"

#include <libxml/parser.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	VG_UNUSED(v);
	VG_UNUSED(err);
	(*(int *)ctx)++;
	return 0;
}

static int reexport(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	struct vg_buf b = VG_BUF_INIT(0);
	struct vg_ingest_stats st = {0, 0, 0, 0};
	struct vg_rejects rj = {NULL, 0};
	int n = 0;
	struct vg_ingest_sink sink = {count, NULL, &n};

	VG_UNUSED(ctx);
	if (vg_e2b_export(v, &b, err) == 0) {
		int rc = vg_ingest_e2b_buffer(b.p, b.len, "export", &sink, &st, &rj, err);
		if (rc != 0 || n != 1)
			abort(); /* our own output must read back as one report */
	}
	vg_buf_release(&b);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_ingest_sink sink = {reexport, NULL, NULL};
	struct vg_ingest_stats st = {0, 0, 0, 0};
	struct vg_rejects rj = {NULL, 0};
	struct vg_err err = VG_ERR_INIT;

	vg_ingest_e2b_buffer((const char *)data, size, "fuzz", &sink, &st, &rj, &err);
	return 0;
}
