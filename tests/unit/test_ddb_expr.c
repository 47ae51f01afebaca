/*
 * Unit tests for engine/ddb/ddb_expr.h: DynamoDB's expression language. Tables of
 * cases drive the parser, checker, evaluator, update applier, projector and
 * key-condition splitter, with AWS's exact error texts. JSON in the tables
 * is written with single quotes, turned into double quotes before parsing.
 */
#include "engine/ddb/ddb_expr.h"

#include "engine/ddb/ddb_av.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- Helpers ------------------------------------------------------------ */

/* Parses JS, single-quoted JSON; NULL stays NULL. Caller deletes. */
static cJSON *js(const char *z) {
    if (!z)
        return NULL;
    char *d = strdup(z);
    for (char *p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    cJSON *j = cJSON_Parse(d);
    ck_assert_msg(j != NULL, "bad test JSON: %s", z);
    free(d);
    return j;
}

/* 1 when two items (objects of AttributeValues) are equal, DynamoDB-wise. */
static int items_equal(const cJSON *a, const cJSON *b) {
    cJSON *wa = cJSON_CreateObject(), *wb = cJSON_CreateObject();
    cJSON_AddItemToObject(wa, "M", cJSON_Duplicate(a, 1));
    cJSON_AddItemToObject(wb, "M", cJSON_Duplicate(b, 1));
    int eq = ddb_av_equal(wa, wb);
    cJSON_Delete(wa);
    cJSON_Delete(wb);
    return eq;
}

/*
 * The whole request flow a handler runs: parse EXPR as KIND with NAMES and
 * VALUES, then check the maps. Returns the expression (caller frees) or
 * NULL with *ERR set. The JSON the expression borrows is returned in
 * *JNAMES / *JVALUES for the caller to delete after the expression.
 */
static struct ddb_expr *full_parse(enum ddb_expr_kind kind, const char *expr, const char *names,
                                   const char *values, int check_unused, cJSON **jnames,
                                   cJSON **jvalues, char **err) {
    *jnames = js(names);
    *jvalues = js(values);
    struct ddb_expr_attrs a;
    ddb_expr_attrs_init(&a, *jnames, *jvalues);
    *err = NULL;
    struct ddb_expr *e = ddb_expr_parse(kind, expr, &a, err);
    if (e && check_unused && ddb_expr_attrs_check(&a, err) < 0) {
        ddb_expr_free(e);
        e = NULL;
    }
    ddb_expr_attrs_free(&a);
    return e;
}

static const char *kind_name(enum ddb_expr_kind k) {
    static const char *const n[] = {"condition", "filter", "key", "update", "projection"};
    return n[k];
}

/* --- Shared fixtures ---------------------------------------------------- */

static const char ITEM[] =
    "{'pk':{'S':'p1'},'s':{'S':'hello'},'s2':{'S':'h\\u00e9llo'},'n':{'N':'5'},"
    "'f':{'N':'2.5'},'b':{'B':'aGVsbG8='},'t':{'BOOL':true},'nu':{'NULL':true},"
    "'ss':{'SS':['a','b']},'ns':{'NS':['1','2']},'bs':{'BS':['AQ==']},"
    "'l':{'L':[{'S':'x'},{'N':'1'}]},'m':{'M':{'a':{'S':'v'},'n':{'L':[{'N':'7'}]}}},"
    "'big':{'N':'12345678901234567890123456789012345678'},'a.b':{'S':'v'},"
    "'status':{'S':'x'},'e':{'S':''},'el':{'L':[]},'em':{'M':{}}}";

static const char VALUES[] =
    "{':s':{'S':'hello'},':he':{'S':'he'},':x':{'S':'x'},':n5':{'N':'5'},':n5b':{'N':'5.0'},"
    "':n1':{'N':'1'},':n10':{'N':'10'},':f':{'N':'2.5'},':b':{'B':'aGVsbG8='},"
    "':bh':{'B':'aGU='},':t':{'BOOL':true},':fa':{'BOOL':false},':nu':{'NULL':true},"
    "':ss':{'SS':['b','a']},':ns':{'NS':['2','1']},':l':{'L':[{'S':'x'},{'N':'1'}]},"
    "':m':{'M':{'n':{'L':[{'N':'7'}]},'a':{'S':'v'}}},':a':{'S':'a'},':z':{'S':'z'},"
    "':tS':{'S':'S'},':tN':{'S':'N'},':tSS':{'S':'SS'},':tM':{'S':'M'},':tL':{'S':'L'},"
    "':tB':{'S':'B'},':tBOOL':{'S':'BOOL'},':tNULL':{'S':'NULL'},':tNS':{'S':'NS'},"
    "':tBS':{'S':'BS'},':n0':{'N':'0'},':n2':{'N':'2'},':n6':{'N':'6'},':n7':{'N':'7'},"
    "':v':{'S':'v'},':big':{'N':'12345678901234567890123456789012345678'},"
    "':bigm':{'N':'12345678901234567890123456789012345677'},':neg':{'N':'-1'},"
    "':hx':{'S':'h\\u00e9'},':empty':{'S':''},':b1':{'B':'AQ=='},':nsx':{'NS':['5']},"
    "':bs':{'BS':['AQ==']},':l0':{'L':[]},':m0':{'M':{}}}";

static const char NAMES[] = "{'#s':'s','#n':'n','#m':'m','#st':'status','#dot':'a.b','#l':'l',"
                            "'#big':'big','#0':'n'}";

/* --- Condition evaluation ----------------------------------------------- */

struct eval_case {
    const char *expr;
    int want;
};

static const struct eval_case eval_cases[] = {
    /* Comparisons */
    {"s = :s", 1}, {"s <> :s", 0}, {"s = :x", 0}, {"s <> :x", 1},
    {"n = :n5", 1}, {"n = :n5b", 1}, {"n <> :n5b", 0}, {"n < :n10", 1},
    {"n > :n10", 0}, {"n <= :n5", 1}, {"n >= :n5", 1}, {"n < :n5", 0},
    {"n > :n5", 0}, {"n >= :n10", 0}, {"n <= :n1", 0}, {"n > :neg", 1},
    {"n < :s", 0}, {"n > :s", 0}, {"n = :s", 0}, {"n <> :s", 1},
    {"zz = :s", 0}, {"zz <> :s", 1}, {"zz < :s", 0}, {"zz >= :s", 0},
    {"f > :n1", 1}, {"f < :n5", 1}, {"f = :f", 1}, {"s > :he", 1},
    {"s < :z", 1}, {"s >= :s", 1}, {"s > :s", 0}, {"e = :empty", 1},
    {"e < :a", 1}, {"b = :b", 1}, {"b > :bh", 1}, {"b < :bh", 0},
    {"b = :s", 0}, {"ss = :ss", 1}, {"ns = :ns", 1}, {"ss = :ns", 0},
    {"l = :l", 1}, {"m = :m", 1}, {"t = :t", 1}, {"t = :fa", 0},
    {"t <> :fa", 1}, {"nu = :nu", 1}, {"big > :bigm", 1}, {"big = :bigm", 0},
    {"big = :big", 1}, {"bigm < big", 0}, {":bigm < :big", 1}, {":n1 < :n5", 1},
    {":s = :s", 1}, {":n5 = :n5b", 1}, {"n = f", 0}, {"n > f", 1},
    {"el = :l0", 1}, {"em = :m0", 1}, {"l[0] = :x", 1},
    {"l[1] = :n1", 1}, {"l[2] = :n1", 0}, {"m.a = :v", 1}, {"m.n[0] = :n7", 1},
    {"m.n[0] > :n5", 1}, {"m.zz = :v", 0}, {"s.x = :v", 0}, {"m[0] = :v", 0},
    {"l.x = :x", 0}, {"nu <> :nu", 0}, {"ss <> :ns", 1},
    /* BETWEEN and IN */
    {"n BETWEEN :n1 AND :n10", 1}, {"n BETWEEN :n5 AND :n5", 1},
    {"n BETWEEN :n5b AND :n10", 1}, {"n BETWEEN :n7 AND :n10", 0},
    {"n between :neg and :n1", 0}, {"s BETWEEN :a AND :z", 1}, {"s BETWEEN :n1 AND :n10", 0},
    {"zz BETWEEN :n1 AND :n10", 0}, {"b BETWEEN :bh AND :b", 1}, {"f BETWEEN :n1 AND n", 1},
    {"n IN (:n1, :n5)", 1}, {"n IN (:n1)", 0}, {"n IN (:n5b)", 1},
    {"s IN (:x, :s, :n1)", 1}, {"zz IN (:n1)", 0}, {"ss IN (:ns, :ss)", 1},
    {"n in (:n1,:n10,:n7)", 0}, {"l IN (:l)", 1},
    /* Logic and precedence: NOT > AND > OR */
    {"s = :s AND n = :n5", 1}, {"s = :s AND n = :n1", 0}, {"s = :x OR n = :n5", 1},
    {"s = :x OR n = :n1", 0}, {"NOT s = :x", 1}, {"NOT (s = :s)", 0},
    {"not s = :s or n = :n5", 1}, {"NOT (s = :s OR n = :n5)", 0},
    {"s = :x AND n = :n1 OR n = :n5", 1}, {"s = :x AND (n = :n1 OR n = :n5)", 0},
    {"n = :n5 OR s = :x AND n = :n1", 1}, {"(n = :n5 OR s = :x) AND n = :n1", 0},
    {"NOT s = :x AND n = :n1", 0}, {"NOT NOT s = :s", 1}, {"NOT NOT NOT s = :s", 0},
    {"s = :s and n = :n5", 1}, {"s = :s AnD n BeTwEeN :n1 aNd :n10", 1},
    {"((s = :s) AND (n = :n5))", 1}, {"(s = :s) OR (n = :n1)", 1},
    {"s = :s AND n = :n5 AND f = :f AND t = :t", 1}, {"s = :x OR n = :n1 OR f = :n5 OR t = :t", 1},
    {"NOT (NOT (s = :s))", 1}, {"s=:s AND(n=:n5)", 1}, {"\ts\n=\r:s ", 1},
    /* Functions */
    {"attribute_exists(s)", 1}, {"attribute_exists(zz)", 0}, {"attribute_not_exists(zz)", 1},
    {"attribute_not_exists(s)", 0}, {"attribute_exists(m.a)", 1}, {"attribute_exists(m.zz)", 0},
    {"attribute_exists(l[1])", 1}, {"attribute_exists(l[2])", 0}, {"attribute_exists(m.n[0])", 1},
    {"attribute_exists(s.x)", 0}, {"attribute_exists(nu)", 1}, {"attribute_exists(e)", 1},
    {"attribute_exists(#dot)", 1}, {"attribute_exists(a.b)", 0}, {"attribute_exists(#st)", 1},
    {"attribute_type(s, :tS)", 1}, {"attribute_type(s, :tN)", 0}, {"attribute_type(n, :tN)", 1},
    {"attribute_type(ss, :tSS)", 1}, {"attribute_type(m, :tM)", 1}, {"attribute_type(l, :tL)", 1},
    {"attribute_type(b, :tB)", 1}, {"attribute_type(t, :tBOOL)", 1},
    {"attribute_type(nu, :tNULL)", 1}, {"attribute_type(ns, :tNS)", 1},
    {"attribute_type(bs, :tBS)", 1}, {"attribute_type(zz, :tS)", 0},
    {"attribute_type(m.n, :tL)", 1}, {"begins_with(s, :he)", 1}, {"begins_with(s, :x)", 0},
    {"begins_with(s, :s)", 1}, {"begins_with(s, :empty)", 1}, {"begins_with(b, :bh)", 1},
    {"begins_with(b, :b1)", 0}, {"begins_with(zz, :he)", 0}, {"begins_with(n, :he)", 0},
    {"begins_with(s, :bh)", 0}, {"begins_with(s2, :hx)", 1}, {"begins_with(:s, :he)", 1},
    {"contains(s, :he)", 1}, {"contains(s, :x)", 0}, {"contains(s, :s)", 1},
    {"contains(s, :empty)", 1}, {"contains(ss, :a)", 1}, {"contains(ss, :z)", 0},
    {"contains(ns, :n1)", 1}, {"contains(ns, :n5)", 0}, {"contains(ns, :s)", 0},
    {"contains(bs, :b1)", 1}, {"contains(l, :x)", 1}, {"contains(l, :n1)", 1},
    {"contains(l, :z)", 0}, {"contains(m, :a)", 0}, {"contains(b, :bh)", 1},
    {"contains(n, :n5)", 0}, {"contains(zz, :a)", 0}, {"contains(ss, :ss)", 0},
    {"size(s) = :n5", 1}, {"size(s2) = :n6", 1}, {"size(ss) = :n2", 1}, {"size(l) = :n2", 1},
    {"size(m) = :n2", 1}, {"size(b) = :n5", 1}, {"size(ns) = :n2", 1}, {"size(el) = :n0", 1},
    {"size(e) = :n0", 1}, {"size(n) = :n1", 0}, {"size(n) <> :n1", 1}, {"size(t) > :n0", 0},
    {"size(nu) < :n10", 0}, {"size(zz) > :n0", 0}, {"size(m.n) = :n1", 1},
    {"size(s) BETWEEN :n1 AND :n10", 1}, {"size(s) IN (:n1, :n5)", 1}, {":n5 = size(s)", 1},
    {"size(s) > size(ss)", 1}, {"size(:s) = :n5", 1}, {"(size(s)) = :n5", 1},
    /* Names, parentheses, values in odd places */
    {"#s = :s", 1}, {"#m.#n[0] = :n7", 1}, {"#m.a = :v", 1}, {"#dot = :v", 1},
    {"#st = :x", 1}, {"#l[0] = :x", 1}, {"#big > :bigm", 1}, {"#0 = :n5", 1},
    {"(s) = :s", 1}, {"s = (:s)", 1}, {"(s = :s)", 1}, {"((s) = (:s))", 1},
    {"(n BETWEEN :n1 AND :n10)", 1}, {"n BETWEEN (:n1) AND (:n10)", 1},
    {"(attribute_exists(s))", 1}, {"NOT (attribute_exists(zz))", 1},
    {"(s = :s AND (n = :n5 OR (f = :n1)))", 1},
};

START_TEST(test_eval_table) {
    const struct eval_case *c = &eval_cases[_i];
    cJSON *names, *values, *item = js(ITEM);
    char *err = NULL;
    struct ddb_expr *e =
        full_parse(DDB_EXPR_CONDITION, c->expr, NAMES, VALUES, 0, &names, &values, &err);
    ck_assert_msg(e != NULL, "'%s': %s", c->expr, err ? err : "?");
    int r = ddb_expr_eval(e, item, &err);
    ck_assert_msg(r == c->want, "'%s' gave %d, want %d", c->expr, r, c->want);
    ddb_expr_free(e);
    cJSON_Delete(names);
    cJSON_Delete(values);
    /* The same text as a filter and as a key condition's condition body
     * evaluates the same way. */
    e = full_parse(DDB_EXPR_FILTER, c->expr, NAMES, VALUES, 0, &names, &values, &err);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(ddb_expr_eval(e, item, &err), c->want);
    ddb_expr_free(e);
    cJSON_Delete(names);
    cJSON_Delete(values);
    cJSON_Delete(item);
}
END_TEST

/* With no item (a put of a new item), paths are absent. */
START_TEST(test_eval_no_item) {
    static const struct eval_case cases[] = {
        {"attribute_not_exists(pk)", 1}, {"attribute_exists(pk)", 0}, {"s = :s", 0},
        {"s <> :s", 1}, {"NOT s = :s", 1}, {"size(s) > :n0", 0}, {":n1 < :n5", 1},
        {"attribute_not_exists(pk) OR s = :s", 1}, {"contains(ss, :a)", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *names, *values;
        char *err = NULL;
        struct ddb_expr *e =
            full_parse(DDB_EXPR_CONDITION, cases[i].expr, NULL, VALUES, 0, &names, &values, &err);
        ck_assert_msg(e != NULL, "%s: %s", cases[i].expr, err ? err : "?");
        ck_assert_int_eq(ddb_expr_eval(e, NULL, &err), cases[i].want);
        ddb_expr_free(e);
        cJSON_Delete(names);
        cJSON_Delete(values);
    }
}
END_TEST

/* --- Errors ------------------------------------------------------------- */

struct err_case {
    enum ddb_expr_kind kind;
    const char *expr;
    const char *names;
    const char *values;
    const char *err; /* exact message */
};

#define C DDB_EXPR_CONDITION
#define F DDB_EXPR_FILTER
#define K DDB_EXPR_KEY_CONDITION
#define U DDB_EXPR_UPDATE
#define P DDB_EXPR_PROJECTION
#define V1 "{':v':{'S':'x'}}"
#define VN "{':n':{'N':'5'}}"
#define IC "Invalid ConditionExpression: "
#define IF "Invalid FilterExpression: "
#define IK "Invalid KeyConditionExpression: "
#define IU "Invalid UpdateExpression: "
#define IP "Invalid ProjectionExpression: "
#define SYN(t, n) "Syntax error; token: \"" t "\", near: \"" n "\""
#define RES(w) "Attribute name is a reserved keyword; reserved keyword: " w
#define BADOP(f, t) \
    "Incorrect operand type for operator or function; operator or function: " f ", operand type: " t
#define NOPS(f, k) \
    "Incorrect number of operands for operator or function; operator or function: " f \
    ", number of operands: " k
#define OVER(a, b) \
    "Two document paths overlap with each other; must remove or rewrite one of these paths; " \
    "path one: " a ", path two: " b
#define CONFL(a, b) \
    "Two document paths conflict with each other; must remove or rewrite one of these paths; " \
    "path one: " a ", path two: " b
#define MISUSE(f) "The function is not allowed to be used this way in an expression; function: " f
#define NONAME(n) \
    "An expression attribute name used in the document path is not defined; attribute name: " n
#define NOVAL(v) "An expression attribute value used in expression is not defined; attribute value: " v
#define BADKEYOP(o) "Invalid operator used in KeyConditionExpression: " o

static const struct err_case err_cases[] = {
    /* Empty and syntax */
    {C, "", NULL, NULL, IC "The expression can not be empty;"},
    {F, "", NULL, NULL, IF "The expression can not be empty;"},
    {K, "", NULL, NULL, IK "The expression can not be empty;"},
    {U, "", NULL, NULL, IU "The expression can not be empty;"},
    {P, "", NULL, NULL, IP "The expression can not be empty;"},
    {C, "a = ", NULL, NULL, IC SYN("<EOF>", "= ")},
    {C, "a =", NULL, NULL, IC SYN("<EOF>", "=")},
    {C, "a", NULL, NULL, IC SYN("<EOF>", "a")},
    {C, "foo", NULL, NULL, IC SYN("<EOF>", "foo")},
    {C, "   ", NULL, NULL, IC SYN("<EOF>", "")},
    {C, "a = :v b", NULL, V1, IC SYN("b", ":v b")},
    {C, "a == :v", NULL, V1, IC SYN("=", "== :v")},
    {C, "a != :v", NULL, V1, IC SYN("!", "a !=")},
    {C, "(a = :v", NULL, V1, IC SYN("<EOF>", ":v")},
    {C, "a = :v)", NULL, V1, IC SYN(")", ":v)")},
    {C, ")", NULL, NULL, IC SYN(")", ")")},
    {C, "(", NULL, NULL, IC SYN("<EOF>", "(")},
    {C, "()", NULL, NULL, IC SYN(")", "()")},
    {C, "a = :v AND", NULL, V1, IC SYN("<EOF>", "AND")},
    {C, "a = :v AND ", NULL, V1, IC SYN("<EOF>", "AND ")},
    {C, "AND a = :v", NULL, V1, IC SYN("AND", "AND a")},
    {C, "a = :v OR OR b = :v", NULL, V1, IC SYN("OR", "OR OR b")},
    {C, ":", NULL, NULL, IC SYN(":", ":")},
    {C, "#", NULL, NULL, IC SYN("#", "#")},
    {C, "a = :", NULL, NULL, IC SYN(":", "= :")},
    {C, "# = :v", NULL, V1, IC SYN("#", "# =")},
    {C, "a.b. = :v", NULL, V1, IC SYN("=", ". = :v")},
    {C, "a..b = :v", NULL, V1, IC SYN(".", "..b")},
    {C, "a[x] = :v", NULL, V1, IC SYN("x", "[x]")},
    {C, "a[-1] = :v", NULL, V1, IC SYN("-", "[-1")},
    {C, "a[] = :v", NULL, V1, IC SYN("]", "[] =")},
    {C, "a[1 = :v", NULL, V1, IC SYN("=", "1 = :v")},
    {C, "a[1234567890] = :v", NULL, V1, IC SYN("1234567890", "[1234567890]")},
    {C, "a[:v] = :v", NULL, V1, IC SYN(":v", "[:v]")},
    {C, "\xc3\xa9 = :v", NULL, V1, IC SYN("\xc3\xa9", "\xc3\xa9 =")},
    {C, "a = :v;", NULL, V1, IC SYN(";", ":v;")},
    {C, "a = :v,", NULL, V1, IC SYN(",", ":v,")},
    {C, "a\x01= :v", NULL, V1, IC SYN("\x01", "a\x01=")},
    {C, "a = :v AND (", NULL, V1, IC SYN("<EOF>", "(")},
    {C, "a BETWEEN :v", NULL, V1, IC SYN("<EOF>", ":v")},
    {C, "a BETWEEN :v OR :v", NULL, V1, IC SYN("OR", ":v OR :v")},
    {C, "a IN :v", NULL, V1, IC SYN(":v", "IN :v")},
    {C, "a IN ()", NULL, NULL, IC SYN(")", "()")},
    {C, "a IN (:v,)", NULL, V1, IC SYN(")", ",)")},
    {C, "attribute_exists()", NULL, NULL, IC SYN(")", "()")},
    {C, "attribute_exists(a", NULL, NULL, IC SYN("<EOF>", "a")},
    {C, "NOT", NULL, NULL, IC SYN("<EOF>", "NOT")},
    {C, "a = NOT :v", NULL, V1, IC SYN("NOT", "= NOT :v")},
    {C, "a = :v + :v", NULL, V1, IC SYN("+", ":v + :v")},
    {C, "_a = :v", NULL, V1, IC SYN("_", "_a")},
    {C, "1a = :v", NULL, V1, IC SYN("1", "1a")},
    {C, "a = 1", NULL, NULL, IC SYN("1", "= 1")},
    {C, "a = 'x'", NULL, NULL, IC SYN("'", "= 'x")},
    {C, "a.and = :v", NULL, V1, IC SYN("and", ".and =")},
    {C, "size(a) > ", NULL, NULL, IC SYN("<EOF>", "> ")},
    {C, "between = :v", NULL, V1, IC SYN("between", "between =")},
    {C, "a BETWEEN :v AND", NULL, V1, IC SYN("<EOF>", "AND")},
    {C, "a = :v AND b", NULL, V1, IC SYN("<EOF>", "b")},
    {K, "pk = :v a", NULL, V1, IK SYN("a", ":v a")},
    {F, "a +", NULL, NULL, IF SYN("+", "a +")},
    /* Function names and uses */
    {C, "foo(a)", NULL, NULL, IC "Invalid function name; function: foo"},
    {C, "foo(a) = :v AND #x = :w", NULL, V1, IC "Invalid function name; function: foo"},
    {C, "LIST_APPEND(a, :v) = :v", NULL, V1, IC "Invalid function name; function: LIST_APPEND"},
    {C, "Size(a) = :v", NULL, V1, IC "Invalid function name; function: Size"},
    {C, "if_not_exists(a, :v) = :v", NULL, V1,
     IC "The function is not allowed in a condition expression; function: if_not_exists"},
    {C, "list_append(a, :v) = :v", NULL, V1,
     IC "The function is not allowed in a condition expression; function: list_append"},
    {C, "size(a)", NULL, NULL, IC MISUSE("size")},
    {C, "size(a) AND a = :v", NULL, V1, IC MISUSE("size")},
    {C, "attribute_exists(a) = :v", NULL, V1, IC MISUSE("attribute_exists")},
    {C, "a = begins_with(a, :v)", NULL, V1, IC MISUSE("begins_with")},
    {C, "size(contains(a, :v)) > :v", NULL, V1, IC MISUSE("contains")},
    {C, "a IN (:v, attribute_type(a, :v))", NULL, V1, IC MISUSE("attribute_type")},
    {C, "a BETWEEN size(a) AND attribute_exists(b)", NULL, NULL, IC MISUSE("attribute_exists")},
    /* Reserved words */
    {C, "a = :v AND status = :v", NULL, V1, IC RES("status")},
    {C, "Status = :v", NULL, V1, IC RES("Status")},
    {C, "a.data = :v", NULL, V1, IC RES("data")},
    {C, "attribute_exists(name)", NULL, NULL, IC RES("name")},
    {C, "size(size) > :n", NULL, VN, IC RES("size")},
    {C, "#a.value = :v", "{'#a':'a'}", V1, IC RES("value")},
    {C, "#x = :v AND status = :v", NULL, V1, IC RES("status")},
    {F, "year = :v", NULL, V1, IF RES("year")},
    /* Undefined placeholders */
    {C, "#s = :v", NULL, V1, IC NONAME("#s")},
    {C, "#s = :v", "{'#t':'t'}", V1, IC NONAME("#s")},
    {C, "a.#s = :v", "{'#t':'t'}", V1, IC NONAME("#s")},
    {C, "a = :w", NULL, V1, IC NOVAL(":w")},
    {C, "a = :w", NULL, NULL, IC NOVAL(":w")},
    {C, "a = :v AND b = :w AND #c = :v", NULL, V1, IC NOVAL(":w")},
    {C, "#c = :w", NULL, NULL, IC NONAME("#c")},
    {C, ":w = #c", NULL, NULL, IC NOVAL(":w")},
    /* Operand counts, distinct operands, operand types */
    {C, "begins_with(a)", NULL, NULL, IC NOPS("begins_with", "1")},
    {C, "attribute_exists(a, b)", NULL, NULL, IC NOPS("attribute_exists", "2")},
    {C, "attribute_not_exists(a, b, c)", NULL, NULL, IC NOPS("attribute_not_exists", "3")},
    {C, "contains(a)", NULL, NULL, IC NOPS("contains", "1")},
    {C, "size(a, b) > :n", NULL, VN, IC NOPS("size", "2")},
    {C, "attribute_type(a)", NULL, NULL, IC NOPS("attribute_type", "1")},
    {C, "a = a", NULL, NULL,
     IC "The first operand must be distinct from the remaining operands for this operator or "
        "function; operator: =, first operand: [a]"},
    {C, "a.b[1] <> (a.b[1])", NULL, NULL,
     IC "The first operand must be distinct from the remaining operands for this operator or "
        "function; operator: <>, first operand: [a, b, [1]]"},
    {C, "begins_with(a.b, a.b)", NULL, NULL,
     IC "The first operand must be distinct from the remaining operands for this operator or "
        "function; operator: begins_with, first operand: [a, b]"},
    {C, "#a = a", "{'#a':'a'}", NULL,
     IC "The first operand must be distinct from the remaining operands for this operator or "
        "function; operator: =, first operand: [a]"},
    {C, "begins_with(a, :n)", NULL, VN, IC BADOP("begins_with", "N")},
    {C, "begins_with(:n, a)", NULL, VN, IC BADOP("begins_with", "N")},
    {C, "begins_with(a, size(b))", NULL, NULL, IC BADOP("begins_with", "N")},
    {C, "attribute_type(a, :n)", NULL, VN, IC BADOP("attribute_type", "N")},
    {C, "attribute_type(a, b)", NULL, NULL,
     IC BADOP("attribute_type", "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}")},
    {C, "attribute_type(a, :v)", NULL, "{':v':{'S':'X'}}",
     IC "Invalid attribute type name found; type: X, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
    {C, "attribute_type(a, :v)", NULL, "{':v':{'S':'s'}}",
     IC "Invalid attribute type name found; type: s, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
    {C, "size(:n) > :n", NULL, VN, IC BADOP("size", "N")},
    {C, "size(:t) > :n", NULL, "{':t':{'BOOL':true},':n':{'N':'1'}}", IC BADOP("size", "BOOL")},
    {C, "size(:t) > :n", NULL, "{':t':{'NULL':true},':n':{'N':'1'}}", IC BADOP("size", "NULL")},
    {C, "size(size(a)) > :n", NULL, VN, IC BADOP("size", "N")},
    {C, "attribute_exists(:v)", NULL, V1,
     IC "Operator or function requires a document path; operator or function: attribute_exists"},
    {C, "attribute_not_exists(size(a))", NULL, NULL,
     IC "Operator or function requires a document path; operator or function: "
        "attribute_not_exists"},
    {C, "a < :t", NULL, "{':t':{'BOOL':true}}", IC BADOP("<", "BOOL")},
    {C, "a <= :t", NULL, "{':t':{'NULL':true}}", IC BADOP("<=", "NULL")},
    {C, "a > :t", NULL, "{':t':{'SS':['a']}}", IC BADOP(">", "SS")},
    {C, "a >= :t", NULL, "{':t':{'M':{}}}", IC BADOP(">=", "M")},
    {C, ":t > a", NULL, "{':t':{'L':[]}}", IC BADOP(">", "L")},
    {C, "a > :n AND b < :t", NULL, "{':t':{'NS':['1']},':n':{'N':'1'}}", IC BADOP("<", "NS")},
    {C, "attribute_not_exists(z) OR a > :t", NULL, "{':t':{'BOOL':true}}", IC BADOP(">", "BOOL")},
    {C, "NOT (a > :t)", NULL, "{':t':{'BOOL':true}}", IC BADOP(">", "BOOL")},
    {C, "size(a) > :t", NULL, "{':t':{'BOOL':false}}", IC BADOP(">", "BOOL")},
    {F, "a > :t", NULL, "{':t':{'BOOL':true}}", IF BADOP(">", "BOOL")},
    {C, "a BETWEEN :t AND :f", NULL, "{':t':{'BOOL':true},':f':{'BOOL':false}}",
     IC BADOP("BETWEEN", "BOOL")},
    {C, "a BETWEEN :n AND :v", NULL, "{':n':{'N':'5'},':v':{'S':'x'}}",
     IC "The BETWEEN operator requires same data type for lower and upper bounds; lower bound "
        "operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {S:x}"},
    {C, "a BETWEEN :a AND :b", NULL, "{':a':{'N':'10'},':b':{'N':'9.5'}}",
     IC "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
        "lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: "
        "{N:9.5}"},
    {C, "a BETWEEN :a AND :b", NULL, "{':a':{'S':'b'},':b':{'S':'a'}}",
     IC "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
        "lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}"},
    /* Redundant parentheses */
    {C, "((a = :v))", NULL, V1, IC "The expression has redundant parentheses;"},
    {C, "((a)) = :v", NULL, V1, IC "The expression has redundant parentheses;"},
    {C, "a = :v AND ((b = :v))", NULL, V1, IC "The expression has redundant parentheses;"},
    {C, "((foo(a)))", NULL, NULL, IC "The expression has redundant parentheses;"},
    /* The maps themselves */
    {C, "a = :v", "{}", V1, "ExpressionAttributeNames must not be empty"},
    {C, "a = :v", NULL, "{}", "ExpressionAttributeValues must not be empty"},
    {C, "a = :v", "{}", "{}", "ExpressionAttributeNames must not be empty"},
    {C, "", "{}", NULL, "ExpressionAttributeNames must not be empty"},
    {C, "a = :v", "{'a':'x'}", V1, "ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\""},
    {C, "a = :v", "{'#':'x'}", V1, "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#\""},
    {C, "a = :v", "{'#a-b':'x'}", V1,
     "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#a-b\""},
    {C, "a = :v", "{'#a':''}", V1,
     "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a"},
    {C, "a = :v", NULL, "{'v':{'S':'x'}}",
     "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\""},
    {C, "a = :", NULL, "{':':{'S':'x'}}",
     "ExpressionAttributeValues contains invalid key: Syntax error; key: \":\""},
    {C, "a = :v", NULL, "{':v':{}}",
     "ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must "
     "contain exactly one of the supported datatypes for key :v"},
    {C, "a = :v", NULL, "{':v':{'SS':[]}}",
     "ExpressionAttributeValues contains invalid value: One or more parameter values were "
     "invalid: An string set  may not be empty for key :v"},
    {C, "a = :v", NULL, "{':v':{'N':'x1'}}",
     "ExpressionAttributeValues contains invalid value: The parameter cannot be converted to a "
     "numeric value: x1 for key :v"},
    {C, "a = :v", NULL, "{':v':{'S':'x','N':'1'}}",
     "ExpressionAttributeValues contains invalid value: Supplied AttributeValue has more than "
     "one datatypes set, must contain exactly one of the supported datatypes for key :v"},
    /* Unused entries (checked after parsing) */
    {C, "a = :v", NULL, "{':v':{'S':'x'},':w':{'S':'y'}}",
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"},
    {C, "a = :v", NULL, "{':w':{'S':'y'},':v':{'S':'x'},':u':{'S':'y'}}",
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w, :u}"},
    {C, "a = :v", "{'#a':'a','#b':'b'}", V1,
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"},
    {C, "#a = :v", "{'#a':'a','#b':'b'}", "{':v':{'S':'x'},':w':{'S':'y'}}",
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"},
    {P, "a", NULL, V1, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"},
    {U, "REMOVE a", NULL, V1, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"},
    /* Key conditions: shape */
    {K, "a = :v OR b = :v", NULL, V1, BADKEYOP("OR")},
    {K, "a > :v AND b > :v OR a > :v", NULL, V1, BADKEYOP("OR")},
    {K, "a IN (:v)", NULL, V1, BADKEYOP("IN")},
    {K, "NOT a = :v", NULL, V1, BADKEYOP("NOT")},
    {K, "a <> :v", NULL, V1, BADKEYOP("<>")},
    {K, "attribute_exists(a)", NULL, NULL, BADKEYOP("attribute_exists")},
    {K, "attribute_not_exists(a)", NULL, NULL, BADKEYOP("attribute_not_exists")},
    {K, "contains(a.d, b)", NULL, NULL, BADKEYOP("contains")},
    {K, "attribute_type(a, :t)", NULL, "{':t':{'S':'S'}}", BADKEYOP("attribute_type")},
    {K, ":v BETWEEN a AND :v", NULL, V1,
     "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute "
     "as its first operand"},
    {K, "begins_with(:v, a) AND b > :v", NULL, V1,
     "Invalid condition in KeyConditionExpression: begins_with operator must have the key "
     "attribute as its first operand"},
    {K, "b > a.b", NULL, NULL,
     IK "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
    {K, "begins_with(a, b)", NULL, NULL,
     IK "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
    {K, "a = b", NULL, NULL,
     IK "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
    {K, "a.d > :v", NULL, V1, "KeyConditionExpressions cannot have conditions on nested attributes"},
    {K, "b[0] > :v", NULL, V1, "KeyConditionExpressions cannot have conditions on nested attributes"},
    {K, "#d.foo = :v", "{'#d':'pk'}", V1,
     "KeyConditionExpressions cannot have conditions on nested attributes"},
    {K, "pk = :v AND begins_with(sk.foo, :v)", NULL, V1,
     "KeyConditionExpressions cannot have conditions on nested attributes"},
    {K, "size(b) > a AND a.b > b", NULL, NULL,
     "KeyConditionExpressions cannot contain nested operations"},
    {K, "a > size(b)", NULL, NULL, "KeyConditionExpressions cannot contain nested operations"},
    {K, "a BETWEEN size(b) AND size(a)", NULL, NULL,
     "KeyConditionExpressions cannot contain nested operations"},
    {K, ":v > :w AND a < :v", NULL, "{':v':{'N':'1'},':w':{'N':'1'}}",
     "Invalid condition in KeyConditionExpression: No key attribute specified"},
    {K, "b > :v AND b < :v", NULL, V1,
     "KeyConditionExpressions must only contain one condition per key"},
    {K, "(a > :v and b > :v) and (b > :v and c > :v)", NULL, V1,
     "KeyConditionExpressions must only contain one condition per key"},
    {K, ":v = a and b = :v and :v = c", NULL, V1, "Conditions can be of length 1 or 2 only"},
    {K, "data = :v", NULL, V1, IK RES("data")},
    {K, "data.foo = :v", NULL, V1, IK RES("data")},
    {K, "#p = :w", "{'#p':'pk'}", V1, IK NOVAL(":w")},
    {K, "a BETWEEN :b AND :a", NULL, "{':a':{'S':'a'},':b':{'S':'b'}}",
     IK "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
        "lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}"},
    /* Updates */
    {U, "SET", NULL, NULL, IU SYN("<EOF>", "SET")},
    {U, "SET a", NULL, NULL, IU SYN("<EOF>", "a")},
    {U, "SET a =", NULL, NULL, IU SYN("<EOF>", "=")},
    {U, "SET a = :v,", NULL, V1, IU SYN("<EOF>", ",")},
    {U, "SET a = :v, ", NULL, V1, IU SYN("<EOF>", ", ")},
    {U, "SET a = :v b = :v", NULL, V1, IU SYN("b", ":v b =")},
    {U, "SET a = :v, REMOVE b", NULL, V1, IU SYN("REMOVE", ", REMOVE b")},
    {U, "SET a = :v + :v + :v", NULL, V1, IU SYN("+", ":v + :v")},
    {U, "SET path = VALUE 1", NULL, NULL, IU SYN("1", "VALUE 1")},
    {U, "SET _123 = :v", NULL, V1, IU SYN("_", "SET _123")},
    {U, "SET 123 = :v", NULL, V1, IU SYN("123", "SET 123 =")},
    {U, "SET hi-there = :v", NULL, V1, IU SYN("-", "hi-there")},
    {U, "SET a = list_append(a, 0)", NULL, NULL, IU SYN("0", ", 0)")},
    {U, "HELLO b = :v", NULL, V1, IU SYN("HELLO", "HELLO b")},
    {U, "SET :a = :b", NULL, NULL, IU SYN(":a", "SET :a =")},
    {U, "SET a[:x] = :v", NULL, V1, IU SYN(":x", "[:x]")},
    {U, "SET a[#x] = :v", NULL, V1, IU SYN("#x", "[#x]")},
    {U, "SET a = if_not_exists(a, :v+:v)", NULL, V1, IU SYN("+", ":v+:v")},
    {U, "SET a = :v REMOVE", NULL, V1, IU SYN("<EOF>", "REMOVE")},
    {U, "ADD a", NULL, NULL, IU SYN("<EOF>", "a")},
    {U, "ADD a b", NULL, NULL, IU SYN("b", "a b")},
    {U, "DELETE a = :v", NULL, V1, IU SYN("=", "a = :v")},
    {U, "REMOVE a = :v", NULL, V1, IU SYN("=", "a = :v")},
    {U, "SET a = :v SET b = :v", NULL, V1,
     IU "The \"SET\" section can only be used once in an update expression;"},
    {U, "SET a = :v REMOVE b SET c = :v", NULL, V1,
     IU "The \"SET\" section can only be used once in an update expression;"},
    {U, "REMOVE a remove b", NULL, NULL,
     IU "The \"REMOVE\" section can only be used once in an update expression;"},
    {U, "ADD a :n DELETE b :s ADD c :n", NULL, "{':n':{'N':'1'},':s':{'SS':['a']}}",
     IU "The \"ADD\" section can only be used once in an update expression;"},
    {U, "SET status = :v", NULL, V1, IU RES("status")},
    {U, "SET a = #b.size", "{'#b':'b'}", NULL, IU RES("size")},
    {U, "REMOVE a.comment", NULL, NULL, IU RES("comment")},
    {U, "SET #a = :v", NULL, V1, IU NONAME("#a")},
    {U, "SET a = :w", NULL, V1, IU NOVAL(":w")},
    {U, "SET a = :w, #b = :v", NULL, V1, IU NONAME("#b")},
    {U, "SET a = :v REMOVE a", NULL, V1, IU OVER("[a]", "[a]")},
    {U, "REMOVE a SET a = :v", NULL, V1, IU OVER("[a]", "[a]")},
    {U, "SET a = :v, a = :v", NULL, V1, IU OVER("[a]", "[a]")},
    {U, "SET a.b = :v, a = :v", NULL, V1, IU OVER("[a, b]", "[a]")},
    {U, "SET a = :v, a.b = :v", NULL, V1, IU OVER("[a]", "[a, b]")},
    {U, "SET a[1][1] = :v, a[1] = :v", NULL, V1, IU OVER("[a, [1], [1]]", "[a, [1]]")},
    {U, "SET #a1 = :v, #a2 = :v", "{'#a1':'a','#a2':'a'}", V1, IU OVER("[a]", "[a]")},
    {U, "SET a.b = :v, a[1] = :v", NULL, V1, IU CONFL("[a, b]", "[a, [1]]")},
    {U, "SET a.b.c = :v, a.b[2] = :v", NULL, V1, IU CONFL("[a, b, c]", "[a, b, [2]]")},
    {U, "SET a.b = :v, a[1] = :v, c = :v, c.d = :v", NULL, V1, IU OVER("[c]", "[c, d]")},
    {U, "ADD a :v", NULL, "{':v':{'S':'x'}}",
     IU "Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
    {U, "ADD a :v", NULL, "{':v':{'L':[]}}",
     IU "Incorrect operand type for operator or function; operator: ADD, operand type: LIST"},
    {U, "ADD a :v", NULL, "{':v':{'M':{}}}",
     IU "Incorrect operand type for operator or function; operator: ADD, operand type: MAP"},
    {U, "ADD a :v", NULL, "{':v':{'BOOL':false}}",
     IU "Incorrect operand type for operator or function; operator: ADD, operand type: BOOLEAN"},
    {U, "ADD a :v", NULL, "{':v':{'NULL':true}}",
     IU "Incorrect operand type for operator or function; operator: ADD, operand type: NULL"},
    {U, "ADD a :v", NULL, "{':v':{'B':'AQ=='}}",
     IU "Incorrect operand type for operator or function; operator: ADD, operand type: BINARY"},
    {U, "DELETE a :v", NULL, "{':v':{'N':'1'}}",
     IU "Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"},
    {U, "DELETE a :v", NULL, "{':v':{'S':'x'}}",
     IU "Incorrect operand type for operator or function; operator: DELETE, operand type: STRING"},
    {U, "SET a = list_append(:v)", NULL, "{':v':{'L':[]}}", IU NOPS("list_append", "1")},
    {U, "SET a = list_append(:v, :v, :v)", NULL, "{':v':{'L':[]}}", IU NOPS("list_append", "3")},
    {U, "SET a = if_not_exists(a)", NULL, NULL, IU NOPS("if_not_exists", "1")},
    {U, "SET a = list_append(:l, :v)", NULL, "{':l':{'L':[]},':v':{'S':'x'}}",
     IU BADOP("list_append", "S")},
    {U, "SET a = list_append(:v, b)", NULL, "{':v':{'SS':['x']}}", IU BADOP("list_append", "SS")},
    {U, "SET a = :v + :n", NULL, "{':n':{'N':'1'},':v':{'S':'x'}}", IU BADOP("+", "S")},
    {U, "SET a = :n - :l", NULL, "{':n':{'N':'1'},':l':{'L':[]}}", IU BADOP("-", "L")},
    {U, "SET a = b + :v", NULL, "{':v':{'BOOL':true}}", IU BADOP("+", "BOOL")},
    {U, "SET a = if_not_exists(:v, :v)", NULL, V1,
     IU "Operator or function requires a document path; operator or function: if_not_exists"},
    {U, "SET a = foo(b)", NULL, NULL, IU "Invalid function name; function: foo"},
    {U, "SET a = LIST_APPEND(b, c)", NULL, NULL, IU "Invalid function name; function: LIST_APPEND"},
    {U, "SET a = size(b)", NULL, NULL,
     IU "The function is not allowed in an update expression; function: size"},
    {U, "SET a = attribute_exists(b)", NULL, NULL,
     IU "The function is not allowed in an update expression; function: attribute_exists"},
    {U, "SET a = list_append(list_append(:l, :l), :l)", NULL, "{':l':{'L':[]}}",
     IU MISUSE("list_append")},
    {U, "SET status = foo(b)", NULL, NULL, IU RES("status")},
    {U, "SET a = foo(b) SET c = :v", NULL, V1, IU "Invalid function name; function: foo"},
    {U, "SET a = :v, #x = :w SET b = :v", NULL, V1,
     IU "The \"SET\" section can only be used once in an update expression;"},
    /* Projections */
    {P, "a, a.b", NULL, NULL, IP OVER("[a]", "[a, b]")},
    {P, "a.b, a", NULL, NULL, IP OVER("[a, b]", "[a]")},
    {P, "a, a", NULL, NULL, IP OVER("[a]", "[a]")},
    {P, "alist[0], alist", NULL, NULL, IP OVER("[alist, [0]]", "[alist]")},
    {P, "#p, #p.#q", "{'#p':'a','#q':'b'}", NULL, IP OVER("[a]", "[a, b]")},
    {P, "x, a.b, a", NULL, NULL, IP OVER("[a, b]", "[a]")},
    {P, "a[0], a[0].b", NULL, NULL, IP OVER("[a, [0]]", "[a, [0], b]")},
    {P, "a.b, a[0]", NULL, NULL, IP CONFL("[a, b]", "[a, [0]]")},
    {P, "a,", NULL, NULL, IP SYN("<EOF>", ",")},
    {P, "a..b", NULL, NULL, IP SYN(".", "..b")},
    {P, "a b", NULL, NULL, IP SYN("b", "a b")},
    {P, "(a)", NULL, NULL, IP SYN("(", "(a")},
    {P, "a = :v", NULL, V1, IP SYN("=", "a = :v")},
    {P, "l[a]", NULL, NULL, IP SYN("a", "[a]")},
    {P, "status", NULL, NULL, IP RES("status")},
    {P, "a, b.Year", NULL, NULL, IP RES("Year")},
    {P, "#x", NULL, NULL, IP NONAME("#x")},
    {P, "a, #x", "{'#y':'y'}", NULL, IP NONAME("#x")},
};

START_TEST(test_err_table) {
    const struct err_case *c = &err_cases[_i];
    cJSON *names, *values;
    char *err = NULL;
    struct ddb_expr *e = full_parse(c->kind, c->expr, c->names, c->values, 1, &names, &values, &err);
    ck_assert_msg(e == NULL, "%s '%s' parsed, want error '%s'", kind_name(c->kind), c->expr,
                  c->err);
    ck_assert_msg(err && strcmp(err, c->err) == 0, "%s '%s':\n got: %s\nwant: %s",
                  kind_name(c->kind), c->expr, err ? err : "(null)", c->err);
    free(err);
    cJSON_Delete(names);
    cJSON_Delete(values);
}
END_TEST

/* Expressions that must parse (and pass the unused checks). */
struct ok_case {
    enum ddb_expr_kind kind;
    const char *expr;
    const char *names;
    const char *values;
};

static const struct ok_case ok_cases[] = {
    {C, "attribute_not_exists(pk)", NULL, NULL},
    {C, "#s = :v", "{'#s':'status'}", V1},
    {C, "a.#s[0].b = :v", "{'#s':'status'}", V1},
    {C, "a = :v OR a = :v", NULL, V1},
    {C, "a IN (:v, :v, :v)", NULL, V1},
    {C, "a = :Alpha_Numeric_123", NULL, "{':Alpha_Numeric_123':{'S':'x'}}"},
    {C, "#123 = :123", "{'#123':'x'}", "{':123':{'N':'1'}}"},
    {C, "#_ = :_", "{'#_':'x'}", "{':_':{'N':'1'}}"},
    {C, "Alpha_Numeric_123 = :v", NULL, V1},
    {C, "A123_ = :v", NULL, V1},
    {C, "a[0][1][2].b[3] = :v", NULL, V1},
    {C, "a [ 0 ] . b = :v", NULL, V1},
    {C, "contains(a, b)", NULL, NULL},
    {C, "size(a) > size(b)", NULL, NULL},
    {C, "a > b", NULL, NULL},
    {C, "a = :v AND NOT b = :v", NULL, V1},
    {C, "(a = :v)", NULL, V1},
    {C, "NOT NOT NOT a = :v", NULL, V1},
    {C, "a BETWEEN b AND c", NULL, NULL},
    {C, "a = :t", NULL, "{':t':{'BOOL':true}}"},
    {C, "a <> :t", NULL, "{':t':{'M':{}}}"},
    {C, "attribute_type(a, :t)", NULL, "{':t':{'S':'NULL'}}"},
    {C, "begins_with(a, :b)", NULL, "{':b':{'B':'AQ=='}}"},
    {C, "begins_with(a, if_x)", NULL, NULL},
    {C, "a = :v AND b = :v AND c = :v AND d = :v AND e = :v", NULL, V1},
    {F, "a.b.c.d.e.f.g = :v", NULL, V1},
    {K, "pk = :v", NULL, V1},
    {K, "pk = :v AND sk > :v", NULL, V1},
    {K, "begins_with(sk, :v) AND pk = :v", NULL, V1},
    {K, "(pk = :v) AND (sk BETWEEN :v AND :v)", NULL, V1},
    {K, ":v = pk", NULL, V1},
    {U, "SET a = :v", NULL, V1},
    {U, "set a = :v", NULL, V1},
    {U, "sEt a = :v", NULL, V1},
    {U, "  set   b=:v  ", NULL, V1},
    {U, "SET a = :v, b = :v REMOVE c, d ADD e :n DELETE f :s", NULL,
     "{':v':{'S':'x'},':n':{'N':'1'},':s':{'SS':['a']}}"},
    {U, "DELETE f :s ADD e :n REMOVE c SET a = :v", NULL,
     "{':v':{'S':'x'},':n':{'N':'1'},':s':{'SS':['a']}}"},
    {U, "SET a = b + c", NULL, NULL},
    {U, "SET a = (b - :n)", NULL, "{':n':{'N':'1'}}"},
    {U, "SET a = (b) + (:n)", NULL, "{':n':{'N':'1'}}"},
    {U, "SET a = if_not_exists(b, :n)+:n", NULL, "{':n':{'N':'1'}}"},
    {U, "SET a = list_append(if_not_exists(a, :l), :l)", NULL, "{':l':{'L':[]}}"},
    {U, "SET a = if_not_exists(b, if_not_exists(c, :n))", NULL, "{':n':{'N':'1'}}"},
    {U, "SET a.b = :v, a.c.d = :v, b.x = :v REMOVE a.x, b.y", NULL, V1},
    {U, "SET a[84] = :v, a[37] = :v, a[17] = :v", NULL, V1},
    {U, "REMOVE a[1] SET a[3] = :v", NULL, V1},
    {U, "SET #one = #two", "{'#one':'c','#two':'a'}", NULL},
    {U, "ADD s :s", NULL, "{':s':{'NS':['1']}}"},
    {U, "DELETE s :s", NULL, "{':s':{'BS':['AQ==']}}"},
    {U, "SET a = list_append(b, c)", NULL, NULL},
    {U, "SET a = a", NULL, NULL},
    {P, "a", NULL, NULL},
    {P, "a, b, c", NULL, NULL},
    {P, "a.b, a.c", NULL, NULL},
    {P, "a[0], a[1], a[2].b", NULL, NULL},
    {P, "#a, #a2.b", "{'#a':'status','#a2':'name'}", NULL},
    {P, " a , b ", NULL, NULL},
};

START_TEST(test_ok_table) {
    const struct ok_case *c = &ok_cases[_i];
    cJSON *names, *values;
    char *err = NULL;
    struct ddb_expr *e = full_parse(c->kind, c->expr, c->names, c->values, 1, &names, &values, &err);
    ck_assert_msg(e != NULL, "%s '%s': %s", kind_name(c->kind), c->expr, err ? err : "?");
    ddb_expr_free(e);
    cJSON_Delete(names);
    cJSON_Delete(values);
}
END_TEST

/* --- Limits and hostile input ------------------------------------------- */

static char *repeat(const char *head, const char *unit, int n, const char *tail) {
    size_t len = strlen(head) + strlen(unit) * (size_t)n + strlen(tail) + 1;
    char *z = malloc(len);
    strcpy(z, head);
    for (int i = 0; i < n; i++)
        strcat(z, unit);
    strcat(z, tail);
    return z;
}

static char *parse_err(enum ddb_expr_kind kind, const char *expr, const char *values) {
    cJSON *names, *vals;
    char *err = NULL;
    struct ddb_expr *e = full_parse(kind, expr, NULL, values, 0, &names, &vals, &err);
    ddb_expr_free(e);
    cJSON_Delete(names);
    cJSON_Delete(vals);
    return e ? NULL : err;
}

START_TEST(test_size_limit) {
    /* 4096 bytes is fine; 4097 is not (ExtendDB captured from AWS). */
    char *ok = repeat("a", "z", 4095, "");
    char *err = parse_err(DDB_EXPR_PROJECTION, ok, NULL);
    ck_assert_msg(err == NULL, "%s", err);
    free(ok);
    char *big = repeat("a", "z", 4096, "");
    err = parse_err(DDB_EXPR_PROJECTION, big, NULL);
    ck_assert_str_eq(err, "Invalid ProjectionExpression: Expression size has exceeded the "
                          "maximum allowed size;");
    free(err);
    free(big);
    big = repeat("a", "z", 4096, " = :v");
    err = parse_err(DDB_EXPR_FILTER, big, V1);
    ck_assert_str_eq(err, "Invalid FilterExpression: Expression size has exceeded the maximum "
                          "allowed size; expression size: 4102");
    free(err);
    err = parse_err(DDB_EXPR_CONDITION, big, V1);
    ck_assert_str_eq(err, "Invalid ConditionExpression: Expression size has exceeded the "
                          "maximum allowed size; expression size: 4102");
    free(err);
    err = parse_err(DDB_EXPR_KEY_CONDITION, big, V1);
    ck_assert_str_eq(err, "Invalid KeyConditionExpression: Expression size has exceeded the "
                          "maximum allowed size;");
    free(err);
    free(big);
    big = repeat("SET a", "z", 4096, " = :v");
    err = parse_err(DDB_EXPR_UPDATE, big, V1);
    ck_assert_str_eq(err, "Invalid UpdateExpression: Expression size has exceeded the maximum "
                          "allowed size;");
    free(err);
    free(big);
}
END_TEST

START_TEST(test_in_limit) {
    char *ok = repeat("a IN (:v", ", :v", 99, ")");
    char *err = parse_err(DDB_EXPR_CONDITION, ok, V1);
    ck_assert_msg(err == NULL, "%s", err);
    free(ok);
    char *bad = repeat("a IN (:v", ", :v", 100, ")");
    err = parse_err(DDB_EXPR_CONDITION, bad, V1);
    ck_assert_str_eq(err, "Invalid ConditionExpression: Incorrect number of operands for "
                          "operator or function; operator or function: IN, number of operands: "
                          "101");
    free(err);
    free(bad);
}
END_TEST

START_TEST(test_operator_limit) {
    /* 150 comparisons and 149 ANDs: 299 operators. */
    char *ok = repeat("a = :v", " AND a = :v", 149, "");
    char *err = parse_err(DDB_EXPR_CONDITION, ok, V1);
    ck_assert_msg(err == NULL, "%s", err);
    free(ok);
    char *bad = repeat("a = :v", " AND a = :v", 150, " AND y = :v");
    err = parse_err(DDB_EXPR_CONDITION, bad, V1);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, "too many operators") != NULL, "%s", err);
    free(err);
    free(bad);
    char *nots = repeat("", "NOT ", 1000, "a = :v");
    err = parse_err(DDB_EXPR_CONDITION, nots, V1);
    ck_assert_msg(err && strstr(err, "too many operators"), "%s", err ? err : "(null)");
    free(err);
    free(nots);
}
END_TEST

START_TEST(test_deep_nesting) {
    /* Nested parentheses past the parser's depth bound: a syntax error,
     * never a crash. */
    char *open = repeat("", "(", 2000, "a = :v");
    char *deep = repeat(open, ")", 2000, "");
    char *err = parse_err(DDB_EXPR_CONDITION, deep, V1);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strncmp(err, "Invalid ConditionExpression: Syntax error; token: \"(\"", 51) == 0,
                  "%s", err);
    free(err);
    free(open);
    free(deep);
    /* Within the bound, nested parentheses are redundant. */
    open = repeat("", "(", 100, "a = :v");
    deep = repeat(open, ")", 100, "");
    err = parse_err(DDB_EXPR_CONDITION, deep, V1);
    ck_assert_str_eq(err, "Invalid ConditionExpression: The expression has redundant "
                          "parentheses;");
    free(err);
    free(open);
    free(deep);
    /* Unbalanced, thousands deep. */
    open = repeat("", "(", 4000, "");
    err = parse_err(DDB_EXPR_CONDITION, open, NULL);
    ck_assert_ptr_nonnull(err);
    free(err);
    free(open);
    open = repeat("a = :v", ")", 4000, "");
    err = parse_err(DDB_EXPR_CONDITION, open, V1);
    ck_assert_str_eq(err, "Invalid ConditionExpression: Syntax error; token: \")\", near: "
                          "\":v))\"");
    free(err);
    free(open);
    /* Nested function calls. */
    open = repeat("", "size(", 1000, "a");
    deep = repeat(open, ")", 1000, " > :v");
    err = parse_err(DDB_EXPR_CONDITION, deep, V1);
    ck_assert_ptr_nonnull(err);
    free(err);
    free(open);
    free(deep);
    /* A path 33 levels deep. */
    char *path = repeat("a", ".b", 32, " = :v");
    err = parse_err(DDB_EXPR_CONDITION, path, V1);
    ck_assert_str_eq(err, "Invalid ConditionExpression: The document path has too many nesting "
                          "levels; nesting levels: 33");
    free(err);
    free(path);
    path = repeat("a", "[0]", 31, " = :v");
    err = parse_err(DDB_EXPR_CONDITION, path, V1);
    ck_assert_msg(err == NULL, "%s", err);
    free(path);
}
END_TEST

START_TEST(test_garbage_input) {
    /* Every byte value as a one-character expression, of every kind. */
    for (int k = 0; k <= DDB_EXPR_PROJECTION; k++)
        for (int c = 1; c < 256; c++) {
            char z[2] = {(char)c, 0};
            char *err = parse_err((enum ddb_expr_kind)k, z, NULL);
            if (err)
                ck_assert_msg(strncmp(err, "Invalid ", 8) == 0, "%s", err);
            free(err);
        }
    /* Truncated UTF-8 and an expression of all punctuation. */
    char *err = parse_err(DDB_EXPR_CONDITION, "a = \xe2\x82", NULL);
    ck_assert_str_eq(err, "Invalid ConditionExpression: Syntax error; token: \"\xe2\x82\", "
                          "near: \"= \xe2\x82\"");
    free(err);
    err = parse_err(DDB_EXPR_UPDATE, "()[].,=<>+-#:", NULL);
    ck_assert_ptr_nonnull(err);
    free(err);
    /* A NULL text is an empty expression; NULL attrs are no maps. */
    char *e2 = NULL;
    ck_assert_ptr_null(ddb_expr_parse(DDB_EXPR_FILTER, NULL, NULL, &e2));
    ck_assert_str_eq(e2, "Invalid FilterExpression: The expression can not be empty;");
    free(e2);
    struct ddb_expr *e = ddb_expr_parse(DDB_EXPR_PROJECTION, "a.b[1]", NULL, &e2);
    ck_assert_ptr_nonnull(e);
    ddb_expr_free(e);
    ddb_expr_free(NULL);
}
END_TEST

/* --- Updates ------------------------------------------------------------ */

struct upd_case {
    const char *expr;
    const char *names;
    const char *values;
    const char *before;
    const char *after; /* NULL: ERR expected */
    const char *err;
};

#define NOATTR "The provided expression refers to an attribute that does not exist in the item"
#define BADTYPE "An operand in the update expression has an incorrect data type"
#define BADPATH "The document path provided in the update expression is invalid for update"

static const struct upd_case upd_cases[] = {
    {"SET a = :s", NULL, "{':s':{'S':'x'}}", "{'k':{'S':'1'}}",
     "{'k':{'S':'1'},'a':{'S':'x'}}", NULL},
    {"SET a = :s, b = :n", NULL, "{':s':{'S':'x'},':n':{'N':'5'}}", "{}",
     "{'a':{'S':'x'},'b':{'N':'5'}}", NULL},
    {"set a = :s", NULL, "{':s':{'S':'y'}}", "{'a':{'S':'x'}}", "{'a':{'S':'y'}}", NULL},
    {"SET a = :s", NULL, "{':s':{'N':'1'}}", "{'a':{'S':'x'},'b':{'S':'z'}}",
     "{'a':{'N':'1'},'b':{'S':'z'}}", NULL},
    {"SET b = a", NULL, NULL, "{'a':{'S':'hello'}}", "{'a':{'S':'hello'},'b':{'S':'hello'}}",
     NULL},
    {"SET c = z", NULL, NULL, "{'a':{'S':'hello'}}", NULL, NOATTR},
    {"SET z = z", NULL, NULL, "{}", NULL, NOATTR},
    {"SET a = a", NULL, NULL, "{'a':{'S':'x'}}", "{'a':{'S':'x'}}", NULL},
    {"SET a = :v, b = a", NULL, "{':v':{'S':'NEW'}}", "{'a':{'S':'OLD'}}",
     "{'a':{'S':'NEW'},'b':{'S':'OLD'}}", NULL},
    {"SET x = :v, y = x", NULL, "{':v':{'N':'4'}}", "{'a':{'S':'x'}}", NULL, NOATTR},
    {"SET #one = #two", "{'#one':'c','#two':'a'}", NULL, "{'a':{'S':'h'}}",
     "{'a':{'S':'h'},'c':{'S':'h'}}", NULL},
    {"SET #a = :v", "{'#a':'a.b'}", "{':v':{'N':'3'}}", "{}", "{'a.b':{'N':'3'}}", NULL},
    /* Arithmetic */
    {"SET n = n + :d", NULL, "{':d':{'N':'1'}}", "{'n':{'N':'5'}}", "{'n':{'N':'6'}}", NULL},
    {"SET n = :d + n", NULL, "{':d':{'N':'4'}}", "{'n':{'N':'5'}}", "{'n':{'N':'9'}}", NULL},
    {"SET n = :d - n", NULL, "{':d':{'N':'10'}}", "{'n':{'N':'5'}}", "{'n':{'N':'5'}}", NULL},
    {"SET n = n - :d", NULL, "{':d':{'N':'2.5'}}", "{'n':{'N':'5'}}", "{'n':{'N':'2.5'}}", NULL},
    {"SET n = n - :d", NULL, "{':d':{'N':'7'}}", "{'n':{'N':'5'}}", "{'n':{'N':'-2'}}", NULL},
    {"SET x = (n + :d)", NULL, "{':d':{'N':'1'}}", "{'n':{'N':'5'}}",
     "{'n':{'N':'5'},'x':{'N':'6'}}", NULL},
    {"SET x = n + n", NULL, NULL, "{'n':{'N':'5'}}", "{'n':{'N':'5'},'x':{'N':'10'}}", NULL},
    {"SET x = :a + :b", NULL, "{':a':{'N':'0.1'},':b':{'N':'0.2'}}", "{}", "{'x':{'N':'0.3'}}",
     NULL},
    {"SET x = :a - :b", NULL, "{':a':{'N':'1.2'},':b':{'N':'0.05'}}", "{}",
     "{'x':{'N':'1.15'}}", NULL},
    {"SET n = n + :d", NULL, "{':d':{'N':'1'}}", "{'n':{'N':'99999999999999999999999999999999999999'}}",
     "{'n':{'N':'100000000000000000000000000000000000000'}}", NULL},
    {"SET n = n + :d", NULL, "{':d':{'N':'0.1'}}",
     "{'n':{'N':'12345678901234567890123456789012345678'}}", NULL,
     "Number overflow. Attempting to store a number with magnitude larger than supported range"},
    {"SET n = n + :d", NULL, "{':d':{'N':'1'}}", "{}", NULL, NOATTR},
    {"SET n = s + :d", NULL, "{':d':{'N':'1'}}", "{'s':{'S':'x'}}", NULL, BADTYPE},
    {"SET n = :d - s", NULL, "{':d':{'N':'1'}}", "{'s':{'SS':['x']}}", NULL, BADTYPE},
    /* if_not_exists */
    {"SET a = if_not_exists(a, :v)", NULL, "{':v':{'N':'2'}}", "{}", "{'a':{'N':'2'}}", NULL},
    {"SET a = if_not_exists(a, :v)", NULL, "{':v':{'N':'3'}}", "{'a':{'N':'2'}}",
     "{'a':{'N':'2'}}", NULL},
    {"SET b = if_not_exists(a, :v)", NULL, "{':v':{'N':'6'}}", "{'a':{'N':'2'}}",
     "{'a':{'N':'2'},'b':{'N':'2'}}", NULL},
    {"SET b = if_not_exists(c, :v)", NULL, "{':v':{'N':'4'}}", "{}", "{'b':{'N':'4'}}", NULL},
    {"SET n = if_not_exists(n, :z) + :d", NULL, "{':z':{'N':'0'},':d':{'N':'1'}}", "{}",
     "{'n':{'N':'1'}}", NULL},
    {"SET n = if_not_exists(n, :z) + :d", NULL, "{':z':{'N':'0'},':d':{'N':'1'}}",
     "{'n':{'N':'41'}}", "{'n':{'N':'42'}}", NULL},
    {"SET a = if_not_exists(b, if_not_exists(c, :v))", NULL, "{':v':{'N':'3'}}",
     "{'c':{'N':'9'}}", "{'c':{'N':'9'},'a':{'N':'9'}}", NULL},
    {"SET a.b = if_not_exists(a.b, :v)", NULL, "{':v':{'S':'d'}}", "{'a':{'M':{}}}",
     "{'a':{'M':{'b':{'S':'d'}}}}", NULL},
    /* list_append */
    {"SET a = list_append(:x, :y)", NULL,
     "{':x':{'L':[{'N':'4'},{'S':'hello'}]},':y':{'L':[{'S':'hi'},{'N':'7'}]}}", "{}",
     "{'a':{'L':[{'N':'4'},{'S':'hello'},{'S':'hi'},{'N':'7'}]}}", NULL},
    {"SET a = list_append(a, :x)", NULL, "{':x':{'L':[{'N':'4'}]}}", "{'a':{'L':[{'S':'hi'}]}}",
     "{'a':{'L':[{'S':'hi'},{'N':'4'}]}}", NULL},
    {"SET a = list_append(:x, a)", NULL, "{':x':{'L':[{'S':'dog'}]}}",
     "{'a':{'L':[{'S':'hi'}]}}", "{'a':{'L':[{'S':'dog'},{'S':'hi'}]}}", NULL},
    {"SET c = list_append(a, b)", NULL, NULL, "{'a':{'L':[{'N':'1'}]},'b':{'L':[]}}",
     "{'a':{'L':[{'N':'1'}]},'b':{'L':[]},'c':{'L':[{'N':'1'}]}}", NULL},
    {"SET a = list_append(b, :x)", NULL, "{':x':{'L':[]}}", "{}", NULL, NOATTR},
    {"SET a = list_append(:x, b)", NULL, "{':x':{'L':[]}}", "{'b':{'N':'7'}}", NULL, BADTYPE},
    {"SET a = list_append(b, :x)", NULL, "{':x':{'L':[]}}", "{'b':{'SS':['a']}}", NULL, BADTYPE},
    {"SET a = list_append(b, :x)", NULL, "{':x':{'L':[]}}", "{'b':{'M':{}}}", NULL, BADTYPE},
    {"SET a = list_append(if_not_exists(a, :e), :x)", NULL,
     "{':e':{'L':[]},':x':{'L':[{'S':'cat'}]}}", "{}", "{'a':{'L':[{'S':'cat'}]}}", NULL},
    /* Nested paths */
    {"SET m.a = :v", NULL, "{':v':{'N':'7'}}", "{'m':{'M':{'a':{'N':'3'},'b':{'N':'4'}}}}",
     "{'m':{'M':{'a':{'N':'7'},'b':{'N':'4'}}}}", NULL},
    {"SET m.c = :v", NULL, "{':v':{'N':'7'}}", "{'m':{'M':{'a':{'N':'3'}}}}",
     "{'m':{'M':{'a':{'N':'3'},'c':{'N':'7'}}}}", NULL},
    {"SET m.c = :v", NULL, "{':v':{'N':'7'}}", "{'m':{'M':{'c':{'M':{'x':{'N':'1'}}}}}}",
     "{'m':{'M':{'c':{'N':'7'}}}}", NULL},
    {"SET a.c[1].#n.y[1] = :v", "{'#n':'x'}", "{':v':{'N':'9'}}",
     "{'a':{'M':{'c':{'L':[{'S':'hi'},{'M':{'x':{'M':{'y':{'L':[{'N':'3'},{'N':'5'}]}}}}}]}}}}",
     "{'a':{'M':{'c':{'L':[{'S':'hi'},{'M':{'x':{'M':{'y':{'L':[{'N':'3'},{'N':'9'}]}}}}}]}}}}",
     NULL},
    {"SET z = a.c[1].x.y[0]", NULL, NULL,
     "{'a':{'M':{'c':{'L':[{'S':'hi'},{'M':{'x':{'M':{'y':{'L':[{'N':'3'}]}}}}}]}}}}",
     "{'a':{'M':{'c':{'L':[{'S':'hi'},{'M':{'x':{'M':{'y':{'L':[{'N':'3'}]}}}}}]}}},"
     "'z':{'N':'3'}}",
     NULL},
    {"SET a.c = :v", NULL, "{':v':{'N':'7'}}", "{'a':{'S':'hello'}}", NULL, BADPATH},
    {"SET b.c = :v", NULL, "{':v':{'N':'7'}}", "{'b':{'L':[{'S':'hi'}]}}", NULL, BADPATH},
    {"SET c.c = :v", NULL, "{':v':{'N':'7'}}", "{}", NULL, BADPATH},
    {"SET a[0] = :v", NULL, "{':v':{'N':'7'}}", "{'a':{'S':'hello'}}", NULL, BADPATH},
    {"SET b[0] = :v", NULL, "{':v':{'N':'7'}}", "{}", NULL, BADPATH},
    {"SET m[0] = :v", NULL, "{':v':{'N':'7'}}", "{'m':{'M':{}}}", NULL, BADPATH},
    {"SET a.b.c = :v", NULL, "{':v':{'N':'7'}}", "{'a':{'M':{}}}", NULL, BADPATH},
    /* List indexes */
    {"SET a[1] = :v", NULL, "{':v':{'S':'hello'}}",
     "{'a':{'L':[{'S':'one'},{'S':'two'},{'S':'three'}]}}",
     "{'a':{'L':[{'S':'one'},{'S':'hello'},{'S':'three'}]}}", NULL},
    {"SET a[7] = :v", NULL, "{':v':{'S':'hello'}}", "{'a':{'L':[{'S':'one'}]}}",
     "{'a':{'L':[{'S':'one'},{'S':'hello'}]}}", NULL},
    {"SET a[84] = :a, a[37] = :b, a[17] = :c, a[50] = :d", NULL,
     "{':a':{'S':'a1'},':b':{'S':'a2'},':c':{'S':'a3'},':d':{'S':'a4'}}",
     "{'a':{'L':[{'S':'one'}]}}",
     "{'a':{'L':[{'S':'one'},{'S':'a3'},{'S':'a2'},{'S':'a4'},{'S':'a1'}]}}", NULL},
    {"SET a[0] = :v", NULL, "{':v':{'N':'1'}}", "{'a':{'L':[]}}", "{'a':{'L':[{'N':'1'}]}}",
     NULL},
    /* REMOVE */
    {"REMOVE a", NULL, NULL, "{'a':{'S':'x'},'b':{'S':'y'}}", "{'b':{'S':'y'}}", NULL},
    {"REMOVE zz", NULL, NULL, "{'a':{'S':'x'}}", "{'a':{'S':'x'}}", NULL},
    {"REMOVE a, b", NULL, NULL, "{'a':{'S':'x'},'b':{'S':'y'},'c':{'S':'z'}}",
     "{'c':{'S':'z'}}", NULL},
    {"REMOVE a.b", NULL, NULL, "{'a':{'M':{'b':{'N':'1'}}}}", "{'a':{'M':{}}}", NULL},
    {"REMOVE a.y", NULL, NULL, "{'a':{'M':{'x':{'N':'3'}}}}", "{'a':{'M':{'x':{'N':'3'}}}}",
     NULL},
    {"REMOVE a[0]", NULL, NULL, "{'a':{'L':[{'N':'1'}]}}", "{'a':{'L':[]}}", NULL},
    {"REMOVE a[1]", NULL, NULL, "{'a':{'L':[{'N':'1'},{'N':'2'},{'N':'3'}]}}",
     "{'a':{'L':[{'N':'1'},{'N':'3'}]}}", NULL},
    {"REMOVE a[7]", NULL, NULL, "{'a':{'L':[{'N':'1'}]}}", "{'a':{'L':[{'N':'1'}]}}", NULL},
    {"REMOVE a[0], a[2]", NULL, NULL, "{'a':{'L':[{'N':'1'},{'N':'2'},{'N':'3'}]}}",
     "{'a':{'L':[{'N':'2'}]}}", NULL},
    {"REMOVE a[2], a[0]", NULL, NULL, "{'a':{'L':[{'N':'1'},{'N':'2'},{'N':'3'}]}}",
     "{'a':{'L':[{'N':'2'}]}}", NULL},
    {"REMOVE a[1] SET a[3] = :v", NULL, "{':v':{'N':'17'}}",
     "{'a':{'L':[{'N':'2'},{'N':'3'},{'N':'4'},{'N':'5'},{'N':'6'},{'N':'7'}]}}",
     "{'a':{'L':[{'N':'2'},{'N':'4'},{'N':'17'},{'N':'6'},{'N':'7'}]}}", NULL},
    {"SET a[3] = :v REMOVE a[1]", NULL, "{':v':{'N':'17'}}",
     "{'a':{'L':[{'N':'2'},{'N':'3'},{'N':'4'},{'N':'5'},{'N':'6'},{'N':'7'}]}}",
     "{'a':{'L':[{'N':'2'},{'N':'4'},{'N':'17'},{'N':'6'},{'N':'7'}]}}", NULL},
    {"REMOVE a[0] SET a[5] = :v", NULL, "{':v':{'N':'9'}}", "{'a':{'L':[{'N':'1'},{'N':'2'}]}}",
     "{'a':{'L':[{'N':'2'},{'N':'9'}]}}", NULL},
    {"REMOVE a.c[1].x.y[1], a.c[1].q", NULL, NULL,
     "{'a':{'M':{'c':{'L':[{'S':'hi'},{'M':{'x':{'M':{'y':{'L':[{'N':'3'},{'N':'5'},"
     "{'N':'7'}]}}},'q':{'N':'2'}}}]}}}}",
     "{'a':{'M':{'c':{'L':[{'S':'hi'},{'M':{'x':{'M':{'y':{'L':[{'N':'3'},{'N':'7'}]}}}}}]}}}}",
     NULL},
    {"REMOVE a.c", NULL, NULL, "{'a':{'S':'hello'}}", NULL, BADPATH},
    {"REMOVE b.c", NULL, NULL, "{'b':{'L':[]}}", NULL, BADPATH},
    {"REMOVE c.c", NULL, NULL, "{}", NULL, BADPATH},
    {"REMOVE a[0]", NULL, NULL, "{'a':{'S':'hello'}}", NULL, BADPATH},
    {"REMOVE b[0]", NULL, NULL, "{'a':{'S':'hello'}}", NULL, BADPATH},
    {"REMOVE a SET b = a", NULL, NULL, "{'a':{'S':'hello'}}", "{'b':{'S':'hello'}}", NULL},
    {"SET c = b REMOVE b", NULL, NULL, "{'b':{'S':'hello'}}", "{'c':{'S':'hello'}}", NULL},
    /* ADD */
    {"ADD a :v", NULL, "{':v':{'N':'4'}}", "{'a':{'N':'3'}}", "{'a':{'N':'7'}}", NULL},
    {"ADD a :v", NULL, "{':v':{'N':'-0.5'}}", "{'a':{'N':'3'}}", "{'a':{'N':'2.5'}}", NULL},
    {"ADD b :v", NULL, "{':v':{'N':'7'}}", "{'a':{'S':'x'}}", "{'a':{'S':'x'},'b':{'N':'7'}}",
     NULL},
    {"add n_i :a, n_f :b", NULL, "{':a':{'N':'1.2'},':b':{'N':'-0.5'}}", "{}",
     "{'n_i':{'N':'1.2'},'n_f':{'N':'-0.5'}}", NULL},
    {"ADD a :v", NULL, "{':v':{'SS':['pig']}}", "{'a':{'SS':['dog','cat']}}",
     "{'a':{'SS':['dog','cat','pig']}}", NULL},
    {"ADD a :v", NULL, "{':v':{'SS':['coati','beaver','badger']}}",
     "{'a':{'SS':['beaver','lynx','coati']}}", "{'a':{'SS':['beaver','lynx','coati','badger']}}",
     NULL},
    {"ADD a :v", NULL, "{':v':{'NS':['2.0','3']}}", "{'a':{'NS':['1','2']}}",
     "{'a':{'NS':['1','2','3']}}", NULL},
    {"ADD a :v", NULL, "{':v':{'NS':['3.50']}}", "{'a':{'NS':['1']}}",
     "{'a':{'NS':['1','3.5']}}", NULL},
    {"ADD a :v", NULL, "{':v':{'BS':['AQ==','Ag==']}}", "{'a':{'BS':['AQ==']}}",
     "{'a':{'BS':['AQ==','Ag==']}}", NULL},
    {"ADD b :v", NULL, "{':v':{'SS':['dog']}}", "{}", "{'b':{'SS':['dog']}}", NULL},
    {"ADD b :v", NULL, "{':v':{'NS':['3']}}", "{}", "{'b':{'NS':['3']}}", NULL},
    {"ADD b :v", NULL, "{':v':{'N':'1'}}", "{'b':{'S':'hi'}}", NULL, BADTYPE},
    {"ADD a :v", NULL, "{':v':{'SS':['x']}}", "{'a':{'NS':['1']}}", NULL, BADTYPE},
    {"ADD a :v", NULL, "{':v':{'SS':['x']}}", "{'a':{'N':'1'}}", NULL, BADTYPE},
    {"ADD a :v", NULL, "{':v':{'N':'1'}}", "{'a':{'SS':['x']}}", NULL, BADTYPE},
    {"ADD a :v", NULL, "{':v':{'NS':['3']}}", "{'a':{'L':[{'N':'1'}]}}", NULL, BADTYPE},
    {"ADD m.c :v", NULL, "{':v':{'N':'1'}}", "{'m':{'M':{}}}", "{'m':{'M':{'c':{'N':'1'}}}}",
     NULL},
    {"ADD m.c :v", NULL, "{':v':{'N':'1'}}", "{}", NULL, BADPATH},
    {"ADD l[0] :v", NULL, "{':v':{'N':'1'}}", "{'l':{'L':[{'N':'41'}]}}",
     "{'l':{'L':[{'N':'42'}]}}", NULL},
    {"ADD a :v", NULL, "{':v':{'N':'1E+125'}}", "{'a':{'N':'9.9E+125'}}", NULL,
     "Number overflow. Attempting to store a number with magnitude larger than supported range"},
    /* DELETE */
    {"DELETE a :v", NULL, "{':v':{'SS':['cat','mouse']}}", "{'a':{'SS':['dog','cat','mouse']}}",
     "{'a':{'SS':['dog']}}", NULL},
    {"DELETE a :v", NULL, "{':v':{'SS':['pig']}}", "{'a':{'SS':['dog']}}", "{'a':{'SS':['dog']}}",
     NULL},
    {"DELETE a :v", NULL, "{':v':{'SS':['dog']}}", "{'a':{'SS':['dog']},'b':{'S':'hi'}}",
     "{'b':{'S':'hi'}}", NULL},
    {"DELETE a :v", NULL, "{':v':{'SS':['dog']}}", "{'b':{'S':'hi'}}", "{'b':{'S':'hi'}}", NULL},
    {"DELETE a :v", NULL, "{':v':{'NS':['1.0']}}", "{'a':{'NS':['1','2']}}",
     "{'a':{'NS':['2']}}", NULL},
    {"DELETE a :v", NULL, "{':v':{'BS':['AQ==']}}", "{'a':{'BS':['AQ==']}}", "{}", NULL},
    {"DELETE a :v", NULL, "{':v':{'SS':['x']}}", "{'a':{'S':'x'}}", NULL, BADTYPE},
    {"DELETE a :v", NULL, "{':v':{'SS':['x']}}", "{'a':{'NS':['1']}}", NULL, BADTYPE},
    {"DELETE l[0] :v", NULL, "{':v':{'SS':['x']}}", "{'l':{'L':[{'SS':['x']},{'N':'1'}]}}",
     "{'l':{'L':[{'N':'1'}]}}", NULL},
    {"DELETE m.s :v", NULL, "{':v':{'SS':['x']}}", "{'m':{'M':{'s':{'SS':['x','y']}}}}",
     "{'m':{'M':{'s':{'SS':['y']}}}}", NULL},
    /* Several clauses */
    {"REMOVE s ADD n :one SET x = :a DELETE ss :a1", NULL,
     "{':one':{'N':'1'},':a':{'S':'a'},':a1':{'SS':['a']}}",
     "{'s':{'S':'x'},'n':{'N':'1'},'ss':{'SS':['a','b']}}",
     "{'n':{'N':'2'},'x':{'S':'a'},'ss':{'SS':['b']}}", NULL},
    {"SET a.b = :v1, a.c.d = :v2, b.x = :v3 REMOVE a.x, b.y", NULL,
     "{':v1':{'N':'10'},':v2':{'S':'dog'},':v3':{'N':'17'}}",
     "{'a':{'M':{'x':{'N':'3'},'y':{'N':'4'},'c':{'M':{'y':{'N':'3'}}}}},"
     "'b':{'M':{'x':{'N':'1'},'y':{'N':'2'}}}}",
     "{'a':{'M':{'y':{'N':'4'},'b':{'N':'10'},'c':{'M':{'y':{'N':'3'},'d':{'S':'dog'}}}}},"
     "'b':{'M':{'x':{'N':'17'}}}}",
     NULL},
};

START_TEST(test_update_table) {
    const struct upd_case *c = &upd_cases[_i];
    cJSON *names, *values, *item = js(c->before);
    char *err = NULL;
    struct ddb_expr *e =
        full_parse(DDB_EXPR_UPDATE, c->expr, c->names, c->values, 1, &names, &values, &err);
    ck_assert_msg(e != NULL, "'%s': %s", c->expr, err ? err : "?");
    int rc = ddb_expr_update(e, item, &err);
    if (c->after) {
        ck_assert_msg(rc == 0, "'%s': %s", c->expr, err ? err : "?");
        cJSON *want = js(c->after);
        char *got = cJSON_PrintUnformatted(item);
        ck_assert_msg(items_equal(item, want), "'%s':\n got %s\nwant %s", c->expr, got, c->after);
        free(got);
        cJSON_Delete(want);
    } else {
        ck_assert_msg(rc < 0, "'%s' succeeded, want '%s'", c->expr, c->err);
        ck_assert_msg(strcmp(err, c->err) == 0, "'%s': got '%s', want '%s'", c->expr, err, c->err);
        free(err);
    }
    ddb_expr_free(e);
    cJSON_Delete(item);
    cJSON_Delete(names);
    cJSON_Delete(values);
}
END_TEST

/* Updated numbers come out in DynamoDB's canonical text. */
START_TEST(test_update_number_text) {
    cJSON *names, *values, *item = js("{'n':{'N':'1.50'}}");
    char *err = NULL;
    struct ddb_expr *e = full_parse(DDB_EXPR_UPDATE, "SET n = n + :d, m = :d - :d ADD o :d", NULL,
                                    "{':d':{'N':'2.50'}}", 1, &names, &values, &err);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(ddb_expr_update(e, item, &err), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(item, "n"), "N")->valuestring, "4");
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(item, "m"), "N")->valuestring, "0");
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(item, "o"), "N")->valuestring, "2.5");
    ddb_expr_free(e);
    cJSON_Delete(item);
    cJSON_Delete(names);
    cJSON_Delete(values);
}
END_TEST

START_TEST(test_update_new_item) {
    cJSON *names, *values, *item = js("{'k':{'S':'1'}}");
    char *err = NULL;
    struct ddb_expr *e =
        full_parse(DDB_EXPR_UPDATE, "REMOVE x.y, z[0]", NULL, NULL, 1, &names, &values, &err);
    ck_assert_ptr_nonnull(e);
    /* An existing item: refused. A new one: ignored (scylladb). */
    ck_assert_int_eq(ddb_expr_update(e, item, &err), -1);
    ck_assert_str_eq(err, BADPATH);
    free(err);
    ck_assert_int_eq(ddb_expr_update_new(e, item, &err), 0);
    ck_assert_int_eq(cJSON_GetArraySize(item), 1);
    ddb_expr_free(e);
    cJSON_Delete(item);
    cJSON_Delete(names);
    cJSON_Delete(values);
}
END_TEST

START_TEST(test_update_touches_and_project) {
    cJSON *names, *values;
    char *err = NULL;
    struct ddb_expr *e = full_parse(DDB_EXPR_UPDATE,
                                    "SET a.b = :v, #k = :v REMOVE c[1] ADD d :n DELETE s :s",
                                    "{'#k':'pk'}",
                                    "{':v':{'S':'x'},':n':{'N':'1'},':s':{'SS':['q']}}", 1, &names,
                                    &values, &err);
    ck_assert_msg(e != NULL, "%s", err ? err : "?");
    ck_assert_int_eq(ddb_expr_update_touches(e, "a"), 1);
    ck_assert_int_eq(ddb_expr_update_touches(e, "pk"), 1);
    ck_assert_int_eq(ddb_expr_update_touches(e, "c"), 1);
    ck_assert_int_eq(ddb_expr_update_touches(e, "d"), 1);
    ck_assert_int_eq(ddb_expr_update_touches(e, "s"), 1);
    ck_assert_int_eq(ddb_expr_update_touches(e, "b"), 0);
    ck_assert_int_eq(ddb_expr_update_touches(e, "#k"), 0);
    cJSON *item = js("{'pk':{'S':'k'},'a':{'M':{'b':{'S':'x'},'z':{'N':'1'}}},'c':{'L':[{'N':'0'},"
                     "{'N':'1'}]},'d':{'N':'2'},'other':{'S':'o'}}");
    cJSON *got = ddb_expr_update_project(e, item);
    cJSON *want = js("{'pk':{'S':'k'},'a':{'M':{'b':{'S':'x'}}},'c':{'L':[{'N':'1'}]},"
                     "'d':{'N':'2'}}");
    char *gz = cJSON_PrintUnformatted(got);
    ck_assert_msg(items_equal(got, want), "%s", gz);
    free(gz);
    cJSON_Delete(got);
    cJSON_Delete(want);
    cJSON_Delete(item);
    ddb_expr_free(e);
    cJSON_Delete(names);
    cJSON_Delete(values);
}
END_TEST

/* --- Projections -------------------------------------------------------- */

struct proj_case {
    const char *expr;
    const char *names;
    const char *want;
};

static const char PITEM[] =
    "{'pk':{'S':'p1'},'mylist':{'L':[{'S':'zero'},{'S':'one'},{'S':'two'},{'S':'three'}]},"
    "'listOfMaps':{'L':[{'M':{'val':{'S':'a0'},'x':{'S':'x0'}}},{'M':{'val':{'S':'a1'},"
    "'x':{'S':'x1'}}},{'M':{'val':{'S':'a2'},'x':{'S':'x2'}}}]},"
    "'listWithNull':{'L':[{'S':'keep0'},{'NULL':true},{'S':'keep2'}]},"
    "'deep':{'M':{'l1':{'M':{'l2':{'M':{'l3':{'S':'bottom'},'sib':{'S':'s'}}}}}}},"
    "'nestedList':{'L':[{'M':{'inner':{'L':[{'S':'i0'},{'S':'i1'}]}}}]},"
    "'a':{'M':{'b':{'S':'bv'},'c':{'S':'cv'}}},'x':{'S':'xv'},'n':{'N':'1'}}";

static const struct proj_case proj_cases[] = {
    {"x", NULL, "{'x':{'S':'xv'}}"},
    {"x, n", NULL, "{'x':{'S':'xv'},'n':{'N':'1'}}"},
    {"zz", NULL, "{}"},
    {"zz, x", NULL, "{'x':{'S':'xv'}}"},
    {"a.b", NULL, "{'a':{'M':{'b':{'S':'bv'}}}}"},
    {"a.b, a.c", NULL, "{'a':{'M':{'b':{'S':'bv'},'c':{'S':'cv'}}}}"},
    {"a.b, a.zz", NULL, "{'a':{'M':{'b':{'S':'bv'}}}}"},
    {"a.zz", NULL, "{}"},
    {"x.y", NULL, "{}"},
    {"mylist[0], mylist[2]", NULL, "{'mylist':{'L':[{'S':'zero'},{'S':'two'}]}}"},
    {"mylist[2], mylist[0]", NULL, "{'mylist':{'L':[{'S':'zero'},{'S':'two'}]}}"},
    {"mylist[1], mylist[3]", NULL, "{'mylist':{'L':[{'S':'one'},{'S':'three'}]}}"},
    {"mylist[9]", NULL, "{}"},
    {"mylist[3], mylist[9]", NULL, "{'mylist':{'L':[{'S':'three'}]}}"},
    {"listOfMaps[0].val, listOfMaps[2].val", NULL,
     "{'listOfMaps':{'L':[{'M':{'val':{'S':'a0'}}},{'M':{'val':{'S':'a2'}}}]}}"},
    {"listOfMaps[2].val, listOfMaps[0].x, listOfMaps[0].val", NULL,
     "{'listOfMaps':{'L':[{'M':{'val':{'S':'a0'},'x':{'S':'x0'}}},{'M':{'val':{'S':'a2'}}}]}}"},
    {"listOfMaps[1].zz, listOfMaps[1].x", NULL, "{'listOfMaps':{'L':[{'M':{'x':{'S':'x1'}}}]}}"},
    {"listWithNull", NULL, "{'listWithNull':{'L':[{'S':'keep0'},{'NULL':true},{'S':'keep2'}]}}"},
    {"listWithNull[1]", NULL, "{'listWithNull':{'L':[{'NULL':true}]}}"},
    {"listWithNull[0], listWithNull[2]", NULL,
     "{'listWithNull':{'L':[{'S':'keep0'},{'S':'keep2'}]}}"},
    {"deep.l1.l2.l3", NULL, "{'deep':{'M':{'l1':{'M':{'l2':{'M':{'l3':{'S':'bottom'}}}}}}}}"},
    {"nestedList[0].#i[1]", "{'#i':'inner'}",
     "{'nestedList':{'L':[{'M':{'inner':{'L':[{'S':'i1'}]}}}]}}"},
    {"#x", "{'#x':'x'}", "{'x':{'S':'xv'}}"},
    {"pk, a", NULL, "{'pk':{'S':'p1'},'a':{'M':{'b':{'S':'bv'},'c':{'S':'cv'}}}}"},
};

START_TEST(test_projection_table) {
    const struct proj_case *c = &proj_cases[_i];
    cJSON *names, *values, *item = js(PITEM);
    char *err = NULL;
    struct ddb_expr *e =
        full_parse(DDB_EXPR_PROJECTION, c->expr, c->names, NULL, 1, &names, &values, &err);
    ck_assert_msg(e != NULL, "'%s': %s", c->expr, err ? err : "?");
    cJSON *got = ddb_expr_project(e, item);
    cJSON *want = js(c->want);
    char *gz = cJSON_PrintUnformatted(got);
    ck_assert_msg(items_equal(got, want), "'%s':\n got %s\nwant %s", c->expr, gz, c->want);
    free(gz);
    cJSON_Delete(got);
    cJSON_Delete(want);
    /* No item: an empty object. */
    got = ddb_expr_project(e, NULL);
    ck_assert_int_eq(cJSON_GetArraySize(got), 0);
    cJSON_Delete(got);
    ddb_expr_free(e);
    cJSON_Delete(item);
    cJSON_Delete(names);
    cJSON_Delete(values);
}
END_TEST

/* --- Key conditions ----------------------------------------------------- */

struct key_case {
    const char *expr;
    const char *names;
    const char *hash, *range;
    const char *err; /* NULL: expect success with the fields below */
    const char *range_name;
    enum ddb_key_op op;
    const char *v1, *v2; /* S payloads */
};

#define KV "{':h':{'S':'H'},':a':{'S':'A'},':b':{'S':'B'}}"

static const struct key_case key_cases[] = {
    {"pk = :h", NULL, "pk", NULL, NULL, NULL, DDB_KEY_NONE, NULL, NULL},
    {"pk = :h", NULL, "pk", "sk", NULL, NULL, DDB_KEY_NONE, NULL, NULL},
    {":h = pk", NULL, "pk", "sk", NULL, NULL, DDB_KEY_NONE, NULL, NULL},
    {"#p = :h", "{'#p':'pk'}", "pk", NULL, NULL, NULL, DDB_KEY_NONE, NULL, NULL},
    {"pk = :h AND sk = :a", NULL, "pk", "sk", NULL, "sk", DDB_KEY_EQ, "A", NULL},
    {"pk = :h AND sk < :a", NULL, "pk", "sk", NULL, "sk", DDB_KEY_LT, "A", NULL},
    {"pk = :h AND sk <= :a", NULL, "pk", "sk", NULL, "sk", DDB_KEY_LE, "A", NULL},
    {"pk = :h AND sk > :a", NULL, "pk", "sk", NULL, "sk", DDB_KEY_GT, "A", NULL},
    {"pk = :h AND sk >= :a", NULL, "pk", "sk", NULL, "sk", DDB_KEY_GE, "A", NULL},
    {"pk = :h AND :a < sk", NULL, "pk", "sk", NULL, "sk", DDB_KEY_GT, "A", NULL},
    {"pk = :h AND :a >= sk", NULL, "pk", "sk", NULL, "sk", DDB_KEY_LE, "A", NULL},
    {"sk > :a AND pk = :h", NULL, "pk", "sk", NULL, "sk", DDB_KEY_GT, "A", NULL},
    {"pk = :h AND sk BETWEEN :a AND :b", NULL, "pk", "sk", NULL, "sk", DDB_KEY_BETWEEN, "A", "B"},
    {"pk = :h AND begins_with(sk, :a)", NULL, "pk", "sk", NULL, "sk", DDB_KEY_BEGINS_WITH, "A",
     NULL},
    {"(pk = :h) AND (begins_with(#s, :a))", "{'#s':'sk'}", "pk", "sk", NULL, "sk",
     DDB_KEY_BEGINS_WITH, "A", NULL},
    {"sk = :a", NULL, "pk", "sk", "Query condition missed key schema element: pk", NULL, DDB_KEY_NONE, NULL, NULL},
    {"foo = :a", NULL, "pk", "sk", "Query condition missed key schema element: pk", NULL, DDB_KEY_NONE, NULL, NULL},
    {"pk = :h AND foo = :a", NULL, "pk", "sk", "Query condition missed key schema element: sk", NULL, DDB_KEY_NONE, NULL, NULL},
    {"pk = :h AND sk = :a", NULL, "pk", NULL, "Query key condition not supported", NULL, DDB_KEY_NONE, NULL, NULL},
    {"pk > :h", NULL, "pk", NULL, "Query key condition not supported", NULL, DDB_KEY_NONE, NULL, NULL},
    {"begins_with(pk, :h)", NULL, "pk", "sk", "Query key condition not supported", NULL, DDB_KEY_NONE, NULL, NULL},
    {"pk BETWEEN :a AND :b AND sk = :h", NULL, "pk", "sk", "Query key condition not supported", NULL, DDB_KEY_NONE, NULL, NULL},
};

START_TEST(test_key_table) {
    const struct key_case *c = &key_cases[_i];
    cJSON *names, *values;
    char *err = NULL;
    /* Some cases use only some values: skip the unused check here. */
    struct ddb_expr *e =
        full_parse(DDB_EXPR_KEY_CONDITION, c->expr, c->names, KV, 0, &names, &values, &err);
    ck_assert_msg(e != NULL, "'%s': %s", c->expr, err ? err : "?");
    struct ddb_key_cond kc;
    int rc = ddb_expr_key_condition(e, c->hash, c->range, &kc, &err);
    if (c->err) {
        ck_assert_msg(rc < 0, "'%s' succeeded", c->expr);
        ck_assert_str_eq(err, c->err);
        free(err);
    } else {
        ck_assert_msg(rc == 0, "'%s': %s", c->expr, err ? err : "?");
        ck_assert_str_eq(kc.hash_name, c->hash);
        ck_assert_str_eq(cJSON_GetObjectItem(kc.hash_value, "S")->valuestring, "H");
        if (!c->range_name) {
            ck_assert_ptr_null(kc.range_name);
        } else {
            ck_assert_str_eq(kc.range_name, c->range_name);
            ck_assert_int_eq(kc.range_op, c->op);
            ck_assert_str_eq(cJSON_GetObjectItem(kc.range_v1, "S")->valuestring, c->v1);
            if (c->v2)
                ck_assert_str_eq(cJSON_GetObjectItem(kc.range_v2, "S")->valuestring, c->v2);
            else
                ck_assert_ptr_null(kc.range_v2);
        }
        /* A key condition also evaluates as a condition. */
        cJSON *item = js("{'pk':{'S':'H'},'sk':{'S':'A'}}");
        ck_assert_int_ge(ddb_expr_eval(e, item, &err), 0);
        cJSON_Delete(item);
    }
    ddb_expr_free(e);
    cJSON_Delete(names);
    cJSON_Delete(values);
}
END_TEST

/* --- Misuse of the API -------------------------------------------------- */

START_TEST(test_wrong_kind_calls) {
    cJSON *names, *values;
    char *err = NULL;
    struct ddb_expr *p = full_parse(DDB_EXPR_PROJECTION, "a", NULL, NULL, 1, &names, &values, &err);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(ddb_expr_eval(p, NULL, &err), -1);
    free(err);
    cJSON *item = cJSON_CreateObject();
    ck_assert_int_eq(ddb_expr_update(p, item, &err), -1);
    free(err);
    ck_assert_int_eq(ddb_expr_update_touches(p, "a"), 0);
    struct ddb_key_cond kc;
    ck_assert_int_eq(ddb_expr_key_condition(p, "a", NULL, &kc, &err), -1);
    free(err);
    cJSON *o = ddb_expr_update_project(p, item);
    ck_assert_int_eq(cJSON_GetArraySize(o), 0);
    cJSON_Delete(o);
    cJSON_Delete(item);
    ddb_expr_free(p);
    /* Errors may be discarded by passing NULL. */
    ck_assert_ptr_null(ddb_expr_parse(DDB_EXPR_CONDITION, "a =", NULL, NULL));
}
END_TEST

/* Several expressions share one set of maps: a name used by any of them
 * counts as used. */
START_TEST(test_shared_attrs) {
    cJSON *names = js("{'#a':'a','#b':'b'}");
    cJSON *values = js("{':v':{'S':'x'},':w':{'S':'y'}}");
    struct ddb_expr_attrs a;
    ddb_expr_attrs_init(&a, names, values);
    char *err = NULL;
    struct ddb_expr *u = ddb_expr_parse(DDB_EXPR_UPDATE, "SET #a = :v", &a, &err);
    ck_assert_ptr_nonnull(u);
    ck_assert_int_eq(ddb_expr_attrs_check(&a, &err), -1);
    ck_assert_str_eq(err, "Value provided in ExpressionAttributeNames unused in expressions: "
                          "keys: {#b}");
    free(err);
    struct ddb_expr *c = ddb_expr_parse(DDB_EXPR_CONDITION, "#b <> :w", &a, &err);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(ddb_expr_attrs_check(&a, &err), 0);
    ddb_expr_free(u);
    ddb_expr_free(c);
    ddb_expr_attrs_free(&a);
    ddb_expr_attrs_free(NULL);
    cJSON_Delete(names);
    cJSON_Delete(values);
}
END_TEST

static Suite *expr_suite(void) {
    Suite *s = suite_create("ddb_expr");
    TCase *t = tcase_create("eval");
    tcase_add_loop_test(t, test_eval_table, 0, (int)(sizeof(eval_cases) / sizeof(eval_cases[0])));
    tcase_add_test(t, test_eval_no_item);
    suite_add_tcase(s, t);
    t = tcase_create("errors");
    tcase_add_loop_test(t, test_err_table, 0, (int)(sizeof(err_cases) / sizeof(err_cases[0])));
    tcase_add_loop_test(t, test_ok_table, 0, (int)(sizeof(ok_cases) / sizeof(ok_cases[0])));
    suite_add_tcase(s, t);
    t = tcase_create("limits");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, test_size_limit);
    tcase_add_test(t, test_in_limit);
    tcase_add_test(t, test_operator_limit);
    tcase_add_test(t, test_deep_nesting);
    tcase_add_test(t, test_garbage_input);
    suite_add_tcase(s, t);
    t = tcase_create("update");
    tcase_add_loop_test(t, test_update_table, 0, (int)(sizeof(upd_cases) / sizeof(upd_cases[0])));
    tcase_add_test(t, test_update_number_text);
    tcase_add_test(t, test_update_new_item);
    tcase_add_test(t, test_update_touches_and_project);
    suite_add_tcase(s, t);
    t = tcase_create("projection");
    tcase_add_loop_test(t, test_projection_table, 0,
                        (int)(sizeof(proj_cases) / sizeof(proj_cases[0])));
    suite_add_tcase(s, t);
    t = tcase_create("key_condition");
    tcase_add_loop_test(t, test_key_table, 0, (int)(sizeof(key_cases) / sizeof(key_cases[0])));
    suite_add_tcase(s, t);
    t = tcase_create("api");
    tcase_add_test(t, test_wrong_kind_calls);
    tcase_add_test(t, test_shared_attrs);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(expr_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
