#!/bin/sh
# tests/layers.sh - checks the include rule of docs/architecture.md over a source tree.
#
#   tests/layers.sh [-t TABLE] [-x DIR]... ROOT
#
# Reads the rule from TABLE (default tests/layers.tab: one row per folder, the folders it
# may include; see the comments there) and every C and C++ file under ROOT (*.c, *.h,
# *.cpp, *.hpp, *.cc), except under the folders given with -x (relative to ROOT). Each
# #include "X" is looked up as the compiler does (next to the including file, then at
# ROOT, which is what -I. gives); #include <X> counts as a file of the tree when ROOT/X
# exists. Prints one line per broken rule,
#
#   models/foo.c:12: includes "vcm/x.h": models/ may include only sim/core, models
#   sim/trace/t.c:4: includes <systemc>: only sim/core/kernel.cpp, sim/tlm/ may include SystemC or TLM headers
#   sim/foo.c: in no layer of tests/layers.tab (give its folder a row there)
#
# then a count. Exit status: 0 no violation, 1 violations, 2 usage or a bad table.
# `make check-layers` runs it (and `make test` runs that first).

table=tests/layers.tab
skip=
while [ $# -gt 0 ]; do
    case $1 in
    -t) [ $# -ge 2 ] || { echo "layers.sh: -t needs a file" >&2; exit 2; }
        table=$2; shift 2 ;;
    -x) [ $# -ge 2 ] || { echo "layers.sh: -x needs a folder" >&2; exit 2; }
        skip="$skip ${2%/}"; shift 2 ;;
    -*) echo "layers.sh: unknown option '$1' (usage: layers.sh [-t TABLE] [-x DIR]... ROOT)" >&2
        exit 2 ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] || { echo "usage: layers.sh [-t TABLE] [-x DIR]... ROOT" >&2; exit 2; }
root=$1
[ -d "$root" ] || { echo "layers.sh: $root: not a folder" >&2; exit 2; }
[ -r "$table" ] || { echo "layers.sh: $table: cannot read the layer table" >&2; exit 2; }
tabname=$table
case $table in /*) ;; *) table=$(pwd)/$table ;; esac

cd "$root" || exit 2
prune="-path ./.git"
for d in $skip; do
    prune="$prune -o -path ./${d#./}"
done

# shellcheck disable=SC2086  # $prune is a list of find words, split on purpose
find . \( $prune \) -prune -o -type f \
     \( -name '*.c' -o -name '*.h' -o -name '*.cpp' -o -name '*.hpp' -o -name '*.cc' \) -print |
    sed 's|^\./||' | LC_ALL=C sort |
    awk -v table="$table" -v tabname="$tabname" '
function fail_table(msg) {
    printf "layers.sh: %s: %s\n", tabname, msg > "/dev/stderr"
    bad_table = 1
    exit 2
}

# The row a path belongs to: the longest row that is the path or a folder above it.
function layer_of(path,    best, k) {
    best = ""
    for (k in allow)
        if ((path == k || substr(path, 1, length(k) + 1) == k "/") && length(k) > length(best))
            best = k
    return best
}

# path with "." and ".." taken out.
function normalize(path,    n, part, out, i, depth, stack) {
    n = split(path, part, "/")
    depth = 0
    for (i = 1; i <= n; i++) {
        if (part[i] == "" || part[i] == ".")
            continue
        if (part[i] == ".." && depth > 0 && stack[depth] != "..") {
            depth--
            continue
        }
        stack[++depth] = part[i]
    }
    out = ""
    for (i = 1; i <= depth; i++)
        out = out (i > 1 ? "/" : "") stack[i]
    return out
}

function readable(path,    line, r) {
    r = (getline line < path)
    if (r >= 0)
        close(path)
    return r >= 0
}

function is_systemc(name) {
    return name == "systemc" || name == "systemc.h" || name == "tlm" || name == "tlm.h" ||
           name ~ /^(tlm_utils|tlm_core|sysc)\//
}

function may_include(from, to,    list, n, i) {
    if (allow[from] == "*")
        return 1
    n = split(allow[from], list, " ")
    for (i = 1; i <= n; i++)
        if (list[i] == to)
            return 1
    return 0
}

function shown(row) {
    return (row in is_file) ? row : row "/"
}

function report(file, lineno, what, msg) {
    printf "%s:%d: includes %s: %s\n", file, lineno, what, msg
    violations++
}

function check_file(file,    dir, row, line, lineno, name, open, what, target, to, n, list, i, msg) {
    row = layer_of(file)
    if (row == "") {
        printf "%s: in no layer of %s (give its folder a row there)\n", file, tabname
        violations++
        return
    }
    dir = file
    sub(/\/?[^\/]*$/, "", dir)
    lineno = 0
    while ((getline line < file) > 0) {
        lineno++
        if (line !~ /^[ \t]*#[ \t]*include[ \t]*["<]/)
            continue
        sub(/^[ \t]*#[ \t]*include[ \t]*/, "", line)
        open = substr(line, 1, 1)
        name = substr(line, 2)
        if (!sub(open == "\"" ? "\".*" : ">.*", "", name))
            continue                        # not closed: the compiler says so
        what = open == "\"" ? "\"" name "\"" : "<" name ">"
        if (is_systemc(name)) {
            if (!(systemc_ok(file)))
                report(file, lineno, what, "only " systemc_list " may include SystemC or TLM headers")
            continue
        }
        if (open == "\"") {
            target = dir != "" ? normalize(dir "/" name) : normalize(name)
            if (!readable(target))
                target = normalize(name)
        } else {
            target = normalize(name)
            if (!readable(target))
                continue                    # a system header
        }
        to = layer_of(target)
        if (may_include(row, to))
            continue
        n = split(allow[row], list, " ")
        msg = ""
        for (i = 1; i <= n; i++)
            msg = msg (i > 1 ? ", " : "") list[i]
        report(file, lineno, what, shown(row) " may include only " msg)
    }
    close(file)
}

function systemc_ok(file,    n, list, i) {
    n = split(systemc_rows, list, " ")
    for (i = 1; i <= n; i++)
        if (file == list[i] || substr(file, 1, length(list[i]) + 1) == list[i] "/")
            return 1
    return 0
}

BEGIN {
    nrows = 0
    while ((r = getline line < table) > 0) {
        sub(/#.*/, "", line)
        n = split(line, f, " ")
        if (n == 0)
            continue
        if (n < 2)
            fail_table("row \"" f[1] "\" names no folder it may include")
        rest = f[2]
        for (i = 3; i <= n; i++)
            rest = rest " " f[i]
        if (f[1] == "<systemc>") {
            systemc_rows = rest
            continue
        }
        if (f[1] in allow)
            fail_table("two rows for " f[1])
        allow[f[1]] = rest
        if (f[1] ~ /\.[a-z]+$/)
            is_file[f[1]] = 1
        nrows++
    }
    if (r < 0)
        fail_table("cannot read it")
    if (!nrows)
        fail_table("no rows")
    n = split(systemc_rows, f, " ")
    systemc_list = ""
    for (i = 1; i <= n; i++)
        systemc_list = systemc_list (i > 1 ? ", " : "") (f[i] ~ /\.[a-z]+$/ ? f[i] : f[i] "/")
    if (systemc_list == "")
        systemc_list = "no file"
}

{ files++; check_file($0) }

END {
    if (bad_table)
        exit 2
    if (violations) {
        printf "layers: %d violation%s in %d files\n", violations, violations == 1 ? "" : "s", files
        exit 1
    }
    printf "layers: %d files, no violation\n", files
}'
