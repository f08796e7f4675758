/*
 * tests/lib/calllog.c - the log of kernel callbacks of calllog.h.
 */
#include "tests/lib/calllog.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

struct log_entry {
    const char *tag;
    sim_time_t at;
};

static struct log_entry log_buf[CALLLOG_MAX];
int log_len;

void calllog_clear(void)
{
    log_len = 0;
}

void rec(void *tag)
{
    assert_true(log_len < CALLLOG_MAX);
    log_buf[log_len].tag = tag;
    log_buf[log_len].at = sim_now();
    log_len++;
}

void assert_log(int i, const char *tag, sim_time_t at)
{
    assert_true(i < log_len);
    assert_string_equal(log_buf[i].tag, tag);
    assert_int_equal(log_buf[i].at, at);
}

int reset_kernel(void **state)
{
    (void)state;
    sim_reset();
    calllog_clear();
    return 0;
}
