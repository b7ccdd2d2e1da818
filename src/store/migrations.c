/*
 * migrations.c - the SQLite schema, as numbered migrations.
 *
 * Each entry is applied once, in version order, inside its own transaction,
 * and recorded in schema_migrations(version, name, applied_at).  Opening a
 * database applies whatever is newer than its recorded version; an already
 * migrated database is left untouched.  Never edit a migration that has
 * shipped: append a new one.
 *
 * The schema (migrations 1 and 2; 3 replaces products and events, below):
 *
 *   cases(id, case_id UNIQUE /E2B C.1.8.1/, latest_version -> versions.id,
 *         nversions, valid, nullified, deleted, duplicate_of -> cases.case_id,
 *         status, status_comment, denormalised fields of the latest version
 *         for listing: klass, serious, unit, latest (C.1.5), created (C.1.2),
 *         received (C.1.4) + received_day, first_product, first_event)
 *   versions(id, case_row -> cases.id, version_no, hash (XXH3-128 of the
 *         canonical JSON document), report_id, source, latest, created,
 *         nullified, amendment, valid, arrived, document;
 *         UNIQUE(case_row, hash): re-putting a version is a no-op)
 *   products(version, idx, role, klass, name, ingredient, category)
 *   events(version, idx, term, coded, code, outcome, seriousness)
 *   units, users, sessions (token hash only), audit (append-only: triggers
 *   refuse UPDATE, DELETE and REPLACE), import_runs, settings
 *
 * Dates are stored as E2B digit strings ("2024", "202403", "20240301", ...)
 * which vg_date_parse reads back exactly; received_day is the first day the
 * received date denotes (days since 1970), for range filters.  There is no
 * foreign key from cases.latest_version to versions (the two rows point at
 * each other; the store keeps them consistent in one transaction), nor from
 * products/events.version to versions: those rows are written only right
 * after their version, in the same transaction, and never deleted, and the
 * per-row parent check cost 9 % of bulk put time (docs/PERFORMANCE.md).
 * The PostgreSQL schema (pg.c) keeps those foreign keys.
 */
#include "vg.h"
#include "store/store_int.h"

static const char m1_cases[] =
	"CREATE TABLE cases("
	" id INTEGER PRIMARY KEY,"
	" case_id TEXT NOT NULL UNIQUE,"
	" latest_version INTEGER,"
	" nversions INTEGER NOT NULL DEFAULT 0,"
	" valid INTEGER NOT NULL DEFAULT 0,"
	" nullified INTEGER NOT NULL DEFAULT 0,"
	" deleted INTEGER NOT NULL DEFAULT 0,"
	" duplicate_of TEXT REFERENCES cases(case_id),"
	" status INTEGER NOT NULL DEFAULT 0,"
	" status_comment TEXT,"
	" klass INTEGER NOT NULL DEFAULT 0,"
	" serious INTEGER NOT NULL DEFAULT 0,"
	" unit TEXT,"
	" latest TEXT, created TEXT, received TEXT, received_day INTEGER,"
	" first_product TEXT, first_event TEXT);"
	/* Partial: imported cases have no unit and cost no index entry. */
	"CREATE INDEX cases_unit ON cases(unit, case_id) WHERE unit IS NOT NULL;"
	"CREATE INDEX cases_received ON cases(received_day);"
	"CREATE TABLE versions("
	" id INTEGER PRIMARY KEY,"
	" case_row INTEGER NOT NULL REFERENCES cases(id),"
	" version_no INTEGER NOT NULL,"
	" hash BLOB NOT NULL,"
	" report_id TEXT, source TEXT,"
	" latest TEXT, created TEXT,"
	" nullified INTEGER NOT NULL, amendment INTEGER NOT NULL, valid INTEGER NOT NULL,"
	" arrived INTEGER NOT NULL,"
	" document TEXT NOT NULL,"
	" UNIQUE(case_row, hash));"
	"CREATE TABLE products("
	" version INTEGER NOT NULL,"
	" idx INTEGER NOT NULL,"
	" role INTEGER NOT NULL, klass INTEGER NOT NULL,"
	" name TEXT, ingredient TEXT, category TEXT,"
	" PRIMARY KEY(version, idx)) WITHOUT ROWID;"
	"CREATE TABLE events("
	" version INTEGER NOT NULL,"
	" idx INTEGER NOT NULL,"
	" term TEXT, coded TEXT, code TEXT,"
	" outcome INTEGER NOT NULL, seriousness INTEGER NOT NULL,"
	" PRIMARY KEY(version, idx)) WITHOUT ROWID;";

#define NOW_ISO "(strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
#define APPEND_ONLY "SELECT RAISE(ABORT, 'audit log is append-only');"

static const char m2_accounts[] =
	"CREATE TABLE units("
	" id INTEGER PRIMARY KEY,"
	" code TEXT NOT NULL UNIQUE,"
	" name TEXT, kind TEXT, region TEXT,"
	" beds INTEGER NOT NULL DEFAULT 0,"
	" population REAL NOT NULL DEFAULT 0);"
	"CREATE TABLE users("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" role INTEGER NOT NULL CHECK (role BETWEEN 1 AND 3),"
	" unit TEXT REFERENCES units(code),"
	" pwhash TEXT NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0,"
	" failed_logins INTEGER NOT NULL DEFAULT 0,"
	" locked_until INTEGER NOT NULL DEFAULT 0,"
	" created TEXT NOT NULL DEFAULT " NOW_ISO ");"
	"CREATE TABLE sessions("
	" token_hash TEXT PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" expires INTEGER NOT NULL);"
	"CREATE INDEX sessions_expires ON sessions(expires);"
	"CREATE TABLE audit("
	" id INTEGER PRIMARY KEY,"
	" at TEXT NOT NULL DEFAULT " NOW_ISO ","
	" actor TEXT NOT NULL, action TEXT NOT NULL, object TEXT,"
	" before TEXT, after TEXT);"
	"CREATE INDEX audit_object ON audit(object, id);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN " APPEND_ONLY " END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN " APPEND_ONLY " END;"
	/* INSERT OR REPLACE deletes without firing delete triggers: refuse it. */
	"CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit"
	" WHEN EXISTS (SELECT 1 FROM audit WHERE id = NEW.id) BEGIN " APPEND_ONLY " END;"
	"CREATE TABLE import_runs("
	" id INTEGER PRIMARY KEY,"
	" format TEXT NOT NULL, files TEXT,"
	" started TEXT NOT NULL DEFAULT " NOW_ISO ","
	" finished TEXT,"
	" status TEXT NOT NULL DEFAULT 'running',"
	" rows_read INTEGER NOT NULL DEFAULT 0, rows_rejected INTEGER NOT NULL DEFAULT 0,"
	" cases_added INTEGER NOT NULL DEFAULT 0, versions_added INTEGER NOT NULL DEFAULT 0,"
	" versions_superseded INTEGER NOT NULL DEFAULT 0,"
	" cases_deleted INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE settings("
	" key TEXT PRIMARY KEY,"
	" value TEXT NOT NULL,"
	" updated TEXT NOT NULL DEFAULT " NOW_ISO ");";

/*
 * Migration 3: products and events leave SQLite as tables.  Nothing queried
 * them (the documents hold them, and every reader decodes documents), yet
 * their seven-odd b-tree rows per version were 35 % of bulk put time and
 * 12 % of the file (docs/DECISIONS.md, "products and events tables").  A
 * version now carries its counts, and `totals` keeps the store-wide sums
 * that `vigil info` reports, updated once per transaction.
 */
static const char m3_no_children[] =
	"ALTER TABLE versions ADD COLUMN nproducts INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE versions ADD COLUMN nevents INTEGER NOT NULL DEFAULT 0;"
	"UPDATE versions SET"
	" nproducts = (SELECT count(*) FROM products WHERE version = versions.id),"
	" nevents = (SELECT count(*) FROM events WHERE version = versions.id)"
	" WHERE id IN (SELECT version FROM products UNION SELECT version FROM events);"
	"CREATE TABLE totals("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" products INTEGER NOT NULL, events INTEGER NOT NULL);"
	"INSERT INTO totals VALUES (1, (SELECT count(*) FROM products),"
	" (SELECT count(*) FROM events));"
	"DROP TABLE products;"
	"DROP TABLE events;";

/*
 * Migration 4: documents in the binary form of case/bin.c (half the bytes
 * of JSON, decoded many times faster), hashed as stored; the rewrite of
 * existing JSON documents is C (sqlite_cases.c: vg_sq_m4_binary_documents).
 * docs/DECISIONS.md, "binary documents".
 */
static const char m4_binary[] = "SELECT 1;";

const struct vg_migration vg_sqlite_migrations[] = {
	{1, "cases, versions, products, events", m1_cases, NULL},
	{2, "units, users, sessions, audit, import runs, settings", m2_accounts, NULL},
	{3, "products and events as counts; store-wide totals", m3_no_children, NULL},
	{4, "binary documents, hashed as stored", m4_binary, vg_sq_m4_binary_documents},
};
const size_t vg_sqlite_nmigrations = VG_ARRAY_LEN(vg_sqlite_migrations);
