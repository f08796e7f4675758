/*
 * test_outfile.c - sim/core/outfile: an output file appears whole or not at all.
 *
 * What POSIX's rename(2) and open(2) rules give, checked from outside the module: the
 * text is under PATH.tmp.PID while it is written and nothing is at PATH yet; commit
 * puts exactly the text at PATH with the mode asked less the umask; a failure at any
 * step (the folder missing, a directory in the way, the file-size limit reached mid
 * write) leaves what PATH held untouched, no temporary, and one sentence "cannot
 * write PATH: REASON" with the errno the step gave. Inside a deferred sync (util.h)
 * the files are in place at once and their descriptors held until its end.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/core/outfile.h"
#include "sim/core/util.h"
#include "tests/lib/file.h"

static bool exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

static char *tmp_of(const char *path)
{
    static char buf[4096];

    snprintf(buf, sizeof(buf), "%s.tmp.%ld", path, (long)getpid());
    return buf;
}

static void expect_error(const char *err, const char *path, int errnum)
{
    char want[4200];

    snprintf(want, sizeof(want), "cannot write %s: %s", path, strerror(errnum));
    assert_string_equal(err, want);
}

/* While open, the text goes to PATH.tmp.PID and PATH does not exist; commit renames. */
static void test_commit_renames_into_place(void **state)
{
    (void)state;
    const char *path = tmp_path("a.txt");
    struct outfile o;
    char err[512] = "";

    assert_int_equal(outfile_open(&o, path, err, sizeof(err)), 0);
    assert_true(exists(tmp_of(path)));
    assert_false(exists(path));
    fputs("one\ntwo\n", o.f);
    assert_int_equal(outfile_commit(&o, err, sizeof(err)), 0);
    assert_null(o.f);
    assert_false(exists(tmp_of(path)));
    char *text = slurp(path, NULL);
    assert_string_equal(text, "one\ntwo\n");
    free(text);
    /* a closed outfile commits as nothing */
    assert_int_equal(outfile_commit(&o, err, sizeof(err)), 0);
}

/* The modes: 0666 and 0777 less the umask, as open(2) applies it. */
static void test_modes(void **state)
{
    (void)state;
    const char *plain = tmp_path("plain.txt"), *script = tmp_path("run.sh");
    mode_t old = umask(022);
    struct stat st;
    char err[512];

    assert_int_equal(outfile_write_text(plain, "x\n", 0666, err, sizeof(err)), 0);
    assert_int_equal(outfile_write_text(script, "#!/bin/sh\n", 0777, err, sizeof(err)), 0);
    umask(old);
    assert_int_equal(stat(plain, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(stat(script, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
}

/* A missing folder: ENOENT at the open, nothing created. */
static void test_missing_folder(void **state)
{
    (void)state;
    const char *path = tmp_path("no/such/out.json");
    struct outfile o;
    char err[512];

    assert_int_equal(outfile_open(&o, path, err, sizeof(err)), -ENOENT);
    expect_error(err, path, ENOENT);
    assert_null(o.f);
    assert_int_equal(outfile_write_text(path, "x", 0666, err, sizeof(err)), -ENOENT);
    expect_error(err, path, ENOENT);
}

/* A directory at PATH: the rename fails (EISDIR), the directory stays, no temporary. */
static void test_directory_in_the_way(void **state)
{
    (void)state;
    const char *path = tmp_path("dir.csv");
    char err[512];
    struct stat st;

    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(outfile_write_text(path, "a,b\n", 0666, err, sizeof(err)), -EISDIR);
    expect_error(err, path, EISDIR);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_false(exists(tmp_of(path)));
}

/* Abort: the old file keeps its bytes and the temporary goes. */
static void test_abort_keeps_the_old_file(void **state)
{
    (void)state;
    const char *path = tmp_path("keep.txt");
    struct outfile o;
    char err[512];

    assert_int_equal(outfile_write_text(path, "old\n", 0666, err, sizeof(err)), 0);
    assert_int_equal(outfile_open(&o, path, err, sizeof(err)), 0);
    fputs("new, half written", o.f);
    outfile_abort(&o);
    assert_null(o.f);
    assert_false(exists(tmp_of(path)));
    char *text = slurp(path, NULL);
    assert_string_equal(text, "old\n");
    free(text);
}

/*
 * A write that fails part way: the file-size limit (setrlimit(2) RLIMIT_FSIZE, with
 * SIGXFSZ ignored so the write returns EFBIG) stops the flush of 64 KiB at 4 KiB.
 * The commit reports EFBIG, the old file keeps its bytes, the temporary goes.
 */
static void test_failed_flush_keeps_the_old_file(void **state)
{
    (void)state;
    const char *path = tmp_path("big.txt");
    struct rlimit old, lim = { .rlim_cur = 4096 };
    static char block[65536];
    struct outfile o;
    char err[512];

    assert_int_equal(outfile_write_text(path, "old\n", 0666, err, sizeof(err)), 0);
    memset(block, 'x', sizeof(block));
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim.rlim_max = old.rlim_max;
    void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(outfile_open(&o, path, err, sizeof(err)), 0);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    fwrite(block, 1, sizeof(block), o.f);
    int rc = outfile_commit(&o, err, sizeof(err));
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, was);
    assert_int_equal(rc, -EFBIG);
    expect_error(err, path, EFBIG);
    assert_false(exists(tmp_of(path)));
    char *text = slurp(path, NULL);
    assert_string_equal(text, "old\n");
    free(text);
}

/* The descriptors this process has open (/proc/self/fd, less the listing's own). */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    assert_non_null(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n - 3;               /* ".", ".." and the listing's descriptor */
}

/*
 * A deferred sync (util.h): the files are in place at once, each one's descriptor
 * kept until sync_defer_end syncs it, and none left open after the end, whether
 * the end syncs (a directory) or not (NULL); an inner end leaves them to the outer.
 */
static void test_deferred_sync(void **state)
{
    (void)state;
    const int base = open_fds();
    char err[512], *text;

    sync_defer_begin();
    assert_int_equal(outfile_write_text(tmp_path("d1"), "one\n", 0666, err, sizeof(err)), 0);
    assert_int_equal(outfile_write_text(tmp_path("d2"), "two\n", 0666, err, sizeof(err)), 0);
    assert_int_equal(outfile_write_text(tmp_path("d3"), "three\n", 0666, err, sizeof(err)), 0);
    assert_int_equal(open_fds(), base + 3);
    text = slurp(tmp_path("d2"), NULL);
    assert_string_equal(text, "two\n");
    free(text);
    assert_false(exists(tmp_of(tmp_path("d2"))));
    assert_int_equal(sync_defer_end(tmp_dir()), 0);
    assert_int_equal(open_fds(), base);

    sync_defer_begin();
    assert_int_equal(outfile_write_text(tmp_path("d4"), "four\n", 0666, err, sizeof(err)), 0);
    assert_int_equal(open_fds(), base + 1);
    assert_int_equal(sync_defer_end(NULL), 0);
    assert_int_equal(open_fds(), base);

    sync_defer_begin();
    sync_defer_begin();
    assert_int_equal(outfile_write_text(tmp_path("d5"), "five\n", 0666, err, sizeof(err)), 0);
    assert_int_equal(sync_defer_end(NULL), 0);
    assert_int_equal(open_fds(), base + 1);
    assert_int_equal(sync_defer_end(tmp_dir()), 0);
    assert_int_equal(open_fds(), base);
    assert_int_equal(sync_defer_end(NULL), -EINVAL);
}

/* The name every writer uses for its temporary. */
static void test_tmp_name(void **state)
{
    (void)state;
    char *name = outfile_tmp_name("out/stats.json"), want[64];

    snprintf(want, sizeof(want), "out/stats.json.tmp.%ld", (long)getpid());
    assert_string_equal(name, want);
    free(name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_renames_into_place),
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_missing_folder),
        cmocka_unit_test(test_directory_in_the_way),
        cmocka_unit_test(test_abort_keeps_the_old_file),
        cmocka_unit_test(test_failed_flush_keeps_the_old_file),
        cmocka_unit_test(test_deferred_sync),
        cmocka_unit_test(test_tmp_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
