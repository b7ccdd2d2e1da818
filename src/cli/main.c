/* placeholder */
#include "vg.h"
int main(void) { return 0; }
