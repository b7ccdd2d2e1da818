/*
 * fuzz_faers.c - libFuzzer harness for the FAERS quarterly reader.
 *
 * The input is split at lines "@@@" into up to seven parts written as
 * DEMO24Q1.txt, DRUG24Q1.txt, REAC24Q1.txt, OUTC24Q1.txt, THER24Q1.txt,
 * INDI24Q1.txt and DELETE24Q1.txt in a private temporary directory, and
 * the reader runs over that directory with a small record cap (so caps,
 * rejects, out-of-order files through the external sorter, legacy headers
 * and broken lines are all reachable).  Every version handed to the sink
 * is encoded to JSON and checked for its invariants.  Build and run with
 * fuzz/run.sh faers.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "ingest/ingest.h"

#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];
static const char *const names[] = {"DEMO24Q1.txt", "DRUG24Q1.txt", "REAC24Q1.txt",
                                    "OUTC24Q1.txt", "THER24Q1.txt", "INDI24Q1.txt",
                                    "DELETE24Q1.txt"};

static int check(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	struct vg_buf b = VG_BUF_INIT(1 << 24);

	if (!v->case_id || strncmp(v->case_id, "FAERS-", 6) != 0)
		abort();
	for (size_t i = 0; i < v->nproducts; i++)
		if (v->products[i].role < 0 || v->products[i].role >= VG_ROLE_COUNT)
			abort();
	if (vg_case_to_json(v, &b) != 0)
		abort();
	vg_buf_release(&b);
	return 0;
}

static int del(void *ctx, const char *id, struct vg_err *err)
{
	if (strncmp(id, "FAERS-", 6) != 0)
		abort();
	return 0;
}

static void put(int k, const uint8_t *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, names[k]);
	if (!(f = fopen(path, "wb")))
		abort();
	if (n && fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

/* Remove the temporary quarter at exit (libFuzzer exits through exit()). */
static void cleanup(void)
{
	char path[512];

	for (size_t i = 0; i < VG_ARRAY_LEN(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n@@@\n";
	struct vg_rejects rj = {NULL, 0};
	struct vg_ingest_opts o = {0};
	struct vg_ingest_sink sink = {check, del, NULL};
	struct vg_ingest_stats st = {0};
	struct vg_err err = VG_ERR_INIT;
	char *files[1] = {dir};
	size_t start = 0;
	int k = 0;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s/fuzz-faers-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
	}
	for (size_t i = start; i + 5 <= size && k < 6; i++) {
		if (i >= start && memcmp(data + i, sep, 5) == 0) {
			put(k++, data + start, i - start);
			start = i + 5; /* separators do not overlap ("\n@@@\n@@@\n") */
		}
	}
	put(k++, data + start, size - start);
	for (; k < 7; k++)
		put(k, NULL, 0);
	o.rejects = &rj;
	o.max_line = 512;
	vg_ingest_find("faers")->run(&o, files, 1, &sink, &st, &err);
	if (st.rows_rejected != rj.count)
		abort();
	return 0;
}
