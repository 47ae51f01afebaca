/*
 * Unit tests for runtime/unzip.c. Every zip is built by the test itself
 * with libzip (plus a few byte patches for lying headers) in a fresh
 * mkdtemp() directory. unzip.c is included so the size limit can be
 * exercised through its static *_with_limit() functions without inflating
 * 250 MB.
 */
#include "../../runtime/unzip.c"

#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>

/* --- Fixture and helpers --- */

static char g_dir[PATH_MAX];

static void setup(void) {
    const char *base = getenv("TMPDIR");
    int w = snprintf(g_dir, sizeof g_dir, "%s/test_unzip.XXXXXX", base && *base ? base : "/tmp");
    ck_assert(w > 0 && (size_t)w < sizeof g_dir);
    ck_assert_ptr_nonnull(mkdtemp(g_dir));
}

static void teardown(void) {
    remove_tree(g_dir);
}

/* Writes "<g_dir>/<rel>" into OUT (PATH_MAX bytes). */
static void path_of(char *out, const char *rel) {
    int w = snprintf(out, PATH_MAX, "%s/%s", g_dir, rel);
    ck_assert(w > 0 && w < PATH_MAX);
}

enum { K_FILE, K_DIR, K_LINK, K_DOS };

struct zent {
    const char *name;
    const char *data; /* file content or link target; NULL: empty */
    int kind;         /* K_DOS: a file without unix attributes */
    mode_t mode;      /* permission bits (unix kinds) */
};

/* Writes a zip with the N entries E to "<g_dir>/<rel>" (deflated unless
 * STORED) and stores its path in OUT (PATH_MAX bytes). */
static void write_zip_opt(char *out, const char *rel, const struct zent *e, size_t n, bool stored) {
    int err = 0;
    path_of(out, rel);
    zip_t *za = zip_open(out, ZIP_CREATE | ZIP_TRUNCATE, &err);
    ck_assert_msg(za != NULL, "zip_open %d", err);
    for (size_t k = 0; k < n; k++) {
        zip_int64_t idx;
        zip_uint32_t type = e[k].kind == K_DIR ? S_IFDIR : e[k].kind == K_LINK ? S_IFLNK : S_IFREG;
        if (e[k].kind == K_DIR) {
            idx = zip_dir_add(za, e[k].name, ZIP_FL_ENC_UTF_8);
        } else {
            const char *d = e[k].data ? e[k].data : "";
            zip_source_t *src = zip_source_buffer(za, d, strlen(d), 0);
            ck_assert_ptr_nonnull(src);
            idx = zip_file_add(za, e[k].name, src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
            if (idx < 0) zip_source_free(src);
        }
        ck_assert_msg(idx >= 0, "add %s: %s", e[k].name, zip_strerror(za));
        if (e[k].kind != K_DIR)
            ck_assert_int_eq(zip_set_file_compression(za, (zip_uint64_t)idx,
                                                      stored ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0),
                             0);
        if (e[k].kind == K_DOS)
            ck_assert_int_eq(zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_DOS, 0), 0);
        else
            ck_assert_int_eq(zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
                                                              (type | e[k].mode) << 16),
                             0);
    }
    ck_assert_msg(zip_close(za) == 0, "zip_close: %s", zip_strerror(za));
}

static void write_zip(char *out, const char *rel, const struct zent *e, size_t n) {
    write_zip_opt(out, rel, e, n, false);
}

/* Reads the whole file PATH into a malloc'd buffer; size in *N. */
static unsigned char *slurp(const char *path, size_t *n) {
    struct stat sb;
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &sb), 0);
    unsigned char *buf = malloc((size_t)sb.st_size + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(read(fd, buf, (size_t)sb.st_size), sb.st_size);
    close(fd);
    *n = (size_t)sb.st_size;
    return buf;
}

static void spit(const char *path, const void *data, size_t n) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
    close(fd);
}

/* unzip_check() on the file at PATH. */
static int check_file(const char *path, uint64_t *total, const char **msg) {
    size_t n;
    unsigned char *buf = slurp(path, &n);
    int rc = unzip_check(buf, n, total, msg);
    free(buf);
    return rc;
}

static uint32_t le16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const unsigned char *p) { return le16(p) | le16(p + 2) << 16; }
static void put32(unsigned char *p, uint32_t v) {
    for (int k = 0; k < 4; k++) p[k] = (unsigned char)(v >> (8 * k));
}

/* Finds entry NAME of zip image BUF (N bytes, no archive comment): stores
 * the offsets of its central and local headers. */
static void find_entry(const unsigned char *buf, size_t n, const char *name, size_t *cd, size_t *lh) {
    ck_assert_uint_ge(n, 22);
    const unsigned char *eocd = buf + n - 22;
    ck_assert_uint_eq(le32(eocd), 0x06054b50);
    size_t off = le32(eocd + 16);
    for (uint32_t k = 0; k < le16(eocd + 10); k++) {
        const unsigned char *c = buf + off;
        size_t nl = le16(c + 28);
        ck_assert_uint_eq(le32(c), 0x02014b50);
        if (nl == strlen(name) && memcmp(c + 46, name, nl) == 0) {
            *cd = off;
            *lh = le32(c + 42);
            return;
        }
        off += 46 + nl + le16(c + 30) + le16(c + 32);
    }
    ck_abort_msg("entry %s not found", name);
}

/* Makes entry NAME of the zip at PATH claim SIZE uncompressed bytes, in
 * both its central and local headers, as a lying archive would. */
static void patch_size(const char *path, const char *name, uint32_t size) {
    size_t n, cd, lh;
    unsigned char *buf = slurp(path, &n);
    find_entry(buf, n, name, &cd, &lh);
    ck_assert_uint_ne(le32(buf + cd + 24), 0xffffffffu); /* no Zip64 here */
    put32(buf + cd + 24, size);
    put32(buf + lh + 22, size);
    spit(path, buf, n);
    free(buf);
}

static bool exists(const char *rel) {
    char p[PATH_MAX];
    struct stat sb;
    path_of(p, rel);
    return lstat(p, &sb) == 0;
}

/* Whether a temporary sibling "<rel>.tmp.*" of destination REL (relative
 * to g_dir) is left behind. */
static bool tmp_left(const char *rel) {
    char dir[PATH_MAX], pat[PATH_MAX];
    const char *slash = strrchr(rel, '/');
    bool found = false;
    struct dirent *de;
    path_of(dir, rel);
    *strrchr(dir, '/') = '\0';
    ck_assert(snprintf(pat, sizeof pat, "%s.tmp.", slash ? slash + 1 : rel) > 0);
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, pat, strlen(pat)) == 0) found = true;
    closedir(d);
    return found;
}

static char *read_text(const char *rel) {
    char p[PATH_MAX];
    size_t n;
    path_of(p, rel);
    char *s = (char *)slurp(p, &n);
    s[n] = '\0';
    return s;
}

static mode_t mode_of(const char *rel) {
    char p[PATH_MAX];
    struct stat sb;
    path_of(p, rel);
    ck_assert_int_eq(lstat(p, &sb), 0);
    return sb.st_mode;
}

/* Asserts that the zip with entries E is refused as unsafe by both calls,
 * and that extraction left nothing behind. */
static void assert_unsafe(const struct zent *e, size_t n) {
    char zp[PATH_MAX], dest[PATH_MAX];
    const char *msg = NULL;
    uint64_t total = 12345;
    write_zip(zp, "unsafe.zip", e, n);
    ck_assert_int_eq(check_file(zp, &total, &msg), UNZIP_EUNSAFE);
    ck_assert_str_eq(msg, msg_bad);
    ck_assert_uint_eq(total, 12345); /* untouched on failure */
    path_of(dest, "out");
    msg = NULL;
    ck_assert_int_eq(unzip_extract(zp, dest, &msg), UNZIP_EUNSAFE);
    ck_assert_str_eq(msg, msg_bad);
    ck_assert(!exists("out"));
    ck_assert(!tmp_left("out"));
    ck_assert(!exists("evil"));
}

/* --- Tests --- */

START_TEST(valid_tree) {
    const struct zent e[] = {
        {"bootstrap", "#!/bin/sh\necho hi\n", K_FILE, 0755},
        {"lib/", NULL, K_DIR, 0755},
        {"lib/handler.py", "def handler(e, c):\n    return 1\n", K_FILE, 0644},
        {"a/b/c/deep.txt", "deep", K_FILE, 0644}, /* parents not listed */
        {"secret.txt", "s", K_FILE, 0600},
        {"suid", "x", K_FILE, 04755},
        {"private/", NULL, K_DIR, 0500}, /* owner rwx is forced */
        {"windows.txt", "w", K_DOS, 0},
    };
    char zp[PATH_MAX], dest[PATH_MAX];
    const char *msg = NULL;
    uint64_t total = 0;
    write_zip(zp, "code.zip", e, sizeof e / sizeof e[0]);

    ck_assert_int_eq(check_file(zp, &total, &msg), UNZIP_OK);
    ck_assert_uint_eq(total, strlen(e[0].data) + strlen(e[2].data) + 4 + 1 + 1 + 1);
    ck_assert_int_eq(check_file(zp, NULL, NULL), UNZIP_OK);

    path_of(dest, "out/nested/code"); /* parents created as by mkdir -p */
    ck_assert_int_eq(unzip_extract(zp, dest, &msg), UNZIP_OK);
    ck_assert(S_ISREG(mode_of("out/nested/code/bootstrap")));
    ck_assert_uint_eq(mode_of("out/nested/code/bootstrap") & 07777, 0755);
    ck_assert_uint_eq(mode_of("out/nested/code/lib/handler.py") & 07777, 0644);
    ck_assert_uint_eq(mode_of("out/nested/code/secret.txt") & 07777, 0600);
    ck_assert_uint_eq(mode_of("out/nested/code/suid") & 07777, 0755);
    ck_assert_uint_eq(mode_of("out/nested/code/windows.txt") & 07777, 0644);
    ck_assert_uint_eq(mode_of("out/nested/code") & 07777, 0755);
    ck_assert(S_ISDIR(mode_of("out/nested/code/lib")));
    ck_assert_uint_eq(mode_of("out/nested/code/lib") & 07777, 0755);
    ck_assert_uint_eq(mode_of("out/nested/code/a/b") & 07777, 0755);
    ck_assert_uint_eq(mode_of("out/nested/code/private") & 07777, 0700);
    char *s = read_text("out/nested/code/a/b/c/deep.txt");
    ck_assert_str_eq(s, "deep");
    free(s);
    s = read_text("out/nested/code/bootstrap");
    ck_assert_str_eq(s, e[0].data);
    free(s);
    ck_assert(!tmp_left("out/nested/code"));
}
END_TEST

START_TEST(empty_zip) {
    /* What Python's zipfile writes for an archive with no members: only
     * the end-of-central-directory record. libzip refuses to write one. */
    static const unsigned char empty[22] = {0x50, 0x4b, 0x05, 0x06};
    char zp[PATH_MAX], dest[PATH_MAX];
    const char *msg = NULL;
    uint64_t total = 99;
    ck_assert_int_eq(unzip_check(empty, sizeof empty, &total, &msg), UNZIP_OK);
    ck_assert_uint_eq(total, 0);

    path_of(zp, "empty.zip");
    spit(zp, empty, sizeof empty);
    path_of(dest, "out");
    ck_assert_int_eq(unzip_extract(zp, dest, &msg), UNZIP_OK);
    ck_assert(S_ISDIR(mode_of("out")));

    /* Zero bytes are not an empty zip (libzip would open them as one). */
    ck_assert_int_eq(unzip_check("", 0, NULL, &msg), UNZIP_EBAD);
    ck_assert_str_eq(msg, msg_bad);
    path_of(zp, "zero.zip");
    spit(zp, "", 0);
    path_of(dest, "out0");
    ck_assert_int_eq(unzip_extract(zp, dest, NULL), UNZIP_EBAD);
    ck_assert(!exists("out0"));
}
END_TEST

START_TEST(garbage) {
    unsigned char junk[4096];
    char zp[PATH_MAX], dest[PATH_MAX];
    const char *msg = NULL;
    for (size_t k = 0; k < sizeof junk; k++) junk[k] = (unsigned char)(k * 2654435761u >> 13);
    ck_assert_int_eq(unzip_check(junk, sizeof junk, NULL, &msg), UNZIP_EBAD);
    ck_assert_str_eq(msg, msg_bad);

    path_of(zp, "junk.zip");
    spit(zp, junk, sizeof junk);
    path_of(dest, "out");
    msg = NULL;
    ck_assert_int_eq(unzip_extract(zp, dest, &msg), UNZIP_EBAD);
    ck_assert_str_eq(msg, msg_bad);
    ck_assert(!exists("out"));
    ck_assert(!tmp_left("out"));
}
END_TEST

START_TEST(truncated) {
    const struct zent e[] = {
        {"a.txt", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", K_FILE, 0644},
        {"b.txt", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", K_FILE, 0644},
    };
    char zp[PATH_MAX], cut[PATH_MAX], dest[PATH_MAX];
    const char *msg = NULL;
    size_t n;
    write_zip(zp, "full.zip", e, 2);
    unsigned char *buf = slurp(zp, &n);
    const size_t cuts[] = {n / 2, n - 10, n - 1, 4};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        msg = NULL;
        ck_assert_int_eq(unzip_check(buf, cuts[k], NULL, &msg), UNZIP_EBAD);
        ck_assert_str_eq(msg, msg_bad);
    }
    path_of(cut, "cut.zip");
    spit(cut, buf, n / 2);
    path_of(dest, "out");
    ck_assert_int_eq(unzip_extract(cut, dest, NULL), UNZIP_EBAD);
    ck_assert(!exists("out"));
    free(buf);
}
END_TEST

START_TEST(corrupt_data) {
    /* Headers intact, stored data flipped: only the CRC check while
     * inflating can tell, so the in-memory check passes and extraction
     * fails without leaving anything. */
    const struct zent e[] = {
        {"ok.txt", "fine", K_FILE, 0644},
        {"bad.txt", "0123456789abcdefghijklmnopqrstuvwxyz", K_FILE, 0644},
    };
    char zp[PATH_MAX], dest[PATH_MAX];
    const char *msg = NULL;
    size_t n, cd, lh;
    write_zip_opt(zp, "corrupt.zip", e, 2, true);
    unsigned char *buf = slurp(zp, &n);
    find_entry(buf, n, "bad.txt", &cd, &lh);
    buf[lh + 30 + le16(buf + lh + 26) + le16(buf + lh + 28) + 5] ^= 0x55;
    spit(zp, buf, n);
    free(buf);

    ck_assert_int_eq(check_file(zp, NULL, NULL), UNZIP_OK);
    path_of(dest, "out");
    ck_assert_int_eq(unzip_extract(zp, dest, &msg), UNZIP_EBAD);
    ck_assert_str_eq(msg, msg_bad);
    ck_assert(!exists("out"));
    ck_assert(!tmp_left("out"));
}
END_TEST

START_TEST(dotdot_name) {
    const struct zent e[] = {{"ok.txt", "ok", K_FILE, 0644}, {"../evil", "x", K_FILE, 0644}};
    assert_unsafe(e, 2);
}
END_TEST

START_TEST(dotdot_nested_name) {
    const struct zent e[] = {{"a/ok.txt", "ok", K_FILE, 0644}, {"a/../../evil", "x", K_FILE, 0644}};
    assert_unsafe(e, 2);
}
END_TEST

START_TEST(absolute_name) {
    const struct zent e[] = {{"ok.txt", "ok", K_FILE, 0644}, {"/etc/passwd", "x", K_FILE, 0644}};
    assert_unsafe(e, 2);
}
END_TEST

START_TEST(windows_names) {
    const struct zent drive[] = {{"C:/evil", "x", K_FILE, 0644}};
    const struct zent backslash_abs[] = {{"\\evil", "x", K_FILE, 0644}};
    const struct zent backslash_dotdot[] = {{"a\\..\\..\\evil", "x", K_FILE, 0644}};
    size_t depth = 7;
    assert_unsafe(drive, 1);
    assert_unsafe(backslash_abs, 1);
    assert_unsafe(backslash_dotdot, 1);
    /* libzip will not write an empty name, so check the rule directly. */
    ck_assert_int_eq(check_name("", &depth), UNZIP_EUNSAFE);
    ck_assert_int_eq(check_name("./a//b/", &depth), 0);
    ck_assert_uint_eq(depth, 2);
    ck_assert_int_eq(check_name("a\\b", &depth), 0); /* a plain byte on Linux */
}
END_TEST

START_TEST(symlink_absolute) {
    const struct zent e[] = {{"l", "/etc/passwd", K_LINK, 0777}};
    assert_unsafe(e, 1);
}
END_TEST

START_TEST(symlink_escape) {
    const struct zent up2[] = {{"a/l", "../../x", K_LINK, 0777}};
    const struct zent up1[] = {{"l", "..", K_LINK, 0777}};
    /* "d/.." reads as a no-op but leaves the root when d -> "." */
    const struct zent via_link[] = {{"d", ".", K_LINK, 0777}, {"l", "d/../evil", K_LINK, 0777}};
    assert_unsafe(up2, 1);
    assert_unsafe(up1, 1);
    assert_unsafe(via_link, 2);
}
END_TEST

START_TEST(symlink_inside) {
    const struct zent e[] = {
        {"b", "target", K_FILE, 0644},
        {"a/l", "../b", K_LINK, 0777},
        {"a/self", ".", K_LINK, 0777},
        {"a/up", "..", K_LINK, 0777},
    };
    char zp[PATH_MAX], dest[PATH_MAX], p[PATH_MAX], t[PATH_MAX];
    uint64_t total = 0;
    write_zip(zp, "links.zip", e, sizeof e / sizeof e[0]);
    ck_assert_int_eq(check_file(zp, &total, NULL), UNZIP_OK);
    ck_assert_uint_eq(total, 6 + 4 + 1 + 2);
    path_of(dest, "out");
    ck_assert_int_eq(unzip_extract(zp, dest, NULL), UNZIP_OK);
    ck_assert(S_ISLNK(mode_of("out/a/l")));
    path_of(p, "out/a/l");
    ssize_t n = readlink(p, t, sizeof t - 1);
    ck_assert_int_eq(n, 4);
    t[n] = '\0';
    ck_assert_str_eq(t, "../b");
    char *s = read_text("out/a/l"); /* follows the link */
    ck_assert_str_eq(s, "target");
    free(s);
}
END_TEST

START_TEST(entry_under_symlink) {
    /* The link itself stays inside, but writing through it must not
     * happen: "l/x" would land wherever l points. */
    const struct zent under[] = {
        {"a/", NULL, K_DIR, 0755}, {"l", "a", K_LINK, 0777}, {"l/x", "x", K_FILE, 0644}};
    const struct zent same_name[] = {{"l", "a", K_LINK, 0777}, {"l/", NULL, K_DIR, 0755}};
    assert_unsafe(under, 3);
    assert_unsafe(same_name, 2);
}
END_TEST

START_TEST(duplicate_names) {
    const struct zent e[] = {{"x", "first", K_FILE, 0644}, {"x", "second", K_FILE, 0755}};
    char zp[PATH_MAX], dest[PATH_MAX];
    int err = 0;
    /* zip_file_add() would replace the first entry, so add the second by
     * renaming a placeholder. */
    path_of(zp, "dup.zip");
    zip_t *za = zip_open(zp, ZIP_CREATE | ZIP_TRUNCATE, &err);
    ck_assert_ptr_nonnull(za);
    for (int k = 0; k < 2; k++) {
        zip_source_t *src = zip_source_buffer(za, e[k].data, strlen(e[k].data), 0);
        zip_int64_t idx = zip_file_add(za, k ? "y" : "x", src, 0);
        ck_assert_int_ge(idx, 0);
        zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX, (S_IFREG | e[k].mode) << 16);
    }
    ck_assert_int_eq(zip_close(za), 0);
    size_t n, cd, lh;
    unsigned char *buf = slurp(zp, &n);
    find_entry(buf, n, "y", &cd, &lh);
    buf[cd + 46] = 'x';
    buf[lh + 30] = 'x';
    spit(zp, buf, n);
    free(buf);

    path_of(dest, "out");
    ck_assert_int_eq(unzip_extract(zp, dest, NULL), UNZIP_OK);
    char *s = read_text("out/x"); /* the later entry wins, as with unzip -o */
    ck_assert_str_eq(s, "second");
    free(s);
    ck_assert_uint_eq(mode_of("out/x") & 0777, 0755);
}
END_TEST

START_TEST(declared_too_big) {
    const struct zent one[] = {{"big", "0123456789", K_FILE, 0644}};
    const struct zent two[] = {{"half1", "0123456789", K_FILE, 0644}, {"half2", "0123456789", K_FILE, 0644}};
    char zp[PATH_MAX], dest[PATH_MAX];
    const char *msg = NULL;
    uint64_t total = 0;

    write_zip(zp, "one.zip", one, 1);
    patch_size(zp, "big", (uint32_t)UNZIP_MAX_UNZIPPED + 1);
    ck_assert_int_eq(check_file(zp, &total, &msg), UNZIP_ETOOBIG);
    ck_assert_str_eq(msg, "Unzipped size must be smaller than 262144000 bytes");
    path_of(dest, "out");
    msg = NULL;
    ck_assert_int_eq(unzip_extract(zp, dest, &msg), UNZIP_ETOOBIG);
    ck_assert_str_eq(msg, msg_too_big);
    ck_assert(!exists("out"));

    /* Exactly the limit is allowed. */
    patch_size(zp, "big", (uint32_t)UNZIP_MAX_UNZIPPED);
    ck_assert_int_eq(check_file(zp, &total, NULL), UNZIP_OK);
    ck_assert_uint_eq(total, UNZIP_MAX_UNZIPPED);

    /* The limit applies to the sum of all entries. */
    write_zip(zp, "two.zip", two, 2);
    patch_size(zp, "half1", (uint32_t)(UNZIP_MAX_UNZIPPED / 2));
    patch_size(zp, "half2", (uint32_t)(UNZIP_MAX_UNZIPPED / 2) + 1);
    ck_assert_int_eq(check_file(zp, NULL, &msg), UNZIP_ETOOBIG);
}
END_TEST

START_TEST(lying_sizes_bomb) {
    /* 2 MiB of zeros that claim to be 100 bytes: the declared sizes pass,
     * so only counting inflated bytes while writing can stop it. */
    static char zeros[2 << 20];
    memset(zeros, '0', sizeof zeros - 1);
    const struct zent e[] = {{"small.txt", "tiny", K_FILE, 0644}, {"bomb", zeros, K_FILE, 0644}};
    char zp[PATH_MAX], dest[PATH_MAX];
    const char *msg = NULL;
    uint64_t total = 0;
    write_zip(zp, "bomb.zip", e, 2);
    patch_size(zp, "bomb", 100);
    ck_assert_int_eq(check_file(zp, &total, NULL), UNZIP_OK);
    ck_assert_uint_eq(total, 104);

    path_of(dest, "out");
    ck_assert_int_eq(extract_with_limit(zp, dest, 1 << 20, &msg), UNZIP_ETOOBIG);
    ck_assert_str_eq(msg, msg_too_big);
    ck_assert(!exists("out"));
    ck_assert(!tmp_left("out"));
}
END_TEST

START_TEST(limit_boundary) {
    const struct zent e[] = {{"a", "0123456789", K_FILE, 0644}, {"b/c", "01234", K_FILE, 0644}};
    char zp[PATH_MAX], dest[PATH_MAX];
    size_t n;
    write_zip(zp, "small.zip", e, 2);
    unsigned char *buf = slurp(zp, &n);
    ck_assert_int_eq(check_with_limit(buf, n, 15, NULL, NULL), UNZIP_OK);
    ck_assert_int_eq(check_with_limit(buf, n, 14, NULL, NULL), UNZIP_ETOOBIG);
    free(buf);
    path_of(dest, "out14");
    ck_assert_int_eq(extract_with_limit(zp, dest, 14, NULL), UNZIP_ETOOBIG);
    ck_assert(!exists("out14"));
    path_of(dest, "out15");
    ck_assert_int_eq(extract_with_limit(zp, dest, 15, NULL), UNZIP_OK);
    ck_assert(exists("out15/b/c"));
}
END_TEST

START_TEST(extract_twice) {
    const struct zent e[] = {{"bootstrap", "v1", K_FILE, 0755}};
    char zp[PATH_MAX], dest[PATH_MAX], marker[PATH_MAX];
    write_zip(zp, "code.zip", e, 1);
    path_of(dest, "out");
    ck_assert_int_eq(unzip_extract(zp, dest, NULL), UNZIP_OK);
    path_of(marker, "out/marker");
    spit(marker, "m", 1);
    /* The second call must not even read the zip. */
    spit(zp, "not a zip", 9);
    ck_assert_int_eq(unzip_extract(zp, dest, NULL), UNZIP_OK);
    path_of(dest, "out/"); /* same directory, spelled with a slash */
    ck_assert_int_eq(unzip_extract(zp, dest, NULL), UNZIP_OK);
    ck_assert(exists("out/marker"));
    char *s = read_text("out/bootstrap");
    ck_assert_str_eq(s, "v1");
    free(s);
    ck_assert(!tmp_left("out"));
}
END_TEST

START_TEST(missing_zip) {
    char zp[PATH_MAX], dest[PATH_MAX];
    const char *msg = NULL;
    path_of(zp, "nope.zip");
    path_of(dest, "out");
    ck_assert_int_eq(unzip_extract(zp, dest, &msg), UNZIP_EIO);
    ck_assert_str_eq(msg, msg_bad);
    ck_assert(!exists("out"));
}
END_TEST

START_TEST(never_follows_links) {
    /* Defence in depth below scan_archive(): the writers themselves never
     * go through a symlink already in the tree. */
    char rootp[PATH_MAX], outside[PATH_MAX], victim[PATH_MAX], p[PATH_MAX];
    char name[] = "l/x";
    path_of(rootp, "root");
    path_of(outside, "outside");
    path_of(victim, "victim");
    ck_assert_int_eq(mkdir(rootp, 0755), 0);
    ck_assert_int_eq(mkdir(outside, 0755), 0);
    spit(victim, "keep", 4);
    path_of(p, "root/l");
    ck_assert_int_eq(symlink(outside, p), 0);
    path_of(p, "root/f");
    ck_assert_int_eq(symlink(victim, p), 0);
    int root = open(rootp, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(root, 0);

    ck_assert_int_eq(open_dir_path(root, name, 2), UNZIP_EUNSAFE);
    ck_assert_str_eq(name, "l/x"); /* restored */
    ck_assert(!exists("outside/x"));

    /* A file named like an existing link replaces the link itself. */
    int fd = create_replacing(root, "f", create_file, NULL);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "new", 3), 3);
    close(fd);
    char *s = read_text("victim");
    ck_assert_str_eq(s, "keep");
    free(s);
    ck_assert(S_ISREG(mode_of("root/f")));
    close(root);
}
END_TEST

struct race {
    const char *zip, *dest;
    int rc;
};

static void *race_run(void *arg) {
    struct race *r = arg;
    r->rc = unzip_extract(r->zip, r->dest, NULL);
    return NULL;
}

START_TEST(concurrent_extract) {
    enum { NTHREADS = 8 };
    struct zent e[40];
    char names[40][16];
    char zp[PATH_MAX], dest[PATH_MAX];
    pthread_t th[NTHREADS];
    struct race r[NTHREADS];
    for (int k = 0; k < 40; k++) {
        snprintf(names[k], sizeof names[k], "d%d/f%d", k % 5, k);
        e[k] = (struct zent){names[k], "content", K_FILE, 0644};
    }
    write_zip(zp, "many.zip", e, 40);
    path_of(dest, "out");
    for (int k = 0; k < NTHREADS; k++) {
        r[k] = (struct race){zp, dest, 1};
        ck_assert_int_eq(pthread_create(&th[k], NULL, race_run, &r[k]), 0);
    }
    for (int k = 0; k < NTHREADS; k++) {
        pthread_join(th[k], NULL);
        ck_assert_int_eq(r[k].rc, UNZIP_OK);
    }
    ck_assert(exists("out/d4/f39"));
    ck_assert(!tmp_left("out"));
}
END_TEST

/* --- Loading libzip (runtime/libzip_load.c) --- */

START_TEST(load_ok) {
    struct libzip_api api;
    char err[256] = "";
    ck_assert_int_eq(libzip_load(LIBZIP_SONAME, &api, err, sizeof err), 0);
    /* The same library the test links, so the very same functions. */
    ck_assert(api.fread == zip_fread);
    ck_assert(api.open_from_source == zip_open_from_source);
    ck_assert(api.stat_init == zip_stat_init);
    ck_assert_ptr_nonnull(libzip_get(NULL));
}
END_TEST

START_TEST(load_missing_library) {
    struct libzip_api api;
    char err[256] = "";
    ck_assert_int_eq(libzip_load("libsluice-no-such-lib.so.0", &api, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "cannot load libsluice-no-such-lib.so.0"));
}
END_TEST

START_TEST(load_missing_symbol) {
    struct libzip_api api;
    char err[256] = "";
    /* zlib loads but has no zip_* functions. */
    ck_assert_int_eq(libzip_load("libz.so.1", &api, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "no zip_discard"));
}
END_TEST

/* --- Suite --- */

static Suite *unzip_suite(void) {
    Suite *s = suite_create("unzip");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"valid_tree", valid_tree},
        {"empty_zip", empty_zip},
        {"garbage", garbage},
        {"truncated", truncated},
        {"corrupt_data", corrupt_data},
        {"dotdot_name", dotdot_name},
        {"dotdot_nested_name", dotdot_nested_name},
        {"absolute_name", absolute_name},
        {"windows_names", windows_names},
        {"symlink_absolute", symlink_absolute},
        {"symlink_escape", symlink_escape},
        {"symlink_inside", symlink_inside},
        {"entry_under_symlink", entry_under_symlink},
        {"duplicate_names", duplicate_names},
        {"declared_too_big", declared_too_big},
        {"lying_sizes_bomb", lying_sizes_bomb},
        {"limit_boundary", limit_boundary},
        {"extract_twice", extract_twice},
        {"missing_zip", missing_zip},
        {"never_follows_links", never_follows_links},
        {"concurrent_extract", concurrent_extract},
        {"load_ok", load_ok},
        {"load_missing_library", load_missing_library},
        {"load_missing_symbol", load_missing_symbol},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TCase *tc = tcase_create(cases[k].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, cases[k].test);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(unzip_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}
