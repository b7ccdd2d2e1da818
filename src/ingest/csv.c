/*
 * csv.c - the delimited record reader every ingest/ reader stands on.
 *
 * The contract is in ingest_int.h; this is how it is kept.
 *
 *   buf:  [ consumed | pos ....... record ....... end | free ... ] bufsz+1
 *
 * One buffer of max_record + read_size (CHUNK) bytes is allocated at open and never
 * grows.  A record is always contiguous in it: when the bytes from pos to
 * end hold no complete record, they are moved to the front and the free
 * space is refilled with read(2).  Since pos..end is at most max_record
 * bytes when that happens, there is always at least read_size bytes to read
 * into, and a record that is still incomplete after max_record bytes is
 * too long: the reader then discards bytes up to the next line end and
 * reports VG_ETOOBIG once.
 *
 * Fields are cut in place: delimiters (and the line end) are overwritten
 * with NUL, and quoted fields are unescaped towards the front of their own
 * bytes (the write pointer never passes the read pointer).
 *
 * The common case - an unquoted '$' or '|' line (FAERS, MAUDE) - is one pass
 * (next_plain): sixteen bytes at a time (SSE2, scan_sse2) or eight (SWAR in
 * portable C, scan_words: a matching byte gets its top bit set in eq_mask),
 * the block is compared with the delimiter, LF and CR at once; the offsets
 * of the delimiters before the line end are noted in cut[], and a record
 * with no byte >= 0x80 before its end skips the encoding step.  Then the
 * record is cut at the noted offsets.  No copy, no library call per field.
 * When the buffer ends inside a record, the scan resumes where it stopped
 * after the refill (the offsets count from the record start, which the
 * refill moves).  Both scans give the same cuts; opts.portable makes tests
 * run the portable one on SSE2 machines too.
 *
 * Line ends: LF, CRLF and lone CR all end a record.  A CR as the last byte
 * of the buffer sets skip_lf, and a LF that begins the next read is then
 * eaten as the second half of that CRLF.
 *
 * Quoted mode first finds where the record ends (scan_quoted: a quote opens
 * only at the start of a field, "" is an escaped quote), restarting from
 * the record start after each refill, then cuts it (split_quoted).  Both
 * use the same rules, so they agree on field boundaries.
 */
#include "vg.h"
#include "util/util.h"
#include "ingest/ingest_int.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define CHUNK (256 * 1024)
#define DEFAULT_MAX_RECORD ((size_t)1 << 20)
#define DEFAULT_MAX_FIELDS 4096

static void init_common(struct vg_csv *c, const char *path, const struct vg_csv_opts *o)
{
	memset(c, 0, sizeof(*c));
	c->o = *o;
	if (!c->o.max_record)
		c->o.max_record = DEFAULT_MAX_RECORD;
	if (!c->o.max_fields)
		c->o.max_fields = DEFAULT_MAX_FIELDS;
	if (!c->o.read_size)
		c->o.read_size = CHUNK;
	c->path = path;
	c->fd = -1;
	c->next_line = 1;
}

int vg_csv_open(struct vg_csv *c, const char *path, const struct vg_csv_opts *o,
                struct vg_err *err)
{
	init_common(c, path, o);
	if (strcmp(path, "-") == 0) {
		c->fd = STDIN_FILENO;
	} else {
		c->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (c->fd < 0)
			return vg_err_set(err, errno == ENOENT ? VG_ENOTFOUND : VG_EIO, path,
			                  "cannot open: %s", strerror(errno));
	}
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(c->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	c->bufsz = c->o.max_record + c->o.read_size;
	c->buf = vg_xmalloc(c->bufsz + 1);
	return 0;
}

void vg_csv_open_mem(struct vg_csv *c, const char *name, const void *data, size_t len,
                     const struct vg_csv_opts *o)
{
	init_common(c, name, o);
	c->mem = data;
	c->mem_len = len;
	c->bufsz = c->o.max_record + c->o.read_size;
	c->buf = vg_xmalloc(c->bufsz + 1);
}

void vg_csv_close(struct vg_csv *c)
{
	if (c->fd > STDIN_FILENO)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	free(c->f);
	free(c->cbuf);
	free(c->cut);
	c->buf = NULL;
	c->f = NULL;
	c->cbuf = NULL;
	c->cut = NULL;
	c->nf = c->fcap = c->ccap = 0;
}

/* Move pos..end to the front and read more.  Sets eof at end of input. */
static int fill(struct vg_csv *c, struct vg_err *err)
{
	size_t room;
	ssize_t n;

	if (c->pos > 0) {
		memmove(c->buf, c->buf + c->pos, c->end - c->pos);
		c->end -= c->pos;
		c->pos = 0;
	}
	room = c->bufsz - c->end;
	if (room > c->o.read_size)
		room = c->o.read_size;
	if (room == 0 || c->eof)
		return 0;
	if (c->mem) {
		n = (ssize_t)(c->mem_len - c->mem_pos < room ? c->mem_len - c->mem_pos : room);
		if (n > 0) /* mem may be NULL for an empty input */
			memcpy(c->buf + c->end, c->mem + c->mem_pos, (size_t)n);
		c->mem_pos += (size_t)n;
	} else {
		do
			n = read(c->fd, c->buf + c->end, room);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return vg_err_set(err, VG_EIO, c->path, "read failed: %s", strerror(errno));
	}
	if (n == 0)
		c->eof = true;
	c->end += (size_t)n;
	return 0;
}

/* Consume n bytes at pos. */
static void consume(struct vg_csv *c, size_t n)
{
	c->pos += n;
	c->bytes += n;
}

/* Position of the first CR or LF in [from, to), or to. */
static size_t find_eol(const char *buf, size_t from, size_t to)
{
	const char *lf = memchr(buf + from, '\n', to - from);
	size_t stop = lf ? (size_t)(lf - buf) : to;
	const char *cr = memchr(buf + from, '\r', stop - from);

	return cr ? (size_t)(cr - buf) : stop;
}

/* Consume the line end at pos (pos < end, buf[pos] is CR or LF). */
static void eat_eol(struct vg_csv *c)
{
	char ch = c->buf[c->pos];

	consume(c, 1);
	c->next_line++;
	if (ch == '\r') {
		if (c->pos < c->end) {
			if (c->buf[c->pos] == '\n')
				consume(c, 1);
		} else {
			c->skip_lf = true;
		}
	}
}

static int push_field(struct vg_csv *c, const char *p, size_t len)
{
	if (c->nf >= c->o.max_fields)
		return VG_ETOOBIG;
	VG_GROW(c->f, c->fcap, c->nf + 1);
	c->f[c->nf].p = p;
	c->f[c->nf].len = len;
	c->nf++;
	return 0;
}

/* Cut a NUL-terminated unquoted record (rec[len] == 0) at the delimiter. */
static int split_plain(struct vg_csv *c, char *rec, size_t len)
{
	char *p = rec, *stop = rec + len;

	c->nf = 0;
	for (;;) {
		char *d = memchr(p, c->o.delim, (size_t)(stop - p));
		if (!d)
			return push_field(c, p, (size_t)(stop - p));
		*d = '\0';
		if (push_field(c, p, (size_t)(d - p)) < 0)
			return VG_ETOOBIG;
		p = d + 1;
	}
}

/*
 * Find the end of a quoted-mode record starting at p (n bytes available).
 * Returns true with *reclen when a line end outside quotes was found.  At
 * eof the record runs to n and *open tells whether a quote was left open.
 */
static bool scan_quoted(const char *p, size_t n, char delim, bool eof, size_t *reclen, bool *open)
{
	bool inq = false, fstart = true;

	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (inq) {
			if (ch != '"')
				continue;
			if (i + 1 == n && !eof)
				return false; /* "" may straddle the refill */
			if (i + 1 < n && p[i + 1] == '"')
				i++;
			else
				inq = false;
		} else if (ch == '\n' || ch == '\r') {
			*reclen = i;
			*open = false;
			return true;
		} else if (ch == delim) {
			fstart = true;
			continue;
		} else if (ch == '"' && fstart) {
			inq = true;
		}
		fstart = false;
	}
	*reclen = n;
	*open = inq;
	return eof;
}

/*
 * Most records of a quoted-mode file hold no quote at all: then the record
 * ends at the first CR or LF, holds no line end, and splits as plain - found
 * with memchr instead of byte by byte.  True when no quote comes before the
 * first line end (or the end of the n bytes): *found and *reclen as
 * scan_quoted would set them.
 */
static bool quote_free(const char *p, size_t n, bool eof, size_t *reclen, bool *found)
{
	const char *lf = memchr(p, '\n', n);
	size_t stop = lf ? (size_t)(lf - p) : n;

	if (memchr(p, '"', stop))
		return false;
	const char *cr = memchr(p, '\r', stop);
	*reclen = cr ? (size_t)(cr - p) : stop;
	*found = lf || cr || eof;
	return true;
}

/* Count the line ends inside a record (quoted newlines). */
static int64_t count_lines(const char *p, size_t n)
{
	int64_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n')
			k++;
		else if (p[i] == '\r') {
			k++;
			if (i + 1 < n && p[i + 1] == '\n')
				i++;
		}
	}
	return k;
}

/* Cut a quoted-mode record in place (rec[len] must be writable). */
static int split_quoted(struct vg_csv *c, char *rec, size_t len)
{
	char *w = rec, *fs = rec;
	bool inq = false, fstart = true;

	c->nf = 0;
	for (size_t i = 0; i < len; i++) {
		char ch = rec[i];
		if (inq) {
			if (ch == '"' && i + 1 < len && rec[i + 1] == '"')
				*w++ = rec[++i];
			else if (ch == '"')
				inq = false;
			else
				*w++ = ch;
			continue;
		}
		if (ch == c->o.delim) {
			*w = '\0';
			if (push_field(c, fs, (size_t)(w - fs)) < 0)
				return VG_ETOOBIG;
			fs = ++w;
			fstart = true;
			continue;
		}
		if (ch == '"' && fstart)
			inq = true;
		else
			*w++ = ch;
		fstart = false;
	}
	*w = '\0';
	return push_field(c, fs, (size_t)(w - fs));
}

/* ------------------------------------------------------------ encoding */

/* Windows-1252 0x80..0x9F; 0 = undefined (U+FFFD). */
static const uint16_t cp1252_hi[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

/* Any byte >= 0x80?  Eight bytes at a time: this runs on every field. */
static bool has_high(const char *p, size_t n)
{
	uint64_t acc = 0, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= (unsigned char)p[i];
	return (acc & 0x8080808080808080ull) != 0;
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3, cp = c & 0x07;
		else
			return false;
		if (i + k >= n)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3F);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		i += k + 1;
	}
	return true;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

/* Re-encode the fields that need it into cbuf (each byte -> at most 3). */
static void convert_fields(struct vg_csv *c)
{
	size_t need = 0, off = 0;

	for (size_t i = 0; i < c->nf; i++)
		need += c->f[i].len * 3 + 1;
	if (need > c->ccap) {
		free(c->cbuf);
		c->ccap = need;
		c->cbuf = vg_xmalloc(need);
	}
	for (size_t i = 0; i < c->nf; i++) {
		const unsigned char *s = (const unsigned char *)c->f[i].p;
		size_t n = c->f[i].len, start = off;
		if (!has_high(c->f[i].p, n))
			continue;
		if (c->o.encoding == VG_CSV_AUTO && valid_utf8(s, n))
			continue;
		for (size_t j = 0; j < n; j++) {
			uint32_t cp = s[j];
			if (cp >= 0x80 && cp < 0xA0)
				cp = cp1252_hi[cp - 0x80] ? cp1252_hi[cp - 0x80] : 0xFFFD;
			off += put_utf8(c->cbuf + off, cp);
		}
		c->cbuf[off++] = '\0';
		c->f[i].p = c->cbuf + start;
		c->f[i].len = off - start - 1;
	}
}

/* ------------------------------------------------------------ records */

/* Skip to the end of the current physical line (after a cap was hit). */
static int skip_line(struct vg_csv *c, struct vg_err *err)
{
	for (;;) {
		size_t e = find_eol(c->buf, c->pos, c->end);
		if (e < c->end) {
			consume(c, e - c->pos);
			eat_eol(c);
			return 0;
		}
		consume(c, c->end - c->pos);
		if (c->eof)
			return 0;
		if (fill(c, err) < 0)
			return VG_EIO;
	}
}

/* The record at pos is over the cap: drop its first physical line. */
static int too_big(struct vg_csv *c, struct vg_err *err)
{
	if (skip_line(c, err) < 0)
		return VG_EIO;
	c->nf = 0;
	return VG_ETOOBIG;
}

static int start(struct vg_csv *c, struct vg_err *err)
{
	c->started = true;
	if (fill(c, err) < 0)
		return VG_EIO;
	while (c->end < 3 && !c->eof)
		if (fill(c, err) < 0)
			return VG_EIO;
	if (c->end >= 3 && memcmp(c->buf, "\xEF\xBB\xBF", 3) == 0)
		consume(c, 3);
	return 0;
}

/* Make bytes available at pos; false at end of input. */
static int more(struct vg_csv *c, struct vg_err *err)
{
	if (c->pos < c->end)
		return 1;
	if (c->eof)
		return 0;
	if (fill(c, err) < 0)
		return VG_EIO;
	return c->pos < c->end;
}

/* Locate the next quoted-mode record: *len bytes at pos, terminated at
 * pos+len by a line end or end of input.  1 found, 0 end of input,
 * VG_ETOOBIG, VG_EIO. */
static int locate(struct vg_csv *c, size_t *len, bool *open, bool *noquote, struct vg_err *err)
{
	for (;;) {
		size_t avail = c->end - c->pos;
		bool found;
		if ((*noquote = quote_free(c->buf + c->pos, avail, c->eof, len, &found)))
			*open = false;
		else
			found = scan_quoted(c->buf + c->pos, avail, c->o.delim, c->eof, len, open);
		if (found && *len > c->o.max_record)
			return VG_ETOOBIG;
		if (found)
			return avail ? 1 : 0;
		if (avail > c->o.max_record)
			return VG_ETOOBIG;
		if (fill(c, err) < 0)
			return VG_EIO;
	}
}

/* ------------------------------------------------------------ plain records */

/* Scan state of the record at pos, kept across refills.  The offsets of its
 * delimiters count from the record start (a refill moves the bytes, not the
 * offsets) and go to c->cut, at most max_fields of them (then the record
 * has too many fields, and only its end is looked for). */
struct plain {
	size_t scan; /* bytes of the record examined */
	size_t ncut; /* delimiters found */
	size_t len;  /* the record's length, once found */
	bool found;  /* its end (CR or LF) was found */
	bool high;   /* a byte >= 0x80 was seen before the end */
};

#define ONES 0x0101010101010101ull
#define LOW7 0x7F7F7F7F7F7F7F7Full
#define HIGH 0x8080808080808080ull

/* Eight bytes, byte i in bits 8i..8i+7 whatever the machine's byte order
 * (compilers make this one load on little-endian machines). */
static inline uint64_t load_le64(const char *p)
{
	const unsigned char *b = (const unsigned char *)p;

	return (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 |
	       (uint64_t)b[3] << 24 | (uint64_t)b[4] << 32 | (uint64_t)b[5] << 40 |
	       (uint64_t)b[6] << 48 | (uint64_t)b[7] << 56;
}

/* 0x80 in each byte of w equal to the byte repeated in pat, 0 elsewhere
 * (exact: no carry crosses bytes, so no false hits). */
static inline uint64_t eq_mask(uint64_t w, uint64_t pat)
{
	uint64_t x = w ^ pat;

	return ~(((x & LOW7) + LOW7) | x | LOW7);
}

/* Words of eight bytes from ps->scan while one fits in n (portable SWAR):
 * a matching byte has its top bit set in the masks. */
static void scan_words(struct plain *ps, const char *rec, size_t n, char delim, size_t *cut,
                       size_t max)
{
	const uint64_t pd = ONES * (unsigned char)delim;
	size_t i = ps->scan, ncut = ps->ncut;
	uint64_t acc = 0;

	for (; i + 8 <= n && !ps->found; i += 8) {
		uint64_t w = load_le64(rec + i), md = eq_mask(w, pd),
		         ml = eq_mask(w, ONES * '\n') | eq_mask(w, ONES * '\r');
		if (ml) { /* the bytes from the line end on are not the record's */
			size_t k = (size_t)__builtin_ctzll(ml) >> 3;
			uint64_t before = ((uint64_t)1 << (8 * k)) - 1;
			md &= before;
			w &= before;
			ps->len = i + k;
			ps->found = true;
		}
		acc |= w;
		for (; md; md &= md - 1)
			if (ncut < max)
				cut[ncut++] = i + ((size_t)__builtin_ctzll(md) >> 3);
	}
	ps->scan = i;
	ps->ncut = ncut;
	ps->high |= (acc & HIGH) != 0;
}

#ifdef __SSE2__
/* scan_words sixteen bytes at a time (SSE2, every x86-64): the same state
 * out, a bit per byte in the masks. */
static void scan_sse2(struct plain *ps, const char *rec, size_t n, char delim, size_t *cut,
                      size_t max)
{
	const __m128i vd = _mm_set1_epi8(delim), vl = _mm_set1_epi8('\n'), vr = _mm_set1_epi8('\r');
	size_t i = ps->scan, ncut = ps->ncut;
	unsigned acc = 0;

	for (; i + 16 <= n && !ps->found; i += 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(rec + i));
		unsigned md = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, vd)),
		         ml = (unsigned)_mm_movemask_epi8(
		             _mm_or_si128(_mm_cmpeq_epi8(w, vl), _mm_cmpeq_epi8(w, vr))),
		         mh = (unsigned)_mm_movemask_epi8(w); /* top bits: bytes >= 0x80 */
		if (ml) {
			unsigned k = (unsigned)__builtin_ctz(ml), before = (1u << k) - 1;
			md &= before;
			mh &= before;
			ps->len = i + k;
			ps->found = true;
		}
		acc |= mh;
		for (; md; md &= md - 1)
			if (ncut < max)
				cut[ncut++] = i + (size_t)__builtin_ctz(md);
	}
	ps->scan = i;
	ps->ncut = ncut;
	ps->high |= acc != 0;
}
#endif

/*
 * Go on scanning the record at pos up to the end of the buffer.  True when
 * its end was found: the first CR or LF, or the end of input at eof;
 * ps->len is then the record's length.
 */
static bool plain_scan(struct vg_csv *c, struct plain *ps)
{
	const char *rec = c->buf + c->pos;
	size_t n = c->end - c->pos, max = c->o.max_fields;

#ifdef __SSE2__
	if (!c->o.portable)
		scan_sse2(ps, rec, n, c->o.delim, c->cut, max);
#endif
	scan_words(ps, rec, n, c->o.delim, c->cut, max);
	for (; !ps->found && ps->scan < n; ps->scan++) { /* the last few bytes */
		char ch = rec[ps->scan];
		if ((ps->found = ch == '\n' || ch == '\r'))
			ps->len = ps->scan;
		else if (ch == c->o.delim && ps->ncut < max)
			c->cut[ps->ncut++] = ps->scan;
		ps->high |= (unsigned char)ch >= 0x80;
	}
	if (!ps->found)
		ps->len = n;
	return ps->found || c->eof;
}

/* Cut the record at rec (len bytes, line end already consumed) into c->f. */
static void plain_cut(struct vg_csv *c, char *rec, size_t len, size_t ncut)
{
	size_t start = 0;

	VG_GROW(c->f, c->fcap, ncut + 1);
	for (size_t k = 0; k < ncut; k++) {
		size_t d = c->cut[k];
		c->f[k].p = rec + start;
		c->f[k].len = d - start;
		rec[d] = '\0';
		start = d + 1;
	}
	c->f[ncut].p = rec + start;
	c->f[ncut].len = len - start;
	rec[len] = '\0';
	c->nf = ncut + 1;
}

/* The record at pos (not empty) in one pass: 1, VG_ETOOBIG or VG_EIO. */
static int next_plain(struct vg_csv *c, struct vg_err *err)
{
	struct plain ps = {0, 0, 0, false, false};
	char *rec;

	if (!c->cut)
		c->cut = vg_xreallocarray(NULL, c->o.max_fields, sizeof(*c->cut));
	while (!plain_scan(c, &ps)) {
		if (ps.len > c->o.max_record)
			return too_big(c, err);
		if (fill(c, err) < 0)
			return VG_EIO;
	}
	if (ps.len > c->o.max_record)
		return too_big(c, err);
	rec = c->buf + c->pos;
	consume(c, ps.len);
	if (c->pos < c->end)
		eat_eol(c); /* before the cut, which overwrites the line end */
	if (ps.ncut >= c->o.max_fields)
		return VG_ETOOBIG; /* more than max_fields fields; c->nf is 0 */
	plain_cut(c, rec, ps.len, ps.ncut);
	if (c->o.encoding != VG_CSV_UTF8 && ps.high)
		convert_fields(c);
	return 1;
}

int vg_csv_next(struct vg_csv *c, struct vg_err *err)
{
	size_t len;
	bool open, noquote = false;
	int rc;

	c->nf = 0;
	if (!c->started && start(c, err) < 0)
		return VG_EIO;
	for (;;) {
		if ((rc = more(c, err)) <= 0)
			return rc;
		if (c->skip_lf) {
			c->skip_lf = false;
			if (c->buf[c->pos] == '\n') {
				consume(c, 1);
				continue;
			}
		}
		if (c->buf[c->pos] == '\n' || c->buf[c->pos] == '\r') {
			eat_eol(c); /* empty record */
			continue;
		}
		break;
	}
	c->line = c->next_line;
	if (!c->o.quotes)
		return next_plain(c, err);
	rc = locate(c, &len, &open, &noquote, err);
	if (rc == VG_ETOOBIG)
		return too_big(c, err);
	if (rc <= 0)
		return rc;
	char *rec = c->buf + c->pos;
	if (!noquote)
		c->next_line += count_lines(rec, len);
	consume(c, len);
	if (c->pos < c->end)
		eat_eol(c);
	rec[len] = '\0'; /* after eat_eol: it may look at the CR's successor */
	rc = !noquote ? split_quoted(c, rec, len) : split_plain(c, rec, len);
	if (rc < 0) {
		c->nf = 0;
		return VG_ETOOBIG;
	}
	if (c->o.encoding != VG_CSV_UTF8)
		convert_fields(c);
	return open ? VG_EPARSE : 1;
}

int vg_csv_split(struct vg_csv *c, char *rec, size_t len)
{
	int rc;

	rec[len] = '\0';
	rc = c->o.quotes ? split_quoted(c, rec, len) : split_plain(c, rec, len);
	if (rc < 0) {
		c->nf = 0;
		return VG_ETOOBIG;
	}
	if (c->o.encoding != VG_CSV_UTF8)
		convert_fields(c);
	return 1;
}

const char *vg_csv_excerpt(const struct vg_csv *c, char *out, size_t n)
{
	size_t w = 0;

	if (n == 0)
		return out;
	for (size_t i = 0; i < c->nf && w + 1 < n; i++) {
		if (i > 0)
			out[w++] = c->o.delim;
		for (size_t j = 0; j < c->f[i].len && w + 1 < n; j++)
			out[w++] = c->f[i].p[j];
	}
	out[w] = '\0';
	return out;
}

/* ------------------------------------------------------------ headers */

int vg_csv_header_read(struct vg_csv *c, struct vg_csv_header *h, struct vg_err *err)
{
	int rc;

	h->names = NULL;
	h->n = 0;
	rc = vg_csv_next(c, err);
	if (rc == 0)
		return vg_err_set(err, VG_EPARSE, c->path, "empty file: no header line");
	if (rc < 0 && rc != VG_EPARSE)
		return rc == VG_ETOOBIG
		           ? vg_err_set(err, VG_ETOOBIG, c->path, "header line too long")
		           : rc;
	h->names = vg_xcalloc(c->nf ? c->nf : 1, sizeof(*h->names));
	h->n = c->nf;
	for (size_t i = 0; i < c->nf; i++) {
		struct vg_sv s = vg_sv_trim(c->f[i]);
		char *name = vg_xstrndup(s.p, s.len);
		for (char *p = name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		h->names[i] = name;
	}
	return 0;
}

int vg_csv_header_find(const struct vg_csv_header *h, ...)
{
	va_list ap;
	const char *alias;
	int found = -1;

	va_start(ap, h);
	while (found < 0 && (alias = va_arg(ap, const char *)) != NULL) {
		for (size_t i = 0; i < h->n; i++) {
			if (vg_sv_ieq_cstr(vg_sv_of(h->names[i]), alias)) {
				found = (int)i;
				break;
			}
		}
	}
	va_end(ap);
	return found;
}

void vg_csv_header_release(struct vg_csv_header *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->names[i]);
	free(h->names);
	h->names = NULL;
	h->n = 0;
}

int vg_csv_sniff(const char *path, char *delim, struct vg_err *err)
{
	static const char cands[] = {',', ';', '\t', '|'};
	size_t count[4] = {0};
	char buf[65536];
	size_t n = 0, best = 0;
	ssize_t k;
	bool inq = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return vg_err_set(err, errno == ENOENT ? VG_ENOTFOUND : VG_EIO, path,
		                  "cannot open: %s", strerror(errno));
	while (n < sizeof(buf) && (k = read(fd, buf + n, sizeof(buf) - n)) > 0)
		n += (size_t)k;
	close(fd);
	for (size_t i = 0; i < n && (inq || (buf[i] != '\n' && buf[i] != '\r')); i++) {
		if (buf[i] == '"')
			inq = !inq;
		for (size_t j = 0; j < 4 && !inq; j++)
			count[j] += buf[i] == cands[j];
	}
	for (size_t j = 1; j < 4; j++)
		if (count[j] > count[best])
			best = j;
	*delim = cands[best];
	return 0;
}

int vg_ingest_open_input(struct vg_csv *c, const struct vg_ingest_mem *in, char **paths, int i,
                         const struct vg_csv_opts *o, struct vg_err *err)
{
	if (!in)
		return vg_csv_open(c, paths[i], o, err);
	vg_csv_open_mem(c, in[i].name, in[i].data, in[i].len, o);
	return 0;
}

int vg_ingest_job_run(int (*run)(const struct vg_ingest_job *job),
                      const struct vg_ingest_mem *in, char **paths, int n,
                      const struct vg_ingest_opts *opts, const struct vg_ingest_sink *sink,
                      struct vg_ingest_stats *stats, struct vg_err *err)
{
	const char **names = in ? vg_ingest_mem_names(in, n) : NULL;
	struct vg_ingest_job job = {opts, sink, stats, err, in, paths,
	                            names ? names : (const char *const *)paths, n};
	int rc = run(&job);

	free(names);
	return rc;
}

void vg_ingest_meter_start(struct vg_ingest_meter *m, const struct vg_ingest_opts *opts,
                           const char *label, const struct vg_ingest_mem *in, char **paths,
                           int n)
{
	uint64_t total = 0;
	struct stat sb;

	memset(m, 0, sizeof(*m));
	m->on = opts && opts->progress;
	if (!m->on)
		return;
	for (int i = 0; i < n; i++)
		total += in ? in[i].len : stat(paths[i], &sb) == 0 ? (uint64_t)sb.st_size : 0;
	vg_progress_start(&m->bar, label, total);
}

void vg_ingest_meter_tick(struct vg_ingest_meter *m, int64_t rows_read, const struct vg_csv *c)
{
	if (m->on && (rows_read & 4095) == 0)
		vg_progress_update(&m->bar, m->base + c->bytes);
}

void vg_ingest_meter_done(struct vg_ingest_meter *m, const struct vg_csv *c)
{
	m->base += c->bytes;
}

void vg_ingest_meter_finish(struct vg_ingest_meter *m)
{
	if (m->on)
		vg_progress_finish(&m->bar);
}

const char **vg_ingest_mem_names(const struct vg_ingest_mem *in, int n)
{
	const char **names = vg_xcalloc((size_t)n + 1, sizeof(*names));

	for (int i = 0; i < n; i++)
		names[i] = in[i].name;
	return names;
}
