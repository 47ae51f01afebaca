/*
 * Who is at the other end of a Runtime API connection (issue 17, section
 * 1). Environments share the server's network namespace (their SDK calls
 * reach sluice on 127.0.0.1), so any local process that finds an
 * environment's port could long-poll its /next and post forged
 * responses; stock runtime clients send nothing a secret could ride on.
 * The listener therefore admits a connection only when the socket at its
 * other end belongs to a process of the environment's own process tree:
 * the peer's port names the socket's inode in /proc/net/tcp, and the
 * tree's /proc/PID/fd links name the inodes its processes hold.
 */
#ifndef SLUICE_RUNTIME_PEER_H
#define SLUICE_RUNTIME_PEER_H

#include <stddef.h>
#include <sys/types.h>

/* The inode of the IPv4 socket in TEXT (the contents of /proc/net/tcp)
 * whose local port is LPORT and remote port RPORT, or 0 when there is
 * none. Pure. */
unsigned long peer_tcp_inode(const char *text, unsigned lport, unsigned rport);

/* 1 when a process of the tree rooted at ROOT (ROOT, its children, theirs,
 * through /proc/PID/task/TID/children) holds socket INODE, 0 when none
 * does, -1 when ROOT's children cannot be read (no such process, or a
 * kernel without /proc children lists). Walks at most PEER_MAX_PROCS
 * processes. Thread-safe. */
int peer_tree_holds(pid_t root, unsigned long inode);

/* 1 when the TCP connection FD (accepted on a listener on port
 * LISTEN_PORT of 127.0.0.1) comes from a process of ROOT's tree, 0 when
 * it comes from elsewhere, -1 when that cannot be told (/proc unreadable;
 * the caller decides). Thread-safe. */
int peer_from_tree(int fd, unsigned listen_port, pid_t root);

/* The most processes peer_tree_holds looks at: an environment is its
 * runtime and whatever the handler started; a tree past this is a fork
 * bomb, not a runtime, and is refused. */
#define PEER_MAX_PROCS 256

#endif
