/*
 * dram.c - DRAM timing: interleaved channels, each a timeline with a fixed latency
 * (see dram.h and docs/timing.md).
 *
 * Everything about a request is decided when it is handed over: each part takes its
 * channel at max(arrival, busy_until), so the completion time is known at once and
 * the only kernel work is the one callback that delivers it, through the lane of
 * the channel where its last part ends (a channel's completions come in time
 * order, which is what a lane is cheap for). The mem_req belongs to the
 * requester, so nothing is allocated per request.
 */
#include "models/dram.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/core/util.h"

/* Channel transfer times of up to this many cycles come from a table. */
#define DRAM_XFER_TABLE_CYCLES  64u

#define DRAM_MIN_INTERLEAVE     64u

struct dram_channel {
    sim_time_t busy_until;
    struct sim_lane *done;          /* completions whose last part ends here */
    struct dram_channel_stats st;
};

struct dram {
    struct dram_config cfg;
    struct sim_clock clk;
    unsigned il_shift;              /* log2(interleave_bytes) */
    uint64_t il_mask;               /* interleave_bytes - 1 */
    unsigned chan_mask;             /* channels - 1 when channels is a power of two */
    bool chan_pow2;
    int width_shift;                /* log2(width_bytes), or -1 if not a power of two */
    sim_time_t xfer[DRAM_XFER_TABLE_CYCLES + 1];   /* duration of n channel cycles */
    struct dram_channel chan[DRAM_MAX_CHANNELS];
};

int dram_config_check(const struct dram_config *cfg, char *err, unsigned errlen)
{
    if (!cfg)
        return err_invalid(err, errlen, "dram: no configuration given");
    if (cfg->channels < 1 || cfg->channels > DRAM_MAX_CHANNELS)
        return err_invalid(err, errlen, "dram: channels is %u; it must be 1..%u",
                                 cfg->channels, DRAM_MAX_CHANNELS);
    if (!is_pow2(cfg->interleave_bytes) || cfg->interleave_bytes < DRAM_MIN_INTERLEAVE)
        return err_invalid(err, errlen,
                                 "dram: interleave_bytes is %u; it must be a power of two >= %u",
                                 (unsigned)cfg->interleave_bytes, DRAM_MIN_INTERLEAVE);
    if (cfg->clock_hz == 0 || cfg->clock_hz > SIM_S)
        return err_invalid(err, errlen,
                                 "dram: clock_hz is %llu; it must be 1..%llu",
                                 (unsigned long long)cfg->clock_hz,
                                 (unsigned long long)SIM_S);
    if (cfg->width_bytes == 0)
        return err_invalid(err, errlen, "dram: width_bytes is 0; it must be at least 1");
    return 0;
}

static void dram_complete(void *arg)
{
    struct mem_req *req = arg;

    req->done(req);
}

struct dram *dram_new(const struct dram_config *cfg)
{
    struct dram *d;
    unsigned n;

    if (dram_config_check(cfg, NULL, 0))
        return NULL;
    d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->cfg = *cfg;
    if (sim_clock_init(&d->clk, "dram", cfg->clock_hz)) {
        free(d);
        return NULL;
    }
    d->il_shift = ilog2(cfg->interleave_bytes);
    d->il_mask = (uint64_t)cfg->interleave_bytes - 1;
    d->chan_pow2 = is_pow2(cfg->channels);
    d->chan_mask = cfg->channels - 1;
    d->width_shift = is_pow2(cfg->width_bytes) ? (int)ilog2(cfg->width_bytes) : -1;
    for (n = 0; n <= DRAM_XFER_TABLE_CYCLES; n++)
        d->xfer[n] = sim_clock_cycles(&d->clk, n);
    /*
     * A channel's completions come in time order (busy_until only grows, the
     * latency is fixed), so each channel's go through a lane of their own.
     */
    for (n = 0; n < cfg->channels; n++) {
        d->chan[n].done = sim_lane_new("dram.done", dram_complete);
        if (!d->chan[n].done) {
            dram_free(d);
            return NULL;
        }
    }
    return d;
}

void dram_free(struct dram *d)
{
    if (!d)
        return;
    for (unsigned c = 0; c < d->cfg.channels; c++)
        sim_lane_free(d->chan[c].done);
    free(d);
}

static unsigned dram_channel_of(const struct dram *d, uint64_t pa)
{
    uint64_t block = pa >> d->il_shift;

    return d->chan_pow2 ? (unsigned)(block & d->chan_mask)
                        : (unsigned)(block % d->cfg.channels);
}

static sim_time_t dram_xfer_time(const struct dram *d, uint64_t bytes)
{
    uint64_t cycles;

    if (d->width_shift >= 0)
        cycles = (bytes + d->cfg.width_bytes - 1) >> d->width_shift;
    else
        cycles = (bytes + d->cfg.width_bytes - 1) / d->cfg.width_bytes;
    if (cycles <= DRAM_XFER_TABLE_CYCLES)
        return d->xfer[cycles];
    return sim_clock_cycles(&d->clk, cycles);
}

/*
 * One part of a request, wholly inside one interleave block, on channel *ch;
 * returns its completion.
 */
static sim_time_t dram_part(struct dram *d, struct dram_channel *ch, uint64_t bytes,
                            sim_time_t at)
{
    sim_time_t start = at > ch->busy_until ? at : ch->busy_until;
    sim_time_t xfer = dram_xfer_time(d, bytes);

    ch->busy_until = start + xfer;
    ch->st.requests++;
    ch->st.bytes += bytes;
    ch->st.busy += xfer;
    ch->st.queue_delay += start - at;
    return start + xfer + d->cfg.latency;
}

static void dram_request(void *target, unsigned port, struct mem_req *req)
{
    struct dram *d = target;
    sim_time_t now = sim_now();
    uint64_t pa = req->pa, left = req->bytes;
    struct dram_channel *last;
    sim_time_t done;

    (void)port;
    /*
     * A request from the past or of no bytes is the requester's bug; it gets a
     * slave error, as the bus would give for a malformed transfer, rather than a
     * time the model would have to make up.
     */
    if (!d || left == 0 || req->at < now) {
        req->status = MEM_ERROR;
        req->done_at = req->at > now ? req->at : now;
        sim_schedule(req->done_at - now, dram_complete, req);
        return;
    }

    if ((pa & d->il_mask) + left <= d->il_mask + 1) {
        last = &d->chan[dram_channel_of(d, pa)];
        done = dram_part(d, last, left, req->at);
    } else {
        /* Parts go out in address order, all arriving at req->at. */
        done = 0;
        last = NULL;
        while (left) {
            struct dram_channel *ch = &d->chan[dram_channel_of(d, pa)];
            uint64_t part = d->il_mask + 1 - (pa & d->il_mask);
            sim_time_t t;

            if (part > left)
                part = left;
            t = dram_part(d, ch, part, req->at);
            if (!last || t > done) {
                done = t;
                last = ch;
            }
            pa += part;
            left -= part;
        }
    }
    req->status = MEM_OK;
    req->done_at = done;
    sim_lane_schedule(last->done, done - now, req);
}

struct mem_port dram_port(struct dram *d)
{
    struct mem_port p = { .request = dram_request, .target = d, .port = 0 };

    return p;
}

const struct dram_channel_stats *dram_channel_stats(const struct dram *d, unsigned channel)
{
    if (!d || channel >= d->cfg.channels)
        return NULL;
    return &d->chan[channel].st;
}
