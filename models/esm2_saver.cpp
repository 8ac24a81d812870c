#include "models/esm2_saver.hpp"

#include <filesystem>
#include <fstream>
#include <map>

#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "src/json_file.hpp"
#include "src/safetensors.hpp"

namespace plmkit::models {
namespace {

namespace fs = std::filesystem;

const char* const kTokenizerFiles[] = {"vocab.txt", "tokenizer_config.json",
                                       "special_tokens_map.json", "tokenizer.json",
                                       "added_tokens.json"};

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw IoError("cannot write '" + path + "': " + errno_message());
}

/// A trained tensor on the CPU, contiguous, as float32 or in the dtype the
/// input stores it in (`as_input`): F32, F16 or BF16, what the loader reads.
at::Tensor stored_as(const at::Tensor& t, const TensorView& input, bool as_input) {
    at::ScalarType type = at::kFloat;
    if (as_input && input.dtype == StoredDType::f16) type = at::kHalf;
    if (as_input && input.dtype == StoredDType::bf16) type = at::kBFloat16;
    return t.detach().to(at::kCPU, at::kFloat).to(type).contiguous();
}

StoredDType stored_dtype(const at::Tensor& t) {
    if (t.scalar_type() == at::kHalf) return StoredDType::f16;
    if (t.scalar_type() == at::kBFloat16) return StoredDType::bf16;
    return StoredDType::f32;
}

/// The output tensors in the input's name order: trained ones from
/// `trained`, the others as views of the input's bytes.
std::vector<TensorView> output_views(const SafetensorsCheckpoint& ckpt,
                                     const std::map<std::string, at::Tensor>& trained) {
    std::vector<TensorView> views;
    for (const std::string& name : ckpt.names()) {
        TensorView v = ckpt.get(name);
        auto it = trained.find(name);
        if (it != trained.end()) {
            const at::Tensor& t = it->second;
            TensorView got;
            got.shape.assign(t.sizes().begin(), t.sizes().end());
            if (got.shape != v.shape)
                throw ModelError("trained tensor '" + name + "' has shape " + got.shape_string() +
                                 ", the checkpoint " + v.shape_string());
            v.dtype = stored_dtype(t);
            v.data = t.data_ptr();
            v.nbytes = static_cast<std::size_t>(t.numel()) * t.element_size();
        }
        views.push_back(v);
    }
    return views;
}

}  // namespace

void save_esm2_checkpoint(const std::string& input_dir, const std::string& dir,
                          const std::vector<std::pair<std::string, at::Tensor>>& trained,
                          const nlohmann::json& provenance, const Esm2SaveOptions& options) {
    AtomicDir out(dir);
    const fs::path tmp = out.temp_path();
    std::error_code ec;
    {
        SafetensorsCheckpoint ckpt(input_dir);
        std::map<std::string, at::Tensor> by_name;
        for (const auto& [name, t] : trained)
            if (ckpt.contains(name)) by_name[name] = stored_as(t, ckpt.get(name), !options.float32);
        write_safetensors((tmp / "model.safetensors").string(), output_views(ckpt, by_name),
                          {{"format", "pt"}});
    }
    nlohmann::json config = read_json_file(input_dir + "/config.json");
    if (options.float32) config["torch_dtype"] = "float32";
    if (!provenance.is_null()) config[options.provenance_key] = provenance;
    write_text((tmp / "config.json").string(), json_text(config) + "\n");
    for (const char* name : kTokenizerFiles) {
        const fs::path src = fs::path(input_dir) / name;
        if (!fs::exists(src, ec)) continue;
        fs::copy_file(src, tmp / name, fs::copy_options::overwrite_existing, ec);
        if (ec) throw IoError("cannot copy '" + src.string() + "': " + ec.message());
        // A read-only input (a shared download) must not make the copy read-only.
        fs::permissions(tmp / name, fs::perms::owner_read | fs::perms::owner_write,
                        fs::perm_options::add, ec);
    }
    if (options.before_commit) options.before_commit(tmp.string());
    out.commit();
}

}  // namespace plmkit::models
