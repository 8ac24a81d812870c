#include "pipelines/encoder_spec.hpp"

#include <filesystem>

#include "pipelines/smiles_lm_featurizer.hpp"
#include "src/error.hpp"
#include "tokenizers/smiles_tokenizer.hpp"
#include "tokenizers/vocab.hpp"

namespace plmkit::pipelines {
namespace {

namespace fs = std::filesystem;
const char* kBaseDir = "smiles_lm";

/// A deep copy of `src` (same config, same weights).
models::SmilesEncoder copy_encoder(const models::SmilesEncoder& src) {
    models::SmilesEncoder out(src->config());
    at::NoGradGuard no_grad;
    auto dst = out->named_parameters();
    for (const auto& p : src->named_parameters())
        dst[p.key()].copy_(p.value());
    return out;
}

tokenizers::Vocab vocab_of(const std::vector<std::string>& smiles) {
    tokenizers::VocabBuilder builder;
    for (const auto& s : smiles) {
        auto t = tokenizers::SmilesTokenizer::tokenize(s);
        if (t.ok) {
            std::vector<std::string_view> views(t.tokens.begin(), t.tokens.end());
            builder.add(views);
        }
    }
    return builder.build();
}

}  // namespace

struct EncoderSpec::Impl {
    models::LoadedSmilesEncoder base;
    models::FinetuneMode mode;
    std::string source;  ///< --lm-model, or "" (from scratch)
};

EncoderSpec::EncoderSpec() : impl_(std::make_unique<Impl>()) {}
EncoderSpec::EncoderSpec(EncoderSpec&&) noexcept = default;
EncoderSpec& EncoderSpec::operator=(EncoderSpec&&) noexcept = default;
EncoderSpec::~EncoderSpec() = default;

EncoderSpec EncoderSpec::create(const PropertyFeaturizerOptions& o,
                                const models::FinetuneMode& mode,
                                const std::vector<std::string>& train_inputs,
                                const ScratchEncoderOptions& scratch) {
    if (o.name == "esm")
        throw UsageError("--finetune " + mode.text() +
                         " with --featurizer esm is not available yet; use --finetune frozen");
    if (o.name != "smiles-lm")
        throw UsageError("--finetune " + mode.text() +
                         " needs an encoder: --featurizer smiles-lm (the RDKit featurizers have "
                         "no weights to fine-tune)");
    EncoderSpec spec;
    spec.impl_->mode = mode;
    spec.impl_->source = o.lm_model;
    if (!o.lm_model.empty()) {
        spec.impl_->base = models::load_smiles_encoder(o.lm_model);
    } else {
        if (!mode.frozen && mode.last >= 0)
            throw UsageError("--finetune " + mode.text() +
                             " needs a pre-trained --lm-model; a SMILES encoder trained from "
                             "scratch trains all its layers (--finetune full)");
        models::SmilesEncoderConfig c;
        spec.impl_->base.vocab = vocab_of(train_inputs);
        c.vocab_size = static_cast<std::int64_t>(spec.impl_->base.vocab.size());
        c.hidden = scratch.hidden;
        c.layers = scratch.layers;
        c.heads = scratch.heads;
        c.ffn = scratch.ffn;
        c.max_len = scratch.max_len;
        c.dropout = scratch.dropout;
        spec.impl_->base.model = models::SmilesEncoder(c);
    }
    return spec;
}

EncoderSpec EncoderSpec::from_json(const nlohmann::json& j, const FeaturizerRuntime& runtime) {
    try {
        if (j.at("name").get<std::string>() != "smiles-lm")
            throw ModelError("fine-tuned encoder '" + j.at("name").dump() + "' is not supported");
        EncoderSpec spec;
        spec.impl_->mode = models::parse_finetune(j.at("finetune").get<std::string>());
        spec.impl_->source = j.value("source", std::string());
        fs::path dir = j.at("model_dir").get<std::string>();
        if (dir.is_relative() && !runtime.base_dir.empty()) dir = fs::path(runtime.base_dir) / dir;
        spec.impl_->base = models::load_smiles_encoder(dir.string());
        return spec;
    } catch (const nlohmann::json::exception& e) {
        throw ModelError(std::string("invalid fine-tuned encoder description: ") + e.what());
    } catch (const UsageError& e) {
        throw ModelError(e.what());
    }
}

std::int64_t EncoderSpec::dim() const {
    return impl_->base.model->config().hidden;
}

std::string EncoderSpec::encode(const std::string& input, std::vector<std::int32_t>& ids) const {
    if (input.find('\n') != std::string::npos)
        return "smiles-lm needs SMILES input, got a mol block (SDF)";
    return models::encode_smiles(impl_->base.vocab, input, impl_->base.model->config().max_len,
                                 ids);
}

std::shared_ptr<models::SequenceEncoder> EncoderSpec::build() const {
    // From scratch: a new random initialisation (from the caller's seed), so
    // ensemble members differ; else a copy of the pre-trained weights.
    models::SmilesEncoder encoder = impl_->source.empty()
                                        ? models::SmilesEncoder(impl_->base.model->config())
                                        : copy_encoder(impl_->base.model);
    return std::make_shared<models::SmilesSequenceEncoder>(std::move(encoder), impl_->mode);
}

std::unique_ptr<PropertyFeaturizer> EncoderSpec::member_featurizer(
    const models::PropertyModel::EncoderState& state, const FeaturizerRuntime& runtime) const {
    auto encoder = std::make_shared<models::SmilesSequenceEncoder>(copy_encoder(impl_->base.model),
                                                                   impl_->mode);
    encoder->load_trainable(state, "fine-tuned SMILES encoder");
    models::LoadedSmilesEncoder loaded{encoder->encoder(), impl_->base.vocab};
    return make_smiles_lm_featurizer(std::move(loaded), kBaseDir, runtime);
}

void EncoderSpec::save_base(const std::string& model_dir) const {
    models::save_smiles_encoder(impl_->base.model, impl_->base.vocab,
                                (fs::path(model_dir) / kBaseDir).string(),
                                {{"source", impl_->source.empty() ? "scratch" : impl_->source}});
}

nlohmann::json EncoderSpec::to_json() const {
    return {{"name", "smiles-lm"},
            {"finetune", impl_->mode.text()},
            {"model_dir", kBaseDir},
            {"source", impl_->source.empty() ? "scratch" : impl_->source},
            {"dim", dim()}};
}

}  // namespace plmkit::pipelines
