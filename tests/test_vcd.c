/*
 * test_vcd.c - the VCD and trace-event writers of sim/observe/, byte for byte.
 *
 * The expected files are written out by hand from the rules in sim/observe/vcd.h and
 * timeline.h (IEEE 1364 section 18 for the VCD syntax: declarations, $dumpvars at
 * time 0, then "#TIME" and "bVALUE ID" lines; identifiers '!', '"', '#', ...).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/observe/timeline.h"
#include "sim/observe/vcd.h"
#include "tests/lib/file.h"

static void assert_file(const char *path, const char *want)
{
    char *got = slurp(path, NULL);

    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/*
 * a: set to 3 at 0 (settled before time moves: part of the dump), 5 then 2 at 10 (one
 * change, to 2), 2 again at 20 (no change). b: +1 scheduled at 15 and -1 at 15 (no
 * change), +1 at 30 and at 40, the second of which is still due when the file closes:
 * written then, and the end time 50 after it.
 */
static void test_vcd_changes(void **state)
{
    (void)state;
    char err[256];
    const char *path = tmp_path("t.vcd");
    struct vcd *v = vcd_open(path, err, sizeof(err));

    assert_non_null(v);
    vcd_scope(v, "top");
    int a = vcd_signal(v, "a", 32, 0);
    int b = vcd_signal(v, "b", 32, 7);
    vcd_upscope(v);
    vcd_begin(v);
    vcd_set(v, a, 0, 3);
    vcd_set(v, a, 10, 5);
    vcd_add_at(v, b, 15, 1);
    vcd_add_at(v, b, 15, -1);
    vcd_add_at(v, b, 40, 1);
    vcd_add_at(v, b, 30, 1);
    vcd_set(v, a, 10, 2);
    assert_int_equal(vcd_value(v, a), 2);
    vcd_set(v, a, 20, 2);
    assert_int_equal(vcd_value(v, b), 7);   /* the changes of 15 are not due before 20 */
    assert_int_equal(vcd_close(v, 50, err, sizeof(err)), 0);
    assert_file(path,
                "$version iommusim $end\n$timescale 1 ps $end\n"
                "$scope module top $end\n"
                "$var integer 32 ! a $end\n$var integer 32 \" b $end\n"
                "$upscope $end\n$enddefinitions $end\n"
                "#0\n$dumpvars\nb11 !\nb111 \"\n$end\n"
                "#10\nb10 !\n"
                "#30\nb1000 \"\n"
                "#40\nb1001 \"\n"
                "#50\n");
}

/* A file that cannot be created names its path; abort leaves nothing behind. */
static void test_vcd_errors(void **state)
{
    (void)state;
    char err[512];
    const char *bad = tmp_path("none/t.vcd"), *path = tmp_path("aborted.vcd");

    assert_null(vcd_open(bad, err, sizeof(err)));
    char want[600];
    snprintf(want, sizeof(want), "cannot write %s: No such file or directory", bad);
    assert_string_equal(err, want);
    struct vcd *v = vcd_open(path, err, sizeof(err));
    assert_non_null(v);
    vcd_abort(v);
    assert_false(file_exists(path));
}

/*
 * Window [100, 200) ps: a slice [50, 99] ends before it, [50, 100] touches it, [199,
 * 300] starts inside it, [200, 250] starts at its end (out). Times in us with six
 * places: 100 ps is 0.000100.
 */
static void test_timeline_window(void **state)
{
    (void)state;
    char err[256];
    const char *path = tmp_path("t.json");
    struct timeline *t = timeline_open(path, 100, 200, err, sizeof(err));

    assert_non_null(t);
    timeline_process(t, 1, "p");
    timeline_slice(t, 1, 0, "early", "c", 50, 99, NULL);
    timeline_slice(t, 1, 0, "touch", "c", 50, 100, NULL);
    timeline_slice(t, 1, 0, "inside", "c", 199, 300, "\"k\": 1");
    timeline_slice(t, 1, 0, "late", "c", 200, 250, NULL);
    assert_int_equal(timeline_close(t, err, sizeof(err)), 0);
    assert_file(path,
                "{\"displayTimeUnit\": \"ns\", \"traceEvents\": [\n"
                "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": 0, "
                "\"args\": {\"name\": \"p\"}},\n"
                "{\"name\": \"process_sort_index\", \"ph\": \"M\", \"pid\": 1, \"tid\": 0, "
                "\"args\": {\"sort_index\": 1}},\n"
                "{\"name\": \"touch\", \"cat\": \"c\", \"ph\": \"X\", \"ts\": 0.000050, "
                "\"dur\": 0.000050, \"pid\": 1, \"tid\": 0},\n"
                "{\"name\": \"inside\", \"cat\": \"c\", \"ph\": \"X\", \"ts\": 0.000199, "
                "\"dur\": 0.000101, \"pid\": 1, \"tid\": 0, \"args\": {\"k\": 1}}\n"
                "]}\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vcd_changes),
        cmocka_unit_test(test_vcd_errors),
        cmocka_unit_test(test_timeline_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
