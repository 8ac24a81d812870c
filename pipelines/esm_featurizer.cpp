#include "pipelines/esm_featurizer.hpp"

#include <algorithm>

#include <ATen/ATen.h>

#include "models/esm2_loader.hpp"
#include "models/torch_runtime.hpp"
#include "pipelines/token_batches.hpp"
#include "src/error.hpp"
#include "src/strings.hpp"
#include "tokenizers/batching.hpp"
#include "tokenizers/esm_tokenizer.hpp"

namespace plmkit::pipelines {

struct EsmFeaturizer::Impl {
    EsmFeaturizerOptions options;
    models::LoadedEsm2 loaded;
    Device device;
    int layer = 0;
    bool bos = false;

    /// Pools rows of one padded batch into `out` (rows of `dim` floats).
    void run_batch(const std::vector<const std::vector<std::int32_t>*>& seqs,
                   const std::vector<float*>& out);
};

EsmFeaturizer::EsmFeaturizer(const EsmFeaturizerOptions& options)
    : impl_(std::make_unique<Impl>()) {
    Impl& m = *impl_;
    m.options = options;
    if (options.pooling != "mean" && options.pooling != "bos")
        throw UsageError("ESM pooling must be mean or bos, got '" + options.pooling + "'");
    if (options.max_tokens == 0) throw UsageError("ESM max_tokens must be positive");
    m.device = models::resolve_device(options.device);
    m.loaded = models::load_esm2(options.model_dir, {options.dtype, m.device});
    const int n = static_cast<int>(m.loaded.config.num_layers);
    m.layer = options.layer < 0 ? n + 1 + options.layer : options.layer;
    if (m.layer < 0 || m.layer > n)
        throw UsageError("ESM layer " + std::to_string(options.layer) + " is outside 0.." +
                         std::to_string(n) + " (or -" + std::to_string(n + 1) + "..-1) of '" +
                         options.model_dir + "'");
    m.bos = options.pooling == "bos";
}

EsmFeaturizer::~EsmFeaturizer() = default;
EsmFeaturizer::EsmFeaturizer(EsmFeaturizer&&) noexcept = default;
EsmFeaturizer& EsmFeaturizer::operator=(EsmFeaturizer&&) noexcept = default;

std::size_t EsmFeaturizer::dim() const {
    return static_cast<std::size_t>(impl_->loaded.config.hidden_size);
}

int EsmFeaturizer::layer() const {
    return impl_->layer;
}

void EsmFeaturizer::Impl::run_batch(const std::vector<const std::vector<std::int32_t>*>& seqs,
                                    const std::vector<float*>& out) {
    std::vector<std::vector<std::int32_t>> rows;
    rows.reserve(seqs.size());
    for (const auto* s : seqs)
        rows.push_back(*s);
    const auto pad = static_cast<std::int32_t>(loaded.config.pad_token_id);
    tokenizers::PaddedBatch pb = tokenizers::pad_batch(rows, pad);
    const auto b = static_cast<std::int64_t>(pb.batch), t = static_cast<std::int64_t>(pb.max_len);
    at::Tensor tokens =
        at::from_blob(pb.ids.data(), {b, t}, at::kLong).to(models::to_torch_device(device));
    models::Esm2ForwardOptions fo;
    fo.repr_layers = {layer};
    at::Tensor rep = loaded.model->forward(tokens, fo).representations.at(layer);
    at::Tensor pooled;
    if (bos) {
        pooled = rep.select(1, 0);
    } else {
        // residues are positions 1..L (<cls> at 0, <eos> at L+1, then padding)
        at::Tensor pos = at::arange(t, at::TensorOptions().dtype(at::kLong)).unsqueeze(0);
        at::Tensor len = at::from_blob(pb.lengths.data(), {b, 1}, at::kLong) - 2;
        at::Tensor mask = (pos.ge(1) & pos.le(len)).to(at::kFloat).unsqueeze(-1);
        at::Tensor r32 = rep.to(at::kCPU, at::kFloat);
        pooled = (r32 * mask).sum(1) / len.clamp_min(1).to(at::kFloat);
    }
    pooled = pooled.to(at::kCPU, at::kFloat).contiguous();
    const std::int64_t e = pooled.size(1);
    const float* src = pooled.data_ptr<float>();
    for (std::size_t i = 0; i < out.size(); ++i)
        std::copy(src + static_cast<std::int64_t>(i) * e,
                  src + (static_cast<std::int64_t>(i) + 1) * e, out[i]);
}

FeatureMatrix EsmFeaturizer::featurize(const std::vector<std::string>& sequences) const {
    // The module's forward is not const; the featurizer's state is not changed by it.
    Impl& m = *impl_;
    FeatureMatrix fm = nan_feature_matrix(sequences.size(), dim());
    std::vector<std::vector<std::int32_t>> ids(fm.rows);
    tokenizers::EsmEncodeOptions eo;
    eo.truncate = m.options.truncate;
    for (std::size_t i = 0; i < fm.rows; ++i) {
        tokenizers::EsmEncoding enc = m.loaded.tokenizer.encode(sequences[i], eo);
        if (enc.ok)
            ids[i] = std::move(enc.ids);
        else
            fm.errors[i] = enc.reason;
    }
    run_token_batches(fm, ids, m.options.max_tokens,
                      [&m](const auto& seqs, const auto& out) { m.run_batch(seqs, out); });
    return fm;
}

bool EsmFeaturizer::matches_weights_hash(const std::string& recorded) const {
    return models::weights_hash_matches(impl_->loaded, recorded, impl_->options.model_dir);
}

nlohmann::json EsmFeaturizer::to_json() const {
    const Impl& m = *impl_;
    return {{"name", "esm"},
            {"model_dir", m.options.model_dir},
            {"weights_hash", m.loaded.weights_hash},
            {"layer", m.layer},
            {"pooling", m.options.pooling},
            {"truncate", m.options.truncate},
            {"dtype", to_string(m.options.dtype)},
            {"dim", dim()}};
}

void TruncationCount::add(const std::string& sequence) {
    // Residues as the tokenizer counts them (a <mask> is one); a sequence it
    // rejects is not embedded, so it is never "longer".
    static const tokenizers::EsmTokenizer tokenizer;
    tokenizers::EsmEncodeOptions eo;
    eo.add_special_tokens = false;
    const tokenizers::EsmEncoding enc = tokenizer.encode(sequence, eo);
    const std::uint64_t residues = enc.ok ? enc.original_residues : 0;
    ++sequences_;
    if (truncate_ > 0 && residues > truncate_) ++longer_;
    longest_ = std::max(longest_, residues);
}

std::string TruncationCount::warning(const std::string& note) const {
    if (longer_ == 0) return "";
    const std::string t = std::to_string(truncate_);
    return "esm: " + std::to_string(longer_) + " of " + count_noun(sequences_, "sequence") +
           (longer_ == 1 ? " has" : " have") + " more than --truncate " + t +
           " residues (the longest " + std::to_string(longest_) + "); only their first " + t +
           " are embedded" + note;
}

}  // namespace plmkit::pipelines
