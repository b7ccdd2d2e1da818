/*
 * web.h - the web page's static files, compiled into the binary.
 *
 * The files in src/web/ (html, js, css) are turned into C arrays at build time by
 * embed.c (a native helper run by meson), so `vigil serve` needs no files
 * on disk and no network to show the page.  index.html is the reporting
 * units' form and the centre's dashboard in one page; app.js talks to the
 * JSON API with the bearer token kept in sessionStorage.
 */
#ifndef VG_WEB_H
#define VG_WEB_H

#include "vg.h"

struct vg_web_asset {
	const char *path; /* "index.html", "app.js", ... (no leading slash) */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};

/* NULL-terminated table, generated (web_assets.c). */
extern const struct vg_web_asset vg_web_assets[];

/* The asset named path, or NULL (no directories: a '/' never matches). */
const struct vg_web_asset *vg_web_find(const char *path);

#endif
