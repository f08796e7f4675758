/* the command stands on every layer, but not on the tests */
#include "sim/trace/trace.h"
#include "tests/lib/helper.h"
