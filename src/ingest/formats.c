/*
 * formats.c - the table of import formats.
 *
 * Each reader exports one const struct vg_ingest_format (declared in
 * ingest_int.h) and is listed here once; `vigil import FORMAT` finds it by
 * name.  Adding a format never edits the CLI.
 */
#include "vg.h"
#include "util/util.h"
#include "ingest/ingest_int.h"

const struct vg_ingest_format *const vg_ingest_formats[] = {
	&vg_ingest_faers,
	&vg_ingest_table,
	&vg_ingest_e2b,
	&vg_ingest_maude,
	&vg_ingest_vaers,
	&vg_ingest_caers,
	NULL,
};

const struct vg_ingest_format *vg_ingest_find(const char *name)
{
	for (size_t i = 0; vg_ingest_formats[i]; i++)
		if (strcmp(vg_ingest_formats[i]->name, name) == 0)
			return vg_ingest_formats[i];
	return NULL;
}
