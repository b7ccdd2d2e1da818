/*
 * terms_int.h - internals shared by the files of terms/: a bounded line
 * reader over a file or a memory block, used by the dictionary CSV loader
 * and the MedDRA loader.
 */
#ifndef VG_TERMS_INT_H
#define VG_TERMS_INT_H

#include "vg.h"
#include "terms/terms.h"

/* Reads lines of at most VG_TERMS_LINE_MAX bytes (CR LF or LF; a UTF-8
 * byte-order mark at the start is skipped).  name is the position prefix
 * in errors ("llt.asc"); lineno is the number of the line last returned. */
struct lines {
	FILE *f;
	const char *mem;
	size_t memlen, pos;
	const char *name;
	size_t lineno;
	char *buf; /* VG_TERMS_LINE_MAX + 1 bytes */
};

/* Open path for reading; VG_EIO / VG_ENOTFOUND with err set on failure. */
int lines_open(struct lines *r, const char *path, const char *name, struct vg_err *err);
void lines_open_mem(struct lines *r, const char *text, size_t len, const char *name);
/* 1 and the line in *line (valid until the next call), 0 at end of input,
 * or a negative VG_E* code with err set to "name:line". */
int lines_next(struct lines *r, struct vg_sv *line, struct vg_err *err);
void lines_close(struct lines *r);

/* "name:lineno" for err->field. */
void lines_pos(const struct lines *r, char out[VG_ERR_FIELD_MAX]);

#endif
