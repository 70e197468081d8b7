/* placeholder: replaced by the module's real tests */
#include <check.h>
#include <stdlib.h>

START_TEST(test_addr_placeholder)
{
	ck_assert_int_eq(1, 1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("addr");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_addr_placeholder);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
