// The Boost.Test runner shared by every suite in tests/unit/.
#define BOOST_TEST_MODULE constnet
#include <boost/test/unit_test.hpp>
