/*
 * rejects.c - the rejects file: every input row a reader could not use.
 *
 * One line per rejected row, tab-separated, so that it loads anywhere:
 *
 *   file <TAB> line <TAB> reason <TAB> excerpt
 *
 * Tabs and line ends inside reason or excerpt become spaces, so a line of
 * the rejects file is always one reject.  The excerpt is the start of the
 * offending record (at most 200 bytes) to help find it.  With no output
 * file the rejects are only counted: the count is what the import summary
 * shows, and it must equal the number of lines a file would have held.
 */
#include "vg.h"
#include "util/util.h"
#include "ingest/ingest_int.h"

#define EXCERPT_MAX 200

static void put_clean(FILE *out, const char *s, size_t max)
{
	for (size_t i = 0; s[i] && i < max; i++) {
		char ch = s[i];
		fputc(ch == '\t' || ch == '\n' || ch == '\r' ? ' ' : ch, out);
	}
}

static void add(struct vg_rejects *r, const char *file, int64_t line, const char *excerpt,
                const char *fmt, va_list ap)
{
	char reason[512];

	r->count++;
	if (!r->out)
		return;
	vsnprintf(reason, sizeof(reason), fmt, ap);
	put_clean(r->out, file ? file : "", SIZE_MAX);
	fprintf(r->out, "\t%" PRId64 "\t", line);
	put_clean(r->out, reason, sizeof(reason));
	fputc('\t', r->out);
	if (excerpt)
		put_clean(r->out, excerpt, EXCERPT_MAX);
	fputc('\n', r->out);
}

void vg_rejects_add(struct vg_rejects *r, const char *file, int64_t line, const char *fmt, ...)
{
	va_list ap;

	if (!r)
		return;
	va_start(ap, fmt);
	add(r, file, line, NULL, fmt, ap);
	va_end(ap);
}

void vg_rejects_add_excerpt(struct vg_rejects *r, const char *file, int64_t line,
                            const char *excerpt, const char *fmt, ...)
{
	va_list ap;

	if (!r)
		return;
	va_start(ap, fmt);
	add(r, file, line, excerpt, fmt, ap);
	va_end(ap);
}
