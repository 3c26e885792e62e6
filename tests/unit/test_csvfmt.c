/*
 * test_csvfmt.c - the import formats: headers of the CRM exports, --map
 * targets, amounts and dates as people type them, and the name
 * normalisation that matches companies.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "csvfmt.h"
#include "err.h"

Test(csvfmt, headers_of_litecrm_and_the_crm_exports)
{
	enum csvfmt_source s;

	cr_assert_eq(csvfmt_header("close_date", &s), IMPORT_COL_CLOSE_DATE);
	cr_assert_eq(s, CSVFMT_LITECRM);
	cr_assert_eq(csvfmt_header(" Close Date ", &s), IMPORT_COL_CLOSE_DATE);
	cr_assert_eq(csvfmt_header("Opportunity Name", &s), IMPORT_COL_DEAL);
	cr_assert_eq(s, CSVFMT_SALESFORCE);
	cr_assert_eq(csvfmt_header("Account Name", &s), IMPORT_COL_COMPANY);
	cr_assert_eq(csvfmt_header("Probability (%)", &s), IMPORT_COL_PROBABILITY);
	cr_assert_eq(csvfmt_header("商機名稱", &s), IMPORT_COL_DEAL);
	cr_assert_eq(s, CSVFMT_SALESFORCE);
	cr_assert_eq(csvfmt_header("客戶名稱", &s), IMPORT_COL_COMPANY);
	cr_assert_eq(csvfmt_header("Deal Name", &s), IMPORT_COL_DEAL);
	cr_assert_eq(s, CSVFMT_HUBSPOT);
	cr_assert_eq(csvfmt_header("Deal Stage", &s), IMPORT_COL_STAGE);
	cr_assert_eq(csvfmt_header("Record ID", &s), IMPORT_COL_EXTERNAL_ID);
	cr_assert_eq(csvfmt_header("Deal - Title", &s), IMPORT_COL_DEAL);
	cr_assert_eq(s, CSVFMT_PIPEDRIVE);
	cr_assert_eq(csvfmt_header("Deal - Value", &s), IMPORT_COL_AMOUNT);
	cr_assert_eq(csvfmt_header("Deal - Expected close date", &s), IMPORT_COL_CLOSE_DATE);
	cr_assert_eq(csvfmt_header("Fiscal Period", &s), -1);
	cr_assert_eq(csvfmt_column_parse("next step"), IMPORT_COL_NEXT_STEP);
	cr_assert_eq(csvfmt_column_parse("colour"), -1);
}

Test(csvfmt, amounts_as_people_type_them)
{
	int64_t v;

	cr_assert_eq(csvfmt_amount("NT$1,234,567", 2, &v), 0);
	cr_assert_eq(v, 123456700);
	cr_assert_eq(csvfmt_amount("1,234.50", 2, &v), 0);
	cr_assert_eq(v, 123450);
	cr_assert_eq(csvfmt_amount("12.5萬", 2, &v), 0);
	cr_assert_eq(v, 12500000, "12.5萬 is 125,000.00: got %lld", (long long)v);
	cr_assert_eq(csvfmt_amount("3億", 0, &v), 0);
	cr_assert_eq(v, 300000000);
	cr_assert_eq(csvfmt_amount("１２３４", 0, &v), 0, "full-width digits");
	cr_assert_eq(v, 1234);
	cr_assert_eq(csvfmt_amount("TWD 5000", 0, &v), 0);
	cr_assert_eq(v, 5000);
	cr_assert_eq(csvfmt_amount("5000 元", 0, &v), 0);
	cr_assert_eq(csvfmt_amount("12,34", 2, &v), ERR_INVALID, "misplaced separator");
	cr_assert_eq(csvfmt_amount("1,2345", 2, &v), ERR_INVALID);
	cr_assert_eq(csvfmt_amount("12x", 2, &v), ERR_INVALID);
	cr_assert_eq(csvfmt_amount("-5", 2, &v), ERR_INVALID);
	cr_assert_eq(csvfmt_amount("1.234", 2, &v), ERR_INVALID, "more precision than TWD has");
	cr_assert_eq(csvfmt_amount("", 2, &v), ERR_INVALID);
}

Test(csvfmt, dates_in_the_common_forms)
{
	char d[DATE_LEN];

	cr_assert_eq(csvfmt_date("2026/11/27", CSVFMT_DATE_AUTO, d), 0);
	cr_assert_str_eq(d, "2026-11-27");
	cr_assert_eq(csvfmt_date("2026-1-5", CSVFMT_DATE_AUTO, d), 0);
	cr_assert_str_eq(d, "2026-01-05");
	cr_assert_eq(csvfmt_date("11/27/2026", CSVFMT_DATE_AUTO, d), 0);
	cr_assert_str_eq(d, "2026-11-27");
	cr_assert_eq(csvfmt_date("27/11/2026", CSVFMT_DATE_AUTO, d), 0);
	cr_assert_str_eq(d, "2026-11-27");
	cr_assert_eq(csvfmt_date("2026年11月27日", CSVFMT_DATE_AUTO, d), 0);
	cr_assert_str_eq(d, "2026-11-27");
	cr_assert_eq(csvfmt_date("2026-11-27 09:30", CSVFMT_DATE_AUTO, d), 0);
	cr_assert_eq(csvfmt_date("05/06/2026", CSVFMT_DATE_AUTO, d), ERR_CONFLICT);
	cr_assert_eq(csvfmt_date("05/06/2026", CSVFMT_DATE_MDY, d), 0);
	cr_assert_str_eq(d, "2026-05-06");
	cr_assert_eq(csvfmt_date("05/06/2026", CSVFMT_DATE_DMY, d), 0);
	cr_assert_str_eq(d, "2026-06-05");
	cr_assert_eq(csvfmt_date("2026/02/30", CSVFMT_DATE_AUTO, d), ERR_INVALID);
	cr_assert_eq(csvfmt_date("next week", CSVFMT_DATE_AUTO, d), ERR_INVALID);
	cr_assert_eq(csvfmt_date("11/27/26", CSVFMT_DATE_AUTO, d), ERR_INVALID);
}

Test(csvfmt, company_names_match_after_normalising)
{
	char out[64];

	cr_assert(csvfmt_same_name("ＣＣＣ營造股份有限公司", "CCC營造股份有限公司 "));
	cr_assert(csvfmt_same_name("　Acme  Corp ", "acme corp"));
	cr_assert(!csvfmt_same_name("Acme", "Acme Corp"));
	csvfmt_norm(" Ａｂｃ\t d ", 0, out, sizeof(out));
	cr_assert_str_eq(out, "Abc d");
	/* Cut at a character boundary. */
	csvfmt_norm("營造營造", 0, out, 8);
	cr_assert_str_eq(out, "營造");
}

Test(csvfmt, percents)
{
	int p;

	cr_assert_eq(csvfmt_percent("50", &p), 0);
	cr_assert_eq(p, 50);
	cr_assert_eq(csvfmt_percent("75 %", &p), 0);
	cr_assert_eq(p, 75);
	cr_assert_eq(csvfmt_percent("101", &p), ERR_INVALID);
	cr_assert_eq(csvfmt_percent("half", &p), ERR_INVALID);
}
