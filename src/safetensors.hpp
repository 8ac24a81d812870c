#pragma once
// Safetensors files (the format of Hugging Face checkpoints): memory-mapped
// reading with strict validation, and writing. A header that lies about
// offsets, a truncated file or an unknown dtype is a ModelError naming the
// file and the tensor.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace plmkit {

enum class StoredDType { f64, f32, f16, bf16, i64, i32, i16, i8, u8, boolean };

std::size_t dtype_size(StoredDType dtype);
/// Safetensors spelling: "F32", "BF16", "I64", ...
const char* to_string(StoredDType dtype);

struct TensorView {
    std::string name;
    StoredDType dtype = StoredDType::f32;
    std::vector<std::int64_t> shape;
    const void* data = nullptr;
    std::size_t nbytes = 0;
    std::string file;  ///< the file it came from (for messages)

    std::int64_t numel() const;
    /// "[320,320]"
    std::string shape_string() const;
};

class SafetensorsFile {
  public:
    /// Maps and validates `path`. Throws IoError (cannot open) or ModelError.
    explicit SafetensorsFile(const std::string& path);
    /// Validates the safetensors bytes data[0..size) in memory (not copied:
    /// they must outlive the object); `name` stands for the file in messages.
    SafetensorsFile(const std::string& name, const void* data, std::size_t size);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return path_; }
    /// Tensor names in header order.
    const std::vector<std::string>& names() const { return names_; }
    bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
    /// Throws ModelError "'<file>': no tensor '<name>'" when absent.
    const TensorView& get(const std::string& name) const;
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    /// The whole file as mapped (header and tensor data), e.g. to hash it.
    const void* bytes() const { return map_; }
    std::size_t size() const { return map_size_; }

  private:
    std::string path_;
    void parse();

    void* map_ = nullptr;
    std::size_t map_size_ = 0;
    bool owns_map_ = true;  ///< false for the in-memory constructor
    std::vector<std::string> names_;
    std::map<std::string, TensorView> tensors_;
    std::map<std::string, std::string> metadata_;
};

/// Tensors to write; `data` must stay valid until write_safetensors returns.
void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

/// A checkpoint of one `model.safetensors` or of shards listed by
/// `model.safetensors.index.json` (its "weight_map").
class SafetensorsCheckpoint {
  public:
    /// `dir` holds model.safetensors or model.safetensors.index.json.
    explicit SafetensorsCheckpoint(const std::string& dir);

    bool contains(const std::string& name) const { return where_.count(name) != 0; }
    const TensorView& get(const std::string& name) const;
    std::vector<std::string> names() const;
    const std::vector<std::string>& files() const { return files_; }
    /// The shard files, in the order of files().
    const std::vector<std::unique_ptr<SafetensorsFile>>& shards() const { return shards_; }

  private:
    std::vector<std::unique_ptr<SafetensorsFile>> shards_;
    std::vector<std::string> files_;
    std::map<std::string, const SafetensorsFile*> where_;
};

}  // namespace plmkit
