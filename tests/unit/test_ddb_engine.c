/*
 * Unit tests for DynamoDB's engine (engine/ddb/ddb.h) driven without any
 * HTTP request: a table stored and loaded in a scope, the not-found and
 * key errors it reports in a struct ddb_err (AWS's messages, word for
 * word), an item written and read back, and the TTL sweep deleting an
 * expired item of a table in another scope than the default one, and an
 * index UpdateTable adds built from the items already stored. Each
 * test has a fresh database in a temporary directory (checked fixture).
 */
#include "base/clock.h"
#include "engine/ddb/ddb.h"
#include "base/util.h"
#include "storage/store.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ACCOUNT "210987654321"
#define REGION "eu-west-3"

/* ---- fixture (as in test_ddb_records.c) ---- */

static char basedir[PATH_MAX];
static char tmpdir[PATH_MAX + 16];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void rm_rf(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static void setup(void) {
    snprintf(tmpdir, sizeof(tmpdir), "%s/t-XXXXXX", basedir);
    ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
    ck_assert_int_eq(store_init(tmpdir, 0), STORE_OK);
}

static void teardown(void) {
    store_shutdown();
    rm_rf(tmpdir);
}

/* ---- helpers ---- */

/* Stores table NAME (hash key "pk" of type S, TTL on attribute "exp")
 * in scope S, the way CreateTable and UpdateTimeToLive leave it. */
static void make_table(const struct ddb_scope *s, const char *name) {
    struct ddb_table t;
    memset(&t, 0, sizeof(t));
    snprintf(t.name, sizeof(t.name), "%s", name);
    t.scope = *s;
    t.desc = cJSON_Parse("{\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
                         "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}");
    ck_assert_ptr_nonnull(t.desc);
    char id[37];
    util_uuid(id);
    t.row.id = xstrdup(id);
    t.row.tags = xstrdup("[]");
    t.row.ttl = xstrdup("{\"Enabled\":true,\"AttributeName\":\"exp\"}");
    t.row.partitions = 1;
    t.row.created_ms = clock_now_ms();
    struct ddb_err err = {0};
    ck_assert_int_eq(store_begin(1), STORE_OK);
    ck_assert_int_eq(ddb_table_insert(&t, &err), 0);
    ck_assert_int_eq(store_commit(), STORE_OK);
    ck_assert_int_eq(err.kind, DDB_ERR_NONE);
    ddb_table_free(&t);
}

/* Writes ITEM (JSON text) to table NAME of S in its own transaction. */
static void put(const struct ddb_scope *s, const char *name, const char *item) {
    struct ddb_err err = {0};
    struct ddb_table t;
    cJSON *it = cJSON_Parse(item);
    ck_assert_ptr_nonnull(it);
    ck_assert_int_eq(store_begin(1), STORE_OK);
    ck_assert_int_eq(ddb_table_load(s, name, 1, &t, &err), 0);
    ck_assert_int_eq(ddb_check_item(it, 0, &err), 0);
    struct store_key hk, rk;
    ck_assert_int_eq(ddb_item_key(&t, it, 1, &hk, &rk, &err), 0);
    ck_assert_int_eq(ddb_write_item(&t, &hk, &rk, NULL, it, 0, &err), 0);
    ck_assert_int_eq(store_commit(), STORE_OK);
    ddb_key_free(&hk);
    ddb_key_free(&rk);
    ddb_table_free(&t);
    cJSON_Delete(it);
}

/* 1 when table NAME of S holds the item whose key is KEY (JSON text). */
static int has_item(const struct ddb_scope *s, const char *name, const char *key) {
    struct ddb_err err = {0};
    struct ddb_table t;
    ck_assert_int_eq(ddb_table_load(s, name, 1, &t, &err), 0);
    cJSON *k = cJSON_Parse(key);
    struct store_key hk, rk;
    ck_assert_int_eq(ddb_item_key(&t, k, 0, &hk, &rk, &err), 0);
    char *text = NULL;
    int rc = store_ddb_item_get(t.row.id, hk, rk, &text);
    ck_assert(rc == STORE_OK || rc == STORE_NOTFOUND);
    free(text);
    ddb_key_free(&hk);
    ddb_key_free(&rk);
    cJSON_Delete(k);
    ddb_table_free(&t);
    return rc == STORE_OK;
}

/* ---- tests ---- */

START_TEST(load_in_scope) {
    struct ddb_scope s = ddb_scope_make(ACCOUNT, REGION);
    struct ddb_scope other = ddb_scope_make(ACCOUNT, "us-east-1");
    make_table(&s, "Orders");
    struct ddb_err err = {0};
    struct ddb_table t;
    ck_assert_int_eq(ddb_table_load(&s, "Orders", 0, &t, &err), 0);
    ck_assert_str_eq(t.hash.name, "pk");
    ck_assert_int_eq(t.hash.type, DDB_T_S);
    ck_assert_int_eq(t.range.type, DDB_T_INVALID);
    ck_assert_str_eq(t.ttl_attr, "exp");
    ck_assert_str_eq(t.scope.account, ACCOUNT);
    ck_assert_str_eq(t.scope.region, REGION);
    ddb_table_free(&t);
    /* Another region has no such table; the two wordings of not found. */
    ck_assert_int_eq(ddb_table_load(&other, "Orders", 0, &t, &err), -1);
    ck_assert_int_eq(err.kind, DDB_ERR_NOT_FOUND);
    ck_assert_str_eq(err.msg, "Requested resource not found: Table: Orders not found");
    ddb_table_free(&t);
    ck_assert_int_eq(ddb_table_load(&other, "Orders", 1, &t, &err), -1);
    ck_assert_int_eq(err.kind, DDB_ERR_NOT_FOUND);
    ck_assert_str_eq(err.msg, "Requested resource not found");
    ddb_table_free(&t);
    ddb_err_clear(&err);
    ck_assert_int_eq(err.kind, DDB_ERR_NONE);
    ck_assert_ptr_null(err.msg);
}
END_TEST

/* The key errors, in the engine's words. */
static const struct key_case {
    const char *item;
    int full_item;
    const char *msg;
} key_cases[] = {
    {"{\"x\":{\"S\":\"a\"}}", 1, "One or more parameter values were invalid: Missing the key pk in the item"},
    {"{\"pk\":{\"N\":\"1\"}}", 1,
     "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"},
    {"{\"pk\":{\"S\":\"\"}}", 1,
     "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
     "contain an empty string value. Key: pk"},
    {"{\"pk\":{\"S\":\"a\"},\"x\":{\"S\":\"b\"}}", 0, "The provided key element does not match the schema"},
    {"{\"pk\":{\"N\":\"1\"}}", 0, "The provided key element does not match the schema"},
};

START_TEST(key_errors) {
    const struct key_case *c = &key_cases[_i];
    struct ddb_scope s = ddb_scope_make(ACCOUNT, REGION);
    make_table(&s, "Keys");
    struct ddb_err err = {0};
    struct ddb_table t;
    ck_assert_int_eq(ddb_table_load(&s, "Keys", 0, &t, &err), 0);
    cJSON *item = cJSON_Parse(c->item);
    struct store_key hk, rk;
    ck_assert_int_eq(ddb_item_key(&t, item, c->full_item, &hk, &rk, &err), -1);
    ck_assert_int_eq(err.kind, DDB_ERR_VALIDATION);
    ck_assert_str_eq(err.msg, c->msg);
    ddb_err_clear(&err);
    cJSON_Delete(item);
    ddb_table_free(&t);
}
END_TEST

START_TEST(item_size_error) {
    /* An item over 400 KB. */
    size_t n = 401 * 1024;
    char *big = xmalloc(n + 64);
    memset(big, 'a', n + 64);
    int len = snprintf(big, 32, "{\"pk\":{\"S\":\"");
    big[len] = 'a';
    memcpy(big + n, "\"}}", 4);
    cJSON *item = cJSON_Parse(big);
    free(big);
    ck_assert_ptr_nonnull(item);
    struct ddb_err err = {0};
    ck_assert_int_eq(ddb_check_item(item, 0, &err), -1);
    ck_assert_int_eq(err.kind, DDB_ERR_VALIDATION);
    ck_assert_str_eq(err.msg, "Item size has exceeded the maximum allowed size");
    ck_assert_int_eq(ddb_check_item(item, 1, &err), -1);
    ck_assert_str_eq(err.msg, "Item size to update has exceeded the maximum allowed size");
    ddb_err_clear(&err);
    cJSON_Delete(item);
}
END_TEST

START_TEST(sweep_deletes_expired) {
    /* Not the default account or region: the sweep finds each table's
     * own scope (no request is involved). */
    struct ddb_scope s = ddb_scope_make(ACCOUNT, REGION);
    make_table(&s, "Sessions");
    long long now_s = (long long)(clock_now_ms() / 1000);
    char item[160];
    snprintf(item, sizeof(item), "{\"pk\":{\"S\":\"old\"},\"exp\":{\"N\":\"%lld\"}}", now_s + 60);
    put(&s, "Sessions", item);
    snprintf(item, sizeof(item), "{\"pk\":{\"S\":\"new\"},\"exp\":{\"N\":\"%lld\"}}", now_s + 7200);
    put(&s, "Sessions", item);
    put(&s, "Sessions", "{\"pk\":{\"S\":\"none\"}}");
    ddb_sweep();
    ck_assert(has_item(&s, "Sessions", "{\"pk\":{\"S\":\"old\"}}"));
    clock_advance_ms(120 * 1000);
    ddb_sweep();
    ck_assert(!has_item(&s, "Sessions", "{\"pk\":{\"S\":\"old\"}}"));
    ck_assert(has_item(&s, "Sessions", "{\"pk\":{\"S\":\"new\"}}"));
    ck_assert(has_item(&s, "Sessions", "{\"pk\":{\"S\":\"none\"}}"));
}
END_TEST

/* Counts rows (store_ddb_read callback; CTX is an int). */
static int count_cb(void *ctx, const struct store_ddb_row *row) {
    (void)row;
    (*(int *)ctx)++;
    return 0;
}

/* The number of entries of index IX of table T. */
static int index_entries_of(struct ddb_table *t, const char *ix) {
    struct store_ddb_range r;
    memset(&r, 0, sizeof(r));
    r.table_id = t->row.id;
    r.index = ix;
    r.limit = -1;
    int n = 0;
    ck_assert_int_eq(store_ddb_read(&r, count_cb, &n), STORE_OK);
    return n;
}

START_TEST(index_backfill_and_drop) {
    /* 2,501 items: the backfill reads 1,000 at a time, so it crosses two
     * step boundaries. Every other item has g (S); item 7 has g as a
     * number and is left out, not an error. */
    struct ddb_scope s = ddb_scope_make(ACCOUNT, REGION);
    make_table(&s, "Backfill");
    int want = 0;
    for (int i = 0; i < 2501; i++) {
        char item[128];
        if (i == 7) snprintf(item, sizeof(item), "{\"pk\":{\"S\":\"k%05d\"},\"g\":{\"N\":\"7\"}}", i);
        else if (i % 2 == 0) snprintf(item, sizeof(item), "{\"pk\":{\"S\":\"k%05d\"},\"g\":{\"S\":\"v%d\"}}", i, i % 5);
        else snprintf(item, sizeof(item), "{\"pk\":{\"S\":\"k%05d\"}}", i);
        want += i % 2 == 0 && i != 7;
        put(&s, "Backfill", item);
    }
    struct ddb_err err = {0};
    struct ddb_table t;
    ck_assert_int_eq(store_begin(1), STORE_OK);
    ck_assert_int_eq(ddb_table_load(&s, "Backfill", 0, &t, &err), 0);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(t.desc, "AttributeDefinitions"),
                         cJSON_Parse("{\"AttributeName\":\"g\",\"AttributeType\":\"S\"}"));
    cJSON_AddItemToObject(t.desc, "GlobalSecondaryIndexes",
                          cJSON_Parse("[{\"IndexName\":\"by-g\",\"KeySchema\":[{\"AttributeName\":\"g\","
                                      "\"KeyType\":\"HASH\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}}]"));
    ck_assert_ptr_null(ddb_table_index(&t, "by-g"));
    ddb_table_reread(&t);
    ck_assert_ptr_nonnull(ddb_table_index(&t, "by-g"));
    ck_assert_str_eq(t.ttl_attr, "exp");    /* kept by the reread */
    ck_assert_int_eq(ddb_index_backfill(&t, "by-g", &err), 0);
    ck_assert_int_eq(ddb_table_save(&t, &err), 0);
    ck_assert_int_eq(store_commit(), STORE_OK);
    ck_assert_int_eq(index_entries_of(&t, "by-g"), want);
    /* A later write keeps the new index as it keeps any other. */
    ddb_table_free(&t);
    put(&s, "Backfill", "{\"pk\":{\"S\":\"late\"},\"g\":{\"S\":\"v1\"}}");
    ck_assert_int_eq(ddb_table_load(&s, "Backfill", 0, &t, &err), 0);
    ck_assert_int_eq(index_entries_of(&t, "by-g"), want + 1);
    ck_assert_int_eq(store_begin(1), STORE_OK);
    ck_assert_int_eq(ddb_index_drop(&t, "by-g", &err), 0);
    ck_assert_int_eq(store_commit(), STORE_OK);
    ck_assert_int_eq(index_entries_of(&t, "by-g"), 0);
    ck_assert_int_eq(err.kind, DDB_ERR_NONE);
    ddb_table_free(&t);
}
END_TEST

static void add(Suite *s, const char *name, const TTest *test, int loops) {
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    if (loops) tcase_add_loop_test(tc, test, 0, loops);
    else tcase_add_test(tc, test);
    suite_add_tcase(s, tc);
}

int main(void) {
    const char *base = getenv("TMPDIR");
    snprintf(basedir, sizeof(basedir), "%s/sluice-ddbeng-XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(basedir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    Suite *s = suite_create("ddb_engine");
    add(s, "load_in_scope", load_in_scope, 0);
    add(s, "key_errors", key_errors, (int)(sizeof(key_cases) / sizeof(key_cases[0])));
    add(s, "item_size_error", item_size_error, 0);
    add(s, "sweep_deletes_expired", sweep_deletes_expired, 0);
    add(s, "index_backfill_and_drop", index_backfill_and_drop, 0);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    rm_rf(basedir);
    return failed ? 1 : 0;
}
