// plmkit tokenize: proteins or SMILES -> one JSON line of tokens and ids per record.
#include "apps/plmkit/command.hpp"
#include "apps/plmkit/number_checks.hpp"
#include "pipelines/tokenize_job.hpp"

namespace plmkit::cli {
namespace {

PLMKIT_COMMAND(10, [](CLI::App& app) {
    auto opt = std::make_shared<pipelines::TokenizeOptions>();
    auto* cmd = app.add_subcommand("tokenize",
                                   "Tokenize proteins (ESM-2 alphabet) or SMILES into JSON lines");
    cmd->add_option("INPUT", opt->input,
                    "FASTA (protein) or .smi/CSV/TSV (smiles), .gz ok; - = stdin")
        ->required();
    cmd->add_option("--kind", opt->kind, "protein or smiles")
        ->required()
        ->check(CLI::IsMember({"protein", "smiles"}));
    cmd->add_option("--vocab", opt->vocab,
                    "protein: a checkpoint's vocab.txt, verified against the ESM-2 alphabet; "
                    "smiles: vocab.txt giving the ids (unknown tokens -> <unk>, counted)")
        ->check(not_empty("a vocab.txt file"));
    cmd->add_option("--truncate", opt->truncate,
                    "Keep at most N residues (protein) or tokens (smiles); 0 = all")
        ->check(at_least(0))
        ->capture_default_str();
    cmd->add_option("-o,--output", opt->output,
                    "JSON-lines output (- = stdout); rejects go to <output>.rejects.tsv (with -, "
                    "each is a warning on stderr)")
        ->check(not_empty("a file name, or - for standard output"))
        ->capture_default_str();
    cmd->add_option("--format", opt->format, "smiles input format: auto, smi, csv, tsv")
        ->check(not_empty("auto, smi, csv or tsv"))
        ->capture_default_str();
    cmd->add_option("--smiles-col", opt->smiles_col, "smiles: column holding the SMILES")
        ->check(not_empty("a column name"))
        ->capture_default_str();
    cmd->add_option("--id-col", opt->id_col,
                    "smiles: column holding the id (default: id, name, chembl_id, ...; else "
                    "<file-stem>:<n>)")
        ->check(not_empty("a column name"));
    cmd->footer(
        "Output: one line per record, {\"id\":...,\"tokens\":[...],\"ids\":[...]}; protein ids "
        "are\n"
        "the ESM-2 ids with <cls> and <eos>; smiles lines carry \"ids\" only with --vocab.\n"
        "A record that cannot be tokenized is a warning on stderr and a row of\n"
        "<output>.rejects.tsv (id, line, reason; with --output -, the warnings are the only\n"
        "record of them); the run goes on (exit 0).\n"
        "\nExamples:\n"
        "  plmkit tokenize --kind protein proteins.fasta\n"
        "  plmkit tokenize --kind protein --vocab esm2_t6_8M_UR50D/vocab.txt --truncate 1022 \\\n"
        "      --output tokens.jsonl proteins.fasta.gz\n"
        "  plmkit vocab build --kind smiles library.csv --output vocab.txt\n"
        "  plmkit tokenize --kind smiles --vocab vocab.txt --smiles-col smiles --id-col chembl_id "
        "\\\n"
        "      --output tokens.jsonl library.csv");
    cmd->callback([opt] {
        pipelines::TokenizeOptions o = *opt;
        o.progress = o.output != "-";
        pipelines::run_tokenize(o);
    });
});

}  // namespace
}  // namespace plmkit::cli
