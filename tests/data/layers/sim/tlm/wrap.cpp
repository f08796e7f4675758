/* the TLM wrapper may include TLM, the core, models and vcm */
#include <tlm>
#include "models/local.h"
#include "vcm/x.h"
#include "sim/scenario/soc.h"
