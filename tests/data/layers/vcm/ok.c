/* the driver on the core and the models */
#include "sim/core/kernel.h"
#include "models/local.h"
#include "vcm/x.h"
#include "x.h"
