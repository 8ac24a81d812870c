// plmkit vocab build: a SMILES vocabulary (vocab.txt) from a molecule file.
#include "apps/plmkit/command.hpp"
#include "apps/plmkit/number_checks.hpp"
#include "pipelines/vocab_build_job.hpp"

namespace plmkit::cli {
namespace {

PLMKIT_COMMAND(15, [](CLI::App& app) {
    auto* vocab = app.add_subcommand("vocab", "Build token vocabularies (vocab.txt)");
    vocab->require_subcommand(1);
    vocab->footer(
        "Examples:\n"
        "  plmkit vocab build --kind smiles chembl.csv --output vocab.txt --min-freq 5\n"
        "Run 'plmkit vocab build --help' for the options.");
    auto opt = std::make_shared<pipelines::VocabBuildJobOptions>();
    auto* cmd = vocab->add_subcommand(
        "build", "Count SMILES tokens over a corpus and write vocab.txt (specials first)");
    cmd->add_option("INPUT", opt->input, ".smi / CSV / TSV (.gz ok); - = stdin")->required();
    cmd->add_option("--kind", opt->kind, "smiles (the protein alphabet is fixed)")
        ->capture_default_str();
    // vocab.txt and the rejects are files: '-' is not standard output here
    // (it wrote files named '-' and '-.rejects.tsv').
    const CLI::Validator a_file(
        [](std::string& v) {
            return v == "-" ? std::string(
                                  "vocab build writes files, not standard output: name a "
                                  "file")
                            : std::string();
        },
        // No name: --help would show "TEXT:FILE", CLI11's mark of a file that must exist.
        "");
    cmd->add_option("-o,--output", opt->output, "vocab.txt to write")
        ->required()
        ->check(not_empty("a file name"))
        ->check(a_file);
    cmd->add_option("--rejects", opt->rejects,
                    "Records left out, with id, line and reason (default: "
                    "<output>.rejects.tsv)")
        ->check(not_empty("a file name"))
        ->check(a_file);
    cmd->add_option("--min-freq", opt->min_frequency, "Keep tokens seen at least N times")
        ->check(at_least(1))
        ->capture_default_str();
    cmd->add_option("--max-size", opt->max_size,
                    "At most N entries, specials included: 0 (no cap) or at least 5")
        ->check(at_least(0))
        ->capture_default_str();
    cmd->add_option("--format", opt->format, "Input format: auto, smi, csv, tsv")
        ->check(not_empty("auto, smi, csv or tsv"))
        ->capture_default_str();
    cmd->add_option("--smiles-col", opt->smiles_col, "Column holding the SMILES")
        ->check(not_empty("a column name"))
        ->capture_default_str();
    cmd->footer(
        "vocab.txt holds one token per line, line number - 1 = id: <pad> <unk> <cls> <eos>\n"
        "<mask> (ids 0-4), then tokens by decreasing frequency (ties in byte order).\n"
        "Records that cannot be used go to the rejects TSV (id, line, reason), none silently.\n"
        "\nExamples:\n"
        "  plmkit vocab build --kind smiles chembl.csv --output vocab.txt\n"
        "  plmkit vocab build --kind smiles library.smi --output vocab.txt --min-freq 5");
    cmd->callback([opt] {
        pipelines::VocabBuildJobOptions o = *opt;
        o.progress = true;
        pipelines::run_vocab_build(o);
    });
});

}  // namespace
}  // namespace plmkit::cli
