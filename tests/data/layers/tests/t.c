/* a test may include anything but SystemC */
#include "vcm/x.h"
#include "tests/lib/helper.h"
#include "sim/core/kernel.h"
#include <systemc>
