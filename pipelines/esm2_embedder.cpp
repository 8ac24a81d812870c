#include "pipelines/esm2_embedder.hpp"

#include <algorithm>

#include "models/esm2_loader.hpp"
#include "tokenizers/batching.hpp"

namespace plmkit::pipelines {
namespace {

/// float32, contiguous, on the CPU.
torch::Tensor to_host_f32(const torch::Tensor& t) {
    return t.to(at::kCPU, at::kFloat).contiguous();
}

}  // namespace

Esm2Embedder::Esm2Embedder(models::Esm2 model, EmbedContent content, Device device)
    : model_(std::move(model)), content_(std::move(content)), device_(device) {}

std::vector<SequenceEmbedding> Esm2Embedder::embed(
    const std::vector<const std::vector<std::int32_t>*>& rows) {
    std::vector<std::vector<std::int32_t>> seqs;
    seqs.reserve(rows.size());
    for (const auto* r : rows)
        seqs.push_back(*r);
    auto pad = static_cast<std::int32_t>(model_->config().pad_token_id);
    tokenizers::PaddedBatch pb = tokenizers::pad_batch(seqs, pad);
    auto b = static_cast<std::int64_t>(pb.batch), t = static_cast<std::int64_t>(pb.max_len);
    torch::Tensor tokens =
        at::from_blob(pb.ids.data(), {b, t}, at::kLong).to(models::to_torch_device(device_));

    models::Esm2ForwardOptions fo;
    if (content_.needs_representations()) fo.repr_layers = content_.layers;
    fo.need_logits = content_.logits;
    fo.need_contacts = content_.contacts;
    models::Esm2Output out = model_->forward(tokens, fo);

    std::vector<SequenceEmbedding> result(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        result[i].residues = std::max<std::int64_t>(pb.lengths[i] - 2, 0);
        std::size_t n = content_.layers.size();
        if (content_.mean) result[i].mean.resize(n);
        if (content_.bos) result[i].bos.resize(n);
        if (content_.per_tok) result[i].per_tok.resize(n);
    }
    if (content_.needs_representations()) {
        for (std::size_t li = 0; li < content_.layers.size(); ++li)
            cut_representation(out.representations.at(content_.layers[li]), li, result);
    }
    if (content_.logits) cut_logits(out.logits, result);
    if (content_.contacts) cut_contacts(out.contacts, result);
    return result;
}

void Esm2Embedder::cut_representation(const torch::Tensor& rep_dev, std::size_t li,
                                      std::vector<SequenceEmbedding>& out) const {
    torch::Tensor rep = to_host_f32(rep_dev);  // [B,T,E]
    const std::int64_t t = rep.size(1), e = rep.size(2);
    const float* base = rep.data_ptr<float>();
    for (std::size_t b = 0; b < out.size(); ++b) {
        const float* row0 = base + static_cast<std::int64_t>(b) * t * e;  // <cls>
        const std::int64_t len = out[b].residues;
        const float* res = row0 + e;  // first residue
        if (content_.bos) out[b].bos[li].assign(row0, row0 + e);
        if (content_.per_tok) out[b].per_tok[li].assign(res, res + len * e);
        if (content_.mean) {
            std::vector<double> sum(e, 0.0);
            for (std::int64_t p = 0; p < len; ++p)
                for (std::int64_t k = 0; k < e; ++k)
                    sum[k] += res[p * e + k];
            auto& m = out[b].mean[li];
            m.resize(e);
            for (std::int64_t k = 0; k < e; ++k)
                m[k] = static_cast<float>(sum[k] /
                                          static_cast<double>(std::max<std::int64_t>(len, 1)));
        }
    }
}

void Esm2Embedder::cut_logits(const torch::Tensor& logits_dev,
                              std::vector<SequenceEmbedding>& out) const {
    torch::Tensor logits = to_host_f32(logits_dev);  // [B,T,V]
    const std::int64_t t = logits.size(1), v = logits.size(2);
    const float* base = logits.data_ptr<float>();
    for (std::size_t b = 0; b < out.size(); ++b) {
        const float* res = base + (static_cast<std::int64_t>(b) * t + 1) * v;
        out[b].logits.assign(res, res + out[b].residues * v);
    }
}

void Esm2Embedder::cut_contacts(const torch::Tensor& contacts_dev,
                                std::vector<SequenceEmbedding>& out) const {
    torch::Tensor c = to_host_f32(contacts_dev);  // [B,T-2,T-2]
    const std::int64_t n = c.size(1);
    const float* base = c.data_ptr<float>();
    for (std::size_t b = 0; b < out.size(); ++b) {
        const std::int64_t len = out[b].residues;
        auto& dst = out[b].contacts;
        dst.resize(len * len);
        const float* block = base + static_cast<std::int64_t>(b) * n * n;
        for (std::int64_t i = 0; i < len; ++i)
            std::copy(block + i * n, block + i * n + len, dst.begin() + i * len);
    }
}

}  // namespace plmkit::pipelines
