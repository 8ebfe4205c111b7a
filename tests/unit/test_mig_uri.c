/* Migration URIs (migrate/mig_uri.c), parsed once for every user. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "migrate/mig_uri.h"

#define ALL (MIG_URI_FILE | MIG_URI_TCP | MIG_URI_DEFER)

static struct mig_uri u;
static char err[400];

static void the_three_kinds(void **state)
{
	assert_int_equal(mig_uri_parse("file:/tmp/snap", ALL, &u, err, sizeof(err)), 0);
	assert_int_equal(u.kind, MIG_URI_FILE);
	assert_string_equal(u.path, "/tmp/snap");
	assert_int_equal(mig_uri_parse("tcp:10.0.0.1:4444", ALL, &u, err, sizeof(err)), 0);
	assert_int_equal(u.kind, MIG_URI_TCP);
	assert_string_equal(u.host, "10.0.0.1");
	assert_string_equal(u.port, "4444");
	assert_string_equal(u.text, "tcp:10.0.0.1:4444");
	assert_int_equal(mig_uri_parse("tcp:[::1]:4444", ALL, &u, err, sizeof(err)), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(mig_uri_parse("defer", ALL, &u, err, sizeof(err)), 0);
	assert_int_equal(u.kind, MIG_URI_DEFER);
}

static void refused_with_the_forms_allowed(void **state)
{
	static const char *bad[] = { "udp:1.2.3.4:5", "file:", "tcp:", "tcp:host", "tcp::44",
				     "tcp:host:", "tcp:host:port", "tcp:[::1:44", "deferred", "" };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mig_uri_parse(bad[i], ALL, &u, err, sizeof(err)), -1);
	assert_int_equal(mig_uri_parse("udp:1.2.3.4:5", ALL, &u, err, sizeof(err)), -1);
	assert_string_equal(err, "udp:1.2.3.4:5: expected file:PATH, tcp:HOST:PORT or defer");
	/* defer is for --incoming alone */
	assert_int_equal(mig_uri_parse("defer", MIG_URI_FILE | MIG_URI_TCP, &u, err, sizeof(err)), -1);
	assert_string_equal(err, "defer: expected file:PATH or tcp:HOST:PORT");
	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	{
		char long_uri[600];

		memset(long_uri, 'a', sizeof(long_uri) - 1);
		long_uri[sizeof(long_uri) - 1] = '\0';
		memcpy(long_uri, "file:", 5);
		assert_int_equal(mig_uri_parse(long_uri, ALL, &u, err, sizeof(err)), -1);
		assert_true(strlen(err) < sizeof(err));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_three_kinds),
		cmocka_unit_test(refused_with_the_forms_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
