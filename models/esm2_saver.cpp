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
            v.dtype = StoredDType::f32;
            v.data = t.data_ptr<float>();
            v.nbytes = static_cast<std::size_t>(t.numel()) * sizeof(float);
        }
        views.push_back(v);
    }
    return views;
}

}  // namespace

void save_esm2_checkpoint(const std::string& input_dir, const std::string& dir,
                          const std::vector<std::pair<std::string, at::Tensor>>& trained,
                          const nlohmann::json& provenance) {
    AtomicDir out(dir);
    const fs::path tmp = out.temp_path();
    std::error_code ec;

    std::map<std::string, at::Tensor> by_name;
    for (const auto& [name, t] : trained)
        by_name[name] = t.detach().to(at::kCPU, at::kFloat).contiguous();
    {
        SafetensorsCheckpoint ckpt(input_dir);
        write_safetensors((tmp / "model.safetensors").string(), output_views(ckpt, by_name),
                          {{"format", "pt"}});
    }
    nlohmann::json config = read_json_file(input_dir + "/config.json");
    config["torch_dtype"] = "float32";
    if (!provenance.is_null()) config["plmkit_pretrain"] = provenance;
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
    out.commit();
}

}  // namespace plmkit::models
