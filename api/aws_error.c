/*
 * Every AWS error kind sluice sends, and how each protocol renders it.
 * Handlers pick a kind and a message with req_fail(); the HTTP front calls
 * awserr_render() once the handler returns.
 */
#include "api/aws_error.h"
#include "api/query.h"
#include "api/request.h"
#include "base/util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DDB_NS "com.amazonaws.dynamodb.v20120810"
#define CORAL_VALIDATE "com.amazon.coral.validate"
#define CORAL_SERVICE "com.amazon.coral.service"

/* ---- Lambda ---- */
const struct aws_error AWSERR_LAMBDA_VALIDATION = {"ValidationException", 400, NULL, AWSERR_MSG_BARE, 0};
const struct aws_error AWSERR_INVALID_PARAMETER = {"InvalidParameterValueException", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_LAMBDA_NOT_FOUND = {"ResourceNotFoundException", 404, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_RESOURCE_CONFLICT = {"ResourceConflictException", 409, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_RESOURCE_IN_USE = {"ResourceInUseException", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_PRECONDITION_FAILED = {"PreconditionFailedException", 412, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_REQUEST_TOO_LARGE = {"RequestEntityTooLargeException", 413, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_UNSUPPORTED_MEDIA_TYPE = {"UnsupportedMediaTypeException", 415, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_INVALID_REQUEST_CONTENT = {"InvalidRequestContentException", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_TOO_MANY_REQUESTS = {"TooManyRequestsException", 429, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_PC_NOT_FOUND = {"ProvisionedConcurrencyConfigNotFoundException", 404, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_ACCESS_DENIED = {"AccessDeniedException", 403, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_LAMBDA_SERVICE = {"ServiceException", 500, NULL, AWSERR_MSG_LOWER, 1};
const struct aws_error AWSERR_SERVICE_UNAVAILABLE = {"ServiceUnavailable", 503, CORAL_SERVICE, AWSERR_MSG_LOWER, 1};
/* What Lambda's front end answers for a path no operation matches. */
const struct aws_error AWSERR_LAMBDA_UNKNOWN_OP = {"UnknownOperationException", 404, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_INVALID_RUNTIME = {"InvalidRuntimeException", 502, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_METHOD_NOT_ALLOWED = {"MethodNotAllowedException", 405, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_CSC_NOT_FOUND = {"CodeSigningConfigNotFoundException", 404, NULL, AWSERR_MSG_UPPER, 0};

/* ---- DynamoDB / Streams ---- */
const struct aws_error AWSERR_DDB_VALIDATION = {"ValidationException", 400, CORAL_VALIDATE, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_DDB_SERIALIZATION = {"SerializationException", 400, CORAL_SERVICE, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_DDB_UNKNOWN_OP = {"UnknownOperationException", 400, CORAL_SERVICE, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_DDB_NOT_FOUND = {"ResourceNotFoundException", 400, DDB_NS, AWSERR_MSG_LOWER, 0};
/* The backup operations' own not-found kind (DescribeContinuousBackups). */
const struct aws_error AWSERR_DDB_TABLE_NOT_FOUND = {"TableNotFoundException", 400, DDB_NS, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_DDB_INTERNAL = {"InternalServerError", 500, DDB_NS, AWSERR_MSG_LOWER, 1};
const struct aws_error AWSERR_DDB_TOO_LARGE = {"RequestEntityTooLarge", 413, CORAL_SERVICE, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_DDB_RESOURCE_IN_USE = {"ResourceInUseException", 400, DDB_NS, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_DDB_CONDITIONAL = {"ConditionalCheckFailedException", 400, DDB_NS, AWSERR_MSG_LOWER, 0};
/* With "Item" beside it AWS writes "Message": recorded from AWS in
 * LocalStack's test_dynamodb.snapshot.json (test_return_values_on_conditions_check_failure),
 * whose parsed error has no lower-case "message" member (botocore copies
 * every body member the exception's shape models, "message" included). */
const struct aws_error AWSERR_DDB_CONDITIONAL_ITEM = {"ConditionalCheckFailedException", 400, DDB_NS, AWSERR_MSG_UPPER, 0};
/* Coral's AccessDeniedException, with "Message", as dynalite copies it from
 * DynamoDB. */
const struct aws_error AWSERR_DDB_ACCESS_DENIED = {"AccessDeniedException", 400, CORAL_SERVICE, AWSERR_MSG_UPPER, 0};
/* AWS spells this one's message member "Message" [docs/aws-reference.md A]. */
const struct aws_error AWSERR_DDB_TXN_CANCELED = {"TransactionCanceledException", 400, DDB_NS, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_DDB_TXN_CONFLICT = {"TransactionConflictException", 400, DDB_NS, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_DDB_IDEMPOTENT = {"IdempotentParameterMismatchException", 400, DDB_NS, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_DDBS_EXPIRED_ITERATOR = {"ExpiredIteratorException", 400, DDB_NS, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_DDBS_TRIMMED = {"TrimmedDataAccessException", 400, DDB_NS, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_DDB_LIMIT_EXCEEDED = {"LimitExceededException", 400, DDB_NS, AWSERR_MSG_LOWER, 0};

/* ---- CloudWatch ---- */
#define CW_NS "com.amazonaws.cloudwatch#"
const struct aws_error AWSERR_CW_INVALID_VALUE = {"InvalidParameterValue", 400, CW_NS "InvalidParameterValueException", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_CW_MISSING = {"MissingParameter", 400, CW_NS "MissingRequiredParameterException", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_CW_COMBINATION = {"InvalidParameterCombination", 400, CW_NS "InvalidParameterCombinationException", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_CW_VALIDATION = {"ValidationError", 400, CORAL_VALIDATE "#ValidationException", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_CW_INVALID_NEXT_TOKEN = {"InvalidNextToken", 400, CW_NS "InvalidNextToken", AWSERR_MSG_LOWER, 0};
/* The query protocol's name for an unknown Action; JSON calls it
 * UnknownOperationException. */
const struct aws_error AWSERR_CW_UNKNOWN_OP = {"InvalidAction", 400, CORAL_SERVICE "#UnknownOperationException", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_CW_SERIALIZATION = {"SerializationException", 400, CORAL_SERVICE "#SerializationException", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_CW_INTERNAL = {"InternalServiceError", 500, CW_NS "InternalServiceFault", AWSERR_MSG_LOWER, 1};

/* ---- query protocol (STS, and CloudWatch's query side) ---- */
const struct aws_error AWSERR_QUERY_INVALID_VALUE = {"InvalidParameterValue", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_QUERY_MISSING = {"MissingParameter", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_QUERY_INVALID_ACTION = {"InvalidAction", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_QUERY_VALIDATION = {"ValidationError", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_QUERY_INTERNAL = {"InternalFailure", 500, NULL, AWSERR_MSG_LOWER, 1};
const struct aws_error AWSERR_QUERY_ACCESS_DENIED = {"AccessDenied", 403, NULL, AWSERR_MSG_LOWER, 0};

/* ---- SQS ----
 * The query code first (what the query protocol's <Code> and the JSON
 * protocol's x-amzn-query-error header carry), then the JSON __type.
 * Codes: Amazon SQS API Reference, "Common Errors" and each operation's
 * Errors; JSON shape names: botocore's sqs/2012-11-05 model. */
#define SQS_NS "com.amazonaws.sqs#"
const struct aws_error AWSERR_SQS_NO_QUEUE = {"AWS.SimpleQueueService.NonExistentQueue", 400, SQS_NS "QueueDoesNotExist", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_QUEUE_EXISTS = {"QueueAlreadyExists", 400, SQS_NS "QueueNameExists", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_ATTR_VALUE = {"InvalidAttributeValue", 400, SQS_NS "InvalidAttributeValue", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_ATTR_NAME = {"InvalidAttributeName", 400, SQS_NS "InvalidAttributeName", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_PARAM = {"InvalidParameterValue", 400, SQS_NS "InvalidParameterValueException", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_MISSING = {"MissingParameter", 400, SQS_NS "MissingRequiredParameterException", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_RECEIPT = {"ReceiptHandleIsInvalid", 400, SQS_NS "ReceiptHandleIsInvalid", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_NOT_INFLIGHT = {"AWS.SimpleQueueService.MessageNotInflight", 400, SQS_NS "MessageNotInflight", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_CONTENTS = {"InvalidMessageContents", 400, SQS_NS "InvalidMessageContents", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_PURGE_IN_PROGRESS = {"AWS.SimpleQueueService.PurgeQueueInProgress", 403, SQS_NS "PurgeQueueInProgress", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_INTERNAL = {"InternalFailure", 500, CORAL_SERVICE "#InternalFailure", AWSERR_MSG_LOWER, 1};
const struct aws_error AWSERR_SQS_EMPTY_BATCH = {"AWS.SimpleQueueService.EmptyBatchRequest", 400, SQS_NS "EmptyBatchRequest", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_TOO_MANY_ENTRIES = {"AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400, SQS_NS "TooManyEntriesInBatchRequest", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_IDS_NOT_DISTINCT = {"AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, SQS_NS "BatchEntryIdsNotDistinct", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_BATCH_ID = {"AWS.SimpleQueueService.InvalidBatchEntryId", 400, SQS_NS "InvalidBatchEntryId", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_BATCH_TOO_LONG = {"AWS.SimpleQueueService.BatchRequestTooLong", 400, SQS_NS "BatchRequestTooLong", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_UNKNOWN_OP = {"InvalidAction", 400, CORAL_SERVICE "#UnknownOperationException", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_SERIALIZATION = {"SerializationException", 400, CORAL_SERVICE "#SerializationException", AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SQS_INVALID_ACTION = {"InvalidAction", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_IAM_NO_SUCH_ENTITY = {"NoSuchEntity", 404, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_IAM_ENTITY_EXISTS = {"EntityAlreadyExists", 409, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_IAM_DELETE_CONFLICT = {"DeleteConflict", 409, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_IAM_LIMIT_EXCEEDED = {"LimitExceeded", 409, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_IAM_MALFORMED_POLICY = {"MalformedPolicyDocument", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_IAM_INVALID_INPUT = {"InvalidInput", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_IAM_SERVICE_FAILURE = {"ServiceFailure", 500, NULL, AWSERR_MSG_LOWER, 1};
/* ---- S3 ---- */
const struct aws_error AWSERR_S3_NO_SUCH_BUCKET = {"NoSuchBucket", 404, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_NO_SUCH_KEY = {"NoSuchKey", 404, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_NO_SUCH_UPLOAD = {"NoSuchUpload", 404, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_NO_SUCH_TAG_SET = {"NoSuchTagSet", 404, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_NO_SUCH_POLICY = {"NoSuchBucketPolicy", 404, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_BUCKET_NOT_EMPTY = {"BucketNotEmpty", 409, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_ALREADY_OWNED = {"BucketAlreadyOwnedByYou", 409, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_ALREADY_EXISTS = {"BucketAlreadyExists", 409, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_INVALID_BUCKET_NAME = {"InvalidBucketName", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_INVALID_ARGUMENT = {"InvalidArgument", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_INVALID_REQUEST = {"InvalidRequest", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_INVALID_PART = {"InvalidPart", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_INVALID_PART_ORDER = {"InvalidPartOrder", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_ENTITY_TOO_SMALL = {"EntityTooSmall", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_ENTITY_TOO_LARGE = {"EntityTooLarge", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_INVALID_RANGE = {"InvalidRange", 416, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_BAD_DIGEST = {"BadDigest", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_INVALID_DIGEST = {"InvalidDigest", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_SHA256_MISMATCH = {"XAmzContentSHA256Mismatch", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_INCOMPLETE_BODY = {"IncompleteBody", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_MALFORMED_XML = {"MalformedXML", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_MALFORMED_POLICY = {"MalformedPolicy", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_INVALID_LOCATION = {"InvalidLocationConstraint", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_ILLEGAL_LOCATION = {"IllegalLocationConstraintException", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_KEY_TOO_LONG = {"KeyTooLongError", 400, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_METHOD_NOT_ALLOWED = {"MethodNotAllowed", 405, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_PRECONDITION_FAILED = {"PreconditionFailed", 412, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_NOT_MODIFIED = {"NotModified", 304, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_ACCESS_DENIED = {"AccessDenied", 403, NULL, AWSERR_MSG_UPPER, 0};
const struct aws_error AWSERR_S3_NOT_IMPLEMENTED = {"NotImplemented", 501, NULL, AWSERR_MSG_UPPER, 1};
const struct aws_error AWSERR_S3_INTERNAL = {"InternalError", 500, NULL, AWSERR_MSG_UPPER, 1};
/* ---- SSM Parameter Store (botocore ssm/2014-11-06: each error shape's
 * name is its code; all are client faults with 400 but InternalServerError) ---- */
const struct aws_error AWSERR_SSM_VALIDATION = {"ValidationException", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_SERIALIZATION = {"SerializationException", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_ACCESS_DENIED = {"AccessDeniedException", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_NOT_FOUND = {"ParameterNotFound", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_ALREADY_EXISTS = {"ParameterAlreadyExists", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_VERSION_NOT_FOUND = {"ParameterVersionNotFound", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_PATTERN_MISMATCH = {"ParameterPatternMismatchException", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_INVALID_PATTERN = {"InvalidAllowedPatternException", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_HIERARCHY_LIMIT = {"HierarchyLevelLimitExceededException", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_MAX_VERSIONS = {"ParameterMaxVersionLimitExceeded", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_LABEL_LIMIT = {"ParameterVersionLabelLimitExceeded", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_INVALID_RESOURCE_ID = {"InvalidResourceId", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_INVALID_RESOURCE_TYPE = {"InvalidResourceType", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_TOO_MANY_TAGS = {"TooManyTagsError", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_INVALID_FILTER_KEY = {"InvalidFilterKey", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_INVALID_FILTER_OPTION = {"InvalidFilterOption", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_INVALID_FILTER_VALUE = {"InvalidFilterValue", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_INVALID_NEXT_TOKEN = {"InvalidNextToken", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_SSM_INTERNAL = {"InternalServerError", 500, NULL, AWSERR_MSG_LOWER, 1};

/* ---- admin ---- */
const struct aws_error AWSERR_ADMIN_BAD_REQUEST = {"BadRequest", 400, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_ADMIN_NOT_FOUND = {"NotFound", 404, NULL, AWSERR_MSG_LOWER, 0};

char *awserr_xml_escape(const char *z) {
    size_t n = 0;
    for (const char *p = z; *p; p++) n += (*p == '&') ? 5 : (*p == '<' || *p == '>') ? 4 : (*p == '"' || *p == '\'') ? 6 : 1;
    char *out = xmalloc(n + 1), *o = out;
    for (const char *p = z; *p; p++) {
        switch (*p) {
        case '&': memcpy(o, "&amp;", 5); o += 5; break;
        case '<': memcpy(o, "&lt;", 4); o += 4; break;
        case '>': memcpy(o, "&gt;", 4); o += 4; break;
        case '"': memcpy(o, "&quot;", 6); o += 6; break;
        case '\'': memcpy(o, "&apos;", 6); o += 6; break;
        default: *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

static void merge_extra(cJSON *body, cJSON *extra) {
    if (extra == NULL) return;
    for (cJSON *it = extra->child; it; it = it->next)
        cJSON_AddItemToObject(body, it->string, cJSON_Duplicate(it, 1));
}

/* S3's error document: Code, Message, the string members of EXTRA
 * (BucketName, Key, UploadId...) and RequestId. Caller frees. */
static char *s3_error_xml(const struct aws_error *e, const char *msg, const cJSON *extra,
                          const char *request_id) {
    char *xc = awserr_xml_escape(e->code), *xm = awserr_xml_escape(msg);
    char *xml = xasprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
                          "<Message>%s</Message>", xc, xm);
    free(xc);
    free(xm);
    for (const cJSON *it = extra ? extra->child : NULL; it; it = it->next) {
        if (!cJSON_IsString(it)) continue;
        char *xv = awserr_xml_escape(it->valuestring);
        char *more = xasprintf("%s<%s>%s</%s>", xml, it->string, xv, it->string);
        free(xv);
        free(xml);
        xml = more;
    }
    char *out = xasprintf("%s<RequestId>%s</RequestId><HostId>%s</HostId></Error>", xml, request_id,
                          request_id);
    free(xml);
    return out;
}

/* The XML protocols' error documents: the query protocol's <ErrorResponse>
 * (CloudWatch's namespace unless the service set req->xmlns) and S3's
 * <Error>, which a HEAD request sends without a body. */
static void render_xml(struct req *req, const struct aws_error *e, const char *msg) {
    char *xml;
    if (req->proto == PROTO_REST_XML) {
        xml = s3_error_xml(e, msg, req->err_extra, req->request_id);
        req_reply_raw(req, e->status, "application/xml", xml, strlen(xml));
        req->head_length = 0;
    } else {
        const char *ns = req->xmlns ? req->xmlns : "http://monitoring.amazonaws.com/doc/2010-08-01/";
        xml = query_error_xml(ns, e, msg, req->request_id);
        req_reply_raw(req, e->status, "text/xml", xml, strlen(xml));
    }
    free(xml);
}

void awserr_render(struct req *req) {
    const struct aws_error *e = req->err;
    if (e == NULL || req->err_rendered) return;
    req->err_rendered = 1;
    const char *msg = req->err_msg ? req->err_msg : "";
    if (req->proto == PROTO_CW_QUERY || req->proto == PROTO_QUERY || req->proto == PROTO_REST_XML) {
        render_xml(req, e, msg);
        return;
    }
    cJSON *body = cJSON_CreateObject();
    switch (req->proto) {
    case PROTO_JSON10:
    case PROTO_JSON11: {
        char type[256];
        if (e->ns)
            snprintf(type, sizeof(type), "%s#%s", e->ns, e->code);
        else
            snprintf(type, sizeof(type), "%s", e->code);
        cJSON_AddStringToObject(body, "__type", type);
        cJSON_AddStringToObject(body, e->msgkey == AWSERR_MSG_UPPER ? "Message" : "message", msg);
        break;
    }
    case PROTO_CW_JSON: {
        /* awsQueryCompatible: botocore maps "Code;Type" back to the query
         * code, so both protocols report the same Error.Code. */
        char qe[160];
        snprintf(qe, sizeof(qe), "%s;%s", e->code, e->server_fault ? "Receiver" : "Sender");
        req_add_header(req, "x-amzn-query-error", qe);
        cJSON_AddStringToObject(body, "__type", e->ns ? e->ns : e->code);
        cJSON_AddStringToObject(body, "message", msg);
        break;
    }
    case PROTO_ADMIN:
        cJSON_AddStringToObject(body, "error", e->code);
        cJSON_AddStringToObject(body, "message", msg);
        break;
    case PROTO_REST_JSON:
    case PROTO_NONE:
    default:
        if (e->msgkey != AWSERR_MSG_BARE)
            cJSON_AddStringToObject(body, "Type", e->server_fault ? "Service" : "User");
        cJSON_AddStringToObject(body, e->msgkey == AWSERR_MSG_UPPER ? "Message" : "message", msg);
        req_add_header(req, "X-Amzn-ErrorType", e->code);
        break;
    }
    merge_extra(body, req->err_extra);
    enum req_proto keep = req->proto;
    req_reply_json(req, e->status, body);
    req->proto = keep;
}
