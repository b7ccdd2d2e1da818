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

/* ---------------------------------------------------------- E2B (e2b.c) */

/*
 * Read E2B(R3) (MCCI_IN200100UV01 batch of PORR_IN049016UV) or E2B(R2)
 * (ichicsr) XML from memory or a file, one report at a time, into sink.
 * name labels rejects ("upload.xml").  Network, DTD loading and entity
 * declarations are refused.  A report that cannot be used goes to rj (file,
 * line, reason) and reading goes on; malformed XML rejects the rest of the
 * input and returns VG_EPARSE (reports before it were delivered), as does
 * input holding no report at all.  Sink errors abort and are returned.  rj
 * may have out == NULL (count only); libxml2 is initialised once inside,
 * so the functions may be called from several threads.
 */
int vg_ingest_e2b_buffer(const char *xml, size_t len, const char *name,
                         const struct vg_ingest_sink *sink, struct vg_ingest_stats *st,
                         struct vg_rejects *rj, struct vg_err *err);
int vg_ingest_e2b_file(const char *path, const struct vg_ingest_sink *sink,
                       struct vg_ingest_stats *st, struct vg_rejects *rj, struct vg_err *err);

/*
 * Write v as one E2B(R3) ICSR (a MCCI_IN200100UV01 batch holding one
 * PORR_IN049016UV message) appended to out; it validates against the ICH
 * schemas and reads back through vg_ingest_e2b_* to the same version except
 * the fields E2B cannot carry (e2b_export.c lists them).  VG_ETOOBIG past
 * out's cap.
 */
int vg_e2b_export(const struct vg_case_version *v, struct vg_buf *out, struct vg_err *err);

#endif
