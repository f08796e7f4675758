/* traces read YAML and models headers, not the driver */
#include "models/local.h"
#include "sim/trace/trace.h"
#include <tlm_utils/simple_target_socket.h>
#include "vcm/x.h"
