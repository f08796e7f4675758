/* the one file that may include SystemC */
#include <systemc>
#include "sim/core/kernel.h"
