/*
 * Unit tests for engine/arn.h: the three FunctionName shapes of the Lambda
 * model (every name form AWS accepts, the length limits and the malformed
 * values it rejects), the pattern strings quoted in messages, ARN building
 * and version detection.
 */
#include "engine/arn.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses Z as SHAPE and checks the result code and every part. Parts passed
 * as NULL are not checked. Reports the caller's line. */
#define EXPECT(z, shape, rc, name, qual, region, account) \
    expect_parse(__LINE__, (z), (shape), (rc), (name), (qual), (region), (account))

static void expect_parse(int line, const char *z, enum arn_shape shape, int rc, const char *name,
                         const char *qual, const char *region, const char *account) {
    struct fn_ref r;
    int got = arn_parse_function(z, shape, &r);
    ck_assert_msg(got == rc, "line %d: parse('%s', shape %d) = %d, want %d", line, z, (int)shape,
                  got, rc);
    if (name)
        ck_assert_msg(strcmp(r.name, name) == 0, "line %d: '%s': name '%s', want '%s'", line, z,
                      r.name, name);
    if (qual)
        ck_assert_msg(strcmp(r.qualifier, qual) == 0, "line %d: '%s': qualifier '%s', want '%s'",
                      line, z, r.qualifier, qual);
    if (region)
        ck_assert_msg(strcmp(r.region, region) == 0, "line %d: '%s': region '%s', want '%s'",
                      line, z, r.region, region);
    if (account)
        ck_assert_msg(strcmp(r.account, account) == 0, "line %d: '%s': account '%s', want '%s'",
                      line, z, r.account, account);
}

/* Same expectation under all three shapes. */
#define EXPECT_ALL(z, rc) \
    do { \
        EXPECT((z), ARN_SHAPE_FUNCTION, (rc), NULL, NULL, NULL, NULL); \
        EXPECT((z), ARN_SHAPE_NAMESPACED, (rc), NULL, NULL, NULL, NULL); \
        EXPECT((z), ARN_SHAPE_UNQUALIFIED, (rc), NULL, NULL, NULL, NULL); \
    } while (0)

/* Fills BUF with N copies of C and a NUL. */
static char *rep(char *buf, char c, size_t n) {
    memset(buf, c, n);
    buf[n] = '\0';
    return buf;
}

#define ARN_PREFIX "arn:aws:lambda:us-east-1:123456789012:function:" /* 47 chars */

/* ---- bare names ---- */

START_TEST(bare_name) {
    EXPECT("fn", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "", "", "");
    EXPECT("fn", ARN_SHAPE_NAMESPACED, ARN_OK, "fn", "", "", "");
    EXPECT("fn", ARN_SHAPE_UNQUALIFIED, ARN_OK, "fn", "", "", "");
    EXPECT("My-Function_01", ARN_SHAPE_FUNCTION, ARN_OK, "My-Function_01", "", "", "");
    EXPECT("a", ARN_SHAPE_FUNCTION, ARN_OK, "a", "", "", "");
    EXPECT("0", ARN_SHAPE_FUNCTION, ARN_OK, "0", "", "", "");
}
END_TEST

START_TEST(name_with_qualifier) {
    EXPECT("fn:q", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "q", "", "");
    EXPECT("fn:q", ARN_SHAPE_NAMESPACED, ARN_OK, "fn", "q", "", "");
    EXPECT("fn:prod-2_x", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "prod-2_x", "", "");
    EXPECT("fn:7", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "7", "", "");
    EXPECT("fn:$LATEST", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "$LATEST", "", "");
    EXPECT("fn:$LATEST", ARN_SHAPE_NAMESPACED, ARN_OK, "fn", "$LATEST", "", "");
}
END_TEST

/* ---- partial and full ARNs ---- */

START_TEST(partial_arn) {
    EXPECT("123456789012:function:fn", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "", "", "123456789012");
    EXPECT("123456789012:function:fn", ARN_SHAPE_UNQUALIFIED, ARN_OK, "fn", "", "",
           "123456789012");
    EXPECT("123456789012:function:fn:7", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "7", "",
           "123456789012");
    EXPECT("123456789012:function:fn:$LATEST", ARN_SHAPE_NAMESPACED, ARN_OK, "fn", "$LATEST", "",
           "123456789012");
    EXPECT("123456789012:function:fn:7", ARN_SHAPE_UNQUALIFIED, ARN_EPATTERN, NULL, NULL, NULL,
           NULL);
    /* Every prefix group of the pattern is optional on its own. */
    EXPECT("function:fn", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "", "", "");
    EXPECT("123456789012:fn", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "", "", "123456789012");
    EXPECT("us-east-1:fn", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "", "us-east-1", "");
    EXPECT("us-east-1:123456789012:function:fn:prod", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "prod",
           "us-east-1", "123456789012");
    EXPECT("arn:aws:lambda:fn", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "", "", "");
    /* An account is exactly 12 digits: 13 digits is a name, and the rest
     * then does not fit. */
    EXPECT("1234567890123:function:fn", ARN_SHAPE_FUNCTION, ARN_EPATTERN, NULL, NULL, NULL, NULL);
    EXPECT("12345678901:function:fn", ARN_SHAPE_FUNCTION, ARN_EPATTERN, NULL, NULL, NULL, NULL);
}
END_TEST

START_TEST(full_arn) {
    EXPECT(ARN_PREFIX "fn", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "", "us-east-1", "123456789012");
    EXPECT(ARN_PREFIX "fn", ARN_SHAPE_NAMESPACED, ARN_OK, "fn", "", "us-east-1", "123456789012");
    EXPECT(ARN_PREFIX "fn", ARN_SHAPE_UNQUALIFIED, ARN_OK, "fn", "", "us-east-1",
           "123456789012");
    EXPECT(ARN_PREFIX "fn:prod", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "prod", "us-east-1",
           "123456789012");
    EXPECT(ARN_PREFIX "fn:42", ARN_SHAPE_NAMESPACED, ARN_OK, "fn", "42", "us-east-1",
           "123456789012");
    EXPECT(ARN_PREFIX "fn:$LATEST", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "$LATEST", "us-east-1",
           "123456789012");
    EXPECT(ARN_PREFIX "fn:prod", ARN_SHAPE_UNQUALIFIED, ARN_EPATTERN, NULL, NULL, NULL, NULL);
}
END_TEST

START_TEST(partitions_and_regions) {
    EXPECT("arn:aws-cn:lambda:cn-north-1:123456789012:function:fn", ARN_SHAPE_FUNCTION, ARN_OK,
           "fn", "", "cn-north-1", "123456789012");
    EXPECT("arn:aws-cn:lambda:cn-northwest-1:123456789012:function:fn:live", ARN_SHAPE_FUNCTION,
           ARN_OK, "fn", "live", "cn-northwest-1", "123456789012");
    EXPECT("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:fn", ARN_SHAPE_FUNCTION,
           ARN_OK, "fn", "", "us-gov-west-1", "123456789012");
    EXPECT("us-gov-east-1:123456789012:function:fn", ARN_SHAPE_UNQUALIFIED, ARN_OK, "fn", "",
           "us-gov-east-1", "123456789012");
    EXPECT("arn:aws-iso-b:lambda:us-isob-east-1:123456789012:function:fn", ARN_SHAPE_FUNCTION,
           ARN_OK, "fn", "", "us-isob-east-1", "123456789012");
    EXPECT("arn:aws-iso:lambda:us-iso-east-1:123456789012:function:fn", ARN_SHAPE_FUNCTION,
           ARN_OK, "fn", "", "us-iso-east-1", "123456789012");
    EXPECT("arn:aws-iso-e:lambda:eu-isoe-west-1:123456789012:function:fn:1", ARN_SHAPE_NAMESPACED,
           ARN_OK, "fn", "1", "eu-isoe-west-1", "123456789012");
    EXPECT("arn:aws:lambda:ap-southeast-2:123456789012:function:fn", ARN_SHAPE_FUNCTION, ARN_OK,
           "fn", "", "ap-southeast-2", "123456789012");
    /* The partition is (aws[a-zA-Z-]*)? : empty is allowed. */
    EXPECT("arn::lambda:us-east-1:123456789012:function:fn", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "",
           "us-east-1", "123456789012");
    /* Not a region: the number has one digit, the letters are lower case. */
    EXPECT("arn:aws:lambda:us-east-12:123456789012:function:fn", ARN_SHAPE_FUNCTION,
           ARN_EPATTERN, NULL, NULL, NULL, NULL);
    EXPECT("arn:aws:lambda:US-EAST-1:123456789012:function:fn", ARN_SHAPE_FUNCTION, ARN_EPATTERN,
           NULL, NULL, NULL, NULL);
    EXPECT("arn:aws:lambda:use1:123456789012:function:fn", ARN_SHAPE_FUNCTION, ARN_EPATTERN, NULL,
           NULL, NULL, NULL);
    /* Another service is not a Lambda ARN. */
    EXPECT_ALL("arn:aws:s3:::bucket", ARN_EPATTERN);
    /* The model pattern is permissive: without "function:" this reads as
     * function "layer" with qualifier "l", and the regex accepts it. */
    EXPECT("arn:aws:lambda:us-east-1:123456789012:layer:l", ARN_SHAPE_FUNCTION, ARN_OK, "layer",
           "l", "us-east-1", "123456789012");
    EXPECT("arn:aws:lambda:us-east-1:123456789012:layer:l", ARN_SHAPE_UNQUALIFIED, ARN_EPATTERN,
           NULL, NULL, NULL, NULL);
    EXPECT_ALL("arn:aws:lambda:us-east-1:123456789012:layer:l:1", ARN_EPATTERN);
}
END_TEST

/* ---- lengths ---- */

START_TEST(name_length) {
    char name[300], z[400];
    rep(name, 'a', 64);
    EXPECT(name, ARN_SHAPE_FUNCTION, ARN_OK, name, "", "", "");
    EXPECT(name, ARN_SHAPE_NAMESPACED, ARN_OK, name, "", "", "");
    EXPECT(name, ARN_SHAPE_UNQUALIFIED, ARN_OK, name, "", "", "");
    rep(name, 'a', 65);
    EXPECT(name, ARN_SHAPE_FUNCTION, ARN_ENAMELEN, name, NULL, NULL, NULL);
    EXPECT(name, ARN_SHAPE_NAMESPACED, ARN_ENAMELEN, name, NULL, NULL, NULL);
    EXPECT(name, ARN_SHAPE_UNQUALIFIED, ARN_ENAMELEN, name, NULL, NULL, NULL);
    /* The limit is on the bare name, whatever surrounds it. */
    rep(name, 'b', 64);
    snprintf(z, sizeof(z), ARN_PREFIX "%s:prod", name);
    EXPECT(z, ARN_SHAPE_FUNCTION, ARN_OK, name, "prod", "us-east-1", "123456789012");
    rep(name, 'b', 65);
    snprintf(z, sizeof(z), ARN_PREFIX "%s", name);
    EXPECT(z, ARN_SHAPE_FUNCTION, ARN_ENAMELEN, name, NULL, NULL, NULL);
    /* 140 characters of name under NAMESPACED: within the value limit
     * (256), over the name limit. */
    rep(name, 'c', 140);
    EXPECT(name, ARN_SHAPE_NAMESPACED, ARN_ENAMELEN, NULL, NULL, NULL, NULL);
}
END_TEST

START_TEST(value_length) {
    char name[300], qual[300], z[1024];
    ck_assert_uint_eq(arn_max_len(ARN_SHAPE_FUNCTION), 140);
    ck_assert_uint_eq(arn_max_len(ARN_SHAPE_NAMESPACED), 256);
    ck_assert_uint_eq(arn_max_len(ARN_SHAPE_UNQUALIFIED), 140);

    /* 47 + 64 + 1 + 28 = 140: the longest FunctionName. */
    rep(name, 'n', 64);
    rep(qual, 'q', 28);
    snprintf(z, sizeof(z), ARN_PREFIX "%s:%s", name, qual);
    ck_assert_uint_eq(strlen(z), 140);
    EXPECT(z, ARN_SHAPE_FUNCTION, ARN_OK, name, qual, "us-east-1", "123456789012");
    EXPECT(z, ARN_SHAPE_NAMESPACED, ARN_OK, name, qual, "us-east-1", "123456789012");

    /* One more: too long for FunctionName, fine for NamespacedFunctionName. */
    rep(qual, 'q', 29);
    snprintf(z, sizeof(z), ARN_PREFIX "%s:%s", name, qual);
    ck_assert_uint_eq(strlen(z), 141);
    EXPECT(z, ARN_SHAPE_FUNCTION, ARN_ETOOLONG, NULL, NULL, NULL, NULL);
    EXPECT(z, ARN_SHAPE_NAMESPACED, ARN_OK, name, qual, "us-east-1", "123456789012");

    /* 141 characters of name: the pattern matches, and the value limit
     * outranks the name limit where both fail; NAMESPACED allows the
     * value, so only the name limit fails there. */
    rep(name, 'a', 141);
    EXPECT(name, ARN_SHAPE_FUNCTION, ARN_ETOOLONG, NULL, NULL, NULL, NULL);
    EXPECT(name, ARN_SHAPE_UNQUALIFIED, ARN_ETOOLONG, NULL, NULL, NULL, NULL);
    EXPECT(name, ARN_SHAPE_NAMESPACED, ARN_ENAMELEN, NULL, NULL, NULL, NULL);

    /* The longest NAMESPACED value whose parts all fit: 47 + 64 + 1 + 128. */
    rep(name, 'n', 64);
    rep(qual, 'q', 128);
    snprintf(z, sizeof(z), ARN_PREFIX "%s:%s", name, qual);
    ck_assert_uint_eq(strlen(z), 240);
    EXPECT(z, ARN_SHAPE_NAMESPACED, ARN_OK, name, qual, "us-east-1", "123456789012");

    /* 257 characters: over the NAMESPACED limit. */
    rep(name, 'n', 64);
    snprintf(z, sizeof(z), ARN_PREFIX "%s:", name);
    size_t used = strlen(z);
    rep(z + used, 'q', 257 - used);
    ck_assert_uint_eq(strlen(z), 257);
    EXPECT(z, ARN_SHAPE_NAMESPACED, ARN_ETOOLONG, NULL, NULL, NULL, NULL);
}
END_TEST

/* ---- shape-specific syntax ---- */

START_TEST(dots_only_namespaced) {
    EXPECT("my.fn", ARN_SHAPE_NAMESPACED, ARN_OK, "my.fn", "", "", "");
    EXPECT("my.fn", ARN_SHAPE_FUNCTION, ARN_EPATTERN, NULL, NULL, NULL, NULL);
    EXPECT("my.fn", ARN_SHAPE_UNQUALIFIED, ARN_EPATTERN, NULL, NULL, NULL, NULL);
    EXPECT(ARN_PREFIX "a.b.c:1", ARN_SHAPE_NAMESPACED, ARN_OK, "a.b.c", "1", "us-east-1",
           "123456789012");
    EXPECT(ARN_PREFIX "a.b.c:1", ARN_SHAPE_FUNCTION, ARN_EPATTERN, NULL, NULL, NULL, NULL);
    EXPECT(".", ARN_SHAPE_NAMESPACED, ARN_OK, ".", "", "", "");
    /* A qualifier never takes a dot, even when the name may. */
    EXPECT("fn:v.1", ARN_SHAPE_NAMESPACED, ARN_EPATTERN, NULL, NULL, NULL, NULL);
    EXPECT("fn:v.1", ARN_SHAPE_FUNCTION, ARN_EPATTERN, NULL, NULL, NULL, NULL);
}
END_TEST

START_TEST(latest_published_only_namespaced) {
    EXPECT("fn:$LATEST.PUBLISHED", ARN_SHAPE_NAMESPACED, ARN_OK, "fn", "$LATEST.PUBLISHED", "",
           "");
    EXPECT(ARN_PREFIX "fn:$LATEST.PUBLISHED", ARN_SHAPE_NAMESPACED, ARN_OK, "fn",
           "$LATEST.PUBLISHED", "us-east-1", "123456789012");
    EXPECT("fn:$LATEST.PUBLISHED", ARN_SHAPE_FUNCTION, ARN_EPATTERN, NULL, NULL, NULL, NULL);
    EXPECT("fn:$LATEST.PUBLISHED", ARN_SHAPE_UNQUALIFIED, ARN_EPATTERN, NULL, NULL, NULL, NULL);
    /* '$' only in those two spellings. */
    EXPECT_ALL("fn:$latest", ARN_EPATTERN);
    EXPECT_ALL("fn:$LATESTX", ARN_EPATTERN);
    EXPECT_ALL("fn:$1", ARN_EPATTERN);
    EXPECT_ALL("fn:LATEST$", ARN_EPATTERN);
    EXPECT("fn:$LATEST.published", ARN_SHAPE_NAMESPACED, ARN_EPATTERN, NULL, NULL, NULL, NULL);
    EXPECT("fn:$LATEST.PUBLISHEDX", ARN_SHAPE_NAMESPACED, ARN_EPATTERN, NULL, NULL, NULL, NULL);
    EXPECT("$LATEST", ARN_SHAPE_FUNCTION, ARN_EPATTERN, NULL, NULL, NULL, NULL);
}
END_TEST

START_TEST(qualifier_forbidden_unqualified) {
    EXPECT("fn:q", ARN_SHAPE_UNQUALIFIED, ARN_EPATTERN, NULL, NULL, NULL, NULL);
    EXPECT("fn:1", ARN_SHAPE_UNQUALIFIED, ARN_EPATTERN, NULL, NULL, NULL, NULL);
    EXPECT("fn:$LATEST", ARN_SHAPE_UNQUALIFIED, ARN_EPATTERN, NULL, NULL, NULL, NULL);
    EXPECT("123456789012:function:fn:$LATEST", ARN_SHAPE_UNQUALIFIED, ARN_EPATTERN, NULL, NULL,
           NULL, NULL);
}
END_TEST

/* ---- malformed values ---- */

START_TEST(malformed) {
    EXPECT_ALL("", ARN_EPATTERN);
    EXPECT_ALL("fn:", ARN_EPATTERN);
    EXPECT_ALL(":q", ARN_EPATTERN);
    EXPECT_ALL(":", ARN_EPATTERN);
    EXPECT_ALL("fn:a:b", ARN_EPATTERN);
    EXPECT_ALL("fn::", ARN_EPATTERN);
    EXPECT_ALL("arn:aws:lambda:", ARN_EPATTERN);
    EXPECT_ALL("arn:aws:lambda:us-east-1:", ARN_EPATTERN);
    EXPECT_ALL("arn:aws:lambda:us-east-1:123456789012:function:", ARN_EPATTERN);
    EXPECT_ALL("arn:aws:lambda:us-east-1:123456789012:function:fn:", ARN_EPATTERN);
    EXPECT_ALL("arn:aws:lambda:us-east-1:123456789012:function:fn:a:b", ARN_EPATTERN);
    EXPECT_ALL("arn:aws:lambda", ARN_EPATTERN);
    EXPECT_ALL("arn:aws:lambda:us-east-1:123456789012:function:fn/x", ARN_EPATTERN);
    EXPECT_ALL("function:", ARN_EPATTERN);
}
END_TEST

START_TEST(spaces_and_unicode) {
    EXPECT_ALL(" fn", ARN_EPATTERN);
    EXPECT_ALL("fn ", ARN_EPATTERN);
    EXPECT_ALL("my fn", ARN_EPATTERN);
    EXPECT_ALL("fn\t", ARN_EPATTERN);
    EXPECT_ALL("fn\n", ARN_EPATTERN);
    EXPECT_ALL("fn: q", ARN_EPATTERN);
    EXPECT_ALL("f\xc3\xa9", ARN_EPATTERN);        /* "fé" */
    EXPECT_ALL("\xe5\x87\xbd\xe6\x95\xb0", ARN_EPATTERN); /* "函数" */
    EXPECT_ALL("fn:pr\xc3\xb6""d", ARN_EPATTERN);  /* "fn:pröd" */
    EXPECT_ALL("fn%3Aq", ARN_EPATTERN);
    EXPECT_ALL("fn*", ARN_EPATTERN);
}
END_TEST

/* ---- pattern text ---- */

/* The patterns of the FunctionName, NamespacedFunctionName and
 * UnqualifiedFunctionName shapes in botocore's
 * data/lambda/2015-03-31/service-2.json.gz (JSON-unescaped). */
static const char MODEL_FUNCTION[] =
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?"
    "(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";
static const char MODEL_NAMESPACED[] =
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?"
    "(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";
static const char MODEL_UNQUALIFIED[] =
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?"
    "(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)";

START_TEST(pattern_text) {
    ck_assert_str_eq(arn_pattern(ARN_SHAPE_FUNCTION), MODEL_FUNCTION);
    ck_assert_str_eq(arn_pattern(ARN_SHAPE_NAMESPACED), MODEL_NAMESPACED);
    ck_assert_str_eq(arn_pattern(ARN_SHAPE_UNQUALIFIED), MODEL_UNQUALIFIED);
    /* The backslashes are single in the text AWS quotes. */
    ck_assert_ptr_nonnull(strstr(arn_pattern(ARN_SHAPE_FUNCTION), "-\\d{1}:)?(\\d{12}:)?"));
    ck_assert_ptr_null(strstr(arn_pattern(ARN_SHAPE_FUNCTION), "\\\\"));
}
END_TEST

/* ---- building ARNs ---- */

START_TEST(build_arn) {
    char buf[256];
    arn_function(buf, sizeof(buf), "us-east-1", "123456789012", "fn", NULL);
    ck_assert_str_eq(buf, "arn:aws:lambda:us-east-1:123456789012:function:fn");
    arn_function(buf, sizeof(buf), "us-east-1", "123456789012", "fn", "");
    ck_assert_str_eq(buf, "arn:aws:lambda:us-east-1:123456789012:function:fn");
    arn_function(buf, sizeof(buf), "eu-west-2", "000000000000", "my-fn", "prod");
    ck_assert_str_eq(buf, "arn:aws:lambda:eu-west-2:000000000000:function:my-fn:prod");
    arn_function(buf, sizeof(buf), "us-east-1", "123456789012", "fn", "$LATEST");
    ck_assert_str_eq(buf, "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST");
    /* Truncates to the buffer, always terminated. */
    memset(buf, 'x', sizeof(buf));
    arn_function(buf, 20, "us-east-1", "123456789012", "fn", "7");
    ck_assert_str_eq(buf, "arn:aws:lambda:us-e");
    ck_assert_int_eq(buf[20], 'x');
}
END_TEST

START_TEST(build_then_parse) {
    char buf[256];
    struct fn_ref r;
    arn_function(buf, sizeof(buf), "ap-northeast-3", "210987654321", "round_trip-1", "v2");
    ck_assert_int_eq(arn_parse_function(buf, ARN_SHAPE_FUNCTION, &r), ARN_OK);
    ck_assert_str_eq(r.name, "round_trip-1");
    ck_assert_str_eq(r.qualifier, "v2");
    ck_assert_str_eq(r.region, "ap-northeast-3");
    ck_assert_str_eq(r.account, "210987654321");
    arn_function(buf, sizeof(buf), "ap-northeast-3", "210987654321", "round_trip-1", NULL);
    ck_assert_int_eq(arn_parse_function(buf, ARN_SHAPE_UNQUALIFIED, &r), ARN_OK);
    ck_assert_str_eq(r.name, "round_trip-1");
    ck_assert_str_eq(r.qualifier, "");
}
END_TEST

START_TEST(out_is_reset) {
    struct fn_ref r;
    ck_assert_int_eq(arn_parse_function(ARN_PREFIX "fn:prod", ARN_SHAPE_FUNCTION, &r), ARN_OK);
    ck_assert_str_eq(r.qualifier, "prod");
    /* A second parse into the same struct leaves nothing of the first. */
    ck_assert_int_eq(arn_parse_function("other", ARN_SHAPE_FUNCTION, &r), ARN_OK);
    ck_assert_str_eq(r.name, "other");
    ck_assert_str_eq(r.qualifier, "");
    ck_assert_str_eq(r.region, "");
    ck_assert_str_eq(r.account, "");
}
END_TEST

/* ---- versions ---- */

START_TEST(is_version) {
    ck_assert_int_eq(arn_is_version("1"), 1);
    ck_assert_int_eq(arn_is_version("7"), 1);
    ck_assert_int_eq(arn_is_version("42"), 1);
    ck_assert_int_eq(arn_is_version("1234567890"), 1);
    ck_assert_int_eq(arn_is_version(NULL), 0);
    ck_assert_int_eq(arn_is_version(""), 0);
    ck_assert_int_eq(arn_is_version("$LATEST"), 0);
    ck_assert_int_eq(arn_is_version("prod"), 0);
    ck_assert_int_eq(arn_is_version("1a"), 0);
    ck_assert_int_eq(arn_is_version("a1"), 0);
    ck_assert_int_eq(arn_is_version("-1"), 0);
    ck_assert_int_eq(arn_is_version("+1"), 0);
    ck_assert_int_eq(arn_is_version(" 1"), 0);
    ck_assert_int_eq(arn_is_version("1 "), 0);
    ck_assert_int_eq(arn_is_version("1.0"), 0);
}
END_TEST

/* ---- code signing config ARNs ---- */

START_TEST(csc_arn) {
    static const struct {
        const char *z;
        int ok;
    } cases[] = {
        {"arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef0", 1},
        {"arn:aws-cn:lambda:cn-north-1:123456789012:code-signing-config:csc-0123456789abcdef0", 1},
        {"arn::lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef0", 1},
        {"arn:aws:lambda:us-gov-west-1:123456789012:code-signing-config:csc-0123456789abcdef0", 1},
        {"arn:aws:lambda:us-iso-east-1:123456789012:code-signing-config:csc-0123456789abcdef0", 1},
        {"arn:aws:lambda:us-isob-east-1:123456789012:code-signing-config:csc-0123456789abcdef0", 1},
        /* "-isoe" is not in this pattern's group, and not a plain region. */
        {"arn:aws:lambda:us-isoe-west-1:123456789012:code-signing-config:csc-0123456789abcdef0", 0},
        /* A plain region whose word starts with "iso". */
        {"arn:aws:lambda:us-isolated-1:123456789012:code-signing-config:csc-0123456789abcdef0", 1},
        /* 16 and 18 characters of id; capitals; no region; no account. */
        {"arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef", 0},
        {"arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef01", 0},
        {"arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789ABCDEF0", 0},
        {"arn:aws:lambda::123456789012:code-signing-config:csc-0123456789abcdef0", 0},
        {"arn:aws:lambda:us-east-1::code-signing-config:csc-0123456789abcdef0", 0},
        {"arn:aws:lambda:us-east-1:123456789012:function:csc-0123456789abcdef0", 0},
        {"csc-0123456789abcdef0", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(arn_csc_ok(cases[i].z) == cases[i].ok, "arn_csc_ok('%s') != %d", cases[i].z,
                      cases[i].ok);
}
END_TEST

/* ---- regressions of bugs found by these tests ---- */

/* The model pattern accepts a qualifier of any length (within the value
 * limit); a qualifier longer than ARN_MAX_QUALIFIER must not come back
 * silently cut to 128 characters with ARN_OK. */
START_TEST(bug_long_qualifier_truncated) {
    char qual[200], z[256];
    struct fn_ref r;
    rep(qual, 'q', 129);
    snprintf(z, sizeof(z), "fn:%s", qual); /* 132 chars: within 140 */
    int rc = arn_parse_function(z, ARN_SHAPE_FUNCTION, &r);
    ck_assert_msg(rc != ARN_OK || strcmp(r.qualifier, qual) == 0,
                  "ARN_OK with qualifier cut to %zu of 129 characters", strlen(r.qualifier));
}
END_TEST

/* The model regex backtracks; these values match it in full. */
START_TEST(bug_no_backtracking) {
    /* A function named "function", and one named like a region. */
    EXPECT("function:$LATEST", ARN_SHAPE_FUNCTION, ARN_OK, "function", "$LATEST", "", "");
    EXPECT("us-east-1:$LATEST", ARN_SHAPE_FUNCTION, ARN_OK, "us-east-1", "$LATEST", "", "");
    EXPECT("123456789012:$LATEST", ARN_SHAPE_FUNCTION, ARN_OK, "123456789012", "$LATEST", "", "");
    /* [a-z]{2}-[a-z]+-\d where the word happens to start with "iso". */
    EXPECT("us-isolated-1:fn", ARN_SHAPE_FUNCTION, ARN_OK, "fn", "", "us-isolated-1", "");
}
END_TEST

/* Event source mapping ARNs: the TaggableResource branch, table-driven. */
START_TEST(esm_arns) {
    static const struct {
        const char *z;
        int ok;
        const char *region, *account, *uuid;
    } cases[] = {
        {"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:0f1e2d3c-4b5a-6978-8a9b-acbdcedf0102", 1,
         "us-east-1", "000000000000", "0f1e2d3c-4b5a-6978-8a9b-acbdcedf0102"},
        {"arn:aws-us-gov:lambda:us-gov-west-1:123456789012:event-source-mapping:"
         "ABCDEF01-2345-6789-ABCD-EF0123456789", 1,
         "us-gov-west-1", "123456789012", "ABCDEF01-2345-6789-ABCD-EF0123456789"},
        /* not a UUID: wrong group lengths, a non-hex digit, a trailing part */
        {"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:0f1e2d3c-4b5a-6978-8a9b-acbdcedf010", 0, NULL, NULL, NULL},
        {"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:0f1e2d3c-4b5a-6978-8a9b-acbdcedf0102x", 0, NULL, NULL, NULL},
        {"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:gf1e2d3c-4b5a-6978-8a9b-acbdcedf0102", 0, NULL, NULL, NULL},
        {"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:0f1e2d3c4b5a-6978-8a9b-acbdcedf01020", 0, NULL, NULL, NULL},
        {"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:", 0, NULL, NULL, NULL},
        /* other parts */
        {"arn:aws:lambda:us-east-1:00000000000:event-source-mapping:0f1e2d3c-4b5a-6978-8a9b-acbdcedf0102", 0, NULL, NULL, NULL},
        {"arn:aws:lambda:useast1:000000000000:event-source-mapping:0f1e2d3c-4b5a-6978-8a9b-acbdcedf0102", 0, NULL, NULL, NULL},
        {"arn:aws:dynamodb:us-east-1:000000000000:event-source-mapping:0f1e2d3c-4b5a-6978-8a9b-acbdcedf0102", 0, NULL, NULL, NULL},
        {"arn:aws:lambda:us-east-1:000000000000:function:fn", 0, NULL, NULL, NULL},
        {"event-source-mapping:0f1e2d3c-4b5a-6978-8a9b-acbdcedf0102", 0, NULL, NULL, NULL},
        {"", 0, NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char region[32] = "", account[13] = "", uuid[ARN_UUID_LEN + 1] = "";
        int rc = arn_parse_esm(cases[i].z, region, account, uuid);
        ck_assert_msg((rc == 0) == cases[i].ok, "case %zu: %s", i, cases[i].z);
        if (!cases[i].ok) continue;
        ck_assert_str_eq(region, cases[i].region);
        ck_assert_str_eq(account, cases[i].account);
        ck_assert_str_eq(uuid, cases[i].uuid);
    }
}
END_TEST

static Suite *arn_suite(void) {
    Suite *s = suite_create("arn");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"bare_name", bare_name},
        {"name_with_qualifier", name_with_qualifier},
        {"partial_arn", partial_arn},
        {"full_arn", full_arn},
        {"partitions_and_regions", partitions_and_regions},
        {"name_length", name_length},
        {"value_length", value_length},
        {"dots_only_namespaced", dots_only_namespaced},
        {"latest_published_only_namespaced", latest_published_only_namespaced},
        {"qualifier_forbidden_unqualified", qualifier_forbidden_unqualified},
        {"malformed", malformed},
        {"spaces_and_unicode", spaces_and_unicode},
        {"pattern_text", pattern_text},
        {"build_arn", build_arn},
        {"build_then_parse", build_then_parse},
        {"out_is_reset", out_is_reset},
        {"is_version", is_version},
        {"csc_arn", csc_arn},
        {"esm_arns", esm_arns},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    {
        TCase *tc = tcase_create("regressions");
        tcase_add_test(tc, bug_long_qualifier_truncated);
        tcase_add_test(tc, bug_no_backtracking);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(arn_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    /* The failure count, kept clear of 77 (meson's "skipped") and of
     * exit-status wrap-around. */
    return failed < 77 ? failed : 76;
}
