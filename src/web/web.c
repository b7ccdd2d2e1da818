/*
 * web.c - lookup in the generated asset table (see web.h and embed.c).
 */
#include "vg.h"
#include "web/web.h"

const struct vg_web_asset *vg_web_find(const char *path)
{
	if (!path || strchr(path, '/'))
		return NULL;
	for (const struct vg_web_asset *a = vg_web_assets; a->path; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}
