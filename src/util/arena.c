/*
 * arena.c - bump allocation for request and batch lifetimes.
 *
 *   head -> [block: next | used | size | data ......]
 *                 `-> [older block] -> ...
 *
 * Allocation takes from the head block; when it does not fit, a new block of
 * max(block_size, request) is pushed.  Nothing is freed until reset/release.
 * Alignment is 16 bytes, enough for any scalar type.
 */
#include "vg.h"
#include "util/util.h"

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_BLOCK (64 * 1024)

struct vg_arena_block {
	struct vg_arena_block *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

void vg_arena_init(struct vg_arena *a, size_t block_size)
{
	a->head = NULL;
	a->block_size = block_size ? block_size : ARENA_DEFAULT_BLOCK;
	a->total = 0;
}

static struct vg_arena_block *push_block(struct vg_arena *a, size_t need)
{
	size_t size = a->block_size ? a->block_size : ARENA_DEFAULT_BLOCK;
	struct vg_arena_block *b;

	if (need > size)
		size = need;
	if (size > SIZE_MAX - sizeof(*b))
		vg_die("arena block size overflow");
	b = vg_xmalloc(sizeof(*b) + size);
	b->next = a->head;
	b->used = 0;
	b->size = size;
	a->head = b;
	return b;
}

void *vg_arena_alloc(struct vg_arena *a, size_t n)
{
	struct vg_arena_block *b = a->head;
	size_t off;

	if (n > SIZE_MAX - ARENA_ALIGN)
		vg_die("arena allocation size overflow");
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (n == 0)
		n = ARENA_ALIGN;
	if (!b || b->size - b->used < n)
		b = push_block(a, n);
	off = b->used;
	b->used += n;
	a->total += n;
	return b->data + off;
}

void *vg_arena_calloc(struct vg_arena *a, size_t nmemb, size_t size)
{
	void *p;

	if (size && nmemb > SIZE_MAX / size)
		vg_die("arena allocation size overflow");
	p = vg_arena_alloc(a, nmemb * size);
	memset(p, 0, nmemb * size);
	return p;
}

char *vg_arena_strndup(struct vg_arena *a, const char *s, size_t n)
{
	char *p = vg_arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *vg_arena_strdup(struct vg_arena *a, const char *s)
{
	return s ? vg_arena_strndup(a, s, strlen(s)) : NULL;
}

char *vg_arena_printf(struct vg_arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	char tmp[256];
	int n;
	char *p;

	if (!fmt) /* never true; tells gcc -O3 with sanitizers fmt is not NULL */
		fmt = "";
	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap); /* short strings: one pass */
	va_end(ap);
	if (n < 0)
		n = 0;
	p = vg_arena_alloc(a, (size_t)n + 1);
	if ((size_t)n < sizeof(tmp))
		memcpy(p, tmp, (size_t)n + 1);
	else
		vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

void vg_arena_reset(struct vg_arena *a)
{
	struct vg_arena_block *b = a->head;

	if (!b)
		return;
	while (b->next) {
		struct vg_arena_block *next = b->next;
		b->next = next->next;
		free(next);
	}
	b->used = 0;
	a->total = 0;
}

void vg_arena_release(struct vg_arena *a)
{
	struct vg_arena_block *b = a->head;

	while (b) {
		struct vg_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}
