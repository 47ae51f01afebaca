/*
 * SQS's pure API-level parts (api/sqs_validate.c), apart from the
 * handlers in api/sqs.c so the unit tests can drive them with tables:
 * queue URLs, batch entry ids, the attribute-name filters of
 * ReceiveMessage, and the query protocol's input and output shapes.
 */
#ifndef SLUICE_API_SQS_INT_H
#define SLUICE_API_SQS_INT_H

#include <stddef.h>

struct cJSON;

/* Batch entry ids: 1..80 of [A-Za-z0-9_-] (API Reference,
 * "SendMessageBatchRequestEntry", Id). */
#define SQS_MAX_BATCH_ID 80

/* Splits a queue URL ("http://host/ACCOUNT/NAME", "/ACCOUNT/NAME") into
 * its ACCOUNT (13 bytes) and NAME (81 bytes). A bare queue name (no '/')
 * gives NAME and an empty ACCOUNT. Returns 0, or -1 when URL names no
 * queue. Pure. */
int sqs_url_parse(const char *url, char account[13], char name[81]);

/* 0 when ID is a valid batch entry id. Pure. */
int sqs_batch_id_valid(const char *id);

/* 1 when message attribute NAME is selected by the MessageAttributeNames
 * list WANT (array of strings, may be NULL): "All", ".*", an exact name
 * or a "prefix.*" pattern. Pure. */
int sqs_attr_selected(const struct cJSON *want, const char *name);

/* Rewrites the query protocol's input tree IN (from api/query.h's form
 * parser: "Attribute.1.Name" is {"Attribute": {"1": {"Name": ..}}}) into
 * the JSON protocol's shapes in place (Attributes map, MessageAttributes
 * map, AttributeNames list, Entries, Tags, tags, TagKeys). Pure. */
void sqs_query_normalize(struct cJSON *in);

/* The XML of result OUT (the JSON protocol's result of ACTION) as the
 * query protocol writes it inside <ACTIONResult>: maps and lists
 * flattened (<Attribute><Name/><Value/></Attribute>, <QueueUrl/>...,
 * <Message/>..., <SendMessageBatchResultEntry/>...). Heap; caller frees.
 * Pure. */
char *sqs_query_xml(const char *action, const struct cJSON *out);

#endif
