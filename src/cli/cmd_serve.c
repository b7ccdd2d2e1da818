/*
 * cmd_serve.c - `vigil serve`: run the reporting service (http.h).
 *
 * SIGTERM, SIGINT and SIGPIPE are blocked before any server thread starts,
 * so every thread inherits the mask and the main thread alone takes the
 * stop signal with sigwait(); it then calls vg_http_stop, which finishes
 * in-flight requests and pending writes before exiting 0.
 */
#include "vg.h"
#include "cli/cli.h"
#include "http/http.h"

#include <pthread.h>
#include <signal.h>

static int run_serve(int argc, char **argv);

const struct vg_cli_cmd vg_cmd_serve = {
	.name = "serve",
	.summary = "serve the HTTP API and web page",
	.usage = "vigil serve --db PATH [--listen HOST:PORT] [--threads N] [options]",
	.help = "Options:\n"
	        "  --listen HOST:PORT      address (default 127.0.0.1:8080; port 0 picks one)\n"
	        "  --threads N             polling threads (default: number of CPUs)\n"
	        "  --max-body BYTES        JSON body cap, 413 past it (default 1048576)\n"
	        "  --max-upload BYTES      E2B XML upload cap (default 33554432)\n"
	        "  --timeout S             idle connection timeout (default 15)\n"
	        "  --max-conns N           simultaneous connections (default 1024)\n"
	        "  --max-per-ip N          connections per client address (default 0: no limit)\n"
	        "  --session-ttl S         login token lifetime (default 28800)\n"
	        "  --drain S               graceful stop: wait for requests (default 20)\n"
	        "  --pwhash-cost C         interactive|moderate|min, for the timing dummy\n"
	        "  --login-fail-account N  failures before an account locks (default 5)\n"
	        "  --login-fail-addr N     failures per address per 10 min (default 20)\n"
	        "  --quiet                 no log lines on stderr\n"
	        "Prints 'vigil: serving http://HOST:PORT/' on stdout once listening.\n"
	        "SIGTERM or SIGINT stops it gracefully.  docs/API.md lists the routes.\n",
	.run = run_serve,
};

static void log_line(void *ctx, const char *msg)
{
	VG_UNUSED(ctx);
	fprintf(stderr, "vigil serve: %s\n", msg);
}

static int to_uint(const struct vg_cli_cmd *cmd, const char *name, int64_t v, int64_t max,
                   unsigned *out)
{
	if (v < 0 || v > max)
		return vg_cli_usage_error(cmd, "--%s: 0 to %" PRId64 " expected", name, max);
	*out = (unsigned)v;
	return 0;
}

struct serve_opts {
	const char *db, *listen, *cost;
	int64_t threads, max_body, max_upload, timeout, conns, per_ip, ttl, drain, fail_acct, fail_addr;
	bool quiet;
};

static int apply(const struct serve_opts *o, struct vg_http_config *c)
{
	const struct vg_cli_cmd *cmd = &vg_cmd_serve;
	int rc = 0;

	c->db = o->db;
	c->listen = o->listen;
	if ((c->pwcost = vg_http_pwcost_parse(o->cost)) < 0)
		return vg_cli_usage_error(cmd, "--pwhash-cost: interactive, moderate or min");
	if (o->max_body < 1024 || o->max_upload < 1024 || o->ttl < 1)
		return vg_cli_usage_error(cmd, "--max-body/--max-upload >= 1024, --session-ttl >= 1");
	c->max_body = (size_t)o->max_body;
	c->max_upload = (size_t)o->max_upload;
	c->session_ttl = o->ttl;
	c->log = o->quiet ? NULL : log_line;
	rc = to_uint(cmd, "threads", o->threads, 256, &c->threads);
	if (!rc) rc = to_uint(cmd, "timeout", o->timeout, 3600, &c->timeout_s);
	if (!rc) rc = to_uint(cmd, "max-conns", o->conns, 100000, &c->max_conns);
	if (!rc) rc = to_uint(cmd, "max-per-ip", o->per_ip, 100000, &c->max_per_ip);
	if (!rc) rc = to_uint(cmd, "drain", o->drain, 3600, &c->drain_s);
	if (!rc) rc = to_uint(cmd, "login-fail-account", o->fail_acct, 1000, &c->login_fail_account);
	if (!rc) rc = to_uint(cmd, "login-fail-addr", o->fail_addr, 100000, &c->login_fail_addr);
	return rc;
}

static int serve(const struct vg_http_config *cfg)
{
	struct vg_http_server *srv = NULL;
	struct vg_err err = VG_ERR_INIT;
	sigset_t set;
	const char *colon;
	int sig = 0, hostlen;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (vg_http_start(cfg, &srv, &err) != 0)
		return vg_cli_fail("serve", &err);
	colon = strrchr(cfg->listen, ':');
	hostlen = colon ? (int)(colon - cfg->listen) : 0;
	printf("vigil: serving http://%.*s:%u/\n", hostlen ? hostlen : 9,
	       hostlen ? cfg->listen : "127.0.0.1", vg_http_port(srv));
	fflush(stdout);
	sigdelset(&set, SIGPIPE);
	while (sigwait(&set, &sig) == 0 && sig != SIGTERM && sig != SIGINT)
		;
	if (cfg->log)
		fprintf(stderr, "vigil serve: signal %d, stopping\n", sig);
	vg_http_stop(srv);
	return VG_EXIT_OK;
}

static int run_serve(int argc, char **argv)
{
	struct serve_opts o = {NULL, "127.0.0.1:8080", "interactive", 0, 1 << 20, 32 << 20,
	                       15, 1024, 0, 8 * 3600, 20, 5, 20, false};
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &o.db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_STR("listen", &o.listen, "HOST:PORT", "address to listen on"),
		VG_OPT_INT("threads", &o.threads, "N", "polling threads"),
		VG_OPT_INT("max-body", &o.max_body, "BYTES", "JSON body cap"),
		VG_OPT_INT("max-upload", &o.max_upload, "BYTES", "E2B upload cap"),
		VG_OPT_INT("timeout", &o.timeout, "S", "idle connection timeout"),
		VG_OPT_INT("max-conns", &o.conns, "N", "simultaneous connections"),
		VG_OPT_INT("max-per-ip", &o.per_ip, "N", "connections per client address"),
		VG_OPT_INT("session-ttl", &o.ttl, "S", "login token lifetime"),
		VG_OPT_INT("drain", &o.drain, "S", "graceful stop deadline"),
		VG_OPT_STR("pwhash-cost", &o.cost, "C", "interactive|moderate|min"),
		VG_OPT_INT("login-fail-account", &o.fail_acct, "N", "failures before lock"),
		VG_OPT_INT("login-fail-addr", &o.fail_addr, "N", "failures per address"),
		VG_OPT_FLAG("quiet", &o.quiet, "no log lines"),
		VG_OPT_END,
	};
	struct vg_http_config cfg = VG_HTTP_CONFIG_INIT;
	char **pos = NULL;
	int npos = 0;
	int rc = vg_cli_parse(&vg_cmd_serve, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	if (npos)
		rc = vg_cli_usage_error(&vg_cmd_serve, "unexpected argument '%s'", pos[0]);
	else if (!(rc = vg_cli_db(&vg_cmd_serve, o.db, &o.db)) && !(rc = apply(&o, &cfg)))
		rc = serve(&cfg);
	free(pos);
	return rc;
}
