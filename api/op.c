/*
 * The operation runner (api/op.h): lookup helpers and the one place where
 * a handler is wrapped in its transaction.
 */
#include "api/op.h"
#include "api/aws_error.h"
#include "api/request.h"
#include "api/validate.h"
#include "base/util.h"
#include "storage/store.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static int op_name_cmp(const void *key, const void *elem) {
    return strcmp(key, ((const struct op *)elem)->name);
}

const struct op *op_by_target(const struct service *svc, struct req *req) {
    const char *target = req_header(req, "X-Amz-Target");
    const char *dot = target ? strchr(target, '.') : NULL;
    if (dot == NULL) return NULL;
    return bsearch(dot + 1, svc->ops, svc->nops, sizeof(svc->ops[0]), op_name_cmp);
}

const struct op *op_find_target(const struct service *svc, struct req *req, struct op_in *in) {
    (void)in;
    const struct op *op = op_by_target(svc, req);
    if (op == NULL) req_fail(req, svc->unknown_op, "%s", "");
    return op;
}

/* Matches PATH (raw, no query) against TMPL. On success stores decoded
 * captures in CAPS (owned) and returns 1; returns 0 on no match, -1 when a
 * capture is not valid percent-encoding. */
static int match(const char *tmpl, const char *path, char *caps[2]) {
    const char *t = tmpl, *p = path;
    char *got[2] = {NULL, NULL};
    int rc = 0;
    while (*t && *p) {
        if (*t == '{') {
            const char *tend = strchr(t, '}');
            size_t n = strcspn(p, "/");
            if (n == 0) break;
            char *v = util_pct_decode(p, n);
            if (v == NULL) {
                rc = -1;
                goto done;
            }
            int slot = t[1] == 'F' ? 0 : 1;
            free(got[slot]);
            got[slot] = v;
            t = tend + 1;
            p += n;
            continue;
        }
        if (*t != *p) break;
        t++, p++;
    }
    /* A trailing slash is tolerated, as AWS's front end does. */
    if (*t == '\0' && (*p == '\0' || (p[0] == '/' && p[1] == '\0'))) {
        caps[0] = got[0];
        caps[1] = got[1];
        return 1;
    }
done:
    free(got[0]);
    free(got[1]);
    return rc;
}

int op_path_match(const char *tmpl, const char *path) {
    char *caps[2] = {NULL, NULL};
    int m = match(tmpl, path, caps);
    free(caps[0]);
    free(caps[1]);
    return m == 1;
}

const struct op *op_by_path(const struct service *svc, const char *method, const char *path,
                            struct op_in *in, int *bad) {
    *bad = 0;
    for (size_t i = 0; i < svc->nops; i++) {
        const struct op *op = &svc->ops[i];
        if (strcmp(op->method, method) != 0) continue;
        char *caps[2] = {NULL, NULL};
        int m = match(op->path, path, caps);
        if (m < 0) {
            *bad = 1;
            return NULL;
        }
        if (m == 0) continue;
        if (in) {
            in->fn = caps[0];
            in->sub = caps[1];
        } else {
            free(caps[0]);
            free(caps[1]);
        }
        return op;
    }
    return NULL;
}

struct group_job {
    const struct service *svc;
    const struct op *op;
    struct req *req;
    struct op_in *in;
};

/* store_group_run's callback: the handler inside the shared transaction;
 * -1 has the group writer undo this job's work. */
static int group_job_run(void *ctx) {
    struct group_job *j = ctx;
    if (j->svc->group_job) j->svc->group_job();
    return j->op->fn(j->req, j->in) == 0 && j->req->err == NULL ? 0 : -1;
}

/* Runs OP's handler in the transaction its flags ask for. Returns 1 when
 * the handler succeeded and its work (if any) is committed. */
static int run_in_txn(const struct service *svc, const struct op *op, struct req *req,
                      struct op_in *in) {
    int rc;
    if (op->flags & OP_GROUP) {
        /* Item writes share commits: the group writer runs the handler and
         * returns only after the COMMIT that holds it. */
        struct group_job j = {svc, op, req, in};
        rc = store_group_run(group_job_run, &j);
        if (req->err != NULL) return 0; /* its work was undone; its error stands */
        if (rc != STORE_OK) {
            /* The work is not in the database: no 200 for it. */
            req->status = 0;
            svc->store_fail(req, rc);
            return 0;
        }
        return 1;
    }
    if (op->flags & OP_WRITE) {
        rc = store_begin(1);
        if (rc != STORE_OK) {
            svc->store_fail(req, rc);
            return 0;
        }
        if (op->fn(req, in) != 0 || req->err != NULL) {
            store_rollback();
            return 0;
        }
        rc = store_commit();
        if (rc != STORE_OK) {
            req->status = 0;
            svc->store_fail(req, rc);
            return 0;
        }
        return 1;
    }
    if (svc->read_snapshot) {
        rc = store_begin(0);
        if (rc != STORE_OK) {
            svc->store_fail(req, rc);
            return 0;
        }
        int ok = op->fn(req, in) == 0 && req->err == NULL;
        store_rollback();
        return ok;
    }
    return op->fn(req, in) == 0 && req->err == NULL;
}

void op_run(const struct service *svc, struct req *req) {
    struct op_in in;
    memset(&in, 0, sizeof(in));
    const struct op *op = svc->find(svc, req, &in);
    if (op == NULL) goto done;
    if (svc->parse && svc->parse(req, &in) != 0) goto done;
    if (!run_in_txn(svc, op, req, &in)) goto done;
    if (req->keep_tree && in.out) {
        /* An in-process call (api/call.h) reads the tree, not the XML. */
        req->out_tree = in.out;
        in.out = NULL;
        req->status = 200;
    } else if (svc->reply) {
        svc->reply(req, &in);
    }
    if (op->after_commit) op->after_commit();
done:
    free(in.fn);
    free(in.sub);
    free(in.action);
    cJSON_Delete(in.json);
    cJSON_Delete(in.out);
}

int op_parse_json(struct req *req, struct op_in *in) {
    if (json_body(req, &in->json) == 0) return 0;
    /* Same message, the JSON services' error kind. */
    char *msg = req->err_msg;
    req->err_msg = NULL;
    req_fail(req, &AWSERR_DDB_SERIALIZATION, "%s", msg ? msg : "Malformed JSON request body");
    free(msg);
    return -1;
}

int op_parse_json_nonempty(struct req *req, struct op_in *in) {
    if (req->nbody == 0)
        return req_fail(req, &AWSERR_DDB_SERIALIZATION, "Start of structure or map found where not expected.");
    return op_parse_json(req, in);
}
