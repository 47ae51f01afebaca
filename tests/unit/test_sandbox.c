/*
 * Unit tests for runtime/sandbox.c's pure parts: the mode names, bwrap's
 * argument vector, the directory a PATH entry brings into the sandbox,
 * and the status of a command killed inside it. Tables; no process is
 * started.
 */
#include "runtime/sandbox.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

START_TEST(parse_mode) {
    static const struct { const char *in; int rc; enum sandbox_mode want; } cases[] = {
        {"auto", 0, SANDBOX_AUTO}, {"on", 0, SANDBOX_ON}, {"off", 0, SANDBOX_OFF},
        {"", -1, SANDBOX_OFF}, {"ON", -1, SANDBOX_OFF}, {"1", -1, SANDBOX_OFF}, {"yes", -1, SANDBOX_OFF},
        {NULL, -1, SANDBOX_OFF},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum sandbox_mode m = SANDBOX_OFF;
        ck_assert_int_eq(sandbox_parse_mode(cases[i].in, &m), cases[i].rc);
        if (cases[i].rc == 0) ck_assert_int_eq(m, cases[i].want);
    }
}
END_TEST

/* The words of OUT[0..N) joined by spaces. */
static char *joined(const char **out, int n) {
    static char buf[8192];
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i) strcat(buf, " ");
        strcat(buf, out[i]);
    }
    return buf;
}

START_TEST(argv_words) {
    static const char *const roots[] = {"/root/.pyenv", "/opt/node"};
    static const char *const cmd[] = {"python3", "-c", "import bootstrap", NULL};
    static const char *const cmd2[] = {"/d/code/abc/bootstrap", NULL};
    static const struct {
        struct sandbox_spec spec;
        const char *want;
    } cases[] = {
        {{"/usr/bin/bwrap", "/d/code/abc", "/d/runtime", roots, 2, cmd},
         "/usr/bin/bwrap --unshare-pid --unshare-ipc"
         " --ro-bind-try /usr /usr --ro-bind-try /bin /bin --ro-bind-try /sbin /sbin"
         " --ro-bind-try /lib /lib --ro-bind-try /lib32 /lib32 --ro-bind-try /lib64 /lib64"
         " --ro-bind-try /etc /etc --proc /proc --dev /dev --tmpfs /tmp"
         " --ro-bind-try /root/.pyenv /root/.pyenv --ro-bind-try /opt/node /opt/node"
         " --ro-bind /d/runtime /d/runtime --ro-bind /d/code/abc /d/code/abc --chdir /d/code/abc"
         " -- /usr/bin/env -u PWD python3 -c import bootstrap"},
        /* provided.*: no bootstraps of sluice's, no extra roots */
        {{"bwrap", "/d/code/abc", NULL, NULL, 0, cmd2},
         "bwrap --unshare-pid --unshare-ipc"
         " --ro-bind-try /usr /usr --ro-bind-try /bin /bin --ro-bind-try /sbin /sbin"
         " --ro-bind-try /lib /lib --ro-bind-try /lib32 /lib32 --ro-bind-try /lib64 /lib64"
         " --ro-bind-try /etc /etc --proc /proc --dev /dev --tmpfs /tmp"
         " --ro-bind /d/code/abc /d/code/abc --chdir /d/code/abc -- /usr/bin/env -u PWD /d/code/abc/bootstrap"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *out[SANDBOX_MAX_ARGS];
        int n = sandbox_argv(&cases[i].spec, out, SANDBOX_MAX_ARGS);
        ck_assert_int_gt(n, 0);
        ck_assert_ptr_null(out[n]);
        ck_assert_str_eq(joined(out, n), cases[i].want);
    }
}
END_TEST

START_TEST(argv_room) {
    static const char *const cmd[] = {"true", NULL};
    struct sandbox_spec spec = {"bwrap", "/c", "/r", NULL, 0, cmd};
    const char *out[SANDBOX_MAX_ARGS];
    int n = sandbox_argv(&spec, out, SANDBOX_MAX_ARGS);
    ck_assert_int_gt(n, 0);
    /* exactly enough room (n words and the NULL), and one short */
    ck_assert_int_eq(sandbox_argv(&spec, out, n + 1), n);
    ck_assert_int_eq(sandbox_argv(&spec, out, n), -1);
    ck_assert_int_eq(sandbox_argv(&spec, out, 0), -1);
    /* the most roots there can be still fit */
    const char *roots[SANDBOX_MAX_ROOTS];
    for (int i = 0; i < SANDBOX_MAX_ROOTS; i++) roots[i] = "/x";
    spec.roots = roots;
    spec.nroots = SANDBOX_MAX_ROOTS;
    ck_assert_int_gt(sandbox_argv(&spec, out, SANDBOX_MAX_ARGS), 0);
}
END_TEST

START_TEST(path_roots) {
    static const struct { const char *dir; const char *home; int rc; const char *want; } cases[] = {
        {"/root/.pyenv/shims", "/root", 1, "/root/.pyenv"},
        {"/root/.pyenv/versions/3.11.7/bin", "/root", 1, "/root/.pyenv/versions/3.11.7"},
        {"/root/.pyenv/plugins/pyenv-virtualenv/shims/", "/root", 1, "/root/.pyenv/plugins/pyenv-virtualenv"},
        {"/home/u/.nvm/versions/node/v20.11.1/bin", "/home/u", 1, "/home/u/.nvm/versions/node/v20.11.1"},
        {"/opt/tools", "/root", 1, "/opt/tools"},
        {"/root/.local/bin", "/root", 1, "/root/.local"},
        /* a whole home directory is not brought in for ~/bin */
        {"/home/u/bin", "/home/u", 0, ""},
        {"/home/u/bin", "/home/u/", 0, ""},
        {"/home/u/bin", NULL, 1, "/home/u"},
        /* system directories are bound anyway */
        {"/usr/local/bin", "/root", 0, ""},
        {"/usr/bin", "/root", 0, ""},
        {"/bin", "/root", 0, ""},
        {"/sbin", "/root", 0, ""},
        {"/usr/local/cuda/bin", "/root", 0, ""},
        {"/etc", "/root", 0, ""},
        /* not absolute, or nothing */
        {"bin", "/root", 0, ""},
        {".", "/root", 0, ""},
        {"", "/root", 0, ""},
        {"/", "/root", 0, ""},
        /* /usrx is not /usr */
        {"/usrx/bin", "/root", 1, "/usrx"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[256];
        ck_assert_msg(sandbox_path_root(cases[i].dir, cases[i].home, out, sizeof(out)) == cases[i].rc,
                      "%s", cases[i].dir);
        ck_assert_str_eq(out, cases[i].want);
    }
    char small[8];
    ck_assert_int_eq(sandbox_path_root("/opt/a-long-directory/bin", "/root", small, sizeof(small)), 0);
    ck_assert_str_eq(small, "");
}
END_TEST

START_TEST(statuses) {
    /* waitpid statuses built as Linux encodes them */
#define EXITED(c) ((c) << 8)
    static const struct { int in; int exited; int code; int sig; } cases[] = {
        {EXITED(0), 1, 0, 0},
        {EXITED(3), 1, 3, 0},
        {EXITED(128), 1, 128, 0},
        {EXITED(137), 0, 0, SIGKILL},     /* bwrap: its command was killed */
        {EXITED(139), 0, 0, SIGSEGV},
        {EXITED(129), 0, 0, SIGHUP},
        {EXITED(192), 0, 0, 64},
        {EXITED(193), 1, 193, 0},
        {EXITED(255), 1, 255, 0},
        {SIGKILL, 0, 0, SIGKILL},         /* bwrap itself killed */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int st = sandbox_status(cases[i].in);
        ck_assert_int_eq(WIFEXITED(st) ? 1 : 0, cases[i].exited);
        if (cases[i].exited) {
            ck_assert_int_eq(WEXITSTATUS(st), cases[i].code);
        } else {
            ck_assert(WIFSIGNALED(st));
            ck_assert_int_eq(WTERMSIG(st), cases[i].sig);
        }
    }
#undef EXITED
}
END_TEST

START_TEST(off_builds_nothing) {
    /* The library's default is plain processes: no command is wrapped. */
    static const char *const cmd[] = {"true", NULL};
    ck_assert_int_eq(sandbox_enabled(), 0);
    ck_assert_ptr_null(sandbox_command(cmd, "/tmp", "/usr/bin:/bin"));
}
END_TEST

static Suite *sandbox_suite(void) {
    Suite *s = suite_create("sandbox");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, parse_mode);
    tcase_add_test(tc, argv_words);
    tcase_add_test(tc, argv_room);
    tcase_add_test(tc, path_roots);
    tcase_add_test(tc, statuses);
    tcase_add_test(tc, off_builds_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(sandbox_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
