/* state_container.c - container metadata events (from .scap captures): name, image, privileged, type of a container id. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "state_int.h"

/* libsinsp's container types, by number, as Falco prints container.type. */
static const char *container_type(long t)
{
	static const char *const names[] = {"docker", "lxc",    "libvirt-lxc", "mesos",
	                                    "rkt",    "custom", "cri",         "containerd",
	                                    "cri-o",  "bpm",    "static",      "podman"};
	return t >= 0 && t < (long)(sizeof(names) / sizeof(names[0])) ? names[t] : NULL;
}

static void set_str(char **dst, const char *v)
{
	if (!v)
		return;
	free(*dst);
	*dst = strdup(v);
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Falco's container JSON: {"container": {"id", "name", "image", "imagerepo", "imagetag", "imageid", "privileged", "type", ...}}. */
static void from_json(struct kite_state *s, const char *text, size_t len)
{
	json_error_t err;
	json_t *root = json_loadb(text, len, 0, &err);
	json_t *c = root ? json_object_get(root, "container") : NULL;
	const char *id = c ? jstr(c, "id") : NULL;
	struct kite_container *k = id ? container_intern(s, id, strlen(id)) : NULL;
	if (k) {
		set_str(&k->name, jstr(c, "name"));
		set_str(&k->image, jstr(c, "image"));
		set_str(&k->image_repository, jstr(c, "imagerepo"));
		set_str(&k->image_tag, jstr(c, "imagetag"));
		set_str(&k->image_id, jstr(c, "imageid"));
		json_t *p = json_object_get(c, "privileged");
		if (json_is_boolean(p))
			k->privileged = json_is_true(p);
		json_t *t = json_object_get(c, "type");
		if (json_is_integer(t))
			set_str(&k->type, container_type((long)json_integer_value(t)));
	}
	json_decref(root);
}

void on_container(struct kite_state *s, struct kite_ctx *c, const struct evinfo *ei)
{
	const char *v;
	uint16_t n = pget_s(c, ei->pos[P_JSON], &v);
	if (n) {
		from_json(s, v, n);
		return;
	}
	/* the older form: id, type, name, image as parameters */
	n = pget_s(c, ei->pos[P_ID], &v);
	char id[65];
	if (n < 12 || n > 64)
		return;
	memcpy(id, v, n);
	id[n] = '\0';
	struct kite_container *k = container_intern(s, id, n);
	if (!k)
		return;
	const int pos[] = {ei->pos[P_NAME], ei->pos[P_IMAGE]};
	char **dst[] = {&k->name, &k->image};
	for (int i = 0; i < 2; i++) {
		n = pget_s(c, pos[i], &v);
		if (n) {
			free(*dst[i]);
			*dst[i] = strndup(v, n);
		}
	}
	uint64_t t;
	if (pget_u(c, ei->pos[P_TYPE], &t))
		set_str(&k->type, container_type((long)t));
}
