#include "models/esm2_loader.hpp"

#include <sys/stat.h>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "models/layers/esm2_layer.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/safetensors.hpp"
#include "src/xxh64.hpp"

namespace plmkit::models {
namespace {

std::string shape_string(at::IntArrayRef shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

bool is_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// For a --model without config.json: the folders under it that have one,
/// as a hint. A Hugging Face cache folder (`models--facebook--esm2_t6_8M_UR50D`,
/// what `from_pretrained` leaves in ~/.cache/huggingface/hub) keeps the files
/// in `snapshots/<revision>/`; a download may sit one folder down.
std::string config_below_hint(const std::string& dir) {
    namespace fs = std::filesystem;
    std::vector<std::string> found;
    std::error_code ec;
    for (const std::string& sub : {std::string(), std::string("/snapshots")}) {
        for (fs::directory_iterator it(dir + sub, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string path = it->path().string();
            if (is_file(path + "/config.json")) found.push_back(path);
        }
        ec.clear();
    }
    if (found.empty()) return "";
    std::sort(found.begin(), found.end());
    std::string hint = "; " + std::string(found.size() == 1 ? "a folder" : "folders") +
                       " inside it " + (found.size() == 1 ? "has" : "have") + " one: ";
    for (std::size_t i = 0; i < found.size() && i < 3; ++i)
        hint += (i ? ", '" : "'") + found[i] + "'";
    if (found.size() > 3) hint += " and " + std::to_string(found.size() - 3) + " more";
    hint += found.size() == 1 ? " (give that folder as --model" : " (give one of them as --model";
    if (fs::is_directory(dir + "/snapshots", ec))
        hint +=
            "; this is a Hugging Face cache folder, whose snapshots/<revision>/ holds the "
            "model, refs/main naming the newest revision";
    return hint + ")";
}

/// FNV-1a 64 over a byte range, continuing from `h`.
std::uint64_t fnv1a(std::uint64_t h, const char* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        h ^= static_cast<unsigned char>(data[i]);
        h *= 1099511628211ULL;
    }
    return h;
}

/// The hash plmkit recorded before it covered the weights: FNV-1a 64 of
/// config.json and each safetensors header (names, dtypes, shapes, offsets),
/// kept only to recognise models trained then.
std::string header_hash(const std::string& config_bytes, const SafetensorsCheckpoint& ckpt) {
    std::uint64_t h = fnv1a(14695981039346656037ULL, config_bytes.data(), config_bytes.size());
    for (const auto& shard : ckpt.shards()) {
        const auto* p = static_cast<const unsigned char*>(shard->bytes());
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i)
            n = (n << 8) | p[i];  // validated by SafetensorsFile: 8 + n <= size
        h = fnv1a(h, reinterpret_cast<const char*>(p) + 8, static_cast<std::size_t>(n));
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return hex;
}

/// XXH64 of config.json and of every safetensors file whole (header and all
/// tensor bytes; shards in file-name order), each preceded by its size as 8
/// little-endian bytes. Run after the weights were copied, so the files are
/// read from the page cache.
std::string weights_hash(const std::string& config_bytes, const SafetensorsCheckpoint& ckpt) {
    Xxh64 h;
    auto add = [&h](const void* data, std::size_t size) {
        unsigned char len[8];
        for (int i = 0; i < 8; ++i)
            len[i] = static_cast<unsigned char>((static_cast<std::uint64_t>(size) >> (8 * i)));
        h.update(len, 8);
        h.update(data, size);
    };
    add(config_bytes.data(), config_bytes.size());
    std::vector<std::size_t> order(ckpt.files().size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    auto name = [&ckpt](std::size_t i) {
        const std::string& f = ckpt.files()[i];
        return f.substr(f.rfind('/') + 1);
    };
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return name(a) < name(b); });
    for (std::size_t i : order)
        add(ckpt.shards()[i]->bytes(), ckpt.shards()[i]->size());
    return h.hex();
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError("cannot read '" + path + "': " + errno_message());
    return std::string(std::istreambuf_iterator<char>(in), {});
}

at::ScalarType stored_scalar_type(const TensorView& v) {
    switch (v.dtype) {
        case StoredDType::f32:
            return at::kFloat;
        case StoredDType::f16:
            return at::kHalf;
        case StoredDType::bf16:
            return at::kBFloat16;
        default:
            throw ModelError("tensor '" + v.name + "' in '" + v.file + "' has dtype " +
                             to_string(v.dtype) + ", expected F32, F16 or BF16");
    }
}

/// The checkpoint-to-module name map: copies tensors with shape and dtype checks.
class WeightCopier {
  public:
    WeightCopier(const SafetensorsCheckpoint& ckpt, std::string dir, std::string prefix)
        : ckpt_(ckpt), dir_(std::move(dir)), prefix_(std::move(prefix)) {}

    bool has(const std::string& key) const { return ckpt_.contains(key); }

    /// Copies `keys` (concatenated along dim 0) into `dest`; each key must
    /// have dest's shape with dim 0 divided by keys.size().
    void copy(at::Tensor& dest, const std::vector<std::string>& keys) {
        std::vector<std::int64_t> expected(dest.sizes().begin(), dest.sizes().end());
        expected[0] /= static_cast<std::int64_t>(keys.size());
        std::int64_t row = 0;
        for (const auto& key : keys) {
            if (!ckpt_.contains(key))
                throw ModelError("model '" + dir_ + "': no tensor '" + key + "' (expected shape " +
                                 shape_string(expected) + ") in " + files_string());
            const TensorView& v = ckpt_.get(key);
            if (v.shape != expected)
                throw ModelError("tensor '" + key + "' in '" + v.file + "' has shape " +
                                 v.shape_string() + ", expected " + shape_string(expected));
            auto src = at::from_blob(const_cast<void*>(v.data), v.shape,
                                     at::TensorOptions().dtype(stored_scalar_type(v)));
            dest.narrow(0, row, expected[0]).copy_(src);
            row += expected[0];
            used_.insert(key);
        }
    }
    void copy(at::Tensor& dest, const std::string& key) {
        copy(dest, std::vector<std::string>{key});
    }

    std::vector<std::string> unused() const {
        std::vector<std::string> out;
        for (const auto& n : ckpt_.names())
            if (!used_.count(n)) out.push_back(n);
        return out;
    }

  private:
    std::string files_string() const {
        std::string s;
        for (const auto& f : ckpt_.files())
            s += (s.empty() ? "'" : ", '") + f + "'";
        return s;
    }

    const SafetensorsCheckpoint& ckpt_;
    std::string dir_, prefix_;
    std::set<std::string> used_;
};

void copy_layer(WeightCopier& w, Esm2LayerImpl& l, const std::string& p) {
    const std::string a = p + "attention.";
    w.copy(l.attn_ln_weight, a + "LayerNorm.weight");
    w.copy(l.attn_ln_bias, a + "LayerNorm.bias");
    w.copy(l.qkv_weight, {a + "self.query.weight", a + "self.key.weight", a + "self.value.weight"});
    w.copy(l.qkv_bias, {a + "self.query.bias", a + "self.key.bias", a + "self.value.bias"});
    w.copy(l.out_weight, a + "output.dense.weight");
    w.copy(l.out_bias, a + "output.dense.bias");
    w.copy(l.ffn_ln_weight, p + "LayerNorm.weight");
    w.copy(l.ffn_ln_bias, p + "LayerNorm.bias");
    w.copy(l.fc1_weight, p + "intermediate.dense.weight");
    w.copy(l.fc1_bias, p + "intermediate.dense.bias");
    w.copy(l.fc2_weight, p + "output.dense.weight");
    w.copy(l.fc2_bias, p + "output.dense.bias");
    // Hub checkpoints store the rotary frequencies (fp16-rounded); use them.
    const std::string f = a + "self.rotary_embeddings.inv_freq";
    if (w.has(f)) w.copy(l.inv_freq, f);
}

/// Copies the heads that the checkpoint has; returns {has_lm_head, has_contact_head}.
std::pair<bool, bool> copy_heads(WeightCopier& w, Esm2Impl& m, const std::string& esm) {
    bool lm = w.has("lm_head.dense.weight") || w.has("lm_head.bias") ||
              w.has("lm_head.layer_norm.weight") || w.has("lm_head.decoder.weight");
    if (lm) {
        w.copy(m.lm_dense_weight, "lm_head.dense.weight");
        w.copy(m.lm_dense_bias, "lm_head.dense.bias");
        w.copy(m.lm_ln_weight, "lm_head.layer_norm.weight");
        w.copy(m.lm_ln_bias, "lm_head.layer_norm.bias");
        w.copy(m.lm_bias, "lm_head.bias");
        if (w.has("lm_head.decoder.weight"))
            w.copy(m.lm_decoder_weight, "lm_head.decoder.weight");
        else
            m.lm_decoder_weight.copy_(m.word_embeddings);  // tied
    }
    const std::string c = esm + "contact_head.regression.";
    bool contact = w.has(c + "weight") || w.has(c + "bias");
    if (contact) {
        w.copy(m.contact_weight, c + "weight");
        w.copy(m.contact_bias, c + "bias");
    }
    return {lm, contact};
}

/// "owner/name" with nothing else: what a Hugging Face Hub id looks like.
bool looks_like_hub_id(const std::string& s) {
    const std::size_t slash = s.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == s.size()) return false;
    if (s.find('/', slash + 1) != std::string::npos || s[0] == '.') return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '-' && c != '_' &&
            c != '.')
            return false;
    return true;
}

/// ModelError unless `dir` is a directory, saying what it is instead.
void check_model_dir(const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status st = fs::status(dir, ec);
    if (!fs::exists(st)) {
        std::string msg = "model directory '" + dir + "' does not exist";
        if (looks_like_hub_id(dir)) {
            const std::string name = dir.substr(dir.find('/') + 1);
            msg +=
                " (it looks like a Hugging Face Hub id: plmkit reads a local download of the "
                "repository, e.g. on a machine with network: huggingface-cli download " +
                dir + " --local-dir " + name + ", then --model " + name + ")";
        }
        throw ModelError(msg);
    }
    if (fs::is_directory(st)) return;
    std::string msg = "model directory '" + dir +
                      "' is not a directory (expected the folder holding config.json, vocab.txt "
                      "and model.safetensors";
    const fs::path p(dir);
    const std::string file = p.filename().string();
    if (file == "config.json" || file == "vocab.txt" ||
        file.find(".safetensors") != std::string::npos)
        msg += ": give --model " + (p.has_parent_path() ? p.parent_path().string() : ".") +
               ", the folder, not one of its files";
    throw ModelError(msg + ")");
}

/// ModelError when the checkpoint holds encoder layers that config.json does
/// not declare: the model would run with only the first num_hidden_layers
/// blocks, silently.
void check_layer_count(const SafetensorsCheckpoint& ckpt, const std::string& esm,
                       std::int64_t num_layers, const std::string& config_path) {
    const std::string prefix = esm + "encoder.layer.";
    std::int64_t top = -1;
    std::string example;
    for (const auto& name : ckpt.names()) {
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        std::size_t end = name.find('.', prefix.size());
        const std::string digits = name.substr(prefix.size(), end - prefix.size());
        if (digits.empty() || digits.size() > 6 ||
            digits.find_first_not_of("0123456789") != std::string::npos)
            continue;
        const std::int64_t n = std::stoll(digits);
        if (n >= num_layers && n > top) {
            top = n;
            example = name;
        }
    }
    if (top < 0) return;
    throw ModelError("'" + config_path + "' declares num_hidden_layers " +
                     std::to_string(num_layers) + ", but the checkpoint has tensors of " +
                     std::to_string(top + 1) + " encoder layers (e.g. '" + example +
                     "'): config.json does not match the weights");
}

}  // namespace

bool weights_hash_matches(const LoadedEsm2& loaded, const std::string& recorded,
                          const std::string& model_dir) {
    if (recorded == loaded.weights_hash) return true;
    if (recorded.empty() || recorded != loaded.header_hash) return false;
    log_warn(
        "the model records the checkpoint hash of an older plmkit, which covered only "
        "config.json and the tensor headers of '" +
        model_dir +
        "': they match, but the weights cannot be verified (a fine-tune of the same "
        "architecture would match too); train the model again to record the full hash");
    return true;
}

at::ScalarType to_scalar_type(ComputeDType dtype) {
    switch (dtype) {
        case ComputeDType::bf16:
            return at::kBFloat16;
        case ComputeDType::f16:
            return at::kHalf;
        default:
            return at::kFloat;
    }
}

at::Device to_torch_device(const Device& device) {
    switch (device.kind) {
        case DeviceKind::cpu:
            return at::Device(at::kCPU);
        case DeviceKind::cuda:
            return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(device.index));
        default:
            throw UsageError("internal: device must be resolved before loading a model");
    }
}

Esm2Config check_esm2_dir(const std::string& model_dir) {
    const std::string config_path = model_dir + "/config.json";
    check_model_dir(model_dir);
    if (!is_file(config_path))
        throw ModelError("model directory '" + model_dir + "' has no config.json" +
                         config_below_hint(model_dir));
    Esm2Config config = Esm2Config::from_json_file(config_path);
    if (!is_file(model_dir + "/vocab.txt"))
        throw ModelError("model directory '" + model_dir + "' has no vocab.txt");
    return config;
}

LoadedEsm2 load_esm2(const std::string& model_dir, const Esm2LoadOptions& options) {
    const std::string config_path = model_dir + "/config.json";
    const std::string vocab_path = model_dir + "/vocab.txt";
    if (options.dtype == ComputeDType::f16 && options.device.kind != DeviceKind::cuda)
        throw UsageError("fp16 compute needs a CUDA device; use --dtype bf16 or fp32 on the CPU");
    LoadedEsm2 out;
    out.config = check_esm2_dir(model_dir);
    out.tokenizer = tokenizers::EsmTokenizer::from_vocab_file(vocab_path);
    SafetensorsCheckpoint ckpt(model_dir);

    // EsmForMaskedLM keys start with "esm."; a bare EsmModel checkpoint has none.
    std::string esm = "esm.";
    if (!ckpt.contains("esm.embeddings.word_embeddings.weight") &&
        ckpt.contains("embeddings.word_embeddings.weight"))
        esm.clear();
    check_layer_count(ckpt, esm, out.config.num_layers, config_path);

    Esm2InitOptions init;
    init.dtype = to_scalar_type(options.dtype);
    init.device = to_torch_device(options.device);
    init.random_init = false;
    out.model = Esm2(out.config, init);
    auto& m = *out.model;

    c10::InferenceMode guard;
    WeightCopier w(ckpt, model_dir, esm);
    w.copy(m.word_embeddings, esm + "embeddings.word_embeddings.weight");
    if (out.config.emb_layer_norm_before) {
        w.copy(m.emb_ln_weight, esm + "embeddings.layer_norm.weight");
        w.copy(m.emb_ln_bias, esm + "embeddings.layer_norm.bias");
    }
    for (std::size_t i = 0; i < m.layers.size(); ++i)
        copy_layer(w, *m.layers[i], esm + "encoder.layer." + std::to_string(i) + ".");
    w.copy(m.final_ln_weight, esm + "encoder.emb_layer_norm_after.weight");
    w.copy(m.final_ln_bias, esm + "encoder.emb_layer_norm_after.bias");
    auto heads = copy_heads(w, m, esm);
    m.set_has_lm_head(heads.first);
    m.set_has_contact_head(heads.second);
    m.set_checkpoint_prefix(esm);
    m.eval();

    const std::string config_bytes = read_bytes(config_path);
    out.weights_hash = weights_hash(config_bytes, ckpt);
    out.header_hash = header_hash(config_bytes, ckpt);

    out.ignored_keys = w.unused();
    for (const auto& k : out.ignored_keys)
        log_debug("ignoring checkpoint tensor '" + k + "'");
    if (!heads.first) log_debug("checkpoint has no masked-LM head: logits unavailable");
    if (!heads.second) log_debug("checkpoint has no contact head: contacts unavailable");
    return out;
}

}  // namespace plmkit::models
