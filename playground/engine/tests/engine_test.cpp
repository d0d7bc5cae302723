#include <catch2/catch.hpp>

#include "playground/engine.hpp"

TEST_CASE("placeholder") { REQUIRE(playground::validate("{}").size() == 1); }
