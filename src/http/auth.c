/*
 * auth.c - passwords, session tokens, the session cache, login throttling.
 *
 * Passwords: argon2id through libsodium's crypto_pwhash_str; the encoded
 * string carries its own parameters, so verification needs no setting and
 * a hash made with test-only MIN limits stays verifiable.
 *
 * Tokens: 32 bytes from randombytes_buf, sent to the client as 43 chars of
 * base64url.  The store keeps only BLAKE2b-256(token) in hex (a stolen
 * database yields no usable token), with an expiry time.
 *
 * Session cache: authenticated reads must not cost a database lookup each
 * (the read target is 20,000/s), so a direct-mapped table of 8,192 slots
 * keyed by token hash holds {user, role, unit, expires}.  An entry is
 * trusted for CACHE_TTL seconds, then checked against the store again, so a
 * user disabled or a session deleted by another process stops working
 * within that time; changes made through this server purge at once.
 *
 *   slot = xxh3(token_hash) & (SLOTS-1)  -> {hash, user, expires, checked}
 *
 * Login throttling (per address, here; per account, in routes_auth.c via
 * the user's failed_logins/locked_until columns): an address that fails
 * cfg->login_fail_addr times within cfg->login_window_s gets 429 until the
 * window ends.  The table is small and direct-mapped; a collision resets a
 * slot, which errs toward letting a client try again, never locking out
 * an innocent address for another's failures.
 */
#include "vg.h"
#include "util/util.h"
#include "store/store.h"
#include "http/http_int.h"

#include <sodium.h>
#include <time.h>

#define SLOTS 8192
#define ADDR_SLOTS 1024
#define CACHE_TTL 30

struct sess {
	char hash[65];
	struct vg_http_user user;
	int64_t expires, checked;
};

struct addr_slot {
	char addr[64];
	unsigned fails;
	int64_t window_start;
};

struct vg_auth {
	pthread_rwlock_t lock;
	struct sess *slots;
	pthread_mutex_t addr_mu;
	struct addr_slot *addrs;
	unsigned addr_max, window;
	char dummy[VG_HTTP_PWHASH_MAX];
};

static int64_t now_s(void) { return (int64_t)time(NULL); }

int vg_http_pwcost_parse(const char *s)
{
	if (!s || strcmp(s, "interactive") == 0)
		return VG_PWCOST_INTERACTIVE;
	if (strcmp(s, "moderate") == 0)
		return VG_PWCOST_MODERATE;
	if (strcmp(s, "min") == 0)
		return VG_PWCOST_MIN;
	return -1;
}

int vg_http_pwhash(const char *password, int cost, char out[VG_HTTP_PWHASH_MAX],
                   struct vg_err *err)
{
	unsigned long long ops = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
	size_t mem = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
	size_t n = password ? strlen(password) : 0;

	if (sodium_init() < 0)
		return vg_err_set(err, VG_EINTERNAL, NULL, "libsodium did not initialise");
	if (n == 0 || n > 1024)
		return vg_err_set(err, VG_EINVAL, "password", "password must be 1 to 1024 bytes");
	if (cost == VG_PWCOST_MODERATE) {
		ops = crypto_pwhash_argon2id_OPSLIMIT_MODERATE;
		mem = crypto_pwhash_argon2id_MEMLIMIT_MODERATE;
	} else if (cost == VG_PWCOST_MIN) {
		ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
		mem = crypto_pwhash_argon2id_MEMLIMIT_MIN;
	}
	if (crypto_pwhash_str_alg(out, password, n, ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return vg_err_set(err, VG_ENOMEM, NULL, "argon2id could not get its memory");
	return 0;
}

bool vg_http_pwverify(const char *hash, const char *password)
{
	if (!hash || !password || sodium_init() < 0)
		return false;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void vg_auth_token_hash(const char *token, char out[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

void vg_auth_token_new(char out[64])
{
	unsigned char b[32];

	randombytes_buf(b, sizeof(b));
	sodium_bin2base64(out, 64, b, sizeof(b), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

struct vg_auth *vg_auth_new(const struct vg_http_config *cfg, struct vg_err *err)
{
	struct vg_auth *a;

	if (sodium_init() < 0) {
		vg_err_set(err, VG_EINTERNAL, NULL, "libsodium did not initialise");
		return NULL;
	}
	a = vg_xcalloc(1, sizeof(*a));
	a->slots = vg_xcalloc(SLOTS, sizeof(*a->slots));
	a->addrs = vg_xcalloc(ADDR_SLOTS, sizeof(*a->addrs));
	a->addr_max = cfg->login_fail_addr ? cfg->login_fail_addr : 20;
	a->window = cfg->login_window_s ? cfg->login_window_s : 600;
	pthread_rwlock_init(&a->lock, NULL);
	pthread_mutex_init(&a->addr_mu, NULL);
	/* Unknown user names are checked against this, so that their timing
	 * matches a real account's. */
	if (vg_http_pwhash("vigil-dummy-password", cfg->pwcost, a->dummy, err) != 0) {
		vg_auth_free(a);
		return NULL;
	}
	return a;
}

void vg_auth_free(struct vg_auth *a)
{
	if (!a)
		return;
	pthread_rwlock_destroy(&a->lock);
	pthread_mutex_destroy(&a->addr_mu);
	free(a->slots);
	free(a->addrs);
	free(a);
}

const char *vg_auth_dummy_hash(struct vg_auth *a) { return a->dummy; }

static struct sess *slot_of(struct vg_auth *a, const char *hash)
{
	return &a->slots[vg_hash64(hash, 64) & (SLOTS - 1)];
}

void vg_auth_remember(struct vg_auth *a, const char *token_hash, const struct vg_http_user *u,
                      int64_t expires)
{
	struct sess *s = slot_of(a, token_hash);

	pthread_rwlock_wrlock(&a->lock);
	vg_strlcpy(s->hash, token_hash, sizeof(s->hash));
	s->user = *u;
	s->expires = expires;
	s->checked = now_s();
	pthread_rwlock_unlock(&a->lock);
}

void vg_auth_forget_token(struct vg_auth *a, const char *token_hash)
{
	struct sess *s = slot_of(a, token_hash);

	pthread_rwlock_wrlock(&a->lock);
	if (strcmp(s->hash, token_hash) == 0)
		memset(s, 0, sizeof(*s));
	pthread_rwlock_unlock(&a->lock);
}

void vg_auth_forget_user(struct vg_auth *a, int64_t user_id)
{
	pthread_rwlock_wrlock(&a->lock);
	for (size_t i = 0; i < SLOTS; i++)
		if (a->slots[i].hash[0] && a->slots[i].user.id == user_id)
			memset(&a->slots[i], 0, sizeof(a->slots[i]));
	pthread_rwlock_unlock(&a->lock);
}

int vg_auth_sessions(struct vg_auth *a)
{
	int n = 0;
	int64_t now = now_s();

	pthread_rwlock_rdlock(&a->lock);
	for (size_t i = 0; i < SLOTS; i++)
		n += a->slots[i].hash[0] && a->slots[i].expires > now;
	pthread_rwlock_unlock(&a->lock);
	return n;
}

static bool cache_get(struct vg_auth *a, const char *hash, struct vg_http_user *u)
{
	struct sess *s = slot_of(a, hash);
	int64_t now = now_s();
	bool hit;

	pthread_rwlock_rdlock(&a->lock);
	hit = strcmp(s->hash, hash) == 0 && s->expires > now && now - s->checked < CACHE_TTL;
	if (hit)
		*u = s->user;
	pthread_rwlock_unlock(&a->lock);
	return hit;
}

struct find_user {
	int64_t id;
	struct vg_http_user *u;
	bool found, disabled;
};

static int find_user_cb(const struct vg_user *u, void *ctx)
{
	struct find_user *f = ctx;

	if (u->id != f->id)
		return 0;
	f->found = true;
	f->disabled = u->disabled;
	f->u->id = u->id;
	f->u->role = u->role;
	vg_strlcpy(f->u->name, u->name ? u->name : "", sizeof(f->u->name));
	vg_strlcpy(f->u->unit, u->unit ? u->unit : "", sizeof(f->u->unit));
	return 1;
}

/* The store's view of a token: session row, then its user. */
static int db_lookup(struct vg_req *r, const char *hash, struct vg_http_user *u)
{
	struct vg_err err = VG_ERR_INIT;
	struct vg_store *st = vg_req_store(r, &err);
	struct find_user f = {0, u, false, false};
	int64_t uid = 0;

	if (!st || vg_store_session_get(st, hash, now_s(), &uid, &err) != 0)
		return VG_EAUTH;
	f.id = uid;
	vg_store_user_list(st, find_user_cb, &f, &err);
	if (!f.found || f.disabled)
		return VG_EAUTH;
	return 0;
}

int vg_auth_check(struct vg_auth *a, struct vg_req *r, const char *token)
{
	struct vg_http_user u;

	if (strlen(token) > 128)
		return VG_EAUTH;
	vg_auth_token_hash(token, r->token_hash);
	if (cache_get(a, r->token_hash, &u)) {
		r->user = u;
		return 0;
	}
	if (db_lookup(r, r->token_hash, &u) != 0) {
		vg_auth_forget_token(a, r->token_hash);
		return VG_EAUTH;
	}
	/* The session's expiry is not returned by the store; trust the entry
	 * for CACHE_TTL and ask again then (the store checks expiry). */
	vg_auth_remember(a, r->token_hash, &u, now_s() + CACHE_TTL);
	r->user = u;
	return 0;
}

static struct addr_slot *addr_slot(struct vg_auth *a, const char *addr)
{
	struct addr_slot *s = &a->addrs[vg_hash64(addr, strlen(addr)) & (ADDR_SLOTS - 1)];

	if (strcmp(s->addr, addr) != 0 || now_s() - s->window_start >= (int64_t)a->window) {
		vg_strlcpy(s->addr, addr, sizeof(s->addr));
		s->fails = 0;
		s->window_start = now_s();
	}
	return s;
}

int64_t vg_auth_addr_blocked(struct vg_auth *a, const char *addr)
{
	int64_t wait = 0;

	pthread_mutex_lock(&a->addr_mu);
	struct addr_slot *s = addr_slot(a, addr);
	if (s->fails >= a->addr_max)
		wait = s->window_start + a->window - now_s();
	pthread_mutex_unlock(&a->addr_mu);
	return wait > 0 ? wait : 0;
}

void vg_auth_addr_failed(struct vg_auth *a, const char *addr)
{
	pthread_mutex_lock(&a->addr_mu);
	addr_slot(a, addr)->fails++;
	pthread_mutex_unlock(&a->addr_mu);
}
