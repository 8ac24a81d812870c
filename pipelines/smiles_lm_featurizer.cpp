#include "pipelines/smiles_lm_featurizer.hpp"

#include <algorithm>
#include <mutex>

#include <ATen/ATen.h>
#include <GraphMol/ROMol.h>

#include "models/smiles_encoder.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/token_batches.hpp"
#include "src/error.hpp"
#include "tokenizers/batching.hpp"

namespace plmkit::pipelines {

struct SmilesLmFeaturizer::Impl {
    SmilesLmFeaturizerOptions options;
    /// Module calls are not const (nor re-entrant): guarded by `mutex`.
    mutable models::LoadedSmilesEncoder loaded;
    mutable std::mutex mutex;

    void run_batch(const std::vector<const std::vector<std::int32_t>*>& seqs,
                   const std::vector<float*>& out) const {
        std::vector<std::vector<std::int32_t>> rows;
        for (const auto* s : seqs)
            rows.push_back(*s);
        tokenizers::PaddedBatch pb = tokenizers::pad_batch(rows, tokenizers::Vocab::kPad);
        const auto b = static_cast<std::int64_t>(pb.batch);
        const auto t = static_cast<std::int64_t>(pb.max_len);
        at::Tensor tokens = at::from_blob(pb.ids.data(), {b, t}, at::kLong);
        at::Tensor pooled;
        {
            std::lock_guard<std::mutex> lock(mutex);
            at::InferenceMode guard;
            pooled = loaded.model->pooled(tokens).contiguous();
        }
        const std::int64_t e = pooled.size(1);
        const float* src = pooled.data_ptr<float>();
        for (std::size_t i = 0; i < out.size(); ++i)
            std::copy(src + static_cast<std::int64_t>(i) * e,
                      src + (static_cast<std::int64_t>(i) + 1) * e, out[i]);
    }
};

SmilesLmFeaturizer::SmilesLmFeaturizer(const SmilesLmFeaturizerOptions& options)
    : impl_(std::make_unique<Impl>()) {
    if (options.max_tokens == 0) throw UsageError("SMILES LM max_tokens must be positive");
    impl_->options = options;
    impl_->loaded = models::load_smiles_encoder(options.model_dir);
}

SmilesLmFeaturizer::SmilesLmFeaturizer(models::LoadedSmilesEncoder encoder,
                                       const SmilesLmFeaturizerOptions& options)
    : impl_(std::make_unique<Impl>()) {
    if (options.max_tokens == 0) throw UsageError("SMILES LM max_tokens must be positive");
    impl_->options = options;
    impl_->loaded = std::move(encoder);
    impl_->loaded.model->eval();
}

SmilesLmFeaturizer::~SmilesLmFeaturizer() = default;
SmilesLmFeaturizer::SmilesLmFeaturizer(SmilesLmFeaturizer&&) noexcept = default;
SmilesLmFeaturizer& SmilesLmFeaturizer::operator=(SmilesLmFeaturizer&&) noexcept = default;

std::size_t SmilesLmFeaturizer::dim() const {
    return static_cast<std::size_t>(impl_->loaded.model->config().hidden);
}

std::string smiles_parse_error(const std::string& smiles) {
    ParseResult parsed = parse_smiles(smiles);
    if (parsed.mol) return "";
    return "unparsable SMILES: " +
           (parsed.error.empty() ? std::string("RDKit failed") : parsed.error);
}

FeatureMatrix SmilesLmFeaturizer::featurize(const std::vector<std::string>& smiles) const {
    const Impl& m = *impl_;
    FeatureMatrix fm = nan_feature_matrix(smiles.size(), dim());
    const std::int64_t max_len = m.loaded.model->config().max_len;
    std::vector<std::vector<std::int32_t>> ids(fm.rows);
    for (std::size_t i = 0; i < fm.rows; ++i) {
        fm.errors[i] = models::encode_smiles(m.loaded.vocab, smiles[i], max_len, ids[i]);
        if (fm.errors[i].empty()) fm.errors[i] = smiles_parse_error(smiles[i]);
    }
    run_token_batches(fm, ids, m.options.max_tokens,
                      [&m](const auto& seqs, const auto& out) { m.run_batch(seqs, out); });
    return fm;
}

std::string SmilesLmFeaturizer::featurize_smiles(const std::string& smiles, float* out) const {
    FeatureMatrix fm = featurize({smiles});
    if (!fm.ok(0)) return fm.errors[0];
    std::copy(fm.values.begin(), fm.values.end(), out);
    return "";
}

nlohmann::json SmilesLmFeaturizer::to_json() const {
    return {{"name", "smiles-lm"}, {"model_dir", impl_->options.model_dir}, {"dim", dim()}};
}

}  // namespace plmkit::pipelines
