/*
 * test_store.c - store/: migrations, versions and latest-version selection
 * (E2B(R3) C.1.5 / C.1.2 / C.1.11.1), idempotency, flags, listing, info,
 * accounts, sessions, the append-only audit log, transactions.
 *
 * Every test gets a fresh database in its own mkdtemp directory under /tmp,
 * removed afterwards.  With VIGIL_TEST_PG set to a PostgreSQL URI (e.g.
 * "postgresql:///postgres?host=/tmp/pg&port=5432&user=postgres"), the same
 * tests run a second time against the PostgreSQL backend, each on a fresh
 * database created through that URI and dropped afterwards.
 */
#include "vg.h"
#include "util/util.h"
#include "case/case.h"
#include "store/store.h"
#include "store/store_int.h" /* vg_sqlite_migrations: the upgrade test */

#include <math.h>
#include <setjmp.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

/* NULL: SQLite; else the PostgreSQL admin URI of this run. */
static const char *pg_base;
static int pg_seq;

struct fx {
	char dir[64];
	char path[512];
	char pgdb[64];
	struct vg_store *st;
	struct vg_arena a;
};

static void pg_admin(const char *verb, const char *db)
{
	PGconn *c = PQconnectdb(pg_base);
	char sql[128];
	PGresult *r;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	snprintf(sql, sizeof(sql), "%s DATABASE %s%s", verb, db,
	         strcmp(verb, "DROP") == 0 ? " WITH (FORCE)" : "");
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

static int setup(void **state)
{
	struct fx *f = vg_xcalloc(1, sizeof(*f));
	struct vg_err err = VG_ERR_INIT;

	snprintf(f->dir, sizeof(f->dir), "/tmp/vg_store_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
	if (pg_base) {
		snprintf(f->pgdb, sizeof(f->pgdb), "vg_test_%d_%d", (int)getpid(), pg_seq++);
		pg_admin("CREATE", f->pgdb);
		snprintf(f->path, sizeof(f->path), "%s%cdbname=%s", pg_base,
		         strchr(pg_base, '?') ? '&' : '?', f->pgdb);
	}
	assert_int_equal(vg_store_open(f->path, VG_STORE_CREATE, &f->st, &err), 0);
	vg_arena_init(&f->a, 0);
	*state = f;
	return 0;
}

static void rm(const char *dir, const char *name)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vg_store_close(f->st);
	if (pg_base)
		pg_admin("DROP", f->pgdb);
	rm(f->dir, "test.db");
	rm(f->dir, "test.db-wal");
	rm(f->dir, "test.db-shm");
	rmdir(f->dir);
	vg_arena_release(&f->a);
	free(f);
	return 0;
}

static struct vg_date D(const char *s)
{
	struct vg_date d = VG_DATE_INIT;

	if (s)
		assert_int_equal(vg_date_parse(vg_sv_of(s), &d), 0);
	return d;
}

/* A valid drug case version: patient, reporter, suspect product, event. */
static struct vg_case_version *mk(struct fx *f, const char *id, const char *c15, const char *c12)
{
	struct vg_case_version *v = vg_case_new(&f->a);
	struct vg_product *p;
	struct vg_event *e;

	v->case_id = vg_arena_strdup(&f->a, id);
	v->report_id = vg_arena_strdup(&f->a, id);
	v->source = "test";
	v->latest = D(c15);
	v->created = D(c12);
	v->received = D(c15);
	v->patient_id = "ZM";
	v->sex = VG_SEX_FEMALE;
	v->qualification = VG_QUAL_PHYSICIAN;
	v->unit = "U001";
	v->klass = VG_CLASS_DRUG;
	p = vg_case_add_product(v, &f->a);
	p->role = VG_ROLE_SUSPECT;
	p->klass = VG_CLASS_DRUG;
	p->name = "Amoxicillin";
	e = vg_case_add_event(v, &f->a);
	e->term = "rash";
	return v;
}

static struct vg_put_result put(struct fx *f, const struct vg_case_version *v)
{
	struct vg_put_result r;
	struct vg_err err = VG_ERR_INIT;
	int rc = vg_store_put_version(f->st, v, NULL, &r, &err);

	if (rc)
		fail_msg("put %s: %s", v->case_id, err.msg);
	return r;
}

static struct vg_case_version *latest(struct fx *f, const char *id)
{
	struct vg_case_version *v = NULL;
	struct vg_err err = VG_ERR_INIT;

	assert_int_equal(vg_store_case_latest(f->st, id, &f->a, &v, &err), 0);
	return v;
}

static struct vg_store_info info(struct fx *f)
{
	struct vg_store_info in;
	struct vg_err err = VG_ERR_INIT;

	assert_int_equal(vg_store_info(f->st, &in, &err), 0);
	return in;
}

/* Is the case flagged nullified in the listing? */
struct find_ctx {
	const char *id;
	struct vg_case_row row;
	bool found;
	char id_copy[64];
};

static int find_cb(const struct vg_case_row *r, void *ctx)
{
	struct find_ctx *c = ctx;

	if (strcmp(r->case_id, c->id) == 0) {
		c->row = *r;
		c->found = true;
		c->row.case_id = c->id;
		c->row.duplicate_of = NULL;
		c->row.unit = NULL;
		c->row.first_product = NULL;
		c->row.first_event = NULL;
	}
	return 0;
}

static struct vg_case_row row_of(struct fx *f, const char *id)
{
	struct vg_case_filter flt = VG_CASE_FILTER_INIT;
	struct find_ctx c = {.id = id};
	struct vg_err err = VG_ERR_INIT;

	flt.include_deleted = true;
	assert_int_equal(vg_store_case_list(f->st, &flt, find_cb, &c, NULL, &err), 0);
	assert_true(c.found);
	return c.row;
}

/* ------------------------------------------------------------ migrations */

static void test_migrations(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *again = NULL, *ro = NULL, *none = NULL;
	struct vg_put_result r;
	int version = 0, applied = -1;
	char missing[128];

	assert_int_equal(vg_store_schema_version(f->st, &version, &applied, &err), 0);
	/* SQLite's migrations 3 and 4: products and events tables, documents. */
	assert_int_equal(version, pg_base ? 2 : 4);
	assert_int_equal(applied, pg_base ? 2 : 4);
	assert_string_equal(vg_store_backend(f->st), pg_base ? "postgresql" : "sqlite");

	/* Already migrated: version unchanged, nothing applied. */
	assert_int_equal(vg_store_open(f->path, 0, &again, &err), 0);
	assert_int_equal(vg_store_schema_version(again, &version, &applied, &err), 0);
	assert_int_equal(version, pg_base ? 2 : 4);
	assert_int_equal(applied, 0);
	vg_store_close(again);

	assert_int_equal(vg_store_open(f->path, VG_STORE_READONLY, &ro, &err), 0);
	assert_int_equal(vg_store_schema_version(ro, &version, &applied, &err), 0);
	assert_int_equal(version, pg_base ? 2 : 4);
	assert_int_equal(vg_store_put_version(ro, mk(f, "RO1", "2024", NULL), NULL, &r, &err),
	                 VG_EINVAL);
	vg_store_close(ro);
	assert_int_equal(info(f).cases, 0);
	err = (struct vg_err)VG_ERR_INIT;

	if (pg_base)
		return;
	snprintf(missing, sizeof(missing), "%s/missing.db", f->dir);
	assert_int_equal(vg_store_open(missing, 0, &none, &err), VG_ENOTFOUND);
	assert_null(none);
	assert_int_equal(access(missing, F_OK), -1);
}

/* The one value a query on db returns, as text in a (NULL for NULL). */
static const char *sql_value(sqlite3 *db, const char *sql, struct vg_arena *a)
{
	sqlite3_stmt *s = NULL;
	const char *v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = (const char *)sqlite3_column_text(s, 0);
	v = v ? vg_arena_strdup(a, v) : NULL;
	sqlite3_finalize(s);
	return v;
}

/* Migrations 3 and 4 on a file written by schema 2: the products and
 * events rows become per-version counts and store-wide totals; the JSON
 * documents become binary ones hashed as stored, so the same versions put
 * again are recognised; nothing else moves. */
static void v2_file(struct fx *f, const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	struct vg_buf json = VG_BUF_INIT(0);
	const char *dates[] = {"20240101", "20240301"};

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
		" applied_at TEXT NOT NULL DEFAULT 'x');"
		"INSERT INTO schema_migrations(version, name) VALUES (1, 'a'), (2, 'b');",
		NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(sqlite3_exec(db, vg_sqlite_migrations[i].sql, NULL, NULL, NULL),
		                 SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"INSERT INTO cases(id, case_id, latest_version, nversions, latest, created)"
		" VALUES (1, 'M1', 2, 2, '20240301', NULL);"
		"INSERT INTO products(version, idx, role, klass) VALUES (1, 0, 1, 1), (2, 0, 1, 1),"
		" (2, 1, 2, 1);"
		"INSERT INTO events(version, idx, outcome, seriousness) VALUES (2, 0, 0, 0);",
		NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO versions(id, case_row, version_no,"
	                                    " hash, nullified, amendment, valid, arrived, document)"
	                                    " VALUES (?1, 1, ?1, randomblob(16), 0, 0, 1, 0, ?2)",
	                                    -1, &s, NULL), SQLITE_OK);
	for (int i = 0; i < 2; i++) {
		vg_buf_reset(&json);
		assert_int_equal(vg_case_to_json(mk(f, "M1", dates[i], NULL), &json), 0);
		sqlite3_reset(s);
		sqlite3_bind_int(s, 1, i + 1);
		sqlite3_bind_text(s, 2, json.p, (int)json.len, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	vg_buf_release(&json);
}

static void test_migrations_3_4(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	struct vg_store_info in;
	char path[160];
	sqlite3 *db = NULL;
	int version = 0, applied = 0;

	if (pg_base)
		return;
	snprintf(path, sizeof(path), "%s/v2.db", f->dir);
	v2_file(f, path);
	assert_int_equal(vg_store_open(path, 0, &st, &err), 0);
	assert_int_equal(vg_store_schema_version(st, &version, &applied, &err), 0);
	assert_int_equal(version, 4);
	assert_int_equal(applied, 2);
	assert_int_equal(vg_store_info(st, &in, &err), 0);
	assert_int_equal(in.cases, 1);
	assert_int_equal(in.versions, 2);
	assert_int_equal(in.products, 3);
	assert_int_equal(in.events, 1);
	{
		struct vg_put_result r;
		struct vg_case_version *v = NULL;
		assert_int_equal(vg_store_case_latest(st, "M1", &f->a, &v, &err), 0);
		assert_int_equal(v->latest.month, 3);
		assert_int_equal(vg_store_put_version(st, mk(f, "M1", "20240101", NULL), NULL, &r,
		                                      &err), 0);
		assert_false(r.version_added); /* recognised: hashed the new way */
	}
	vg_store_close(st);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_string_equal(sql_value(db, "SELECT group_concat(nproducts || '/' || nevents)"
	                              " FROM (SELECT * FROM versions ORDER BY id)", &f->a),
	                    "1/0,2/1");
	assert_string_equal(sql_value(db, "SELECT count(*) FROM versions"
	                              " WHERE substr(document, 1, 1) = x'B1'", &f->a), "2");
	assert_string_equal(sql_value(db, "SELECT count(*) FROM sqlite_master"
	                              " WHERE name IN ('products', 'events')", &f->a), "0");
	sqlite3_close(db);
}

/* ------------------------------------------------------------ versions */

static void test_put_get_roundtrip(void **state)
{
	struct fx *f = *state;
	struct vg_case_version *v = mk(f, "CN-A-1", "20240301", "20240302"), *back;
	struct vg_buf a = VG_BUF_INIT(0), b = VG_BUF_INIT(0);
	struct vg_put_result r;
	struct vg_event *e = vg_case_add_event(v, &f->a);

	e->coded = "Pruritus";
	e->code = "10037087";
	e->outcome = VG_OUTCOME_RECOVERED;
	e->seriousness = VG_SER_HOSPITALISATION;
	v->age_value = 34;
	v->age_unit = "a";
	v->serious = true;
	r = put(f, v);
	assert_true(r.case_added);
	assert_true(r.version_added);
	assert_true(r.became_latest);
	assert_false(r.superseded);
	assert_true(r.valid);
	assert_int_equal(r.version_no, 1);

	back = latest(f, "CN-A-1");
	assert_int_equal(vg_case_to_json(v, &a), 0);
	assert_int_equal(vg_case_to_json(back, &b), 0);
	assert_string_equal(a.p, b.p);
	assert_string_equal(back->events[1].coded, "Pruritus");
	assert_int_equal(back->nproducts, 1);
	vg_buf_release(&a);
	vg_buf_release(&b);

	struct vg_err err = VG_ERR_INIT;
	assert_int_equal(vg_store_case_latest(f->st, "nope", &f->a, &back, &err), VG_ENOTFOUND);
}

static void test_utf8_chinese(void **state)
{
	struct fx *f = *state;
	static const char term[] = "皮疹，全身瘙痒（用药后2小时）";
	static const char name[] = "注射用头孢曲松钠";
	static const char narr[] = "患者女，34岁，因“上呼吸道感染”静滴头孢曲松钠后出现皮疹。\n😀 ok";
	struct vg_case_version *v = mk(f, "CN-国家-0001", "2024-03-01", NULL), *back;
	struct vg_case_row row;

	v->events[0].term = term;
	v->products[0].name = name;
	v->narrative = narr;
	v->patient_id = "张某";
	put(f, v);
	back = latest(f, "CN-国家-0001");
	assert_int_equal(strlen(back->events[0].term), strlen(term));
	assert_memory_equal(back->events[0].term, term, sizeof(term));
	assert_memory_equal(back->products[0].name, name, sizeof(name));
	assert_memory_equal(back->narrative, narr, sizeof(narr));
	assert_string_equal(back->patient_id, "张某");
	assert_string_equal(back->case_id, "CN-国家-0001");
	row = row_of(f, "CN-国家-0001");
	assert_int_equal(row.versions, 1);
}

/* E2B(R3) C.1.5: follow-ups arriving out of order. */
static void test_latest_out_of_order(void **state)
{
	struct fx *f = *state;
	struct vg_put_result r;
	struct vg_case_version **all;
	size_t n;
	struct vg_err err = VG_ERR_INIT;

	r = put(f, mk(f, "C1", "20240301", NULL));
	assert_true(r.became_latest);
	/* An older follow-up arrives late: stored, not latest. */
	struct vg_case_version *old = mk(f, "C1", "20240115", NULL);
	old->narrative = "initial";
	r = put(f, old);
	assert_true(r.version_added);
	assert_false(r.became_latest);
	assert_false(r.superseded);
	assert_int_equal(r.version_no, 2);
	assert_int_equal(latest(f, "C1")->latest.month, 3);
	/* A newer one supersedes. */
	struct vg_case_version *newer = mk(f, "C1", "20240510", NULL);
	newer->narrative = "follow-up 2";
	r = put(f, newer);
	assert_true(r.became_latest);
	assert_true(r.superseded);
	assert_false(r.case_added);
	assert_int_equal(r.version_no, 3);
	assert_string_equal(latest(f, "C1")->narrative, "follow-up 2");

	/* All versions, in arrival order. */
	assert_int_equal(vg_store_case_versions(f->st, "C1", &f->a, &all, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(all[0]->latest.month, 3);
	assert_string_equal(all[1]->narrative, "initial");
	assert_string_equal(all[2]->narrative, "follow-up 2");
	assert_int_equal(row_of(f, "C1").versions, 3);
	assert_int_equal(vg_store_case_versions(f->st, "C2", &f->a, &all, &n, &err), VG_ENOTFOUND);
}

/* E2B(R3) C.1.11.1 = 2: an amendment keeps C.1.5; C.1.2 then arrival order decide. */
static void test_latest_amendment_and_ties(void **state)
{
	struct fx *f = *state;
	struct vg_put_result r;
	struct vg_case_version *v;

	put(f, mk(f, "A1", "20240301", "20240302"));
	v = mk(f, "A1", "20240301", "20240320");
	v->amendment = true;
	v->events[0].coded = "Rash";
	r = put(f, v);
	assert_true(r.became_latest);
	assert_true(latest(f, "A1")->amendment);
	/* An amendment created earlier (C.1.2) than the current latest, arriving late. */
	v = mk(f, "A1", "20240301", "20240310");
	v->amendment = true;
	v->narrative = "stale";
	r = put(f, v);
	assert_false(r.became_latest);
	assert_null(latest(f, "A1")->narrative);

	/* Exact tie on C.1.5 and C.1.2: the later arrival wins. */
	v = mk(f, "T1", "20240301", "20240301");
	v->narrative = "first";
	put(f, v);
	v = mk(f, "T1", "20240301", "20240301");
	v->narrative = "second";
	r = put(f, v);
	assert_true(r.became_latest);
	assert_string_equal(latest(f, "T1")->narrative, "second");
}

/* E2B(R3) C.1.5 / C.1.2: whatever the arrival order, the latest version is
 * the same.  Five versions (two of them amendments, one of those the
 * latest), all 120 arrival orders, one case per order. */
static void next_perm(int *a, int n)
{
	int i = n - 2, j = n - 1, t;

	while (i >= 0 && a[i] >= a[i + 1])
		i--;
	if (i < 0)
		return;
	while (a[j] <= a[i])
		j--;
	t = a[i], a[i] = a[j], a[j] = t;
	for (int l = i + 1, r = n - 1; l < r; l++, r--)
		t = a[l], a[l] = a[r], a[r] = t;
}

static void test_latest_any_arrival_order(void **state)
{
	static const char *const dates[5][2] = {
		{"20240101", "20240101"}, {"20240201", "20240202"}, {"20240201", "20240215"},
		{"20240301", "20240301"}, {"20240301", "20240310"},
	};
	struct fx *f = *state;
	int order[5] = {0, 1, 2, 3, 4};
	struct vg_err err = VG_ERR_INIT;

	assert_int_equal(vg_store_begin(f->st, &err), 0);
	for (int perm = 0; perm < 120; perm++, next_perm(order, 5)) {
		char id[16];
		snprintf(id, sizeof(id), "P%03d", perm);
		for (int k = 0; k < 5; k++) {
			struct vg_case_version *v = mk(f, id, dates[order[k]][0], dates[order[k]][1]);
			v->amendment = order[k] == 2 || order[k] == 4;
			v->narrative = vg_arena_printf(&f->a, "v%d", order[k]);
			put(f, v);
		}
	}
	assert_int_equal(vg_store_commit(f->st, &err), 0);
	for (int perm = 0; perm < 120; perm++) {
		char id[16];
		snprintf(id, sizeof(id), "P%03d", perm);
		struct vg_case_version *v = latest(f, id);
		assert_string_equal(v->narrative, "v4");
		assert_true(v->amendment);
	}
	assert_int_equal(info(f).versions, 600);
}

static int count_cb(const struct vg_case_version *v, int flags, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

static int scan_count(struct fx *f, bool all)
{
	struct vg_err err = VG_ERR_INIT;
	int n = 0;

	assert_int_equal(vg_store_scan_latest(f->st, all, count_cb, &n, &err), 0);
	return n;
}

/* Scan callbacks may write (the signal engine only reads, but a reviewer
 * tool may act on what it walks). */
static int accept_cb(const struct vg_case_version *v, int flags, void *ctx)
{
	struct fx *f = ctx;
	struct vg_err err = VG_ERR_INIT;

	return vg_store_case_set_status(f->st, v->case_id, VG_STATUS_ACCEPTED, "ok", "rev", &err);
}

static void test_scan_callback_writes(void **state)
{
	struct fx *f = *state;
	struct vg_case_filter flt = VG_CASE_FILTER_INIT;
	struct vg_err err = VG_ERR_INIT;
	int64_t total = 0;

	put(f, mk(f, "S1", "20240101", NULL));
	put(f, mk(f, "S2", "20240101", NULL));
	put(f, mk(f, "S3", "20240101", NULL));
	assert_int_equal(vg_store_scan_latest(f->st, false, accept_cb, f, &err), 0);
	flt.status = VG_STATUS_ACCEPTED;
	assert_int_equal(vg_store_case_list(f->st, &flt, NULL, NULL, &total, &err), 0);
	assert_int_equal(total, 3);
	assert_int_equal(info(f).audit_rows, 3);
	/* And the store is usable afterwards. */
	put(f, mk(f, "S4", "20240101", NULL));
	assert_int_equal(scan_count(f, false), 4);
}

/* Every version, case by case, oldest first, each with its own flags. */
struct walk {
	int n;
	char seen[8][24];
	int flags[8];
};

static int walk_cb(const struct vg_case_version *v, int flags, void *ctx)
{
	struct walk *w = ctx;

	if (w->n < 8) {
		snprintf(w->seen[w->n], sizeof(w->seen[0]), "%s/%s", v->case_id,
		         v->narrative ? v->narrative : "-");
		w->flags[w->n] = flags;
	}
	w->n++;
	return 0;
}

static void test_scan_versions(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_case_version *v;
	struct walk w = {0};

	v = mk(f, "W2", "20240301", NULL);
	v->narrative = "b";
	put(f, v);
	v = mk(f, "W1", "20240101", NULL);
	v->narrative = "x";
	put(f, v);
	v = mk(f, "W2", "20240401", NULL);
	v->narrative = "c";
	v->nullified = true;
	put(f, v);
	v = mk(f, "W2", "20240201", NULL);
	v->narrative = "a";
	v->nevents = 0;
	put(f, v);
	assert_int_equal(vg_store_scan_versions(f->st, walk_cb, &w, &err), 0);
	assert_int_equal(w.n, 4);
	assert_string_equal(w.seen[0], "W1/x");
	assert_string_equal(w.seen[1], "W2/b");
	assert_string_equal(w.seen[2], "W2/c");
	assert_string_equal(w.seen[3], "W2/a");
	assert_int_equal(w.flags[0], 0);
	assert_int_equal(w.flags[2], VG_SCAN_NULLIFIED);
	assert_int_equal(w.flags[3], VG_SCAN_INVALID);
}

/* E2B(R3) C.1.11.1 = 1: a nullification that is latest nullifies the case. */
static void test_nullification(void **state)
{
	struct fx *f = *state;
	struct vg_case_version *v;
	struct vg_put_result r;

	put(f, mk(f, "N1", "20240301", NULL));
	put(f, mk(f, "N2", "20240301", NULL));
	assert_int_equal(scan_count(f, false), 2);
	v = mk(f, "N1", "20240401", NULL);
	v->nullified = true;
	v->nullify_reason = "duplicate of N2";
	r = put(f, v);
	assert_true(r.became_latest);
	assert_true(row_of(f, "N1").nullified);
	assert_int_equal(info(f).nullified_cases, 1);
	assert_int_equal(scan_count(f, false), 1);
	assert_int_equal(scan_count(f, true), 2);

	/* A follow-up dated before the nullification, arriving late: still nullified. */
	r = put(f, mk(f, "N1", "20240315", NULL));
	assert_false(r.became_latest);
	assert_true(row_of(f, "N1").nullified);

	/* A follow-up dated after it becomes latest: the case is live again
	 * (store.h: nullified means the latest version is a nullification). */
	r = put(f, mk(f, "N1", "20240501", NULL));
	assert_true(r.became_latest);
	assert_false(row_of(f, "N1").nullified);
	assert_int_equal(info(f).nullified_cases, 0);
	assert_int_equal(row_of(f, "N1").versions, 4);
}

/* Idempotent re-import: the same version again changes nothing. */
static void test_idempotent(void **state)
{
	struct fx *f = *state;
	struct vg_case_version *v = mk(f, "I1", "20240301", NULL);
	struct vg_store_info before, after;
	struct vg_put_result r;
	struct vg_err err = VG_ERR_INIT;

	put(f, v);
	put(f, mk(f, "I1", "20240401", NULL));
	before = info(f);
	r = put(f, v);
	assert_false(r.version_added);
	assert_false(r.case_added);
	assert_false(r.became_latest);
	after = info(f);
	assert_memory_equal(&before, &after, sizeof(before));

	/* Also from a fresh handle (empty cache). */
	vg_store_close(f->st);
	assert_int_equal(vg_store_open(f->path, 0, &f->st, &err), 0);
	r = put(f, v);
	assert_false(r.version_added);
	after = info(f);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(latest(f, "I1")->latest.month, 4);
	/* A new version after reopening continues the numbering. */
	r = put(f, mk(f, "I1", "20240501", NULL));
	assert_int_equal(r.version_no, 3);
}

static void test_delete_and_duplicate(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	bool changed = false;

	put(f, mk(f, "D1", "20240301", NULL));
	put(f, mk(f, "D2", "20240301", NULL));
	put(f, mk(f, "D3", "20240301", NULL));
	assert_int_equal(vg_store_delete_case(f->st, "D1", &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(vg_store_delete_case(f->st, "D1", &changed, &err), 0);
	assert_false(changed);
	assert_int_equal(vg_store_delete_case(f->st, "nope", &changed, &err), 0);
	assert_false(changed);
	assert_true(row_of(f, "D1").deleted);
	assert_int_equal(info(f).deleted_cases, 1);
	assert_int_equal(scan_count(f, false), 2);

	assert_int_equal(vg_store_case_set_duplicate(f->st, "D3", "D2", "rev", &err), 0);
	assert_int_equal(scan_count(f, false), 1);
	assert_int_equal(scan_count(f, true), 3);
	assert_int_equal(vg_store_case_set_duplicate(f->st, "D3", "D3", "rev", &err), VG_EINVAL);
	err = (struct vg_err)VG_ERR_INIT;
	assert_int_equal(vg_store_case_set_duplicate(f->st, "D3", "zz", "rev", &err), VG_ENOTFOUND);
	/* No cycles: a duplicate cannot be a master. */
	err = (struct vg_err)VG_ERR_INIT;
	assert_int_equal(vg_store_case_set_duplicate(f->st, "D2", "D3", "rev", &err), VG_ECONFLICT);
	assert_non_null(strstr(err.msg, "D2"));
	err = (struct vg_err)VG_ERR_INIT;
	assert_int_equal(vg_store_case_set_duplicate(f->st, "D3", NULL, "rev", &err), 0);
	assert_int_equal(scan_count(f, false), 2);
	assert_int_equal(vg_store_case_set_duplicate(f->st, "D2", "D3", "rev", &err), 0);
	assert_int_equal(scan_count(f, false), 1);
}

/* ------------------------------------------------------------ listing */

struct list_ctx {
	int n;
	char ids[64][16];
};

static int list_cb(const struct vg_case_row *r, void *ctx)
{
	struct list_ctx *c = ctx;

	if (c->n < 64)
		vg_strlcpy(c->ids[c->n], r->case_id, sizeof(c->ids[0]));
	c->n++;
	return 0;
}

static int list(struct fx *f, const struct vg_case_filter *flt, struct list_ctx *c,
                int64_t *total)
{
	struct vg_err err = VG_ERR_INIT;

	memset(c, 0, sizeof(*c));
	assert_int_equal(vg_store_case_list(f->st, flt, list_cb, c, total, &err), 0);
	return c->n;
}

/* 30 cases L00..L29: class drug/device/cosmetic by i % 3, serious when i
 * is even, unit U1 for i < 10 else U2, received 2024-01-01 + i days,
 * L05 invalid (no event), L07 nullified. */
static void make_list_cases(struct fx *f)
{
	struct vg_err err = VG_ERR_INIT;

	assert_int_equal(vg_store_begin(f->st, &err), 0);
	for (int i = 0; i < 30; i++) {
		char id[16];
		snprintf(id, sizeof(id), "L%02d", i);
		struct vg_case_version *v = mk(f, id, "20240101", NULL);
		v->received = vg_date_from_days(vg_date_first_day(&v->received) + i);
		v->klass = 1 + i % 3;
		v->serious = i % 2 == 0;
		v->unit = i < 10 ? "U1" : "U2";
		v->nullified = i == 7;
		if (i == 5)
			v->nevents = 0;
		put(f, v);
	}
	assert_int_equal(vg_store_commit(f->st, &err), 0);
}

static void test_case_list(void **state)
{
	struct fx *f = *state;
	struct vg_case_filter flt = VG_CASE_FILTER_INIT;
	struct list_ctx c;
	int64_t total = -1;

	make_list_cases(f);
	assert_int_equal(list(f, &flt, &c, &total), 30);
	assert_int_equal(total, 30);
	assert_string_equal(c.ids[0], "L00");
	assert_string_equal(c.ids[29], "L29");

	flt.include_invalid = false;
	flt.include_nullified = false;
	assert_int_equal(list(f, &flt, &c, &total), 28);

	flt = (struct vg_case_filter)VG_CASE_FILTER_INIT;
	flt.klass = VG_CLASS_DEVICE; /* i % 3 == 1 */
	flt.serious = 1;             /* even: 4 10 16 22 28 */
	assert_int_equal(list(f, &flt, &c, &total), 5);
	assert_string_equal(c.ids[0], "L04");

	flt = (struct vg_case_filter)VG_CASE_FILTER_INIT;
	flt.unit = "U1";
	flt.serious = 0;
	assert_int_equal(list(f, &flt, &c, &total), 5);

	flt = (struct vg_case_filter)VG_CASE_FILTER_INIT;
	flt.from = D("2024-01-11");
	flt.to = D("2024-01-20");
	assert_int_equal(list(f, &flt, &c, &total), 10);
	assert_string_equal(c.ids[0], "L10");
	flt.from = D("2024");
	flt.to = D("2024-01");
	assert_int_equal(list(f, &flt, &c, &total), 30);

	flt = (struct vg_case_filter)VG_CASE_FILTER_INIT;
	flt.limit = 7;
	flt.offset = 21;
	assert_int_equal(list(f, &flt, &c, &total), 7);
	assert_int_equal(total, 30);
	assert_string_equal(c.ids[0], "L21");
	assert_string_equal(c.ids[6], "L27");
	flt.offset = 28;
	assert_int_equal(list(f, &flt, &c, &total), 2);

	/* Status filter, after a reviewer action. */
	struct vg_err err = VG_ERR_INIT;
	assert_int_equal(vg_store_case_set_status(f->st, "L03", VG_STATUS_RETURNED, "缺少批号",
	                                          "reviewer1", &err), 0);
	flt = (struct vg_case_filter)VG_CASE_FILTER_INIT;
	flt.status = VG_STATUS_RETURNED;
	assert_int_equal(list(f, &flt, &c, &total), 1);
	assert_string_equal(c.ids[0], "L03");
	assert_int_equal(vg_store_case_set_status(f->st, "L99", 1, NULL, "r", &err), VG_ENOTFOUND);
}

static void test_info_counts(void **state)
{
	struct fx *f = *state;
	struct vg_store_info in;
	struct vg_err err = VG_ERR_INIT;
	struct vg_unit u = {"U1", "第一人民医院", "hospital", "440100", 800, 0};

	in = info(f);
	assert_int_equal(in.cases, 0);
	make_list_cases(f);
	put(f, mk(f, "L00", "20240601", NULL));
	assert_int_equal(vg_store_unit_put(f->st, &u, "admin", &err), 0);
	in = info(f);
	assert_int_equal(in.cases, 30);
	assert_int_equal(in.versions, 31);
	assert_int_equal(in.valid_cases, 29);
	assert_int_equal(in.nullified_cases, 1);
	assert_int_equal(in.deleted_cases, 0);
	assert_int_equal(in.products, 31);
	assert_int_equal(in.events, 30);
	assert_int_equal(in.units, 1);
	assert_int_equal(in.audit_rows, 1);
}

/* ------------------------------------------------------------ transactions */

static void test_rollback_leaves_nothing(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_put_result r;
	struct vg_store_info in;

	put(f, mk(f, "R0", "20240101", NULL));
	assert_int_equal(vg_store_begin(f->st, &err), 0);
	put(f, mk(f, "R1", "20240101", NULL));
	put(f, mk(f, "R0", "20240301", NULL));
	assert_int_equal(vg_store_begin(f->st, &err), VG_EINVAL);
	vg_store_rollback(f->st);
	in = info(f);
	assert_int_equal(in.cases, 1);
	assert_int_equal(in.versions, 1);
	assert_int_equal(in.products, 1);
	assert_int_equal(latest(f, "R0")->latest.month, 1);
	/* The cache forgot the rolled-back case and version. */
	r = put(f, mk(f, "R1", "20240101", NULL));
	assert_true(r.case_added);
	r = put(f, mk(f, "R0", "20240301", NULL));
	assert_int_equal(r.version_no, 2);
	assert_true(r.became_latest);
}

/* Inside a transaction, an operation refused before it changed anything
 * (unknown case, duplicate or dangling name) leaves the transaction usable
 * (the HTTP writer commits groups of submissions that way). */
static void test_clean_failure_keeps_transaction(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_unit u = {"U1", "unit", "hospital", "440100", 0, 0};
	struct vg_user usr = {0, "wang", VG_USER_REVIEWER, NULL, "$argon2id$x", false, 0, 0};
	struct vg_user bad = {0, "zhao", VG_USER_REPORTER, "no-such-unit", "$argon2id$x", false, 0, 0};

	assert_int_equal(vg_store_user_add(f->st, &usr, "admin", &err), 0);
	assert_int_equal(vg_store_begin(f->st, &err), 0);
	put(f, mk(f, "G1", "20240101", NULL));
	assert_int_equal(vg_store_case_set_status(f->st, "nope", 1, NULL, "rev", &err), VG_ENOTFOUND);
	err = (struct vg_err)VG_ERR_INIT;
	assert_int_equal(vg_store_user_add(f->st, &usr, "admin", &err), VG_EEXIST);
	err = (struct vg_err)VG_ERR_INIT;
	assert_int_not_equal(vg_store_user_add(f->st, &bad, "admin", &err), 0);
	err = (struct vg_err)VG_ERR_INIT;
	assert_int_equal(vg_store_unit_put(f->st, &u, "admin", &err), 0);
	put(f, mk(f, "G2", "20240101", NULL));
	assert_int_equal(vg_store_commit(f->st, &err), 0);
	assert_int_equal(info(f).cases, 2);
	assert_int_equal(info(f).units, 1);
	assert_int_equal(info(f).users, 1);
	assert_int_equal(info(f).audit_rows, 2); /* user.add, unit.put */
}

/* A put that fails half-way (here: a test trigger refuses its version row,
 * after the case row went in, or, on PostgreSQL, its events) never
 * leaves part of the version behind.  SQLite: the transaction is poisoned
 * and commit rolls it all back.  PostgreSQL: the failed operation is rolled
 * back to its savepoint and the rest commits. */
static void add_boom_trigger(struct fx *f)
{
	static const char sq[] = "CREATE TRIGGER boom BEFORE INSERT ON versions"
	                         " WHEN instr(NEW.document, CAST('boom' AS BLOB)) > 0"
	                         " BEGIN SELECT RAISE(ABORT, 'boom'); END";
	static const char pg[] =
		"CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN"
		" IF NEW.term = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END$$;"
		"CREATE TRIGGER boom BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION boom()";

	if (pg_base) {
		PGconn *c = PQconnectdb(f->path);
		PGresult *r = PQexec(c, pg);
		assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
		PQclear(r);
		PQfinish(c);
	} else {
		sqlite3 *db = NULL;
		assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, sq, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
}

static void test_failed_put_midway(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_case_version *bad = mk(f, "B1", "20240101", NULL);
	struct vg_put_result r;

	add_boom_trigger(f);
	bad->events[0].term = "boom";
	/* Alone: its own transaction, rolled back. */
	assert_int_not_equal(vg_store_put_version(f->st, bad, NULL, &r, &err), 0);
	assert_false(r.version_added);
	assert_int_equal(info(f).versions, 0);
	err = (struct vg_err)VG_ERR_INIT;

	assert_int_equal(vg_store_begin(f->st, &err), 0);
	put(f, mk(f, "G1", "20240101", NULL));
	assert_int_not_equal(vg_store_put_version(f->st, bad, NULL, &r, &err), 0);
	err = (struct vg_err)VG_ERR_INIT;
	if (pg_base) {
		assert_int_equal(vg_store_commit(f->st, &err), 0);
		assert_int_equal(info(f).cases, 1);
	} else {
		assert_int_equal(vg_store_commit(f->st, &err), VG_EDB);
		assert_int_equal(info(f).cases, 0);
	}
	assert_int_equal(info(f).versions, info(f).cases);
	assert_int_equal(info(f).products, info(f).cases);
	/* The store works on afterwards, cache included. */
	r = put(f, mk(f, "G1", "20240101", NULL));
	assert_int_equal(r.version_added, !pg_base);
	r = put(f, mk(f, "B1", "20240101", NULL));
	assert_true(r.case_added);
}

/* A read-only open (vigil info, cases, signals, the server's readers) of a
 * file from an older vigil upgrades it first, then reads it. */
static void test_readonly_open_upgrades(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	struct vg_store_info in;
	struct vg_case_version *v = NULL;
	char path[160];
	int version = 0;

	if (pg_base)
		return;
	snprintf(path, sizeof(path), "%s/old.db", f->dir);
	v2_file(f, path);
	assert_int_equal(vg_store_open(path, VG_STORE_READONLY, &st, &err), 0);
	assert_int_equal(vg_store_schema_version(st, &version, NULL, &err), 0);
	assert_int_equal(version, 4);
	assert_int_equal(vg_store_info(st, &in, &err), 0);
	assert_int_equal(in.products, 3);
	assert_int_equal(vg_store_case_latest(st, "M1", &f->a, &v, &err), 0);
	assert_int_equal(v->latest.month, 3);
	vg_store_close(st);
}

/* A stored JSON document that no longer decodes stops migration 4 with a
 * message naming the version; the file stays at schema 3, untouched. */
static void test_migration_4_bad_document(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	char path[160];
	sqlite3 *db = NULL;

	if (pg_base)
		return;
	snprintf(path, sizeof(path), "%s/bad.db", f->dir);
	v2_file(f, path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE versions SET document = '{\"case_id\": 7}'"
	                              " WHERE id = 2", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(vg_store_open(path, 0, &st, &err), VG_EDB);
	assert_null(st);
	if (!strstr(err.msg, "migration 4: version 2: "))
		fail_msg("%s", err.msg);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_string_equal(sql_value(db, "SELECT max(version) FROM schema_migrations", &f->a), "3");
	/* version 1 not converted either */
	assert_string_equal(sql_value(db, "SELECT count(*) FROM versions"
	                              " WHERE substr(document, 1, 1) = '{'", &f->a), "2");
	sqlite3_close(db);
}

/* Reads take a JSON document as well as a binary one (the first byte
 * tells), whatever wrote it there. */
static void test_json_documents_still_read(void **state)
{
	struct fx *f = *state;
	struct vg_case_version *v = mk(f, "J1", "20240101", NULL);
	struct vg_buf json = VG_BUF_INIT(0);
	struct vg_put_result r;
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	if (pg_base)
		return;
	v->events[0].term = "皮疹";
	put(f, v);
	assert_int_equal(vg_case_to_json(v, &json), 0);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_string_equal(sql_value(db, "SELECT substr(document, 1, 1) = x'B1' FROM versions",
	                              &f->a), "1"); /* stored binary */
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE versions SET document = ?1", -1, &s, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(s, 1, json.p, (int)json.len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(db);
	assert_string_equal(latest(f, "J1")->events[0].term, "皮疹");
	r = put(f, v);
	assert_false(r.version_added);
	v->events[0].term = "瘙痒";
	r = put(f, v);
	assert_true(r.version_added);
	assert_string_equal(latest(f, "J1")->events[0].term, "瘙痒");
	vg_buf_release(&json);
}

/* ------------------------------------------------------------ bulk loader */

/* n cases L<i> (every 5th also gets a later follow-up), then deletions. */
static int load_n(struct fx *f, int n, int64_t batch, bool keep, struct vg_import_stats *s,
                  struct vg_err *err)
{
	struct vg_store_loader *l = NULL;
	int rc = vg_store_loader_start(f->st, batch, &l, err);
	char id[32];

	assert_int_equal(rc, 0);
	for (int i = 0; i < n && rc == 0; i++) {
		snprintf(id, sizeof(id), "L%05d", i);
		rc = vg_store_loader_put(l, mk(f, id, "20240101", NULL), err);
		if (rc == 0 && i % 5 == 0)
			rc = vg_store_loader_put(l, mk(f, id, "20240301", NULL), err);
		if (i % 512 == 0)
			vg_arena_reset(&f->a); /* the loader keeps its own copies */
	}
	if (rc == 0)
		rc = vg_store_loader_delete(l, "L00003", err);
	if (rc == 0)
		rc = vg_store_loader_delete(l, "no-such-case", err);
	return vg_store_loader_finish(l, keep && rc == 0, s, err) ? err->code : rc;
}

/* More versions than a chunk holds, small batches: every version lands
 * once, follow-ups supersede, deletions apply in order, and a second load
 * of the same input adds nothing. */
static void test_loader_counts(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_import_stats s = {0};
	int n = pg_base ? 300 : 9000;

	assert_int_equal(load_n(f, n, 97, true, &s, &err), 0);
	assert_int_equal(s.cases_added, n);
	assert_int_equal(s.versions_added, n + (n + 4) / 5);
	assert_int_equal(s.versions_superseded, (n + 4) / 5);
	assert_int_equal(s.cases_deleted, 1);
	assert_int_equal(info(f).cases, n);
	assert_int_equal(info(f).versions, n + (n + 4) / 5);
	assert_int_equal(info(f).products, info(f).versions);
	assert_int_equal(info(f).deleted_cases, 1);
	assert_int_equal(latest(f, "L00005")->latest.month, 3);
	assert_int_equal(latest(f, "L00006")->latest.month, 1);
	assert_true(row_of(f, "L00003").deleted);

	memset(&s, 0, sizeof(s));
	assert_int_equal(load_n(f, n, 1000, true, &s, &err), 0);
	assert_int_equal(s.cases_added, 0);
	assert_int_equal(s.versions_added, 0);
	assert_int_equal(s.cases_deleted, 0);
	assert_int_equal(info(f).versions, n + (n + 4) / 5);
}

/* A caller that gives up: committed batches stay, the open one goes. */
static void test_loader_abandon(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_import_stats s = {0};

	/* 100 cases + 20 follow-ups in batches of 50: two commits (100 puts). */
	assert_int_equal(load_n(f, 100, 50, false, &s, &err), 0);
	assert_int_equal(info(f).versions, 100);
	assert_int_equal(info(f).deleted_cases, 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(load_n(f, 100, 50, true, &s, &err), 0);
	assert_int_equal(s.versions_added, 20);
	assert_int_equal(info(f).versions, 120);
}

/* The writer fails half-way through a batch (a trigger refuses one
 * version): the error comes back, committed batches stay, the failed
 * batch leaves nothing, and a re-run without the obstacle completes. */
static void test_loader_failure(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_import_stats s = {0};
	struct vg_store_loader *l = NULL;
	char id[32];
	int rc = 0;

	add_boom_trigger(f);
	assert_int_equal(vg_store_loader_start(f->st, 10, &l, &err), 0);
	for (int i = 0; i < 6000 && rc == 0; i++) {
		struct vg_case_version *v;
		snprintf(id, sizeof(id), "F%05d", i);
		v = mk(f, id, "20240101", NULL);
		if (i == 25)
			v->events[0].term = "boom";
		rc = vg_store_loader_put(l, v, &err);
		if (i % 512 == 0)
			vg_arena_reset(&f->a);
	}
	if (vg_store_loader_finish(l, rc == 0, &s, &err) && rc == 0)
		rc = err.code;
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(err.msg, "boom"));
	if (!strstr(err.msg, "case F00025: ")) /* names the case */
		fail_msg("%s", err.msg);
	/* SQLite: batches F0-F9 and F10-F19 committed; PostgreSQL undoes the
	 * failed put alone (a savepoint) but the caller gives up there too. */
	assert_int_equal(info(f).cases, 20);
	assert_int_equal(info(f).versions, 20);
}

/* Two handles on one file: the second's writes invalidate the first's cache. */
static void test_two_handles(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *other = NULL;
	struct vg_put_result r;

	put(f, mk(f, "H1", "20240101", NULL));
	assert_int_equal(vg_store_open(f->path, 0, &other, &err), 0);
	assert_int_equal(vg_store_put_version(other, mk(f, "H1", "20240201", NULL), NULL, &r, &err), 0);
	assert_int_equal(r.version_no, 2);
	r = put(f, mk(f, "H1", "20240301", NULL));
	assert_int_equal(r.version_no, 3);
	assert_true(r.superseded);
	r = put(f, mk(f, "H1", "20240215", NULL));
	assert_false(r.became_latest);
	vg_store_close(other);
	assert_int_equal(row_of(f, "H1").versions, 4);
	assert_int_equal(latest(f, "H1")->latest.month, 3);
}

/* A process killed inside an import transaction: the committed batch is
 * there, the open one is not, the file is intact, and re-running the
 * import completes it (issue 3: crash consistency, idempotent re-import). */
static void import_batches(const char *path, int batches, bool die_in_last)
{
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = NULL;
	struct vg_put_result r;
	struct fx tmp;

	memset(&tmp, 0, sizeof(tmp));
	vg_arena_init(&tmp.a, 0);
	if (vg_store_open(path, VG_STORE_BULK, &st, &err))
		_exit(3);
	for (int b = 0; b < batches; b++) {
		if (vg_store_begin(st, &err))
			_exit(4);
		for (int i = 0; i < 500; i++) {
			char id[16];
			snprintf(id, sizeof(id), "K%04d", b * 500 + i);
			vg_arena_reset(&tmp.a);
			if (vg_store_put_version(st, mk(&tmp, id, "20240101", NULL), NULL, &r, &err))
				_exit(5);
		}
		if (die_in_last && b == batches - 1)
			raise(SIGKILL);
		if (vg_store_commit(st, &err))
			_exit(6);
	}
	vg_store_close(st);
	vg_arena_release(&tmp.a);
}

static void test_crash_mid_import(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		import_batches(f->path, 2, true);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);

	if (!pg_base) {
		assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL),
		                 SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
		sqlite3_finalize(s);
		sqlite3_close(db);
	}
	assert_int_equal(info(f).cases, 500);
	assert_int_equal(info(f).versions, 500);

	/* Run the whole import again: completes, nothing doubled. */
	import_batches(f->path, 2, false);
	assert_int_equal(info(f).cases, 1000);
	assert_int_equal(info(f).versions, 1000);
	assert_int_equal(info(f).products, 1000);
}

/* ------------------------------------------------------------ audit */

static int audit_cb(const struct vg_audit_row *r, void *ctx)
{
	int *n = ctx;

	assert_non_null(r->at);
	assert_non_null(r->actor);
	(*n)++;
	return 0;
}

static int audit_count(struct fx *f, const char *object)
{
	struct vg_err err = VG_ERR_INIT;
	int n = 0;

	assert_int_equal(vg_store_audit_list(f->st, object, 0, 0, audit_cb, &n, &err), 0);
	return n;
}

/* The same attempts in PostgreSQL's dialect, through a raw connection. */
static void pg_attacks(const char *uri)
{
	static const char *const attacks[] = {
		"UPDATE audit SET actor = 'mallory'",
		"DELETE FROM audit",
		"TRUNCATE audit",
		"INSERT INTO audit(id, actor, action) OVERRIDING SYSTEM VALUE VALUES (1, 'm', 'x')"
		" ON CONFLICT (id) DO UPDATE SET actor = 'mallory'",
	};
	PGconn *c = PQconnectdb(uri);

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	for (size_t i = 0; i < VG_ARRAY_LEN(attacks); i++) {
		PGresult *r = PQexec(c, attacks[i]);
		assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
		assert_non_null(strstr(PQresultErrorMessage(r), "append-only"));
		PQclear(r);
	}
	PQfinish(c);
}

static void test_audit_append_only(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_put_result r;
	sqlite3 *db = NULL;
	static const char *const attacks[] = {
		"UPDATE audit SET actor = 'mallory'",
		"DELETE FROM audit",
		"DELETE FROM audit WHERE id = 1",
		"INSERT OR REPLACE INTO audit(id, actor, action) VALUES (1, 'mallory', 'x')",
		"REPLACE INTO audit(id, actor, action) VALUES (2, 'mallory', 'x')",
	};

	assert_int_equal(vg_store_put_version(f->st, mk(f, "AU1", "20240101", NULL), "reporter1", &r,
	                                      &err), 0);
	assert_int_equal(vg_store_audit(f->st, "admin", "test", "thing", "{\"a\":1}", "{\"a\":2}", &err),
	                 0);
	assert_int_equal(vg_store_case_set_status(f->st, "AU1", VG_STATUS_ACCEPTED, NULL, "rev", &err), 0);
	assert_int_equal(audit_count(f, NULL), 3);
	assert_int_equal(audit_count(f, "AU1"), 2);

	if (pg_base) {
		pg_attacks(f->path);
	} else {
		assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
		for (size_t i = 0; i < VG_ARRAY_LEN(attacks); i++) {
			char *msg = NULL;
			assert_int_not_equal(sqlite3_exec(db, attacks[i], NULL, NULL, &msg), SQLITE_OK);
			assert_non_null(strstr(msg, "append-only"));
			sqlite3_free(msg);
		}
		sqlite3_close(db);
	}
	assert_int_equal(audit_count(f, NULL), 3);
	assert_int_equal(info(f).audit_rows, 3);
}

/* ------------------------------------------------------------ accounts */

static void test_units_users_sessions(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_unit u = {"440100-H001", "广州市第一人民医院", "hospital", "440100", 1200, 0}, got;
	struct vg_user usr = {0, "li.lei", VG_USER_REPORTER, "440100-H001", "$argon2id$x", false, 0, 0};
	struct vg_user back;
	int64_t uid = 0;

	assert_int_equal(vg_store_unit_put(f->st, &u, "admin", &err), 0);
	u.beds = 1300;
	assert_int_equal(vg_store_unit_put(f->st, &u, "admin", &err), 0);
	assert_int_equal(vg_store_unit_get(f->st, "440100-H001", &f->a, &got, &err), 0);
	assert_string_equal(got.name, "广州市第一人民医院");
	assert_int_equal(got.beds, 1300);
	/* Unknown fields stay unknown (NULL), audit included. */
	struct vg_unit bare = {"U-BARE", NULL, NULL, NULL, 0, 0};
	assert_int_equal(vg_store_unit_put(f->st, &bare, "admin", &err), 0);
	assert_int_equal(vg_store_unit_get(f->st, "U-BARE", &f->a, &got, &err), 0);
	assert_null(got.name);
	assert_null(got.kind);
	assert_int_equal(info(f).units, 2);
	/* A unit without a code is refused, on either backend, naming the field. */
	bare.code = "";
	assert_int_equal(vg_store_unit_put(f->st, &bare, "admin", &err), VG_EINVAL);
	assert_string_equal(err.field, "code");
	err = (struct vg_err)VG_ERR_INIT;
	assert_int_equal(info(f).units, 2);

	assert_int_equal(vg_store_user_add(f->st, &usr, "admin", &err), 0);
	assert_int_equal(vg_store_user_add(f->st, &usr, "admin", &err), VG_EEXIST);
	err = (struct vg_err)VG_ERR_INIT;
	usr.name = "ghost";
	usr.unit = "no-such-unit";
	assert_int_not_equal(vg_store_user_add(f->st, &usr, "admin", &err), 0);
	err = (struct vg_err)VG_ERR_INIT;
	assert_int_equal(vg_store_user_get(f->st, "li.lei", &f->a, &back, &err), 0);
	assert_int_equal(back.role, VG_USER_REPORTER);
	assert_string_equal(back.unit, "440100-H001");
	back.failed_logins = 2;
	back.pwhash = "$argon2id$y";
	assert_int_equal(vg_store_user_update(f->st, &back, "admin", &err), 0);
	assert_int_equal(vg_store_user_get(f->st, "li.lei", &f->a, &back, &err), 0);
	assert_int_equal(back.failed_logins, 2);
	assert_int_equal(info(f).users, 1);

	/* Sessions expire. */
	assert_int_equal(vg_store_session_put(f->st, "h1", back.id, 1000, &err), 0);
	assert_int_equal(vg_store_session_get(f->st, "h1", 999, &uid, &err), 0);
	assert_int_equal(uid, back.id);
	assert_int_equal(vg_store_session_get(f->st, "h1", 1000, &uid, &err), VG_ENOTFOUND);
	err = (struct vg_err)VG_ERR_INIT;
	assert_int_equal(vg_store_session_put(f->st, "h2", back.id, INT64_MAX, &err), 0);
	assert_int_equal(vg_store_session_get(f->st, "h2", 5000, &uid, &err), 0);
	/* A disabled user's sessions stop working. */
	back.disabled = true;
	assert_int_equal(vg_store_user_update(f->st, &back, "admin", &err), 0);
	assert_int_equal(vg_store_session_get(f->st, "h2", 5000, &uid, &err), VG_ENOTFOUND);
	err = (struct vg_err)VG_ERR_INIT;
	assert_int_equal(vg_store_session_delete(f->st, "h2", &err), 0);
	/* No password hash in the audit log. */
	assert_int_equal(audit_count(f, "li.lei"), 3);
}

static void test_settings_imports(void **state)
{
	struct fx *f = *state;
	struct vg_err err = VG_ERR_INIT;
	struct vg_import_stats s = {10, 1, 5, 8, 2, 0};
	const char *val = NULL;
	int64_t run = 0;

	assert_int_equal(vg_store_setting_get(f->st, "w", &f->a, &val, &err), VG_ENOTFOUND);
	assert_int_equal(vg_store_setting_put(f->st, "w", "{\"a\":1}", &err), 0);
	assert_int_equal(vg_store_setting_put(f->st, "w", "{\"a\":2}", &err), 0);
	assert_int_equal(vg_store_setting_get(f->st, "w", &f->a, &val, &err), 0);
	assert_string_equal(val, "{\"a\":2}");

	assert_int_equal(vg_store_import_begin(f->st, "faers", "DEMO24Q1.txt", &run, &err), 0);
	assert_true(run > 0);
	assert_int_equal(vg_store_import_finish(f->st, run, &s, "done", &err), 0);
	assert_int_equal(vg_store_import_finish(f->st, run + 5, &s, "done", &err), VG_ENOTFOUND);
	assert_int_equal(info(f).import_runs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrations_3_4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_get_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf8_chinese, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latest_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latest_amendment_and_ties, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latest_any_arrival_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nullification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_callback_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_and_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_failure_keeps_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_put_midway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_4_bad_document, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_open_upgrades, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_documents_still_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loader_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loader_abandon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loader_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_mid_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_append_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_units_users_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_imports, setup, teardown),
	};

	int failed = cmocka_run_group_tests_name("store-sqlite", tests, NULL, NULL);

	pg_base = getenv("VIGIL_TEST_PG");
	if (pg_base && *pg_base)
		failed += cmocka_run_group_tests_name("store-postgresql", tests, NULL, NULL);
	return failed;
}
