/*
 * date.c - full and partial dates, E2B style.
 *
 * E2B(R3) dates are HL7 TS values of 4 to 14 digits (C.1.2, C.1.5, E.i.4):
 * a report may know only the year of onset, or year and month.  We keep the
 * precision with the value and never invent the missing parts; arithmetic
 * asks explicitly for the first or last day the partial date allows.
 *
 * Day numbers count from 1970-01-01 in the proleptic Gregorian calendar
 * (civil-from-days / days-from-civil in the classic era-based form).
 */
#include "vg.h"
#include "util/util.h"

#include <ctype.h>
#include <time.h>

bool vg_date_is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int vg_date_days_in_month(int year, int month)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month < 1 || month > 12)
		return 0;
	return month == 2 && vg_date_is_leap(year) ? 29 : mdays[month - 1];
}

static int32_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe - 719468);
}

struct vg_date vg_date_from_days(int32_t z)
{
	struct vg_date d = VG_DATE_INIT;
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	int m = mp < 10 ? mp + 3 : mp - 9;
	d.year = (int16_t)(yoe + era * 400 + (m <= 2));
	d.month = (int8_t)m;
	d.day = (int8_t)(doy - (153 * mp + 2) / 5 + 1);
	d.prec = VG_DATE_DAY;
	return d;
}

/* Read n digits from s at *pos into *out. */
static bool take_digits(struct vg_sv s, size_t *pos, int n, int *out)
{
	int v = 0;

	if (*pos + (size_t)n > s.len)
		return false;
	for (int i = 0; i < n; i++) {
		char c = s.p[*pos + (size_t)i];
		if (!isdigit((unsigned char)c))
			return false;
		v = v * 10 + (c - '0');
	}
	*pos += (size_t)n;
	*out = v;
	return true;
}

static bool skip_sep(struct vg_sv s, size_t *pos, char sep, bool iso)
{
	if (!iso)
		return true;
	if (*pos < s.len && s.p[*pos] == sep) {
		(*pos)++;
		return true;
	}
	return false;
}

/* Trailing "+hhmm", "-hhmm", "Z" or fractional seconds are accepted and ignored. */
static bool tail_ok(struct vg_sv s, size_t pos)
{
	if (pos == s.len)
		return true;
	if (s.p[pos] == 'Z' && pos + 1 == s.len)
		return true;
	if (s.p[pos] == '.') {
		pos++;
		while (pos < s.len && isdigit((unsigned char)s.p[pos]))
			pos++;
		if (pos == s.len)
			return true;
	}
	if (s.p[pos] == '+' || s.p[pos] == '-') {
		size_t n = 0;
		for (pos++; pos < s.len && (isdigit((unsigned char)s.p[pos]) || s.p[pos] == ':'); pos++)
			n++;
		return pos == s.len && n >= 2;
	}
	return false;
}

static int check_fields(const struct vg_date *d)
{
	if (d->year < 1 || d->year > 9999)
		return VG_ERANGE;
	if (d->prec >= VG_DATE_MONTH && (d->month < 1 || d->month > 12))
		return VG_ERANGE;
	if (d->prec >= VG_DATE_DAY && (d->day < 1 || d->day > vg_date_days_in_month(d->year, d->month)))
		return VG_ERANGE;
	if (d->prec >= VG_DATE_HOUR && d->hour > 23)
		return VG_ERANGE;
	if (d->prec >= VG_DATE_MINUTE && d->minute > 59)
		return VG_ERANGE;
	if (d->prec >= VG_DATE_SECOND && d->second > 60)
		return VG_ERANGE;
	return 0;
}

int vg_date_parse(struct vg_sv s, struct vg_date *out)
{
	struct vg_date d = VG_DATE_INIT;
	size_t pos = 0;
	int v;
	bool iso;
	static const char seps[] = {'-', '-', 'T', ':', ':'};

	s = vg_sv_trim(s);
	*out = d;
	if (s.len == 0)
		return 0;
	if (!take_digits(s, &pos, 4, &v))
		return VG_EINVAL;
	d.year = (int16_t)v;
	d.prec = VG_DATE_YEAR;
	iso = pos < s.len && s.p[pos] == '-';
	for (int part = 0; part < 5 && pos < s.len; part++) {
		size_t save = pos;
		if (!skip_sep(s, &pos, seps[part], iso) || !take_digits(s, &pos, 2, &v)) {
			pos = save;
			break;
		}
		int8_t *field[] = {&d.month, &d.day, &d.hour, &d.minute, &d.second};
		*field[part] = (int8_t)v;
		d.prec = (uint8_t)(VG_DATE_MONTH + part);
	}
	if (!tail_ok(s, pos))
		return VG_EINVAL;
	if (check_fields(&d))
		return VG_ERANGE;
	*out = d;
	return 0;
}

int32_t vg_date_first_day(const struct vg_date *d)
{
	int m = d->prec >= VG_DATE_MONTH ? d->month : 1;
	int day = d->prec >= VG_DATE_DAY ? d->day : 1;

	return days_from_civil(d->year, m, day);
}

int32_t vg_date_last_day(const struct vg_date *d)
{
	int m = d->prec >= VG_DATE_MONTH ? d->month : 12;
	int day = d->prec >= VG_DATE_DAY ? d->day : vg_date_days_in_month(d->year, m);

	return days_from_civil(d->year, m, day);
}

int vg_date_cmp(const struct vg_date *a, const struct vg_date *b)
{
	int prec = a->prec < b->prec ? a->prec : b->prec;
	int av[6] = {a->year, a->month, a->day, a->hour, a->minute, a->second};
	int bv[6] = {b->year, b->month, b->day, b->hour, b->minute, b->second};

	if (a->prec == VG_DATE_NONE || b->prec == VG_DATE_NONE)
		return (a->prec != VG_DATE_NONE) - (b->prec != VG_DATE_NONE);
	for (int i = 0; i < prec; i++)
		if (av[i] != bv[i])
			return av[i] < bv[i] ? -1 : 1;
	return (int)a->prec - (int)b->prec;
}

/* "%0*d" of v for width 2 or 4; the usual case (0 <= v < 10^width) here. */
static size_t field(char *out, int v, int width)
{
	if (v < 0 || v >= (width == 4 ? 10000 : 100))
		return vg_fmt_i64(out, v, width);
	for (int i = width - 1; i >= 0; i--, v /= 10)
		out[i] = (char)('0' + v % 10);
	return (size_t)width;
}

/*
 * The fields as "%04d" then "%02d" each (compact) or with the ISO
 * separators "-", "-", "T", ":", ":" before them, written by hand: this is
 * on the import path (every date of every version is formatted for its
 * JSON, and again for the store's columns).  Out-of-range fields print as
 * printf would ("-5" for month -5) and the result is cut to outsz - 1
 * bytes, as snprintf would cut it.
 */
static void format(const struct vg_date *d, char *out, size_t outsz, bool iso)
{
	static const char seps[] = "--T::";
	int v[6] = {d->year, d->month, d->day, d->hour, d->minute, d->second};
	char tmp[48]; /* "-32768" and five "-128" with separators: 31 */
	size_t n;

	out[0] = '\0';
	if (d->prec == VG_DATE_NONE)
		return;
	n = field(tmp, v[0], 4);
	for (int i = 1; i < d->prec && i < 6; i++) {
		if (iso)
			tmp[n++] = seps[i - 1];
		n += field(tmp + n, v[i], 2);
	}
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, tmp, n);
	out[n] = '\0';
}

void vg_date_format(const struct vg_date *d, char out[16])
{
	format(d, out, 16, false);
}

void vg_date_format_iso(const struct vg_date *d, char out[24])
{
	format(d, out, 24, true);
}

struct vg_date vg_date_now(void)
{
	time_t t = time(NULL);
	struct tm tm;
	struct vg_date d = VG_DATE_INIT;

	gmtime_r(&t, &tm);
	d.year = (int16_t)(tm.tm_year + 1900);
	d.month = (int8_t)(tm.tm_mon + 1);
	d.day = (int8_t)tm.tm_mday;
	d.hour = (int8_t)tm.tm_hour;
	d.minute = (int8_t)tm.tm_min;
	d.second = (int8_t)tm.tm_sec;
	d.prec = VG_DATE_SECOND;
	return d;
}
