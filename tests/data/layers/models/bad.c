/* a model that reaches above its layer */
#include <stdint.h>

#include "sim/core/kernel.h"
#include "local.h"
#include "vcm/x.h"
#include "sim/scenario/soc.h"
#  include "../vcm/x.h"
