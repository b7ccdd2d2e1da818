/*
 * alloc.c - the aborting allocation wrapper.
 *
 * vigil treats out-of-memory as fatal: every allocation goes through these
 * functions, which print one line and abort instead of returning NULL, and
 * which refuse size computations that overflow.  Tests can make the n-th
 * allocation fail (vg_alloc_fail_after) to exercise that path.
 */
#include "vg.h"
#include "util/util.h"

static unsigned long fail_countdown;

void vg_alloc_fail_after(unsigned long n)
{
	fail_countdown = n;
}

void vg_die(const char *fmt, ...)
{
	va_list ap;

	fputs("vigil: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void check_injected(size_t n)
{
	if (fail_countdown && --fail_countdown == 0)
		vg_die("out of memory allocating %zu bytes (injected)", n);
}

void *vg_xmalloc(size_t n)
{
	void *p;

	check_injected(n);
	p = malloc(n ? n : 1);
	if (!p)
		vg_die("out of memory allocating %zu bytes", n);
	return p;
}

void *vg_xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (size && nmemb > SIZE_MAX / size)
		vg_die("allocation size overflow (%zu x %zu)", nmemb, size);
	check_injected(nmemb * size);
	p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		vg_die("out of memory allocating %zu x %zu bytes", nmemb, size);
	return p;
}

void *vg_xrealloc(void *p, size_t n)
{
	void *q;

	check_injected(n);
	q = realloc(p, n ? n : 1);
	if (!q)
		vg_die("out of memory reallocating %zu bytes", n);
	return q;
}

void *vg_xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		vg_die("allocation size overflow (%zu x %zu)", nmemb, size);
	return vg_xrealloc(p, nmemb * size);
}

char *vg_xstrdup(const char *s)
{
	return vg_xstrndup(s, strlen(s));
}

char *vg_xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = vg_xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

size_t vg_strlcpy(char *dst, const char *src, size_t dstsz)
{
	size_t len = strlen(src);

	if (dstsz) {
		size_t n = len < dstsz - 1 ? len : dstsz - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
