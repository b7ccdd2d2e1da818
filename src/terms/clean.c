/*
 * clean.c - rule-based cleaning of verbatim product names (terms.h lists
 * the rules with examples).
 *
 * Pipeline, one name at a time, no allocation beyond the caller's buffer:
 *
 *   verbatim --fold()--> work (ASCII-folded, lower case, UTF-8 kept)
 *            --cut_parens()--> main part + alternative (last parenthetical)
 *            --tokenise()--> tokens: WORD (ASCII/Latin letters and digits),
 *                            CJK (a run of ideographs), SEP (combination)
 *            --passes--> strengths, dose forms, salts, Chinese affixes mark
 *                        tokens dropped or trim CJK tokens
 *            --emit()--> "word word/word"
 *
 * Folding never makes text longer (a 3-byte full-width letter becomes one
 * byte), so the work buffer is the size of the input cap.  Token arrays
 * are fixed (a name of VG_TERMS_NAME_MAX bytes has fewer tokens than that).
 *
 * The word lists are data: extend them, not the code.  Salt words are only
 * dropped when another word of the same component survives, so a product
 * that *is* a salt ("calcium", "potassium chloride") keeps its name.
 */
#include "vg.h"
#include "terms/terms_int.h"

#include <ctype.h>

/* ---------------------------------------------------------------- lists */

static const char *const units[] = {
	"mg", "g", "gm", "gram", "grams", "mcg", "ug", "ng", "kg", "ml", "l", "dl", "iu", "u",
	"unit", "units", "meq", "mmol", "mol", "%", "m2", "h", "hr", "hrs", "hour", "hours",
	"microgram", "micrograms", "milligram", "milligrams", "dose", "doses", "puff", "puffs",
	"mgs", "tab", "tabs", "x", "万", "单位", "万单位", "毫克", "克", "毫升", "微克", "粒",
	"片", "支", "袋", "瓶", "盒", "丸", "贴", "揿", "喷", NULL};

/* Dose forms, release and route words, FAERS noise. */
static const char *const forms[] = {
	"tablet", "tablets", "tab", "tabs", "tbl", "caplet", "caplets", "capsule", "capsules",
	"cap", "caps", "injection", "injections", "injectable", "inj", "infusion", "solution",
	"soln", "sol", "suspension", "susp", "syrup", "elixir", "cream", "ointment", "oint",
	"gel", "lotion", "patch", "patches", "inhaler", "inhalation", "aerosol", "spray",
	"drops", "drop", "eye", "ear", "nasal", "powder", "granules", "lozenge", "lozenges",
	"suppository", "suppositories", "oral", "topical", "iv", "im", "sc", "film", "coated",
	"chewable", "dispersible", "effervescent", "extended", "delayed", "modified",
	"controlled", "sustained", "prolonged", "release", "er", "xr", "sr", "cr", "xl", "dr",
	"odt", "hfa", "for", "concentrate", "vial", "vials", "ampoule", "pen", "prefilled",
	"syringe", "pfs", "continuing", "liquid", "emulsion", "foam", "shampoo", "mouthwash",
	"intravenous", "subcutaneous", "intramuscular", NULL};

/* Salt, ester-counter-ion and hydrate words (component-relative, see top). */
static const char *const salts[] = {
	"hydrochloride", "hcl", "dihydrochloride", "hydrobromide", "hbr", "sodium", "disodium",
	"potassium", "dipotassium", "calcium", "magnesium", "maleate", "besylate", "besilate",
	"mesylate", "mesilate", "dimesylate", "sulfate", "sulphate", "bisulfate", "bisulphate",
	"phosphate", "diphosphate", "acetate", "citrate", "tartrate", "bitartrate", "fumarate",
	"hemifumarate", "succinate", "bromide", "chloride", "xinafoate", "propionate",
	"dipropionate", "hyclate", "tosylate", "lactate", "gluconate", "carbonate", "nitrate",
	"valerate", "butyrate", "trometamol", "tromethamine", "meglumine", "pamoate",
	"embonate", "stearate", "estolate", "ethylsuccinate", "decanoate", "enanthate",
	"cypionate", "furoate", "pivalate", "salicylate", "benzoate", "oxalate", "lysine",
	"arginine", "hydrogen", "dihydrogen", "bicarbonate", "malate", "napadisylate",
	"ditosylate", "edisylate", "olamine", NULL};

/* Hydrate words go whenever anything else is left in the component. */
static const char *const hydrates[] = {
	"monohydrate", "dihydrate", "trihydrate", "sesquihydrate", "hemihydrate", "hydrate",
	"anhydrous", NULL};

/* Words that do not make a salt word droppable: "ferrous sulfate",
 * "magnesium oxide" and "isotonic sodium chloride" are the whole name. */
static const char *const weak[] = {
	"ferrous", "ferric", "oxide", "hydroxide", "isotonic", "hypertonic", "hypotonic",
	"normal", "saline", "physiological", "dl", "d", "l", NULL};

/* Chinese: prefix, dose-form suffixes (longest first), salt affixes. */
static const char *const cjk_prefixes[] = {"注射用", NULL};
static const char *const cjk_forms[] = {
	"冻干粉针剂", "缓释胶囊", "控释胶囊", "肠溶胶囊", "口服溶液", "薄膜衣片", "缓释颗粒",
	"缓释片", "控释片", "肠溶片", "分散片", "咀嚼片", "泡腾片", "口崩片", "舌下片", "软胶囊",
	"硬胶囊", "注射液", "注射剂", "输液", "粉针剂", "粉针", "滴眼液", "滴耳液", "滴鼻液",
	"喷雾剂", "气雾剂", "吸入剂", "混悬液", "混悬剂", "口服液", "乳膏", "软膏", "凝胶",
	"贴剂", "栓剂", "胶囊剂", "胶囊", "颗粒剂", "颗粒", "糖浆", "合剂", "酊剂", "溶液",
	"片剂", "含片", "丸剂", "滴丸", "散剂", "乳剂", "针剂", "片", "丸", "栓", "贴", NULL};
static const char *const cjk_acids[] = {
	"盐酸", "氢溴酸", "硫酸", "磷酸", "醋酸", "枸橼酸", "马来酸", "苯磺酸", "甲磺酸", "富马酸",
	"琥珀酸", "酒石酸", "乳酸", "门冬氨酸", "甲苯磺酸", "硝酸", "氢氯酸", NULL};
static const char *const cjk_metals[] = {"钠", "钾", "钙", "镁", NULL};
/* What a metal suffix may not be stripped from: the salt is the drug. */
static const char *const cjk_keep_stems[] = {
	"碳酸", "葡萄糖酸", "乳酸", "醋酸", "枸橼酸", "磷酸", "硫酸", "碳酸氢", "磷酸氢", "氯", NULL};

static bool in_list(const char *const *list, const char *s, size_t n)
{
	for (; *list; list++)
		if (**list == *s && strncmp(*list, s, n) == 0 && (*list)[n] == '\0')
			return true;
	return false;
}

/* --------------------------------------------------------------- folding */

/* Decode one UTF-8 sequence at s (n bytes left); *cp = U+FFFD and 1 byte
 * consumed on a malformed sequence. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ? 3
	             : (s[0] >> 3) == 30 ? 4 : 0;

	if (len == 0 || len > n) {
		*cp = 0xFFFD;
		return 1;
	}
	if (len == 1) {
		*cp = s[0];
		return 1;
	}
	uint32_t c = s[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3F);
	}
	*cp = c;
	return len;
}

/* ASCII replacement of a non-ASCII code point, or 0 to keep it. */
static char fold_cp(uint32_t cp)
{
	if (cp >= 0xFF01 && cp <= 0xFF5E) /* full-width forms */
		return (char)(cp - 0xFEE0);
	switch (cp) {
	case 0x3000: case 0x00A0: case 0x3002: case 0x300A: case 0x300B: case 0x3008:
	case 0x3009: case 0x201C: case 0x201D: case 0x2018: case 0x2019: case 0x00B7:
	case 0x2022: case 0x30FB: case 0x00AE: case 0x2122: case 0x00A9:
		return ' ';
	case 0x3001: return ',';
	case 0x3010: return '[';
	case 0x3011: return ']';
	case 0x3014: return '(';
	case 0x3015: return ')';
	case 0x00D7: return '*';
	case 0x00B5: case 0x03BC: return 'u';
	case 0x2013: case 0x2014: case 0x2212: return '-';
	}
	return 0;
}

/* Fold name into out (at least strlen(name)+1 bytes); returns length. */
static size_t fold(const char *name, size_t n, char *out)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t i = 0, o = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_next(s + i, n - i, &cp);
		char r = cp < 0x80 ? (char)tolower((int)cp) : fold_cp(cp);
		if (r)
			out[o++] = (char)tolower((unsigned char)r);
		else {
			memcpy(out + o, s + i, len);
			o += len;
		}
		i += len;
	}
	out[o] = '\0';
	return o;
}

/* Blank out WHO-Drug record numbers "/00587301/" (five or more digits). */
static void drop_who_codes(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '/')
			continue;
		size_t j = i + 1;
		while (j < n && isdigit((unsigned char)s[j]))
			j++;
		if (j < n && s[j] == '/' && j - i - 1 >= 5) {
			memset(s + i, ' ', j - i + 1);
			i = j;
		}
	}
}

static size_t rtrim(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '.' || s[n - 1] == ',' || s[n - 1] == '-' ||
	             s[n - 1] == '\t'))
		n--;
	return n;
}

/* Cut trailing parentheticals off s[0..*n); the content of the last one
 * (the first cut) goes to *alt and *altn.  An unclosed "(" cuts too. */
static void cut_parens(const char *s, size_t *n, const char **alt, size_t *altn)
{
	*alt = NULL;
	*altn = 0;
	for (;;) {
		size_t end = rtrim(s, *n), open = end;
		int depth = 0;
		if (end && (s[end - 1] == ')' || s[end - 1] == ']')) {
			for (open = end; open-- > 0;) {
				depth += (s[open] == ')' || s[open] == ']') - (s[open] == '(' || s[open] == '[');
				if (depth == 0)
					break;
			}
			if (depth != 0)
				return;
		} else {
			const char *lp = memrchr(s, '(', end);
			if (!lp || memchr(lp, ')', (size_t)(s + end - lp)))
				return;
			open = (size_t)(lp - s);
			end++; /* no closing bracket to skip */
		}
		if (!*alt) {
			*alt = s + open + 1;
			*altn = end - open - 2;
		}
		*n = open;
	}
}

/* ---------------------------------------------------------------- tokens */

enum { T_WORD, T_CJK, T_SEP };

struct tok {
	const char *p;
	size_t len;
	int kind;
	bool drop;
};

struct toks {
	struct tok t[VG_TERMS_NAME_MAX + 1]; /* one byte can make one token */
	size_t n;
};

static bool is_cjk(uint32_t cp)
{
	return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	       (cp >= 0x20000 && cp <= 0x3FFFF) || (cp >= 0x3040 && cp <= 0x30FF);
}

/* Class of the character at s: 'w' word, 'c' CJK, 's' separator, ' '. */
static int char_class(const char *s, size_t i, size_t n, size_t *len)
{
	uint32_t cp;
	unsigned char c = (unsigned char)s[i];

	*len = utf8_next((const unsigned char *)s + i, n - i, &cp);
	if (cp >= 0x80)
		return is_cjk(cp) ? 'c' : 'w';
	if (isalnum(c))
		return 'w';
	if (c == '.' && i > 0 && i + 1 < n && isdigit((unsigned char)s[i - 1]) &&
	    isdigit((unsigned char)s[i + 1]))
		return 'w';
	if (c == '/' || c == '\\' || c == '+' || c == '&' || c == ',' || c == ';')
		return 's';
	return c == '%' ? '%' : ' ';
}

static void push(struct toks *tk, const char *p, size_t len, int kind)
{
	if (tk->n < VG_ARRAY_LEN(tk->t))
		tk->t[tk->n++] = (struct tok){p, len, kind, false};
}

static bool word_is(const struct tok *t, const char *w)
{
	return t->len == strlen(w) && memcmp(t->p, w, t->len) == 0;
}

static void tokenise(const char *s, size_t n, struct toks *tk)
{
	size_t i = 0;

	tk->n = 0;
	while (i < n) {
		size_t len, start = i;
		int cls = char_class(s, i, n, &len);
		i += len;
		if (cls == ' ')
			continue;
		if (cls == 's' || cls == '%') {
			push(tk, s + start, len, cls == 's' ? T_SEP : T_WORD);
			continue;
		}
		while (i < n && char_class(s, i, n, &len) == cls)
			i += len;
		push(tk, s + start, i - start, cls == 'c' ? T_CJK : T_WORD);
		struct tok *t = &tk->t[tk->n - 1];
		if (t->kind == T_WORD && (word_is(t, "and") || word_is(t, "with") || word_is(t, "plus")))
			t->kind = T_SEP;
	}
}

/* ---------------------------------------------------------------- passes */

static bool is_number(const struct tok *t)
{
	return t->kind == T_WORD && isdigit((unsigned char)t->p[0]) &&
	       strspn(t->p, "0123456789.") >= t->len;
}

static bool is_unit(const struct tok *t)
{
	return t->kind != T_SEP && in_list(units, t->p, t->len);
}

/* "10mg", "0.5g", "24hr": digits glued to a unit. */
static bool is_glued_strength(const struct tok *t)
{
	size_t d = 0;

	if (t->kind != T_WORD)
		return false;
	while (d < t->len && (isdigit((unsigned char)t->p[d]) || t->p[d] == '.'))
		d++;
	return d > 0 && d < t->len && in_list(units, t->p + d, t->len - d);
}

/* Numbers with their units, "a/b" ratios of them; step 3. */
static void pass_strengths(struct toks *tk)
{
	bool in = false;

	for (size_t i = 0; i < tk->n; i++) {
		struct tok *t = &tk->t[i];
		const struct tok *next = i + 1 < tk->n ? &tk->t[i + 1] : NULL;
		if (is_number(t) || is_glued_strength(t))
			t->drop = in = true;
		else if (in && is_unit(t))
			t->drop = true;
		else if (in && t->kind == T_SEP && t->p[0] == '/' && next &&
		         (is_number(next) || is_glued_strength(next) || is_unit(next)))
			t->drop = true;
		else
			in = false;
	}
}

static void pass_forms(struct toks *tk)
{
	for (size_t i = 0; i < tk->n; i++) {
		struct tok *t = &tk->t[i];
		if (t->kind == T_WORD && in_list(forms, t->p, t->len))
			t->drop = true;
		else if (t->kind == T_CJK && in_list(cjk_forms, t->p, t->len))
			t->drop = true;
	}
}

/* Drop the words of list in tk[start, end) when at least one surviving
 * word is in neither list nor also_not. */
static void drop_if_other(struct toks *tk, size_t start, size_t end, const char *const *list,
                          const char *const *also_not)
{
	size_t keep = 0;

	for (size_t j = start; j < end; j++) {
		const struct tok *t = &tk->t[j];
		if (!t->drop && !in_list(list, t->p, t->len) &&
		    !(also_not && in_list(also_not, t->p, t->len)))
			keep++;
	}
	for (size_t j = start; keep && j < end; j++)
		if (in_list(list, tk->t[j].p, tk->t[j].len))
			tk->t[j].drop = true;
}

/* Step 5, per component (between separators). */
static void pass_salts(struct toks *tk)
{
	size_t start = 0;

	for (size_t i = 0; i <= tk->n; i++) {
		if (i < tk->n && tk->t[i].kind != T_SEP)
			continue;
		drop_if_other(tk, start, i, hydrates, NULL);
		drop_if_other(tk, start, i, salts, weak);
		start = i + 1;
	}
}

static size_t cjk_chars(const char *p, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)p[i] & 0xC0) != 0x80;
	return n;
}

/* Strip a prefix from list if at least min characters remain. */
static bool strip_prefix(struct tok *t, const char *const *list, size_t min)
{
	for (; *list; list++) {
		size_t l = strlen(*list);
		if (t->len > l && memcmp(t->p, *list, l) == 0 && cjk_chars(t->p + l, t->len - l) >= min) {
			t->p += l;
			t->len -= l;
			return true;
		}
	}
	return false;
}

static bool strip_suffix(struct tok *t, const char *const *list, size_t min)
{
	for (; *list; list++) {
		size_t l = strlen(*list);
		if (t->len > l && memcmp(t->p + t->len - l, *list, l) == 0 &&
		    cjk_chars(t->p, t->len - l) >= min) {
			t->len -= l;
			return true;
		}
	}
	return false;
}

static bool ends_with(const struct tok *t, const char *s)
{
	size_t l = strlen(s);
	return t->len >= l && memcmp(t->p + t->len - l, s, l) == 0;
}

/* Step 6 on one CJK token. */
static void cjk_token(struct tok *t)
{
	strip_prefix(t, cjk_prefixes, 1);
	for (int k = 0; k < 2; k++) /* "缓释片" after "注射用" etc. */
		if (!strip_suffix(t, cjk_forms, 2))
			break;
	struct tok stem = *t;
	if (strip_suffix(&stem, cjk_metals, 2) && !ends_with(&stem, "化") &&
	    !in_list(cjk_keep_stems, stem.p, stem.len))
		*t = stem;
	stem = *t;
	if (strip_prefix(&stem, cjk_acids, 2) && !in_list(cjk_metals, stem.p, 3) &&
	    strncmp(stem.p, "亚", 3) != 0)
		*t = stem;
}

static void pass_cjk(struct toks *tk)
{
	for (size_t i = 0; i < tk->n; i++)
		if (tk->t[i].kind == T_CJK && !tk->t[i].drop)
			cjk_token(&tk->t[i]);
}

static bool any_left(const struct toks *tk)
{
	for (size_t i = 0; i < tk->n; i++)
		if (!tk->t[i].drop && tk->t[i].kind != T_SEP)
			return true;
	return false;
}

/* Does out already hold component c (between '/' or the ends)? */
static bool has_component(const struct vg_buf *out, size_t upto, const char *c, size_t n)
{
	size_t i = 0;

	while (i < upto) {
		const char *slash = memchr(out->p + i, '/', upto - i);
		size_t end = slash ? (size_t)(slash - out->p) : upto;
		if (end - i == n && memcmp(out->p + i, c, n) == 0)
			return true;
		i = end + 1;
	}
	return false;
}

/* Remove a repeated component ("gemcitabine/gemcitabine") from the end. */
static void drop_repeat(struct vg_buf *out, size_t comp_start)
{
	if (comp_start == 0 || !has_component(out, comp_start - 1, out->p + comp_start,
	                                      out->len - comp_start))
		return;
	out->len = comp_start - 1;
	out->p[out->len] = '\0';
}

/* Join surviving tokens: words by one space, components by "/". */
static int emit(const struct toks *tk, struct vg_buf *out)
{
	size_t comp = 0; /* start of the current component in out */
	bool word = false, sep = false;
	int rc = 0;

	for (size_t i = 0; i < tk->n && !rc; i++) {
		const struct tok *t = &tk->t[i];
		if (t->drop)
			continue;
		if (t->kind == T_SEP) {
			sep = word;
			continue;
		}
		if (word && sep) {
			drop_repeat(out, comp);
			comp = out->len + 1;
		}
		if (word)
			rc = vg_buf_putc(out, sep ? '/' : ' ');
		if (!rc)
			rc = vg_buf_append(out, t->p, t->len);
		word = true;
		sep = false;
	}
	if (!rc && out->p)
		drop_repeat(out, comp);
	return rc;
}

/* Clean s[0..n) (already folded) into out. */
static int clean_part(const char *s, size_t n, struct vg_buf *out)
{
	struct toks *tk = vg_xmalloc(sizeof(*tk));
	int rc;

	tokenise(s, n, tk);
	pass_strengths(tk);
	pass_forms(tk);
	pass_salts(tk);
	if (any_left(tk))
		pass_cjk(tk); /* never empties a token: every affix rule keeps a stem */
	else
		tokenise(s, n, tk); /* nothing but noise: keep the words as they are */
	rc = emit(tk, out);
	free(tk);
	return rc;
}

/* Fold and split name; the main part and *alt point into work. */
static int prepare(const char *name, char *work, const char **alt, size_t *altn, size_t *mainn)
{
	size_t n;

	if (!name)
		return VG_EINVAL;
	n = strlen(name);
	if (n > VG_TERMS_NAME_MAX)
		return VG_ETOOBIG;
	n = fold(name, n, work);
	drop_who_codes(work, n);
	cut_parens(work, &n, alt, altn);
	*mainn = n;
	return 0;
}

static int clean_with(const char *name, struct vg_buf *out, bool want_alt)
{
	char work[VG_TERMS_NAME_MAX + 1];
	const char *alt;
	size_t altn, mainn;
	int rc = prepare(name, work, &alt, &altn, &mainn);

	vg_buf_reset(out);
	if (rc)
		return rc;
	if (want_alt)
		return alt ? clean_part(alt, altn, out) : vg_buf_puts(out, "");
	rc = clean_part(work, mainn, out);
	if (!rc && out->len == 0 && alt) /* "(ACECLOFENAC)": the name is inside */
		rc = clean_part(alt, altn, out);
	return rc ? rc : vg_buf_puts(out, "");
}

int vg_terms_clean(const char *name, struct vg_buf *out)
{
	return clean_with(name, out, false);
}

int vg_terms_clean_alt(const char *name, struct vg_buf *out)
{
	return clean_with(name, out, true);
}
