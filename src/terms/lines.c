/*
 * lines.c - a bounded line reader for the dictionary and MedDRA loaders.
 *
 * Every byte goes through one fixed buffer of VG_TERMS_LINE_MAX bytes, so
 * a file without newlines (or a hostile one) costs no more memory than a
 * normal one: a longer line is an error naming the file and the line, not
 * a reallocation.  VG_TERMS_LINES_MAX bounds the number of lines, and so
 * what the loaders keep.  NUL bytes inside a line are an error too (the parsers
 * work on C strings and text files have none).
 */
#include "vg.h"
#include "terms/terms_int.h"

#define VG_STR_(x) #x
#define VG_STR(x) VG_STR_(x)

int lines_open(struct lines *r, const char *path, const char *name, struct vg_err *err)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->f = fopen(path, "rb");
	if (!r->f)
		return vg_err_set(err, errno == ENOENT ? VG_ENOTFOUND : VG_EIO, name,
		                  "cannot open %s: %s", path, strerror(errno));
	r->buf = vg_xmalloc(VG_TERMS_LINE_MAX + 1);
	return 0;
}

void lines_open_mem(struct lines *r, const char *text, size_t len, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->mem = text;
	r->memlen = len;
	r->buf = vg_xmalloc(VG_TERMS_LINE_MAX + 1);
}

void lines_pos(const struct lines *r, char out[VG_ERR_FIELD_MAX])
{
	snprintf(out, VG_ERR_FIELD_MAX, "%s:%zu", r->name, r->lineno);
}

static int next_byte(struct lines *r)
{
	if (r->f)
		return getc(r->f);
	return r->pos < r->memlen ? (unsigned char)r->mem[r->pos++] : EOF;
}

static int fail(struct lines *r, struct vg_err *err, int code, const char *what)
{
	char pos[VG_ERR_FIELD_MAX];

	lines_pos(r, pos);
	return vg_err_set(err, code, pos, "%s", what);
}

int lines_next(struct lines *r, struct vg_sv *line, struct vg_err *err)
{
	size_t n = 0;
	int c;

	while ((c = next_byte(r)) != EOF && c != '\n') {
		if (n == VG_TERMS_LINE_MAX) {
			r->lineno++;
			return fail(r, err, VG_ETOOBIG, "line too long (cap " VG_STR(VG_TERMS_LINE_MAX) " bytes)");
		}
		r->buf[n++] = (char)c;
	}
	if (r->f && ferror(r->f))
		return fail(r, err, VG_EIO, "read error");
	if (c == EOF && n == 0)
		return 0;
	if (r->lineno == VG_TERMS_LINES_MAX)
		return fail(r, err, VG_ETOOBIG, "too many lines (cap " VG_STR(VG_TERMS_LINES_MAX) ")");
	r->lineno++;
	if (n && r->buf[n - 1] == '\r')
		n--;
	r->buf[n] = '\0';
	if (memchr(r->buf, '\0', n))
		return fail(r, err, VG_EPARSE, "NUL byte in a text line");
	line->p = r->buf;
	line->len = n;
	if (r->lineno == 1 && n >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) {
		line->p += 3;
		line->len -= 3;
	}
	return 1;
}

void lines_close(struct lines *r)
{
	if (r->f)
		fclose(r->f);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}
