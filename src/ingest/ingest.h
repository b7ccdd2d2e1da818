/*
 * ingest.h - streaming readers of public adverse-event formats.
 *
 * One reader per format (faers.c, maude.c, caers.c, vaers.c, e2b.c,
 * table.c), each listed once in the format table (formats.c).  A reader
 * never loads a whole file: it streams records, assembles one case version
 * at a time in a batch arena, and hands it to a sink.  The sink (the CLI's
 * import command writes to the store; tests collect in memory) decides what
 * happens to it.  Every input row the reader cannot use goes to the rejects
 * writer with file, line and reason, and is counted: nothing is dropped
 * silently.
 *
 * Ownership: versions passed to sink->version live until the callback
 * returns (the reader resets its arena afterwards); copy what you keep.
 */
#ifndef VG_INGEST_H
#define VG_INGEST_H

#include "vg.h"
#include "util/util.h"
#include "case/case.h"

struct vg_ingest_sink {
	/* A complete version.  Non-zero return aborts the import with that code. */
	int (*version)(void *ctx, const struct vg_case_version *v, struct vg_err *err);
	/* A case the source deleted (FAERS DELETE lists).  May be NULL. */
	int (*delete_case)(void *ctx, const char *case_id, struct vg_err *err);
	void *ctx;
};

/* Rejected rows: one TSV line each, "file<TAB>line<TAB>reason<TAB>excerpt". */
struct vg_rejects {
	FILE *out;          /* NULL: count only */
	int64_t count;
};
void vg_rejects_add(struct vg_rejects *r, const char *file, int64_t line, const char *fmt, ...)
	VG_PRINTF(4, 5);

struct vg_ingest_stats {
	int64_t rows_read;     /* physical data rows (or XML reports) read */
	int64_t rows_rejected; /* == rejects->count at the end */
	int64_t versions;      /* versions handed to the sink */
	int64_t deletions;     /* delete_case calls */
};

/* Options common to all readers, plus the table reader's column names. */
struct vg_ingest_opts {
	const char *id_col, *product_col, *event_col, *stratum_col; /* table */
	const char *delimiter; /* table: NULL = guess from the header (, ; TAB |) */
	bool progress;         /* draw a progress bar on a terminal */
	struct vg_rejects *rejects;
	size_t max_line;       /* hard cap on a physical line / record; 0 = 1 MiB */
};

struct vg_ingest_format {
	const char *name;    /* "faers", "maude", "caers", "vaers", "e2b", "table" */
	const char *summary; /* one line for `vigil import --help` */
	/* Read files (a FAERS quarter may be a directory) into sink. */
	int (*run)(const struct vg_ingest_opts *opts, char **files, int nfiles,
	           const struct vg_ingest_sink *sink, struct vg_ingest_stats *stats,
	           struct vg_err *err);
};

/* NULL-terminated table of formats (formats.c). */
extern const struct vg_ingest_format *const vg_ingest_formats[];
const struct vg_ingest_format *vg_ingest_find(const char *name);

#endif
