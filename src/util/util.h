/*
 * util.h - the domain-free toolbox every vigil module stands on.
 *
 * Contents, in order:
 *   errors      negative VG_E* codes, vg_strerror(), struct vg_err (detail
 *               text + field path) that travels up to whoever reports it
 *   allocation  vg_xmalloc & co.: abort with a message on out-of-memory and
 *               on size overflow, so callers never check for NULL
 *   arena       bump allocator for request and batch lifetimes; freed whole
 *   buf         growable byte buffer with a mandatory hard cap
 *   sv          string view (pointer + length, not NUL-terminated)
 *   parse       strict integer / double parsing with error reporting, and
 *               integer formatting without printf
 *   map         string -> uint32 id hash map (xxHash), the interning table
 *   date        full and partial dates (YYYY, YYYYMM, YYYYMMDD[hh[mm[ss]]])
 *               and day arithmetic between them
 *   progress    a progress bar on stderr, drawn only when stderr is a tty
 *
 * Nothing here knows a domain word.  Library code never prints except the
 * progress bar, which the caller asked for.
 */
#ifndef VG_UTIL_H
#define VG_UTIL_H

#include "vg.h"

/* ---------------------------------------------------------------- errors */

enum {
	VG_OK = 0,
	VG_EINVAL = -1,    /* bad argument or malformed input */
	VG_ENOMEM = -2,    /* allocation refused (only where we do not abort) */
	VG_EIO = -3,       /* read or write failed */
	VG_ENOTFOUND = -4, /* no such case, unit, user, file */
	VG_EEXIST = -5,    /* already exists */
	VG_ETOOBIG = -6,   /* a hard cap was crossed */
	VG_EDB = -7,       /* the database refused */
	VG_EPARSE = -8,    /* input could not be parsed */
	VG_EAUTH = -9,     /* not authenticated */
	VG_EPERM = -10,    /* authenticated but not allowed */
	VG_ECONFLICT = -11,/* state conflict (e.g. nullified case) */
	VG_EINTERNAL = -12,/* a bug: an invariant did not hold */
	VG_ERANGE = -13,   /* number out of range */
	VG_EUSAGE = -14,   /* bad command-line usage */
};

/* Static, never NULL: "invalid argument", "unknown error" for foreign codes. */
const char *vg_strerror(int code);

#define VG_ERR_MSG_MAX 512
#define VG_ERR_FIELD_MAX 160

/*
 * The error object.  Zero it (VG_ERR_INIT) before use; vg_err_set() records
 * the first error only, so the innermost, most specific message wins.
 */
struct vg_err {
	int code;
	char field[VG_ERR_FIELD_MAX]; /* field path ("patient.age"), file:line, or "" */
	char msg[VG_ERR_MSG_MAX];
};
#define VG_ERR_INIT {0, "", ""}

/* Record code, field path (may be NULL) and message; returns code. */
int vg_err_set(struct vg_err *err, int code, const char *field, const char *fmt, ...)
	VG_PRINTF(4, 5);
void vg_err_clear(struct vg_err *err);
/* "field: msg" or "msg" or vg_strerror(code), into out (always terminated). */
const char *vg_err_str(const struct vg_err *err, char *out, size_t outsz);

/* ------------------------------------------------------------ allocation */

VG_NORETURN void vg_die(const char *fmt, ...) VG_PRINTF(1, 2);
void *vg_xmalloc(size_t n);
void *vg_xcalloc(size_t nmemb, size_t size);
void *vg_xrealloc(void *p, size_t n);
/* Reallocate an array of nmemb elements of size bytes, checking overflow. */
void *vg_xreallocarray(void *p, size_t nmemb, size_t size);
char *vg_xstrdup(const char *s);
char *vg_xstrndup(const char *s, size_t n);
/* Grow *p (array of *cap elements) so that it holds at least need elements. */
#define VG_GROW(p, cap, need)                                                   \
	do {                                                                        \
		if ((size_t)(need) > (size_t)(cap)) {                                   \
			size_t vg_nc_ = (cap) ? (size_t)(cap) * 2 : 16;                     \
			while (vg_nc_ < (size_t)(need)) vg_nc_ *= 2;                        \
			(p) = vg_xreallocarray((p), vg_nc_, sizeof(*(p)));                  \
			(cap) = vg_nc_;                                                     \
		}                                                                       \
	} while (0)

/* Fault injection for tests: the n-th allocation from now (1-based) aborts
 * via vg_die.  0 disables. */
void vg_alloc_fail_after(unsigned long n);

/* Copy at most dstsz-1 bytes and terminate; returns strlen(src). */
size_t vg_strlcpy(char *dst, const char *src, size_t dstsz);

/* ----------------------------------------------------------------- arena */

/*
 * A bump allocator: a chain of blocks; allocations are 16-byte aligned and
 * never freed one by one.  vg_arena_release frees everything.  Memory comes
 * from vg_xmalloc, so allocation never fails.
 */
struct vg_arena_block;
struct vg_arena {
	struct vg_arena_block *head;
	size_t block_size;
	size_t total; /* bytes handed out, for caps and statistics */
};
#define VG_ARENA_INIT {NULL, 0, 0}

void vg_arena_init(struct vg_arena *a, size_t block_size);
void *vg_arena_alloc(struct vg_arena *a, size_t n);       /* uninitialised */
void *vg_arena_calloc(struct vg_arena *a, size_t nmemb, size_t size);
char *vg_arena_strdup(struct vg_arena *a, const char *s); /* NULL -> NULL */
char *vg_arena_strndup(struct vg_arena *a, const char *s, size_t n);
char *vg_arena_printf(struct vg_arena *a, const char *fmt, ...) VG_PRINTF(2, 3);
/* Free all but the first block and rewind it: cheap reuse per batch. */
void vg_arena_reset(struct vg_arena *a);
void vg_arena_release(struct vg_arena *a);

/* ------------------------------------------------------------------- buf */

/*
 * A byte buffer with a hard cap.  b.p is always NUL-terminated when
 * non-NULL (the terminator is not counted in len and not in the cap).
 * Appends that would take len past max fail with VG_ETOOBIG and leave the
 * buffer unchanged.  max == 0 means the default cap VG_BUF_DEFAULT_MAX.
 */
#define VG_BUF_DEFAULT_MAX ((size_t)64 << 20)
struct vg_buf {
	char *p;
	size_t len, cap, max;
};
#define VG_BUF_INIT(maxbytes) {NULL, 0, 0, (maxbytes)}

int vg_buf_append(struct vg_buf *b, const void *data, size_t n);
/* vg_buf_append, inline for the short pieces of the hot encoders (case
 * JSON): the bytes are copied here when they fit in the memory the buffer
 * already has and under its cap, else vg_buf_append grows or refuses. */
static inline int vg_buf_add(struct vg_buf *b, const void *data, size_t n)
{
	size_t max = b->max ? b->max : VG_BUF_DEFAULT_MAX;

	if (n >= b->cap - b->len || b->len + n > max)
		return vg_buf_append(b, data, n);
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}
int vg_buf_puts(struct vg_buf *b, const char *s);
int vg_buf_putc(struct vg_buf *b, char c);
int vg_buf_printf(struct vg_buf *b, const char *fmt, ...) VG_PRINTF(2, 3);
int vg_buf_vprintf(struct vg_buf *b, const char *fmt, va_list ap);
/* Append s JSON-escaped and quoted; NULL (unknown) is written as null. */
int vg_buf_json_str(struct vg_buf *b, const char *s);
/* Append s as a CSV field (quoted when it holds , " CR or LF). */
int vg_buf_csv_str(struct vg_buf *b, const char *s);
void vg_buf_reset(struct vg_buf *b); /* len = 0, keeps memory */
/* Hand the string to the caller (who frees it); the buffer becomes empty. */
char *vg_buf_detach(struct vg_buf *b, size_t *len);
void vg_buf_release(struct vg_buf *b);

/* -------------------------------------------------------------------- sv */

struct vg_sv {
	const char *p;
	size_t len;
};
#define VG_SV(lit) ((struct vg_sv){(lit), sizeof(lit) - 1})
static inline struct vg_sv vg_sv_of(const char *s)
{
	return (struct vg_sv){s, s ? strlen(s) : 0};
}
bool vg_sv_eq(struct vg_sv a, struct vg_sv b);
bool vg_sv_eq_cstr(struct vg_sv a, const char *s);
bool vg_sv_ieq_cstr(struct vg_sv a, const char *s); /* ASCII case-insensitive */
struct vg_sv vg_sv_trim(struct vg_sv s);            /* ASCII whitespace */
/* Split off the part before the first sep; *rest gets what follows it (or
 * an empty view with p == NULL when sep does not occur). */
struct vg_sv vg_sv_cut(struct vg_sv s, char sep, struct vg_sv *rest);

/* ----------------------------------------------------------------- parse */

/* Whole-string strict parses: no leading/trailing junk, no overflow. */
int vg_parse_i64(struct vg_sv s, int64_t *out);
int vg_parse_double(struct vg_sv s, double *out);
/* printf's "%0*lld" without printf (for the hot encoders' integers and
 * dates): '-' for a negative v, then its decimal digits, zero-padded so the
 * whole is at least width characters.  Writes at most max(20, width) bytes
 * and no terminator; returns how many. */
size_t vg_fmt_i64(char *out, int64_t v, int width);

/* ------------------------------------------------------------------- map */

/*
 * Open-addressing hash map from byte strings to dense uint32 ids, keys
 * hashed with XXH3.  Keys are copied into the map's own arena.  Ids are
 * assigned 0, 1, 2, ... in insertion order, so the map doubles as an
 * interning table: vg_map_key(m, id) gives the key back.
 */
struct vg_map;
struct vg_map *vg_map_new(size_t expected);
void vg_map_free(struct vg_map *m);
/* Id of key, inserting it if absent (*added says which, may be NULL). */
uint32_t vg_map_intern(struct vg_map *m, const char *key, size_t len, bool *added);
/* Id of key or UINT32_MAX when absent. */
uint32_t vg_map_find(const struct vg_map *m, const char *key, size_t len);
/* intern with h == vg_hash64(key, len) computed by the caller (e.g. on
 * another thread); a different h breaks the map. */
uint32_t vg_map_intern_hashed(struct vg_map *m, const char *key, size_t len, uint64_t h,
                              bool *added);
uint32_t vg_map_count(const struct vg_map *m);
const char *vg_map_key(const struct vg_map *m, uint32_t id, size_t *len);
uint64_t vg_hash64(const void *data, size_t len);

/* ------------------------------------------------------------------ date */

/*
 * A date as E2B allows it: year only, year-month, full date, with optional
 * hour, minute, second.  prec says how much is known.  Day arithmetic uses
 * the earliest day the partial date allows (vg_date_first_day) or the latest
 * (vg_date_last_day); callers choose, rules say which.
 */
enum vg_date_prec {
	VG_DATE_NONE = 0,
	VG_DATE_YEAR,
	VG_DATE_MONTH,
	VG_DATE_DAY,
	VG_DATE_HOUR,
	VG_DATE_MINUTE,
	VG_DATE_SECOND,
};
struct vg_date {
	int16_t year;
	int8_t month, day, hour, minute, second;
	uint8_t prec; /* enum vg_date_prec */
};
#define VG_DATE_INIT {0, 0, 0, 0, 0, 0, VG_DATE_NONE}

/*
 * Parse "YYYY", "YYYYMM", "YYYYMMDD", "YYYYMMDDhh[mm[ss]]" (E2B/HL7 TS, with
 * an optional trailing timezone "+hhmm"/"-hhmm" ignored), and the ISO forms
 * "YYYY-MM", "YYYY-MM-DD", "YYYY-MM-DDThh:mm[:ss]".  Validates the calendar
 * (Feb 29 only in leap years).  Empty input gives VG_DATE_NONE and 0.
 */
int vg_date_parse(struct vg_sv s, struct vg_date *out);
bool vg_date_is_leap(int year);
int vg_date_days_in_month(int year, int month);
/* Days since 1970-01-01 of the first / last day the date may denote.
 * Requires prec >= VG_DATE_YEAR. */
int32_t vg_date_first_day(const struct vg_date *d);
int32_t vg_date_last_day(const struct vg_date *d);
/* Full date from a day number. */
struct vg_date vg_date_from_days(int32_t days);
/* Compare by what both know: negative, 0, positive; NONE sorts first. */
int vg_date_cmp(const struct vg_date *a, const struct vg_date *b);
/* Format as E2B digits ("2024", "202403", "20240301", "20240301101500"). */
void vg_date_format(const struct vg_date *d, char out[16]);
/* ISO form ("2024", "2024-03", "2024-03-01", "2024-03-01T10:15:00"). */
void vg_date_format_iso(const struct vg_date *d, char out[24]);
/* Today's date in UTC, full precision (seconds). */
struct vg_date vg_date_now(void);

/* -------------------------------------------------------------- progress */

struct vg_progress {
	const char *label;
	uint64_t total; /* 0 when unknown: a counter is drawn instead of a bar */
	uint64_t done;
	double last_draw;
	bool tty;
};
void vg_progress_start(struct vg_progress *p, const char *label, uint64_t total);
void vg_progress_update(struct vg_progress *p, uint64_t done);
void vg_progress_finish(struct vg_progress *p);
double vg_now_seconds(void); /* monotonic */

#endif
