/*
 * tests/lib/calllog.h - a log of kernel callbacks, for the kernel's tests.
 *
 * test_kernel and test_kernel_lane schedule callbacks that record a tag and the time
 * they ran at, then compare the log with the order worked out by hand. Failing
 * checks fail the running cmocka test: for test programs only.
 */
#ifndef IOMMUSIM_TESTS_LIB_CALLLOG_H
#define IOMMUSIM_TESTS_LIB_CALLLOG_H

#include "sim/core/kernel.h"

#define CALLLOG_MAX 64

/* Entries recorded since the last calllog_clear. */
extern int log_len;

void calllog_clear(void);
/* A kernel callback: records its argument (a tag string) and sim_now(). */
void rec(void *tag);
/* Entry i holds this tag and time. */
void assert_log(int i, const char *tag, sim_time_t at);
/* A cmocka setup: a fresh kernel (sim_reset) and an empty log. */
int reset_kernel(void **state);

#endif
