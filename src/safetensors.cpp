#include "src/safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>

#include "src/error.hpp"

namespace plmkit {
namespace {

using json = nlohmann::json;

bool parse_dtype(const std::string& s, StoredDType& out) {
    static const std::map<std::string, StoredDType> table = {
        {"F64", StoredDType::f64},     {"F32", StoredDType::f32}, {"F16", StoredDType::f16},
        {"BF16", StoredDType::bf16},   {"I64", StoredDType::i64}, {"I32", StoredDType::i32},
        {"I16", StoredDType::i16},     {"I8", StoredDType::i8},   {"U8", StoredDType::u8},
        {"BOOL", StoredDType::boolean}};
    auto it = table.find(s);
    if (it == table.end()) return false;
    out = it->second;
    return true;
}

bool file_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

std::size_t dtype_size(StoredDType dtype) {
    switch (dtype) {
        case StoredDType::f64:
        case StoredDType::i64:
            return 8;
        case StoredDType::f32:
        case StoredDType::i32:
            return 4;
        case StoredDType::f16:
        case StoredDType::bf16:
        case StoredDType::i16:
            return 2;
        case StoredDType::i8:
        case StoredDType::u8:
        case StoredDType::boolean:
            return 1;
    }
    return 0;
}

const char* to_string(StoredDType dtype) {
    switch (dtype) {
        case StoredDType::f64:
            return "F64";
        case StoredDType::f32:
            return "F32";
        case StoredDType::f16:
            return "F16";
        case StoredDType::bf16:
            return "BF16";
        case StoredDType::i64:
            return "I64";
        case StoredDType::i32:
            return "I32";
        case StoredDType::i16:
            return "I16";
        case StoredDType::i8:
            return "I8";
        case StoredDType::u8:
            return "U8";
        case StoredDType::boolean:
            return "BOOL";
    }
    return "?";
}

std::int64_t TensorView::numel() const {
    std::int64_t n = 1;
    for (auto d : shape)
        n *= d;
    return n;
}

std::string TensorView::shape_string() const {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ",";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw IoError("cannot open '" + path + "': " + errno_message());
    struct stat st;
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        throw IoError("cannot stat '" + path + "': " + errno_message());
    }
    map_size_ = static_cast<std::size_t>(st.st_size);
    if (map_size_ < 8) {
        ::close(fd);
        throw ModelError("'" + path + "' is not a safetensors file: " + std::to_string(map_size_) +
                         " bytes, expected at least 8");
    }
    map_ = ::mmap(nullptr, map_size_, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map_ == MAP_FAILED) {
        map_ = nullptr;
        throw IoError("cannot map '" + path + "': " + errno_message());
    }
    parse();
}

SafetensorsFile::SafetensorsFile(const std::string& name, const void* data, std::size_t size)
    : path_(name), map_(const_cast<void*>(data)), map_size_(size), owns_map_(false) {
    if (map_size_ < 8)
        throw ModelError("'" + name + "' is not a safetensors file: " + std::to_string(map_size_) +
                         " bytes, expected at least 8");
    parse();
}

namespace {

/// A tensor's byte range in the data section, for the overlap check.
struct Range {
    std::size_t first, second;
    std::string name;
    bool operator<(const Range& o) const {
        return first != o.first ? first < o.first : second < o.second;
    }
};

/// The header length from the file's first 8 bytes (little-endian), checked
/// against the file size and a 100 MiB cap.
std::uint64_t header_length(const unsigned char* bytes, std::size_t map_size,
                            const std::string& path) {
    std::uint64_t header_len = 0;
    for (int i = 7; i >= 0; --i)
        header_len = (header_len << 8) | bytes[i];
    if (header_len > map_size - 8 || header_len > (100u << 20)) {
        throw ModelError("'" + path + "' is truncated or not a safetensors file: header of " +
                         std::to_string(header_len) + " bytes, file has " +
                         std::to_string(map_size));
    }
    return header_len;
}

/// The JSON header, which must be an object.
json parse_header(const unsigned char* bytes, std::uint64_t header_len, const std::string& path) {
    json header;
    try {
        header = json::parse(bytes + 8, bytes + 8 + header_len);
    } catch (const std::exception& e) {
        throw ModelError("'" + path + "': corrupt safetensors header: " + e.what());
    }
    if (!header.is_object()) throw ModelError("'" + path + "': header is not a JSON object");
    return header;
}

/// The "__metadata__" entry's values; those that are not strings are kept
/// as their JSON text. An entry that is not an object is ignored.
void read_metadata(const json& entry, std::map<std::string, std::string>& metadata) {
    if (!entry.is_object()) return;
    for (auto m = entry.begin(); m != entry.end(); ++m) {
        metadata[m.key()] = m->is_string() ? m->get<std::string>() : m->dump();
    }
}

/// Reads the entry's "dtype" into view.dtype.
void parse_entry_dtype(const json& t, const std::string& where, TensorView& view) {
    if (!t.at("dtype").is_string() || !parse_dtype(t.at("dtype").get<std::string>(), view.dtype)) {
        throw ModelError(where + " has unsupported dtype " + t.at("dtype").dump());
    }
}

/// Reads the entry's "shape" into view.shape: non-negative integers whose
/// product fits in a file of map_size bytes.
void parse_entry_shape(const json& t, const std::string& where, std::size_t map_size,
                       TensorView& view) {
    if (!t.at("shape").is_array()) throw ModelError(where + ": shape must be an array");
    std::uint64_t elements = 1;
    for (const auto& d : t.at("shape")) {
        if (!d.is_number_integer()) throw ModelError(where + ": shape must hold integers");
        auto v = d.get<std::int64_t>();
        if (v < 0) throw ModelError(where + " has a negative dimension");
        // More elements than bytes in the file cannot be stored (and
        // would overflow the size check in parse_entry_offsets).
        if (v > 0 && elements > map_size / static_cast<std::uint64_t>(v))
            throw ModelError(where + " has shape " + t.at("shape").dump() +
                             ", larger than the whole file");
        elements *= static_cast<std::uint64_t>(v);
        view.shape.push_back(v);
    }
}

/// Reads the entry's "data_offsets" [begin, end]: inside the data section
/// of data_size bytes and exactly the size of the view's dtype and shape.
std::pair<std::uint64_t, std::uint64_t> parse_entry_offsets(const json& t, const std::string& where,
                                                            std::size_t data_size,
                                                            const TensorView& view) {
    auto off = t.at("data_offsets");
    if (!off.is_array() || off.size() != 2) {
        throw ModelError(where + ": data_offsets must be [begin, end]");
    }
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
        throw ModelError(where + ": data_offsets " + off.dump() + " must be non-negative integers");
    auto b = off[0].get<std::uint64_t>();
    auto e = off[1].get<std::uint64_t>();
    if (b > e || e > data_size) {
        throw ModelError(where + " has data_offsets [" + std::to_string(b) + "," +
                         std::to_string(e) + "] outside the " + std::to_string(data_size) +
                         "-byte data section (file truncated or header corrupt)");
    }
    std::size_t expected = static_cast<std::size_t>(view.numel()) * dtype_size(view.dtype);
    if (e - b != expected) {
        throw ModelError(where + " has " + std::to_string(e - b) + " bytes, expected " +
                         std::to_string(expected) + " for " + to_string(view.dtype) + " " +
                         view.shape_string());
    }
    return {b, e};
}

/// Throws when two tensors' byte ranges overlap.
void check_no_overlap(std::vector<Range> ranges, const std::string& path) {
    std::sort(ranges.begin(), ranges.end());
    for (std::size_t i = 1; i < ranges.size(); ++i) {
        if (ranges[i].first < ranges[i - 1].second) {
            throw ModelError("'" + path + "': tensors '" + ranges[i - 1].name + "' and '" +
                             ranges[i].name + "' overlap in the data section (corrupt header)");
        }
    }
}

}  // namespace

void SafetensorsFile::parse() {
    const auto* bytes = static_cast<const unsigned char*>(map_);
    const std::uint64_t header_len = header_length(bytes, map_size_, path_);
    const json header = parse_header(bytes, header_len, path_);
    const std::size_t data_start = 8 + header_len;
    const std::size_t data_size = map_size_ - data_start;
    std::vector<Range> ranges;
    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == "__metadata__") {
            read_metadata(*it, metadata_);
            continue;
        }
        const std::string where = "'" + path_ + "': tensor '" + it.key() + "'";
        const json& t = *it;
        TensorView view;
        view.name = it.key();
        view.file = path_;
        try {
            parse_entry_dtype(t, where, view);
            parse_entry_shape(t, where, map_size_, view);
            const auto [b, e] = parse_entry_offsets(t, where, data_size, view);
            view.data = bytes + data_start + b;
            view.nbytes = e - b;
            ranges.push_back({b, e, view.name});
        } catch (const json::exception& ex) {
            throw ModelError(where + ": malformed header entry: " + ex.what());
        }
        names_.push_back(view.name);
        tensors_.emplace(view.name, std::move(view));
    }
    check_no_overlap(std::move(ranges), path_);
}

SafetensorsFile::~SafetensorsFile() {
    if (map_ && owns_map_) ::munmap(map_, map_size_);
}

const TensorView& SafetensorsFile::get(const std::string& name) const {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) throw ModelError("'" + path_ + "': no tensor '" + name + "'");
    return it->second;
}

void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata) {
    json header = json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::size_t offset = 0;
    for (const auto& t : tensors) {
        std::size_t expected = static_cast<std::size_t>(t.numel()) * dtype_size(t.dtype);
        if (expected != t.nbytes) {
            throw Error("write_safetensors: tensor '" + t.name + "' has " +
                        std::to_string(t.nbytes) + " bytes, expected " + std::to_string(expected));
        }
        header[t.name] = {{"dtype", to_string(t.dtype)},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + t.nbytes}}};
        offset += t.nbytes;
    }
    std::string text = header.dump();
    while ((8 + text.size()) % 8 != 0)
        text.push_back(' ');
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError("cannot write '" + path + "': " + errno_message());
    std::uint64_t len = text.size();
    unsigned char le[8];
    for (int i = 0; i < 8; ++i)
        le[i] = static_cast<unsigned char>((len >> (8 * i)) & 0xff);
    out.write(reinterpret_cast<const char*>(le), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : tensors) {
        out.write(static_cast<const char*>(t.data), static_cast<std::streamsize>(t.nbytes));
    }
    out.flush();
    if (!out) throw IoError("cannot write '" + path + "': " + errno_message());
}

namespace {

/// A sharded checkpoint's index: the shard file names in first-use order and
/// which shard holds each tensor.
struct ShardIndex {
    std::vector<std::string> shard_names;
    std::map<std::string, std::string> weight_map;  // tensor -> shard file name
};

/// Throws unless every shard the index names is a file in dir.
void check_shards_exist(const ShardIndex& shards, const std::string& index,
                        const std::string& dir) {
    for (const auto& f : shards.shard_names)
        if (!file_exists(dir + "/" + f))
            throw ModelError("'" + index + "' names shard '" + f + "' (tensor '" +
                             std::find_if(shards.weight_map.begin(), shards.weight_map.end(),
                                          [&](const auto& kv) { return kv.second == f; })
                                 ->first +
                             "' and others), which is not in '" + dir + "'");
}

/// Reads model.safetensors.index.json: its "weight_map" object maps each
/// tensor to a shard file name in dir.
ShardIndex read_shard_index(const std::string& index, const std::string& dir) {
    std::ifstream in(index);
    if (!in) throw IoError("cannot read '" + index + "': " + errno_message());
    json j;
    try {
        in >> j;
    } catch (const std::exception& e) {
        throw ModelError("'" + index + "': invalid JSON: " + e.what());
    }
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object()) {
        throw ModelError("'" + index + "': no \"weight_map\" object");
    }
    ShardIndex shards;
    for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
        if (!it->is_string())
            throw ModelError("'" + index + "': weight_map entry for tensor '" + it.key() + "' is " +
                             it->dump() + ", expected a shard file name");
        auto f = it->get<std::string>();
        if (f.empty() || f.find('/') != std::string::npos)
            throw ModelError("'" + index + "': tensor '" + it.key() + "' maps to '" + f +
                             "', expected a file name in the same directory");
        shards.weight_map[it.key()] = f;
        if (std::find(shards.shard_names.begin(), shards.shard_names.end(), f) ==
            shards.shard_names.end()) {
            shards.shard_names.push_back(f);
        }
    }
    check_shards_exist(shards, index, dir);
    return shards;
}

/// Throws unless each tensor of the index's weight_map is in the shard the
/// index names.
void check_weight_map(const std::map<std::string, std::string>& weight_map,
                      const std::map<std::string, const SafetensorsFile*>& where,
                      const std::string& index, const std::string& dir) {
    for (const auto& kv : weight_map) {
        const std::string shard = dir + "/" + kv.second;
        auto it = where.find(kv.first);
        if (it == where.end())
            throw ModelError("'" + index + "' maps tensor '" + kv.first + "' to '" + shard +
                             "', which does not contain it");
        if (it->second->path() != shard)
            throw ModelError("'" + index + "' maps tensor '" + kv.first + "' to '" + shard +
                             "', but it is in '" + it->second->path() + "'");
    }
}

/// For a folder without safetensors: the weights it holds in a format that is
/// not read (transformers before 4.35 saved pytorch_model.bin by default), and
/// how to convert them, keeping every tensor name; "" when it holds none.
std::string other_weight_formats(const std::string& dir) {
    std::string found;
    for (const char* name :
         {"pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack"})
        if (file_exists(dir + "/" + name)) found += (found.empty() ? "" : ", ") + std::string(name);
    if (found.empty()) return "";
    std::string how =
        file_exists(dir + "/pytorch_model.bin")
            ? "convert it once in Python: import torch; from safetensors.torch import save_file; "
              "sd = torch.load('" +
                  dir +
                  "/pytorch_model.bin', map_location='cpu'); save_file({k: v.clone() for "
                  "k, v in sd.items()}, '" +
                  dir + "/model.safetensors', metadata={'format': 'pt'})"
            : "load it with transformers and save it with save_pretrained(DIR, "
              "safe_serialization=True)";
    return "; it has " + found +
           ", which plmkit does not read (safetensors only: a PyTorch pickle can run code when "
           "loaded): " +
           how;
}

}  // namespace

SafetensorsCheckpoint::SafetensorsCheckpoint(const std::string& dir) {
    const std::string single = dir + "/model.safetensors";
    const std::string index = dir + "/model.safetensors.index.json";
    ShardIndex shards;
    if (file_exists(index)) {
        shards = read_shard_index(index, dir);
    } else if (file_exists(single)) {
        shards.shard_names.push_back("model.safetensors");
    } else {
        throw ModelError("'" + dir +
                         "' has no model.safetensors or model.safetensors.index.json "
                         "(expected a Hugging Face model directory)" +
                         other_weight_formats(dir));
    }
    for (const auto& name : shards.shard_names) {
        files_.push_back(dir + "/" + name);
        shards_.push_back(std::make_unique<SafetensorsFile>(files_.back()));
        for (const auto& t : shards_.back()->names()) {
            if (where_.count(t)) {
                throw ModelError("tensor '" + t + "' appears in both '" + where_[t]->path() +
                                 "' and '" + files_.back() + "'");
            }
            where_[t] = shards_.back().get();
        }
    }
    check_weight_map(shards.weight_map, where_, index, dir);
}

const TensorView& SafetensorsCheckpoint::get(const std::string& name) const {
    auto it = where_.find(name);
    if (it == where_.end()) {
        throw ModelError("checkpoint has no tensor '" + name +
                         "' (files: " + (files_.empty() ? std::string("none") : files_.front()) +
                         (files_.size() > 1 ? " and others" : "") + ")");
    }
    return it->second->get(name);
}

std::vector<std::string> SafetensorsCheckpoint::names() const {
    std::vector<std::string> out;
    for (const auto& kv : where_)
        out.push_back(kv.first);
    return out;
}

}  // namespace plmkit
