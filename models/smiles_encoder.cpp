#include "models/smiles_encoder.hpp"

#include "models/module_tensors.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "src/json_file.hpp"
#include "src/safetensors.hpp"
#include "src/strings.hpp"
#include "tokenizers/smiles_tokenizer.hpp"

namespace plmkit::models {
namespace fs = std::filesystem;
namespace {

at::Tensor normal_init(std::initializer_list<std::int64_t> shape) {
    return at::empty(shape, at::kFloat).normal_(0.0, 0.02);
}

std::int64_t positive_field(const nlohmann::json& j, const char* key, std::int64_t fallback,
                            const std::string& where) {
    if (!j.contains(key)) {
        if (fallback > 0) return fallback;
        throw ModelError(where + ": missing field '" + key + "'");
    }
    if (!j.at(key).is_number_integer() || j.at(key).get<std::int64_t>() <= 0)
        throw ModelError(where + ": field '" + key + "' must be a positive integer, got " +
                         j.at(key).dump());
    return j.at(key).get<std::int64_t>();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw IoError("cannot write '" + path + "': " + errno_message());
}

}  // namespace

// ---- config ----

nlohmann::json SmilesEncoderConfig::to_json() const {
    return {{"model_type", "plmkit-smiles-encoder"},
            {"vocab_size", vocab_size},
            {"hidden", hidden},
            {"layers", layers},
            {"heads", heads},
            {"ffn", ffn},
            {"max_len", max_len},
            {"dropout", dropout},
            {"pad_id", pad_id}};
}

SmilesEncoderConfig SmilesEncoderConfig::from_json(const nlohmann::json& j,
                                                   const std::string& where) {
    if (!j.is_object()) throw ModelError(where + ": expected a JSON object");
    if (j.value("model_type", std::string()) != "plmkit-smiles-encoder")
        throw ModelError(where + ": model_type is " +
                         j.value("model_type", nlohmann::json()).dump() +
                         ", expected \"plmkit-smiles-encoder\"");
    SmilesEncoderConfig c;
    c.vocab_size = positive_field(j, "vocab_size", 0, where);
    c.hidden = positive_field(j, "hidden", 0, where);
    c.layers = positive_field(j, "layers", 0, where);
    c.heads = positive_field(j, "heads", 0, where);
    c.ffn = positive_field(j, "ffn", 0, where);
    c.max_len = positive_field(j, "max_len", 0, where);
    c.dropout = j.value("dropout", c.dropout);
    c.pad_id = j.value("pad_id", c.pad_id);
    try {
        c.validate();
    } catch (const UsageError& e) {
        throw ModelError(where + ": " + e.what());
    }
    return c;
}

void SmilesEncoderConfig::validate() const {
    if (vocab_size <= tokenizers::Vocab::kMask)
        throw UsageError("vocab_size " + std::to_string(vocab_size) +
                         " is too small (the 5 special tokens alone need 5)");
    if (hidden <= 0 || heads <= 0 || hidden % heads != 0)
        throw UsageError("hidden size " + std::to_string(hidden) +
                         " must be a positive multiple of heads " + std::to_string(heads));
    if (layers <= 0 || ffn <= 0 || max_len < 3)
        throw UsageError("layers and ffn must be positive and max_len at least 3");
    if (dropout < 0 || dropout >= 1)
        throw UsageError("dropout must be in [0, 1), got " + std::to_string(dropout));
}

// ---- layer ----

SmilesEncoderLayerImpl::SmilesEncoderLayerImpl(const SmilesEncoderConfig& c)
    : heads_(c.heads), dropout_(c.dropout) {
    const std::int64_t h = c.hidden, f = c.ffn;
    ln1_weight = register_parameter("ln1_weight", at::ones({h}));
    ln1_bias = register_parameter("ln1_bias", at::zeros({h}));
    qkv_weight = register_parameter("qkv_weight", normal_init({3 * h, h}));
    qkv_bias = register_parameter("qkv_bias", at::zeros({3 * h}));
    out_weight = register_parameter("out_weight", normal_init({h, h}));
    out_bias = register_parameter("out_bias", at::zeros({h}));
    ln2_weight = register_parameter("ln2_weight", at::ones({h}));
    ln2_bias = register_parameter("ln2_bias", at::zeros({h}));
    fc1_weight = register_parameter("fc1_weight", normal_init({f, h}));
    fc1_bias = register_parameter("fc1_bias", at::zeros({f}));
    fc2_weight = register_parameter("fc2_weight", normal_init({h, f}));
    fc2_bias = register_parameter("fc2_bias", at::zeros({h}));
}

at::Tensor SmilesEncoderLayerImpl::attention(const at::Tensor& x, const at::Tensor& key_bias) {
    const std::int64_t b = x.size(0), t = x.size(1), h = x.size(2), d = h / heads_;
    at::Tensor qkv = at::linear(x, qkv_weight, qkv_bias)
                         .view({b, t, 3, heads_, d})
                         .permute({2, 0, 3, 1, 4});  // [3,B,heads,T,d]
    at::Tensor q = qkv[0] * (1.0 / std::sqrt(static_cast<double>(d)));
    at::Tensor scores = at::matmul(q, qkv[1].transpose(-2, -1)) + key_bias;
    at::Tensor probs = at::dropout(at::softmax(scores, -1), dropout_, is_training());
    at::Tensor ctx = at::matmul(probs, qkv[2]).transpose(1, 2).reshape({b, t, h});
    return at::linear(ctx, out_weight, out_bias);
}

at::Tensor SmilesEncoderLayerImpl::forward(const at::Tensor& x, const at::Tensor& key_bias) {
    const std::int64_t h = x.size(2);
    const bool train = is_training();
    at::Tensor a = at::layer_norm(x, {h}, ln1_weight, ln1_bias, 1e-5);
    at::Tensor y = x + at::dropout(attention(a, key_bias), dropout_, train);
    at::Tensor f = at::gelu(
        at::linear(at::layer_norm(y, {h}, ln2_weight, ln2_bias, 1e-5), fc1_weight, fc1_bias));
    return y + at::dropout(at::linear(f, fc2_weight, fc2_bias), dropout_, train);
}

// ---- encoder ----

SmilesEncoderImpl::SmilesEncoderImpl(const SmilesEncoderConfig& config) : config_(config) {
    config_.validate();
    const std::int64_t h = config_.hidden, v = config_.vocab_size;
    token_embedding = register_parameter("token_embedding", normal_init({v, h}));
    position_embedding =
        register_parameter("position_embedding", normal_init({config_.max_len, h}));
    layers_ = register_module("layers", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < config_.layers; ++i)
        layers_->push_back(SmilesEncoderLayer(config_));
    final_ln_weight = register_parameter("final_ln_weight", at::ones({h}));
    final_ln_bias = register_parameter("final_ln_bias", at::zeros({h}));
    head_dense_weight = register_parameter("head_dense_weight", normal_init({h, h}));
    head_dense_bias = register_parameter("head_dense_bias", at::zeros({h}));
    head_ln_weight = register_parameter("head_ln_weight", at::ones({h}));
    head_ln_bias = register_parameter("head_ln_bias", at::zeros({h}));
    head_bias = register_parameter("head_bias", at::zeros({v}));
}

at::Tensor SmilesEncoderImpl::forward(const at::Tensor& tokens) {
    if (tokens.dim() != 2 || tokens.scalar_type() != at::kLong)
        throw UsageError("SMILES encoder input must be [B,T] int64, got " + shape_string(tokens));
    const std::int64_t b = tokens.size(0), t = tokens.size(1);
    if (t > config_.max_len)
        throw UsageError("SMILES encoder input has " + count_noun(t, "position") +
                         ", the model has " + std::to_string(config_.max_len));
    at::Tensor x =
        at::embedding(token_embedding, tokens) + position_embedding.narrow(0, 0, t).unsqueeze(0);
    x = at::dropout(x, config_.dropout, is_training());
    at::Tensor key_bias = at::zeros({b, 1, 1, t}, x.options())
                              .masked_fill(tokens.eq(config_.pad_id).view({b, 1, 1, t}),
                                           -std::numeric_limits<float>::infinity());
    for (const auto& m : *layers_)
        x = m->as<SmilesEncoderLayer>()->forward(x, key_bias);
    return at::layer_norm(x, {config_.hidden}, final_ln_weight, final_ln_bias, 1e-5);
}

at::Tensor SmilesEncoderImpl::mlm_logits(const at::Tensor& hidden) {
    at::Tensor h = at::gelu(at::linear(hidden, head_dense_weight, head_dense_bias));
    h = at::layer_norm(h, {config_.hidden}, head_ln_weight, head_ln_bias, 1e-5);
    return at::linear(h, token_embedding, head_bias);
}

at::Tensor SmilesEncoderImpl::pooled(const at::Tensor& tokens) {
    at::Tensor hidden = forward(tokens);
    at::Tensor mask = tokens.ne(config_.pad_id).unsqueeze(-1).to(hidden.scalar_type());
    return (hidden * mask).sum(1) / mask.sum(1).clamp_min(1.0);
}

// ---- encoding ----

std::string encode_smiles(const tokenizers::Vocab& vocab, const std::string& smiles,
                          std::int64_t max_len, std::vector<std::int32_t>& ids) {
    std::vector<std::string_view> tokens;
    tokenizers::SmilesError error;
    if (!tokenizers::SmilesTokenizer::tokenize(smiles, tokens, &error)) {
        ids.clear();
        return error.reason;
    }
    if (static_cast<std::int64_t>(tokens.size()) + 2 > max_len) {
        ids.clear();
        return count_noun(tokens.size(), "token") + ", the model takes at most " +
               std::to_string(max_len - 2);
    }
    vocab.encode(tokens, ids, true);
    return "";
}

// ---- save / load ----

void save_smiles_encoder(const SmilesEncoder& model, const tokenizers::Vocab& vocab,
                         const std::string& dir, const nlohmann::json& extra,
                         const std::function<void(const std::string&)>& before_commit) {
    if (static_cast<std::int64_t>(vocab.size()) != model->config().vocab_size)
        throw UsageError("vocabulary has " + count_noun(vocab.size(), "token") + ", the model " +
                         std::to_string(model->config().vocab_size));
    AtomicDir out(dir);
    const fs::path tmp = out.temp_path();

    std::vector<at::Tensor> keep;
    std::vector<TensorView> views;
    for (const auto& p : model->named_parameters()) {
        at::Tensor t = p.value().detach().to(at::kCPU, at::kFloat).contiguous();
        keep.push_back(t);
        TensorView v;
        v.name = p.key();
        v.shape.assign(t.sizes().begin(), t.sizes().end());
        v.data = t.data_ptr<float>();
        v.nbytes = static_cast<std::size_t>(t.numel()) * sizeof(float);
        views.push_back(v);
    }
    write_safetensors((tmp / "model.safetensors").string(), views, {{"format", "pt"}});
    nlohmann::json j = model->config().to_json();
    if (!extra.is_null()) j["pretrain"] = extra;
    write_text((tmp / "config.json").string(), json_text(j) + "\n");
    vocab.save((tmp / "vocab.txt").string());
    if (before_commit) before_commit(tmp.string());

    out.commit();
}

LoadedSmilesEncoder load_smiles_encoder(const std::string& dir) {
    const std::string config_path = dir + "/config.json";
    std::ifstream in(config_path);
    if (!in) throw IoError("cannot open '" + config_path + "': " + errno_message());
    nlohmann::json j;
    try {
        in >> j;
    } catch (const nlohmann::json::exception& e) {
        throw ModelError(config_path + ": invalid JSON: " + e.what());
    }
    SmilesEncoderConfig config = SmilesEncoderConfig::from_json(j, config_path);
    LoadedSmilesEncoder out;
    out.vocab = tokenizers::Vocab::load(dir + "/vocab.txt");
    if (static_cast<std::int64_t>(out.vocab.size()) != config.vocab_size)
        throw ModelError(dir + "/vocab.txt: holds " + count_noun(out.vocab.size(), "token") +
                         ", config.json says vocab_size " + std::to_string(config.vocab_size));
    out.model = SmilesEncoder(config);
    SafetensorsFile file(dir + "/model.safetensors");
    at::NoGradGuard no_grad;
    std::size_t used = 0;
    for (auto& p : out.model->named_parameters()) {
        const TensorView& v = file.get(p.key());
        std::vector<std::int64_t> want(p.value().sizes().begin(), p.value().sizes().end());
        if (v.dtype != StoredDType::f32 || v.shape != want)
            throw ModelError(file.path() + ": tensor '" + p.key() + "' has shape " +
                             v.shape_string() + " " + to_string(v.dtype) + ", expected " +
                             shape_string(p.value()) + " F32");
        std::memcpy(p.value().data_ptr<float>(), v.data, v.nbytes);
        ++used;
    }
    if (file.names().size() != used) {
        for (const auto& name : file.names())
            if (!out.model->named_parameters().contains(name))
                throw ModelError(file.path() + ": unexpected tensor '" + name + "'");
    }
    out.model->eval();
    return out;
}

}  // namespace plmkit::models
