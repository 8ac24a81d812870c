// src/json_file: JSON documents in files, with errors that name the file.
#include <string>

#include "tests/catch.hpp"

#include "src/error.hpp"
#include "src/json_file.hpp"
#include "tests/test_support.hpp"

namespace test = plmkit::test;

TEST_CASE("json file: written indented with a final newline, read back", "[core][io][json]") {
    const std::string path = test::temp_path("json_file_round_trip.json");
    plmkit::write_json_file(path, {{"counts", {{"hits", 3}}}, {"tool", "plmkit"}});
    CHECK(test::read_file(path) ==
          "{\n  \"counts\": {\n    \"hits\": 3\n  },\n  \"tool\": \"plmkit\"\n}\n");
    const nlohmann::json back = plmkit::read_json_file(path);
    CHECK(back.at("counts").at("hits") == 3);
    CHECK(back.at("tool") == "plmkit");
}

TEST_CASE("json file: a missing file is an IoError naming it", "[core][io][json]") {
    const std::string path = test::temp_path("json_file_missing.json");
    CHECK_THROWS_AS(plmkit::read_json_file(path), plmkit::IoError);
    CHECK_THROWS_WITH(plmkit::read_json_file(path),
                      Catch::Contains("cannot open '" + path + "': No such file"));
}

TEST_CASE("json file: text that is not JSON is an InputError naming the file", "[core][io][json]") {
    const std::string path = test::write_temp("json_file_broken.json", "{\"hits\": 3,\n");
    CHECK_THROWS_AS(plmkit::read_json_file(path), plmkit::InputError);
    CHECK_THROWS_WITH(plmkit::read_json_file(path), Catch::StartsWith(path + ": invalid JSON: "));
}

TEST_CASE("json file: a folder that does not exist is an IoError naming the output",
          "[core][io][json]") {
    const std::string path = test::temp_path("json_file_no_folder") + "/out.json";
    CHECK_THROWS_AS(plmkit::write_json_file(path, nlohmann::json::object()), plmkit::IoError);
    CHECK_THROWS_WITH(plmkit::write_json_file(path, nlohmann::json::object()),
                      Catch::Contains(path));
}
