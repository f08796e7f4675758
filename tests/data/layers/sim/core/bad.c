/* the core may include only itself */
#include <stdio.h>
#include "sim/core/kernel.h"
#include "models/local.h"
#include <systemc.h>
