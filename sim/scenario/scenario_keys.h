/*
 * scenario_keys.h - what the readers of a scenario file share (sim/scenario/scenario.c
 * for the scenario's own sections, scenario_soc.c for the SoC file's): optional typed
 * getters that leave the output alone when a key is absent, name lists, the rule for
 * names, and the SoC reader itself. Private to sim/scenario.
 */
#ifndef IOMMUSIM_SIM_SCENARIO_SCENARIO_KEYS_H
#define IOMMUSIM_SIM_SCENARIO_SCENARIO_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/config/config.h"
#include "sim/scenario/scenario.h"

#define SZ_4G   (1ull << 32)

extern const char *const scn_partition_names[];

bool scn_has(const struct config_node *map, const char *key);
/* A buffer, master, SMMU, context or domain name (docs/scenarios.md "Names"). */
int scn_check_name(const struct config_node *n, const char *what, struct config_err *err);
int scn_opt_u64(const struct config_node *m, const char *k, uint64_t lo, uint64_t hi,
                uint64_t *out, struct config_err *err);
int scn_opt_unsigned(const struct config_node *m, const char *k, unsigned lo, unsigned hi,
                     unsigned *out, struct config_err *err);
int scn_opt_size(const struct config_node *m, const char *k, uint64_t lo, uint64_t hi,
                 uint64_t *out, struct config_err *err);
int scn_opt_bool(const struct config_node *m, const char *k, bool *out, struct config_err *err);
int scn_opt_time(const struct config_node *m, const char *k, uint64_t lo, uint64_t hi,
                 uint64_t *out, struct config_err *err);
/* A list of scalars (or one scalar) as an array of strings. */
int scn_get_names(const struct config_node *map, const char *key, const char **out,
                  unsigned max, unsigned *n, struct config_err *err);
/* A name that appears twice in one list: the error is at the second. */
int scn_check_twice(const struct config_node *map, const char *key, const char *const *names,
                    unsigned n, const char *what, struct config_err *err);

/* The SoC file (scenario_soc.c): its sections into o, SMMU i seeded with seed + i. */
int scn_read_soc(const struct config_node *soc, struct scn_soc *o, uint64_t seed,
                 struct config_err *err);
/* The context called name in any SMMU of soc (and that SMMU's index), or NULL. */
const struct smmu_ctx_desc *scn_find_ctx(const struct scn_soc *soc, const char *name,
                                         unsigned *smmu);

#endif
