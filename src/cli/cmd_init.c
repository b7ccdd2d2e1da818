/* placeholder: being written */
#include "vg.h"
