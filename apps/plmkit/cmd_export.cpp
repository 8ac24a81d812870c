// plmkit export: the fine-tuned ESM-2 encoder of a plmkit train model as a
// Hugging Face ESM-2 directory (embed --model, EsmModel.from_pretrained), or
// its fine-tuned SMILES encoder as pretrain's LM_DIR (train --lm-model).
#include <memory>
#include <string>

#include "apps/plmkit/command.hpp"
#include "apps/plmkit/number_checks.hpp"
#include "pipelines/export_job.hpp"
#include "src/log.hpp"

namespace plmkit::cli {
namespace {

void run_export_cli(pipelines::ExportOptions o) {
    o.command_line = global_options().command_line;
    const pipelines::ExportResult r = pipelines::run_export(o);
    log_info("export: member " + std::to_string(r.member) + " of " + std::to_string(r.members) +
             " (--finetune " + r.finetune + "): " + std::to_string(r.trained_tensors) +
             " fine-tuned tensors, every other one from " + r.base_dir + " -> " + o.output);
    if (r.kind == "smiles-lm") {
        log_info(
            "export: a SMILES encoder as plmkit pretrain writes it: plmkit train "
            "--featurizer smiles-lm --lm-model " +
            o.output);
        return;
    }
    log_info("export: the model pooled the final layer as '" + r.pooling + "' over the first " +
             std::to_string(r.truncate) + " residues: plmkit embed --model " + o.output +
             " --include " + (r.pooling == "bos" ? "bos" : "mean") + " --truncate " +
             std::to_string(r.truncate) + " gives the features its head was trained on");
}

PLMKIT_COMMAND(55, [](CLI::App& app) {
    auto o = std::make_shared<pipelines::ExportOptions>();
    auto* cmd = app.add_subcommand(
        "export",
        "Write the fine-tuned encoder of a plmkit train model: ESM-2 as a Hugging Face "
        "directory, a SMILES encoder as plmkit pretrain writes one");
    cmd->add_option("-m,--model", o->model,
                    "Model directory of plmkit train --featurizer esm|smiles-lm --finetune "
                    "last:N|full")
        ->required();
    cmd->add_option("-o,--output", o->output,
                    "New (or empty) directory to write: config.json, model.safetensors, "
                    "vocab.txt (and an ESM-2 base's other tokenizer files), README.md")
        ->required();
    cmd->add_option("--member", o->member,
                    "Ensemble member whose encoder to write, 0-based (required with "
                    "--ensemble N > 1: each member fine-tuned its own encoder)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--save-dtype", o->save_dtype,
                    "The fine-tuned tensors' dtype: input (as the base checkpoint stores them: "
                    "float32, float16 or bfloat16) or float32 (a SMILES encoder is float32)")
        ->capture_default_str();
    cmd->footer(
        "Examples:\n"
        "  plmkit export --model gb1_finetuned --output gb1_esm2\n"
        "  plmkit embed --model gb1_esm2 --input variants.fasta --output emb.h5\n"
        "  plmkit export --model gb1_ensemble --member 2 --output gb1_esm2_m2\n"
        "The output has the base checkpoint's tensor names, shapes and dtypes: the\n"
        "fine-tuned tensors (the last N blocks and the final LayerNorm; with full, the\n"
        "token embeddings too) replace the base's, every other tensor (frozen blocks,\n"
        "masked-LM and contact heads) is the base's byte for byte; config.json and the\n"
        "tokenizer files are the base's, config.json with 'plmkit_export' (the source\n"
        "model, member, base checkpoint and trained tensors). The base checkpoint the\n"
        "model records must still be there, unchanged. A --finetune frozen model is\n"
        "refused: its encoder is the base checkpoint itself.\n"
        "A fine-tuned smiles-lm encoder is written as plmkit pretrain --kind smiles\n"
        "writes LM_DIR (the model's smiles_lm base with the trained tensors), for\n"
        "plmkit train --featurizer smiles-lm --lm-model OUT.");
    refuse_empty_values(cmd);
    cmd->callback([o] { run_export_cli(*o); });
});

}  // namespace
}  // namespace plmkit::cli
