/*
 * datadir.c - where the command finds its shared files: the gnuplot scripts
 * (plots/) and the SoC and scenario files (configs/).
 *
 * They are looked up relative to the running program (/proc/self/exe), so that
 * the same binary works from the source tree and installed, with no environment
 * variable and no path compiled in:
 *   BIN/../share/iommusim/   installed: PREFIX/bin/iommusim, PREFIX/share/iommusim/
 *   BIN/../                  the tree's build/iommusim
 *   BIN/../../               the tree's build/asan/iommusim and the like
 * and last the current directory (a program run from elsewhere, in the tree).
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/cli/cli.h"

#define EXE_LINK    "/proc/self/exe"
#define EXE_MAX     4096

static const char *const data_dirs[] = { "/../share/iommusim", "/..", "/../.." };
#define NDATA_DIRS  (sizeof(data_dirs) / sizeof(data_dirs[0]))

static bool is_file(const char *path)
{
    struct stat st;

    return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* The program's directory, or "" when /proc does not say. */
static void exe_dir(char *dir, size_t len)
{
    ssize_t n = readlink(EXE_LINK, dir, len - 1);
    char *slash;

    if (n <= 0 || (size_t)n >= len - 1) {
        dir[0] = 0;
        return;
    }
    dir[n] = 0;
    slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
}

int cli_data_dir(const char *sub, const char *marker, char *out, size_t len)
{
    char exe[EXE_MAX], probe[EXE_MAX + 512];

    exe_dir(exe, sizeof(exe));
    for (unsigned i = 0; exe[0] && i < NDATA_DIRS; i++) {
        if ((size_t)snprintf(probe, sizeof(probe), "%s%s/%s/%s", exe, data_dirs[i], sub,
                             marker) >= sizeof(probe) || !is_file(probe))
            continue;
        if ((size_t)snprintf(out, len, "%s%s/%s", exe, data_dirs[i], sub) >= len)
            return -1;
        return 0;
    }
    snprintf(probe, sizeof(probe), "%s/%s", sub, marker);
    if (is_file(probe) && (size_t)snprintf(out, len, "%s", sub) < len)
        return 0;
    return -1;
}

/* Tries DIR/NAME and DIR/NAME.yaml; true (the path in out) when one is a file. */
static bool try_config(const char *dir, const char *name, char *out, size_t len)
{
    static const char *const ext[] = { "", ".yaml" };

    for (unsigned k = 0; k < 2; k++)
        if ((size_t)snprintf(out, len, "%s/%s%s", dir, name, ext[k]) < len && is_file(out))
            return true;
    return false;
}

const char *cli_find_config(const char *arg, char *buf, size_t len)
{
    char configs[EXE_MAX], scenarios[EXE_MAX + 16];

    if (strchr(arg, '/') || is_file(arg) || !*arg)
        return arg;
    if (cli_data_dir("configs", CLI_CONFIG_MARKER, configs, sizeof(configs)))
        return arg;
    snprintf(scenarios, sizeof(scenarios), "%s/scenarios", configs);
    if (try_config(scenarios, arg, buf, len) || try_config(configs, arg, buf, len))
        return buf;
    return arg;
}
