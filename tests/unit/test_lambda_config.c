/*
 * Unit tests for api/lambda_config.c: parsing the bodies of CreateFunction,
 * UpdateFunctionConfiguration and UpdateFunctionCode, and the documents
 * the apply functions write. Each invalid body gives exactly AWS's error
 * (the rows were taken from the server's answers before parsing and
 * applying were split), each valid body the expected struct, and each
 * applied body the document the server stores.
 *
 * The tables write JSON with ' for " and <xN> for a run of N x's.
 */
#include "api/lambda_config.h"
#include "api/aws_error.h"
#include "api/request.h"
#include "base/util.h"

#include "storage/store.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A zip of no entries (its end record alone), 22 bytes: it decodes, and
 * parsing does not look inside. */
#define ZIP "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="
/* The members a valid CreateFunction body needs, besides its name. */
#define OK "'Role':'arn:aws:iam::123456789012:role/r','Handler':'index.handler','Runtime':'python3.12'," \
           "'Code':{'ZipFile':'" ZIP "'}"
/* The RevisionId of $LATEST for the update rows. */
#define REV "rev-1"

/* The two CreateFunction bodies the apply rows start from. */
#define MIN "{" OK ",'FunctionName':'f'}"
#define FULL                                                                                          \
    "{" OK ",'FunctionName':'f','Description':'d','Timeout':30,'MemorySize':256,"                    \
    "'Architectures':['arm64'],'Environment':{'Variables':{'A':'1'}},'TracingConfig':{'Mode':'Active'}," \
    "'DeadLetterConfig':{'TargetArn':'arn:aws:sqs:us-east-1:000000000000:q'},"                        \
    "'KMSKeyArn':'arn:aws:kms:us-east-1:000000000000:key/k','EphemeralStorage':{'Size':1024},"        \
    "'Layers':['arn:aws:lambda:us-east-1:123456789012:layer:l:1'],"                                   \
    "'VpcConfig':{'SubnetIds':['s'],'SecurityGroupIds':'x'},'SnapStart':{'ApplyOn':'PublishedVersions'}," \
    "'LoggingConfig':{'LogFormat':'JSON'},'Tags':{'t':'v'}}"

enum op { CREATE, UPDATE_CONFIG, UPDATE_CODE };

/* Expands the tables' shorthand in Z: <xN> becomes N x's and, when
 * QUOTES, ' becomes ". Returns an owned string. */
static char *expand(const char *z, int quotes) {
    size_t cap = strlen(z) + 1, n = 0;
    char *out = xmalloc(cap);
    while (*z) {
        int count = 0, used = 0;
        if (sscanf(z, "<x%d>%n", &count, &used) == 1 && used > 0) {
            cap += (size_t)count;
            out = xrealloc(out, cap);
            memset(out + n, 'x', (size_t)count);
            n += (size_t)count;
            z += used;
            continue;
        }
        out[n++] = (quotes && *z == '\'') ? '"' : *z;
        z++;
    }
    out[n] = '\0';
    return out;
}

static cJSON *body_of(const char *z) {
    char *text = expand(z, 1);
    cJSON *in = cJSON_Parse(text);
    ck_assert_msg(in != NULL, "row body is not JSON: %s", text);
    free(text);
    return in;
}

static struct req *new_req(void) {
    struct req *r = xcalloc(1, sizeof(*r));
    snprintf(r->account, sizeof(r->account), "000000000000");
    snprintf(r->region, sizeof(r->region), "us-east-1");
    r->proto = PROTO_REST_JSON;
    return r;
}

/* ------------------------------------------------------------------ */
/* The struct as text                                                   */
/* ------------------------------------------------------------------ */

static void cat(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t n, const char *fmt, ...) {
    size_t len = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, n - len, fmt, ap);
    va_end(ap);
}

static void cat_json(char *buf, size_t n, const char *key, const cJSON *v) {
    char *text = v ? cJSON_PrintUnformatted(v) : NULL;
    cat(buf, n, " %s=%s", key, text ? text : "-");
    free(text);
}

/* The members C has, in the struct's order; "-" for a present member
 * whose value is absent. */
static void dump_cfg(const struct lcfg *c, char *buf, size_t n) {
    if (c->role) cat(buf, n, " role=%s", c->role);
    if (c->handler) cat(buf, n, " handler=%s", c->handler);
    if (c->description) cat(buf, n, " description=%s", c->description);
    if (c->runtime) cat(buf, n, " runtime=%s", c->runtime);
    if (c->kms_key_arn) cat(buf, n, " kms=%s", c->kms_key_arn);
    if (c->architecture) cat(buf, n, " arch=%s", c->architecture);
    if (c->has_timeout) cat(buf, n, " timeout=%lld", (long long)c->timeout);
    if (c->has_memory) cat(buf, n, " memory=%lld", (long long)c->memory);
    if (c->has_environment) cat_json(buf, n, "env", c->env_vars);
    if (c->has_tracing) cat(buf, n, " tracing=%s", c->tracing_mode ? c->tracing_mode : "-");
    if (c->has_dead_letter) cat(buf, n, " dlc=%s", c->dead_letter_target ? c->dead_letter_target : "-");
    if (c->has_ephemeral) cat(buf, n, " eph=%lld", (long long)c->ephemeral_size);
    if (c->layers) cat_json(buf, n, "layers", c->layers);
    if (c->has_vpc) {
        cat_json(buf, n, "subnets", c->subnet_ids);
        cat_json(buf, n, "sgs", c->security_group_ids);
    }
    if (c->has_snap_start) cat(buf, n, " snap=%s", c->snap_apply_on ? c->snap_apply_on : "-");
    if (c->has_logging)
        cat(buf, n, " log=%s,%s", c->log_format ? c->log_format : "-", c->log_group ? c->log_group : "-");
}

/* Parses BODY as OP into text in BUF (on success). Returns the parse's
 * result; the error is in R. */
static int parse(enum op op, const char *body, struct req *r, char *buf, size_t n) {
    cJSON *in = body_of(body);
    int rc = -1;
    buf[0] = '\0';
    if (op == CREATE) {
        struct lcreate c;
        rc = lcreate_parse_or_fail(r, in, &c);
        if (rc == 0) {
            cat(buf, n, "name=%s publish=%d zip=%zu", c.ref.name, c.publish, c.code.nzip);
            if (c.tags) cat_json(buf, n, "tags", c.tags);
            cat(buf, n, " |");
            dump_cfg(&c.cfg, buf, n);
        }
        lcreate_clear(&c);
    } else if (op == UPDATE_CONFIG) {
        struct lcfg c;
        rc = lupdate_config_parse_or_fail(r, in, REV, &c);
        if (rc == 0) dump_cfg(&c, buf, n);
    } else {
        struct lupdate_code u;
        rc = lupdate_code_parse_or_fail(r, in, REV, &u);
        if (rc == 0)
            cat(buf, n, "publish=%d dry_run=%d arch=%s zip=%zu", u.publish, u.dry_run,
                u.architecture ? u.architecture : "-", u.code.nzip);
        lcode_clear(&u.code);
    }
    cJSON_Delete(in);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Invalid bodies: AWS's error, exactly                                 */
/* ------------------------------------------------------------------ */

static const struct {
    enum op op;
    const char *body;
    const char *code;
    const char *message;
} INVALID[] = {
    {CREATE, "{}",
     "ValidationException",
     "2 validation errors detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null; Value null at 'code' failed to satisfy constraint: Member must not be null"},
    {CREATE, "{'FunctionName':5}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'FunctionName': expected a string"},
    {CREATE, "{'FunctionName':'f','Code':5}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'Code': expected an object"},
    {CREATE, "{'FunctionName':'bad!name','Code':{}}",
     "ValidationException",
     "1 validation error detected: Value 'bad!name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"},
    {CREATE, "{'FunctionName':'<x65>','Code':{}}",
     "InvalidParameterValueException",
     "1 validation error detected: Value '<x65>' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64"},
    {CREATE, "{'FunctionName':'f:1','Code':{}}",
     "InvalidParameterValueException",
     "Function name can not contain a qualifier when creating a function."},
    {CREATE, "{'FunctionName':'arn:aws:lambda:us-west-2:000000000000:function:f','Code':{}}",
     "ResourceNotFoundException",
     "Functions from 'us-west-2' are not reachable in this region ('us-east-1')"},
    {CREATE, "{" OK ",'FunctionName':'f','CodeSigningConfigArn':'csc-1'}",
     "ValidationException",
     "1 validation error detected: Value 'csc-1' at 'codeSigningConfigArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:code-signing-config:csc-[a-z0-9]{17}"},
    {CREATE, "{" OK ",'FunctionName':'f','CodeSigningConfigArn':'arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef0'}",
     "CodeSigningConfigNotFoundException",
     "The code signing configuration cannot be found. Check that the provided configuration is not deleted: arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef0."},
    {CREATE, "{" OK ",'FunctionName':'f','PackageType':'Bad'}",
     "ValidationException",
     "1 validation error detected: Value 'Bad' at 'packageType' failed to satisfy constraint: Member must satisfy enum value set: [Image, Zip]"},
    {CREATE, "{" OK ",'FunctionName':'f','PackageType':'Image'}",
     "InvalidParameterValueException",
     "sluice runs functions as local processes without Docker and cannot run container images: PackageType Image is not supported. Use PackageType Zip."},
    {CREATE, "{" OK ",'FunctionName':'f','Publish':'yes'}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'Publish': expected a boolean"},
    {CREATE, "{'FunctionName':'f','Code':{'ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='},'Handler':'h','Runtime':'python3.12'}",
     "ValidationException",
     "1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null"},
    {CREATE, "{'Role':'r1','Handler':'a b','Runtime':'python3.12','Code':{'ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='},'FunctionName':'f','Description':'<x257>','Timeout':0,'MemorySize':10241,'Architectures':['arm64','sparc']}",
     "ValidationException",
     "7 validation errors detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+; Value '[arm64, sparc]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1; Value '[arm64, sparc]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]; Value 'a b' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+; Value '<x257>' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256; Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240"},
    {CREATE, "{'Role':'arn:aws:iam::123456789012:role/r','Handler':'<x129>','Runtime':'python3.12','Code':{'ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='},'FunctionName':'f','Timeout':901,'MemorySize':127,'Architectures':[]}",
     "ValidationException",
     "4 validation errors detected: Value '[]' at 'architectures' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '<x129>' at 'handler' failed to satisfy constraint: Member must have length less than or equal to 128; Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900; Value '127' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"},
    {CREATE, "{" OK ",'FunctionName':'f','Architectures':['x86_64','arm64']}",
     "ValidationException",
     "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1"},
    {CREATE, "{" OK ",'FunctionName':'f','Timeout':'3'}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'Timeout': expected an integer"},
    {CREATE, "{" OK ",'FunctionName':'f','Timeout':1.5}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'Timeout': expected an integer"},
    {CREATE, "{'Role':5,'Handler':'index.handler','Runtime':'python3.12','Code':{'ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='},'FunctionName':'f'}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'Role': expected a string"},
    {CREATE, "{'Role':'arn:aws:iam::123456789012:role/r','Handler':'index.handler','Runtime':'PYTHON3.9','Code':{'ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='},'FunctionName':'f'}",
     "InvalidParameterValueException",
     "Value PYTHON3.9 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [nodejs24.x, nodejs22.x, nodejs20.x, nodejs18.x, python3.14, python3.13, python3.12, python3.11, python3.10, python3.9, java25, java21, java17, java11, java8.al2, dotnet10, dotnet8, ruby4.0, ruby3.4, ruby3.3, ruby3.2, provided.al2023, provided.al2] or be a valid ARN"},
    {CREATE, "{'Role':'arn:aws:iam::123456789012:role/r','Handler':'index.handler','Runtime':'python3.7','Code':{'ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='},'FunctionName':'f'}",
     "InvalidParameterValueException",
     "The runtime parameter of python3.7 is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."},
    {CREATE, "{'FunctionName':'f','Role':'arn:aws:iam::123456789012:role/r','Handler':'h','Code':{'ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='}}",
     "InvalidParameterValueException",
     "Runtime and Handler are mandatory parameters for functions created with deployment packages."},
    {CREATE, "{" OK ",'FunctionName':'f','Environment':'e'}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'Environment': expected an object"},
    {CREATE, "{" OK ",'FunctionName':'f','Environment':{'Variables':{'AWS_REGION':'x','A':'1','_HANDLER':'y'}}}",
     "ValidationException",
     "1 validation error detected: Value '_HANDLER' at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"},
    {CREATE, "{" OK ",'FunctionName':'f','Environment':{'Variables':{'AWS_REGION':'x','A':'1','LAMBDA_TASK_ROOT':'y'}}}",
     "InvalidParameterValueException",
     "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION, LAMBDA_TASK_ROOT"},
    {CREATE, "{" OK ",'FunctionName':'f','Environment':{'Variables':{'1a':'x'}}}",
     "ValidationException",
     "1 validation error detected: Value '1a' at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"},
    {CREATE, "{" OK ",'FunctionName':'f','Environment':{'Variables':{'A':1}}}",
     "InvalidRequestContentException",
     "Could not parse request body into json: environment variable values must be strings"},
    {CREATE, "{" OK ",'FunctionName':'f','Environment':{'Variables':{'B':'<x4090>'}}}",
     "InvalidParameterValueException",
     "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {\"B\":\"<x4090>\"}"},
    {CREATE, "{" OK ",'FunctionName':'f','TracingConfig':{'Mode':'Bad'}}",
     "ValidationException",
     "1 validation error detected: Value 'Bad' at 'tracingConfig.mode' failed to satisfy constraint: Member must satisfy enum value set: [Active, PassThrough]"},
    {CREATE, "{" OK ",'FunctionName':'f','TracingConfig':{'Mode':1}}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'Mode': expected a string"},
    {CREATE, "{" OK ",'FunctionName':'f','EphemeralStorage':{'Size':100}}",
     "ValidationException",
     "1 validation error detected: Value '100' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value greater than or equal to 512"},
    {CREATE, "{" OK ",'FunctionName':'f','EphemeralStorage':{'Size':20000}}",
     "ValidationException",
     "1 validation error detected: Value '20000' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value less than or equal to 10240"},
    {CREATE, "{" OK ",'FunctionName':'f','Layers':['arn:a','arn:a','arn:a','arn:a','arn:a','arn:a']}",
     "InvalidParameterValueException",
     "Cannot reference more than 5 layers."},
    {CREATE, "{" OK ",'FunctionName':'f','Layers':['bad']}",
     "ValidationException",
     "1 validation error detected: Value '[bad]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+]"},
    {CREATE, "{" OK ",'FunctionName':'f','Layers':[5]}",
     "ValidationException",
     "1 validation error detected: Value '[]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+]"},
    {CREATE, "{" OK ",'FunctionName':'f','DeadLetterConfig':{'TargetArn':5}}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'TargetArn': expected a string"},
    {CREATE, "{" OK ",'FunctionName':'f','SnapStart':{'ApplyOn':5}}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'ApplyOn': expected a string"},
    {CREATE, "{" OK ",'FunctionName':'f','LoggingConfig':{'LogFormat':5}}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'LogFormat': expected a string"},
    {CREATE, "{" OK ",'FunctionName':'f','LoggingConfig':{'LogFormat':'JSON','LogGroup':7}}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'LogGroup': expected a string"},
    {CREATE, "{" OK ",'FunctionName':'f','VpcConfig':[]}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'VpcConfig': expected an object"},
    {CREATE, "{" OK ",'FunctionName':'f','Tags':{'a':1}}",
     "InvalidRequestContentException",
     "Could not parse request body into json: tag values must be strings"},
    {CREATE, "{'Role':'arn:aws:iam::123456789012:role/r','Handler':'index.handler','Runtime':'python3.12','Code':{'ImageUri':'i','ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='},'FunctionName':'f'}",
     "InvalidParameterValueException",
     "sluice runs functions as local processes and cannot run container images: ImageUri is not supported."},
    {CREATE, "{'Role':'arn:aws:iam::123456789012:role/r','Handler':'index.handler','Runtime':'python3.12','Code':{'S3Bucket':'b'},'FunctionName':'f'}",
     "InvalidParameterValueException",
     "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist"},
    {CREATE, "{'Role':'arn:aws:iam::123456789012:role/r','Handler':'index.handler','Runtime':'python3.12','Code':{},'FunctionName':'f'}",
     "InvalidParameterValueException",
     "Please provide a source for function code."},
    {CREATE, "{'Role':'arn:aws:iam::123456789012:role/r','Handler':'index.handler','Runtime':'python3.12','Code':{'ZipFile':'!!!'},'FunctionName':'f'}",
     "InvalidParameterValueException",
     "Could not unzip uploaded file. Please check your file, then try to upload again."},
    {CREATE, "{'Role':'arn:aws:iam::123456789012:role/r','Handler':'index.handler','Runtime':'python3.12','Code':{'ZipFile':5},'FunctionName':'f'}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'ZipFile': expected a string"},
    {CREATE, "{'Role':'r1','Handler':'index.handler','Runtime':'python3.12','Code':{'ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='},'FunctionName':'bad!name'}",
     "ValidationException",
     "1 validation error detected: Value 'bad!name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"},
    {CREATE, "{'Role':'r1','Handler':'index.handler','Runtime':'python3.7','Code':{'ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='},'FunctionName':'f'}",
     "ValidationException",
     "1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+"},
    {CREATE, "{'Role':'arn:aws:iam::123456789012:role/r','Handler':'index.handler','Runtime':'python3.7','Code':{'ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='},'FunctionName':'f','Environment':{'Variables':{'AWS_REGION':'x'}}}",
     "InvalidParameterValueException",
     "The runtime parameter of python3.7 is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."},
    {CREATE, "{" OK ",'FunctionName':'f','TracingConfig':{'Mode':'Bad'},'EphemeralStorage':{'Size':1}}",
     "ValidationException",
     "1 validation error detected: Value 'Bad' at 'tracingConfig.mode' failed to satisfy constraint: Member must satisfy enum value set: [Active, PassThrough]"},
    {CREATE, "{" OK ",'FunctionName':'f','Layers':['bad'],'DeadLetterConfig':{'TargetArn':5}}",
     "ValidationException",
     "1 validation error detected: Value '[bad]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+]"},
    {UPDATE_CONFIG, "{'RevisionId':'other'}",
     "PreconditionFailedException",
     "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"},
    {UPDATE_CONFIG, "{'RevisionId':5}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'RevisionId': expected a string"},
    {UPDATE_CONFIG, "{'RevisionId':'other','Role':'r1'}",
     "PreconditionFailedException",
     "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"},
    {UPDATE_CONFIG, "{'Role':'r1','Timeout':0}",
     "ValidationException",
     "2 validation errors detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+; Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1"},
    {UPDATE_CONFIG, "{'Handler':''}",
     "ValidationException",
     "1 validation error detected: Value '' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+"},
    {UPDATE_CONFIG, "{'Runtime':'go1.x'}",
     "InvalidParameterValueException",
     "The runtime parameter of go1.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."},
    {UPDATE_CONFIG, "{'Environment':{'Variables':{'LAMBDA_TASK_ROOT':'x'}}}",
     "InvalidParameterValueException",
     "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: LAMBDA_TASK_ROOT"},
    {UPDATE_CONFIG, "{'LoggingConfig':{'LogGroup':1}}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'LogGroup': expected a string"},
    {UPDATE_CODE, "{'RevisionId':'other','ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='}",
     "PreconditionFailedException",
     "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"},
    {UPDATE_CODE, "{'DryRun':1,'ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'DryRun': expected a boolean"},
    {UPDATE_CODE, "{'Publish':'x','ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'Publish': expected a boolean"},
    {UPDATE_CODE, "{'Architectures':[],'ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='}",
     "ValidationException",
     "1 validation error detected: Value '[]' at 'architectures' failed to satisfy constraint: Member must have length greater than or equal to 1"},
    {UPDATE_CODE, "{'Architectures':'x86_64','ZipFile':'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='}",
     "InvalidRequestContentException",
     "Could not parse request body into json: Could not deserialize member 'Architectures': expected an array"},
    {UPDATE_CODE, "{'Architectures':['sparc']}",
     "ValidationException",
     "1 validation error detected: Value '[sparc]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]"},
    {UPDATE_CODE, "{}",
     "InvalidParameterValueException",
     "Please provide a source for function code."},
    {UPDATE_CODE, "{'S3Bucket':'b'}",
     "InvalidParameterValueException",
     "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist"},
    {UPDATE_CODE, "{'ImageUri':'i'}",
     "InvalidParameterValueException",
     "sluice runs functions as local processes and cannot run container images: ImageUri is not supported."},
    {UPDATE_CODE, "{'ZipFile':'%%%'}",
     "InvalidParameterValueException",
     "Could not unzip uploaded file. Please check your file, then try to upload again."},
};

static void store_up(void) { ck_assert_int_eq(store_init(NULL, 1), STORE_OK); }
static void store_down(void) { store_shutdown(); }

START_TEST(test_invalid) {
    struct req *r = new_req();
    char got[2048];
    int rc = parse(INVALID[_i].op, INVALID[_i].body, r, got, sizeof(got));
    char *want = expand(INVALID[_i].message, 0);
    ck_assert_msg(rc == -1, "row %d parsed: %s", _i, got);
    ck_assert_ptr_nonnull(r->err);
    ck_assert_str_eq(r->err->code, INVALID[_i].code);
    ck_assert_str_eq(r->err_msg, want);
    free(want);
    req_free(r);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Valid bodies: the struct                                             */
/* ------------------------------------------------------------------ */

static const struct {
    enum op op;
    const char *body;
    const char *want;
} VALID[] = {
    {CREATE, MIN,
     "name=f publish=0 zip=22 | role=arn:aws:iam::123456789012:role/r handler=index.handler "
     "runtime=python3.12"},
    {CREATE, "{" OK ",'FunctionName':'arn:aws:lambda:us-east-1:000000000000:function:f','Publish':true}",
     "name=f publish=1 zip=22 | role=arn:aws:iam::123456789012:role/r handler=index.handler "
     "runtime=python3.12"},
    {CREATE, FULL,
     "name=f publish=0 zip=22 tags={\"t\":\"v\"} | role=arn:aws:iam::123456789012:role/r "
     "handler=index.handler description=d runtime=python3.12 kms=arn:aws:kms:us-east-1:000000000000:key/k "
     "arch=arm64 timeout=30 memory=256 env={\"A\":\"1\"} tracing=Active "
     "dlc=arn:aws:sqs:us-east-1:000000000000:q eph=1024 "
     "layers=[\"arn:aws:lambda:us-east-1:123456789012:layer:l:1\"] subnets=[\"s\"] sgs=- "
     "snap=PublishedVersions log=JSON,-"},
    /* Limits, inclusive. */
    {CREATE, "{'Role':'arn:aws:iam::123456789012:role/r','Handler':'<x128>','Runtime':'python3.12',"
             "'Code':{'ZipFile':'" ZIP "'},'FunctionName':'<x64>','Timeout':900,'MemorySize':10240,"
             "'Description':'<x256>','EphemeralStorage':{'Size':10240}}",
     "name=<x64> publish=0 zip=22 | role=arn:aws:iam::123456789012:role/r handler=<x128> "
     "description=<x256> runtime=python3.12 timeout=900 memory=10240 eph=10240"},
    /* JSON null is absence. */
    {CREATE, "{" OK ",'FunctionName':'f','Tags':null,'Timeout':null,'Environment':null,'Layers':null}",
     "name=f publish=0 zip=22 | role=arn:aws:iam::123456789012:role/r handler=index.handler "
     "runtime=python3.12"},
    {UPDATE_CONFIG, "{}", ""},
    {UPDATE_CONFIG, "{'RevisionId':'" REV "','Timeout':1,'MemorySize':128}", " timeout=1 memory=128"},
    /* UpdateFunctionConfiguration has no Architectures: it is not read. */
    {UPDATE_CONFIG, "{'Architectures':'x','PackageType':5}", ""},
    /* The members an update removes with an empty value. */
    {UPDATE_CONFIG,
     "{'Environment':{'Variables':{}},'DeadLetterConfig':{'TargetArn':''},'KMSKeyArn':'','Layers':[]}",
     " kms= env={} dlc= layers=[]"},
    /* Present but empty: the defaults apply. */
    {UPDATE_CONFIG,
     "{'Environment':{},'TracingConfig':{},'DeadLetterConfig':{},'EphemeralStorage':{},'VpcConfig':{},"
     "'SnapStart':{},'LoggingConfig':{}}",
     " env=- tracing=- dlc=- eph=512 subnets=- sgs=- snap=- log=-,-"},
    {UPDATE_CODE, "{'ZipFile':'" ZIP "'}", "publish=0 dry_run=0 arch=- zip=22"},
    {UPDATE_CODE, "{'ZipFile':'" ZIP "','RevisionId':'" REV "','Publish':true,'DryRun':true,'Architectures':['arm64']}",
     "publish=1 dry_run=1 arch=arm64 zip=22"},
    /* A bucket beside a zip: the zip is used. */
    {UPDATE_CODE, "{'ZipFile':'" ZIP "','S3Bucket':'b'}", "publish=0 dry_run=0 arch=- zip=22"},
};

START_TEST(test_valid) {
    struct req *r = new_req();
    char got[2048];
    int rc = parse(VALID[_i].op, VALID[_i].body, r, got, sizeof(got));
    ck_assert_msg(rc == 0, "row %d: %s: %s", _i, r->err ? r->err->code : "?", r->err_msg ? r->err_msg : "");
    ck_assert_ptr_null(r->err);
    char *want = expand(VALID[_i].want, 0);
    ck_assert_str_eq(got, want);
    free(want);
    req_free(r);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Applying: the document                                               */
/* ------------------------------------------------------------------ */

/* CREATE_BODY made into a document; then UPDATE (NULL: none) applied to
 * it, with the RuntimeVersionConfig the update's save refreshes. The
 * documents were the server's, with RevisionId R, LastModified T and
 * CodeSha256 SHA. */
static const struct {
    const char *create_body;
    const char *update;
    const char *want;
} APPLY[] = {
    {MIN, NULL,
     "{'FunctionName':'f','FunctionArn':'arn:aws:lambda:us-east-1:000000000000:function:f','Description':'','Timeout':3,'MemorySize':128,'Runtime':'python3.12','Role':'arn:aws:iam::123456789012:role/r','Handler':'index.handler','TracingConfig':{'Mode':'PassThrough'},'EphemeralStorage':{'Size':512},'SnapStart':{'ApplyOn':'None','OptimizationStatus':'Off'},'LoggingConfig':{'LogFormat':'Text','LogGroup':'/aws/lambda/f'},'CodeSize':22,'CodeSha256':'SHA','LastModified':'T','Version':'$LATEST','RevisionId':'R','PackageType':'Zip','Architectures':['x86_64'],'State':'Active','LastUpdateStatus':'Successful','RuntimeVersionConfig':{'RuntimeVersionArn':'arn:aws:lambda:us-east-1::runtime:python3.12-sluice-0000000000000000000000000000000000000000'}}"},
    {FULL, NULL,
     "{'FunctionName':'f','FunctionArn':'arn:aws:lambda:us-east-1:000000000000:function:f','Description':'d','Timeout':30,'MemorySize':256,'Runtime':'python3.12','Role':'arn:aws:iam::123456789012:role/r','Handler':'index.handler','Environment':{'Variables':{'A':'1'}},'TracingConfig':{'Mode':'Active'},'DeadLetterConfig':{'TargetArn':'arn:aws:sqs:us-east-1:000000000000:q'},'KMSKeyArn':'arn:aws:kms:us-east-1:000000000000:key/k','EphemeralStorage':{'Size':1024},'Layers':[{'Arn':'arn:aws:lambda:us-east-1:123456789012:layer:l:1','CodeSize':0}],'VpcConfig':{'SubnetIds':['s'],'SecurityGroupIds':[],'VpcId':'','Ipv6AllowedForDualStack':false},'SnapStart':{'ApplyOn':'PublishedVersions','OptimizationStatus':'Off'},'LoggingConfig':{'LogFormat':'JSON','LogGroup':'/aws/lambda/f'},'CodeSize':22,'CodeSha256':'SHA','LastModified':'T','Version':'$LATEST','RevisionId':'R','PackageType':'Zip','Architectures':['arm64'],'State':'Active','LastUpdateStatus':'Successful','RuntimeVersionConfig':{'RuntimeVersionArn':'arn:aws:lambda:us-east-1::runtime:python3.12-sluice-0000000000000000000000000000000000000000'}}"},
    {MIN, "{}",
     "{'FunctionName':'f','FunctionArn':'arn:aws:lambda:us-east-1:000000000000:function:f','Description':'','Timeout':3,'MemorySize':128,'Runtime':'python3.12','Role':'arn:aws:iam::123456789012:role/r','Handler':'index.handler','TracingConfig':{'Mode':'PassThrough'},'EphemeralStorage':{'Size':512},'SnapStart':{'ApplyOn':'None','OptimizationStatus':'Off'},'LoggingConfig':{'LogFormat':'Text','LogGroup':'/aws/lambda/f'},'CodeSize':22,'CodeSha256':'SHA','LastModified':'T','Version':'$LATEST','RevisionId':'R','PackageType':'Zip','Architectures':['x86_64'],'State':'Active','LastUpdateStatus':'Successful','RuntimeVersionConfig':{'RuntimeVersionArn':'arn:aws:lambda:us-east-1::runtime:python3.12-sluice-0000000000000000000000000000000000000000'}}"},
    {MIN, "{'Environment':{},'TracingConfig':{},'EphemeralStorage':{},'SnapStart':{},'LoggingConfig':{},'VpcConfig':{}}",
     "{'FunctionName':'f','FunctionArn':'arn:aws:lambda:us-east-1:000000000000:function:f','Description':'','Timeout':3,'MemorySize':128,'Runtime':'python3.12','Role':'arn:aws:iam::123456789012:role/r','Handler':'index.handler','TracingConfig':{'Mode':'PassThrough'},'EphemeralStorage':{'Size':512},'SnapStart':{'ApplyOn':'None','OptimizationStatus':'Off'},'LoggingConfig':{'LogFormat':'Text','LogGroup':'/aws/lambda/f'},'CodeSize':22,'CodeSha256':'SHA','LastModified':'T','Version':'$LATEST','RevisionId':'R','PackageType':'Zip','Architectures':['x86_64'],'State':'Active','LastUpdateStatus':'Successful','RuntimeVersionConfig':{'RuntimeVersionArn':'arn:aws:lambda:us-east-1::runtime:python3.12-sluice-0000000000000000000000000000000000000000'},'Environment':{'Variables':{}},'VpcConfig':{'SubnetIds':[],'SecurityGroupIds':[],'VpcId':'','Ipv6AllowedForDualStack':false}}"},
    {FULL, "{'Environment':{'Variables':{}},'DeadLetterConfig':{'TargetArn':''},'KMSKeyArn':'','Layers':[],'Runtime':'nodejs20.x','LoggingConfig':{'LogGroup':'/g'}}",
     "{'FunctionName':'f','FunctionArn':'arn:aws:lambda:us-east-1:000000000000:function:f','Description':'d','Timeout':30,'MemorySize':256,'Runtime':'nodejs20.x','Role':'arn:aws:iam::123456789012:role/r','Handler':'index.handler','TracingConfig':{'Mode':'Active'},'EphemeralStorage':{'Size':1024},'VpcConfig':{'SubnetIds':['s'],'SecurityGroupIds':[],'VpcId':'','Ipv6AllowedForDualStack':false},'SnapStart':{'ApplyOn':'PublishedVersions','OptimizationStatus':'Off'},'LoggingConfig':{'LogFormat':'Text','LogGroup':'/g'},'CodeSize':22,'CodeSha256':'SHA','LastModified':'T','Version':'$LATEST','RevisionId':'R','PackageType':'Zip','Architectures':['arm64'],'State':'Active','LastUpdateStatus':'Successful','RuntimeVersionConfig':{'RuntimeVersionArn':'arn:aws:lambda:us-east-1::runtime:nodejs20.x-sluice-0000000000000000000000000000000000000000'}}"},
    {FULL, "{'Description':'','Timeout':900,'MemorySize':10240,'Role':'arn:aws:iam::123456789012:role/o','Handler':'h2','Environment':{'Variables':{'B':'2'}},'DeadLetterConfig':{}}",
     "{'FunctionName':'f','FunctionArn':'arn:aws:lambda:us-east-1:000000000000:function:f','Description':'','Timeout':900,'MemorySize':10240,'Runtime':'python3.12','Role':'arn:aws:iam::123456789012:role/o','Handler':'h2','Environment':{'Variables':{'B':'2'}},'TracingConfig':{'Mode':'Active'},'KMSKeyArn':'arn:aws:kms:us-east-1:000000000000:key/k','EphemeralStorage':{'Size':1024},'Layers':[{'Arn':'arn:aws:lambda:us-east-1:123456789012:layer:l:1','CodeSize':0}],'VpcConfig':{'SubnetIds':['s'],'SecurityGroupIds':[],'VpcId':'','Ipv6AllowedForDualStack':false},'SnapStart':{'ApplyOn':'PublishedVersions','OptimizationStatus':'Off'},'LoggingConfig':{'LogFormat':'JSON','LogGroup':'/aws/lambda/f'},'CodeSize':22,'CodeSha256':'SHA','LastModified':'T','Version':'$LATEST','RevisionId':'R','PackageType':'Zip','Architectures':['arm64'],'State':'Active','LastUpdateStatus':'Successful','RuntimeVersionConfig':{'RuntimeVersionArn':'arn:aws:lambda:us-east-1::runtime:python3.12-sluice-0000000000000000000000000000000000000000'}}"},
};

START_TEST(test_apply) {
    struct req *r = new_req();
    struct lcreate c;
    cJSON *in = body_of(APPLY[_i].create_body);
    ck_assert_int_eq(lcreate_parse_or_fail(r, in, &c), 0);
    struct lcode_stored code = {c.code.nzip, "SHA"};
    cJSON *doc = lcreate_config(&c, "arn:aws:lambda:us-east-1:000000000000:function:f", &code, "T", "R");
    if (APPLY[_i].update) {
        struct lcfg u;
        cJSON *uin = body_of(APPLY[_i].update);
        ck_assert_int_eq(lupdate_config_parse_or_fail(r, uin, "R", &u), 0);
        lcfg_apply(&u, doc, 0);
        lcfg_runtime_version(doc);
        cJSON_Delete(uin);
    }
    char *got = cJSON_PrintUnformatted(doc);
    char *want = expand(APPLY[_i].want, 1);
    ck_assert_str_eq(got, want);
    free(want);
    free(got);
    cJSON_Delete(doc);
    lcreate_clear(&c);
    cJSON_Delete(in);
    req_free(r);
}
END_TEST

/* UpdateFunctionCode's apply: the architecture when given, then the code. */
START_TEST(test_code_apply) {
    cJSON *doc = cJSON_Parse("{\"CodeSize\":1,\"CodeSha256\":\"old\",\"Architectures\":[\"x86_64\"]}");
    struct lcode_stored code = {22, "new"};
    lcode_apply(doc, NULL, &code);
    char *text = cJSON_PrintUnformatted(doc);
    ck_assert_str_eq(text, "{\"CodeSize\":22,\"CodeSha256\":\"new\",\"Architectures\":[\"x86_64\"]}");
    free(text);
    lcode_apply(doc, "arm64", &code);
    text = cJSON_PrintUnformatted(doc);
    ck_assert_str_eq(text, "{\"CodeSize\":22,\"CodeSha256\":\"new\",\"Architectures\":[\"arm64\"]}");
    free(text);
    cJSON_Delete(doc);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("lambda_config");
    TCase *tc = tcase_create("invalid");
    /* Code.S3Bucket reads S3's tables (api/s3.h): a store, empty. */
    tcase_add_checked_fixture(tc, store_up, store_down);
    tcase_add_loop_test(tc, test_invalid, 0, (int)NELEM(INVALID));
    suite_add_tcase(s, tc);
    tc = tcase_create("valid");
    tcase_add_loop_test(tc, test_valid, 0, (int)NELEM(VALID));
    suite_add_tcase(s, tc);
    tc = tcase_create("apply");
    tcase_add_loop_test(tc, test_apply, 0, (int)NELEM(APPLY));
    tcase_add_test(tc, test_code_apply);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    /* 77 means "skipped" to meson. */
    return failed < 77 ? failed : 76;
}
