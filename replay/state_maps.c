/* state_maps.c - the state's building blocks: int64 hash maps, refcounted strings, container ids. */
#include "state_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocation ---- */

/* The state cannot run on with half an update, and replay has nothing to free: stop. */
void *state_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p) {
		fputs("kite: out of memory in the replay state\n", stderr);
		abort();
	}
	return p;
}

/* ---- kmap ---- */

static inline uint32_t kmap_home(int64_t key, uint32_t cap)
{
	return (uint32_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

static void kmap_resize(struct kmap *m, uint32_t cap)
{
	int64_t *keys = state_alloc(cap * sizeof(*keys));
	void **vals = state_alloc(cap * sizeof(*vals));
	for (uint32_t i = 0; i < m->cap; i++) {
		if (!m->vals[i])
			continue;
		uint32_t j = kmap_home(m->keys[i], cap);
		while (vals[j])
			j = (j + 1) & (cap - 1);
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
}

void *kmap_get(const struct kmap *m, int64_t key)
{
	if (!m->n)
		return NULL;
	for (uint32_t i = kmap_home(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (!m->vals[i])
			return NULL;
		if (m->keys[i] == key)
			return m->vals[i];
	}
}

int kmap_put(struct kmap *m, int64_t key, void *val)
{
	if ((m->n + 1) * 2 > m->cap)
		kmap_resize(m, m->cap ? m->cap * 2 : 64);
	uint32_t i = kmap_home(key, m->cap);
	while (m->vals[i]) {
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return 0;
		}
		i = (i + 1) & (m->cap - 1);
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return 0;
}

void kmap_del(struct kmap *m, int64_t key, const void *val)
{
	if (!m->n)
		return;
	uint32_t mask = m->cap - 1, i = kmap_home(key, m->cap);
	while (m->vals[i] && m->keys[i] != key)
		i = (i + 1) & mask;
	if (!m->vals[i] || (val && m->vals[i] != val))
		return;
	/* backward shift: later entries of the run move into the hole unless their home lies after it */
	for (uint32_t j = (i + 1) & mask; m->vals[j]; j = (j + 1) & mask) {
		uint32_t h = kmap_home(m->keys[j], m->cap);
		int between = i <= j ? (h > i && h <= j) : (h > i || h <= j);
		if (between)
			continue;
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		i = j;
	}
	m->vals[i] = NULL;
	m->n--;
	if (m->cap > 64 && m->n * 8 < m->cap)
		kmap_resize(m, m->cap / 2);
}

void kmap_free(struct kmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ---- kstr ---- */

char *kstr_new(const void *p, size_t len)
{
	if (len > UINT32_MAX - 16)
		len = UINT32_MAX - 16;
	struct kstr_hdr *h = malloc(sizeof(*h) + len + 1);
	if (!h) {
		fputs("kite: out of memory in the replay state\n", stderr);
		abort();
	}
	h->refs = 1;
	h->len = (uint32_t)len;
	char *s = (char *)(h + 1);
	if (len)
		memcpy(s, p, len);
	s[len] = '\0';
	const char *nul = memchr(s, '\0', len);
	h->clen = nul ? (uint32_t)(nul - s) : (uint32_t)len;
	return s;
}

/* ---- containers ---- */

static int is_hex64(const char *p)
{
	for (int i = 0; i < 64; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* The 64-hex id a cgroup path component names: "<id>", "docker-<id>.scope", "cri-containerd-<id>", ... */
static const char *component_id(const char *c, size_t n)
{
	static const char *const prefixes[] = {"", "docker-", "cri-containerd-", "crio-", "libpod-"};
	if (n > 6 && !memcmp(c + n - 6, ".scope", 6))
		n -= 6;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);
		if (n == pl + 64 && !memcmp(c, prefixes[i], pl) && is_hex64(c + pl))
			return c + pl;
	}
	return NULL;
}

/* The full id in the first cgroup line that names a container (its innermost component), or NULL. */
static const char *cgroups_full_id(const char *cg, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && cg[end] != '\0' && cg[end] != '\n')
			end++;
		/* "hierarchy:controllers:path" (/proc/PID/cgroup), or "subsys=path" (.scap captures) */
		const char *path = NULL;
		int colons = 0;
		for (size_t k = i; k < end && !path; k++)
			if (cg[k] == ':' && ++colons == 2)
				path = cg + k + 1;
			else if (cg[k] == '=' && colons == 0)
				path = cg + k + 1;
		const char *found = NULL;
		for (const char *c = path; c && c < cg + end;) {
			const char *slash = memchr(c, '/', (size_t)(cg + end - c));
			const char *ce = slash ? slash : cg + end;
			const char *id = component_id(c, (size_t)(ce - c));
			if (id)
				found = id;
			c = slash ? slash + 1 : NULL;
		}
		if (found)
			return found;
		i = end + 1;
	}
	return NULL;
}

void kite_container_id_from_cgroups(const char *cgroups, size_t len, char out[13])
{
	const char *id = cgroups ? cgroups_full_id(cgroups, len) : NULL;
	if (id)
		memcpy(out, id, 12);
	out[id ? 12 : 0] = '\0';
}

struct kite_container *container_intern(struct kite_state *s, const char *full, size_t len)
{
	char key_hex[13];
	if (len < 12)
		return NULL;
	memcpy(key_hex, full, 12);
	key_hex[12] = '\0';
	int64_t key = (int64_t)strtoull(key_hex, NULL, 16);
	struct kite_container *k = kmap_get(&s->containers, key);
	if (k)
		return k;
	k = state_alloc(sizeof(*k));
	memcpy(k->id, key_hex, sizeof(k->id));
	k->full_id = state_alloc(65);
	memcpy(k->full_id, full, len < 64 ? len : 64);
	k->privileged = -1;
	kmap_put(&s->containers, key, k);
	return k;
}

void proc_set_cgroups(struct kite_state *s, struct proc *p, const char *cg, size_t len)
{
	struct kite_proc *pp = &p->pub;
	if (pp->cgroups && pp->cgroups_len == len && !memcmp(pp->cgroups, cg, len))
		return; /* the usual case: an exec in the same cgroups */
	kstr_put(pp->cgroups);
	pp->cgroups = len ? kstr_new(cg, len) : NULL;
	pp->cgroups_len = (uint32_t)len;
	const char *full = len ? cgroups_full_id(cg, len) : NULL;
	pp->container = full ? container_intern(s, full, 64) : NULL;
}

void container_free(struct kite_container *k)
{
	free(k->full_id);
	free(k->name);
	free(k->image);
	free(k->image_repository);
	free(k->image_tag);
	free(k->image_id);
	free(k->type);
	free(k->mounts);
	free(k);
}
