/*
 * Entry points of the service handlers, called by the server's router.
 * Each *_dispatch fills REQ's reply or error; none blocks on anything but
 * SQLite (and, later, the invoker). Thread-safe: any HTTP worker thread.
 */
#ifndef SLUICE_API_API_H
#define SLUICE_API_API_H

#include <stddef.h>

struct req;
struct service;

/* Body cap for routes that carry a code zip: 50 MB of zip as base64 in a
 * JSON document is 69.9 MB; 72 MB leaves room for the other members. A
 * larger body cannot hold a zip AWS would accept. */
#define API_MAX_BODY_CODE (72u * 1024 * 1024)
/* Invoke: AWS's synchronous payload limit, 6 MB. */
#define API_MAX_BODY_INVOKE 6291456u
/* Every other operation: far above any legitimate control-plane body
 * (the largest, a policy or environment, is a few KB), and a bound on
 * what a hostile client can make us buffer. DynamoDB requests have no
 * cap of their own and get this one too (AWS takes batches of up to
 * 16 MB). */
#define API_MAX_BODY_DEFAULT (1u * 1024 * 1024)

/* Returns the largest body the Lambda route for METHOD and PATH accepts. */
size_t lambda_body_cap(const char *method, const char *path);

/* The services answered by op_run (api/op.h). */
extern const struct service lambda_service;
extern const struct service logs_service;
/* CloudWatch, JSON 1.0 (awsQueryCompatible) and query protocol (form in,
 * XML out): one table of operations, two protocols. */
extern const struct service cw_json_service;
extern const struct service cw_query_service;

/* STS (query protocol, Version 2011-06-15). */
extern const struct service sts_service;
extern const struct service iam_service;      /* api/iam.c: query protocol, 2010-05-08 */

/* SQS: JSON 1.0 (awsQueryCompatible, X-Amz-Target "AmazonSQS.") and the
 * query protocol (Version 2012-11-05), one table of operations. */
extern const struct service sqs_json_service;
extern const struct service sqs_query_service;

/* SSM Parameter Store (JSON 1.1, X-Amz-Target AmazonSSM.*). */
extern const struct service ssm_service;

/* X-Amz-Target prefix of CloudWatch's JSON protocol. */
#define CW_TARGET_PREFIX "GraniteServiceVersion20100801."

/* DynamoDB and DynamoDB Streams (JSON 1.0, X-Amz-Target). */
extern const struct service ddb_service;
extern const struct service ddbs_service;

/* One pass of CloudWatch Logs retention by the virtual clock: deletes the
 * events of every group with a retention policy that are past it
 * (api/logs_retention.h). Registered with engine/background. */
void logs_sweep(void);

/* CloudFormation (query protocol, Version 2010-05-15; api/cloudformation.c). */
extern const struct service cfn_service;

/* CloudFormation's deployer (api/cfn_deploy.c): one thread running the
 * queued stack operations. cfn_deploy_start returns 0 or -1 (logged);
 * cfn_deploy_stop stops it between two steps of an operation (an
 * operation left unfinished is taken up at the next start) and waits for
 * it. cfn_deploy_run_pending runs every queued operation on the calling
 * thread (unit tests) and returns how many ran. */
int cfn_deploy_start(void);
void cfn_deploy_stop(void);
int cfn_deploy_run_pending(void);

/* S3 (REST XML, api/s3.c). */
extern const struct service s3_service;

/* Returns 1 when an unsigned request for PATH may be S3's: any path but
 * one whose first segment is a dated API version ("/2015-03-31/..."),
 * which stays the Lambda-shaped unknown operation it was. */
int s3_owns_path(const char *path);

/* Returns the largest body the S3 request REQ (method, path, query and
 * headers known; body not yet read) accepts, and sets REQ->body_to_file
 * for the operations whose body is an object's bytes (PutObject,
 * UploadPart), which are not held in memory. */
size_t s3_body_cap(struct req *req);

/* Returns 1 when PATH belongs to the Lambda API (by its version prefix). */
int lambda_owns_path(const char *path);

#endif
