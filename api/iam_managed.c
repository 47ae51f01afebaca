/*
 * The AWS managed policies sluice knows (api/iam_int.h): the ones Lambda
 * execution roles attach, and the two broad ones deploy tools use.
 * Names, paths, descriptions, dates and documents are those of the AWS
 * Managed Policy Reference Guide, one page per policy
 * ("AWSLambdaBasicExecutionRole - AWS Managed Policy", and so on), except
 * where a comment says otherwise. They can be read (GetPolicy,
 * GetPolicyVersion, ListPolicies) and attached; nothing enforces them.
 */
#include "api/iam_int.h"

#include <string.h>

#define AWS_POLICY_ARN "arn:aws:iam::aws:policy"

const struct iam_aws_policy iam_aws_policies[] = {
    {"AWSLambdaBasicExecutionRole", "/service-role/", "Provides write permissions to CloudWatch Logs.", "v1",
     1428591780, 1428591780,
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"logs:CreateLogGroup\","
     "\"logs:CreateLogStream\",\"logs:PutLogEvents\"],\"Resource\":\"*\"}]}"},
    {"AWSLambdaDynamoDBExecutionRole", "/service-role/",
     "Provides list and read access to DynamoDB streams and write permissions to CloudWatch logs.", "v1",
     1428592140, 1428592140,
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"dynamodb:DescribeStream\","
     "\"dynamodb:GetRecords\",\"dynamodb:GetShardIterator\",\"dynamodb:ListStreams\",\"logs:CreateLogGroup\","
     "\"logs:CreateLogStream\",\"logs:PutLogEvents\"],\"Resource\":\"*\"}]}"},
    {"AWSLambdaRole", "/service-role/", "Default policy for AWS Lambda service role.", "v1", 1423248060,
     1423248060,
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"lambda:InvokeFunction\"],"
     "\"Resource\":[\"*\"]}]}"},
    /* The reference page was not at hand: the actions are those the
     * Lambda Developer Guide lists for an SQS event source's execution
     * role ("AWS managed policies for AWS Lambda"); the creation time is
     * approximate. */
    {"AWSLambdaSQSQueueExecutionRole", "/service-role/",
     "Provides receive message, delete message, and read attribute access to SQS queues, and write "
     "permissions to CloudWatch logs.",
     "v1", 1529003820, 1529003820,
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"sqs:ReceiveMessage\","
     "\"sqs:DeleteMessage\",\"sqs:GetQueueAttributes\",\"logs:CreateLogGroup\",\"logs:CreateLogStream\","
     "\"logs:PutLogEvents\"],\"Resource\":\"*\"}]}"},
    {"AdministratorAccess", "/", "Provides full access to AWS services and resources.", "v1", 1423247940,
     1423247940, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"},
    /* Abbreviated: AWS's document lists the read actions of every
     * service, several thousand, under a default version far above v1;
     * these wildcards say the same for a reader and nothing enforces
     * either. */
    {"ReadOnlyAccess", "/", "Provides read-only access to AWS services and resources.", "v1", 1423247940,
     1423247940,
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"*:Describe*\",\"*:Get*\","
     "\"*:List*\"],\"Resource\":\"*\"}]}"},
};

const size_t iam_aws_npolicies = sizeof(iam_aws_policies) / sizeof(iam_aws_policies[0]);

const struct iam_aws_policy *iam_aws_policy_find(const char *arn) {
    size_t nprefix = strlen(AWS_POLICY_ARN);
    if (arn == NULL || strncmp(arn, AWS_POLICY_ARN, nprefix) != 0) return NULL;
    const char *rest = arn + nprefix;
    for (size_t i = 0; i < iam_aws_npolicies; i++) {
        const struct iam_aws_policy *p = &iam_aws_policies[i];
        size_t np = strlen(p->path);
        if (strncmp(rest, p->path, np) == 0 && strcmp(rest + np, p->name) == 0) return p;
    }
    return NULL;
}
