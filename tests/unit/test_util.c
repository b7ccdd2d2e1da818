#include "vg.h"
#include "util/util.h"
#include <setjmp.h>
#include <cmocka.h>
static void test_placeholder(void **state) { (void)state; assert_int_equal(vg_strerror(VG_OK)[0], 's'); }
int main(void) { const struct CMUnitTest t[] = { cmocka_unit_test(test_placeholder) }; return cmocka_run_group_tests(t, NULL, NULL); }
