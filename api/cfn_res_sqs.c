/*
 * AWS::SQS::Queue and AWS::SQS::QueuePolicy (api/cfn_type.h), through
 * SQS's own JSON operations (X-Amz-Target AmazonSQS.*: CreateQueue,
 * GetQueueUrl, GetQueueAttributes, SetQueueAttributes, TagQueue,
 * UntagQueue, DeleteQueue), so a template gets SQS's checks and
 * messages. Identity, attributes and in-place properties:
 * docs/cloudformation-reference.md, sections 1.1 to 1.3; property shapes:
 * AWS CloudFormation User Guide, "AWS::SQS::Queue", "AWS::SQS::QueuePolicy".
 * The queue URL (Ref) is the one CreateQueue answers, which points at
 * sluice's own host.
 */
#include "api/cfn_res_svc.h"
#include "base/util.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQS_TITLE "Sqs"
#define SQS_NO_QUEUE "AWS.SimpleQueueService.NonExistentQueue"

/* Queue names are at most 80 characters, a FIFO queue's ending in
 * ".fifo" (Amazon SQS Developer Guide, "Amazon SQS queue quotas"). */
#define QUEUE_NAME_MAX 80
#define FIFO_SUFFIX ".fifo"

/* Physical ids of AWS::SQS::QueuePolicy: made up, as CloudFormation does
 * (primaryIdentifier Id); the length is ours. */
#define QUEUE_POLICY_ID_MAX 64

/* The queue attributes a template sets, and the value each returns to
 * when an update removes it (CreateQueue's defaults, as engine/sqs.c
 * gives them; "" clears a policy). FIFO-only ones have no reset here. */
static const struct {
    const char *name, *reset;
} queue_attrs[] = {
    {"ContentBasedDeduplication", NULL},
    {"DeduplicationScope", NULL},
    {"DelaySeconds", "0"},
    {"FifoQueue", NULL},
    {"FifoThroughputLimit", NULL},
    {"KmsDataKeyReusePeriodSeconds", "300"},
    {"KmsMasterKeyId", ""},
    {"MaximumMessageSize", "1048576"},
    {"MessageRetentionPeriod", "345600"},
    {"ReceiveMessageWaitTimeSeconds", "0"},
    {"RedriveAllowPolicy", ""},
    {"RedrivePolicy", ""},
    {"SqsManagedSseEnabled", NULL},
    {"VisibilityTimeout", "30"},
};

/* Runs AmazonSQS.OP with BODY (taken); as iam() in cfn_res_iam.c:
 * IGNORE is an error code counted as success, *OUT the reply (set only
 * when the call itself succeeded). */
static int sqs(const struct cfn_res *r, const char *op, cJSON *body, const char *ignore, cJSON **out, char **err) {
    char target[64];
    snprintf(target, sizeof(target), "AmazonSQS.%s", op);
    struct call c;
    int rc = cfnr_json(r, "sqs", target, body, &c);
    cJSON_Delete(body);
    int ok = rc == 0;
    if (rc != 0 && ignore && c.code && strcmp(c.code, ignore) == 0) rc = 0;
    else if (rc != 0) cfnr_fail(&c, SQS_TITLE, err);
    if (ok && out) {
        *out = c.out;
        c.out = NULL;
    }
    call_clear(&c);
    return rc;
}

static cJSON *url_body(const char *url) {
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "QueueUrl", url);
    return b;
}

static int is_fifo(const cJSON *props) { return cfnr_true(cJSON_GetObjectItemCaseSensitive(props, "FifoQueue")); }

/* The Attributes map CreateQueue takes for PROPS: every attribute as SQS
 * text (a RedrivePolicy object becomes its JSON). FifoQueue false and a
 * standard queue's ContentBasedDeduplication false are left out, as SQS
 * takes neither on a standard queue. Pure; a new object. */
static cJSON *queue_attributes(const cJSON *props) {
    cJSON *a = cJSON_CreateObject();
    int fifo = is_fifo(props);
    for (size_t i = 0; i < sizeof(queue_attrs) / sizeof(queue_attrs[0]); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, queue_attrs[i].name);
        if (v == NULL) continue;
        const char *n = queue_attrs[i].name;
        if (!fifo && !cfnr_true(v) && (strcmp(n, "FifoQueue") == 0 || strcmp(n, "ContentBasedDeduplication") == 0))
            continue;
        char *z = cfnr_text(v);
        cJSON_AddStringToObject(a, queue_attrs[i].name, z);
        free(z);
    }
    return a;
}

/* CloudFormation's Tags list as SQS's tag map. */
static cJSON *tag_map(const cJSON *tags) {
    cJSON *m = cJSON_CreateObject();
    const cJSON *t;
    cJSON_ArrayForEach(t, tags) {
        const char *k = cfnr_str(t, "Key"), *v = cfnr_str(t, "Value");
        if (k && v) cJSON_AddStringToObject(m, k, v);
    }
    return m;
}

/* The attributes of queue URL: Arn (GetQueueAttributes), QueueName,
 * QueueUrl. */
static int queue_attrs_out(struct cfn_res *r, const char *url, const char *name, char **err) {
    cJSON *b = url_body(url), *out = NULL;
    cJSON_AddItemToObject(b, "AttributeNames", cJSON_CreateStringArray((const char *const[]){"QueueArn"}, 1));
    if (sqs(r, "GetQueueAttributes", b, NULL, &out, err) != 0) return -1;
    const char *arn = cfnr_str(cJSON_GetObjectItemCaseSensitive(out, "Attributes"), "QueueArn");
    r->new_attrs = cJSON_CreateObject();
    cJSON_AddStringToObject(r->new_attrs, "Arn", arn ? arn : "");
    cJSON_AddStringToObject(r->new_attrs, "QueueName", name);
    cJSON_AddStringToObject(r->new_attrs, "QueueUrl", url);
    cJSON_Delete(out);
    return 0;
}

/* The queue's name: QueueName, or a generated one ending ".fifo" for a
 * FIFO queue (AWS CloudFormation User Guide, "AWS::SQS::Queue",
 * QueueName). Heap. */
static char *queue_name(const struct cfn_res *r) {
    const char *given = cfnr_str(r->props, "QueueName");
    if (given) return xstrdup(given);
    if (!is_fifo(r->props)) return cfn_physical_name(r, QUEUE_NAME_MAX, 0);
    char *base = cfn_physical_name(r, QUEUE_NAME_MAX - strlen(FIFO_SUFFIX), 0);
    char *z = xasprintf("%s" FIFO_SUFFIX, base);
    free(base);
    return z;
}

/* CreateQueue answers an existing queue with the same attributes with
 * its URL; CloudFormation does not take over a queue it did not make, so
 * a named queue that exists is refused first, as its handler does. */
static int queue_create(struct cfn_res *r, char **err) {
    char *name = queue_name(r);
    cJSON *out = NULL, *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "QueueName", name);
    int rc = sqs(r, "GetQueueUrl", cJSON_Duplicate(b, 1), SQS_NO_QUEUE, &out, err);
    if (rc == 0 && out) {
        rc = cfnr_failf(err, "Resource of type 'AWS::SQS::Queue' with identifier '%s' already exists.", name);
        cJSON_Delete(b);
        goto out;
    }
    cJSON_AddItemToObject(b, "Attributes", queue_attributes(r->props));
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(r->props, "Tags");
    if (cJSON_GetArraySize(tags) > 0) cJSON_AddItemToObject(b, "tags", tag_map(tags));
    if (rc == 0) rc = sqs(r, "CreateQueue", b, NULL, &out, err);
    else cJSON_Delete(b);
    const char *url = cfnr_str(out, "QueueUrl");
    if (rc == 0 && url == NULL) rc = cfnr_failf(err, "CreateQueue returned no QueueUrl");
    if (rc == 0 && (rc = queue_attrs_out(r, url, name, err)) != 0) {
        char *ignored = NULL;
        sqs(r, "DeleteQueue", url_body(url), SQS_NO_QUEUE, NULL, &ignored);
        free(ignored);
    }
    if (rc == 0) r->new_physical_id = xstrdup(url);
out:
    cJSON_Delete(out);
    free(name);
    return rc;
}

/* TagQueue / UntagQueue from the old Tags to the new. */
static int queue_tags(const struct cfn_res *r, const char *url, char **err) {
    const cJSON *ot = cJSON_GetObjectItemCaseSensitive(r->old_props, "Tags");
    const cJSON *nt = cJSON_GetObjectItemCaseSensitive(r->props, "Tags");
    cJSON *gone = cJSON_CreateArray(), *set = cJSON_CreateObject();
    const cJSON *t;
    cJSON_ArrayForEach(t, ot) {
        const char *k = cfnr_str(t, "Key");
        if (k && cfnr_tag(nt, k) == NULL) cJSON_AddItemToArray(gone, cJSON_CreateString(k));
    }
    cJSON_ArrayForEach(t, nt) {
        const char *k = cfnr_str(t, "Key"), *v = cfnr_str(t, "Value"), *was = k ? cfnr_tag(ot, k) : NULL;
        if (k && v && !(was && strcmp(was, v) == 0)) cJSON_AddStringToObject(set, k, v);
    }
    int rc = 0;
    if (cJSON_GetArraySize(gone) > 0) {
        cJSON *b = url_body(url);
        cJSON_AddItemToObject(b, "TagKeys", gone);
        gone = NULL;
        rc = sqs(r, "UntagQueue", b, NULL, NULL, err);
    }
    if (rc == 0 && set->child) {
        cJSON *b = url_body(url);
        cJSON_AddItemToObject(b, "Tags", set);
        set = NULL;
        rc = sqs(r, "TagQueue", b, NULL, NULL, err);
    }
    cJSON_Delete(gone);
    cJSON_Delete(set);
    return rc;
}

/* SetQueueAttributes with what changed; a removed attribute returns to
 * its default. QueueName and FifoQueue are create-only. */
static int queue_update(struct cfn_res *r, char **err) {
    const char *url = r->physical_id;
    cJSON *now = queue_attributes(r->props), *was = queue_attributes(r->old_props), *set = cJSON_CreateObject();
    for (size_t i = 0; i < sizeof(queue_attrs) / sizeof(queue_attrs[0]); i++) {
        const char *n = queue_attrs[i].name;
        const char *v = cfnr_str(now, n), *o = cfnr_str(was, n);
        if (v && !(o && strcmp(o, v) == 0)) cJSON_AddStringToObject(set, n, v);
        else if (!v && o && queue_attrs[i].reset) cJSON_AddStringToObject(set, n, queue_attrs[i].reset);
    }
    int rc = 0;
    if (set->child) {
        cJSON *b = url_body(url);
        cJSON_AddItemToObject(b, "Attributes", set);
        set = NULL;
        rc = sqs(r, "SetQueueAttributes", b, NULL, NULL, err);
    }
    if (rc == 0) rc = queue_tags(r, url, err);
    cJSON_Delete(now);
    cJSON_Delete(was);
    cJSON_Delete(set);
    return rc;
}

static int queue_remove(struct cfn_res *r, char **err) {
    return sqs(r, "DeleteQueue", url_body(r->physical_id), SQS_NO_QUEUE, NULL, err);
}

/* docs/cloudformation-reference.md, section 1.1. */
static const char *const queue_create_only[] = {"QueueName", "FifoQueue", NULL};

const struct cfn_type cfn_type_sqs_queue = {
    "AWS::SQS::Queue", queue_create_only, queue_create, queue_update, queue_remove,
};

/* ---- AWS::SQS::QueuePolicy: the Policy attribute of each queue ---- */

/* Sets the Policy attribute of queue URL to DOC (NULL: ""), a queue that
 * is gone counting as done when GONE_OK. */
static int set_policy(const struct cfn_res *r, const char *url, const cJSON *doc, int gone_ok, char **err) {
    cJSON *b = url_body(url), *a = cJSON_AddObjectToObject(b, "Attributes");
    char *z = cfnr_text(doc);
    cJSON_AddStringToObject(a, "Policy", z ? z : "");
    free(z);
    return sqs(r, "SetQueueAttributes", b, gone_ok ? SQS_NO_QUEUE : NULL, NULL, err);
}

/* Sets the policy of PROPS on each of its queues. */
static int policy_set_all(const struct cfn_res *r, char **err) {
    const cJSON *doc = cJSON_GetObjectItemCaseSensitive(r->props, "PolicyDocument"), *q;
    if (doc == NULL) return cfnr_failf(err, "Properties validation failed: PolicyDocument is required");
    cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(r->props, "Queues"))
        if (cJSON_IsString(q) && set_policy(r, q->valuestring, doc, 0, err) != 0) return -1;
    return 0;
}

/* Clears the policy of the queues of OLD that PROPS (may be NULL) lacks. */
static int policy_clear(const struct cfn_res *r, const cJSON *old, const cJSON *props, char **err) {
    const cJSON *keep = cJSON_GetObjectItemCaseSensitive(props, "Queues"), *q;
    cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(old, "Queues"))
        if (cJSON_IsString(q) && !cfnr_has(keep, q->valuestring) && set_policy(r, q->valuestring, NULL, 1, err) != 0)
            return -1;
    return 0;
}

static int queue_policy_create(struct cfn_res *r, char **err) {
    if (policy_set_all(r, err) != 0) {
        char *ignored = NULL;
        policy_clear(r, r->props, NULL, &ignored);
        free(ignored);
        return -1;
    }
    r->new_physical_id = cfn_physical_name(r, QUEUE_POLICY_ID_MAX, 0);
    r->new_attrs = cJSON_CreateObject();
    cJSON_AddStringToObject(r->new_attrs, "Id", r->new_physical_id);
    return 0;
}

static int queue_policy_update(struct cfn_res *r, char **err) {
    if (policy_set_all(r, err) != 0) return -1;
    return policy_clear(r, r->old_props, r->props, err);
}

static int queue_policy_remove(struct cfn_res *r, char **err) { return policy_clear(r, r->old_props, NULL, err); }

static const char *const queue_policy_create_only[] = {NULL};

const struct cfn_type cfn_type_sqs_queue_policy = {
    "AWS::SQS::QueuePolicy", queue_policy_create_only, queue_policy_create, queue_policy_update,
    queue_policy_remove,
};
