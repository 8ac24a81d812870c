// The FASTA reader's duplicate-id check in bounded memory (data/seen_ids.hpp).
// It kept every id as a std::string: 2 million records of a 30-character id
// grew `plmkit tokenize` / `embed` by 180 MB, against "memory does not grow
// with the file" (docs/embed.md, docs/data-formats.md).
#include <random>
#include <set>
#include <string>

#include "tests/catch.hpp"

#include "data/fasta_reader.hpp"
#include "data/seen_ids.hpp"
#include "src/log.hpp"
#include "tests/test_support.hpp"

using plmkit::data::SeenIds;

TEST_CASE("seen ids: repeats found exactly as a std::set finds them", "[data][fasta][seen_ids]") {
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> pick(0, 29999);
    SeenIds seen;
    std::set<std::string> reference;
    std::size_t repeats = 0;
    for (int i = 0; i < 50000; ++i) {
        std::string id = "UniRef50_A0A" + std::to_string(pick(rng));
        bool first = reference.insert(id).second;
        auto r = seen.insert(id);
        CHECK(r == (first ? SeenIds::Result::first : SeenIds::Result::repeated));
        if (!first) ++repeats;
    }
    CHECK(seen.size() == reference.size());
    CHECK(repeats == 50000 - reference.size());
    CHECK(seen.insert("") == SeenIds::Result::first);
    CHECK(seen.insert("") == SeenIds::Result::repeated);
}

TEST_CASE("seen ids: memory stops growing at the cap", "[data][fasta][seen_ids]") {
    // 2^12 ids at most, a table at most half full: 2^13 slots of 8 bytes.
    SeenIds seen(4096);
    for (int i = 0; i < 200000; ++i)
        seen.insert("id" + std::to_string(i));
    CHECK(seen.size() == 4096);
    CHECK(seen.full());
    CHECK(seen.memory_bytes() == 8192 * 8);
    // Remembered ids are still found; new ones are neither found nor added.
    CHECK(seen.insert("id17") == SeenIds::Result::repeated);
    CHECK(seen.insert("id150000") == SeenIds::Result::not_checked);
    CHECK(seen.insert("id150000") == SeenIds::Result::not_checked);
    CHECK(seen.size() == 4096);
    // The default cap: 2^22 ids in at most 64 MiB.
    CHECK(SeenIds::kDefaultMaxIds == 4194304);
}

TEST_CASE("fasta reader: duplicates among the checked ids are counted, later ids are kept",
          "[data][fasta][seen_ids]") {
    // ids a b c fill a cap of 3; 'a' again is found, 'd' and its repeat are
    // past the cap (kept, not counted); every record is returned.
    auto p = plmkit::test::write_temp("seen_cap.fasta",
                                      ">a\nM\n>b\nM\n>c\nM\n>a\nK\n>d\nM\n>d\nK\n>b\nG\n");
    plmkit::data::FastaReaderOptions options;
    options.max_checked_ids = 3;
    auto level = plmkit::log_level();
    plmkit::set_log_level(plmkit::LogLevel::quiet);
    plmkit::data::FastaReader reader(p, options);
    plmkit::data::SequenceRecord r;
    std::string ids;
    while (reader.next(r)) {
        CHECK(r.error.empty());
        ids += r.id;
    }
    plmkit::set_log_level(level);
    CHECK(ids == "abcaddb");
    CHECK(reader.duplicate_ids() == 2);  // the second 'a' and the second 'b'
}

TEST_CASE("duplicate id check: repeats counted among the ids under the cap", "[data][seen_ids]") {
    // The check FastaReader and SequenceReader's tables share: cap 2 holds
    // a and b; the second and third 'a' and the second 'b' are repeats, 'c'
    // (past the cap) and its repeat are not checked.
    auto level = plmkit::log_level();
    plmkit::set_log_level(plmkit::LogLevel::quiet);
    plmkit::data::DuplicateIdCheck check("row", 2);
    std::uint64_t line = 0;
    for (const char* id : {"a", "b", "a", "c", "c", "b", "a"})
        check.note(id, "t.csv:" + std::to_string(++line));
    check.say_total("t.csv");
    plmkit::set_log_level(level);
    CHECK(check.duplicates() == 3);
}
