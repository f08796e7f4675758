/*
 * vcd.h - a Value Change Dump writer (IEEE 1364 section 18), for GTKWave.
 *
 * Times are simulated picoseconds ($timescale 1 ps), exactly as the models see them:
 * the writer is fed from the models' observer callbacks, not from SystemC's tracing,
 * which samples at delta cycles of the kernel's quantum. Every signal is an integer.
 * Changes must come in non-decreasing time; several changes of one signal at one
 * time are written as its last value (what the model settled on at that time), and
 * a change to the value already written is not written. A change can also be
 * scheduled for a later time (vcd_add_at: a display FIFO line leaves at its
 * scan-out time); it is written when the writer's time passes it.
 */
#ifndef IOMMUSIM_SIM_OBSERVE_VCD_H
#define IOMMUSIM_SIM_OBSERVE_VCD_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/kernel.h"

struct vcd;

/* Opens PATH (through a temporary file). NULL and a sentence in err. */
struct vcd *vcd_open(const char *path, char *err, size_t len);
/* Declarations, before vcd_begin: scopes nest; a signal starts at `initial`.
 * vcd_signal returns the signal's number, or -1 when memory runs out. */
void vcd_scope(struct vcd *v, const char *name);
void vcd_upscope(struct vcd *v);
int vcd_signal(struct vcd *v, const char *name, unsigned bits, int64_t initial);
/* Ends the declarations; the values at time 0 are dumped once time moves on. */
void vcd_begin(struct vcd *v);
/* The signal's value from time t on (t >= every earlier change's time). */
void vcd_set(struct vcd *v, int sig, sim_time_t t, int64_t value);
int64_t vcd_value(const struct vcd *v, int sig);
/* Adds delta to the signal at the later time t (written when time passes t). */
void vcd_add_at(struct vcd *v, int sig, sim_time_t t, int64_t delta);
/* Writes what is left (every scheduled change, then the time `end` when it is later),
 * closes and renames into place: 0, or a negative errno with a sentence in err. Frees v. */
int vcd_close(struct vcd *v, sim_time_t end, char *err, size_t len);
/* Removes the temporary file; frees v. */
void vcd_abort(struct vcd *v);

#endif
