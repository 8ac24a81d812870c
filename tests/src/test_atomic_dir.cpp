// AtomicDir: a model folder is written under a temporary name and appears
// under its final name only on commit(), replacing an older folder whole;
// without commit() nothing is left behind.
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/catch.hpp"

#include "src/atomic_file.hpp"
#include "tests/test_support.hpp"

namespace test = plmkit::test;
namespace fs = std::filesystem;

namespace {
void put(const fs::path& p, const std::string& text) {
    std::ofstream(p) << text;
}
}  // namespace

TEST_CASE("atomic dir: the folder appears whole on commit and replaces an older one",
          "[core][io]") {
    const fs::path base = test::temp_path("atomic_dir");
    fs::remove_all(base);
    fs::create_directories(base);
    const fs::path final_dir = base / "model";
    fs::create_directories(final_dir);
    put(final_dir / "old_only.txt", "old");

    {
        plmkit::AtomicDir out((final_dir.string() + "/"));  // a trailing slash names the folder
        const fs::path tmp = out.temp_path();
        CHECK(tmp.parent_path() == base);
        CHECK(tmp.filename().string().rfind(".model.tmp-", 0) == 0);
        put(tmp / "config.json", "{}");
        CHECK(fs::exists(final_dir / "old_only.txt"));  // untouched until commit
        CHECK_FALSE(fs::exists(final_dir / "config.json"));
        out.commit();
        CHECK_FALSE(fs::exists(tmp));
    }
    CHECK(test::read_file((final_dir / "config.json").string()) == "{}");
    CHECK_FALSE(fs::exists(final_dir / "old_only.txt"));  // replaced whole, not merged
    std::size_t entries = 0;
    for (const auto& e : fs::directory_iterator(base)) {
        (void)e;
        ++entries;
    }
    CHECK(entries == 1);  // no .old- or .tmp- folder left

    std::string tmp_path;
    {
        plmkit::AtomicDir abandoned(final_dir.string());
        tmp_path = abandoned.temp_path();
        put(fs::path(tmp_path) / "half.bin", "x");
    }  // no commit: an error while writing
    CHECK_FALSE(fs::exists(tmp_path));
    CHECK(test::read_file((final_dir / "config.json").string()) == "{}");
}
