#include "pipelines/encoder_spec.hpp"

#include <algorithm>
#include <filesystem>
#include <mutex>

#include "models/encoder_head.hpp"
#include "models/esm2_encoder.hpp"
#include "models/esm2_loader.hpp"
#include "models/torch_runtime.hpp"
#include "pipelines/smiles_lm_featurizer.hpp"
#include "pipelines/token_batches.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
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

std::string absolute(const std::string& path) {
    std::error_code ec;
    fs::path p = fs::absolute(path, ec);
    return ec ? path : p.lexically_normal().string();
}

/// esm features of a fine-tuned member: its encoder's pooled output,
/// sequences batched by token budget (longest first), rows in input order.
class TunedEsmFeaturizer final : public PropertyFeaturizer {
  public:
    TunedEsmFeaturizer(std::shared_ptr<models::EsmSequenceEncoder> encoder,
                       tokenizers::EsmTokenizer tokenizer, std::size_t truncate,
                       std::size_t max_tokens, nlohmann::json desc)
        : encoder_(std::move(encoder)),
          tokenizer_(std::move(tokenizer)),
          truncate_(truncate),
          max_tokens_(std::max<std::size_t>(max_tokens, 1)),
          desc_(std::move(desc)) {
        encoder_->train(false);
    }

    std::string name() const override { return "esm"; }
    InputKind input_kind() const override { return InputKind::protein; }
    std::size_t dim() const override { return static_cast<std::size_t>(encoder_->dim()); }
    nlohmann::json to_json() const override { return desc_; }

    FeatureMatrix featurize(const std::vector<std::string>& inputs) const override {
        FeatureMatrix fm = nan_feature_matrix(inputs.size(), dim());
        std::vector<std::vector<std::int32_t>> ids(fm.rows);
        tokenizers::EsmEncodeOptions eo;
        eo.truncate = truncate_;
        for (std::size_t i = 0; i < fm.rows; ++i) {
            tokenizers::EsmEncoding enc = tokenizer_.encode(inputs[i], eo);
            if (enc.ok)
                ids[i] = std::move(enc.ids);
            else
                fm.errors[i] = enc.reason;
        }
        std::lock_guard<std::mutex> lock(mutex_);
        at::InferenceMode guard;
        run_token_batches(fm, ids, max_tokens_, [this](const auto& rows, const auto& out) {
            at::Tensor pooled =
                encoder_->pooled(models::pad_tokens(rows, encoder_->pad_id(), encoder_->device()))
                    .to(at::kCPU, at::kFloat)
                    .contiguous();
            const float* src = pooled.data_ptr<float>();
            const std::size_t d = dim();
            for (std::size_t j = 0; j < out.size(); ++j)
                std::copy(src + j * d, src + (j + 1) * d, out[j]);
        });
        return fm;
    }

  private:
    std::shared_ptr<models::EsmSequenceEncoder> encoder_;
    tokenizers::EsmTokenizer tokenizer_;
    std::size_t truncate_, max_tokens_;
    nlohmann::json desc_;
    mutable std::mutex mutex_;  ///< module calls are not re-entrant
};

/// The ESM-2 base of a fine-tuned model, float32 on the runtime's device.
models::LoadedEsm2 load_esm_base(const std::string& dir, const FeaturizerRuntime& runtime) {
    return models::load_esm2(dir, {ComputeDType::f32, models::resolve_device(runtime.device)});
}

}  // namespace

struct EncoderSpec::Impl {
    std::string name = "smiles-lm";  ///< smiles-lm | esm
    models::FinetuneMode mode;
    // smiles-lm
    models::LoadedSmilesEncoder base;
    std::string source;  ///< --lm-model, or "" (from scratch)
    // esm: the base stays where it is (model_dir + weights hash in to_json)
    models::LoadedEsm2 esm;
    std::string esm_dir;  ///< absolute
    std::string pooling = "mean";
    std::size_t truncate = 1022;
};

EncoderSpec::EncoderSpec() : impl_(std::make_unique<Impl>()) {}
EncoderSpec::EncoderSpec(EncoderSpec&&) noexcept = default;
EncoderSpec& EncoderSpec::operator=(EncoderSpec&&) noexcept = default;
EncoderSpec::~EncoderSpec() = default;

EncoderSpec EncoderSpec::create(const PropertyFeaturizerOptions& o,
                                const models::FinetuneMode& mode,
                                const std::vector<std::string>& train_inputs,
                                const ScratchEncoderOptions& scratch) {
    if (o.name == "esm") return create_esm(o, mode);
    if (o.name != "smiles-lm")
        throw UsageError("--finetune " + mode.text() +
                         " needs an encoder: --featurizer smiles-lm or esm (--featurizer " +
                         o.name + " has no weights to fine-tune)");
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

EncoderSpec EncoderSpec::create_esm(const PropertyFeaturizerOptions& o,
                                    const models::FinetuneMode& mode) {
    if (o.esm_model.empty())
        throw UsageError("--featurizer esm needs --esm-model DIR (a Hugging Face ESM-2 directory)");
    if (o.esm_pooling != "mean" && o.esm_pooling != "bos")
        throw UsageError("ESM pooling must be mean or bos, got '" + o.esm_pooling + "'");
    EncoderSpec spec;
    Impl& m = *spec.impl_;
    m.name = "esm";
    m.mode = mode;
    m.esm_dir = absolute(o.esm_model);
    m.pooling = o.esm_pooling;
    m.truncate = o.truncate;
    m.esm = load_esm_base(m.esm_dir, o.runtime);
    const auto n = m.esm.config.num_layers;
    if (o.esm_layer != -1 && o.esm_layer != n)
        throw UsageError("--finetune " + mode.text() +
                         " trains under the final ESM-2 layer; --esm-layer " +
                         std::to_string(o.esm_layer) + " works only with --finetune frozen");
    if (!mode.frozen && mode.last > n)
        throw UsageError("--finetune " + mode.text() + ": '" + o.esm_model + "' has " +
                         std::to_string(n) + " blocks");
    return spec;
}

EncoderSpec EncoderSpec::from_json(const nlohmann::json& j, const FeaturizerRuntime& runtime) {
    try {
        if (j.at("name").get<std::string>() == "esm") return esm_from_json(j, runtime);
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

EncoderSpec EncoderSpec::esm_from_json(const nlohmann::json& j, const FeaturizerRuntime& runtime) {
    EncoderSpec spec;
    Impl& m = *spec.impl_;
    m.name = "esm";
    m.mode = models::parse_finetune(j.at("finetune").get<std::string>());
    m.pooling = j.at("pooling").get<std::string>();
    m.truncate = j.at("truncate").get<std::size_t>();
    fs::path dir = j.at("model_dir").get<std::string>();
    if (dir.is_relative() && !runtime.base_dir.empty()) dir = fs::path(runtime.base_dir) / dir;
    m.esm_dir = dir.string();
    if (runtime.dtype_given && runtime.dtype != ComputeDType::f32)
        log_info("note: a fine-tuned ESM-2 model runs in fp32, as it was trained; --dtype " +
                 to_string(runtime.dtype) + " does not apply");
    try {
        m.esm = load_esm_base(m.esm_dir, runtime);
    } catch (const Interrupted&) {
        throw;
    } catch (const Error& e) {
        throw ModelError(
            "this fine-tuned model stores only its trained ESM-2 tensors and needs "
            "its base checkpoint '" +
            m.esm_dir + "', which cannot be loaded: " + e.what());
    }
    const std::string want = j.at("weights_hash").get<std::string>();
    if (!models::weights_hash_matches(m.esm, want, m.esm_dir))
        throw ModelError("the ESM-2 checkpoint '" + m.esm_dir +
                         "' is not the base this model was fine-tuned from (weights hash " +
                         m.esm.weights_hash + ", the model expects " + want + ")");
    if (m.esm.config.hidden_size != j.at("dim").get<std::int64_t>())
        throw ModelError("the ESM-2 checkpoint '" + m.esm_dir + "' has width " +
                         std::to_string(m.esm.config.hidden_size) + ", the model expects " +
                         j["dim"].dump());
    return spec;
}

InputKind EncoderSpec::input_kind() const {
    return impl_->name == "esm" ? InputKind::protein : InputKind::molecule;
}

std::int64_t EncoderSpec::dim() const {
    if (impl_->name == "esm") return impl_->esm.config.hidden_size;
    return impl_->base.model->config().hidden;
}

std::string EncoderSpec::encode(const std::string& input, std::vector<std::int32_t>& ids) const {
    if (impl_->name == "esm") {
        tokenizers::EsmEncodeOptions eo;
        eo.truncate = impl_->truncate;
        tokenizers::EsmEncoding enc = impl_->esm.tokenizer.encode(input, eo);
        ids = std::move(enc.ids);
        if (!enc.ok) ids.clear();
        return enc.ok ? std::string() : enc.reason;
    }
    if (input.find('\n') != std::string::npos)
        return "smiles-lm needs SMILES input, got a mol block (SDF)";
    std::string why =
        models::encode_smiles(impl_->base.vocab, input, impl_->base.model->config().max_len, ids);
    if (why.empty()) why = smiles_parse_error(input);  // as the frozen smiles-lm featurizer
    if (!why.empty()) ids.clear();
    return why;
}

std::shared_ptr<models::SequenceEncoder> EncoderSpec::build() const {
    // ESM-2: the members share the frozen base tensors, each has its own
    // copy of the trainable ones.
    if (impl_->name == "esm")
        return std::make_shared<models::EsmSequenceEncoder>(impl_->esm.model, impl_->mode,
                                                            impl_->pooling);
    // From scratch: a new random initialisation (from the caller's seed), so
    // ensemble members differ; else a copy of the pre-trained weights.
    models::SmilesEncoder encoder = impl_->source.empty()
                                        ? models::SmilesEncoder(impl_->base.model->config())
                                        : copy_encoder(impl_->base.model);
    return std::make_shared<models::SmilesSequenceEncoder>(std::move(encoder), impl_->mode);
}

std::unique_ptr<PropertyFeaturizer> EncoderSpec::member_featurizer(
    const models::PropertyModel::EncoderState& state, const FeaturizerRuntime& runtime) const {
    if (impl_->name == "esm") {
        auto encoder = std::make_shared<models::EsmSequenceEncoder>(impl_->esm.model, impl_->mode,
                                                                    impl_->pooling);
        encoder->load_trainable(state, "fine-tuned ESM-2 encoder");
        return std::make_unique<TunedEsmFeaturizer>(encoder, impl_->esm.tokenizer, impl_->truncate,
                                                    runtime.max_tokens, to_json());
    }
    auto encoder = std::make_shared<models::SmilesSequenceEncoder>(copy_encoder(impl_->base.model),
                                                                   impl_->mode);
    encoder->load_trainable(state, "fine-tuned SMILES encoder");
    models::LoadedSmilesEncoder loaded{encoder->encoder(), impl_->base.vocab};
    return make_smiles_lm_featurizer(std::move(loaded), kBaseDir, runtime);
}

void EncoderSpec::save_base(const std::string& model_dir) const {
    if (impl_->name == "esm") return;  // referenced by path and weights hash, not copied
    models::save_smiles_encoder(impl_->base.model, impl_->base.vocab,
                                (fs::path(model_dir) / kBaseDir).string(),
                                {{"source", impl_->source.empty() ? "scratch" : impl_->source}});
}

nlohmann::json EncoderSpec::to_json() const {
    if (impl_->name == "esm")
        return {{"name", "esm"},
                {"finetune", impl_->mode.text()},
                {"model_dir", impl_->esm_dir},
                {"weights_hash", impl_->esm.weights_hash},
                {"layer", impl_->esm.config.num_layers},
                {"pooling", impl_->pooling},
                {"truncate", impl_->truncate},
                {"dtype", "fp32"},  // fine-tuning trains and predicts in float32
                {"dim", dim()}};
    return {{"name", "smiles-lm"},
            {"finetune", impl_->mode.text()},
            {"model_dir", kBaseDir},
            {"source", impl_->source.empty() ? "scratch" : impl_->source},
            {"dim", dim()}};
}

}  // namespace plmkit::pipelines
