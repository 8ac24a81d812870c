// plmkit predict / evaluate: use a model from plmkit train.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "apps/plmkit/command.hpp"
#include "apps/plmkit/featurizer_flags.hpp"
#include "apps/plmkit/list_options.hpp"
#include "apps/plmkit/number_checks.hpp"
#include "pipelines/predict_job.hpp"
#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "src/json_file.hpp"
#include "src/log.hpp"
#include "src/strings.hpp"

namespace plmkit::cli {
namespace {

/// --probabilities of predict and evaluate (docs/predict.md "Probabilities").
void add_probabilities_option(CLI::App* cmd, std::string& value) {
    cmd->add_option("--probabilities", value,
                    "Classifiers: as-trained (each part as trained: mlp/mpnn parts of a "
                    "--class-weights balanced run give probabilities under balanced classes) | "
                    "prior (those parts corrected to the training rows' positive rates before "
                    "the parts are averaged)")
        ->capture_default_str();
}

struct PredictCli {
    pipelines::PredictOptions job;
    RuntimeFlags runtime;
};

void run_predict(PredictCli c) {
    c.job.runtime = to_runtime(c.runtime);
    if (global_options().verbosity < 0) c.job.progress = false;
    auto s = pipelines::run_predict(c.job);
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.0f", s.seconds > 0 ? s.records / s.seconds : 0.0);
    // ESM-2 models: how many predicted sequences only had their first
    // --truncate residues embedded (the warning above says more).
    const std::string truncated = s.truncate == 0 ? std::string()
                                                  : ", " + std::to_string(s.truncated) +
                                                        " longer than --truncate " +
                                                        std::to_string(s.truncate) + " (truncated)";
    log_info("predict: " + count_noun(s.records, "record") + ": " + std::to_string(s.predicted) +
             " predicted" + truncated + ", " + std::to_string(s.rejected) + " rejected (" +
             s.rejects_path + ") in " + std::to_string(static_cast<int>(s.seconds)) + " s (" +
             rate + "/s)");
}

PLMKIT_COMMAND(52, [](CLI::App& app) {
    auto c = std::make_shared<PredictCli>();
    auto& o = c->job;
    auto* cmd = app.add_subcommand("predict", "Predict with a model from plmkit train");
    cmd->add_option("-m,--model", o.model, "Model directory (plmkit train --output)")->required();
    cmd->add_option("-i,--input", o.input,
                    "Molecules (.smi/.csv/.tsv/.sdf, .gz) or proteins (FASTA, CSV)")
        ->required();
    cmd->add_option("-o,--output", o.output, "Predictions CSV ('-' = stdout)")->required();
    cmd->add_option("--rejects", o.rejects,
                    "Rejected rows TSV (default <output stem>.rejects.tsv; with --output -, "
                    "<input stem>.rejects.tsv in the current directory)");
    cmd->add_option("--input-col", o.input_col,
                    "SMILES / sequence column (default: the model's, else smiles/sequence)");
    cmd->add_option("--id-col", o.id_col, id_col_help());
    cmd->add_option("--format", o.format, "auto | smi | csv | tsv | sdf | fasta")
        ->capture_default_str();
    cmd->add_option("--chunk", o.chunk, "Rows predicted at a time")->capture_default_str();
    add_list_option(cmd, "--keep-cols", o.keep_cols,
                    "Input columns / SD tags to copy into the output and rejects after "
                    "predict's columns (COL[,COL...], or 'all': every column but the input and "
                    "id; a name predict writes itself, e.g. a target, becomes input_<name>; not "
                    "for FASTA)");
    add_probabilities_option(cmd, o.probabilities);
    cmd->add_flag_callback(
        "--no-progress", [o = &c->job] { o->progress = false; }, "Never draw the progress line");
    add_runtime_flags(cmd, c->runtime);
    cmd->footer(
        "Examples:\n"
        "  plmkit predict --model esol_model --input examples/library.csv --output preds.csv\n"
        "  plmkit predict --model gb1_model --input variants.fasta --output gb1_preds.csv\n"
        "  plmkit predict --model esol_model --input library.csv --output preds.csv \\\n"
        "    --keep-cols vendor_id,price\n"
        "Columns: id, smiles (or sequence), one per target (the ensemble mean; a probability\n"
        "for classification) and <target>_std with an ensemble, then the --keep-cols columns.\n"
        "Rows that cannot be read or featurized go to the rejects TSV with the reason. Text\n"
        "that is not valid UTF-8 is written with \\xHH for each bad byte. ESM-2 models embed\n"
        "the first --truncate residues (the model's) of longer sequences: a warning and the\n"
        "summary count them.");
    refuse_empty_values(cmd);
    cmd->callback([c] { run_predict(*c); });
});

struct EvaluateCli {
    pipelines::EvaluateOptions job;
    RuntimeFlags runtime;
};

void run_evaluate(EvaluateCli c) {
    c.job.runtime = to_runtime(c.runtime);
    // Opened before the model runs, so that an --output whose folder is
    // missing stops the command at once rather than after scoring the table.
    std::optional<AtomicFile> file;
    if (c.job.output != "-") file.emplace(c.job.output);
    nlohmann::json j = pipelines::run_evaluate(c.job);
    const std::string text = json_text(j) + "\n";
    if (!file) {
        std::cout << text << std::flush;
    } else {
        std::ofstream out(file->temp_path());
        out << text;
        out.close();
        if (!out) throw IoError("cannot write '" + c.job.output + "': " + errno_message());
        file->commit();
    }
    log_info("evaluate: " + count_noun(j["n"].get<std::uint64_t>(), "row") + " scored, " +
             j["rejected"].dump() + " rejected" +
             (j["rejects"].is_string() ? " (" + j["rejects"].get<std::string>() + ")" : "") +
             "; mean " + j["metrics"]["mean"].dump() + " -> " +
             (c.job.output == "-" ? std::string("stdout") : c.job.output));
}

PLMKIT_COMMAND(54, [](CLI::App& app) {
    auto c = std::make_shared<EvaluateCli>();
    auto& o = c->job;
    auto* cmd = app.add_subcommand("evaluate", "Metrics of a model on a labelled table (JSON)");
    cmd->add_option("-m,--model", o.model, "Model directory (plmkit train --output)")->required();
    cmd->add_option("--data", o.data, "Table with the model's target columns")->required();
    cmd->add_option("-o,--output", o.output, "Metrics JSON ('-' = stdout)")->capture_default_str();
    cmd->add_option(
        "--rejects", o.rejects,
        "Rows that cannot be scored, with the reason (TSV; default "
        "<output stem>.rejects.tsv; with stdout, <data stem>.rejects.tsv here when a row "
        "is rejected)");
    cmd->add_option("--input-col", o.input_col, "SMILES / sequence column (default: the model's)");
    cmd->add_option("--id-col", o.id_col, id_col_help());
    cmd->add_option("--target-col", o.target_cols,
                    "Columns holding the model's targets, in its order (default: same names)");
    add_list_option(cmd, "--split-set", o.split_sets,
                    "Score only the rows of --data (the training file) that the model's "
                    "split.csv puts in these sets: train, valid, test, none (comma-separated)");
    cmd->add_option("--format", o.format, "auto | smi | csv | tsv | sdf")->capture_default_str();
    add_probabilities_option(cmd, o.probabilities);
    add_runtime_flags(cmd, c->runtime);
    cmd->footer(
        "Examples:\n"
        "  plmkit evaluate --model esol_model --data ../shared/data/esol/delaney-processed.csv\n"
        "  plmkit evaluate --model esol_model --data ../shared/data/esol/delaney-processed.csv \\\n"
        "    --split-set test\n"
        "Regression: rmse, mae, r2, spearman; classification: roc_auc, pr_auc, accuracy, mcc,\n"
        "log_loss, brier (per target and their mean over targets). Rows that cannot be\n"
        "scored go to the rejects TSV with the reason; no scorable row at all is an error\n"
        "(exit 3). ESM-2 models embed the first --truncate residues (the model's) of longer\n"
        "sequences; a warning counts them.");
    refuse_empty_values(cmd);
    cmd->callback([c] { run_evaluate(*c); });
});

}  // namespace
}  // namespace plmkit::cli
