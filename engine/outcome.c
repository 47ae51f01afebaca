/*
 * engine/outcome.h: pure decisions from an environment's outcome to the
 * answer of an invocation, and the one builder of Lambda's own bodies.
 * Called by the invoker; tested by tests/unit/test_outcome.c.
 */
#include "engine/outcome.h"
#include "base/util.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

struct outcome outcome_of_call(enum env_outcome how, int has_body) {
    struct outcome o = {1, OUTCOME_EXIT, 0};
    switch (how) {
    case ENV_OK:
        o.function_error = 0;
        o.body = has_body ? OUTCOME_RUNTIME : OUTCOME_NULL;
        break;
    case ENV_FUNCTION_ERROR:
        o.body = has_body ? OUTCOME_RUNTIME : OUTCOME_UNHANDLED;
        break;
    case ENV_TIMEOUT:
        o.body = OUTCOME_TASK_TIMEOUT;
        o.timed_out = 1;
        break;
    case ENV_TOO_LARGE:
        o.body = OUTCOME_TOO_LARGE;
        break;
    case ENV_INIT_ERROR:
    case ENV_EXITED:
        break;
    }
    return o;
}

enum outcome_body outcome_of_init(int start_rc, enum env_outcome how, const char *body,
                                  size_t nbody, int provided) {
    if (how == ENV_INIT_ERROR && body && nbody) return OUTCOME_RUNTIME;
    if (how == ENV_TIMEOUT) return OUTCOME_INIT_TIMEOUT;
    if (start_rc != 0) {
        if (provided && body && strstr(body, "Permission denied")) return OUTCOME_BOOTSTRAP_DENIED;
        return provided ? OUTCOME_NO_BOOTSTRAP : OUTCOME_NOT_STARTED;
    }
    return OUTCOME_EXIT;
}

/* Why a runtime died, in the words of docs/aws-reference.md B (Runtime
 * died), from its waitpid STATUS. */
static void exit_reason(char *out, size_t n, int status) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        snprintf(out, n, "Runtime exited without providing a reason");
    else if (WIFEXITED(status))
        snprintf(out, n, "Runtime exited with error: exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, n, "Runtime exited with error: signal: %s",
                 WTERMSIG(status) == SIGKILL ? "killed" : strsignal(WTERMSIG(status)));
    else
        snprintf(out, n, "Runtime exited without providing a reason");
}

/* Room for a message: a code directory path (up to 4096 bytes) plus the
 * words around it, or env_start's message (up to 512). */
#define OUTCOME_MESSAGE_MAX 4600

char *outcome_body_text(enum outcome_body body, const struct outcome_ctx *c) {
    const char *type = NULL;
    char msg[OUTCOME_MESSAGE_MAX];
    char why[96];
    int message_first = 0;
    switch (body) {
    case OUTCOME_RUNTIME:
        return NULL;
    case OUTCOME_NULL:
        return xstrdup("null");
    case OUTCOME_UNHANDLED:
        type = c->error_type && c->error_type[0] ? c->error_type : "Unhandled";
        msg[0] = '\0';
        break;
    case OUTCOME_TASK_TIMEOUT:
        type = "Sandbox.Timedout";
        snprintf(msg, sizeof(msg), "RequestId: %s Error: Task timed out after %.2f seconds",
                 c->request_id, c->timeout_s);
        break;
    case OUTCOME_TOO_LARGE:
        type = "Function.ResponseSizeTooLarge";
        snprintf(msg, sizeof(msg), "Response payload size exceeded maximum allowed payload size "
                                   "(6291556 bytes).");
        message_first = 1;
        break;
    case OUTCOME_EXIT:
        type = "Runtime.ExitError";
        exit_reason(why, sizeof(why), c->exit_status);
        snprintf(msg, sizeof(msg), "RequestId: %s Error: %s", c->request_id, why);
        break;
    case OUTCOME_INIT_TIMEOUT:
        type = "Runtime.InitTimeout";
        snprintf(msg, sizeof(msg), "RequestId: %s Error: Init timed out after %.2f seconds",
                 c->request_id, c->timeout_s);
        break;
    case OUTCOME_BOOTSTRAP_DENIED:
        type = "Runtime.InvalidEntrypoint";
        snprintf(msg, sizeof(msg), "RequestId: %s Error: fork/exec %s/bootstrap: permission denied",
                 c->request_id, c->code_dir);
        break;
    case OUTCOME_NO_BOOTSTRAP:
        type = "Runtime.InvalidEntrypoint";
        snprintf(msg, sizeof(msg), "RequestId: %s Error: Couldn't find valid bootstrap(s): "
                 "[%s/bootstrap /opt/bootstrap]", c->request_id, c->code_dir);
        break;
    case OUTCOME_NOT_STARTED:
        type = "Runtime.InvalidEntrypoint";
        snprintf(msg, sizeof(msg), "RequestId: %s Error: %s", c->request_id,
                 c->detail ? c->detail : "could not start the runtime");
        break;
    }
    cJSON *o = cJSON_CreateObject();
    if (message_first) cJSON_AddStringToObject(o, "errorMessage", msg);
    cJSON_AddStringToObject(o, "errorType", type);
    if (!message_first) cJSON_AddStringToObject(o, "errorMessage", msg);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

void outcome_report_type(char *out, size_t n, const char *header, const char *body) {
    if (header && header[0]) {
        snprintf(out, n, "%s", header);
        return;
    }
    cJSON *parsed = body ? cJSON_Parse(body) : NULL;
    const cJSON *et = parsed ? cJSON_GetObjectItemCaseSensitive(parsed, "errorType") : NULL;
    snprintf(out, n, "%s", cJSON_IsString(et) ? et->valuestring : "Runtime.Unknown");
    cJSON_Delete(parsed);
}
