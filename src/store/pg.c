/*
 * pg.c - the PostgreSQL backend (libpq): being written.
 */
#include "vg.h"
#include "store/store_int.h"

int vg_pg_open(const char *uri, int flags, struct vg_store **out, struct vg_err *err)
{
	*out = NULL;
	return vg_err_set(err, VG_EINVAL, NULL, "the PostgreSQL backend is not available yet");
}
