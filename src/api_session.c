/*
 * api_session.c - GET /api/v1/context: what a client needs of its session
 * before it draws anything, in one request and one read transaction: the
 * caller and the workspace (GET /me), the stages (GET /stages), the users
 * (GET /users) and the caller's saved views (GET /views), each as its own
 * route answers it. The web app asks for it with the first page's data.
 */
#include "api_int.h"
#include "repr.h"

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
		json_t *sa, *ua, *va;

		API_JSON_ARRAY(sa, stages.v, stages.n, stage_json);
		API_JSON_ARRAY(ua, users.v, users.n, user_json);
		API_JSON_ARRAY(va, views.v, views.n, api_view_json);
		/* json_pack releases what it was given when one of them is NULL */
		o = json_pack("{s:o,s:o,s:o,s:o,s:o}", "user", user_json(&u), "workspace",
			      workspace_json(&w), "stages", sa, "users", ua, "views", va);
		rc = o ? 0 : ERR_NOMEM;
	}
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
