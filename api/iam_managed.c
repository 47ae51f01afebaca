/*
 * The AWS managed policies sluice knows (api/iam_int.h): the ones Lambda
 * execution roles attach, and the broad ones deploy tools use.
 * Names, paths, descriptions, dates and documents are those of the AWS
 * Managed Policy Reference Guide, one page per policy
 * ("AWSLambdaBasicExecutionRole - AWS Managed Policy", and so on), except
 * where a comment says otherwise; the dates to the second and the default
 * version ids are those IAM returns, as kept in moto's
 * moto/iam/aws_managed_policies.py (a copy of AWS's data, installed on
 * this machine). They can be read (GetPolicy, GetPolicyVersion,
 * ListPolicies) and attached; nothing enforces them.
 */
#include "api/iam_int.h"

#include <string.h>

#define AWS_POLICY_ARN "arn:aws:iam::aws:policy"

const struct iam_aws_policy iam_aws_policies[] = {
    /* CDK's bootstrap template attaches it to the deploy role
     * (docs/cloudformation-reference.md, section 4.2). */
    {"AWSCloudFormationReadOnlyAccess", "/", "Provides access to AWS CloudFormation via the AWS Management Console.",
     "v7", 1423247989, 1770919320,
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"cloudformation:Describe*\","
     "\"cloudformation:BatchDescribe*\",\"cloudformation:EstimateTemplateCost\",\"cloudformation:Get*\","
     "\"cloudformation:List*\",\"cloudformation:ValidateTemplate\",\"cloudformation:Detect*\"],\"Resource\":\"*\"}]}"},
    {"AWSLambdaBasicExecutionRole", "/service-role/", "Provides write permissions to CloudWatch Logs.", "v1",
     1428591823, 1428591823,
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"logs:CreateLogGroup\","
     "\"logs:CreateLogStream\",\"logs:PutLogEvents\"],\"Resource\":\"*\"}]}"},
    {"AWSLambdaDynamoDBExecutionRole", "/service-role/",
     "Provides list and read access to DynamoDB streams and write permissions to CloudWatch logs.", "v1",
     1428592169, 1428592169,
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"dynamodb:DescribeStream\","
     "\"dynamodb:GetRecords\",\"dynamodb:GetShardIterator\",\"dynamodb:ListStreams\",\"logs:CreateLogGroup\","
     "\"logs:CreateLogStream\",\"logs:PutLogEvents\"],\"Resource\":\"*\"}]}"},
    {"AWSLambdaRole", "/service-role/", "Default policy for AWS Lambda service role.", "v1", 1423248088,
     1423248088,
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"lambda:InvokeFunction\"],"
     "\"Resource\":[\"*\"]}]}"},
    /* The reference page was not at hand: the document and dates are
     * those of moto's copy of AWS's data (see above). */
    {"AWSLambdaSQSQueueExecutionRole", "/service-role/",
     "Provides receive message, delete message, and read attribute access to SQS queues, and write "
     "permissions to CloudWatch logs.",
     "v1", 1529013045, 1529013045,
     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"sqs:ReceiveMessage\","
     "\"sqs:DeleteMessage\",\"sqs:GetQueueAttributes\",\"logs:CreateLogGroup\",\"logs:CreateLogStream\","
     "\"logs:PutLogEvents\"],\"Resource\":\"*\"}]}"},
    {"AdministratorAccess", "/", "Provides full access to AWS services and resources.", "v1", 1423247986,
     1423247986, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"},
    /* Abbreviated: AWS's document (default version v182) lists the read
     * actions of every service, 88 kB of them; these wildcards say the
     * same for a reader, and nothing enforces either. */
    {"ReadOnlyAccess", "/", "Provides read-only access to AWS services and resources.", "v182", 1423247988,
     1775230032,
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
