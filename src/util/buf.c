/*
 * buf.c - growable byte buffer with a hard cap.
 *
 * Invariant: p == NULL && len == 0 && cap == 0, or p[len] == '\0' and
 * len < cap.  An append that would make len exceed max fails with
 * VG_ETOOBIG and changes nothing: input from a file or the network can never
 * grow a buffer without bound (STYLE.md #9).
 *
 * vg_buf_add (util.h) is vg_buf_append inline: short pieces that fit in
 * the memory already there are copied without a call, which is what the
 * case JSON encoder's many small appends need; anything else comes here.
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

/*
 * JSON strings.  What a byte becomes, by table: 0 for a byte copied as it
 * is (UTF-8 included), else the length of its escape: '"' and '\\' and the
 * short forms \n \r \t take 2, the other controls \u00XX take 6.  NUL has
 * an entry too, so the scan for the next byte to escape also stops at the
 * end of the string.
 *
 * vg_buf_json_str is on the import path (every string of every version is
 * written through it), so it scans before it writes: the first pass finds
 * the first byte needing an escape (most strings have none) and, if there
 * is one, the exact length of the rest; then one reserve and one pass of
 * memcpy for plain runs and escapes written in place.  Exact lengths keep
 * the cap all-or-nothing: a string that does not fit changes nothing.
 */
#define C8 6, 6, 6, 6, 6, 6, 6, 6 /* eight controls written \u00XX */
static const unsigned char json_esc[256] = {
	C8, 6, 2 /* \t */, 2 /* \n */, 6, 6, 2 /* \r */, 6, 6, C8, C8,
	['"'] = 2, ['\\'] = 2};
#undef C8

/* Length of s JSON-escaped (without the quotes); *plain gets the length of
 * its leading run that needs no escape. */
static size_t json_len(const unsigned char *s, size_t *plain)
{
	const unsigned char *c = s;
	size_t n;

	while (!json_esc[*c])
		c++;
	*plain = n = (size_t)(c - s);
	for (; *c; c++)
		n += json_esc[*c] ? json_esc[*c] : 1;
	return n;
}

static char *json_escape(char *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	*o++ = '\\';
	switch (c) {
	case '"':
	case '\\': *o++ = (char)c; break;
	case '\n': *o++ = 'n'; break;
	case '\r': *o++ = 'r'; break;
	case '\t': *o++ = 't'; break;
	default: /* printf's "\\u%04x" */
		memcpy(o, "u00", 3);
		o[3] = hex[c >> 4];
		o[4] = hex[c & 15];
		o += 5;
	}
	return o;
}

/* Write the escaped form of s (json_len(s) bytes) at o. */
static void json_write(char *o, const unsigned char *s)
{
	while (*s) {
		const unsigned char *run = s;
		while (!json_esc[*s])
			s++;
		memcpy(o, run, (size_t)(s - run));
		o += s - run;
		if (*s)
			o = json_escape(o, *s++);
	}
}

int vg_buf_json_str(struct vg_buf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t plain, n;
	char *o;
	int rc;

	if (!s)
		return vg_buf_append(b, "null", 4);
	n = json_len(u, &plain);
	rc = reserve(b, n + 2);
	if (rc)
		return rc;
	o = b->p + b->len;
	*o++ = '"';
	memcpy(o, u, plain);
	if (n > plain)
		json_write(o + plain, u + plain);
	o[n] = '"';
	b->len += n + 2;
	b->p[b->len] = '\0';
	return 0;
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
