/*
 * Unit tests for runtime/peer.h: the /proc/net/tcp lookup as a table, and
 * the whole check on real loopback connections: a connection from this
 * process is from its tree, one from a process outside a given tree is
 * not.
 */
#include "runtime/peer.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char TABLE[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0 100 0 0 10 0\n"
    "   1: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 2222 1 0 20 4 30 10 -1\n"
    "   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 3333 1 0 20 4 30 10 -1\n"
    "   3: 0100007F:C351 0100007F:1F90 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0\n";

START_TEST(tcp_table) {
    static const struct {
        unsigned lport, rport;
        unsigned long inode;
    } cases[] = {
        {0xC350, 0x1F90, 2222},  /* the client's side of 50000 -> 8080 */
        {0x1F90, 0xC350, 3333},  /* the server's side */
        {0xC351, 0x1F90, 0},     /* TIME_WAIT: no process holds it */
        {0x1F90, 0x0000, 0},     /* the listener is not a connection */
        {0x1234, 0x1F90, 0},     /* no such connection */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_uint_eq(peer_tcp_inode(TABLE, cases[i].lport, cases[i].rport), cases[i].inode);
    ck_assert_uint_eq(peer_tcp_inode("", 1, 2), 0);
    ck_assert_uint_eq(peer_tcp_inode("garbage\nmore garbage", 1, 2), 0);
}
END_TEST

/* A listener on 127.0.0.1:0; its port in *PORT. */
static int listener(unsigned *port) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(l, 4), 0);
    socklen_t n = sizeof(a);
    getsockname(l, (struct sockaddr *)&a, &n);
    *port = ntohs(a.sin_port);
    return l;
}

static int dial(unsigned port) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
    return c;
}

START_TEST(connection_from_the_tree_or_not) {
    unsigned port;
    int l = listener(&port);
    int c = dial(port);
    int s = accept(l, NULL, NULL);
    /* This process holds the client's socket: from its own tree. */
    ck_assert_int_eq(peer_from_tree(s, port, getpid()), 1);
    /* A child that holds nothing of it is another tree. */
    pid_t child = fork();
    if (child == 0) {
        close(c);
        pause();
        _exit(0);
    }
    usleep(50000);
    ck_assert_int_eq(peer_from_tree(s, port, child), 0);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    /* A process that no longer exists cannot be told about. */
    ck_assert_int_eq(peer_tree_holds(child, 1), -1);
    close(s);
    close(c);
    close(l);
}
END_TEST

int main(void) {
    Suite *su = suite_create("peer");
    TCase *tc = tcase_create("peer");
    tcase_add_test(tc, tcp_table);
    tcase_add_test(tc, connection_from_the_tree_or_not);
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
