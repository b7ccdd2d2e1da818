/*
 * report.c - writing a unit evaluation: table, CSV, JSON, printable HTML.
 *
 * Labels come from one bilingual table (labels[] below, English and
 * Chinese); the table and the HTML page use them, in one language or both
 * side by side ("报告数 Reports").  CSV and JSON use stable English keys so
 * that scripts never depend on the language.
 *
 * The HTML page is self-contained (no network: inline CSS and SVG) and
 * prints on A4 (@media print breaks a page per class).  Per class it shows
 * the commendation list, three charts and the full table:
 *
 *   ranking      horizontal bars of the composite score, best first
 *   volume       12 vertical bars: reports of the class per month
 *   timeliness   a 100 % stacked bar per unit: on time / late / unknown
 *
 * Everything written from data goes through html_text() (escaping) or a
 * numeric format; unit names are UTF-8 and pass unchanged.
 */
#include "vg.h"
#include "units/units.h"

#include <math.h>

/* ------------------------------------------------------------- labels */

enum lbl {
	L_TITLE, L_YEAR, L_RANK, L_UNIT, L_NAME, L_REPORTS, L_EFFECTIVE, L_VALID, L_NEWSER,
	L_ONTIME, L_COMPL, L_DUP, L_BEDS, L_MILLION, L_SCORE, L_COMMENDED, L_CL_DRUG,
	L_CL_DEVICE, L_CL_COSMETIC, L_RANKING, L_MONTHLY, L_TIMELY, L_LATE, L_UNKNOWN,
	L_WEIGHTS, L_NONE, L_UNATTR, L_NULLIFIED, L_MONTH, L_BASIS, L_MISSING, L_COUNT
};

static const char *const labels[L_COUNT][2] = {
	[L_TITLE] = {"Reporting unit evaluation", "报告单位年度评价"},
	[L_YEAR] = {"Year", "年度"},
	[L_RANK] = {"Rank", "排名"},
	[L_UNIT] = {"Unit", "单位编码"},
	[L_NAME] = {"Name", "单位名称"},
	[L_REPORTS] = {"Reports", "报告数"},
	[L_EFFECTIVE] = {"Effective", "有效报告"},
	[L_VALID] = {"Valid %", "合格率%"},
	[L_NEWSER] = {"New+serious %", "新的和严重%"},
	[L_ONTIME] = {"On time %", "及时率%"},
	[L_COMPL] = {"Completeness", "完整性"},
	[L_DUP] = {"Duplicate %", "重复率%"},
	[L_BEDS] = {"Per 100 beds", "每百床"},
	[L_MILLION] = {"Per million", "每百万人口"},
	[L_SCORE] = {"Score", "综合得分"},
	[L_COMMENDED] = {"Commended", "拟表扬单位"},
	[L_CL_DRUG] = {"Drugs", "药品"},
	[L_CL_DEVICE] = {"Medical devices", "医疗器械"},
	[L_CL_COSMETIC] = {"Cosmetics", "化妆品"},
	[L_RANKING] = {"Ranking by composite score", "综合得分排名"},
	[L_MONTHLY] = {"Reports per month", "月度报告数"},
	[L_TIMELY] = {"Timeliness", "报告及时性"},
	[L_LATE] = {"Late", "迟报"},
	[L_UNKNOWN] = {"Unknown", "无法判断"},
	[L_WEIGHTS] = {"Weights", "权重"},
	[L_NONE] = {"none", "无"},
	[L_UNATTR] = {"Reports without a unit", "无报告单位的报告"},
	[L_NULLIFIED] = {"Nullified", "作废"},
	[L_MONTH] = {"Month", "月份"},
	[L_BASIS] = {"Volume basis", "报告量口径"},
	[L_MISSING] = {"Missing items %", "缺项率%"},
};

static const char *lbl(int lang, int k)
{
	return labels[k][lang == VG_LANG_ZH ? 1 : 0];
}

/* Both languages: "中文 English"; else the one asked for. */
static void put_label(struct vg_buf *b, int lang, int k)
{
	if (lang == VG_LANG_BOTH)
		vg_buf_printf(b, "%s <span class=\"en\">%s</span>", labels[k][1], labels[k][0]);
	else
		vg_buf_puts(b, lbl(lang, k));
}

static int class_label(int tlclass)
{
	return tlclass == VG_TL_DEVICE ? L_CL_DEVICE : tlclass == VG_TL_COSMETIC ? L_CL_COSMETIC
	                                                                        : L_CL_DRUG;
}

/* ------------------------------------------------------------- helpers */

static void html_text(struct vg_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': vg_buf_puts(b, "&lt;"); break;
		case '>': vg_buf_puts(b, "&gt;"); break;
		case '&': vg_buf_puts(b, "&amp;"); break;
		case '"': vg_buf_puts(b, "&quot;"); break;
		case '\'': vg_buf_puts(b, "&#39;"); break;
		default: vg_buf_putc(b, *s);
		}
	}
}

/* Terminal columns of a UTF-8 string: CJK and full-width forms count 2. */
static size_t display_width(const char *s)
{
	size_t w = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (p && *p) {
		uint32_t cp = *p;
		int n = cp < 0x80 ? 1 : cp < 0xe0 ? 2 : cp < 0xf0 ? 3 : 4;
		if (n > 1) {
			cp &= 0x3f >> (n - 1);
			for (int i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
				cp = (cp << 6) | (p[i] & 0x3f);
		}
		for (int i = 0; i < n && *p; i++)
			p++;
		w += (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
		             (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
		             (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0x20000 && cp <= 0x3fffd)
		         ? 2 : 1;
	}
	return w;
}

/* s padded (left-aligned) to width columns; truncated names keep whole
 * characters by not truncating at all (wide cells just push the row). */
static void put_padded(struct vg_buf *b, const char *s, size_t width)
{
	size_t w = display_width(s);
	vg_buf_puts(b, s);
	for (; w < width; w++)
		vg_buf_putc(b, ' ');
}

static void put_num(struct vg_buf *b, const char *fmt, double x)
{
	if (isnan(x))
		vg_buf_puts(b, "-");
	else
		vg_buf_printf(b, fmt, x);
}

static size_t shown(const struct vg_units_class_result *cr, int top_k)
{
	return top_k > 0 && (size_t)top_k < cr->nrows ? (size_t)top_k : cr->nrows;
}

/* --------------------------------------------------------------- table */

#define NCOL 13

/* The cells of one table row (numbers formatted into num). */
static void row_cells(const struct vg_unit_stats *s, char num[NCOL][32], const char *cell[NCOL])
{
	snprintf(num[0], 32, "%d", s->rank);
	snprintf(num[3], 32, "%" PRId64, s->reports);
	snprintf(num[4], 32, "%" PRId64, s->effective);
	snprintf(num[5], 32, "%.1f", 100 * s->valid_share);
	snprintf(num[6], 32, "%.1f", 100 * s->new_serious_share);
	snprintf(num[7], 32, "%.1f", 100 * s->on_time_rate);
	snprintf(num[8], 32, "%.3f", s->mean_completeness);
	snprintf(num[9], 32, "%.1f", 100 * s->duplicate_share);
	snprintf(num[10], 32, isnan(s->per_100_beds) ? "-" : "%.2f", s->per_100_beds);
	snprintf(num[11], 32, isnan(s->per_million) ? "-" : "%.1f", s->per_million);
	snprintf(num[12], 32, "%.2f%s", s->score, s->commended ? " *" : "");
	for (int c = 0; c < NCOL; c++)
		cell[c] = num[c];
	cell[1] = s->code;
	cell[2] = s->name ? s->name : "";
}

/* One block per class; column widths fit the widest cell (CJK counts 2). */
static void table_class(struct vg_buf *b, const struct vg_units_eval *ev,
                        const struct vg_units_class_result *cr, int lang, int top_k)
{
	static const int cols[NCOL] = {L_RANK, L_UNIT, L_NAME, L_REPORTS, L_EFFECTIVE, L_VALID,
	                               L_NEWSER, L_ONTIME, L_COMPL, L_DUP, L_BEDS, L_MILLION,
	                               L_SCORE};
	int l = lang == VG_LANG_ZH ? VG_LANG_ZH : VG_LANG_EN;
	size_t n = shown(cr, top_k), w[NCOL];
	char(*num)[NCOL][32] = vg_xcalloc(n ? n : 1, sizeof(*num));
	const char *(*cell)[NCOL] = vg_xcalloc(n ? n : 1, sizeof(*cell));
	for (int c = 0; c < NCOL; c++)
		w[c] = display_width(lbl(l, cols[c]));
	for (size_t i = 0; i < n; i++) {
		row_cells(&cr->rows[i], num[i], cell[i]);
		for (int c = 0; c < NCOL; c++)
			w[c] = display_width(cell[i][c]) > w[c] ? display_width(cell[i][c]) : w[c];
	}
	vg_buf_printf(b, "%s %d, %s: %" PRId64 " %s, %" PRId64 " %s\n", lbl(l, L_YEAR), ev->year,
	              lbl(l, class_label(cr->tlclass)), cr->reports, lbl(l, L_REPORTS),
	              cr->effective, lbl(l, L_EFFECTIVE));
	for (int c = 0; c < NCOL; c++)
		put_padded(b, lbl(l, cols[c]), c + 1 < NCOL ? w[c] + 2 : 0);
	vg_buf_putc(b, '\n');
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < NCOL; c++)
			put_padded(b, cell[i][c], c + 1 < NCOL ? w[c] + 2 : 0);
		vg_buf_putc(b, '\n');
	}
	vg_buf_puts(b, "\n");
	free(num);
	free(cell);
}

/* ----------------------------------------------------------------- CSV */

static void csv_num(struct vg_buf *b, double x)
{
	if (isnan(x))
		vg_buf_puts(b, ",");
	else
		vg_buf_printf(b, ",%.6f", x);
}

static void csv_row(struct vg_buf *b, const struct vg_units_class_result *cr,
                    const struct vg_unit_stats *s)
{
	vg_buf_printf(b, "%s,%d,", vg_tl_class_name(cr->tlclass), s->rank);
	vg_buf_csv_str(b, s->code);
	vg_buf_putc(b, ',');
	vg_buf_csv_str(b, s->name ? s->name : "");
	vg_buf_printf(b, ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64
	                 ",%" PRId64 ",%" PRId64 ",%" PRId64,
	              s->reports, s->invalid, s->nullified, s->duplicates, s->effective,
	              s->new_serious, s->on_time, s->late, s->tl_unknown);
	double v[] = {s->valid_share, s->new_serious_share, s->on_time_rate,
	              s->mean_completeness, s->duplicate_share, s->per_100_beds, s->per_million};
	for (size_t k = 0; k < VG_ARRAY_LEN(v); k++)
		csv_num(b, v[k]);
	for (int k = 0; k < VG_UC_COUNT; k++)
		csv_num(b, s->component[k]);
	vg_buf_printf(b, ",%.6f,%d,%.6f\n", s->score, s->commended ? 1 : 0, s->missing_share);
}

static void csv_write(struct vg_buf *b, const struct vg_units_eval *ev, int top_k)
{
	vg_buf_puts(b, "class,rank,unit,name,reports,invalid,nullified,duplicates,effective,"
	               "new_serious,on_time,late,timeliness_unknown,valid_share,"
	               "new_serious_share,on_time_rate,mean_completeness,duplicate_share,"
	               "per_100_beds,per_million");
	for (int k = 0; k < VG_UC_COUNT; k++)
		vg_buf_printf(b, ",c_%s", vg_ucomp_name(k));
	vg_buf_puts(b, ",score,commended,missing_share\n");
	for (int c = 0; c < VG_TL_NCLASS; c++)
		for (size_t i = 0; ev->evaluated[c] && i < shown(&ev->cls[c], top_k); i++)
			csv_row(b, &ev->cls[c], &ev->cls[c].rows[i]);
}

/* ---------------------------------------------------------------- JSON */

static void json_num(struct vg_buf *b, const char *key, double x)
{
	if (isnan(x))
		vg_buf_printf(b, ",\"%s\":null", key);
	else
		vg_buf_printf(b, ",\"%s\":%.10g", key, x);
}

static void json_months(struct vg_buf *b, const int64_t m[12])
{
	vg_buf_puts(b, "[");
	for (int i = 0; i < 12; i++)
		vg_buf_printf(b, "%s%" PRId64, i ? "," : "", m[i]);
	vg_buf_puts(b, "]");
}

static void json_row(struct vg_buf *b, const struct vg_unit_stats *s)
{
	vg_buf_printf(b, "{\"rank\":%d,\"unit\":", s->rank);
	vg_buf_json_str(b, s->code);
	vg_buf_puts(b, ",\"name\":");
	if (s->name)
		vg_buf_json_str(b, s->name);
	else
		vg_buf_puts(b, "null");
	vg_buf_printf(b, ",\"reports\":%" PRId64 ",\"invalid\":%" PRId64 ",\"nullified\":%" PRId64
	                 ",\"duplicates\":%" PRId64 ",\"effective\":%" PRId64
	                 ",\"new_serious\":%" PRId64 ",\"serious\":%" PRId64 ",\"on_time\":%" PRId64
	                 ",\"late\":%" PRId64 ",\"timeliness_unknown\":%" PRId64
	                 ",\"days_late_total\":%" PRId64 ",\"well_documented\":%" PRId64,
	              s->reports, s->invalid, s->nullified, s->duplicates, s->effective,
	              s->new_serious, s->serious, s->on_time, s->late, s->tl_unknown,
	              s->days_late_sum, s->well_documented);
	json_num(b, "valid_share", s->valid_share);
	json_num(b, "new_serious_share", s->new_serious_share);
	json_num(b, "on_time_rate", s->on_time_rate);
	json_num(b, "mean_completeness", s->mean_completeness);
	json_num(b, "duplicate_share", s->duplicate_share);
	vg_buf_printf(b, ",\"with_missing\":%" PRId64, s->with_missing);
	json_num(b, "missing_share", s->missing_share);
	json_num(b, "per_100_beds", s->per_100_beds);
	json_num(b, "per_million", s->per_million);
	vg_buf_puts(b, ",\"components\":{");
	for (int k = 0; k < VG_UC_COUNT; k++)
		vg_buf_printf(b, "%s\"%s\":%.10g", k ? "," : "", vg_ucomp_name(k), s->component[k]);
	vg_buf_printf(b, "},\"score\":%.10g,\"commended\":%s,\"monthly\":", s->score,
	              s->commended ? "true" : "false");
	json_months(b, s->monthly);
	vg_buf_puts(b, "}");
}

static void json_class(struct vg_buf *b, const struct vg_units_class_result *cr, int top_k)
{
	vg_buf_printf(b, "{\"class\":\"%s\",\"reports\":%" PRId64 ",\"effective\":%" PRId64
	                 ",\"monthly\":",
	              vg_tl_class_name(cr->tlclass), cr->reports, cr->effective);
	json_months(b, cr->monthly);
	vg_buf_puts(b, ",\"commended\":[");
	int n = 0;
	for (size_t i = 0; i < cr->nrows; i++)
		if (cr->rows[i].commended) {
			vg_buf_puts(b, n++ ? "," : "");
			vg_buf_json_str(b, cr->rows[i].code);
		}
	vg_buf_puts(b, "],\"units\":[");
	for (size_t i = 0; i < shown(cr, top_k); i++) {
		vg_buf_puts(b, i ? "," : "");
		json_row(b, &cr->rows[i]);
	}
	vg_buf_puts(b, "]}");
}

static void json_write(struct vg_buf *b, const struct vg_units_eval *ev, int top_k)
{
	static const char *const bases[] = {"reports", "per_bed", "per_million"};
	vg_buf_printf(b, "{\"year\":%d,\"config\":{\"volume_basis\":\"%s\",\"weights\":{",
	              ev->year, bases[ev->cfg.volume_basis]);
	for (int k = 0; k < VG_UC_COUNT; k++)
		vg_buf_printf(b, "%s\"%s\":%.10g", k ? "," : "", vg_ucomp_name(k),
		              ev->cfg.weight[k]);
	vg_buf_printf(b, "}},\"unattributed\":%" PRId64 ",\"classes\":[", ev->unattributed);
	int n = 0;
	for (int c = 0; c < VG_TL_NCLASS; c++)
		if (ev->evaluated[c]) {
			vg_buf_puts(b, n++ ? "," : "");
			json_class(b, &ev->cls[c], top_k);
		}
	vg_buf_puts(b, "]}\n");
}

/* ---------------------------------------------------------------- HTML */

#define SVG_W 680
#define BAR_LABEL 220
#define BAR_AREA 380
#define ROW_H 20

static const char *unit_label(const struct vg_unit_stats *s)
{
	return s->name && s->name[0] ? s->name : s->code;
}

static void svg_ranking(struct vg_buf *b, const struct vg_units_class_result *cr, size_t n)
{
	size_t h = n * ROW_H + 10;
	vg_buf_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\" "
	                 "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n",
	              SVG_W, h, SVG_W, h);
	for (size_t i = 0; i < n; i++) {
		const struct vg_unit_stats *s = &cr->rows[i];
		double w = BAR_AREA * (s->score < 0 ? 0 : s->score > 100 ? 100 : s->score) / 100.0;
		size_t y = i * ROW_H + 5;
		vg_buf_printf(b, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">%d. ", BAR_LABEL - 6,
		              y + 14, s->rank);
		html_text(b, unit_label(s));
		vg_buf_printf(b, "</text><rect x=\"%d\" y=\"%zu\" width=\"%.1f\" height=\"%d\" "
		                 "class=\"%s\"/><text x=\"%.1f\" y=\"%zu\">%.1f</text>\n",
		              BAR_LABEL, y + 2, w, ROW_H - 6, s->commended ? "bar best" : "bar",
		              BAR_LABEL + w + 4, y + 14, s->score);
	}
	vg_buf_puts(b, "</svg>\n");
}

static void svg_monthly(struct vg_buf *b, const struct vg_units_class_result *cr, int lang)
{
	int64_t max = 1;
	for (int m = 0; m < 12; m++)
		max = cr->monthly[m] > max ? cr->monthly[m] : max;
	vg_buf_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"200\" viewBox=\"0 0 %d 200\" "
	                 "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n",
	              SVG_W, SVG_W);
	vg_buf_printf(b, "<line x1=\"30\" y1=\"170.5\" x2=\"%d\" y2=\"170.5\" stroke=\"#888\"/>\n",
	              SVG_W - 10);
	for (int m = 0; m < 12; m++) {
		double h = 150.0 * (double)cr->monthly[m] / (double)max;
		int x = 40 + m * 52;
		vg_buf_printf(b, "<rect x=\"%d\" y=\"%.1f\" width=\"36\" height=\"%.1f\" class=\"bar\"/>"
		                 "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">%" PRId64 "</text>"
		                 "<text x=\"%d\" y=\"190\" text-anchor=\"middle\">%d%s</text>\n",
		              x, 170 - h, h, x + 18, 166 - h, cr->monthly[m], x + 18, m + 1,
		              lang == VG_LANG_EN ? "" : "月");
	}
	vg_buf_puts(b, "</svg>\n");
}

static void svg_timeliness(struct vg_buf *b, const struct vg_units_class_result *cr, size_t n)
{
	size_t h = n * ROW_H + 10;
	vg_buf_printf(b, "<svg class=\"chart\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\" "
	                 "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n",
	              SVG_W, h, SVG_W, h);
	for (size_t i = 0; i < n; i++) {
		const struct vg_unit_stats *s = &cr->rows[i];
		int64_t tot = s->on_time + s->late + s->tl_unknown;
		size_t y = i * ROW_H + 5;
		vg_buf_printf(b, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", BAR_LABEL - 6, y + 14);
		html_text(b, unit_label(s));
		vg_buf_puts(b, "</text>");
		double x = BAR_LABEL;
		const int64_t part[3] = {s->on_time, s->late, s->tl_unknown};
		static const char *const cls[3] = {"ok", "late", "unk"};
		for (int k = 0; k < 3 && tot > 0; k++) {
			double w = BAR_AREA * (double)part[k] / (double)tot;
			vg_buf_printf(b, "<rect x=\"%.1f\" y=\"%zu\" width=\"%.1f\" height=\"%d\" "
			                 "class=\"%s\"/>",
			              x, y + 2, w, ROW_H - 6, cls[k]);
			x += w;
		}
		vg_buf_printf(b, "<text x=\"%d\" y=\"%zu\">%.1f%%</text>\n", BAR_LABEL + BAR_AREA + 4,
		              y + 14, 100 * s->on_time_rate);
	}
	vg_buf_puts(b, "</svg>\n");
}

static void html_head(struct vg_buf *b, const struct vg_units_eval *ev, int lang)
{
	vg_buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
	                 "<title>%s %d</title>\n<style>\n",
	              lang == VG_LANG_EN ? "en" : "zh", lbl(lang, L_TITLE), ev->year);
	vg_buf_puts(b,
	            "body{font-family:\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;"
	            "margin:2em;color:#222}\n"
	            "h1,h2,h3{font-weight:600}.en{color:#666;font-size:85%}\n"
	            "table{border-collapse:collapse;font-size:12px}"
	            "th,td{border:1px solid #bbb;padding:2px 6px;text-align:right}"
	            "td.t{text-align:left}tr.best td{background:#fff6d5}\n"
	            ".chart text{font-size:11px;fill:#222}.bar{fill:#4a78b5}.best{fill:#d89a1c}"
	            ".ok{fill:#4f9a55}.late{fill:#c8553d}.unk{fill:#aaa}\n"
	            "section{page-break-after:always}"
	            "@media print{body{margin:0}section{page-break-after:always}}\n"
	            "</style></head><body>\n<h1>");
	put_label(b, lang, L_TITLE);
	vg_buf_printf(b, " &middot; %d</h1>\n<p>", ev->year);
	put_label(b, lang, L_WEIGHTS);
	vg_buf_puts(b, ": ");
	for (int k = 0; k < VG_UC_COUNT; k++)
		vg_buf_printf(b, "%s%s %g", k ? ", " : "", vg_ucomp_name(k), ev->cfg.weight[k]);
	vg_buf_puts(b, "; ");
	put_label(b, lang, L_BASIS);
	static const char *const bases[] = {"reports", "per_bed", "per_million"};
	vg_buf_printf(b, ": %s; ", bases[ev->cfg.volume_basis]);
	put_label(b, lang, L_UNATTR);
	vg_buf_printf(b, ": %" PRId64 "</p>\n", ev->unattributed);
}

static void html_cell_num(struct vg_buf *b, const char *fmt, double x)
{
	vg_buf_puts(b, "<td>");
	put_num(b, fmt, x);
	vg_buf_puts(b, "</td>");
}

static void html_table(struct vg_buf *b, const struct vg_units_class_result *cr, size_t n,
                       int lang)
{
	static const int cols[] = {L_RANK, L_UNIT, L_NAME, L_REPORTS, L_EFFECTIVE, L_VALID,
	                           L_NEWSER, L_ONTIME, L_COMPL, L_MISSING, L_DUP, L_NULLIFIED,
	                           L_BEDS, L_MILLION, L_SCORE};
	vg_buf_puts(b, "<table><tr>");
	for (size_t c = 0; c < VG_ARRAY_LEN(cols); c++) {
		vg_buf_puts(b, "<th>");
		put_label(b, lang, cols[c]);
		vg_buf_puts(b, "</th>");
	}
	vg_buf_puts(b, "</tr>\n");
	for (size_t i = 0; i < n; i++) {
		const struct vg_unit_stats *s = &cr->rows[i];
		vg_buf_printf(b, "<tr%s><td>%d</td><td class=\"t\">", s->commended ? " class=\"best\"" : "",
		              s->rank);
		html_text(b, s->code);
		vg_buf_puts(b, "</td><td class=\"t\">");
		html_text(b, s->name ? s->name : "");
		vg_buf_printf(b, "</td><td>%" PRId64 "</td><td>%" PRId64 "</td>", s->reports,
		              s->effective);
		html_cell_num(b, "%.1f", 100 * s->valid_share);
		html_cell_num(b, "%.1f", 100 * s->new_serious_share);
		html_cell_num(b, "%.1f", 100 * s->on_time_rate);
		html_cell_num(b, "%.3f", s->mean_completeness);
		html_cell_num(b, "%.1f", 100 * s->missing_share);
		html_cell_num(b, "%.1f", 100 * s->duplicate_share);
		vg_buf_printf(b, "<td>%" PRId64 "</td>", s->nullified);
		html_cell_num(b, "%.2f", s->per_100_beds);
		html_cell_num(b, "%.1f", s->per_million);
		html_cell_num(b, "%.2f", s->score);
		vg_buf_puts(b, "</tr>\n");
	}
	vg_buf_puts(b, "</table>\n");
}

static void html_commended(struct vg_buf *b, const struct vg_units_class_result *cr, int lang)
{
	vg_buf_puts(b, "<h3>");
	put_label(b, lang, L_COMMENDED);
	vg_buf_puts(b, "</h3>\n<ol>");
	int n = 0;
	for (size_t i = 0; i < cr->nrows; i++) {
		if (!cr->rows[i].commended)
			continue;
		vg_buf_puts(b, "<li>");
		html_text(b, unit_label(&cr->rows[i]));
		vg_buf_printf(b, " (%s, %.2f)</li>", cr->rows[i].code, cr->rows[i].score);
		n++;
	}
	if (!n) {
		vg_buf_puts(b, "<li>");
		put_label(b, lang, L_NONE);
		vg_buf_puts(b, "</li>");
	}
	vg_buf_puts(b, "</ol>\n");
}

static void html_class(struct vg_buf *b, const struct vg_units_class_result *cr, int lang,
                       int top_k)
{
	size_t n = shown(cr, top_k);
	vg_buf_puts(b, "<section>\n<h2>");
	put_label(b, lang, class_label(cr->tlclass));
	vg_buf_printf(b, "</h2>\n<p>%" PRId64 " ", cr->reports);
	put_label(b, lang, L_REPORTS);
	vg_buf_printf(b, ", %" PRId64 " ", cr->effective);
	put_label(b, lang, L_EFFECTIVE);
	vg_buf_puts(b, "</p>\n");
	html_commended(b, cr, lang);
	vg_buf_puts(b, "<h3>");
	put_label(b, lang, L_RANKING);
	vg_buf_puts(b, "</h3>\n");
	svg_ranking(b, cr, n);
	vg_buf_puts(b, "<h3>");
	put_label(b, lang, L_MONTHLY);
	vg_buf_puts(b, "</h3>\n");
	svg_monthly(b, cr, lang);
	vg_buf_puts(b, "<h3>");
	put_label(b, lang, L_TIMELY);
	vg_buf_puts(b, "</h3>\n<p class=\"legend\"><svg width=\"10\" height=\"10\"><rect "
	               "width=\"10\" height=\"10\" class=\"ok\"/></svg> ");
	put_label(b, lang, L_ONTIME);
	vg_buf_puts(b, " <svg width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\" "
	               "class=\"late\"/></svg> ");
	put_label(b, lang, L_LATE);
	vg_buf_puts(b, " <svg width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\" "
	               "class=\"unk\"/></svg> ");
	put_label(b, lang, L_UNKNOWN);
	vg_buf_puts(b, "</p>\n");
	svg_timeliness(b, cr, n);
	html_table(b, cr, n, lang);
	vg_buf_puts(b, "</section>\n");
}

static void html_write(struct vg_buf *b, const struct vg_units_eval *ev, int lang, int top_k)
{
	html_head(b, ev, lang);
	for (int c = 0; c < VG_TL_NCLASS; c++)
		if (ev->evaluated[c])
			html_class(b, &ev->cls[c], lang, top_k);
	vg_buf_puts(b, "</body></html>\n");
}

/* -------------------------------------------------------------- entry */

int vg_units_write(const struct vg_units_eval *ev, int fmt, int lang, int top_k,
                   struct vg_buf *b, struct vg_err *err)
{
	if (lang < VG_LANG_EN || lang > VG_LANG_BOTH)
		return vg_err_set(err, VG_EINVAL, "lang", "unknown language %d", lang);
	size_t before = b->len;
	switch (fmt) {
	case VG_UF_TABLE:
		for (int c = 0; c < VG_TL_NCLASS; c++)
			if (ev->evaluated[c])
				table_class(b, ev, &ev->cls[c], lang, top_k);
		break;
	case VG_UF_CSV: csv_write(b, ev, top_k); break;
	case VG_UF_JSON: json_write(b, ev, top_k); break;
	case VG_UF_HTML: html_write(b, ev, lang, top_k); break;
	default: return vg_err_set(err, VG_EINVAL, "format", "unknown format %d", fmt);
	}
	/* appends past the cap fail and leave the buffer as it was; a report
	 * that ends within a line of the cap was cut */
	size_t cap = b->max ? b->max : VG_BUF_DEFAULT_MAX;
	if (b->len + 1024 >= cap && b->len > before)
		return vg_err_set(err, VG_ETOOBIG, NULL, "report larger than %zu bytes", cap);
	return 0;
}
