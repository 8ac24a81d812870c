#include "pipelines/export_job.hpp"

#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/esm2_encoder.hpp"
#include "models/esm2_loader.hpp"
#include "models/esm2_names.hpp"
#include "models/esm2_saver.hpp"
#include "models/property_model.hpp"
#include "models/sequence_encoder.hpp"
#include "models/smiles_encoder.hpp"
#include "src/error.hpp"
#include "src/json_file.hpp"
#include "src/safetensors.hpp"
#include "src/version.hpp"

namespace plmkit::pipelines {
namespace {

namespace fs = std::filesystem;
using Tensors = std::vector<std::pair<std::string, at::Tensor>>;

std::string absolute(const std::string& path) {
    std::error_code ec;
    fs::path p = fs::absolute(path, ec);
    return ec ? path : p.lexically_normal().string();
}

/// --output must be new or empty (as pretrain's LM_DIR): export never
/// replaces a folder that holds something.
void check_new_output(const std::string& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return;
    if (!fs::is_directory(dir, ec))
        throw UsageError("--output '" + dir + "' is a file, expected a new directory");
    for (const auto& entry : fs::directory_iterator(dir, ec))
        throw UsageError("--output '" + dir + "' already exists and is not empty ('" +
                         entry.path().filename().string() +
                         "' is there); choose a new directory or remove it");
    if (ec) throw IoError("cannot list '" + dir + "': " + ec.message());
}

/// --model an encoder already (an ESM-2 checkpoint, a pretrain LM_DIR):
/// said as such rather than "not a plmkit property model".
void refuse_encoder_dir(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_regular_file(fs::path(dir) / "config.json", ec)) return;
    std::string type;
    try {
        type = read_json_file(dir + "/config.json").value("model_type", std::string());
    } catch (const std::exception&) {
        return;  // PropertyModel::load reports what is wrong with it
    }
    if (type == "esm" || type == "plmkit-smiles-encoder")
        throw UsageError("--model '" + dir + "' is " +
                         (type == "esm" ? "a Hugging Face ESM-2 checkpoint"
                                        : "a SMILES encoder of plmkit pretrain") +
                         " already; export takes the model directory of plmkit train "
                         "--finetune last:N|full and writes its fine-tuned encoder");
}

/// The featurizer description of a model with a fine-tuned encoder (ESM-2
/// or smiles-lm), or a UsageError that says what the model holds instead.
const nlohmann::json& tuned_encoder(const models::PropertyModel& model, const std::string& dir) {
    const nlohmann::json& desc = model.config().featurizer;
    const std::string name = desc.value("name", std::string("?"));
    if (name != "esm" && name != "smiles-lm")
        throw UsageError("'" + dir + "' was trained with --featurizer " + name +
                         ", which has no encoder to export; export writes the fine-tuned "
                         "encoder of train --featurizer esm|smiles-lm --finetune last:N|full");
    if (model.config().member_encoders) return desc;
    // Relative: inside the model directory (a frozen smiles-lm's copy).
    fs::path base = desc.value("model_dir", std::string("?"));
    if (base.is_relative()) base = fs::path(dir) / base;
    if (name == "smiles-lm")
        throw UsageError("'" + dir +
                         "' was trained with --finetune frozen: only its head was trained, and "
                         "its SMILES encoder is '" +
                         base.string() +
                         "' unchanged; give that directory to train --lm-model: there is "
                         "nothing to export");
    throw UsageError("'" + dir +
                     "' was trained with --finetune frozen: only its head was trained, and its "
                     "ESM-2 encoder is the checkpoint '" +
                     base.string() +
                     "' unchanged; give that directory to plmkit embed --model (layer " +
                     desc.value("layer", nlohmann::json()).dump() + ", pooling " +
                     desc.value("pooling", std::string("?")) + "): there is nothing to export");
}

std::size_t chosen_member(int member, std::size_t members, const std::string& dir) {
    const std::string range = "0.." + std::to_string(members - 1);
    if (member < 0) {
        if (members == 1) return 0;
        throw UsageError("'" + dir + "' holds an ensemble of " + std::to_string(members) +
                         " members, each with its own fine-tuned encoder (predict averages "
                         "their predictions): choose one with --member " +
                         range);
    }
    if (static_cast<std::size_t>(member) >= members)
        throw UsageError("--member " + std::to_string(member) + ": '" + dir + "' has " +
                         std::to_string(members) + " member" + (members == 1 ? "" : "s") + " (" +
                         range + ")");
    return static_cast<std::size_t>(member);
}

/// The base checkpoint the model records, float32 on the CPU, checked
/// against its recorded weights hash.
models::LoadedEsm2 load_base(const nlohmann::json& desc, const std::string& model_dir,
                             std::string& base_dir) {
    fs::path dir = desc.at("model_dir").get<std::string>();
    if (dir.is_relative()) dir = fs::path(model_dir) / dir;
    base_dir = dir.string();
    models::LoadedEsm2 base;
    try {
        base = models::load_esm2(base_dir, {ComputeDType::f32, Device{DeviceKind::cpu}});
    } catch (const Interrupted&) {
        throw;
    } catch (const Error& e) {
        throw ModelError(
            "'" + model_dir +
            "' stores only its trained ESM-2 tensors; export takes every other "
            "tensor from its base checkpoint '" +
            base_dir + "' (config.json featurizer.model_dir), which cannot be loaded: " + e.what());
    }
    const std::string want = desc.at("weights_hash").get<std::string>();
    if (!models::weights_hash_matches(base, want, base_dir))
        throw ModelError("the ESM-2 checkpoint '" + base_dir + "' is not the base '" + model_dir +
                         "' was fine-tuned from (weights hash " + base.weights_hash +
                         ", the model expects " + want + ")");
    return base;
}

/// Member `k`'s trained encoder tensors under the base checkpoint's names,
/// loaded through the encoder predict builds (names and shapes checked).
Tensors trained_tensors(const models::LoadedEsm2& base, const ExportResult& r,
                        const models::PropertyModel& model, const std::string& model_dir) {
    models::EsmSequenceEncoder encoder(base.model, models::parse_finetune(r.finetune), r.pooling);
    encoder.load_trainable(model.encoders().at(r.member),
                           model_dir + "/model.safetensors, member " + std::to_string(r.member));
    Tensors out =
        models::esm2_checkpoint_tensors(encoder.trainable(), base.model->checkpoint_prefix());
    SafetensorsCheckpoint ckpt(r.base_dir);
    for (const auto& [name, t] : out)
        if (!ckpt.contains(name))
            throw ModelError("the base checkpoint '" + r.base_dir + "' has no tensor '" + name +
                             "' for the fine-tuned encoder's weights");
    return out;
}

nlohmann::json provenance(const ExportOptions& o, const ExportResult& r,
                          const std::vector<std::string>& trained) {
    nlohmann::json j = {{"source_model", absolute(o.model)},
                        {"member", r.member},
                        {"members", r.members},
                        {"finetune", r.finetune},
                        {"base_checkpoint", absolute(r.base_dir)}};
    if (r.kind == "esm") {
        j["pooling"] = r.pooling;
        j["truncate"] = r.truncate;
        j["save_dtype"] = o.save_dtype;
    }
    j["trained_tensors"] = trained;
    j["plmkit_version"] = version();
    j["command_line"] = o.command_line;
    return j;
}

/// How README.md says to use the output.
std::string usage_text(const ExportResult& r) {
    if (r.kind == "smiles-lm")
        return "A SMILES encoder in the format of `plmkit pretrain --kind smiles`:\n\n"
               "    plmkit train --featurizer smiles-lm --lm-model THIS_DIR ...\n";
    return "The property model pooled the final layer as `" + r.pooling +
           "` over sequences cut to " + std::to_string(r.truncate) +
           " residues:\n\n"
           "    plmkit embed --model THIS_DIR --input seqs.fasta --output emb.h5 --include " +
           (r.pooling == "bos" ? std::string("bos") : std::string("mean")) + " --truncate " +
           std::to_string(r.truncate) +
           "\n\n"
           "In Python: `transformers.EsmModel.from_pretrained(\"THIS_DIR\")`.\n";
}

/// README.md of the output: where it came from and how to use it.
std::string readme(const ExportOptions& o, const ExportResult& r) {
    return std::string("# Fine-tuned ") + (r.kind == "esm" ? "ESM-2" : "SMILES") +
           " encoder\n\nExported by plmkit " + version() +
           " (`plmkit export`) from the model directory `" + absolute(o.model) +
           "` (ensemble member " + std::to_string(r.member) + " of " + std::to_string(r.members) +
           ", `--finetune " + r.finetune + "`).\n\n" + std::to_string(r.trained_tensors) +
           " tensors are the fine-tuned ones; every other tensor, config.json and the "
           "vocabulary are those of the base `" +
           absolute(r.base_dir) + "`. config.json `" +
           (r.kind == "esm" ? "plmkit_export" : "pretrain.plmkit_export") +
           "` lists the trained tensors.\n\n" + usage_text(r);
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw IoError("cannot write '" + path + "': " + errno_message());
}

/// Member r.member of a fine-tuned smiles-lm model as `plmkit pretrain
/// --kind smiles`'s LM_DIR: the model's base (MODEL/smiles_lm) with the
/// member's trained tensors.
void export_smiles_lm(const ExportOptions& o, const models::PropertyModel& model,
                      const nlohmann::json& desc, ExportResult& r) {
    fs::path dir = desc.at("model_dir").get<std::string>();
    if (dir.is_relative()) dir = fs::path(o.model) / dir;
    r.base_dir = dir.string();
    models::LoadedSmilesEncoder base;
    try {
        base = models::load_smiles_encoder(r.base_dir);
    } catch (const Interrupted&) {
        throw;
    } catch (const Error& e) {
        throw ModelError("'" + o.model +
                         "' stores only its trained SMILES-encoder tensors; export takes every "
                         "other one from its base '" +
                         r.base_dir + "', which cannot be loaded: " + e.what());
    }
    models::SmilesSequenceEncoder encoder(base.model, models::parse_finetune(r.finetune));
    encoder.load_trainable(model.encoders().at(r.member),
                           o.model + "/model.safetensors, member " + std::to_string(r.member));
    std::vector<std::string> names;
    for (const auto& [name, t] : encoder.trainable())
        names.push_back(name);
    r.trained_tensors = names.size();
    const nlohmann::json extra = {{"source", desc.value("source", std::string())},
                                  {"plmkit_export", provenance(o, r, names)}};
    models::save_smiles_encoder(
        encoder.encoder(), base.vocab, o.output, extra,
        [&](const std::string& tmp) { write_text(tmp + "/README.md", readme(o, r)); });
}

/// Member r.member of a fine-tuned ESM-2 model as a Hugging Face directory.
void export_esm(const ExportOptions& o, const models::PropertyModel& model,
                const nlohmann::json& desc, ExportResult& r) {
    r.pooling = desc.at("pooling").get<std::string>();
    r.truncate = desc.at("truncate").get<std::size_t>();
    const models::LoadedEsm2 base = load_base(desc, o.model, r.base_dir);
    const Tensors tensors = trained_tensors(base, r, model, o.model);
    r.trained_tensors = tensors.size();
    std::vector<std::string> names;
    for (const auto& [name, t] : tensors)
        names.push_back(name);
    nlohmann::json note = provenance(o, r, names);
    note["base_weights_hash"] = base.weights_hash;
    models::Esm2SaveOptions save;
    save.float32 = o.save_dtype == "float32";
    save.provenance_key = "plmkit_export";
    save.before_commit = [&](const std::string& tmp) {
        write_text(tmp + "/README.md", readme(o, r));
    };
    models::save_esm2_checkpoint(r.base_dir, o.output, tensors, note, save);
}

}  // namespace

ExportResult run_export(const ExportOptions& o) {
    if (o.save_dtype != "input" && o.save_dtype != "float32")
        throw UsageError("--save-dtype must be input or float32, got '" + o.save_dtype + "'");
    check_new_output(o.output);
    refuse_encoder_dir(o.model);
    const models::PropertyModel model = models::PropertyModel::load(o.model);
    const nlohmann::json& desc = tuned_encoder(model, o.model);
    ExportResult r;
    try {
        r.kind = desc.at("name").get<std::string>();
        r.finetune = desc.at("finetune").get<std::string>();
        r.members = model.encoders().size();
        r.member = chosen_member(o.member, r.members, o.model);
        if (r.kind == "smiles-lm")
            export_smiles_lm(o, model, desc, r);
        else
            export_esm(o, model, desc, r);
    } catch (const nlohmann::json::exception& e) {
        throw ModelError(o.model +
                         "/config.json: invalid fine-tuned encoder description: " + e.what());
    }
    return r;
}

}  // namespace plmkit::pipelines
