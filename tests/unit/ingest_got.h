/*
 * ingest_got.h - the in-memory sink the reader tests share (header-only:
 * each test is one program).
 *
 * struct got keeps deep copies of every version a reader delivers (up to
 * GOT_MAX) and its rejects file, written into a memory buffer so a test
 * can search it.  got_run runs a format over files named relative to a
 * data directory; the E2B tests call their reader directly with
 * got_sink(g) and g->rj.
 */
#ifndef VG_TEST_INGEST_GOT_H
#define VG_TEST_INGEST_GOT_H

#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "ingest/ingest.h"

#include <stdarg.h>

#define GOT_MAX 160
#define GOT_MAX_FILES 16

struct got {
	struct vg_arena a;
	struct vg_case_version *v[GOT_MAX];
	size_t n;
	struct vg_ingest_stats st;
	struct vg_rejects rj;
	char rejects[65536];
	FILE *rf;
	struct vg_ingest_sink sink;
};

static inline int got_collect(void *ctx, const struct vg_case_version *v, struct vg_err *err)
{
	struct got *g = ctx;

	(void)err;
	if (g->n < VG_ARRAY_LEN(g->v))
		g->v[g->n++] = vg_case_copy(v, &g->a);
	return 0;
}

static inline void got_init(struct got *g)
{
	memset(g, 0, sizeof *g);
	vg_arena_init(&g->a, 0);
	g->rf = fmemopen(g->rejects, sizeof g->rejects - 1, "w");
	g->rj.out = g->rf;
	g->sink = (struct vg_ingest_sink){got_collect, NULL, g};
}

static inline void got_release(struct got *g)
{
	if (g->rf)
		fclose(g->rf);
	vg_arena_release(&g->a);
}

/* Format `format` over dir/files[0..n-1] into a fresh g; the rejects text
 * is complete (flushed) when it returns. */
static inline int got_run(struct got *g, const char *format, const char *dir, const char *const *files,
                   int n, struct vg_err *err)
{
	struct vg_ingest_opts o;
	char *paths[GOT_MAX_FILES], buf[GOT_MAX_FILES][256];
	int rc;

	got_init(g);
	memset(&o, 0, sizeof o);
	o.rejects = &g->rj;
	for (int i = 0; i < n && i < GOT_MAX_FILES; i++) {
		snprintf(buf[i], sizeof buf[i], "%s%s", dir, files[i]);
		paths[i] = buf[i];
	}
	rc = vg_ingest_find(format)->run(&o, paths, n < GOT_MAX_FILES ? n : GOT_MAX_FILES,
	                                 &g->sink, &g->st, err);
	fflush(g->rf);
	return rc;
}

/* got_run over the NULL-terminated list of file names after err. */
static inline int got_load(struct got *g, const char *format, const char *dir,
                           struct vg_err *err, ...)
{
	const char *files[GOT_MAX_FILES];
	const char *f;
	int n = 0;
	va_list ap;

	va_start(ap, err);
	while (n < GOT_MAX_FILES && (f = va_arg(ap, const char *)) != NULL)
		files[n++] = f;
	va_end(ap);
	return got_run(g, format, dir, files, n, err);
}

/* The version of case id (the first one delivered). */
static inline const struct vg_case_version *got_find(struct got *g, const char *id)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->v[i]->case_id, id))
			return g->v[i];
	fail_msg("no case %s", id);
	return NULL;
}

static inline void assert_date(struct vg_date d, const char *iso)
{
	char s[24];

	vg_date_format_iso(&d, s);
	assert_string_equal(s, iso);
}

#endif
