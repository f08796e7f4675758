/*
 * fuzz_cli.c - libFuzzer harness for the command lines of every subcommand
 * (sim/cli/cmd_*.c: run, tlb, gen, convert, info, sweep, plot), called in-process as
 * sim/main.c calls them.
 *
 * An input is a command line: its arguments separated by NUL bytes (a newline also
 * ends an argument), the first naming the subcommand (its name, or else its first
 * byte modulo 7 picks one). Everything runs in a private sandbox directory, the
 * working directory of the whole run, which is emptied and refilled before every
 * input with: s.yaml (a small scenario, including soc.yaml, a copy of
 * configs/msm8960.yaml read at start from the repository root), t.txt, t.bin, t.din
 * (one trace in the three formats), bad.txt, and sw/ (a finished two-point sweep).
 * An input with an argument holding '/' or ".." is skipped, so every path is a file
 * of the sandbox and nothing else on the machine is read or written; so is a sweep
 * that would run points (without --emit-jobs, --collect or --help), which would take
 * seconds. Outputs are capped at 1 MiB each (RLIMIT_FSIZE with SIGXFSZ ignored, so a
 * larger write fails as on a full disk: the failure paths are fuzzed too), gnuplot is
 * hidden (PATH is emptied: plot skips the images), standard input is /dev/null.
 *
 * The harness binary is also `iommusim run`: started as "fuzz_cli run ARGS" (which is
 * how a sweep starts its points, through /proc/self/exe) it runs cmd_run and exits.
 * That is how the fixture sweep sw/ is made at start.
 *
 * Checks after every command:
 *   - the exit status is 0, 1 or 2 (cli.h);
 *   - a status other than 0 comes with a message on stderr, and a usage error (2)
 *     with a line starting "iommusim " (it names the command and the argument);
 *   - no temporary (a name holding ".tmp.") is left in the sandbox: every output is
 *     written beside its target and renamed, or removed (issue 13, items 1, 7, 8);
 *   - a point directory of sw/ that the command left with a stats.done also holds
 *     stats.json and stats.csv;
 *   - no leak, no memory error, no undefined behaviour (the sanitizers).
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "tests/lib/fuzz.h"

#define DIR_TEMPLATE    "/tmp/iommusim-fuzz-cli-XXXXXX"
#define SOC_SOURCE      "configs/msm8960.yaml"
#define MAX_ARGS        24
#define MAX_ARG_BYTES   256
#define OUTPUT_LIMIT    (1 << 20)       /* bytes a command may write to one file */

typedef int (*cmd_fn)(int, char **);

static const struct {
    const char *name;
    cmd_fn fn;
} commands[] = {
    { "run", cmd_run },         { "tlb", cmd_tlb },         { "gen", cmd_gen },
    { "convert", cmd_convert }, { "info", cmd_info },       { "sweep", cmd_sweep },
    { "plot", cmd_plot },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char scenario_text[] =
    "name: s\n"
    "soc: !include soc.yaml\n"
    "buffers:\n"
    "  fb: {size: 64K, domain: display_read, policy: 4k}\n"
    "masters:\n"
    "  mdp0:\n"
    "    context: mdp_port0_cb0\n"
    "    trace: t.txt\n"
    "    outstanding: 2\n";

static const char trace_text[] =
    "# iommusim trace v1\n0 F\n0 R fb+0x0 64\n5 W fb+0x1000 128\n7.5 R fb+0x40 64\n0 L\n";
static const char trace_din[] = "0 1000\n1 2000\n2 3000\n0 1040\n";
static const char trace_bad[] = "0 R fb+0x0 64\n1 X fb 64\n";

static char sandbox[sizeof(DIR_TEMPLATE)];
static char *soc_text;
static size_t soc_len;
static char *bin_text;                  /* made once, copied into every fresh sandbox */
static size_t bin_len;

/* The fixture sweep's files, read once after it ran: sw/ is made again from them. */
#define MAX_SWEEP_FILES 32
static struct {
    char path[64];
    char *text;                         /* NULL for a directory */
    size_t len;
} sweep_files[MAX_SWEEP_FILES];
static unsigned nsweep_files;

static void put_file(const char *path, const void *text, size_t len)
{
    FILE *f = fopen(path, "w");

    if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
        fprintf(stderr, "fuzz_cli: cannot write %s/%s: %s\n", sandbox, path, strerror(errno));
        exit(1);
    }
}

static char *get_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(OUTPUT_LIMIT + 1);
    size_t n = 0;

    if (!f || !buf) {
        fprintf(stderr, "fuzz_cli: cannot read %s\n", path);
        exit(1);
    }
    n = fread(buf, 1, OUTPUT_LIMIT, f);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    if (ftw->level > 0)
        remove(path);
    return 0;
}

/* Everything in the sandbox. */
static void empty_sandbox(void)
{
    DIR *d = opendir(".");
    struct dirent *e;

    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (e->d_type == DT_DIR) {
            nftw(e->d_name, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
            rmdir(e->d_name);
        } else {
            unlink(e->d_name);
        }
    }
    if (d)
        closedir(d);
}

static int keep_sweep_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (nsweep_files == MAX_SWEEP_FILES || strlen(path) >= sizeof(sweep_files[0].path)) {
        fprintf(stderr, "fuzz_cli: the fixture sweep has too many files\n");
        exit(1);
    }
    snprintf(sweep_files[nsweep_files].path, sizeof(sweep_files[0].path), "%s", path);
    if (flag == FTW_F)
        sweep_files[nsweep_files].text = get_file(path, &sweep_files[nsweep_files].len);
    nsweep_files++;
    return 0;
}

static void fill_sandbox(void)
{
    for (unsigned i = 0; i < nsweep_files; i++) {
        if (sweep_files[i].text)
            put_file(sweep_files[i].path, sweep_files[i].text, sweep_files[i].len);
        else
            mkdir(sweep_files[i].path, 0777);
    }
    put_file("soc.yaml", soc_text, soc_len);
    put_file("s.yaml", scenario_text, sizeof(scenario_text) - 1);
    put_file("t.txt", trace_text, sizeof(trace_text) - 1);
    put_file("t.din", trace_din, sizeof(trace_din) - 1);
    put_file("bad.txt", trace_bad, sizeof(trace_bad) - 1);
    if (bin_text)
        put_file("t.bin", bin_text, bin_len);
}

static void remove_sandbox(void)
{
    if (chdir(sandbox) == 0) {
        empty_sandbox();
        if (chdir("/") == 0)
            rmdir(sandbox);
    }
}

/* Runs a command with its output to /dev/null (the fixtures are made with it). */
static int quiet(cmd_fn fn, int argc, char **argv)
{
    FILE *out = stdout, *err = stderr, *nul = fopen("/dev/null", "w");
    int rc;

    stdout = stderr = nul;
    rc = fn(argc, argv);
    stdout = out;
    stderr = err;
    fclose(nul);
    return rc;
}

/*
 * The run works in the sandbox, so libFuzzer's own paths (corpus directories, the
 * dictionary, the artifact prefix), read after this, are made absolute first; and
 * -handle_xfsz=0 is added, so that libFuzzer leaves SIGXFSZ ignored.
 */
static void absolute_args(int *argc, char ***argv)
{
    static const char *const path_flags[] = { "-artifact_prefix=", "-dict=",
                                              "-exact_artifact_path=", "-merge_control_file=",
                                              NULL };
    char cwd[4096], **v = calloc((size_t)*argc + 2, sizeof(*v));

    if (!v || !getcwd(cwd, sizeof(cwd))) {
        perror("fuzz_cli: arguments");
        exit(1);
    }
    for (int i = 0; i < *argc; i++) {
        const char *a = (*argv)[i], *val = NULL;
        size_t flag = 0;

        if (i > 0 && a[0] != '-') {
            val = a;
        } else {
            for (unsigned k = 0; path_flags[k]; k++)
                if (!strncmp(a, path_flags[k], strlen(path_flags[k]))) {
                    flag = strlen(path_flags[k]);
                    val = a + flag;
                }
        }
        if (!val || val[0] == '/') {
            v[i] = (*argv)[i];
            continue;
        }
        if (asprintf(&v[i], "%.*s%s/%s", (int)flag, a, cwd, val) < 0) {
            perror("fuzz_cli: arguments");
            exit(1);
        }
    }
    /* A write past the output cap must fail as on a full disk, not stop the run. */
    v[(*argc)++] = (char *)"-handle_xfsz=0";
    *argv = v;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char *gen[] = { (char *)"convert", (char *)"t.txt", (char *)"-o", (char *)"t.bin", NULL };
    char *sweep[] = { (char *)"sweep", (char *)"s.yaml", (char *)"--mode",
                      (char *)"functional", (char *)"--param", (char *)"buffers.fb.policy=4k,1m",
                      (char *)"-j", (char *)"1", (char *)"--out", (char *)"sw", NULL };
    struct rlimit lim = { OUTPUT_LIMIT, OUTPUT_LIMIT };
    int nul;

    /* A sweep's point: this program as `iommusim run`. */
    if (*argc >= 2 && !strcmp((*argv)[1], "run"))
        exit(cmd_run(*argc - 1, *argv + 1));
    soc_text = get_file(SOC_SOURCE, &soc_len);
    absolute_args(argc, argv);
    memcpy(sandbox, DIR_TEMPLATE, sizeof(DIR_TEMPLATE));
    if (!mkdtemp(sandbox) || chdir(sandbox)) {
        perror("fuzz_cli: the sandbox");
        exit(1);
    }
    atexit(remove_sandbox);
    fill_sandbox();
    if (quiet(cmd_convert, 4, gen) || quiet(cmd_sweep, 10, sweep)) {
        fprintf(stderr, "fuzz_cli: cannot make the fixtures t.bin and sw/\n");
        exit(1);
    }
    bin_text = get_file("t.bin", &bin_len);
    nftw("sw", keep_sweep_file, 16, FTW_PHYS);    /* parents before their files */
    nul = open("/dev/null", O_RDWR);
    if (nul < 0 || dup2(nul, STDIN_FILENO) < 0 || dup2(nul, STDOUT_FILENO) < 0) {
        perror("fuzz_cli: /dev/null");
        exit(1);
    }
    close(nul);
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &lim);
    setenv("PATH", "/nonexistent", 1);  /* no gnuplot: plot writes data, skips images */
    return 0;
}

/* The input as argv: NUL- or newline-separated words. 0 when it must be skipped. */
static int split(const uint8_t *data, size_t size, char **argv, char *store, size_t cap)
{
    int argc = 0;
    size_t at = 0;

    for (size_t i = 0; i <= size && argc < MAX_ARGS;) {
        size_t n = 0;

        while (i + n < size && data[i + n] && data[i + n] != '\n')
            n++;
        if (n >= MAX_ARG_BYTES || at + n + 1 > cap)
            return 0;
        memcpy(store + at, data + i, n);
        store[at + n] = '\0';
        if (memchr(store + at, '/', n) || strstr(store + at, ".."))
            return 0;                   /* a path that could leave the sandbox */
        argv[argc++] = store + at;
        at += n + 1;
        i += n + 1;
    }
    argv[argc] = NULL;
    return argc;
}

static int pick(const char *word)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(word, commands[i].name))
            return (int)i;
    return (unsigned char)word[0] % NCOMMANDS;
}

/* A sweep that would start points: skipped (each point is a process of its own). */
static bool sweep_runs(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "--emit-jobs", 11) || !strncmp(argv[i], "--collect", 9) ||
            !strncmp(argv[i], "--help", 6) || !strcmp(argv[i], "-h"))
            return false;
    return true;
}

/* The command's arguments, for check_entry: a file the user named is not a temporary. */
static char **cur_argv;
static int cur_argc;

static bool named_by_user(const char *base)
{
    for (int i = 1; i < cur_argc; i++) {
        const char *eq = strchr(cur_argv[i], '=');

        if (!strcmp(cur_argv[i], base) || (eq && !strcmp(eq + 1, base)))
            return true;
        /* a short option with its value attached: -oNAME */
        if (cur_argv[i][0] == '-' && cur_argv[i][1] && cur_argv[i][1] != '-' &&
            !strcmp(cur_argv[i] + 2, base))
            return true;
    }
    return false;
}

/* No NAME.tmp.* anywhere in the sandbox (but a file the command line named: an output
 * may be called anything); a point with stats.done has both files. */
static int check_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    const char *base = path + ftw->base;

    (void)st;
    FUZZ_CHECK(!strstr(base, ".tmp.") || named_by_user(base),
               "a temporary was left behind: %s", path);
    if (flag == FTW_F && !strcmp(base, "stats.done")) {
        char other[4096];

        snprintf(other, sizeof(other), "%.*sstats.json", ftw->base, path);
        FUZZ_CHECK(access(other, F_OK) == 0, "%s without stats.json", path);
        snprintf(other, sizeof(other), "%.*sstats.csv", ftw->base, path);
        FUZZ_CHECK(access(other, F_OK) == 0, "%s without stats.csv", path);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char store[MAX_ARGS * MAX_ARG_BYTES];
    char *argv[MAX_ARGS + 1], *out = NULL, *err = NULL;
    size_t outlen = 0, errlen = 0;
    FILE *saved_out = stdout, *saved_err = stderr;
    int argc = split(data, size, argv, store, sizeof(store)), c, rc;

    if (!argc)
        return -1;
    c = pick(argv[0]);
    argv[0] = (char *)commands[c].name;
    if (commands[c].fn == cmd_sweep && sweep_runs(argc, argv))
        return -1;
    empty_sandbox();
    fill_sandbox();
    stdout = open_memstream(&out, &outlen);
    stderr = open_memstream(&err, &errlen);
    FUZZ_CHECK(stdout && stderr, "open_memstream");
    rc = commands[c].fn(argc, argv);
    fclose(stdout);
    fclose(stderr);
    stdout = saved_out;
    stderr = saved_err;

    FUZZ_CHECK(rc == 0 || rc == 1 || rc == 2, "%s: exit status %d", commands[c].name, rc);
    if (rc)
        FUZZ_CHECK(errlen > 0, "%s: status %d without a message", commands[c].name, rc);
    if (rc == 2)
        FUZZ_CHECK(!strncmp(err, "iommusim ", 9), "%s: usage error '%s' names no command",
                   commands[c].name, err);
    cur_argv = argv;
    cur_argc = argc;
    nftw(".", check_entry, 16, FTW_PHYS);
    free(out);
    free(err);
    return 0;
}
