// ScreenWriter::commit: every file is renamed into place only when all of
// them could be written, the hits last; a failure leaves no file that looks
// finished.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include "tests/catch.hpp"

#include "pipelines/screen_writer.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;
namespace fs = std::filesystem;

TEST_CASE("screen writer: commit writes all files or none", "[screen][writer]") {
    auto dir = test::temp_path("writer_dir");
    fs::create_directories(dir);
    const std::string hits = dir + "/h.csv", rejects = dir + "/h.rejects.tsv", sdf = dir + "/h.sdf";
    SECTION("all files in place after commit") {
        ScreenWriter w({"id", "score"}, hits, sdf, rejects);
        w.reject("x\tCC\tparse\tbad\t0\t");
        w.commit(dir + "/h.summary.json", nlohmann::json{{"counts", 1}});
        CHECK(test::read_file(hits) == "id,score\n");
        CHECK_THAT(test::read_file(rejects), Catch::EndsWith("x\tCC\tparse\tbad\t0\t\n"));
        CHECK(fs::exists(sdf));
        CHECK(nlohmann::json::parse(test::read_file(dir + "/h.summary.json"))["counts"] == 1);
    }
    SECTION("a summary that cannot be renamed into place: nothing looks finished") {
        auto blocker = dir + "/blocked.json";
        fs::create_directories(blocker + "/sub");  // a non-empty folder: rename fails
        {
            ScreenWriter w({"id", "score"}, hits, sdf, rejects);
            w.reject("x\tCC\tparse\tbad\t0\t");
            CHECK_THROWS_AS(w.commit(blocker, nlohmann::json::object()), IoError);
        }
        CHECK_FALSE(fs::exists(hits));
        CHECK_FALSE(fs::exists(rejects));
        CHECK_FALSE(fs::exists(sdf));
        for (const auto& e : fs::directory_iterator(dir))
            CHECK(e.path().filename() == "blocked.json");  // no temporary file left
    }
}
