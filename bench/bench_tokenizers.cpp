// Tokenizer throughput on one core: the SMILES scanner on the 90k ChEMBL
// library and the ESM tokenizer on the DeepLoc test proteins. Inputs are
// read into memory first; each measurement repeats until it has used > 1 s of
// CPU time, and prints rates per CPU-second of its one thread (and per wall
// second, lower on a busy machine).
//   build/bin/bench_tokenizers [chembl.csv] [proteins.fasta]
#include <time.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "data/fasta_reader.hpp"
#include "src/line_reader.hpp"
#include "tokenizers/esm_tokenizer.hpp"
#include "tokenizers/smiles_tokenizer.hpp"
#include "tokenizers/vocab.hpp"

using namespace plmkit;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<std::string> read_smiles_column(const std::string& path) {
    LineReader r(path);
    std::string line;
    std::vector<std::string> out;
    if (!r.next(line)) return out;  // header: smiles,chembl_id,...
    while (r.next(line))
        out.push_back(line.substr(0, line.find(',')));
    return out;
}

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct Rate {
    double per_cpu_second = 0;   ///< passes per second of this thread's CPU time
    double per_wall_second = 0;  ///< passes per wall-clock second
};

// Runs `pass` (one pass over the inputs) until > min_seconds of CPU time.
// The CPU-time rate is the one-core figure; on a busy machine the wall-clock
// rate also counts the time the thread waited for a core.
template <typename F>
Rate repeat(F&& pass, double min_seconds = 1.0) {
    auto start = Clock::now();
    double cpu0 = thread_cpu_seconds();
    std::size_t passes = 0;
    double cpu = 0;
    do {
        pass();
        ++passes;
        cpu = thread_cpu_seconds() - cpu0;
    } while (cpu < min_seconds);
    double wall = std::chrono::duration<double>(Clock::now() - start).count();
    return {passes / cpu, passes / wall};
}

void bench_smiles(const std::string& path) {
    auto smiles = read_smiles_column(path);
    std::size_t chars = 0;
    for (const auto& s : smiles)
        chars += s.size();
    std::printf("SMILES input: %s, %zu SMILES, %.1f chars/SMILES\n", path.c_str(), smiles.size(),
                double(chars) / smiles.size());

    std::vector<std::string_view> tokens;
    tokens.reserve(256);
    std::size_t total = 0, rejected = 0;
    Rate r = repeat([&] {
        total = rejected = 0;
        for (const auto& s : smiles) {
            if (tokenizers::SmilesTokenizer::tokenize(s, tokens))
                total += tokens.size();
            else
                ++rejected;
        }
    });
    std::printf(
        "smiles tokenize (string_view spans): %.2fM SMILES/s, %.1fM tokens/s per CPU-second "
        "(wall: %.2fM SMILES/s; %zu tokens, %zu rejected)\n",
        r.per_cpu_second * smiles.size() / 1e6, r.per_cpu_second * total / 1e6,
        r.per_wall_second * smiles.size() / 1e6, total, rejected);

    std::ptrdiff_t counted = 0;
    r = repeat([&] {
        counted = 0;
        for (const auto& s : smiles)
            counted += tokenizers::SmilesTokenizer::count_tokens(s);
    });
    std::printf(
        "smiles count_tokens:                 %.2fM SMILES/s, %.1fM tokens/s per CPU-second\n",
        r.per_cpu_second * smiles.size() / 1e6, r.per_cpu_second * counted / 1e6);

    tokenizers::VocabBuilder builder;
    for (const auto& s : smiles)
        if (tokenizers::SmilesTokenizer::tokenize(s, tokens)) builder.add(tokens);
    auto vocab = builder.build();
    std::vector<std::int32_t> ids;
    std::uint64_t unknown = 0;
    r = repeat([&] {
        for (const auto& s : smiles)
            if (tokenizers::SmilesTokenizer::tokenize(s, tokens))
                unknown += vocab.encode(tokens, ids, true);
    });
    std::printf(
        "smiles tokenize + vocab ids:         %.2fM SMILES/s per CPU-second (vocab %zu tokens)\n",
        r.per_cpu_second * smiles.size() / 1e6, vocab.size());
}

void bench_esm(const std::string& path) {
    data::FastaReader reader(path);
    data::SequenceRecord rec;
    std::vector<std::string> seqs;
    std::size_t residues = 0;
    while (reader.next(rec)) {
        residues += rec.sequence.size();
        seqs.push_back(rec.sequence);
    }
    std::printf("protein input: %s, %zu sequences, %.0f residues/sequence\n", path.c_str(),
                seqs.size(), double(residues) / seqs.size());
    tokenizers::EsmTokenizer tok;
    std::size_t kept = 0;
    Rate r = repeat([&] {
        kept = 0;
        for (const auto& s : seqs) {
            auto e = tok.encode(s);
            kept += e.residues;
        }
    });
    std::printf(
        "esm encode: %.1fM residues/s, %.0fk sequences/s per CPU-second (wall: %.1fM residues/s)\n",
        r.per_cpu_second * kept / 1e6, r.per_cpu_second * seqs.size() / 1e3,
        r.per_wall_second * kept / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
    std::string shared = PLMKIT_SHARED_DIR;
    std::string smiles =
        argc > 1 ? argv[1] : shared + "/data/chembl30_subset/chembl30_subset_90k.csv";
    std::string fasta = argc > 2 ? argv[2] : shared + "/data/deeploc/deeploc_test_set.fasta";
    try {
        bench_smiles(smiles);
        bench_esm(fasta);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_tokenizers: %s\n", e.what());
        return 1;
    }
    return 0;
}
