/*
 * Lambda code zips: validation of an upload held in memory (unzip_check,
 * called by the Lambda API on CreateFunction / UpdateFunctionCode) and
 * extraction of a stored blob into its own directory (unzip_extract, called
 * by the runtime before it starts an environment). Every archive is
 * untrusted: names, symlinks and sizes are checked before anything is
 * written, and checked again while writing.
 */
#include "runtime/unzip.h"

#include "runtime/libzip_load.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- Limits and defaults --- */

/* Entries are inflated in 64 KiB chunks: large enough that the per-call
 * cost of zip_fread() and write(2) is noise next to inflate itself, small
 * enough that memory stays fixed whatever size an entry claims. The buffer
 * is heap-allocated once per extraction because callers may run on worker
 * threads with small stacks. */
#define COPY_CHUNK 65536

/* symlink(2) refuses targets of PATH_MAX bytes or more (ENAMETOOLONG), so
 * no valid link entry is longer and reading stops there. */
#define LINK_TARGET_MAX (PATH_MAX - 1)

/* Temporary directory names tried before giving up. Only leftovers of a
 * crashed process that had the same pid can collide, so a handful is
 * plenty; the bound just keeps a broken filesystem from looping forever. */
#define TMP_ATTEMPTS 100

/* Open directory fds nftw() may hold while deleting a temporary tree: a
 * small fixed share of the process's fd budget, since the server keeps
 * many sockets open; deeper trees still work, only slower. */
#define RMTREE_FDS 16

/* Permission bits for entries without a unix mode (zips made on Windows):
 * what unzip(1) gives them. */
#define MODE_FILE_DEFAULT 0644
#define MODE_DIR_DEFAULT 0755

/* Directories always keep owner rwx: without it we could not create the
 * entries that follow, nor remove the tree later. */
#define MODE_DIR_OWNER 0700

/* --- Result messages --- */

static const char msg_bad[] =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";
static const char msg_too_big[] = "Unzipped size must be smaller than 262144000 bytes";

/* Stores the AWS message for RC in *MSG (if MSG is not NULL); returns RC. */
static int fail(int rc, const char **msg) {
    if (msg) *msg = rc == UNZIP_ETOOBIG ? msg_too_big : msg_bad;
    return rc;
}

/* libzip's functions. Only called once an entry point has seen
 * libzip_get() succeed, so never NULL here. */
static const struct libzip_api *lz(void) { return libzip_get(NULL); }

/* Loads libzip if not yet done. Returns UNZIP_OK, or UNZIP_ENOLIB with the
 * loader's message in *MSG (if MSG is not NULL). */
static int need_libzip(const char **msg) {
    const char *err = NULL;
    if (libzip_get(&err) != NULL) return UNZIP_OK;
    if (msg) *msg = err;
    return UNZIP_ENOLIB;
}

/* --- Names and link targets --- */

enum comp_kind {
    COMP_SKIP,   /* "" or ".": no effect on the path */
    COMP_DOTDOT, /* ".." */
    COMP_NAME,   /* an ordinary name */
    COMP_BAD,    /* a name that reads as ".." with backslash separators */
};

enum entry_type { ENTRY_FILE, ENTRY_DIR, ENTRY_LINK };

/* Classifies the N-byte path component S. A backslash is an ordinary byte
 * on Linux, but Windows tools use it as a separator: a component such as
 * "..\evil" is refused too, because no real package needs one and the tree
 * would be a trap for anything that reads it the Windows way. */
static enum comp_kind comp_kind(const char *s, size_t n) {
    if (n == 0 || (n == 1 && s[0] == '.')) return COMP_SKIP;
    if (n == 2 && s[0] == '.' && s[1] == '.') return COMP_DOTDOT;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '\\') continue;
        if (i - start == 2 && s[start] == '.' && s[start + 1] == '.') return COMP_BAD;
        start = i + 1;
    }
    return COMP_NAME;
}

/* Whether Z starts like an absolute path under Unix or Windows rules:
 * "/x", "\x", or a drive letter ("C:"). */
static bool is_absolute(const char *z) {
    bool letter = (z[0] >= 'a' && z[0] <= 'z') || (z[0] >= 'A' && z[0] <= 'Z');
    return z[0] == '/' || z[0] == '\\' || (letter && z[1] == ':');
}

/* Checks entry name Z: not empty, not absolute, no ".." component. Stores
 * in *DEPTH the number of components that name something (empty and "."
 * components are ignored, as the kernel does). Returns 0 or UNZIP_EUNSAFE. */
static int check_name(const char *z, size_t *depth) {
    size_t d = 0;
    if (z[0] == '\0' || is_absolute(z)) return UNZIP_EUNSAFE;
    for (const char *p = z;;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        switch (comp_kind(p, n)) {
        case COMP_SKIP: break;
        case COMP_NAME: d++; break;
        case COMP_DOTDOT:
        case COMP_BAD: return UNZIP_EUNSAFE;
        }
        if (!end) break;
        p = end + 1;
    }
    *depth = d;
    return 0;
}

/* Returns Z rebuilt from its naming components joined by single '/'
 * ("./a//b/" -> "a/b"), as a malloc'd string, or NULL when out of memory.
 * Z must have passed check_name(). */
static char *canonical(const char *z) {
    size_t len = strlen(z), w = 0;
    char *c = malloc(len + 1);
    if (!c) return NULL;
    for (const char *p = z;;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (comp_kind(p, n) == COMP_NAME) {
            if (w > 0) c[w++] = '/';
            memcpy(c + w, p, n);
            w += n;
        }
        if (!end) break;
        p = end + 1;
    }
    c[w] = '\0';
    return c;
}

/* Checks symlink target Z (N bytes, NUL-terminated) for a link whose
 * directory is DEPTH components below the root: not empty, no NUL byte, not
 * absolute, and it must resolve inside the root. ".." is only accepted as a
 * leading run ("../../lib/x"): after a name it could climb out through
 * another link ("d/.." with d -> "." is the root's parent although it reads
 * as a no-op). Since no entry is ever written under a link, a link's
 * directory is a real one at its lexical depth, and the leading run can
 * only climb to real ancestors inside the root; each link reached after
 * that was itself checked the same way. (Names after the run need no
 * counting, since nothing may climb back over them.) Returns 0 or
 * UNZIP_EUNSAFE. */
static int check_link_target(const char *z, size_t n, size_t depth) {
    bool leading = true;
    if (n == 0 || memchr(z, '\0', n) || is_absolute(z)) return UNZIP_EUNSAFE;
    for (const char *p = z;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        switch (comp_kind(p, len)) {
        case COMP_SKIP: break;
        case COMP_NAME: leading = false; break;
        case COMP_DOTDOT:
            if (!leading || depth == 0) return UNZIP_EUNSAFE;
            depth--;
            break;
        case COMP_BAD: return UNZIP_EUNSAFE;
        }
        if (!end) break;
        p = end + 1;
    }
    return 0;
}

/* --- Entries --- */

/* Classifies entry I of ZA (named Z) and stores its permission bits in
 * *PERM. Unix modes are trusted only from unix-made entries; the file type
 * bits decide links, and a trailing '/' (or S_IFDIR) decides directories.
 * setuid, setgid and sticky bits are dropped. */
static enum entry_type entry_type(zip_t *za, zip_uint64_t i, const char *z, mode_t *perm) {
    zip_uint8_t opsys = 0;
    zip_uint32_t attr = 0;
    mode_t m = 0;
    size_t len = strlen(z);
    enum entry_type type;
    if (lz()->file_get_external_attributes(za, i, 0, &opsys, &attr) == 0 && opsys == ZIP_OPSYS_UNIX)
        m = (mode_t)(attr >> 16);
    if ((m & S_IFMT) == S_IFLNK)
        type = ENTRY_LINK;
    else if ((len > 0 && z[len - 1] == '/') || (m & S_IFMT) == S_IFDIR)
        type = ENTRY_DIR;
    else
        type = ENTRY_FILE;
    m &= 0777;
    if (m == 0) m = type == ENTRY_DIR ? MODE_DIR_DEFAULT : MODE_FILE_DEFAULT;
    if (type == ENTRY_DIR) m |= MODE_DIR_OWNER;
    *perm = m;
    return type;
}

/* Reads the content of link entry I of ZA into BUF (LINK_TARGET_MAX + 2
 * bytes) as a NUL-terminated string of *N bytes, reading no more than one
 * byte past LINK_TARGET_MAX whatever size the entry claims. Returns 0,
 * UNZIP_EBAD (unreadable) or UNZIP_EUNSAFE (too long to be a target). */
static int read_link(zip_t *za, zip_uint64_t i, char *buf, size_t *n) {
    size_t got = 0;
    int rc = 0;
    zip_file_t *zf = lz()->fopen_index(za, i, 0);
    if (!zf) return UNZIP_EBAD;
    while (got <= LINK_TARGET_MAX) {
        zip_int64_t r = lz()->fread(zf, buf + got, LINK_TARGET_MAX + 1 - got);
        if (r < 0) {
            rc = UNZIP_EBAD;
            break;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    if (rc == 0 && got > LINK_TARGET_MAX) rc = UNZIP_EUNSAFE;
    if (lz()->fclose(zf) != 0 && rc == 0) rc = UNZIP_EBAD;
    buf[got] = '\0';
    *n = got;
    return rc;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether canonical name Z is in the sorted array LINKS of N names. */
static bool is_link_name(char *const *links, size_t n, const char *z) {
    return bsearch(&z, links, n, sizeof *links, cmp_str) != NULL;
}

/* Checks that no entry of ZA lives under one of the N link names LINKS
 * (sorted, canonical), and that no non-link entry has a link's name. This
 * keeps the lexical link check sound: writing "l/x" after "l -> ../.."
 * would land outside the root. Returns 0, UNZIP_EBAD or UNZIP_EUNSAFE. */
static int check_not_under_links(zip_t *za, char *const *links, size_t n) {
    zip_int64_t count = lz()->get_num_entries(za, 0);
    for (zip_uint64_t i = 0; i < (zip_uint64_t)count; i++) {
        mode_t perm;
        int rc = 0;
        const char *z = lz()->get_name(za, i, 0);
        if (!z) return UNZIP_EBAD;
        char *c = canonical(z);
        if (!c) return UNZIP_EBAD;
        for (char *p = c; (p = strchr(p, '/')) != NULL && rc == 0; p++) {
            *p = '\0';
            if (is_link_name(links, n, c)) rc = UNZIP_EUNSAFE;
            *p = '/';
        }
        if (rc == 0 && entry_type(za, i, z, &perm) != ENTRY_LINK && is_link_name(links, n, c))
            rc = UNZIP_EUNSAFE;
        free(c);
        if (rc != 0) return rc;
    }
    return 0;
}

/* Validates every entry of ZA as documented for unzip_check(), with LIMIT
 * standing for UNZIP_MAX_UNZIPPED (tests pass smaller ones). Stores the sum
 * of declared sizes in *TOTAL. Returns UNZIP_OK or a negative UNZIP_* code
 * (UNZIP_EBAD also when out of memory: nothing better fits a check). */
static int scan_archive(zip_t *za, uint64_t limit, uint64_t *total) {
    char target[LINK_TARGET_MAX + 2];
    char **links = NULL;
    size_t nlinks = 0, cap = 0;
    uint64_t sum = 0;
    int rc = UNZIP_OK;
    zip_int64_t count = lz()->get_num_entries(za, 0);
    if (count < 0) return UNZIP_EBAD;

    for (zip_uint64_t i = 0; rc == UNZIP_OK && i < (zip_uint64_t)count; i++) {
        zip_stat_t st;
        zip_file_t *zf;
        size_t depth, n;
        mode_t perm;
        enum entry_type type;

        lz()->stat_init(&st);
        if (lz()->stat_index(za, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) ||
            !(st.valid & ZIP_STAT_SIZE)) {
            rc = UNZIP_EBAD;
            break;
        }
        if ((rc = check_name(st.name, &depth)) != 0) break;
        /* sum <= limit holds here, so the subtraction cannot wrap. */
        if (st.size > limit - sum) {
            rc = UNZIP_ETOOBIG;
            break;
        }
        sum += st.size;
        /* Opening reads nothing yet, but fails for encrypted entries and
         * compression methods this libzip cannot inflate. */
        if ((zf = lz()->fopen_index(za, i, 0)) == NULL) {
            rc = UNZIP_EBAD;
            break;
        }
        lz()->fclose(zf);
        type = entry_type(za, i, st.name, &perm);
        if (type != ENTRY_DIR && depth == 0) {
            rc = UNZIP_EUNSAFE; /* "." or "./": a file cannot replace the root */
            break;
        }
        if (type != ENTRY_LINK) continue;
        if ((rc = read_link(za, i, target, &n)) != 0) break;
        if ((rc = check_link_target(target, n, depth - 1)) != 0) break;
        if (nlinks == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            char **grown = realloc(links, ncap * sizeof *grown);
            if (!grown) {
                rc = UNZIP_EBAD;
                break;
            }
            links = grown;
            cap = ncap;
        }
        if ((links[nlinks] = canonical(st.name)) == NULL) {
            rc = UNZIP_EBAD;
            break;
        }
        nlinks++;
    }
    if (rc == UNZIP_OK && nlinks > 0) {
        qsort(links, nlinks, sizeof *links, cmp_str);
        rc = check_not_under_links(za, links, nlinks);
    }
    for (size_t k = 0; k < nlinks; k++) free(links[k]);
    free(links);
    if (rc == UNZIP_OK) *total = sum;
    return rc;
}

/* --- In-memory check --- */

/* unzip_check() with LIMIT standing for UNZIP_MAX_UNZIPPED. */
static uint32_t zip_le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t zip_le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Bytes in the end-of-central-directory record before its comment. */
#define EOCD_SIZE 22
/* Bytes of a central directory entry before its variable fields. */
#define CDIR_ENTRY_SIZE 46

/* Checks that every central directory entry points at a local file
 * header ("PK\3\4"). libzip reads entries through the central directory
 * and does not look at the local header's signature, so an archive whose
 * local headers are destroyed would otherwise pass; AWS refuses it.
 * Archives this cannot walk (ZIP64 offsets, odd layouts) are left to
 * libzip. Returns UNZIP_OK or UNZIP_EBAD. */
static int check_local_headers(const unsigned char *d, size_t n) {
    if (n < EOCD_SIZE) return UNZIP_OK;
    size_t eocd = n - EOCD_SIZE;
    /* The comment is at most 65535 bytes: search back that far. */
    size_t stop = n > EOCD_SIZE + 65535 ? n - EOCD_SIZE - 65535 : 0;
    while (zip_le32(d + eocd) != 0x06054b50u) {
        if (eocd == stop) return UNZIP_OK;
        eocd--;
    }
    uint16_t entries = zip_le16(d + eocd + 10);
    uint32_t cd_off = zip_le32(d + eocd + 16);
    if (cd_off == 0xFFFFFFFFu || entries == 0xFFFF) return UNZIP_OK; /* ZIP64 */
    size_t p = cd_off;
    for (uint16_t i = 0; i < entries; i++) {
        if (p + CDIR_ENTRY_SIZE > n || zip_le32(d + p) != 0x02014b50u) return UNZIP_OK;
        uint32_t local = zip_le32(d + p + 42);
        if (local == 0xFFFFFFFFu) return UNZIP_OK;
        if ((size_t)local + 4 > n || zip_le32(d + local) != 0x04034b50u) return UNZIP_EBAD;
        p += CDIR_ENTRY_SIZE + zip_le16(d + p + 28) + zip_le16(d + p + 30) + zip_le16(d + p + 32);
    }
    return UNZIP_OK;
}

static int check_with_limit(const void *data, size_t n, uint64_t limit, uint64_t *unzipped,
                            const char **msg) {
    zip_error_t ze;
    zip_source_t *src;
    zip_t *za;
    uint64_t total = 0;
    int rc;

    /* libzip opens a zero-length source as a new, empty archive; an upload
     * of nothing is not a zip. */
    if (n == 0) return fail(UNZIP_EBAD, msg);
    if (check_local_headers(data, n) != UNZIP_OK) return fail(UNZIP_EBAD, msg);
    if ((rc = need_libzip(msg)) != UNZIP_OK) return rc;
    lz()->error_init(&ze);
    src = lz()->source_buffer_create(data, n, 0, &ze);
    /* No ZIP_CHECKCONS: it rejects valid archives from Info-ZIP's
     * "zip -fd" and "zip -fz" (tried with libzip 1.7.3). Corrupt data is
     * still caught by CRC checks when unzip_extract() inflates it. */
    za = src ? lz()->open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    lz()->error_fini(&ze);
    if (!za) {
        if (src) lz()->source_free(src);   /* the archive owns it once open */
        return fail(UNZIP_EBAD, msg);
    }
    rc = scan_archive(za, limit, &total);
    lz()->discard(za);
    if (rc != UNZIP_OK) return fail(rc, msg);
    if (unzipped) *unzipped = total;
    return UNZIP_OK;
}

int unzip_check(const void *data, size_t n, uint64_t *unzipped, const char **msg) {
    return check_with_limit(data, n, UNZIP_MAX_UNZIPPED, unzipped, msg);
}

/* --- Extraction --- */

struct extract {
    zip_t *za;
    int root;         /* fd of the temporary directory */
    uint64_t limit;   /* UNZIP_MAX_UNZIPPED, or smaller in tests */
    uint64_t written; /* bytes actually inflated so far, all entries */
    char *buf;        /* COPY_CHUNK bytes */
};

/* Maps the errno E of a failed filesystem call on an archive name. A
 * symlink or a non-directory in the way means the archive tried to write
 * through something it did not create as a directory; an overlong name or
 * a clash between a directory and a file is the archive's fault; the rest
 * is local trouble. */
static int errno_rc(int e) {
    switch (e) {
    case ELOOP:
    case ENOTDIR: return UNZIP_EUNSAFE;
    case ENAMETOOLONG:
    case EISDIR:
    case EEXIST:
    case ENOTEMPTY: return UNZIP_EBAD;
    default: return UNZIP_EIO;
    }
}

/* Opens the directory made of the first NCOMP components of canonical name
 * Z under ROOT, creating missing ones (mode 0755 whatever the umask) and
 * never following a symlink. Z is modified during the call but restored.
 * Returns an O_CLOEXEC fd or a negative UNZIP_* code. */
static int open_dir_path(int root, char *z, size_t ncomp) {
    int cur = fcntl(root, F_DUPFD_CLOEXEC, 0);
    char *p = z;
    if (cur < 0) return UNZIP_EIO;
    for (size_t k = 0; k < ncomp; k++) {
        char *end = strchr(p, '/');
        bool created;
        int fd = -1, e;
        if (end) *end = '\0';
        created = mkdirat(cur, p, MODE_DIR_DEFAULT) == 0;
        if (created || errno == EEXIST)
            fd = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        e = errno;
        if (end) *end = '/';
        close(cur);
        if (fd < 0) return errno_rc(e);
        if (created && fchmod(fd, MODE_DIR_DEFAULT) != 0) {
            close(fd);
            return UNZIP_EIO;
        }
        cur = fd;
        if (end) p = end + 1;
    }
    return cur;
}

/* write(2) all of BUF (N bytes) to FD. Returns 0 or -1 (errno set). */
static int write_all(int fd, const char *buf, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Creates LEAF in directory DIR with CREATE (which returns 0 or -1 with
 * errno set, never following an existing name). A name already there from
 * an earlier entry of the same archive is replaced, as unzip -o does;
 * unlinkat() removes a link itself, never its target. Returns the result of
 * the last CREATE call. */
static int create_replacing(int dir, const char *leaf, int (*create)(int, const char *, void *),
                            void *arg) {
    int r = create(dir, leaf, arg);
    if (r < 0 && errno == EEXIST && unlinkat(dir, leaf, 0) == 0) r = create(dir, leaf, arg);
    return r;
}

static int create_file(int dir, const char *leaf, void *arg) {
    /* Unused. */ (void)arg;
    return openat(dir, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

static int create_link(int dir, const char *leaf, void *arg) {
    return symlinkat((const char *)arg, dir, leaf);
}

/* Writes the content of file entry I into a new file LEAF of DIR with
 * permission bits PERM, counting inflated bytes against the limit before
 * writing them. Returns 0 or a negative UNZIP_* code. */
static int write_file(struct extract *x, zip_uint64_t i, int dir, const char *leaf, mode_t perm) {
    zip_file_t *zf;
    int rc = 0;
    int fd = create_replacing(dir, leaf, create_file, NULL);
    if (fd < 0) return errno_rc(errno);
    if ((zf = lz()->fopen_index(x->za, i, 0)) == NULL) rc = UNZIP_EBAD;
    while (rc == 0) {
        zip_int64_t r = lz()->fread(zf, x->buf, COPY_CHUNK);
        if (r < 0) rc = UNZIP_EBAD; /* corrupt data, CRC or size mismatch */
        else if (r == 0) break;
        else if ((uint64_t)r > x->limit - x->written) rc = UNZIP_ETOOBIG;
        else if (write_all(fd, x->buf, (size_t)r) != 0) rc = UNZIP_EIO;
        else x->written += (uint64_t)r;
    }
    if (zf && lz()->fclose(zf) != 0 && rc == 0) rc = UNZIP_EBAD;
    if (rc == 0 && fchmod(fd, perm) != 0) rc = UNZIP_EIO;
    if (close(fd) != 0 && rc == 0) rc = UNZIP_EIO;
    return rc;
}

/* Creates link entry I as symlink LEAF in DIR, which is DEPTH components
 * below the root, after re-checking its target. Returns 0 or a negative
 * UNZIP_* code. */
static int write_link(struct extract *x, zip_uint64_t i, int dir, const char *leaf, size_t depth) {
    char target[LINK_TARGET_MAX + 2];
    size_t n;
    int rc = read_link(x->za, i, target, &n);
    if (rc == 0) rc = check_link_target(target, n, depth);
    if (rc == 0 && (uint64_t)n > x->limit - x->written) rc = UNZIP_ETOOBIG;
    if (rc != 0) return rc;
    x->written += n;
    if (create_replacing(dir, leaf, create_link, target) != 0) return errno_rc(errno);
    return 0;
}

/* Extracts entry I below x->root, re-checking its name. Returns 0 or a
 * negative UNZIP_* code. */
static int extract_entry(struct extract *x, zip_uint64_t i) {
    const char *z = lz()->get_name(x->za, i, 0);
    size_t depth;
    mode_t perm;
    enum entry_type type;
    char *c, *slash;
    int dir, rc;

    if (!z) return UNZIP_EBAD;
    if ((rc = check_name(z, &depth)) != 0) return rc;
    type = entry_type(x->za, i, z, &perm);
    if (type == ENTRY_DIR && depth == 0) return 0; /* the root itself */
    if (depth == 0) return UNZIP_EUNSAFE;
    if ((c = canonical(z)) == NULL) return UNZIP_EIO;
    if (type == ENTRY_DIR) {
        dir = open_dir_path(x->root, c, depth);
        if (dir >= 0) {
            rc = fchmod(dir, perm) == 0 ? 0 : UNZIP_EIO;
            close(dir);
        } else {
            rc = dir;
        }
    } else {
        slash = strrchr(c, '/');
        dir = open_dir_path(x->root, c, depth - 1);
        if (dir < 0) {
            rc = dir;
        } else {
            const char *leaf = slash ? slash + 1 : c;
            rc = type == ENTRY_LINK ? write_link(x, i, dir, leaf, depth - 1)
                                    : write_file(x, i, dir, leaf, perm);
            close(dir);
        }
    }
    free(c);
    return rc;
}

/* Creates the missing parents of PATH (not PATH itself), mode 0755 before
 * umask, like mkdir -p. PATH is modified during the call but restored.
 * Returns 0 or UNZIP_EIO. */
static int mkdir_parents(char *path) {
    for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        struct stat sb;
        int ok;
        *p = '\0';
        ok = mkdir(path, MODE_DIR_DEFAULT) == 0 || errno == EEXIST ||
             (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode));
        *p = '/';
        if (!ok) return UNZIP_EIO;
    }
    return 0;
}

/* Makes the temporary sibling "DEST.tmp.<pid>.<n>" (mode 0700 until it is
 * filled) and stores its malloc'd path in *TMP. Returns 0 or UNZIP_EIO. */
static int make_tmp(const char *dest, char **tmp) {
    /* Distinguishes concurrent extractions within this process; the pid
     * distinguishes processes. */
    static atomic_uint seq;
    size_t len = strlen(dest) + 64;
    char *path = malloc(len);
    if (!path) return UNZIP_EIO;
    for (int attempt = 0; attempt < TMP_ATTEMPTS; attempt++) {
        snprintf(path, len, "%s.tmp.%ld.%u", dest, (long)getpid(), atomic_fetch_add(&seq, 1));
        if (mkdir(path, 0700) == 0) {
            *tmp = path;
            return 0;
        }
        if (errno != EEXIST) break;
    }
    free(path);
    return UNZIP_EIO;
}

static int remove_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    /* Unused. */ (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0; /* keep going: remove as much as possible */
}

/* Deletes the tree at PATH without following symlinks. Best effort. */
static void remove_tree(const char *path) {
    nftw(path, remove_cb, RMTREE_FDS, FTW_DEPTH | FTW_PHYS);
}

/* unzip_extract() with LIMIT standing for UNZIP_MAX_UNZIPPED. */
static int extract_with_limit(const char *zip_path, const char *dest_dir, uint64_t limit,
                              const char **msg) {
    struct extract x = {.root = -1, .limit = limit};
    struct stat sb;
    char *dest = NULL, *tmp = NULL;
    uint64_t total;
    zip_uint64_t count;
    size_t len;
    int fd = -1, ze = 0, rc = UNZIP_OK;

    if (!zip_path || !dest_dir || dest_dir[0] == '\0') return fail(UNZIP_EIO, msg);
    if ((dest = strdup(dest_dir)) == NULL) return fail(UNZIP_EIO, msg);
    /* "dir/" must name the sibling "dir.tmp…", not "dir/.tmp…". */
    for (len = strlen(dest); len > 1 && dest[len - 1] == '/'; len--) dest[len - 1] = '\0';

    if (stat(dest, &sb) == 0) {
        rc = S_ISDIR(sb.st_mode) ? UNZIP_OK : UNZIP_EIO;
        goto out;
    }
    if (errno != ENOENT) {
        rc = UNZIP_EIO;
        goto out;
    }

    /* Opened here rather than by zip_open() to get O_CLOEXEC: environments
     * are forked from this process and must not inherit the fd. */
    if ((fd = open(zip_path, O_RDONLY | O_CLOEXEC)) < 0) {
        rc = UNZIP_EIO;
        goto out;
    }
    if (fstat(fd, &sb) != 0)
        rc = UNZIP_EIO;
    else if (sb.st_size == 0)
        rc = UNZIP_EBAD; /* as in check_with_limit(): not an empty zip */
    if (rc == UNZIP_OK) rc = need_libzip(msg);
    if (rc != UNZIP_OK) goto out;
    if ((x.za = lz()->fdopen(fd, 0, &ze)) == NULL) {
        /* zip_fdopen() leaves FD open on failure: closed at out. */
        rc = ze == ZIP_ER_READ || ze == ZIP_ER_SEEK || ze == ZIP_ER_OPEN || ze == ZIP_ER_MEMORY
                 ? UNZIP_EIO
                 : UNZIP_EBAD;
        goto out;
    }
    fd = -1; /* the archive owns it now */

    /* Refuse a bad archive before creating anything. */
    if ((rc = scan_archive(x.za, limit, &total)) != UNZIP_OK) goto out;
    if ((rc = mkdir_parents(dest)) != 0) goto out;
    if ((rc = make_tmp(dest, &tmp)) != 0) goto out;
    if ((x.buf = malloc(COPY_CHUNK)) == NULL ||
        (x.root = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        rc = UNZIP_EIO;
        goto out;
    }
    count = (zip_uint64_t)lz()->get_num_entries(x.za, 0); /* >= 0: scan_archive() passed */
    for (zip_uint64_t i = 0; rc == UNZIP_OK && i < count; i++) rc = extract_entry(&x, i);
    if (rc == UNZIP_OK && fchmod(x.root, MODE_DIR_DEFAULT) != 0) rc = UNZIP_EIO;
    close(x.root);
    x.root = -1;

    /* The unpacked tree is a cache that can always be rebuilt from the
     * blob, so it is not fsynced: the rename only guards against a crashed
     * process, not against power loss. */
    if (rc == UNZIP_OK && rename(tmp, dest) == 0) {
        free(tmp);
        tmp = NULL;
    } else if (rc == UNZIP_OK && errno != EEXIST && errno != ENOTEMPTY) {
        rc = UNZIP_EIO;
    }
    /* Otherwise a concurrent extraction of the same zip won the rename:
     * its tree is ours, and our copy is deleted below. */

out:
    if (fd >= 0) close(fd);
    if (x.root >= 0) close(x.root);
    if (tmp) {
        remove_tree(tmp);
        free(tmp);
    }
    free(x.buf);
    if (x.za) lz()->discard(x.za);
    free(dest);
    /* need_libzip() already set *MSG for UNZIP_ENOLIB. */
    return rc == UNZIP_OK || rc == UNZIP_ENOLIB ? rc : fail(rc, msg);
}

int unzip_extract(const char *zip_path, const char *dest_dir, const char **msg) {
    return extract_with_limit(zip_path, dest_dir, UNZIP_MAX_UNZIPPED, msg);
}
