/*
 * The AWS query protocol, shared by the services that speak it
 * (CloudWatch's query side, STS): a form-encoded POST (or query string)
 * "Action=Op&Version=YYYY-MM-DD&A.member.1.B=x" in, XML out.
 *
 * The form becomes a cJSON tree ("Dimensions.member.1.Name" becomes
 * Dimensions[0].Name), so a handler reads the same input shape as a JSON
 * protocol handler; its result tree is walked into
 * <OpResponse><OpResult>...</OpResult><ResponseMetadata>... (arrays as
 * <member>), and errors into <ErrorResponse> (AWS Query protocol,
 * "Query API requests" and "Query API responses" in the AWS documentation
 * of each query service, e.g. "Making Query requests" for STS).
 */
#ifndef SLUICE_API_QUERY_H
#define SLUICE_API_QUERY_H

#include <stddef.h>

struct aws_error;
struct cJSON;
struct op;
struct op_in;
struct req;
struct service;

/* Dotted segments in one parameter name: the deepest CloudWatch input
 * (MetricDataQueries.member.N.MetricStat.Metric.Dimensions.member.N.Name)
 * has 9; the cap bounds the recursion of the list builder. */
#define QUERY_MAX_KEY_DEPTH 16
/* Parameters kept from a form body: a GetMetricData call with many
 * queries and dimensions uses a few thousand; beyond it, refuse. */
#define QUERY_MAX_FORM_PARAMS 20000

/* Parses REQ's form body and query-string parameters (X-Amz-* skipped)
 * into a new object *OUT (caller deletes), with the Action and Version
 * in *ACTION / *VERSION (heap or NULL, caller frees). Errors are
 * InvalidParameterValue. Returns 0, or -1 with the error recorded (and
 * *OUT NULL). Pure apart from REQ. */
int query_parse(struct req *req, struct cJSON **out, char **action, char **version);

/* find() for query services: parses the form into IN->json and IN->action
 * and picks SVC's row named by Action, checking that Version is
 * SVC->query_version. Returns NULL with MissingParameter, InvalidAction or
 * InvalidParameterValue recorded when there is none. */
const struct op *query_find(const struct service *svc, struct req *req, struct op_in *in);

/* reply() for query services: writes IN->out as Action's response in
 * SVC's namespace (req->xmlns). Members named by IS_TIME (may be NULL)
 * holding numbers are epoch seconds written as ISO 8601. */
void query_reply(struct req *req, struct op_in *in, int (*is_time)(const char *member));

/* reply() for query services whose results carry no epoch-number times
 * (STS, IAM): query_reply without IS_TIME. */
void query_reply_plain(struct req *req, struct op_in *in);

/* The decoded value of form parameter NAME in the N bytes of BODY, or
 * NULL when absent or malformed. Heap; caller frees. Pure. */
char *query_form_value(const char *body, size_t n, const char *name);

/* The <ErrorResponse> document for error E with message MSG in namespace
 * XMLNS. Heap; caller frees. Pure. */
char *query_error_xml(const char *xmlns, const struct aws_error *e, const char *msg, const char *request_id);

#endif
