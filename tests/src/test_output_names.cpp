#include "tests/catch.hpp"

#include "src/output_names.hpp"

using namespace plmkit;

namespace {
std::string stem(const std::string& p) {
    return split_extension(p).stem;
}
std::string ext(const std::string& p) {
    return split_extension(p).extension;
}
}  // namespace

TEST_CASE("output names: the extension is the last dot-suffix, .gz takes one more",
          "[core][output_names]") {
    CHECK(ext("hits.csv") == ".csv");
    CHECK(stem("hits.csv") == "hits");
    CHECK(ext("hits.csv.gz") == ".csv.gz");
    CHECK(stem("hits.csv.gz") == "hits");
    CHECK(ext("a.tsv.csv") == ".csv");
    CHECK(stem("a.tsv.csv") == "a.tsv");
    CHECK(stem("a.tsv.csv.gz") == "a.tsv");
    CHECK(stem("hits.2024.dat") == "hits.2024");
    CHECK(ext("x.gz") == ".gz");  // nothing before .gz to take along
    CHECK(stem("x.gz") == "x");
    CHECK(ext("results").empty());
    CHECK(stem("results") == "results");
    CHECK(ext(".hidden").empty());  // a leading dot is no extension
    CHECK(ext(".csv.gz") == ".gz");
    CHECK(stem("run.1/results") == "run.1/results");  // dots of folders do not count
    CHECK(ext("run.1/.hidden").empty());
    CHECK(stem("out/hits.csv") == "out/hits");
    CHECK(ext("hits.CSV.GZ") == ".GZ");  // ".gz" as written: AtomicFile compresses only that
    CHECK(ext("").empty());
    CHECK(stem("dir/") == "dir/");
}

TEST_CASE("output names: companions replace the extension", "[core][output_names]") {
    CHECK(companion_path("hits.csv", ".rejects.tsv") == "hits.rejects.tsv");
    CHECK(companion_path("hits.csv.gz", ".rejects.tsv") == "hits.rejects.tsv");
    CHECK(companion_path("a.tsv.csv", ".rejects.tsv") == "a.tsv.rejects.tsv");
    CHECK(companion_path("a.tsv.json", ".rejects.tsv") == "a.tsv.rejects.tsv");
    CHECK(companion_path("out/hits.shard-2-of-4.csv", ".summary.json") ==
          "out/hits.shard-2-of-4.summary.json");
    CHECK(companion_path("results", ".summary.json") == "results.summary.json");
}
