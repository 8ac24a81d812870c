#include "tests/models/esm2_fixture.hpp"

#include "data/fasta_reader.hpp"
#include "tests/test_support.hpp"

namespace plmkit::test {

at::Tensor stored_tensor(const SafetensorsFile& file, const std::string& name) {
    const TensorView& v = file.get(name);
    auto dtype = v.dtype == StoredDType::i64 ? at::kLong : at::kFloat;
    REQUIRE((v.dtype == StoredDType::i64 || v.dtype == StoredDType::f32));
    return at::from_blob(const_cast<void*>(v.data), v.shape, at::TensorOptions().dtype(dtype))
        .clone();
}

std::vector<std::vector<std::int64_t>> fixture_tokens() {
    data::FastaReader reader(shared_path("fixtures/esm2_tiny/sequences.fasta"));
    tokenizers::EsmTokenizer tok;
    tokenizers::EsmEncodeOptions opts;
    opts.truncate = 1022;
    std::vector<std::vector<std::int64_t>> out;
    data::SequenceRecord rec;
    while (reader.next(rec)) {
        REQUIRE(rec.error.empty());
        auto enc = tok.encode(rec.sequence, opts);
        REQUIRE(enc.ok);
        out.emplace_back(enc.ids.begin(), enc.ids.end());
    }
    REQUIRE(out.size() == 7);
    return out;
}

at::Tensor pad_batch(const std::vector<std::vector<std::int64_t>>& seqs) {
    std::size_t T = 0;
    for (const auto& s : seqs)
        T = std::max(T, s.size());
    auto t = at::full({static_cast<std::int64_t>(seqs.size()), static_cast<std::int64_t>(T)},
                      tokenizers::EsmTokenizer::kPad, at::kLong);
    for (std::size_t b = 0; b < seqs.size(); ++b)
        for (std::size_t i = 0; i < seqs[b].size(); ++i)
            t[b][i] = seqs[b][i];
    return t;
}

SequenceOutputs extract(const models::Esm2Output& out, std::int64_t b, std::int64_t L,
                        int num_layers) {
    SequenceOutputs s;
    auto cpu = [](const at::Tensor& t) { return t.to(at::kCPU, at::kFloat); };
    auto final_rep = cpu(out.representations.at(num_layers)[b]);
    s.per_tok = final_rep.narrow(0, 1, L);
    s.mean = s.per_tok.mean(0);
    s.bos = final_rep[0];
    if (out.logits.defined()) s.logits = cpu(out.logits[b]).narrow(0, 1, L);
    if (out.contacts.defined()) s.contacts = cpu(out.contacts[b]).narrow(0, 0, L).narrow(1, 0, L);
    for (int k = 0; k <= num_layers; ++k) {
        auto it = out.representations.find(k);
        s.layer_means.push_back(it == out.representations.end()
                                    ? at::Tensor()
                                    : cpu(it->second[b]).narrow(0, 1, L).mean(0));
    }
    return s;
}

SequenceOutputs expected_outputs(const SafetensorsFile& e, std::int64_t i, int num_layers) {
    auto offsets = stored_tensor(e, "offsets");
    auto offsets2 = stored_tensor(e, "offsets2");
    const auto L = stored_tensor(e, "lengths")[i].item<std::int64_t>();
    const auto o = offsets[i].item<std::int64_t>();
    const auto o2 = offsets2[i].item<std::int64_t>();
    SequenceOutputs s;
    s.mean = stored_tensor(e, "mean")[i];
    s.bos = stored_tensor(e, "bos")[i];
    s.per_tok = stored_tensor(e, "per_tok").narrow(0, o, L);
    s.logits = stored_tensor(e, "logits").narrow(0, o, L);
    s.contacts = stored_tensor(e, "contacts").narrow(0, o2, L * L).view({L, L});
    for (int k = 0; k <= num_layers; ++k)
        s.layer_means.push_back(stored_tensor(e, "layer_mean_" + std::to_string(k))[i]);
    return s;
}

models::Esm2ForwardOptions all_outputs(int num_layers) {
    models::Esm2ForwardOptions o;
    for (int k = 0; k <= num_layers; ++k)
        o.repr_layers.push_back(k);
    o.need_logits = true;
    o.need_contacts = true;
    return o;
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
    REQUIRE(a.sizes() == b.sizes());
    return (a.to(at::kFloat) - b.to(at::kFloat)).abs().max().item<double>();
}

}  // namespace plmkit::test
