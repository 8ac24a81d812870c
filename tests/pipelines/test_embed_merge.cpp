#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>
#include "tests/catch.hpp"

#include "pipelines/embed_merge.hpp"
#include "src/error.hpp"
#include "src/hdf5_reader.hpp"
#include "src/hdf5_writer.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;

namespace {

// Synthetic embedding files in the layout of `plmkit embed` (docs/embed.md),
// built record by record from a formula, so a single-run file and its shards
// are made independently of the merge code.
const std::set<std::int64_t> kRejected = {2, 5, 8};
constexpr std::int64_t kRecords = 11;

std::int64_t length_of(std::int64_t r) {
    return 1 + r % 4;
}

struct FileSpec {
    std::string path;
    std::string shard = "0/1";
    std::int64_t index = 0, count = 1;
    std::string model_hash = "hash-1";
    bool record_index = true;
    std::int64_t first = 0, end = kRecords;  ///< the records [first, end) (a checkpoint part)
    /// /layers/2/{mean,per_tok} as hard links to /mean and /per_tok (what
    /// embed writes for the last of several layers).
    bool links = false;
    /// /layers/2/{mean,per_tok} as copies of /mean and /per_tok (what embed
    /// wrote before it linked them).
    bool copies = false;
};

void write_embed_file(const FileSpec& s) {
    Hdf5Writer w(s.path);
    w.create_dataset("ids", Hdf5ElementType::utf8);
    w.create_dataset("lengths", Hdf5ElementType::i64);
    if (s.record_index) w.create_dataset("record_index", Hdf5ElementType::i64);
    w.create_dataset("mean", Hdf5ElementType::f32, 3);
    w.create_dataset("layers/1/mean", Hdf5ElementType::f32, 3);
    w.create_dataset("per_tok", Hdf5ElementType::f32, 3);
    w.create_dataset("logits", Hdf5ElementType::f32, 2);
    w.create_dataset("contacts", Hdf5ElementType::f32);
    w.create_dataset("offsets", Hdf5ElementType::i64);
    w.create_dataset("contact_offsets", Hdf5ElementType::i64);
    if (s.links) {
        w.link_dataset("mean", "layers/2/mean");
        w.link_dataset("per_tok", "layers/2/per_tok");
    } else if (s.copies) {
        w.create_dataset("layers/2/mean", Hdf5ElementType::f32, 3);
        w.create_dataset("layers/2/per_tok", Hdf5ElementType::f32, 3);
    }
    std::int64_t off = 0, coff = 0, accepted = 0, rejected = 0;
    w.append("offsets", &off, 1);
    w.append("contact_offsets", &coff, 1);
    std::string rejects = "id\tline\treason\n";
    for (std::int64_t r = s.first; r < s.end; ++r) {
        if (r % s.count != s.index) continue;
        if (kRejected.count(r)) {
            rejects += "bad" + std::to_string(r) + "\t" + std::to_string(1 + 2 * r) + "\tempty\n";
            ++rejected;
            continue;
        }
        ++accepted;
        std::int64_t len = length_of(r);
        w.append("ids", std::vector<std::string>{"seq" + std::to_string(r)});
        w.append("lengths", &len, 1);
        if (s.record_index) w.append("record_index", &r, 1);
        float fr = static_cast<float>(r);
        float mean[] = {fr, fr + 0.5f, -fr};
        w.append("mean", mean, 1);
        if (s.copies) w.append("layers/2/mean", mean, 1);
        float mean1[] = {2 * fr, 0, 1};
        w.append("layers/1/mean", mean1, 1);
        std::vector<float> per_tok, logits, contacts;
        for (std::int64_t t = 0; t < len; ++t) {
            per_tok.insert(per_tok.end(), {fr * 100 + t, fr, static_cast<float>(t)});
            logits.insert(logits.end(), {fr - t, fr + t});
        }
        for (std::int64_t c = 0; c < len * len; ++c)
            contacts.push_back(fr + c / 100.0f);
        w.append("per_tok", per_tok.data(), len);
        if (s.copies) w.append("layers/2/per_tok", per_tok.data(), len);
        w.append("logits", logits.data(), len);
        w.append("contacts", contacts.data(), contacts.size());
        off += len;
        coff += len * len;
        w.append("offsets", &off, 1);
        w.append("contact_offsets", &coff, 1);
    }
    w.set_attribute("shard", s.shard);
    w.set_attribute("model_hash", s.model_hash);
    w.set_attribute("input", "proteins.fasta");
    w.set_attribute("include", "mean,per_tok,logits,contacts");
    w.set_attribute("created", "2026-01-01T00:00:0" + std::to_string(s.index) + "Z");
    w.set_attribute("command_line", "plmkit embed --shard " + s.shard);
    w.set_attribute("num_sequences", accepted);
    w.set_attribute("num_truncated", s.index);
    w.set_attribute("num_rejected", rejected);
    w.close();
    test::write_file(s.path + ".rejects.tsv", rejects);
}

/// `layer2`: "" (no /layers/2), "links" or "copies" (FileSpec).
std::vector<std::string> write_shards(const std::string& stem, std::int64_t n,
                                      const std::string& layer2 = "") {
    std::vector<std::string> paths;
    for (std::int64_t i = 0; i < n; ++i) {
        FileSpec s;
        s.links = layer2 == "links";
        s.copies = layer2 == "copies";
        s.path = test::temp_path(stem + "-" + std::to_string(i) + ".h5");
        s.shard = std::to_string(i) + "/" + std::to_string(n);
        s.index = i;
        s.count = n;
        write_embed_file(s);
        paths.push_back(s.path);
    }
    return paths;
}

/// Every dataset of `a` equals `b`'s, value for value.
void check_same_datasets(const std::string& a_path, const std::string& b_path) {
    Hdf5Reader a(a_path), b(b_path);
    auto sa = a.datasets(), sb = b.datasets();
    REQUIRE(sa.size() == sb.size());
    for (std::size_t i = 0; i < sa.size(); ++i) {
        INFO(sa[i].name);
        REQUIRE(sa[i].name == sb[i].name);
        REQUIRE(sa[i].rows == sb[i].rows);
        REQUIRE(sa[i].cols == sb[i].cols);
        CHECK(sa[i].link_of == sb[i].link_of);
        if (sa[i].type == Hdf5ElementType::f32)
            CHECK(a.read_f32(sa[i].name, 0, sa[i].rows) == b.read_f32(sb[i].name, 0, sb[i].rows));
        else if (sa[i].type == Hdf5ElementType::i64)
            CHECK(a.read_i64(sa[i].name, 0, sa[i].rows) == b.read_i64(sb[i].name, 0, sb[i].rows));
        else
            CHECK(a.read_strings(sa[i].name, 0, sa[i].rows) ==
                  b.read_strings(sb[i].name, 0, sb[i].rows));
    }
}

}  // namespace

TEST_CASE("embed merge: shards merge into the single-run file", "[pipelines][embed_merge]") {
    FileSpec single;
    single.path = test::temp_path("single.h5");
    write_embed_file(single);
    for (std::int64_t n : {1, 2, 3, 4, 12}) {
        INFO("shards: " << n);
        auto shards = write_shards("merge" + std::to_string(n), n);
        std::swap(shards.front(), shards.back());  // any order on the command line
        EmbedMergeOptions opt;
        opt.inputs = shards;
        opt.output = test::temp_path("merged.h5");
        opt.command_line = "plmkit merge --kind embed";
        opt.block_sequences = 2;  // several blocks, shards interleaved inside each
        opt.block_residues = 5;
        auto summary = merge_embeddings(opt);
        CHECK(summary.shards == n);
        CHECK(summary.sequences == kRecords - kRejected.size());
        CHECK(summary.rejected == kRejected.size());
        check_same_datasets(opt.output, single.path);
        CHECK(test::read_file(opt.output + ".rejects.tsv") ==
              test::read_file(single.path + ".rejects.tsv"));
        Hdf5Reader merged(opt.output);
        CHECK(merged.attribute("shard")->text == "0/1");
        CHECK(merged.attribute("model_hash")->text == "hash-1");
        CHECK(merged.attribute("num_sequences")->number == 8);
        CHECK(merged.attribute("num_truncated")->number == n * (n - 1) / 2);
        CHECK(merged.attribute("merged_shards")->number == n);
        CHECK(merged.attribute("command_line")->text == "plmkit merge --kind embed");
    }
}

TEST_CASE("embed merge: a dataset linked under two names stays one dataset",
          "[pipelines][embed_merge]") {
    FileSpec single;
    single.path = test::temp_path("single-links.h5");
    single.links = true;
    write_embed_file(single);
    auto shards = write_shards("merge-links", 3, "links");
    EmbedMergeOptions opt;
    opt.inputs = shards;
    opt.output = test::temp_path("merged-links.h5");
    opt.block_sequences = 2;
    opt.block_residues = 5;
    auto summary = merge_embeddings(opt);
    CHECK(summary.sequences == kRecords - kRejected.size());
    // Same values under both names, and /layers/2/... a link, not a copy.
    check_same_datasets(opt.output, single.path);
    Hdf5Reader merged(opt.output);
    CHECK(merged.info("layers/2/per_tok").rows == merged.info("per_tok").rows);
    int links = 0;
    for (const auto& d : merged.datasets())
        if (!d.link_of.empty()) {
            CHECK(d.name == "layers/2/" + d.link_of);
            ++links;
        }
    CHECK(links == 2);

    SECTION("shards with copies (an older plmkit) merge into copies") {
        FileSpec old_single;
        old_single.path = test::temp_path("single-copies.h5");
        old_single.copies = true;
        write_embed_file(old_single);
        opt.inputs = write_shards("merge-copies", 3, "copies");
        opt.output = test::temp_path("merged-copies.h5");
        merge_embeddings(opt);
        check_same_datasets(opt.output, old_single.path);
    }
    SECTION("a shard with copies where the others have links is foreign, named") {
        auto copies = write_shards("merge-mixed", 3, "copies");
        opt.inputs = {shards[0], copies[1], shards[2]};
        opt.output = test::temp_path("merged-mixed.h5");
        CHECK_THROWS_AS(merge_embeddings(opt), InputError);
        CHECK_THROWS_WITH(
            merge_embeddings(opt),
            Catch::Contains(copies[1] + " (shard 1/3) is foreign") &&
                Catch::Contains("/layers/2/mean is a copy of /mean in " + copies[1] +
                                " but a hard link to it in " + shards[0] + ": " + copies[1] +
                                " was written by a plmkit build from before the "
                                "top layer was stored once"));
        // The older shard first: the message still names it as the older one.
        opt.inputs = {copies[1], shards[0], shards[2]};
        CHECK_THROWS_WITH(merge_embeddings(opt),
                          Catch::Contains("/layers/2/mean is a copy of /mean in " + copies[1] +
                                          " but a hard link to it in " + shards[0]) &&
                              Catch::Contains("embed that shard again with this build"));
    }
    SECTION("a shard's rejects file among the inputs (a glob emb.shard-*) is named") {
        opt.inputs = {shards[0], shards[0] + ".rejects.tsv", shards[1], shards[2]};
        opt.output = test::temp_path("merged-glob.h5");
        CHECK_THROWS_AS(merge_embeddings(opt), UsageError);
        CHECK_THROWS_WITH(merge_embeddings(opt),
                          Catch::Contains("'" + shards[0] +
                                          ".rejects.tsv' is a rejects file: give only the "
                                          "shards' .h5 files"));
    }
    SECTION("the glob it suggests is the one of those shards, of their N") {
        // Named as the shards of `embed -o out/emb.h5 --shard I/3` are; the
        // rejects file is refused by its name, before any file is opened.
        opt.inputs = {"out/emb.shard-1-of-3.h5.rejects.tsv"};
        opt.output = test::temp_path("merged-glob3.h5");
        CHECK_THROWS_WITH(merge_embeddings(opt),
                          Catch::EndsWith("read from beside it), e.g. out/emb.shard-*-of-3.h5"));
    }
}

TEST_CASE("embed merge: shards that do not belong together", "[pipelines][embed_merge]") {
    auto shards = write_shards("bad", 3);
    EmbedMergeOptions opt;
    opt.output = test::temp_path("bad-merged.h5");
    SECTION("a missing shard is named") {
        opt.inputs = {shards[0], shards[2]};
        CHECK_THROWS_AS(merge_embeddings(opt), InputError);
        CHECK_THROWS_WITH(merge_embeddings(opt), Catch::Contains("shard 1/3 missing"));
    }
    SECTION("a shard given twice is named with both files") {
        opt.inputs = {shards[0], shards[1], shards[1], shards[2]};
        CHECK_THROWS_WITH(merge_embeddings(opt), Catch::Contains("shard 1/3 given twice"));
    }
    SECTION("a shard of another run (other model) is foreign") {
        FileSpec other;
        other.path = test::temp_path("other.h5");
        other.shard = "1/3";
        other.index = 1;
        other.count = 3;
        other.model_hash = "hash-2";
        write_embed_file(other);
        opt.inputs = {shards[0], other.path, shards[2]};
        CHECK_THROWS_WITH(merge_embeddings(opt),
                          Catch::Contains(other.path + " (shard 1/3) is foreign") &&
                              Catch::Contains("'model_hash'"));
    }
    SECTION("a shard of a split into another count") {
        auto four = write_shards("four", 4);
        opt.inputs = {shards[0], shards[1], four[2]};
        CHECK_THROWS_WITH(merge_embeddings(opt), Catch::Contains("is shard 2/4 but"));
    }
    SECTION("a merged file is not a shard") {
        opt.inputs = shards;
        merge_embeddings(opt);
        EmbedMergeOptions again;
        again.inputs = {opt.output};
        again.output = test::temp_path("again.h5");
        CHECK_THROWS_WITH(merge_embeddings(again), Catch::Contains("already a merged file"));
    }
    SECTION("shards without /record_index cannot be ordered") {
        opt.inputs.clear();
        for (std::int64_t i = 0; i < 3; ++i) {
            FileSpec old;
            old.path = test::temp_path("old.h5");
            old.shard = std::to_string(i) + "/3";
            old.index = i;
            old.count = 3;
            old.record_index = false;
            write_embed_file(old);
            opt.inputs.push_back(old.path);
        }
        CHECK_THROWS_WITH(merge_embeddings(opt), Catch::Contains("has no /record_index"));
    }
    SECTION("a missing rejects file") {
        std::remove((shards[1] + ".rejects.tsv").c_str());
        opt.inputs = shards;
        CHECK_THROWS_WITH(merge_embeddings(opt), Catch::Contains("rejects file"));
        CHECK_THROWS(test::read_file(opt.output));
    }
    SECTION("usage errors") {
        CHECK_THROWS_AS(merge_embeddings(opt), UsageError);
        opt.inputs = {shards[0]};
        opt.output = shards[0];
        CHECK_THROWS_AS(merge_embeddings(opt), UsageError);
    }
    SECTION("not an embedding file") {
        auto junk = test::temp_path("junk.h5");
        test::write_file(junk, "junk");
        opt.inputs = {junk};
        CHECK_THROWS_AS(merge_embeddings(opt), IoError);
    }
}

TEST_CASE("embed merge: --output - is refused, not written as a file named '-'",
          "[pipelines][embed_merge]") {
    EmbedMergeOptions o;
    o.inputs = {test::temp_path("never_read.shard-0-of-1.h5")};
    o.output = "-";
    CHECK_THROWS_AS(merge_embeddings(o), UsageError);
    CHECK_THROWS_WITH(merge_embeddings(o),
                      Catch::Contains("--output -: an HDF5 file cannot be written to standard "
                                      "output"));
}

TEST_CASE("embed join: checkpoint parts join into the single-run file",
          "[pipelines][embed_merge]") {
    FileSpec whole;
    whole.path = test::temp_path("join-whole.h5");
    write_embed_file(whole);
    // Records 0-3, 4-8 (two of them rejected), 9-10.
    std::vector<std::string> parts;
    for (auto [first, end] : {std::pair<int, int>{0, 4}, {4, 9}, {9, 11}}) {
        FileSpec p;
        p.path = test::temp_path("join-part-" + std::to_string(first) + ".h5");
        p.first = first;
        p.end = end;
        write_embed_file(p);
        parts.push_back(p.path);
    }
    const std::string out = test::temp_path("join-out.h5");
    SECTION("in order: the datasets and rejects of one file, the run's attributes") {
        auto summary = pipelines::join_embed_parts(parts, out, "plmkit embed --resume");
        CHECK(summary.sequences == 8);
        CHECK(summary.rejected == 3);
        check_same_datasets(whole.path, out);
        CHECK(test::read_file(out + ".rejects.tsv") ==
              test::read_file(whole.path + ".rejects.tsv"));
        Hdf5Reader r(out);
        CHECK(r.attribute("shard")->text == "0/1");
        CHECK_FALSE(r.attribute("merged_shards"));
        CHECK(r.attribute("num_sequences")->number == 8);
        CHECK(r.attribute("num_rejected")->number == 3);
        CHECK(r.attribute("command_line")->text == "plmkit embed --resume");
    }
    SECTION("out of order, or a part twice: refused, naming the part") {
        CHECK_THROWS_WITH(pipelines::join_embed_parts({parts[1], parts[0]}, out, ""),
                          Catch::Contains(parts[0] + " starts at record 0, not after"));
        CHECK_THROWS_WITH(pipelines::join_embed_parts({parts[0], parts[0]}, out, ""),
                          Catch::Contains("not after the last record of " + parts[0]));
        CHECK_FALSE(test::file_exists(out));
    }
    SECTION("parts of two shards: refused") {
        auto shards = write_shards("join-shards", 2);
        CHECK_THROWS_WITH(pipelines::join_embed_parts(shards, out, ""),
                          Catch::Contains("is of shard 1/2"));
    }
}
