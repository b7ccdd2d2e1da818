/*
 * buf.c - growable byte buffer with a hard cap.
 *
 * Invariant: p == NULL && len == 0 && cap == 0, or p[len] == '\0' and
 * len < cap.  An append that would make len exceed max fails with
 * VG_ETOOBIG and changes nothing: input from a file or the network can never
 * grow a buffer without bound (STYLE.md #9).
 */
#include "vg.h"
#include "util/util.h"

static size_t buf_max(const struct vg_buf *b)
{
	return b->max ? b->max : VG_BUF_DEFAULT_MAX;
}

static int reserve(struct vg_buf *b, size_t extra)
{
	size_t need, ncap;

	if (extra > buf_max(b) || b->len > buf_max(b) - extra)
		return VG_ETOOBIG;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	b->p = vg_xrealloc(b->p, ncap);
	b->cap = ncap;
	return 0;
}

int vg_buf_append(struct vg_buf *b, const void *data, size_t n)
{
	int rc = reserve(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int vg_buf_puts(struct vg_buf *b, const char *s)
{
	return vg_buf_append(b, s, strlen(s));
}

int vg_buf_putc(struct vg_buf *b, char c)
{
	return vg_buf_append(b, &c, 1);
}

int vg_buf_vprintf(struct vg_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return VG_EINVAL;
	rc = reserve(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int vg_buf_printf(struct vg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vg_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

/* Bytes that JSON strings must escape: '"', '\\' and the controls. */
static bool json_plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

static int json_escape(struct vg_buf *b, unsigned char c)
{
	switch (c) {
	case '"': return vg_buf_puts(b, "\\\"");
	case '\\': return vg_buf_puts(b, "\\\\");
	case '\n': return vg_buf_puts(b, "\\n");
	case '\r': return vg_buf_puts(b, "\\r");
	case '\t': return vg_buf_puts(b, "\\t");
	default: return vg_buf_printf(b, "\\u%04x", c);
	}
}

int vg_buf_json_str(struct vg_buf *b, const char *s)
{
	const unsigned char *c = (const unsigned char *)s;
	size_t start = b->len;
	int rc;

	if (!s)
		return vg_buf_puts(b, "null");
	rc = vg_buf_putc(b, '"');
	while (!rc && *c) {
		const unsigned char *run = c;
		while (*c && json_plain(*c))
			c++;
		if (c > run) /* copy runs of plain bytes (UTF-8 included) at once */
			rc = vg_buf_append(b, run, (size_t)(c - run));
		if (!rc && *c)
			rc = json_escape(b, *c++);
	}
	if (!rc)
		rc = vg_buf_putc(b, '"');
	if (rc) { /* leave the buffer as it was */
		b->len = start;
		if (b->p)
			b->p[start] = '\0';
	}
	return rc;
}

int vg_buf_csv_str(struct vg_buf *b, const char *s)
{
	size_t start = b->len;
	int rc = 0;

	if (!strpbrk(s, ",\"\r\n"))
		return vg_buf_puts(b, s);
	rc = vg_buf_putc(b, '"');
	for (const char *c = s; !rc && *c; c++)
		rc = *c == '"' ? vg_buf_puts(b, "\"\"") : vg_buf_putc(b, *c);
	if (!rc)
		rc = vg_buf_putc(b, '"');
	if (rc) {
		b->len = start;
		if (b->p)
			b->p[start] = '\0';
	}
	return rc;
}

void vg_buf_reset(struct vg_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

char *vg_buf_detach(struct vg_buf *b, size_t *len)
{
	char *p = b->p ? b->p : vg_xstrdup("");

	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void vg_buf_release(struct vg_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
