#include "pipelines/training_files.hpp"

#include <filesystem>
#include <system_error>

#include "pipelines/run_files.hpp"

namespace plmkit::pipelines {

namespace fs = std::filesystem;

nlohmann::json training_file_record(const std::string& path) {
    if (path == "-") return {{"path", "-"}};
    std::error_code ec;
    const fs::path abs = fs::absolute(path, ec);
    nlohmann::json j = {{"path", ec ? path : abs.lexically_normal().string()}};
    const nlohmann::json fp = file_fingerprint(path);  // null for a pipe
    if (fp.is_object()) j.update(fp);
    return j;
}

void add_training_files(nlohmann::json& training, const std::string& data,
                        const std::string& split_file) {
    training["data_file"] = training_file_record(data);
    if (!split_file.empty()) training["split_file"] = training_file_record(split_file);
}

std::string training_data_note(const nlohmann::json& training, const std::string& data) {
    if (data == "-" || !training.is_object()) return "";
    const auto it = training.find("data_file");
    if (it == training.end() || !it->is_object() || !it->contains("size") || !it->contains("xxh64"))
        return "";
    std::error_code ec;
    const auto size = fs::file_size(data, ec);
    if (ec || !it->at("size").is_number_unsigned() || it->at("size").get<std::uint64_t>() != size)
        return "";
    const nlohmann::json fp = file_fingerprint(data);
    if (!fp.is_object() || fp.value("xxh64", "") != it->at("xxh64")) return "";
    return data + " is the file the model was trained on (" + it->value("path", "?") +
           ", the same size and XXH64 hash): its rows include the training rows, so these "
           "metrics are not an estimate for unseen data; the held-out test set's metrics are in "
           "the model's metrics.json";
}

}  // namespace plmkit::pipelines
