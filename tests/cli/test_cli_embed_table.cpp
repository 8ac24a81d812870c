// `plmkit embed` of CSV/TSV tables (FLIP GB1, DeepLoc): per id the same
// datasets as the same sequences written as FASTA by hand; .tsv and .gz;
// bad rows to the rejects file with their line; an unknown column listed with
// a did-you-mean; repeated ids warned about as for FASTA; an empty table (or
// a header only) an empty input as an empty FASTA; --resume refused on another
// --seq-col; shards of a table merged; `plmkit slurm embed` passing the table
// options on.
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>
#include "tests/catch.hpp"

#include "src/hdf5_reader.hpp"
#include "tests/cli/hdf5_compare.hpp"
#include "tests/test_support.hpp"

using plmkit::test::fresh_dir;
using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
namespace test = plmkit::test;
namespace fs = std::filesystem;

namespace {
const std::string kModel = test::esm2_tiny_model();

/// The header and the first `rows` data lines of a shared CSV (neither file
/// quotes its fields: checked by hand).
std::vector<std::string> head_lines(const std::string& rel, std::size_t rows) {
    std::istringstream in(read_file(shared_path(rel)));
    std::vector<std::string> lines;
    std::string line;
    while (lines.size() <= rows && std::getline(in, line))
        lines.push_back(line);
    return lines;
}

std::vector<std::string> split(const std::string& line, char sep) {
    std::vector<std::string> f;
    std::string cur;
    std::istringstream in(line);
    while (std::getline(in, cur, sep))
        f.push_back(cur);
    if (!line.empty() && line.back() == sep) f.emplace_back();
    return f;
}

std::vector<std::string> embed(const std::string& input, const std::string& out,
                               std::vector<std::string> more = {}) {
    std::vector<std::string> a = {
        "-q", "embed",     "--model",      kModel,       "--input", input,       "--output",
        out,  "--include", "mean,per_tok", "--truncate", "100",     "--threads", "1"};
    a.insert(a.end(), more.begin(), more.end());
    return a;
}

void require_ok(const test::RunResult& r) {
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
}

/// The datasets of two runs over the same sequences and ids are the same bit for bit.
void require_same(const std::string& want, const std::string& got) {
    plmkit::Hdf5Reader a(want), b(got);
    test::require_same_datasets(a, b);
}

/// DeepLoc's first rows as CSV (all columns), and as FASTA with protein_id as the id.
struct DeepLoc {
    std::string dir, csv, fasta, one;
    std::vector<std::string> ids, seqs;
    explicit DeepLoc(const std::string& name, std::size_t rows = 5) {
        dir = fresh_dir(name);
        const auto lines = head_lines("data/deeploc/deeploc_localization.csv", rows);
        REQUIRE(lines.front() == "protein_id,location,membrane,split,source_file,length,sequence");
        std::string csv_text, fasta_text;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            csv_text += lines[i] + "\n";
            if (i == 0) continue;
            const auto f = split(lines[i], ',');
            REQUIRE(f.size() == 7);
            ids.push_back(f[0]);
            seqs.push_back(f[6]);
            fasta_text += ">" + f[0] + "\n" + f[6] + "\n";
        }
        csv = dir + "/deeploc.csv";
        fasta = dir + "/deeploc.fasta";
        test::write_file(csv, csv_text);
        test::write_file(fasta, fasta_text);
        one = dir + "/fasta.h5";
        require_ok(run_plmkit(embed(fasta, one)));
    }
};
}  // namespace

TEST_CASE("cli embed table: a FLIP GB1 CSV gives the FASTA's datasets, ids <stem>:<row>",
          "[cli][embed][table]") {
    const std::string dir = fresh_dir("embed_table_gb1");
    // FLIP's sampled.csv has no id column: the ids are <file stem>:<row>,
    // rows counted from 1 after the header.
    const auto lines = head_lines("data/flip_gb1/sampled.csv", 4);
    REQUIRE(lines.front() == "sequence,target,set,validation");
    std::string csv_text, fasta_text;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        csv_text += lines[i] + "\n";
        if (i > 0)
            fasta_text += ">gb1:" + std::to_string(i) + "\n" + split(lines[i], ',')[0] + "\n";
    }
    const std::string csv = dir + "/gb1.csv", fasta = dir + "/gb1.fasta";
    test::write_file(csv, csv_text);
    test::write_file(fasta, fasta_text);
    require_ok(run_plmkit(embed(fasta, dir + "/fasta.h5")));
    auto r = run_plmkit(embed(csv, dir + "/csv.h5"));
    require_ok(r);
    require_same(dir + "/fasta.h5", dir + "/csv.h5");
    plmkit::Hdf5Reader h(dir + "/csv.h5");
    CHECK(h.read_strings("ids", 0, 4) ==
          std::vector<std::string>{"gb1:1", "gb1:2", "gb1:3", "gb1:4"});
    // GB1 (265 residues by hand) is cut at --truncate 100 in both.
    CHECK(h.read_i64("original_lengths", 0, 4) == std::vector<std::int64_t>(4, 265));
    CHECK(h.read_i64("lengths", 0, 4) == std::vector<std::int64_t>(4, 100));
}

TEST_CASE("cli embed table: DeepLoc CSV, TSV and .gz give the FASTA's datasets",
          "[cli][embed][table]") {
    DeepLoc d("embed_table_deeploc");
    SECTION("CSV: ids from its protein_id column") {
        require_ok(run_plmkit(embed(d.csv, d.dir + "/csv.h5")));
        require_same(d.one, d.dir + "/csv.h5");
        plmkit::Hdf5Reader h(d.dir + "/csv.h5");
        CHECK(h.read_strings("ids", 0, d.ids.size()) == d.ids);
    }
    SECTION("TSV, columns named by --seq-col and --id-col") {
        std::string tsv_text = "Seq\tacc\tnote\n";
        for (std::size_t i = 0; i < d.ids.size(); ++i)
            tsv_text += d.seqs[i] + "\t" + d.ids[i] + "\tx\n";
        const std::string tsv = d.dir + "/deeploc.tsv";
        test::write_file(tsv, tsv_text);
        require_ok(
            run_plmkit(embed(tsv, d.dir + "/tsv.h5", {"--seq-col", "Seq", "--id-col", "acc"})));
        require_same(d.one, d.dir + "/tsv.h5");
    }
    SECTION(".csv.gz") {
        REQUIRE(std::system(("gzip -k '" + d.csv + "'").c_str()) == 0);
        require_ok(run_plmkit(embed(d.csv + ".gz", d.dir + "/gz.h5")));
        require_same(d.one, d.dir + "/gz.h5");
    }
    SECTION("--format csv for a table with another name") {
        fs::copy_file(d.csv, d.dir + "/deeploc.txt");
        require_ok(
            run_plmkit(embed(d.dir + "/deeploc.txt", d.dir + "/txt.h5", {"--format", "csv"})));
        require_same(d.one, d.dir + "/txt.h5");
    }
}

TEST_CASE("cli embed table: bad rows go to the rejects file with their line; repeats warned",
          "[cli][embed][table]") {
    const std::string dir = fresh_dir("embed_table_rejects");
    const std::string csv = dir + "/in.csv", out = dir + "/out.h5";
    test::write_file(csv,
                     "id,sequence\n"
                     "p1,MKTAYIAKQRQ\n"
                     "p2,\n"
                     "p3,MKT1AY\n"
                     "p1,GSHMLEDPV\n");
    auto r =
        run_plmkit({"embed", "--model", kModel, "--input", csv, "--output", out, "--threads", "1"});
    require_ok(r);
    CHECK_THAT(r.err, Catch::Contains(csv + ":5: duplicate id 'p1' (row kept)"));
    CHECK_THAT(r.err, Catch::Contains("embedded 2 sequences (0 truncated), 2 rejected"));
    const std::string rejects = read_file(out + ".rejects.tsv");
    std::istringstream in(rejects);
    std::string header, row2, row3, extra;
    std::getline(in, header);
    std::getline(in, row2);
    std::getline(in, row3);
    CHECK_FALSE(std::getline(in, extra));
    CHECK(row2 == "p2\t3\tempty sequence");
    CHECK_THAT(row3, Catch::StartsWith("p3\t4\t") && Catch::Contains("'1'"));
    plmkit::Hdf5Reader h(out);
    CHECK(h.read_strings("ids", 0, 2) == std::vector<std::string>{"p1", "p1"});
}

TEST_CASE("cli embed table: an empty table, or a header only, is an empty input as an empty FASTA",
          "[cli][embed][table]") {
    // An empty FASTA: exit 0, a warning (-q does not hide it), an output with
    // no sequences. A table with no header line (empty or blank) or with a
    // header and no rows gets the same, the warning saying which.
    const std::string dir = fresh_dir("embed_table_empty");
    const std::string fasta = dir + "/empty.fasta", fasta_out = dir + "/fasta.h5";
    test::write_file(fasta, "");
    auto f = run_plmkit(embed(fasta, fasta_out));
    require_ok(f);
    CHECK_THAT(f.err, Catch::Contains("plmkit: warning: " + fasta +
                                      ": no FASTA records (no line starts with '>'): the output "
                                      "holds no sequences"));
    std::vector<std::string> fasta_datasets;
    {
        plmkit::Hdf5Reader h(fasta_out);
        for (const auto& d : h.datasets()) {
            CHECK(d.rows == (d.name == "offsets" ? 1u : 0u));  // /offsets: N + 1
            fasta_datasets.push_back(d.name);
        }
        CHECK(h.info("ids").rows == 0);
        CHECK(h.info("mean").rows == 0);
        CHECK(h.read_i64("offsets", 0, 1) == std::vector<std::int64_t>{0});
    }
    struct Case {
        std::string name, text, reason;
    };
    const std::vector<Case> cases = {
        {"empty.csv", "", "an empty table (no header line, no rows)"},
        {"blank.tsv", "\n  \n\t\n", "an empty table (no header line, no rows)"},
        {"header.csv", "id,sequence\n", "no rows after the header"},
    };
    for (const auto& c : cases) {
        SECTION(c.name) {
            const std::string in = dir + "/" + c.name, out = dir + "/" + c.name + ".h5";
            test::write_file(in, c.text);
            auto r = run_plmkit(embed(in, out));
            require_ok(r);
            CHECK_THAT(r.err, Catch::Contains("plmkit: warning: " + in + ": " + c.reason +
                                              ": the output holds no sequences"));
            CHECK(read_file(out + ".rejects.tsv") == "id\tline\treason\n");
            plmkit::Hdf5Reader h(out);
            std::vector<std::string> names;
            for (const auto& d : h.datasets()) {
                CHECK(d.rows == (d.name == "offsets" ? 1u : 0u));  // /offsets: N + 1
                names.push_back(d.name);
            }
            CHECK(names == fasta_datasets);
        }
    }
}

TEST_CASE("cli embed table: FASTA and table warn about repeated ids alike, 10 then a total",
          "[cli][embed][table]") {
    // 12 records with id 'a': 11 repeats, the first 10 warned about (the 10th
    // says the rest are only counted), then the total at the end.
    const std::string dir = fresh_dir("embed_table_repeats");
    std::string fasta_text, csv_text = "id,sequence\n";
    for (int i = 0; i < 12; ++i) {
        fasta_text += ">a\nMKT\n";
        csv_text += "a,MKT\n";
    }
    const std::string fasta = dir + "/in.fasta", csv = dir + "/in.csv";
    test::write_file(fasta, fasta_text);
    test::write_file(csv, csv_text);
    auto count = [](const std::string& text, const std::string& what) {
        std::size_t n = 0;
        for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
            ++n;
        return n;
    };
    for (const auto& [in, item, last_line] :
         {std::tuple{fasta, std::string("record"), 21}, std::tuple{csv, std::string("row"), 12}}) {
        auto r = run_plmkit(
            {"embed", "--model", kModel, "--input", in, "--output", in + ".h5", "--threads", "1"});
        require_ok(r);
        CHECK(count(r.err, ": duplicate id 'a' (" + item + " kept)") == 10);
        CHECK_THAT(r.err,
                   Catch::Contains(in + ":" + std::to_string(last_line) + ": duplicate id 'a' (" +
                                   item + " kept); further duplicates are only counted"));
        CHECK_THAT(r.err, Catch::Contains("plmkit: warning: " + in + ": 11 " + item +
                                          "s have a duplicate id (all kept, in file order)"));
        CHECK_THAT(r.err, Catch::Contains("embedded 12 sequences"));
    }
}

TEST_CASE("cli embed table: an unknown column lists the file's columns with a did-you-mean",
          "[cli][embed][table]") {
    const std::string dir = fresh_dir("embed_table_columns");
    const std::string csv = dir + "/in.csv";
    test::write_file(csv, "protein_id,sequence\nA,MKT\n");
    auto r = run_plmkit({"embed", "--model", kModel, "--input", csv, "--output", dir + "/o.h5",
                         "--seq-col", "seqence"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err,
               Catch::Contains(csv + ": no sequence column 'seqence' (columns: 'protein_id', "
                                     "'sequence'); choose one with --seq-col") &&
                   Catch::Contains("did you mean 'sequence'"));
    auto i = run_plmkit({"embed", "--model", kModel, "--input", csv, "--output", dir + "/o.h5",
                         "--id-col", "protien_id"});
    CHECK(i.exit_code == 2);
    CHECK_THAT(i.err, Catch::Contains(csv + ": no id column 'protien_id' (columns: 'protein_id', "
                                            "'sequence')") &&
                          Catch::Contains("did you mean 'protein_id'"));
    CHECK_FALSE(fs::exists(dir + "/o.h5"));
}

TEST_CASE("cli embed table: --resume goes on from a killed run, refuses another --seq-col",
          "[cli][embed][table][resume]") {
    const std::string dir = fresh_dir("embed_table_resume");
    const std::string csv = dir + "/in.csv";
    test::write_file(csv,
                     "id,sequence,mutant\n"
                     "a,MKTAYIAKQRQ,MKTAYIAKQRA\n"
                     "b,GSHMLEDPV,GSHMLEDPA\n"
                     "c,ACDEFGHIKLMNPQ,ACDEFGHIKLMNPA\n"
                     "d,PEPTIDE,PEPTIDA\n"
                     "e,QQQ,QQA\n");
    const std::vector<std::string> every = {"--checkpoint-every", "2"};
    require_ok(run_plmkit(embed(csv, dir + "/one.h5", every)));
    const std::string two = dir + "/two.h5";
    {
        test::ScopedEnv kill({{"PLMKIT_TEST_KILL_AFTER_PARTS", std::string("1")}});
        REQUIRE(run_plmkit(embed(csv, two, every)).exit_code == 128 + 9);
    }
    auto refused =
        run_plmkit(embed(csv, two, {"--checkpoint-every", "2", "--seq-col", "mutant", "--resume"}));
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err,
               Catch::Contains("--resume: this run differs from the interrupted one") &&
                   Catch::Contains("'seq_col' (--seq-col) is 'mutant', it was "
                                   "'sequence'"));
    auto resumed = run_plmkit(embed(csv, two, {"--checkpoint-every", "2", "--resume"}));
    require_ok(resumed);
    require_same(dir + "/one.h5", two);
}

TEST_CASE("cli embed table: shards of a table merge to the single run",
          "[cli][embed][table][merge]") {
    DeepLoc d("embed_table_shards");
    for (const char* shard : {"0/2", "1/2"})
        require_ok(run_plmkit(embed(d.csv, d.dir + "/emb.h5", {"--shard", shard})));
    require_ok(run_plmkit({"-q", "merge", "--kind", "embed", "--output", d.dir + "/merged.h5",
                           d.dir + "/emb.shard-0-of-2.h5", d.dir + "/emb.shard-1-of-2.h5"}));
    require_same(d.one, d.dir + "/merged.h5");
    plmkit::Hdf5Reader h(d.dir + "/merged.h5");
    std::string seq_col;
    for (const auto& a : h.attributes())
        if (a.name == "seq_col") seq_col = a.text;
    CHECK(seq_col == "sequence");
}

TEST_CASE("cli slurm embed: a CSV input is checked up front and its options passed on",
          "[cli][slurm][embed][table]") {
    DeepLoc d("slurm_embed_table", 2);
    const std::string out = d.dir + "/emb.h5";
    auto g = run_plmkit({"slurm", "embed", "--model", kModel, "--input", d.csv, "--seq-col",
                         "sequence", "--id-col", "protein_id", "--output", out, "--array", "2"});
    INFO(g.err);
    REQUIRE(g.exit_code == 0);
    CHECK_THAT(read_file(out + ".slurm/embed-array.sh"),
               Catch::Contains(" embed --model " + kModel + " --input " + d.csv +
                               " --seq-col sequence --id-col protein_id --output "));
    auto bad = run_plmkit({"slurm", "embed", "--model", kModel, "--input", d.csv, "--seq-col",
                           "seq", "--output", d.dir + "/bad.h5", "--array", "2"});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, Catch::Contains("no sequence column 'seq'") &&
                            Catch::Contains("choose one with --seq-col"));
    CHECK_FALSE(fs::exists(d.dir + "/bad.h5.slurm"));
}
