#pragma once
// JSON documents kept in files (run summaries, checkpoint records): read with
// errors that name the file, written atomically.
#include <nlohmann/json.hpp>
#include <string>

namespace plmkit {

/// Reads JSON from `path`: IoError when it cannot be opened, InputError
/// naming the file when it is not JSON.
nlohmann::json read_json_file(const std::string& path);

/// Writes `j` (indented by 2, with a final newline) to `path` atomically
/// (src/atomic_file.hpp); throws IoError.
void write_json_file(const std::string& path, const nlohmann::json& j);

}  // namespace plmkit
