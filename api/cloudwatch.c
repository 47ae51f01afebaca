/*
 * CloudWatch (namespace AWS/Lambda only): GetMetricStatistics,
 * GetMetricData and ListMetrics over the metrics engine/metrics.c
 * records, in two protocols:
 *
 *   - JSON 1.0 (X-Amz-Target GraniteServiceVersion20100801.<Op>), which
 *     botocore 1.43 picks from the model's ["smithy-rpc-v2-cbor", "json",
 *     "query"]; errors carry x-amzn-query-error (awsQueryCompatible);
 *   - query (form-encoded Action=<Op>&Version=2010-08-01, XML replies in
 *     the 2010-08-01 namespace), for clients that still speak it.
 *
 * A query request is turned into the JSON input tree first by api/query.c
 * ("Dimensions.member.1.Name" becomes Dimensions[0].Name), so one handler
 * per operation serves both; its JSON output is then printed as JSON or
 * walked into XML (arrays as <member>, timestamps as ISO 8601).
 * Smithy RPC v2 CBOR is not spoken (no client on this machine sends it).
 */
#include "api/api.h"
#include "api/aws_error.h"
#include "api/op.h"
#include "api/query.h"
#include "api/request.h"
#include "api/validate.h"
#include "base/clock.h"
#include "engine/metrics.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_metrics.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CW_XMLNS "http://monitoring.amazonaws.com/doc/2010-08-01/"
#define CW_NAMESPACE "AWS/Lambda"
/* AWS's limits: 1,440 datapoints per GetMetricStatistics call, 30
 * dimensions per metric, 500 queries per GetMetricData call, 100,800
 * datapoints per GetMetricData call, 500 metrics per ListMetrics page. */
#define CW_MAX_DATAPOINTS 1440
#define CW_MAX_DIMENSIONS 30
#define CW_MAX_QUERIES 500
#define CW_MAX_DATA_POINTS_TOTAL 100800
#define CW_LIST_PAGE 500

static const char *const STATS[] = {"SampleCount", "Average", "Sum", "Minimum", "Maximum"};
#define NSTATS 5
static const char *const UNITS[] = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
    "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
    "Count/Second", "None"};


static int store_fail(struct req *req) {
    return req_fail(req, &AWSERR_CW_INTERNAL, "The service cannot complete the request.");
}

/* ---- typed input (numbers arrive as strings in the query protocol) ---- */

/* Returns 1 with the string member KEY of OBJ in *OUT, 0 when absent, -1
 * (InvalidParameterValue recorded) when it is not a string. */
static int get_str(struct req *req, cJSON *obj, const char *key, const char *field, const char **out) {
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsString(v))
        return req_fail(req, &AWSERR_CW_INVALID_VALUE, "The parameter %s must be a string.", field);
    *out = v->valuestring;
    return 1;
}

/* A number member, or a string holding one (query). */
static int get_num(struct req *req, cJSON *obj, const char *key, const char *field, double *out) {
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL || cJSON_IsNull(v)) return 0;
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return 1;
    }
    if (cJSON_IsString(v) && v->valuestring[0]) {
        char *end;
        double d = strtod(v->valuestring, &end);
        if (*end == '\0' && isfinite(d)) {
            *out = d;
            return 1;
        }
    }
    return req_fail(req, &AWSERR_CW_INVALID_VALUE, "The parameter %s must be a number.", field);
}

/* Parses ISO 8601 ("2024-01-01T00:00:00Z", fractions and offsets
 * allowed, a date alone too) into epoch ms. Returns 0 or -1. */
static int parse_iso(const char *z, int64_t *ms) {
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int n = 0;
    if (sscanf(z, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3) return -1;
    const char *p = z + n;
    double frac = 0;
    int off_s = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        int m = 0;
        if (sscanf(p + 1, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &m) != 3) return -1;
        p += 1 + m;
        if (*p == '.') {
            char *end;
            frac = strtod(p, &end);
            p = end;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int hh = 0, mm = 0, k = 0;
            if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &k) != 2 && sscanf(p + 1, "%2d%2d%n", &hh, &mm, &k) != 2)
                return -1;
            off_s = (hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
            p += 1 + k;
        }
    }
    if (*p != '\0') return -1;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    *ms = (int64_t)t * 1000 - (int64_t)off_s * 1000 + (int64_t)llround(frac * 1000);
    return 0;
}

/* A timestamp: epoch seconds as a number (JSON), or ISO 8601 / epoch
 * seconds as a string (query). Stores epoch ms. */
static int get_time(struct req *req, cJSON *obj, const char *key, int64_t *ms) {
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL || cJSON_IsNull(v)) return 0;
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && fabs(v->valuedouble) < 1e13) {
        *ms = (int64_t)llround(v->valuedouble * 1000.0);
        return 1;
    }
    if (cJSON_IsString(v)) {
        char *end;
        double d = strtod(v->valuestring, &end);
        if (v->valuestring[0] && *end == '\0' && isfinite(d) && fabs(d) < 1e13) {
            *ms = (int64_t)llround(d * 1000.0);
            return 1;
        }
        if (parse_iso(v->valuestring, ms) == 0) return 1;
    }
    return req_fail(req, &AWSERR_CW_INVALID_VALUE, "The parameter %s must be a valid ISO 8601 timestamp.", key);
}

static int required(struct req *req, int rc, const char *field) {
    if (rc < 0) return -1;
    if (rc == 0) return req_fail(req, &AWSERR_CW_MISSING, "The parameter %s is required.", field);
    return 0;
}

static int valid_unit(const char *u) {
    for (size_t i = 0; i < sizeof(UNITS) / sizeof(UNITS[0]); i++)
        if (strcmp(UNITS[i], u) == 0) return 1;
    return 0;
}

static int stat_index(const char *s) {
    for (int i = 0; i < NSTATS; i++)
        if (strcmp(STATS[i], s) == 0) return i;
    return -1;
}

/* ---- a metric: namespace, name, dimensions ---- */

struct cw_metric {
    const char *ns;
    const char *name;
    char dims[2048];   /* canonical text (engine/metrics.h) */
    int matchable;     /* 0: no metric of ours can have these dimensions */
};

/* Reads Namespace, MetricName and Dimensions of OBJ (PREFIX names the
 * fields in messages). */
static int read_metric(struct req *req, cJSON *obj, const char *prefix, struct cw_metric *m) {
    memset(m, 0, sizeof(*m));
    char field[160];
    snprintf(field, sizeof(field), "%sNamespace", prefix);
    if (required(req, get_str(req, obj, "Namespace", field, &m->ns), field) != 0) return -1;
    snprintf(field, sizeof(field), "%sMetricName", prefix);
    if (required(req, get_str(req, obj, "MetricName", field, &m->name), field) != 0) return -1;
    if (m->ns[0] == '\0' || strlen(m->ns) > 255)
        return req_fail(req, &AWSERR_CW_INVALID_VALUE, "The parameter %sNamespace must be between 1 and 255 characters.", prefix);
    if (m->name[0] == '\0' || strlen(m->name) > 255)
        return req_fail(req, &AWSERR_CW_INVALID_VALUE, "The parameter %sMetricName must be between 1 and 255 characters.", prefix);
    cJSON *dims = cJSON_GetObjectItemCaseSensitive(obj, "Dimensions");
    const char *names[CW_MAX_DIMENSIONS], *values[CW_MAX_DIMENSIONS];
    int n = 0;
    if (dims && !cJSON_IsNull(dims)) {
        if (!cJSON_IsArray(dims))
            return req_fail(req, &AWSERR_CW_INVALID_VALUE, "The parameter %sDimensions must be a list.", prefix);
        if (cJSON_GetArraySize(dims) > CW_MAX_DIMENSIONS)
            return req_fail(req, &AWSERR_CW_INVALID_VALUE,
                            "The collection %sDimensions must not have a size greater than 30.", prefix);
        cJSON *d;
        cJSON_ArrayForEach(d, dims) {
            snprintf(field, sizeof(field), "%sDimensions.member.%d.Name", prefix, n + 1);
            if (!cJSON_IsObject(d)) return req_fail(req, &AWSERR_CW_INVALID_VALUE, "The parameter %s is not valid.", field);
            if (required(req, get_str(req, d, "Name", field, &names[n]), field) != 0) return -1;
            snprintf(field, sizeof(field), "%sDimensions.member.%d.Value", prefix, n + 1);
            if (required(req, get_str(req, d, "Value", field, &values[n]), field) != 0) return -1;
            for (int i = 0; i < n; i++)
                if (strcmp(names[i], names[n]) == 0)
                    return req_fail(req, &AWSERR_CW_INVALID_VALUE,
                                    "No Metric may specify the same dimension name twice: %.255s", names[n]);
            n++;
        }
    }
    m->matchable = strcmp(m->ns, CW_NAMESPACE) == 0 && metric_by_name(m->name) >= 0 &&
                   metric_dims(names, values, n, m->dims, sizeof(m->dims)) == 0;
    return 0;
}

/* Adds [{"Name":..,"Value":..}] for canonical DIMS to OBJ. */
static void add_dims(cJSON *obj, const char *dims) {
    char buf[2048];
    const char *names[CW_MAX_DIMENSIONS], *values[CW_MAX_DIMENSIONS];
    int n = metric_dims_split(dims, buf, sizeof(buf), names, values, CW_MAX_DIMENSIONS);
    cJSON *arr = cJSON_AddArrayToObject(obj, "Dimensions");
    for (int i = 0; i < n; i++) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "Name", names[i]);
        cJSON_AddStringToObject(d, "Value", values[i]);
        cJSON_AddItemToArray(arr, d);
    }
}

/* ---- periods: minutes folded into buckets ---- */

struct bucket {
    int64_t start_ms;
    double sum, count, min, max;
};

struct fold {
    int64_t start_ms, period_ms;
    const char *unit;      /* only rows of this unit (NULL: any) */
    struct bucket *b;      /* the periods that have data, ascending */
    int nb, cap;
    char unit_seen[32];
};

/* Rows arrive in ascending minutes, so a period's rows are adjacent:
 * only periods with data are kept (a window may span years). */
static int fold_row(void *ctx, const struct store_metric_row *r) {
    struct fold *f = ctx;
    if (f->unit && strcmp(f->unit, r->unit) != 0) return 0;
    snprintf(f->unit_seen, sizeof(f->unit_seen), "%s", r->unit);
    int64_t start = f->start_ms + (r->minute_ms - f->start_ms) / f->period_ms * f->period_ms;
    if (f->nb == 0 || f->b[f->nb - 1].start_ms != start) {
        if (f->nb == f->cap) {
            f->cap = f->cap ? f->cap * 2 : 16;
            f->b = xrealloc(f->b, (size_t)f->cap * sizeof(*f->b));
        }
        f->b[f->nb++] = (struct bucket){start, r->sum, r->count, r->min, r->max};
        return 0;
    }
    struct bucket *b = &f->b[f->nb - 1];
    if (r->min < b->min) b->min = r->min;
    if (r->max > b->max) b->max = r->max;
    b->sum += r->sum;
    b->count += r->count;
    return 0;
}

/* Folds M's stored minutes in [START, END) into periods of PERIOD_MS
 * aligned on START (the caller floors START to the minute). F->b is
 * owned by the caller afterwards (free it). Returns 0 or -1 (recorded). */
static int fold_metric(struct req *req, const struct cw_metric *m, int64_t start, int64_t end, int64_t period_ms,
                       const char *unit, struct fold *f) {
    memset(f, 0, sizeof(*f));
    f->start_ms = start;
    f->period_ms = period_ms;
    f->unit = unit;
    if (!m->matchable) return 0;
    struct store_scope s = {req->account, req->region};
    if (store_metrics_range(s, m->name, m->dims, start, end, fold_row, f) != STORE_OK) {
        free(f->b);
        f->b = NULL;
        return store_fail(req);
    }
    return 0;
}

static double stat_value(const struct bucket *b, int stat) {
    switch (stat) {
    case 0: return b->count;
    case 1: return b->count > 0 ? b->sum / b->count : 0;
    case 2: return b->sum;
    case 3: return b->min;
    default: return b->max;
    }
}

/* Period, StartTime and EndTime, validated as AWS does. START is floored
 * to the minute (the resolution data is kept at). */
static int read_window(struct req *req, cJSON *in, cJSON *period_obj, const char *period_field, int64_t *start,
                       int64_t *end, int64_t *period_ms) {
    double period = 0;
    if (required(req, get_time(req, in, "StartTime", start), "StartTime") != 0) return -1;
    if (required(req, get_time(req, in, "EndTime", end), "EndTime") != 0) return -1;
    if (required(req, get_num(req, period_obj, "Period", period_field, &period), period_field) != 0) return -1;
    if (period < 1 || period != floor(period) || period > 1e9)
        return req_fail(req, &AWSERR_CW_VALIDATION,
                        "1 validation error detected: Value '%.0f' at 'period' failed to satisfy constraint: "
                        "Member must have value greater than or equal to 1", period);
    if ((int64_t)period % 60 != 0)
        return req_fail(req, &AWSERR_CW_INVALID_VALUE, "The parameter %s must be a multiple of 60.", period_field);
    if (*start >= *end)
        return req_fail(req, &AWSERR_CW_INVALID_VALUE, "The parameter StartTime must be less than the parameter EndTime.");
    *start = metric_minute(*start);
    *period_ms = (int64_t)period * 1000;
    return 0;
}

/* ---- GetMetricStatistics ---- */

static int get_metric_statistics(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    cJSON **out = &oi->out;
    struct cw_metric m;
    if (read_metric(req, in, "", &m) != 0) return -1;
    int64_t start, end, period_ms;
    if (read_window(req, in, in, "Period", &start, &end, &period_ms) != 0) return -1;
    cJSON *stats = cJSON_GetObjectItemCaseSensitive(in, "Statistics");
    cJSON *ext = cJSON_GetObjectItemCaseSensitive(in, "ExtendedStatistics");
    int have_stats = cJSON_IsArray(stats) && cJSON_GetArraySize(stats) > 0;
    int have_ext = cJSON_IsArray(ext) && cJSON_GetArraySize(ext) > 0;
    if (have_stats && have_ext)
        return req_fail(req, &AWSERR_CW_COMBINATION, "The parameters Statistics and ExtendedStatistics are mutually exclusive.");
    if (!have_stats && !have_ext)
        return req_fail(req, &AWSERR_CW_MISSING, "Must specify either Statistics or ExtendedStatistics.");
    if (have_ext)
        return req_fail(req, &AWSERR_CW_INVALID_VALUE,
                        "ExtendedStatistics (percentiles) are not supported by sluice, which keeps one "
                        "statistic set per minute; use Statistics.");
    if (cJSON_GetArraySize(stats) > NSTATS)
        return req_fail(req, &AWSERR_CW_VALIDATION,
                        "1 validation error detected: Value at 'statistics' failed to satisfy constraint: "
                        "Member must have length less than or equal to 5");
    int want[NSTATS] = {0};
    cJSON *s;
    cJSON_ArrayForEach(s, stats) {
        int i = cJSON_IsString(s) ? stat_index(s->valuestring) : -1;
        if (i < 0)
            return req_fail(req, &AWSERR_CW_VALIDATION,
                            "1 validation error detected: Value '[%.64s]' at 'statistics' failed to satisfy "
                            "constraint: Member must satisfy constraint: [Member must satisfy enum value set: "
                            "[Maximum, SampleCount, Sum, Minimum, Average]]",
                            cJSON_IsString(s) ? s->valuestring : "?");
        want[i] = 1;
    }
    const char *unit = NULL;
    if (get_str(req, in, "Unit", "Unit", &unit) < 0) return -1;
    if (unit && !valid_unit(unit))
        return req_fail(req, &AWSERR_CW_VALIDATION,
                        "1 validation error detected: Value '%.64s' at 'unit' failed to satisfy constraint: "
                        "Member must satisfy enum value set: [Megabits, Terabits, Gigabits, Count, Bytes, "
                        "Gigabytes, Gigabytes/Second, Kilobytes, Kilobits/Second, Terabytes, Terabits/Second, "
                        "Bytes/Second, Percent, Megabytes, Megabits/Second, Milliseconds, Microseconds, "
                        "Kilobytes/Second, Gigabits/Second, Megabytes/Second, Bits, Bits/Second, Count/Second, "
                        "Seconds, Kilobits, Terabytes/Second, None]", unit);
    int64_t points = (end - start + period_ms - 1) / period_ms;
    if (points > CW_MAX_DATAPOINTS)
        return req_fail(req, &AWSERR_CW_COMBINATION,
                        "You have requested up to %lld datapoints, which exceeds the limit of 1440. You may "
                        "reduce the datapoints requested by increasing Period, or decreasing the time range.",
                        (long long)points);
    if (metric_flush() != 0) return store_fail(req);
    struct fold f;
    if (fold_metric(req, &m, start, end, period_ms, unit, &f) != 0) return -1;
    *out = cJSON_CreateObject();
    cJSON_AddStringToObject(*out, "Label", m.name);
    cJSON *dps = cJSON_AddArrayToObject(*out, "Datapoints");
    for (int i = 0; i < f.nb; i++) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddNumberToObject(d, "Timestamp", (double)f.b[i].start_ms / 1000.0);
        for (int k = 0; k < NSTATS; k++)
            if (want[k]) cJSON_AddNumberToObject(d, STATS[k], stat_value(&f.b[i], k));
        cJSON_AddStringToObject(d, "Unit", f.unit_seen);
        cJSON_AddItemToArray(dps, d);
    }
    free(f.b);
    return 0;
}

/* ---- GetMetricData ---- */

static int valid_id(const char *id) {
    if (!(id[0] >= 'a' && id[0] <= 'z') || strlen(id) > 255) return 0;
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_') return 0;
    return 1;
}

static int get_metric_data(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    cJSON **out = &oi->out;
    cJSON *queries = cJSON_GetObjectItemCaseSensitive(in, "MetricDataQueries");
    if (queries == NULL || cJSON_IsNull(queries))
        return req_fail(req, &AWSERR_CW_MISSING, "The parameter MetricDataQueries is required.");
    if (!cJSON_IsArray(queries))
        return req_fail(req, &AWSERR_CW_INVALID_VALUE, "The parameter MetricDataQueries must be a list.");
    int nq = cJSON_GetArraySize(queries);
    if (nq < 1 || nq > CW_MAX_QUERIES)
        return req_fail(req, &AWSERR_CW_VALIDATION,
                        "1 validation error detected: Value at 'metricDataQueries' failed to satisfy "
                        "constraint: Member must have length %s",
                        nq < 1 ? "greater than or equal to 1" : "less than or equal to 500");
    const char *scan = "TimestampDescending";
    if (get_str(req, in, "ScanBy", "ScanBy", &scan) < 0) return -1;
    if (strcmp(scan, "TimestampDescending") != 0 && strcmp(scan, "TimestampAscending") != 0)
        return req_fail(req, &AWSERR_CW_VALIDATION,
                        "1 validation error detected: Value '%.64s' at 'scanBy' failed to satisfy constraint: "
                        "Member must satisfy enum value set: [TimestampDescending, TimestampAscending]", scan);
    int descending = strcmp(scan, "TimestampDescending") == 0;
    double maxdp = CW_MAX_DATA_POINTS_TOTAL;
    if (get_num(req, in, "MaxDatapoints", "MaxDatapoints", &maxdp) < 0) return -1;
    const char *token = NULL;
    if (get_str(req, in, "NextToken", "NextToken", &token) < 0) return -1;
    if (token && token[0])
        return req_fail(req, &AWSERR_CW_INVALID_NEXT_TOKEN, "The service cannot continue from this token.");
    /* The window first (shared by every query); each query's period is
     * checked with it. */
    int64_t start = 0, end = 0;
    if (required(req, get_time(req, in, "StartTime", &start), "StartTime") != 0) return -1;
    if (required(req, get_time(req, in, "EndTime", &end), "EndTime") != 0) return -1;
    if (start >= end)
        return req_fail(req, &AWSERR_CW_INVALID_VALUE, "The parameter StartTime must be less than the parameter EndTime.");

    /* Validate every query before reading anything. */
    int i = 0;
    cJSON *q;
    cJSON_ArrayForEach(q, queries) {
        i++;
        char field[96];
        const char *id = NULL;
        snprintf(field, sizeof(field), "MetricDataQueries.member.%d.Id", i);
        if (!cJSON_IsObject(q)) return req_fail(req, &AWSERR_CW_INVALID_VALUE, "The parameter %s is not valid.", field);
        if (required(req, get_str(req, q, "Id", field, &id), field) != 0) return -1;
        if (!valid_id(id))
            return req_fail(req, &AWSERR_CW_VALIDATION,
                            "The value %.255s for parameter %s is not valid. It must begin with a lowercase "
                            "letter and contain only letters, numbers and underscores.", id, field);
        int j = 0;
        cJSON *p;
        cJSON_ArrayForEach(p, queries) {
            if (++j >= i) break;
            const cJSON *pid = cJSON_GetObjectItemCaseSensitive(p, "Id");
            if (cJSON_IsString(pid) && strcmp(pid->valuestring, id) == 0)
                return req_fail(req, &AWSERR_CW_VALIDATION,
                                "The values for parameter id in MetricDataQueries are not unique.");
        }
        cJSON *ms = cJSON_GetObjectItemCaseSensitive(q, "MetricStat");
        cJSON *expr = cJSON_GetObjectItemCaseSensitive(q, "Expression");
        if (ms && expr)
            return req_fail(req, &AWSERR_CW_VALIDATION,
                            "The parameter MetricDataQueries.member.%d.MetricStat and "
                            "MetricDataQueries.member.%d.Expression are mutually exclusive.", i, i);
        if (expr)
            return req_fail(req, &AWSERR_CW_INVALID_VALUE,
                            "Metric math expressions are not supported by sluice "
                            "(MetricDataQueries.member.%d.Expression); use MetricStat.", i);
        if (!cJSON_IsObject(ms))
            return req_fail(req, &AWSERR_CW_VALIDATION,
                            "The parameter MetricDataQueries.member.%d.MetricStat is required.", i);
        cJSON *metric = cJSON_GetObjectItemCaseSensitive(ms, "Metric");
        if (!cJSON_IsObject(metric))
            return req_fail(req, &AWSERR_CW_MISSING,
                            "The parameter MetricDataQueries.member.%d.MetricStat.Metric is required.", i);
        struct cw_metric m;
        char prefix[96];
        snprintf(prefix, sizeof(prefix), "MetricDataQueries.member.%d.MetricStat.Metric.", i);
        if (read_metric(req, metric, prefix, &m) != 0) return -1;
        snprintf(field, sizeof(field), "MetricDataQueries.member.%d.MetricStat.Period", i);
        int64_t s2 = start, e2 = end, period_ms;
        if (read_window(req, in, ms, field, &s2, &e2, &period_ms) != 0) return -1;
        const char *stat = NULL;
        snprintf(field, sizeof(field), "MetricDataQueries.member.%d.MetricStat.Stat", i);
        if (required(req, get_str(req, ms, "Stat", field, &stat), field) != 0) return -1;
        if (stat_index(stat) < 0)
            return req_fail(req, &AWSERR_CW_INVALID_VALUE,
                            "The value %.64s for parameter %s is not supported by sluice (SampleCount, Average, "
                            "Sum, Minimum, Maximum; no percentiles).", stat, field);
        const char *unit = NULL;
        snprintf(field, sizeof(field), "MetricDataQueries.member.%d.MetricStat.Unit", i);
        if (get_str(req, ms, "Unit", field, &unit) < 0) return -1;
        if (unit && !valid_unit(unit))
            return req_fail(req, &AWSERR_CW_VALIDATION, "The value %.64s for parameter %s is not valid.", unit, field);
    }

    if (metric_flush() != 0) return store_fail(req);
    *out = cJSON_CreateObject();
    cJSON *results = cJSON_AddArrayToObject(*out, "MetricDataResults");
    double budget = maxdp;
    cJSON_ArrayForEach(q, queries) {
        const char *id = cJSON_GetObjectItemCaseSensitive(q, "Id")->valuestring;
        cJSON *ms = cJSON_GetObjectItemCaseSensitive(q, "MetricStat");
        cJSON *metric = cJSON_GetObjectItemCaseSensitive(ms, "Metric");
        struct cw_metric m;
        read_metric(req, metric, "", &m);
        int64_t s2 = start, e2 = end, period_ms;
        read_window(req, in, ms, "Period", &s2, &e2, &period_ms);
        int stat = stat_index(cJSON_GetObjectItemCaseSensitive(ms, "Stat")->valuestring);
        const char *unit = NULL, *label = NULL;
        get_str(req, ms, "Unit", "Unit", &unit);
        get_str(req, q, "Label", "Label", &label);
        cJSON *rd = cJSON_GetObjectItemCaseSensitive(q, "ReturnData");
        if (cJSON_IsFalse(rd) || (cJSON_IsString(rd) && strcmp(rd->valuestring, "false") == 0)) continue;
        struct fold f;
        if (fold_metric(req, &m, s2, e2, period_ms, unit, &f) != 0) {
            cJSON_Delete(*out);
            *out = NULL;
            return -1;
        }
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "Id", id);
        cJSON_AddStringToObject(r, "Label", label ? label : m.name);
        cJSON *ts = cJSON_AddArrayToObject(r, "Timestamps");
        cJSON *vs = cJSON_AddArrayToObject(r, "Values");
        for (int k = 0; k < f.nb; k++) {
            int idx = descending ? f.nb - 1 - k : k;
            if (budget <= 0) break;
            budget--;
            cJSON_AddItemToArray(ts, cJSON_CreateNumber((double)f.b[idx].start_ms / 1000.0));
            cJSON_AddItemToArray(vs, cJSON_CreateNumber(stat_value(&f.b[idx], stat)));
        }
        free(f.b);
        cJSON_AddStringToObject(r, "StatusCode", "Complete");
        cJSON_AddItemToArray(results, r);
    }
    cJSON_AddArrayToObject(*out, "Messages");
    return 0;
}

/* ---- ListMetrics ---- */

struct list_ctx {
    const char *const *fnames;
    const char *const *fvalues;  /* NULL entries: any value */
    int nf;
    int64_t skip, count;
    int more;
    cJSON *arr;
};

static int list_row(void *ctx, const struct store_metric_row *r) {
    struct list_ctx *c = ctx;
    char buf[2048];
    const char *names[CW_MAX_DIMENSIONS], *values[CW_MAX_DIMENSIONS];
    int n = metric_dims_split(r->dims, buf, sizeof(buf), names, values, CW_MAX_DIMENSIONS);
    for (int i = 0; i < c->nf; i++) {
        int hit = 0;
        for (int k = 0; k < n && !hit; k++)
            hit = strcmp(names[k], c->fnames[i]) == 0 && (c->fvalues[i] == NULL || strcmp(values[k], c->fvalues[i]) == 0);
        if (!hit) return 0;
    }
    if (c->skip > 0) {
        c->skip--;
        return 0;
    }
    if (c->count == CW_LIST_PAGE) {
        c->more = 1;
        return 1;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Namespace", CW_NAMESPACE);
    cJSON_AddStringToObject(o, "MetricName", r->metric);
    add_dims(o, r->dims);
    cJSON_AddItemToArray(c->arr, o);
    c->count++;
    return 0;
}

static int list_metrics(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    cJSON **out = &oi->out;
    const char *ns = NULL, *name = NULL, *token = NULL;
    if (get_str(req, in, "Namespace", "Namespace", &ns) < 0 || get_str(req, in, "MetricName", "MetricName", &name) < 0 ||
        get_str(req, in, "NextToken", "NextToken", &token) < 0)
        return -1;
    int64_t skip = 0;
    if (token && token[0]) {
        char *end;
        long long v = strtoll(token, &end, 10);
        if (*end != '\0' || v < 0) return req_fail(req, &AWSERR_CW_INVALID_NEXT_TOKEN, "The service cannot continue from this token.");
        skip = v;
    }
    const char *fnames[CW_MAX_DIMENSIONS], *fvalues[CW_MAX_DIMENSIONS];
    int nf = 0;
    cJSON *dims = cJSON_GetObjectItemCaseSensitive(in, "Dimensions");
    if (dims && !cJSON_IsNull(dims)) {
        if (!cJSON_IsArray(dims)) return req_fail(req, &AWSERR_CW_INVALID_VALUE, "The parameter Dimensions must be a list.");
        if (cJSON_GetArraySize(dims) > 10)
            return req_fail(req, &AWSERR_CW_VALIDATION,
                            "1 validation error detected: Value at 'dimensions' failed to satisfy constraint: "
                            "Member must have length less than or equal to 10");
        cJSON *d;
        cJSON_ArrayForEach(d, dims) {
            char field[64];
            snprintf(field, sizeof(field), "Dimensions.member.%d.Name", nf + 1);
            if (!cJSON_IsObject(d)) return req_fail(req, &AWSERR_CW_INVALID_VALUE, "The parameter %s is not valid.", field);
            if (required(req, get_str(req, d, "Name", field, &fnames[nf]), field) != 0) return -1;
            fvalues[nf] = NULL;
            if (get_str(req, d, "Value", "Value", &fvalues[nf]) < 0) return -1;
            nf++;
        }
    }
    if (metric_flush() != 0) return store_fail(req);
    *out = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(*out, "Metrics");
    if (ns && strcmp(ns, CW_NAMESPACE) != 0) return 0;
    struct list_ctx c = {fnames, fvalues, nf, skip, 0, 0, arr};
    struct store_scope s = {req->account, req->region};
    if (store_metrics_list(s, name, list_row, &c) != STORE_OK) {
        cJSON_Delete(*out);
        *out = NULL;
        return store_fail(req);
    }
    if (c.more) {
        char next[32];
        snprintf(next, sizeof(next), "%lld", (long long)(skip + c.count));
        cJSON_AddStringToObject(*out, "NextToken", next);
    }
    return 0;
}

/* ---- dispatch ---- */

/* Sorted by name (op_by_target); both protocols share the rows. */
static const struct op cw_ops[] = {
    {"GetMetricData", get_metric_data, 0, NULL, NULL, NULL},
    {"GetMetricStatistics", get_metric_statistics, 0, NULL, NULL, NULL},
    {"ListMetrics", list_metrics, 0, NULL, NULL, NULL},
};

static int cw_json_parse(struct req *req, struct op_in *in) {
    if (json_body(req, &in->json) == 0 && cJSON_IsObject(in->json)) return 0;
    req->err = NULL;
    return req_fail(req, &AWSERR_CW_SERIALIZATION, "Unable to parse the request body as a JSON object.");
}

static void cw_json_reply(struct req *req, struct op_in *in) {
    req_reply_json(req, 200, in->out);
    in->out = NULL;
}

static void cw_store_fail(struct req *req, int rc) {
    (void)rc;
    store_fail(req);
}

const struct service cw_json_service = {
    .name = "monitoring",
    .ops = cw_ops,
    .nops = sizeof(cw_ops) / sizeof(cw_ops[0]),
    .find = op_find_target,
    .unknown_op = &AWSERR_CW_UNKNOWN_OP,
    .parse = cw_json_parse,
    .store_fail = cw_store_fail,
    .reply = cw_json_reply,
};

/* CloudWatch's timestamps: numbers in the result tree, ISO 8601 in XML. */
static int cw_is_time(const char *member) {
    return strcmp(member, "Timestamp") == 0 || strcmp(member, "Timestamps") == 0;
}

static void cw_query_reply(struct req *req, struct op_in *in) {
    query_reply(req, in, cw_is_time);
}

const struct service cw_query_service = {
    .name = "monitoring",
    .ops = cw_ops,
    .nops = sizeof(cw_ops) / sizeof(cw_ops[0]),
    .find = query_find,
    .store_fail = cw_store_fail,
    .reply = cw_query_reply,
    .query_version = "2010-08-01",
    .xmlns = CW_XMLNS,
};
