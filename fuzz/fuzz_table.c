/*
 * fuzz_table.c - libFuzzer harness for the delimited record reader
 * (csv.c) and the id-product-event table reader.
 *
 * The first input byte picks the reader options (delimiter, quoting,
 * encoding, a record cap of 64 bytes to 64 KiB, reads of 1-13 bytes or
 * 256 KiB, so records straddle refills); the rest is read in
 * memory by vg_csv_next, checking the field invariants (NUL after each
 * field, count within the cap, line numbers never going back), then
 * written to a temporary file and imported as a table with the columns
 * of openEBGM's layout (id, var1, var2, strat1).  Build and run with
 * fuzz/run.sh table.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "ingest/ingest_int.h"

#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void csv_pass(const uint8_t *data, size_t size, uint8_t mode)
{
	static const char delims[] = {',', '$', '|', '\t'};
	struct vg_csv_opts o = VG_CSV_OPTS_INIT(delims[mode & 3]);
	struct vg_err err = VG_ERR_INIT;
	struct vg_csv c;
	int64_t last = 0;
	int rc;

	o.quotes = mode & 4;
	o.encoding = (mode >> 3) % 3;
	o.max_record = (size_t)64 << ((mode >> 5) * 2);
	o.max_fields = 64;
	o.read_size = (mode & 0x40) ? 1 + mode % 13 : 0; /* records across refills */
	vg_csv_open_mem(&c, "fuzz", data, size, &o);
	while ((rc = vg_csv_next(&c, &err)) != 0) {
		if (rc == VG_EIO || c.line < last || c.nf > o.max_fields)
			abort();
		last = c.line;
		for (size_t i = 0; i < c.nf; i++)
			if (c.f[i].p[c.f[i].len] != '\0')
				abort();
	}
	vg_csv_close(&c);
}

static int check(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	if (!v->case_id || !*v->case_id || v->nproducts == 0 || v->nevents == 0)
		abort();
	return 0;
}

static char path[256];

static void cleanup(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_rejects rj = {NULL, 0};
	struct vg_ingest_opts o = {0};
	struct vg_ingest_sink sink = {check, NULL, NULL};
	struct vg_ingest_stats st = {0};
	struct vg_err err = VG_ERR_INIT;
	char *files[1] = {path};
	FILE *f;

	if (size == 0)
		return 0;
	csv_pass(data + 1, size - 1, data[0]);
	if (!path[0]) {
		int fd;
		snprintf(path, sizeof(path), "%s/fuzz-table-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
		atexit(cleanup);
	}
	if (!(f = fopen(path, "wb")) || fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	o.id_col = "id";
	o.product_col = "var1";
	o.event_col = "var2";
	o.stratum_col = (data[0] & 1) ? "strat1" : NULL;
	o.rejects = &rj;
	o.max_line = 4096;
	vg_ingest_find("table")->run(&o, files, 1, &sink, &st, &err);
	if (st.rows_rejected != rj.count)
		abort();
	return 0;
}
