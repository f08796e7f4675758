/* the configuration layer stands below the traces */
#include "sim/core/kernel.h"
#include <sim/trace/trace.h>
