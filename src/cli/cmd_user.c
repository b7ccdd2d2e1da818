/*
 * cmd_user.c - `vigil user add|list|disable|enable|passwd`: API accounts.
 *
 * Roles: reporter (bound to one reporting unit, --unit), reviewer (the
 * centre), admin (accounts and units).  Passwords never come from argv
 * (they would show in ps and shell history): --password-file FILE or the
 * first line of stdin.  They are stored as argon2id strings (libsodium,
 * interactive limits; --pwhash-cost min is for tests and demos only).
 */
#include "vg.h"
#include "cli/cli.h"
#include "store/store.h"
#include "http/http.h"

static int run_add(int argc, char **argv);
static int run_list(int argc, char **argv);
static int run_disable(int argc, char **argv);
static int run_enable(int argc, char **argv);
static int run_passwd(int argc, char **argv);

static const struct vg_cli_cmd user_add = {
	.name = "add",
	.summary = "add an account",
	.usage = "vigil user add --db PATH NAME|--name NAME --role reporter|reviewer|admin\n"
	         "               [--unit CODE]"
	         " [--password-file FILE] [--pwhash-cost interactive|moderate|min]",
	.help = "The password is the first line of FILE, or of stdin without --password-file.\n"
	        "Reporters need --unit (an existing unit); other roles must not have one.\n",
	.run = run_add,
};
static const struct vg_cli_cmd user_list = {
	.name = "list", .summary = "list accounts",
	.usage = "vigil user list --db PATH", .help = "", .run = run_list,
};
static const struct vg_cli_cmd user_disable = {
	.name = "disable", .summary = "disable an account (its sessions stop working)",
	.usage = "vigil user disable --db PATH NAME", .help = "", .run = run_disable,
};
static const struct vg_cli_cmd user_enable = {
	.name = "enable", .summary = "enable an account and clear its login lock",
	.usage = "vigil user enable --db PATH NAME", .help = "", .run = run_enable,
};
static const struct vg_cli_cmd user_passwd = {
	.name = "passwd", .summary = "set an account's password",
	.usage = "vigil user passwd --db PATH NAME [--password-file FILE] [--pwhash-cost C]",
	.help = "The password is the first line of FILE, or of stdin.\n", .run = run_passwd,
};

static const struct vg_cli_cmd *const user_sub[] = {&user_add, &user_list, &user_disable,
                                                   &user_enable, &user_passwd, NULL};

const struct vg_cli_cmd vg_cmd_user = {
	.name = "user",
	.summary = "manage API accounts",
	.usage = "vigil user add|list|disable|enable|passwd ...",
	.help = "",
	.subcommands = user_sub,
};

/* First line of file (or stdin), without the newline, into out. */
static int read_password(const char *file, char *out, size_t outsz, struct vg_err *err)
{
	FILE *f = file ? fopen(file, "r") : stdin;
	size_t n;

	if (!f)
		return vg_err_set(err, VG_EIO, file, "%s", strerror(errno));
	if (!fgets(out, (int)outsz, f))
		out[0] = '\0';
	if (file)
		fclose(f);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	if (n == 0 || n >= outsz - 1)
		return vg_err_set(err, VG_EINVAL, "password", "need a password of 1 to 1024 bytes");
	return 0;
}

static int make_hash(const char *file, const char *cost, char hash[VG_HTTP_PWHASH_MAX],
                     struct vg_err *err)
{
	char pw[1026];
	int c = vg_http_pwcost_parse(cost);
	int rc;

	if (c < 0)
		return vg_err_set(err, VG_EUSAGE, "pwhash-cost", "interactive, moderate or min");
	rc = read_password(file, pw, sizeof(pw), err);
	if (rc == 0)
		rc = vg_http_pwhash(pw, c, hash, err);
	memset(pw, 0, sizeof(pw));
	return rc;
}

static int role_of(const char *s)
{
	static const char *const names[] = {"", "reporter", "reviewer", "admin"};

	for (int i = 1; s && i <= 3; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int run_add(int argc, char **argv)
{
	const char *db = NULL, *role = NULL, *unit = NULL, *pwfile = NULL, *cost = NULL;
	const char *name = NULL;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_STR("name", &name, "NAME", "account name (or the argument)"),
		VG_OPT_STR("role", &role, "ROLE", "reporter, reviewer or admin"),
		VG_OPT_STR("unit", &unit, "CODE", "reporting unit (reporters)"),
		VG_OPT_STR("password-file", &pwfile, "FILE", "read the password from FILE"),
		VG_OPT_STR("pwhash-cost", &cost, "C", "interactive (default), moderate, min"),
		VG_OPT_END,
	};
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_unit u;
	char hash[VG_HTTP_PWHASH_MAX];
	char **pos = NULL;
	int npos = 0, r;
	int rc = vg_cli_parse(&user_add, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	r = role_of(role);
	if (!name && npos == 1)
		name = pos[0];
	if (npos > (name == (npos ? pos[0] : NULL) ? 1 : 0) || !name || !name[0] ||
	    strlen(name) > 63 || r < 0 ||
	    (r == VG_USER_REPORTER) != (unit != NULL)) {
		rc = vg_cli_usage_error(&user_add, "expected NAME (<= 63 bytes), --role, and --unit "
		                                   "for reporters only");
		goto out;
	}
	if ((rc = vg_cli_db(&user_add, db, &db)))
		goto out;
	if (vg_store_open(db, VG_STORE_CREATE, &st, &err) ||
	    (unit && vg_store_unit_get(st, unit, &a, &u, &err)) ||
	    make_hash(pwfile, cost, hash, &err)) {
		rc = vg_cli_fail(db, &err);
		goto out;
	}
	struct vg_user usr = {0, name, r, unit, hash, false, 0, 0};
	if (vg_store_user_add(st, &usr, "cli", &err)) {
		rc = vg_cli_fail(db, &err);
		goto out;
	}
	printf("user %s added (%s%s%s)\n", name, role, unit ? ", unit " : "", unit ? unit : "");
out:
	vg_arena_release(&a);
	vg_store_close(st);
	free(pos);
	return rc;
}

static int print_user(const struct vg_user *u, void *ctx)
{
	static const char *const names[] = {"?", "reporter", "reviewer", "admin"};

	VG_UNUSED(ctx);
	printf("%s\t%s\t%s\t%s\n", u->name, names[u->role >= 1 && u->role <= 3 ? u->role : 0],
	       u->unit ? u->unit : "-", u->disabled ? "disabled" : "active");
	return 0;
}

static int run_list(int argc, char **argv)
{
	const char *db = NULL;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_END,
	};
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	char **pos = NULL;
	int npos = 0;
	int rc = vg_cli_parse(&user_list, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	if (!(rc = vg_cli_db(&user_list, db, &db)) &&
	    (vg_store_open(db, 0, &st, &err) || vg_store_user_list(st, print_user, NULL, &err)))
		rc = vg_cli_fail(db, &err);
	vg_store_close(st);
	free(pos);
	return rc;
}

/* Load NAME, let change() edit it, store it with an audit row. */
static int update_user(const struct vg_cli_cmd *cmd, int argc, char **argv,
                       int (*change)(struct vg_user *, const char *, const char *,
                                     char *, struct vg_err *))
{
	const char *db = NULL, *pwfile = NULL, *cost = NULL;
	struct vg_cli_opt opts[] = {
		VG_OPT_STR("db", &db, "PATH", "database file or postgresql:// URI"),
		VG_OPT_STR("password-file", &pwfile, "FILE", "passwd: read the password from FILE"),
		VG_OPT_STR("pwhash-cost", &cost, "C", "passwd: interactive, moderate, min"),
		VG_OPT_END,
	};
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	struct vg_arena a = VG_ARENA_INIT;
	struct vg_user u;
	char hash[VG_HTTP_PWHASH_MAX];
	char **pos = NULL;
	int npos = 0;
	int rc = vg_cli_parse(cmd, opts, argc, argv, &pos, &npos);

	if (rc)
		return rc == 1 ? VG_EXIT_OK : rc;
	if (npos != 1) {
		rc = vg_cli_usage_error(cmd, "expected one user NAME");
		goto out;
	}
	if ((rc = vg_cli_db(cmd, db, &db)))
		goto out;
	if (vg_store_open(db, 0, &st, &err) || vg_store_user_get(st, pos[0], &a, &u, &err) ||
	    change(&u, pwfile, cost, hash, &err) || vg_store_user_update(st, &u, "cli", &err)) {
		rc = vg_cli_fail(pos[0], &err);
		goto out;
	}
	printf("user %s: %s\n", pos[0], cmd->name);
out:
	vg_arena_release(&a);
	vg_store_close(st);
	free(pos);
	return rc;
}

static int do_disable(struct vg_user *u, const char *f, const char *c, char *h, struct vg_err *e)
{
	VG_UNUSED(f), VG_UNUSED(c), VG_UNUSED(h), VG_UNUSED(e);
	u->disabled = true;
	return 0;
}

static int do_enable(struct vg_user *u, const char *f, const char *c, char *h, struct vg_err *e)
{
	VG_UNUSED(f), VG_UNUSED(c), VG_UNUSED(h), VG_UNUSED(e);
	u->disabled = false;
	u->failed_logins = 0;
	u->locked_until = 0;
	return 0;
}

static int do_passwd(struct vg_user *u, const char *f, const char *c, char *h, struct vg_err *e)
{
	int rc = make_hash(f, c, h, e);

	u->pwhash = h;
	u->failed_logins = 0;
	u->locked_until = 0;
	return rc;
}

static int run_disable(int argc, char **argv) { return update_user(&user_disable, argc, argv, do_disable); }
static int run_enable(int argc, char **argv) { return update_user(&user_enable, argc, argv, do_enable); }
static int run_passwd(int argc, char **argv) { return update_user(&user_passwd, argc, argv, do_passwd); }
