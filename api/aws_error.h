/*
 * The AWS error kinds sluice sends, in one table (the Redis shared.*err
 * idea): each with its code, HTTP status and, for the JSON 1.0 protocol,
 * the namespace that prefixes __type. Rendering per protocol lives in
 * awserr_render().
 */
#ifndef SLUICE_API_AWS_ERROR_H
#define SLUICE_API_AWS_ERROR_H

#include <stddef.h>

struct req;

/* How the message member is spelled in a rest-json (Lambda) body. */
enum awserr_msgkey {
    AWSERR_MSG_LOWER = 0,   /* {"Type":"User","message":..} */
    AWSERR_MSG_UPPER,       /* {"Type":"User","Message":..} */
    AWSERR_MSG_BARE,        /* {"message":..} (no Type) */
};

struct aws_error {
    const char *code;       /* "ResourceNotFoundException" */
    int status;             /* HTTP status */
    const char *ns;         /* JSON 1.0 __type namespace, or NULL */
    enum awserr_msgkey msgkey;
    int server_fault;       /* 1 for 5xx faults */
};

/* ---- Lambda (rest-json) ---- */
extern const struct aws_error AWSERR_LAMBDA_VALIDATION;
extern const struct aws_error AWSERR_INVALID_PARAMETER;
extern const struct aws_error AWSERR_LAMBDA_NOT_FOUND;
extern const struct aws_error AWSERR_RESOURCE_CONFLICT;
extern const struct aws_error AWSERR_RESOURCE_IN_USE;
extern const struct aws_error AWSERR_PRECONDITION_FAILED;
extern const struct aws_error AWSERR_REQUEST_TOO_LARGE;
extern const struct aws_error AWSERR_UNSUPPORTED_MEDIA_TYPE;
extern const struct aws_error AWSERR_INVALID_REQUEST_CONTENT;
extern const struct aws_error AWSERR_TOO_MANY_REQUESTS;
extern const struct aws_error AWSERR_PC_NOT_FOUND;
extern const struct aws_error AWSERR_ACCESS_DENIED;
extern const struct aws_error AWSERR_LAMBDA_SERVICE;
extern const struct aws_error AWSERR_LAMBDA_UNKNOWN_OP;
extern const struct aws_error AWSERR_METHOD_NOT_ALLOWED;
extern const struct aws_error AWSERR_INVALID_RUNTIME;
extern const struct aws_error AWSERR_CSC_NOT_FOUND;

/* ---- DynamoDB / Streams (JSON 1.0) ---- */
extern const struct aws_error AWSERR_DDB_VALIDATION;
extern const struct aws_error AWSERR_DDB_SERIALIZATION;
extern const struct aws_error AWSERR_DDB_UNKNOWN_OP;
extern const struct aws_error AWSERR_DDB_NOT_FOUND;
extern const struct aws_error AWSERR_DDB_TABLE_NOT_FOUND;
extern const struct aws_error AWSERR_DDB_INTERNAL;
extern const struct aws_error AWSERR_DDB_TOO_LARGE;
extern const struct aws_error AWSERR_DDB_RESOURCE_IN_USE;
extern const struct aws_error AWSERR_DDB_CONDITIONAL;
/* The same failure carrying the old "Item" (ReturnValuesOnConditionCheckFailure
 * ALL_OLD): AWS then spells the message member "Message". */
extern const struct aws_error AWSERR_DDB_CONDITIONAL_ITEM;
/* A table ARN of another account: no resource-based policy lets the caller in. */
extern const struct aws_error AWSERR_DDB_ACCESS_DENIED;
extern const struct aws_error AWSERR_DDB_TXN_CANCELED;
extern const struct aws_error AWSERR_DDB_TXN_CONFLICT;
extern const struct aws_error AWSERR_DDB_IDEMPOTENT;
extern const struct aws_error AWSERR_DDBS_EXPIRED_ITERATOR;
extern const struct aws_error AWSERR_DDBS_TRIMMED;
extern const struct aws_error AWSERR_DDB_LIMIT_EXCEEDED;

/* ---- CloudWatch (JSON 1.0 and query) ----
 * CODE is the query error code (what botocore reports as Error.Code in
 * both protocols, the JSON one through x-amzn-query-error); NS is the
 * whole JSON __type, the modelled shape's name. */
extern const struct aws_error AWSERR_CW_INVALID_VALUE;
extern const struct aws_error AWSERR_CW_MISSING;
extern const struct aws_error AWSERR_CW_COMBINATION;
extern const struct aws_error AWSERR_CW_VALIDATION;
extern const struct aws_error AWSERR_CW_INVALID_NEXT_TOKEN;
extern const struct aws_error AWSERR_CW_UNKNOWN_OP;
extern const struct aws_error AWSERR_CW_SERIALIZATION;
extern const struct aws_error AWSERR_CW_INTERNAL;

/* ---- the query protocol's common errors (AWS documentation of each
 * query service, "Common Errors"); rendered as <ErrorResponse> ---- */
extern const struct aws_error AWSERR_QUERY_INVALID_VALUE;   /* InvalidParameterValue */
extern const struct aws_error AWSERR_QUERY_MISSING;         /* MissingParameter */
extern const struct aws_error AWSERR_QUERY_INVALID_ACTION;  /* InvalidAction */
extern const struct aws_error AWSERR_QUERY_VALIDATION;      /* ValidationError */
extern const struct aws_error AWSERR_QUERY_INTERNAL;        /* InternalFailure, 500 */
extern const struct aws_error AWSERR_QUERY_ACCESS_DENIED;   /* AccessDenied, 403 */

/* ---- IAM (query protocol; codes and statuses from botocore's
 * iam/2010-05-08 model, where each exception names its code) ---- */
extern const struct aws_error AWSERR_IAM_NO_SUCH_ENTITY;      /* NoSuchEntity, 404 */
extern const struct aws_error AWSERR_IAM_ENTITY_EXISTS;       /* EntityAlreadyExists, 409 */
extern const struct aws_error AWSERR_IAM_DELETE_CONFLICT;     /* DeleteConflict, 409 */
extern const struct aws_error AWSERR_IAM_LIMIT_EXCEEDED;      /* LimitExceeded, 409 */
extern const struct aws_error AWSERR_IAM_MALFORMED_POLICY;    /* MalformedPolicyDocument, 400 */
extern const struct aws_error AWSERR_IAM_INVALID_INPUT;       /* InvalidInput, 400 */
extern const struct aws_error AWSERR_IAM_SERVICE_FAILURE;     /* ServiceFailure, 500 */
/* ---- S3 (REST XML; Amazon S3 API Reference, "Error responses", "List
 * of error codes"): rendered as <Error><Code>..</Code><Message>..
 * </Message>[err_extra members]<RequestId>..</RequestId></Error> ---- */
extern const struct aws_error AWSERR_S3_NO_SUCH_BUCKET;        /* 404 */
extern const struct aws_error AWSERR_S3_NO_SUCH_KEY;           /* 404 */
extern const struct aws_error AWSERR_S3_NO_SUCH_UPLOAD;        /* 404 */
extern const struct aws_error AWSERR_S3_NO_SUCH_TAG_SET;       /* 404 */
extern const struct aws_error AWSERR_S3_NO_SUCH_POLICY;        /* 404 NoSuchBucketPolicy */
extern const struct aws_error AWSERR_S3_BUCKET_NOT_EMPTY;      /* 409 */
extern const struct aws_error AWSERR_S3_ALREADY_OWNED;         /* 409 BucketAlreadyOwnedByYou */
extern const struct aws_error AWSERR_S3_ALREADY_EXISTS;        /* 409 BucketAlreadyExists */
extern const struct aws_error AWSERR_S3_INVALID_BUCKET_NAME;   /* 400 */
extern const struct aws_error AWSERR_S3_INVALID_ARGUMENT;      /* 400 */
extern const struct aws_error AWSERR_S3_INVALID_REQUEST;       /* 400 */
extern const struct aws_error AWSERR_S3_INVALID_PART;          /* 400 */
extern const struct aws_error AWSERR_S3_INVALID_PART_ORDER;    /* 400 */
extern const struct aws_error AWSERR_S3_ENTITY_TOO_SMALL;      /* 400 */
extern const struct aws_error AWSERR_S3_ENTITY_TOO_LARGE;      /* 400 */
extern const struct aws_error AWSERR_S3_INVALID_RANGE;         /* 416 */
extern const struct aws_error AWSERR_S3_BAD_DIGEST;            /* 400 */
extern const struct aws_error AWSERR_S3_INVALID_DIGEST;        /* 400 */
extern const struct aws_error AWSERR_S3_SHA256_MISMATCH;       /* 400 XAmzContentSHA256Mismatch */
extern const struct aws_error AWSERR_S3_INCOMPLETE_BODY;       /* 400 */
extern const struct aws_error AWSERR_S3_MALFORMED_XML;         /* 400 */
extern const struct aws_error AWSERR_S3_MALFORMED_POLICY;      /* 400 */
extern const struct aws_error AWSERR_S3_INVALID_LOCATION;      /* 400 InvalidLocationConstraint */
extern const struct aws_error AWSERR_S3_ILLEGAL_LOCATION;      /* 400 IllegalLocationConstraintException */
extern const struct aws_error AWSERR_S3_KEY_TOO_LONG;          /* 400 KeyTooLongError */
extern const struct aws_error AWSERR_S3_METHOD_NOT_ALLOWED;    /* 405 */
extern const struct aws_error AWSERR_S3_PRECONDITION_FAILED;   /* 412 */
extern const struct aws_error AWSERR_S3_NOT_MODIFIED;          /* 304, no body */
extern const struct aws_error AWSERR_S3_ACCESS_DENIED;         /* 403 */
extern const struct aws_error AWSERR_S3_NOT_IMPLEMENTED;       /* 501 */
extern const struct aws_error AWSERR_S3_INTERNAL;              /* 500 InternalError */
/* ---- SSM Parameter Store (JSON 1.1; __type is the bare code) ---- */
extern const struct aws_error AWSERR_SSM_VALIDATION;
extern const struct aws_error AWSERR_SSM_SERIALIZATION;
extern const struct aws_error AWSERR_SSM_ACCESS_DENIED;
extern const struct aws_error AWSERR_SSM_NOT_FOUND;            /* ParameterNotFound */
extern const struct aws_error AWSERR_SSM_ALREADY_EXISTS;       /* ParameterAlreadyExists */
extern const struct aws_error AWSERR_SSM_VERSION_NOT_FOUND;    /* ParameterVersionNotFound */
extern const struct aws_error AWSERR_SSM_PATTERN_MISMATCH;     /* ParameterPatternMismatchException */
extern const struct aws_error AWSERR_SSM_INVALID_PATTERN;      /* InvalidAllowedPatternException */
extern const struct aws_error AWSERR_SSM_HIERARCHY_LIMIT;      /* HierarchyLevelLimitExceededException */
extern const struct aws_error AWSERR_SSM_MAX_VERSIONS;         /* ParameterMaxVersionLimitExceeded */
extern const struct aws_error AWSERR_SSM_LABEL_LIMIT;          /* ParameterVersionLabelLimitExceeded */
extern const struct aws_error AWSERR_SSM_INVALID_RESOURCE_ID;
extern const struct aws_error AWSERR_SSM_INVALID_RESOURCE_TYPE;
extern const struct aws_error AWSERR_SSM_TOO_MANY_TAGS;        /* TooManyTagsError */
extern const struct aws_error AWSERR_SSM_INVALID_FILTER_KEY;
extern const struct aws_error AWSERR_SSM_INVALID_FILTER_OPTION;
extern const struct aws_error AWSERR_SSM_INVALID_FILTER_VALUE;
extern const struct aws_error AWSERR_SSM_INVALID_NEXT_TOKEN;
extern const struct aws_error AWSERR_SSM_INTERNAL;             /* InternalServerError, 500 */

/* ---- admin API ---- */
extern const struct aws_error AWSERR_ADMIN_BAD_REQUEST;
extern const struct aws_error AWSERR_ADMIN_NOT_FOUND;

/* Every protocol: the server is shutting down and its grace period ran
 * out (or the request's body will not arrive): 503 ServiceUnavailable,
 * the code AWS's front ends answer when a service cannot take a request
 * now (its SDKs retry it). */
extern const struct aws_error AWSERR_SERVICE_UNAVAILABLE;

/* Returns a heap copy of Z with &, <, >, " and ' escaped for XML text
 * and attributes. Caller frees. */
char *awserr_xml_escape(const char *z);

/* Renders REQ's recorded error (req->err) into req->status / resp_body /
 * headers according to req->proto. Idempotent; does nothing when no error
 * is recorded. */
void awserr_render(struct req *req);

/* SQS: CODE is the query protocol's code (also sent in the JSON
 * protocol's x-amzn-query-error header), NS the JSON protocol's __type
 * (botocore's model names the shapes; api/sqs.c). */
extern const struct aws_error AWSERR_SQS_NO_QUEUE, AWSERR_SQS_QUEUE_EXISTS, AWSERR_SQS_ATTR_VALUE,
    AWSERR_SQS_ATTR_NAME, AWSERR_SQS_PARAM, AWSERR_SQS_MISSING, AWSERR_SQS_RECEIPT, AWSERR_SQS_NOT_INFLIGHT,
    AWSERR_SQS_CONTENTS, AWSERR_SQS_PURGE_IN_PROGRESS, AWSERR_SQS_INTERNAL, AWSERR_SQS_EMPTY_BATCH,
    AWSERR_SQS_TOO_MANY_ENTRIES, AWSERR_SQS_IDS_NOT_DISTINCT, AWSERR_SQS_BATCH_ID, AWSERR_SQS_BATCH_TOO_LONG,
    AWSERR_SQS_UNKNOWN_OP, AWSERR_SQS_SERIALIZATION, AWSERR_SQS_INVALID_ACTION;

#endif
