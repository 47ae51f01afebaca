/*
 * The Runtime API's check of who is connecting (runtime/peer.h).
 */
#include "runtime/peer.h"
#include "base/util.h"

#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

unsigned long peer_tcp_inode(const char *text, unsigned lport, unsigned rport) {
    /* "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when
     *  retrnsmt   uid  timeout inode": addresses as HEXIP:HEXPORT. */
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        unsigned la, lp, ra, rp, st;
        unsigned long inode;
        if (sscanf(line, " %*d: %8x:%4x %8x:%4x %2x %*x:%*x %*x:%*x %*x %*u %*d %lu", &la, &lp, &ra, &rp, &st,
                   &inode) != 6)
            continue;
        if (lp == lport && rp == rport && st == 0x01) return inode;   /* ESTABLISHED */
    }
    return 0;
}

/* 1 when process PID holds socket INODE among its descriptors. */
static int holds(pid_t pid, unsigned long inode) {
    char dir[64], want[48], path[384], link[64];
    snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
    snprintf(want, sizeof(want), "socket:[%lu]", inode);
    DIR *d = opendir(dir);
    if (d == NULL) return 0;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        ssize_t n = readlink(path, link, sizeof(link) - 1);
        if (n <= 0) continue;
        link[n] = '\0';
        found = strcmp(link, want) == 0;
    }
    closedir(d);
    return found;
}

/* Appends the children of PID (every thread's) to OUT[*N], at most MAX.
 * Returns -1 when PID's task list cannot be read. */
static int children(pid_t pid, pid_t *out, int *n, int max) {
    char dir[64], path[384], buf[4096];
    snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    if (d == NULL) return -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof(path), "%s/%s/children", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL) {
            rc = -1;
            continue;
        }
        size_t k = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[k] = '\0';
        for (char *p = buf, *end; *p && *n < max; p = end) {
            long c = strtol(p, &end, 10);
            if (end == p) break;
            out[(*n)++] = (pid_t)c;
        }
    }
    closedir(d);
    return rc;
}

int peer_tree_holds(pid_t root, unsigned long inode) {
    pid_t procs[PEER_MAX_PROCS];
    int n = 1, rc = 0;
    procs[0] = root;
    for (int i = 0; i < n && rc == 0; i++) {
        if (holds(procs[i], inode)) rc = 1;
        else if (children(procs[i], procs, &n, PEER_MAX_PROCS) != 0 && i == 0) rc = -1;
    }
    return rc;
}

/* Reads /proc/net/tcp into a new string (caller frees), or NULL. */
static char *read_tcp_table(void) {
    FILE *f = fopen("/proc/net/tcp", "r");
    if (f == NULL) return NULL;
    struct util_buf b = {0};
    char chunk[8192];
    size_t k;
    util_buf_add(&b, "");
    while ((k = fread(chunk, 1, sizeof(chunk) - 1, f)) > 0) {
        chunk[k] = '\0';
        util_buf_add(&b, chunk);
    }
    fclose(f);
    return b.z;
}

int peer_from_tree(int fd, unsigned listen_port, pid_t root) {
    struct sockaddr_in peer;
    socklen_t len = sizeof(peer);
    if (getpeername(fd, (struct sockaddr *)&peer, &len) != 0 || peer.sin_family != AF_INET) return 0;
    char *table = read_tcp_table();
    if (table == NULL) return -1;
    unsigned long inode = peer_tcp_inode(table, ntohs(peer.sin_port), listen_port);
    free(table);
    if (inode == 0) return 0;   /* not a local process's socket */
    return peer_tree_holds(root, inode);
}
