/*
 * api_session.c - GET /api/v1/context: what a client needs of its session
 * before it draws anything, in one request and one read transaction: the
 * caller and the workspace (GET /me), the stages (GET /stages), the users
 * (GET /users) and the caller's saved views (GET /views), each as its own
 * route answers it. The web app asks for it with the first page's data.
 */
#include "api_int.h"
#include "repr.h"

/*
 * items_put sets o[name] to the JSON array of the n records at v (each size
 * bytes), one(record) each; 0, or ERR_NOMEM.
 */
static int items_put(json_t *o, const char *name, const void *v, size_t n, size_t size,
		     json_t *(*one)(const void *))
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++)
		if (json_array_append_new(arr, one((const char *)v + i * size)) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	return arr && json_object_set_new(o, name, arr) == 0 ? 0 : ERR_NOMEM;
}

static json_t *stage_one(const void *s)
{
	return stage_json(s);
}

static json_t *user_one(const void *u)
{
	return user_json(u);
}

static json_t *view_one(const void *v)
{
	return api_view_json(v);
}

static int h_context(struct call *c)
{
	struct user u;
	struct workspace w;
	struct stage_list stages = {0};
	struct user_list users = {0};
	struct saved_view_list views = {0};
	json_t *o = NULL;
	int rc;

	rc = svc_user_get(c->st, &c->actor, c->actor.user_id, &u, &c->e);
	if (rc == 0)
		rc = svc_workspace_get(c->st, &c->actor, &w, &c->e);
	if (rc == 0)
		rc = svc_stage_list(c->st, &c->actor, &stages, &c->e);
	if (rc == 0)
		rc = svc_user_list(c->st, &c->actor, &users, &c->e);
	if (rc == 0)
		rc = svc_view_list(c->st, &c->actor, &views, &c->e);
	if (rc == 0) {
		o = json_pack("{s:o,s:o}", "user", user_json(&u), "workspace", workspace_json(&w));
		rc = o ? 0 : ERR_NOMEM;
	}
	if (rc == 0)
		rc = items_put(o, "stages", stages.v, stages.n, sizeof(*stages.v), stage_one);
	if (rc == 0)
		rc = items_put(o, "users", users.v, users.n, sizeof(*users.v), user_one);
	if (rc == 0)
		rc = items_put(o, "views", views.v, views.n, sizeof(*views.v), view_one);
	stage_list_release(&stages);
	user_list_release(&users);
	saved_view_list_release(&views);
	if (rc != 0) {
		json_decref(o);
		return rc;
	}
	return api_reply(c, 200, o);
}

const struct route api_session_routes[API_SESSION_NROUTES] = {
    {"GET", "/context", h_context, API_AUTH | R_READ, "user"},
};
const size_t api_session_nroutes = sizeof(api_session_routes) / sizeof(api_session_routes[0]);
