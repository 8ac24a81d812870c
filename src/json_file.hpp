#pragma once
// JSON documents kept in files (run summaries, checkpoint records): read with
// errors that name the file, written atomically.
#include <nlohmann/json.hpp>
#include <string>

#include "src/atomic_file.hpp"

namespace plmkit {

/// Reads JSON from `path`: IoError when it cannot be opened, InputError
/// naming the file when it is not JSON.
nlohmann::json read_json_file(const std::string& path);

/// `j` with every string and key that is not valid UTF-8 (a Latin-1 file
/// name, a command-line argument) holding each bad byte as `\xHH`
/// (escape_invalid_utf8): nlohmann::json refuses to write invalid UTF-8.
nlohmann::json with_valid_utf8(const nlohmann::json& j);

/// with_valid_utf8(j) as text, indented by `indent` (no final newline).
std::string json_text(const nlohmann::json& j, int indent = 2);

/// Writes `j` (indented by 2, with a final newline) to `path` atomically
/// (src/atomic_file.hpp; Durability::fsync: also synced to disk, file and
/// folder); throws IoError.
void write_json_file(const std::string& path, const nlohmann::json& j,
                     Durability durability = Durability::rename);

}  // namespace plmkit
