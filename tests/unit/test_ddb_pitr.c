/*
 * Unit tests for ddb_pitr_window (api/ddb_int.h): the restorable window
 * DescribeContinuousBackups reports, as a table of (enabled at, period,
 * now) -> (earliest, latest).
 */
#include "api/ddb_int.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#define MIN (60LL * 1000)
#define DAY (86400LL * 1000)
#define T0 1800000000000LL /* an arbitrary clock time */

START_TEST(window_table) {
    static const struct {
        int64_t enabled, now;
        int days;
        int64_t earliest, latest;
    } cases[] = {
        /* Just enabled: both ends are the enabling. */
        {T0, T0, 35, T0, T0},
        /* Within the lag: latest cannot precede the enabling. */
        {T0, T0 + 4 * MIN, 35, T0, T0},
        /* Past the lag: latest trails the clock by five minutes. */
        {T0, T0 + 10 * MIN, 35, T0, T0 + 5 * MIN},
        /* Inside the period: earliest stays at the enabling. */
        {T0, T0 + 3 * DAY, 7, T0, T0 + 3 * DAY - 5 * MIN},
        /* Past the period: earliest is the start of the period. */
        {T0, T0 + 10 * DAY, 7, T0 + 3 * DAY, T0 + 10 * DAY - 5 * MIN},
        {T0, T0 + 40 * DAY, 35, T0 + 5 * DAY, T0 + 40 * DAY - 5 * MIN},
        /* The shortest period. */
        {T0, T0 + 2 * DAY, 1, T0 + DAY, T0 + 2 * DAY - 5 * MIN},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t e = 0, l = 0;
        ddb_pitr_window(cases[i].enabled, cases[i].days, cases[i].now, &e, &l);
        ck_assert_msg(e == cases[i].earliest && l == cases[i].latest,
                      "case %zu: earliest %lld latest %lld, want %lld %lld", i, (long long)e,
                      (long long)l, (long long)cases[i].earliest, (long long)cases[i].latest);
        ck_assert_msg(e <= l, "case %zu: earliest after latest", i);
    }
}
END_TEST

static Suite *pitr_suite(void) {
    Suite *s = suite_create("ddb_pitr");
    TCase *tc = tcase_create("window");
    tcase_add_test(tc, window_table);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(pitr_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
