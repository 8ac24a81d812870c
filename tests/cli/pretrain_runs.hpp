#pragma once
// The small pretrain runs shared by the CLI tests of pretrain in pieces and
// --resume (test_cli_pretrain_pieces.cpp, test_cli_pretrain_resume.cpp) and
// of its progress lines (test_cli_pretrain_protein.cpp,
// test_cli_no_progress.cpp), and the one uninterrupted SMILES run the
// interrupted runs must end as, byte for byte: trained once per test binary
// run, only read afterwards.
#include <string>
#include <vector>

#include "tests/catch.hpp"
#include "tests/test_support.hpp"

namespace plmkit::test {

inline const std::string& esol_csv() {
    static const std::string path = shared_path("data/esol/delaney-processed.csv");
    return path;
}

inline const std::string& gb1_csv() {
    static const std::string path = shared_path("data/flip_gb1/sampled.csv");
    return path;
}

/// 60 ESOL molecules (`data`, default the ESOL CSV): 54 training SMILES in
/// batches of 8, 7 steps an epoch, 3 epochs (the start line says "21
/// steps"); dropout 0.1 (the default) on.
inline std::vector<std::string> smiles_pretrain_args(const std::string& out,
                                                     const std::string& data = esol_csv()) {
    return {"pretrain", "--data",       data, "--output", out,    "--max-records", "60", "--epochs",
            "3",        "--batch-size", "8",  "--lr",     "1e-3", "--hidden",      "16", "--layers",
            "1",        "--heads",      "2",  "--ffn",    "32",   "--max-len",     "64", "--seed",
            "3",        "--threads",    "1"};
}

/// 24 GB1 variants on the esm2_tiny fixture: 22 training sequences in
/// batches of `batch_size` for `epochs` epochs, cropped to 120 residues.
inline std::vector<std::string> protein_pretrain_args(const std::string& out,
                                                      const std::string& epochs,
                                                      const std::string& batch_size) {
    return {"pretrain",
            "--kind",
            "protein",
            "--esm-model",
            esm2_tiny_model(),
            "--data",
            gb1_csv(),
            "--max-records",
            "24",
            "--epochs",
            epochs,
            "--lr",
            "2e-3",
            "--batch-size",
            batch_size,
            "--crop",
            "120",
            "--seed",
            "2",
            "--threads",
            "1",
            "--output",
            out};
}

/// 40 ESOL molecules on a tiny model, 1 epoch of 3 steps (batches of 12),
/// with --log-every 0: a progress line after every step where stderr is not
/// a terminal (as in run_plmkit).
inline std::vector<std::string> smiles_progress_args(const std::string& out) {
    return {"pretrain", "--data",       esol_csv(), "--max-records", "40", "--epochs",
            "1",        "--batch-size", "12",       "--hidden",      "16", "--layers",
            "1",        "--heads",      "2",        "--ffn",         "16", "--threads",
            "1",        "--log-every",  "0",        "--output",      out};
}

/// The folder of one uninterrupted run of smiles_pretrain_args(), made once;
/// its stderr was checked for the vocabulary and step count of the start
/// line and no checkpoints folder is left.
inline std::string smiles_pretrain_whole_run() {
    return built_once("smiles_pretrain_whole_run", [] {
        const std::string out = fresh_path("cli_lm_whole_run");
        auto r = run_plmkit(smiles_pretrain_args(out));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        REQUIRE_THAT(r.err, Catch::Contains("vocabulary") && Catch::Contains(" tokens, 21 steps"));
        REQUIRE_FALSE(file_exists(out + "/checkpoints"));
        return out;
    });
}

}  // namespace plmkit::test
