/*
 * AWS::S3::Bucket and AWS::S3::BucketPolicy (api/cfn_type.h), through
 * S3's own REST operations (CreateBucket, the Put/Delete of each bucket
 * subresource, PutBucketPolicy, DeleteBucket), so a template gets S3's
 * checks and errors (BucketNotEmpty on a delete, as AWS reports it).
 * CloudFormation's property shapes (AWS CloudFormation User Guide,
 * "AWS::S3::Bucket" and its property types) are written as the XML
 * bodies of the S3 API Reference's Put operations. Identity, attributes
 * and in-place properties: docs/cloudformation-reference.md, sections 1.1
 * and 1.2. Stored only, with nothing behind them (sluice's S3 lacks them,
 * or they need more mapping than they are worth here):
 * NotificationConfiguration, ReplicationConfiguration, ObjectLockEnabled,
 * ObjectLockConfiguration, AnalyticsConfigurations,
 * IntelligentTieringConfigurations, InventoryConfigurations,
 * MetricsConfigurations, MetadataTableConfiguration.
 */
#include "api/cfn_res_svc.h"
#include "api/s3_xml.h"
#include "base/util.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S3_TITLE "S3"
#define XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"

/* Bucket names are at most 63 characters, in lower case (Amazon S3 User
 * Guide, "Bucket naming rules"). */
#define BUCKET_NAME_MAX 63

/* ---- CloudFormation's shapes as S3's XML (pure) ---- */

/* <NAME>text of member KEY of O</NAME> when O has it. */
static void elem(struct s3x_buf *x, const char *name, const cJSON *o, const char *key) {
    char *z = cfnr_text(cJSON_GetObjectItemCaseSensitive(o, key));
    if (z) s3x_elem(x, name, z);
    free(z);
}

/* <NAME>S</NAME> for each string of array ARR. */
static void elems(struct s3x_buf *x, const char *name, const cJSON *arr) {
    const cJSON *e;
    cJSON_ArrayForEach(e, arr) if (cJSON_IsString(e)) s3x_elem(x, name, e->valuestring);
}

static void open_root(struct s3x_buf *x, const char *root) { s3x_addf(x, "<%s xmlns=\"" XMLNS "\">", root); }

static void versioning_xml(struct s3x_buf *x, const cJSON *v) {
    open_root(x, "VersioningConfiguration");
    elem(x, "Status", v, "Status");
    s3x_add(x, "</VersioningConfiguration>");
}

static void encryption_xml(struct s3x_buf *x, const cJSON *v) {
    open_root(x, "ServerSideEncryptionConfiguration");
    const cJSON *rule;
    cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(v, "ServerSideEncryptionConfiguration")) {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(rule, "ServerSideEncryptionByDefault");
        s3x_add(x, "<Rule>");
        if (d) {
            s3x_add(x, "<ApplyServerSideEncryptionByDefault>");
            elem(x, "SSEAlgorithm", d, "SSEAlgorithm");
            elem(x, "KMSMasterKeyID", d, "KMSMasterKeyID");
            s3x_add(x, "</ApplyServerSideEncryptionByDefault>");
        }
        elem(x, "BucketKeyEnabled", rule, "BucketKeyEnabled");
        s3x_add(x, "</Rule>");
    }
    s3x_add(x, "</ServerSideEncryptionConfiguration>");
}

static void public_access_xml(struct s3x_buf *x, const cJSON *v) {
    static const char *const flags[] = {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                        "RestrictPublicBuckets"};
    open_root(x, "PublicAccessBlockConfiguration");
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) elem(x, flags[i], v, flags[i]);
    s3x_add(x, "</PublicAccessBlockConfiguration>");
}

/* A lifecycle rule's Filter: its prefix, tags and sizes, under And when
 * more than one (S3 API Reference, "LifecycleRuleFilter"). */
static void lifecycle_filter(struct s3x_buf *x, const cJSON *rule) {
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(rule, "TagFilters");
    int n = cJSON_GetArraySize(tags);
    static const char *const sizes[] = {"ObjectSizeGreaterThan", "ObjectSizeLessThan"};
    for (size_t i = 0; i < 2; i++) n += cJSON_GetObjectItemCaseSensitive(rule, sizes[i]) != NULL;
    n += cJSON_GetObjectItemCaseSensitive(rule, "Prefix") != NULL;
    s3x_add(x, n > 1 ? "<Filter><And>" : "<Filter>");
    if (n == 0) s3x_elem(x, "Prefix", "");
    elem(x, "Prefix", rule, "Prefix");
    const cJSON *t;
    cJSON_ArrayForEach(t, tags) {
        s3x_add(x, "<Tag>");
        elem(x, "Key", t, "Key");
        elem(x, "Value", t, "Value");
        s3x_add(x, "</Tag>");
    }
    for (size_t i = 0; i < 2; i++) elem(x, sizes[i], rule, sizes[i]);
    s3x_add(x, n > 1 ? "</And></Filter>" : "</Filter>");
}

/* A transition T of a rule: TransitionInDays / TransitionDate. */
static void transition_xml(struct s3x_buf *x, const char *root, const char *days, const cJSON *t) {
    s3x_addf(x, "<%s>", root);
    elem(x, days, t, "TransitionInDays");
    elem(x, "Date", t, "TransitionDate");
    elem(x, "StorageClass", t, "StorageClass");
    elem(x, "NewerNoncurrentVersions", t, "NewerNoncurrentVersions");
    s3x_addf(x, "</%s>", root);
}

static void lifecycle_rule(struct s3x_buf *x, const cJSON *rule) {
    s3x_add(x, "<Rule>");
    elem(x, "ID", rule, "Id");
    lifecycle_filter(x, rule);
    elem(x, "Status", rule, "Status");
    static const char *const exp[][2] = {{"Days", "ExpirationInDays"}, {"Date", "ExpirationDate"},
                                         {"ExpiredObjectDeleteMarker", "ExpiredObjectDeleteMarker"}};
    int has_exp = 0;
    for (size_t i = 0; i < 3; i++) has_exp |= cJSON_GetObjectItemCaseSensitive(rule, exp[i][1]) != NULL;
    if (has_exp) {
        s3x_add(x, "<Expiration>");
        for (size_t i = 0; i < 3; i++) elem(x, exp[i][0], rule, exp[i][1]);
        s3x_add(x, "</Expiration>");
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(rule, "Transitions"))
        transition_xml(x, "Transition", "Days", t);
    t = cJSON_GetObjectItemCaseSensitive(rule, "Transition");
    if (t) transition_xml(x, "Transition", "Days", t);
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(rule, "NoncurrentVersionTransitions"))
        transition_xml(x, "NoncurrentVersionTransition", "NoncurrentDays", t);
    t = cJSON_GetObjectItemCaseSensitive(rule, "NoncurrentVersionTransition");
    if (t) transition_xml(x, "NoncurrentVersionTransition", "NoncurrentDays", t);
    const cJSON *nve = cJSON_GetObjectItemCaseSensitive(rule, "NoncurrentVersionExpiration");
    if (nve || cJSON_GetObjectItemCaseSensitive(rule, "NoncurrentVersionExpirationInDays")) {
        s3x_add(x, "<NoncurrentVersionExpiration>");
        elem(x, "NoncurrentDays", nve, "NoncurrentDays");
        elem(x, "NewerNoncurrentVersions", nve, "NewerNoncurrentVersions");
        elem(x, "NoncurrentDays", rule, "NoncurrentVersionExpirationInDays");
        s3x_add(x, "</NoncurrentVersionExpiration>");
    }
    const cJSON *abort = cJSON_GetObjectItemCaseSensitive(rule, "AbortIncompleteMultipartUpload");
    if (abort) {
        s3x_add(x, "<AbortIncompleteMultipartUpload>");
        elem(x, "DaysAfterInitiation", abort, "DaysAfterInitiation");
        s3x_add(x, "</AbortIncompleteMultipartUpload>");
    }
    s3x_add(x, "</Rule>");
}

static void lifecycle_xml(struct s3x_buf *x, const cJSON *v) {
    open_root(x, "LifecycleConfiguration");
    const cJSON *rule;
    cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(v, "Rules")) lifecycle_rule(x, rule);
    s3x_add(x, "</LifecycleConfiguration>");
}

static void cors_xml(struct s3x_buf *x, const cJSON *v) {
    open_root(x, "CORSConfiguration");
    const cJSON *rule;
    cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(v, "CorsRules")) {
        s3x_add(x, "<CORSRule>");
        elem(x, "ID", rule, "Id");
        elems(x, "AllowedHeader", cJSON_GetObjectItemCaseSensitive(rule, "AllowedHeaders"));
        elems(x, "AllowedMethod", cJSON_GetObjectItemCaseSensitive(rule, "AllowedMethods"));
        elems(x, "AllowedOrigin", cJSON_GetObjectItemCaseSensitive(rule, "AllowedOrigins"));
        elems(x, "ExposeHeader", cJSON_GetObjectItemCaseSensitive(rule, "ExposedHeaders"));
        elem(x, "MaxAgeSeconds", rule, "MaxAge");
        s3x_add(x, "</CORSRule>");
    }
    s3x_add(x, "</CORSConfiguration>");
}

static void website_xml(struct s3x_buf *x, const cJSON *v) {
    open_root(x, "WebsiteConfiguration");
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(v, "RedirectAllRequestsTo");
    if (all) {
        s3x_add(x, "<RedirectAllRequestsTo>");
        elem(x, "HostName", all, "HostName");
        elem(x, "Protocol", all, "Protocol");
        s3x_add(x, "</RedirectAllRequestsTo>");
    }
    if (cfnr_str(v, "IndexDocument")) {
        s3x_add(x, "<IndexDocument>");
        elem(x, "Suffix", v, "IndexDocument");
        s3x_add(x, "</IndexDocument>");
    }
    if (cfnr_str(v, "ErrorDocument")) {
        s3x_add(x, "<ErrorDocument>");
        elem(x, "Key", v, "ErrorDocument");
        s3x_add(x, "</ErrorDocument>");
    }
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(v, "RoutingRules"), *rr;
    if (rules) s3x_add(x, "<RoutingRules>");
    cJSON_ArrayForEach(rr, rules) {
        const cJSON *cond = cJSON_GetObjectItemCaseSensitive(rr, "RoutingRuleCondition");
        const cJSON *red = cJSON_GetObjectItemCaseSensitive(rr, "RedirectRule");
        s3x_add(x, "<RoutingRule>");
        if (cond) {
            s3x_add(x, "<Condition>");
            elem(x, "KeyPrefixEquals", cond, "KeyPrefixEquals");
            elem(x, "HttpErrorCodeReturnedEquals", cond, "HttpErrorCodeReturnedEquals");
            s3x_add(x, "</Condition>");
        }
        s3x_add(x, "<Redirect>");
        static const char *const rm[] = {"Protocol", "HostName", "ReplaceKeyPrefixWith", "ReplaceKeyWith",
                                         "HttpRedirectCode"};
        for (size_t i = 0; i < sizeof(rm) / sizeof(rm[0]); i++) elem(x, rm[i], red, rm[i]);
        s3x_add(x, "</Redirect></RoutingRule>");
    }
    if (rules) s3x_add(x, "</RoutingRules>");
    s3x_add(x, "</WebsiteConfiguration>");
}

static void ownership_xml(struct s3x_buf *x, const cJSON *v) {
    open_root(x, "OwnershipControls");
    const cJSON *rule;
    cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(v, "Rules")) {
        s3x_add(x, "<Rule>");
        elem(x, "ObjectOwnership", rule, "ObjectOwnership");
        s3x_add(x, "</Rule>");
    }
    s3x_add(x, "</OwnershipControls>");
}

static void logging_xml(struct s3x_buf *x, const cJSON *v) {
    open_root(x, "BucketLoggingStatus");
    if (v) {
        s3x_add(x, "<LoggingEnabled>");
        elem(x, "TargetBucket", v, "DestinationBucketName");
        elem(x, "TargetPrefix", v, "LogFilePrefix");
        s3x_add(x, "</LoggingEnabled>");
    }
    s3x_add(x, "</BucketLoggingStatus>");
}

static void accelerate_xml(struct s3x_buf *x, const cJSON *v) {
    open_root(x, "AccelerateConfiguration");
    const char *st = cfnr_str(v, "AccelerationStatus");
    s3x_elem(x, "Status", st ? st : "Suspended");
    s3x_add(x, "</AccelerateConfiguration>");
}

static void tagging_xml(struct s3x_buf *x, const cJSON *v) {
    open_root(x, "Tagging");
    s3x_add(x, "<TagSet>");
    const cJSON *t;
    cJSON_ArrayForEach(t, v) {
        s3x_add(x, "<Tag>");
        elem(x, "Key", t, "Key");
        elem(x, "Value", t, "Value");
        s3x_add(x, "</Tag>");
    }
    s3x_add(x, "</TagSet></Tagging>");
}

/* Each configuration property, the subresource its Put and Delete use,
 * its XML, and how its removal is undone: DeleteX, or (no Delete in S3)
 * a Put of the writer given NULL / the versioning suspension. */
static const struct bucket_cfg {
    const char *prop, *query;
    void (*xml)(struct s3x_buf *x, const cJSON *v);
    int put_on_remove;
} bucket_cfgs[] = {
    {"VersioningConfiguration", "versioning", versioning_xml, 1},
    {"BucketEncryption", "encryption", encryption_xml, 0},
    {"PublicAccessBlockConfiguration", "publicAccessBlock", public_access_xml, 0},
    {"OwnershipControls", "ownershipControls", ownership_xml, 0},
    {"LifecycleConfiguration", "lifecycle", lifecycle_xml, 0},
    {"CorsConfiguration", "cors", cors_xml, 0},
    {"WebsiteConfiguration", "website", website_xml, 0},
    {"LoggingConfiguration", "logging", logging_xml, 1},
    {"AccelerateConfiguration", "accelerate", accelerate_xml, 1},
    {"Tags", "tagging", tagging_xml, 0},
};

/* CloudFormation's AccessControl values and S3's canned ACLs (AWS
 * CloudFormation User Guide, "AWS::S3::Bucket", AccessControl). */
static const char *const canned_acls[][2] = {
    {"Private", "private"},
    {"PublicRead", "public-read"},
    {"PublicReadWrite", "public-read-write"},
    {"AuthenticatedRead", "authenticated-read"},
    {"LogDeliveryWrite", "log-delivery-write"},
    {"BucketOwnerRead", "bucket-owner-read"},
    {"BucketOwnerFullControl", "bucket-owner-full-control"},
    {"AwsExecRead", "aws-exec-read"},
};

/* ---- calls ---- */

/* Runs METHOD /BUCKET[?QUERY] with BODY and HEADERS; failures other than
 * IGNORE (an S3 error code, counted as success) become *ERR. */
static int s3(const struct cfn_res *r, const char *method, const char *bucket, const char *query, const char *body,
              const char *const *headers, const char *ignore, char **err) {
    char *enc = util_pct_encode(bucket, NULL);
    char *path = query ? xasprintf("/%s?%s", enc, query) : xasprintf("/%s", enc);
    struct call c;
    int rc = cfnr_rest(r, "s3", method, path, body, headers, &c);
    if (rc != 0 && ignore && c.code && strcmp(c.code, ignore) == 0) rc = 0;
    else if (rc != 0) cfnr_fail(&c, S3_TITLE, err);
    call_clear(&c);
    free(path);
    free(enc);
    return rc;
}

/* Puts configuration CFG of BUCKET from V, or undoes it when V is NULL. */
static int cfg_apply(const struct cfn_res *r, const char *bucket, const struct bucket_cfg *cfg, const cJSON *v,
                     char **err) {
    if (v == NULL && !cfg->put_on_remove) return s3(r, "DELETE", bucket, cfg->query, NULL, NULL, NULL, err);
    cJSON *suspended = NULL;
    if (v == NULL && cfg->xml == versioning_xml) {
        /* S3 cannot turn versioning off once on; it suspends it. */
        suspended = cJSON_CreateObject();
        cJSON_AddStringToObject(suspended, "Status", "Suspended");
        v = suspended;
    }
    struct s3x_buf x = {0};
    cfg->xml(&x, v);
    char *body = s3x_take(&x, NULL);
    int rc = s3(r, "PUT", bucket, cfg->query, body, NULL, NULL, err);
    free(body);
    cJSON_Delete(suspended);
    return rc;
}

/* PutBucketAcl with the canned ACL of AccessControl V (NULL: private). */
static int acl_apply(const struct cfn_res *r, const char *bucket, const char *v, char **err) {
    const char *canned = v ? NULL : "private";
    for (size_t i = 0; v && i < sizeof(canned_acls) / sizeof(canned_acls[0]); i++)
        if (strcmp(canned_acls[i][0], v) == 0) canned = canned_acls[i][1];
    if (canned == NULL)
        return cfnr_failf(err, "Properties validation failed for resource %s with message: #/AccessControl: %s is "
                               "not a valid enum value",
                          r->logical_id, v);
    const char *headers[] = {"x-amz-acl", canned, NULL};
    return s3(r, "PUT", bucket, "acl", NULL, headers, NULL, err);
}

/* Applies every configuration whose property differs between OLD (may be
 * NULL: all of PROPS) and PROPS. */
static int bucket_configure(const struct cfn_res *r, const char *bucket, const cJSON *old, const cJSON *props,
                            char **err) {
    if (cfnr_changed(old, props, "AccessControl") &&
        (old || cfnr_str(props, "AccessControl")) &&
        acl_apply(r, bucket, cfnr_str(props, "AccessControl"), err) != 0)
        return -1;
    for (size_t i = 0; i < sizeof(bucket_cfgs) / sizeof(bucket_cfgs[0]); i++) {
        const struct bucket_cfg *cfg = &bucket_cfgs[i];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, cfg->prop);
        if (!cfnr_changed(old, props, cfg->prop)) continue;
        if (v == NULL && cJSON_GetObjectItemCaseSensitive(old, cfg->prop) == NULL) continue;
        if (cfg_apply(r, bucket, cfg, v, err) != 0) return -1;
    }
    return 0;
}

/* The attributes of BUCKET in R's region (AWS CloudFormation User Guide,
 * "AWS::S3::Bucket", Return values); the website endpoint's form
 * ("s3-website-REGION" or "s3-website.REGION") follows the region, as
 * the Amazon S3 User Guide's "Website endpoints" lists them. */
static cJSON *bucket_attrs(const struct cfn_res *r, const char *bucket) {
    static const char *const dash_regions[] = {"us-east-1",      "us-west-1",      "us-west-2", "eu-west-1",
                                               "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"};
    char sep = '.';
    for (size_t i = 0; i < sizeof(dash_regions) / sizeof(dash_regions[0]); i++)
        if (strcmp(r->region, dash_regions[i]) == 0) sep = '-';
    cJSON *a = cJSON_CreateObject();
    char *z = xasprintf("arn:aws:s3:::%s", bucket);
    cJSON_AddStringToObject(a, "Arn", z);
    free(z);
    z = xasprintf("%s.s3.amazonaws.com", bucket);
    cJSON_AddStringToObject(a, "DomainName", z);
    free(z);
    z = xasprintf("%s.s3.%s.amazonaws.com", bucket, r->region);
    cJSON_AddStringToObject(a, "RegionalDomainName", z);
    free(z);
    z = xasprintf("%s.s3.dualstack.%s.amazonaws.com", bucket, r->region);
    cJSON_AddStringToObject(a, "DualStackDomainName", z);
    free(z);
    z = xasprintf("http://%s.s3-website%c%s.amazonaws.com", bucket, sep, r->region);
    cJSON_AddStringToObject(a, "WebsiteURL", z);
    free(z);
    return a;
}

/* 1 when HeadBucket finds BUCKET. */
static int bucket_exists(const struct cfn_res *r, const char *bucket) {
    char *enc = util_pct_encode(bucket, NULL), *path = xasprintf("/%s", enc);
    struct call c;
    int found = cfnr_rest(r, "s3", "HEAD", path, NULL, NULL, &c) == 0;
    call_clear(&c);
    free(path);
    free(enc);
    return found;
}

/* CreateBucket refuses nothing to its owner in us-east-1 (S3's legacy
 * answer), so an existing bucket is refused first, in the words
 * CloudFormation's events use ("NAME already exists"). */
static int bucket_create(struct cfn_res *r, char **err) {
    const char *given = cfnr_str(r->props, "BucketName");
    char *name = given ? xstrdup(given) : cfn_physical_name(r, BUCKET_NAME_MAX, 1);
    char *cfg = NULL;
    int rc = -1, made = 0;
    int exists = bucket_exists(r, name);
    if (exists) {
        cfnr_failf(err, "%s already exists", name);
        goto out;
    }
    if (strcmp(r->region, "us-east-1") != 0)
        cfg = xasprintf("<CreateBucketConfiguration xmlns=\"" XMLNS "\"><LocationConstraint>%s</LocationConstraint>"
                        "</CreateBucketConfiguration>",
                        r->region);
    if (s3(r, "PUT", name, NULL, cfg, NULL, NULL, err) != 0) goto out;
    made = 1;
    if (bucket_configure(r, name, NULL, r->props, err) != 0) goto out;
    r->new_physical_id = xstrdup(name);
    r->new_attrs = bucket_attrs(r, name);
    rc = 0;
out:
    if (rc != 0 && made) {
        char *ignored = NULL;
        s3(r, "DELETE", name, NULL, NULL, NULL, "NoSuchBucket", &ignored);
        free(ignored);
    }
    free(cfg);
    free(name);
    return rc;
}

static int bucket_update(struct cfn_res *r, char **err) {
    return bucket_configure(r, r->physical_id, r->old_props, r->props, err);
}

/* DeleteBucket: S3's BucketNotEmpty comes through as AWS reports it
 * (docs/cloudformation-reference.md, section 2.3: buckets must be empty
 * before they can be deleted). */
static int bucket_remove(struct cfn_res *r, char **err) {
    return s3(r, "DELETE", r->physical_id, NULL, NULL, NULL, "NoSuchBucket", err);
}

/* docs/cloudformation-reference.md, section 1.1. */
static const char *const bucket_create_only[] = {"BucketName", "BucketNamePrefix", "BucketNamespace",
                                                 "ObjectLockEnabled", NULL};

const struct cfn_type cfn_type_s3_bucket = {
    "AWS::S3::Bucket", bucket_create_only, bucket_create, bucket_update, bucket_remove,
};

/* ---- AWS::S3::BucketPolicy ---- */

static int policy_put(const struct cfn_res *r, char **err) {
    const char *bucket = cfnr_str(r->props, "Bucket");
    const cJSON *doc = cJSON_GetObjectItemCaseSensitive(r->props, "PolicyDocument");
    if (bucket == NULL || doc == NULL)
        return cfnr_failf(err, "Properties validation failed: Bucket and PolicyDocument are required");
    char *z = cfnr_text(doc);
    int rc = s3(r, "PUT", bucket, "policy", z, NULL, NULL, err);
    free(z);
    return rc;
}

static int bucket_policy_create(struct cfn_res *r, char **err) {
    if (policy_put(r, err) != 0) return -1;
    r->new_physical_id = xstrdup(cfnr_str(r->props, "Bucket"));
    r->new_attrs = cJSON_CreateObject();
    return 0;
}

static int bucket_policy_update(struct cfn_res *r, char **err) { return policy_put(r, err); }

static int bucket_policy_remove(struct cfn_res *r, char **err) {
    return s3(r, "DELETE", r->physical_id, "policy", NULL, NULL, "NoSuchBucket", err);
}

static const char *const bucket_policy_create_only[] = {"Bucket", NULL};

const struct cfn_type cfn_type_s3_bucket_policy = {
    "AWS::S3::BucketPolicy", bucket_policy_create_only, bucket_policy_create, bucket_policy_update,
    bucket_policy_remove,
};
