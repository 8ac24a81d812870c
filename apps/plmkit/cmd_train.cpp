// plmkit train: a molecule property model from measured values.
#include <cstdio>

#include "apps/plmkit/command.hpp"
#include "pipelines/train_job.hpp"
#include "src/error.hpp"
#include "src/log.hpp"

namespace plmkit::cli {
namespace {

void run(pipelines::TrainOptions opt, const std::string& hidden) {
    opt.command_line = global_options().command_line;
    if (!hidden.empty()) {
        opt.hidden.clear();
        std::size_t pos = 0;
        while (pos <= hidden.size()) {
            std::size_t comma = hidden.find(',', pos);
            std::string item =
                hidden.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
            try {
                opt.hidden.push_back(std::stoll(item));
            } catch (const std::exception&) {
                throw UsageError("--hidden must be sizes like 1000,500, got '" + hidden + "'");
            }
            if (comma == std::string::npos) break;
            pos = comma + 1;
        }
    }
    auto s = pipelines::run_train(opt);
    if (!s.completed) return;
    std::string line = "train: model written to " + opt.output + " in " +
                       std::to_string(static_cast<int>(s.seconds)) + " s";
    if (s.metrics.contains("test")) line += "; test " + s.metrics["test"]["mean"].dump();
    log_info(line);
}

PLMKIT_COMMAND(50, [](CLI::App& app) {
    auto opt = std::make_shared<pipelines::TrainOptions>();
    auto hidden = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("train", "Train a molecule property model (MLP ensemble)");
    cmd->add_option("--data", opt->data, "Table of molecules and values (CSV/TSV/.smi/.sdf, .gz)")
        ->required();
    cmd->add_option("--input-col", opt->input_col, "SMILES column")->capture_default_str();
    cmd->add_option("--target-col", opt->target_cols, "Target column (repeat for multi-task)")
        ->required();
    cmd->add_option("--id-col", opt->id_col, "Id column (default: auto)");
    cmd->add_option("--task", opt->task, "regression | classification")->capture_default_str();
    cmd->add_option("--output", opt->output, "Model directory to write")->required();
    cmd->add_option("--featurizer", opt->featurizer.name, "morgan | rdkit2d | morgan+rdkit2d")
        ->capture_default_str();
    cmd->add_option("--split", opt->split,
                    "random | scaffold | column:NAME | file:PATH (row_index,scaffold_split)")
        ->capture_default_str();
    cmd->add_option("--split-sizes", opt->split_sizes, "train,valid,test fractions")
        ->delimiter(',')
        ->expected(3)
        ->capture_default_str();
    cmd->add_option("--seed", opt->seed, "Seed of the split and the models")->capture_default_str();
    cmd->add_option("--epochs", opt->epochs, "Maximum epochs")->capture_default_str();
    cmd->add_option("--batch-size", opt->batch_size, "Molecules per step")->capture_default_str();
    cmd->add_option("--lr", opt->lr, "Peak learning rate (AdamW)")->capture_default_str();
    cmd->add_option("--weight-decay", opt->weight_decay, "AdamW weight decay")
        ->capture_default_str();
    cmd->add_option("--patience", opt->patience, "Early stopping patience in epochs (0 = off)")
        ->capture_default_str();
    cmd->add_option("--hidden", *hidden, "Hidden layer sizes, e.g. 1000,500 (default 1000,500)");
    cmd->add_option("--dropout", opt->dropout, "Dropout after each hidden layer")
        ->capture_default_str();
    cmd->add_option("--ensemble", opt->ensemble, "Models with seeds seed..seed+K-1")
        ->capture_default_str();
    cmd->add_option("--threads", opt->threads, "LibTorch threads (0 = all cores)")
        ->capture_default_str();
    cmd->add_flag("--resume", opt->resume, "Continue an interrupted run in --output");
    cmd->add_option("--stop-after-epochs", opt->stop_after_epochs,
                    "Stop after N epochs of this run, keeping checkpoints for --resume");
    cmd->footer(
        "Examples:\n"
        "  plmkit train --data ../shared/data/esol/delaney-processed.csv --input-col smiles \\\n"
        "    --target-col 'measured log solubility in mols per litre' --task regression \\\n"
        "    --output esol_model --ensemble 5\n"
        "  plmkit train --data ../shared/data/bbbp/BBBP.csv --target-col p_np \\\n"
        "    --task classification --split scaffold --output bbbp_model\n"
        "The model directory holds config.json, model.safetensors, metrics.json, split.csv\n"
        "and rejects.tsv (rows that could not be used, with the reason). See docs/train.md.");
    cmd->callback([opt, hidden] { run(*opt, *hidden); });
});

}  // namespace
}  // namespace plmkit::cli
