/*
 * http.h - the reporting service: vigil's HTTP JSON API and web page.
 *
 * One process serves reporting units (submit, follow up, nullify their own
 * cases) and the monitoring centre (review, code, assess, query), plus an
 * openFDA-compatible query endpoint over the local database, /health,
 * /metrics and the embedded web page.  docs/API.md is the reference for
 * every route; this header is what the CLI needs to run the server and to
 * manage passwords.
 *
 * Threads: libmicrohttpd runs `threads` polling threads (epoll); each opens
 * its own struct vg_store lazily for reads.  Every write goes through one
 * writer thread that commits in groups (one fsync for many submissions);
 * a request that writes is suspended until its group is on disk, so a 201
 * means the data is durable.
 *
 * Ownership: vg_http_start copies nothing it does not need after return
 * except cfg->db and cfg->listen, which it duplicates.  The server object
 * belongs to the caller until vg_http_stop, which frees it.
 */
#ifndef VG_HTTP_H
#define VG_HTTP_H

#include "vg.h"
#include "util/util.h"

/* Password hashing cost (argon2id, libsodium crypto_pwhash_str). */
enum vg_pwcost {
	VG_PWCOST_INTERACTIVE = 0, /* crypto_pwhash_*_INTERACTIVE: production */
	VG_PWCOST_MODERATE = 1,    /* crypto_pwhash_*_MODERATE */
	VG_PWCOST_MIN = 2,         /* *_MIN limits: tests and demos only */
};
/* "interactive" | "moderate" | "min" -> enum, -1 when unknown. */
int vg_http_pwcost_parse(const char *s);

/* Hash password into out (NUL-terminated argon2id string, at most 128
 * bytes with the terminator).  VG_EINVAL for an empty or over-long (> 1024
 * bytes) password, VG_ENOMEM when libsodium cannot get the memory. */
#define VG_HTTP_PWHASH_MAX 128
int vg_http_pwhash(const char *password, int cost, char out[VG_HTTP_PWHASH_MAX],
                   struct vg_err *err);
/* true when password matches the stored hash (constant-time in libsodium). */
bool vg_http_pwverify(const char *hash, const char *password);

/* Log sink for server events (start, stop, internal errors); may be NULL. */
typedef void (*vg_http_log_fn)(void *ctx, const char *msg);

struct vg_http_config {
	const char *db;          /* store URI (path or postgresql://...) */
	const char *listen;      /* "127.0.0.1:8080", "[::1]:8080"; port 0 picks one */
	unsigned threads;        /* polling threads; 0: number of CPUs */
	size_t max_body;         /* JSON body cap in bytes (413 past it) */
	size_t max_upload;       /* E2B XML upload cap in bytes */
	size_t max_header;       /* per-connection memory for request line + headers */
	unsigned timeout_s;      /* idle connection timeout */
	unsigned max_conns;      /* simultaneous connections */
	unsigned max_per_ip;     /* simultaneous connections per client address; 0: no limit */
	int64_t session_ttl;     /* seconds a login token lives */
	unsigned drain_s;        /* graceful shutdown: wait this long for requests */
	int pwcost;              /* enum vg_pwcost, for the dummy hash of unknown users */
	unsigned login_fail_account; /* consecutive failures before an account locks */
	unsigned login_fail_addr;    /* failures per address per window before 429 */
	unsigned login_window_s;     /* the per-address window */
	vg_http_log_fn log;
	void *log_ctx;
};
#define VG_HTTP_CONFIG_INIT                                                             \
	{NULL, "127.0.0.1:8080", 0, (size_t)1 << 20, (size_t)32 << 20, 16384, 15, 1024, 0, \
	 8 * 3600, 20, VG_PWCOST_INTERACTIVE, 5, 20, 600, NULL, NULL}

struct vg_http_server;

/* Open the store, start the writer and the polling threads, bind.  The
 * caller should block SIGTERM/SIGINT/SIGPIPE first so that no server
 * thread takes them.  *out owned by the caller: vg_http_stop. */
int vg_http_start(const struct vg_http_config *cfg, struct vg_http_server **out,
                  struct vg_err *err);
/* The port actually bound (useful with port 0). */
unsigned vg_http_port(const struct vg_http_server *s);
/* Graceful stop: refuse new connections, answer new requests on open
 * connections with 503, wait up to cfg->drain_s for in-flight requests and
 * pending writes, then stop every thread, close the stores and free s. */
void vg_http_stop(struct vg_http_server *s);

#endif
