// src/json_file: JSON documents in files, with errors that name the file.
#include <unistd.h>

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

// nlohmann::json throws type_error 316 when it writes a string that is not
// valid UTF-8; a Latin-1 file name on the command line made summaries and
// lock files fail that way.
TEST_CASE("json file: strings and keys that are not UTF-8 are written with \\xHH",
          "[core][io][json]") {
    const nlohmann::json j = {{"input", "caf\xE9.csv"},
                              {"paths", {"ok\xC3\xA9", "\xFF"}},
                              {"k\xE9y", {{"n", 3}, {"s", "d\xE9/o.csv"}}}};
    CHECK_THROWS(j.dump());  // why the helper exists
    const std::string path = test::temp_path("json_file_latin1.json");
    plmkit::write_json_file(path, j);
    const nlohmann::json back = plmkit::read_json_file(path);
    CHECK(back.at("input") == "caf\\xE9.csv");
    CHECK(back.at("paths") == nlohmann::json({"ok\xC3\xA9", "\\xFF"}));  // valid UTF-8 kept
    CHECK(back.at("k\\xE9y").at("n") == 3);
    CHECK(back.at("k\\xE9y").at("s") == "d\\xE9/o.csv");
    CHECK(plmkit::json_text(nlohmann::json("x\xE9"), -1) == "\"x\\\\xE9\"");
    CHECK(plmkit::with_valid_utf8(back) == back);  // already valid: unchanged
}

TEST_CASE("json file: Durability::fsync writes the same file, replacing the old one",
          "[core][io][json]") {
    const std::string path = test::temp_path("json_file_fsync.json");
    test::write_file(path, "old\n");
    plmkit::write_json_file(path, {{"records_end", 40}}, plmkit::Durability::fsync);
    CHECK(test::read_file(path) == "{\n  \"records_end\": 40\n}\n");
    // No temporary file is left beside it.
    CHECK_FALSE(test::file_exists(
        test::temp_path(".json_file_fsync.json.tmp-" + std::to_string(::getpid()))));
    // A folder that does not exist: the same IoError naming the output.
    const std::string missing = test::temp_path("json_file_fsync_no_folder") + "/out.json";
    CHECK_THROWS_WITH(
        plmkit::write_json_file(missing, nlohmann::json::object(), plmkit::Durability::fsync),
        Catch::Contains(missing));
}
