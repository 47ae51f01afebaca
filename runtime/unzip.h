/*
 * Safe validation and extraction of Lambda code zips (libzip). The Lambda
 * API checks an upload with unzip_check() before storing it; the runtime
 * unpacks a stored blob with unzip_extract() before starting an
 * environment. Both refuse zip-slip names, escaping symlinks and archives
 * over AWS's unzipped-size limit, and report the message AWS would send.
 */
#ifndef SLUICE_RUNTIME_UNZIP_H
#define SLUICE_RUNTIME_UNZIP_H

#include <stddef.h>
#include <stdint.h>

/* Result codes */
#define UNZIP_OK 0
#define UNZIP_EBAD -1      /* not a zip / corrupt / unsupported */
#define UNZIP_ETOOBIG -2   /* unzipped total > UNZIP_MAX_UNZIPPED */
#define UNZIP_EUNSAFE -3   /* zip-slip: '..' component, absolute path, symlink escaping the root */
#define UNZIP_EIO -4       /* local filesystem error during extraction */
#define UNZIP_ENOLIB -5    /* libzip could not be loaded (runtime/libzip_load.h) */
#define UNZIP_MAX_UNZIPPED 262144000ULL /* AWS Lambda's 250 MB unzipped limit */

/* Validates a zip held in memory without writing anything: every entry
 * readable by name (listed, not encrypted, compression method supported),
 * sum of declared uncompressed sizes <= UNZIP_MAX_UNZIPPED, no unsafe names
 * (empty, absolute, drive letter, '..' component), no entry stored under a
 * symlink entry, and no symlink entry (unix mode S_IFLNK in the external
 * attributes) whose target (the entry's content) is absolute or escapes the
 * root after joining with the link's directory. Entry data is not inflated,
 * so corrupt data or lying sizes are only caught by unzip_extract().
 * DATA (N bytes) is only borrowed for the call.
 * Returns UNZIP_OK, UNZIP_EBAD, UNZIP_ETOOBIG or UNZIP_EUNSAFE. On success
 * stores the total declared unzipped size in *UNZIPPED (may be NULL). On
 * failure stores in *MSG (may be NULL) a static string with the AWS message:
 *   EBAD    -> "Could not unzip uploaded file. Please check your file, then try to upload again."
 *   ETOOBIG -> "Unzipped size must be smaller than 262144000 bytes"
 *   EUNSAFE -> "Could not unzip uploaded file. Please check your file, then try to upload again."
 * UNZIP_ENOLIB when libzip cannot be loaded (a broken installation, not the
 * caller's fault); *MSG then says which library and why.
 * Thread-safe (the only shared state is libzip_get()'s, loaded once). */
int unzip_check(const void *data, size_t n, uint64_t *unzipped, const char **msg);

/* Extracts the zip file at ZIP_PATH into DEST_DIR. If DEST_DIR already
 * exists, returns UNZIP_OK without touching it (content-addressed: same
 * zip, same tree). Otherwise the archive is first validated as by
 * unzip_check(), then unpacked into the sibling "DEST_DIR.tmp.<pid>.<n>"
 * and renamed to DEST_DIR, so DEST_DIR is never seen half-written; parents
 * of DEST_DIR are created as by mkdir -p (mode 0755).
 * Unix permission bits are kept (setuid/setgid/sticky dropped; files default
 * to 0644 and directories to 0755 when the zip has no unix mode; directories
 * always keep owner rwx so the tree can be filled and removed). Entries
 * ending in '/' become directories, symlink entries become symlinks.
 * Nothing is written outside DEST_DIR: every name is re-checked, files are
 * created through directory fds with O_NOFOLLOW|O_EXCL, and existing
 * symlinks are never followed. The actual inflated byte count is enforced
 * against UNZIP_MAX_UNZIPPED while writing, so a zip bomb whose headers
 * lie stops with UNZIP_ETOOBIG. On any failure the temporary tree is
 * removed and DEST_DIR is not created.
 * Returns UNZIP_OK or a negative UNZIP_* code; UNZIP_EIO means a local
 * filesystem error (including an unreadable ZIP_PATH). Same *MSG (may be
 * NULL) semantics as unzip_check(), with EIO -> "Could not unzip uploaded
 * file. Please check your file, then try to upload again." and ENOLIB as in
 * unzip_check(); logs nothing.
 * Thread-safe; concurrent extractions to the same DEST_DIR are safe (one
 * rename wins, the others discard their copy and return UNZIP_OK). */
int unzip_extract(const char *zip_path, const char *dest_dir, const char **msg);

#endif
