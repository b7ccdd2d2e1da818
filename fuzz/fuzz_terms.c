/*
 * fuzz_terms.c - libFuzzer harness for product-name cleaning and the
 * name -> ingredient dictionary loader.
 *
 * The input is used three ways: as a product name to clean (both cleaning
 * variants), as the text of a dictionary CSV to load, and as a name to look
 * up in the dictionary it may have produced.  Nothing may crash or leak.
 * (Cleaning is not idempotent on every byte string: "a&9100&b" becomes
 * "a/9100/b", whose "/9100/" then reads as a WHO-Drug code; the first
 * fuzz run found it.  Real names were checked to be stable, terms.h.)
 */
#include "vg.h"
#include "terms/terms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void clean_both(const char *s)
{
	struct vg_buf b = VG_BUF_INIT(0), c = VG_BUF_INIT(0);

	if (vg_terms_clean(s, &b) == 0 && b.p)
		vg_terms_clean(b.p, &c);
	vg_buf_reset(&c);
	vg_terms_clean_alt(s, &c);
	vg_buf_release(&b);
	vg_buf_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = vg_xstrndup((const char *)data, size);
	struct vg_terms_dict *d = vg_terms_dict_new();
	struct vg_err e = VG_ERR_INIT;
	struct vg_terms_result r;
	struct vg_arena a;

	clean_both(s);
	vg_terms_dict_load_mem(d, (const char *)data, size, "fuzz.csv", NULL, &e);
	vg_arena_init(&a, 0);
	vg_terms_normalise(d, s, &a, &r);
	vg_arena_release(&a);
	vg_terms_dict_free(d);
	free(s);
	return 0;
}
