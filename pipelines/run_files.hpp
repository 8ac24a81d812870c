#pragma once
// The files a screening run or a merge reads and writes, checked before any
// work starts: no output may be an input or another output (compared as
// files, not as path text), and every output's folder must exist. Plus the
// fingerprint of an input file, stored in summary.json so that a merge can
// tell whether two shards read the same library wherever it lay (XXH64, in
// src/xxh64.hpp).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/xxh64.hpp"

namespace plmkit::pipelines {

/// True when `a` and `b` name the same file: std::filesystem::equivalent
/// when both exist (hard and symbolic links included), otherwise the same
/// path once made absolute with symbolic links in the existing part resolved.
/// "-" (stdin/stdout) and "" are never the same file as anything.
bool same_file(const std::string& a, const std::string& b);

/// A file a run touches and what named it ("--output", "the input").
struct NamedPath {
    std::string option;
    std::string path;
};

/// UsageError when an output is the same file as an input ("--output 'x'
/// would overwrite the input 'y'") or as another output ("--sdf and --output
/// are the same file 'x'"); IoError when an output's folder does not exist
/// or the output is a folder, and when an input is a folder.
/// Empty paths and "-" are skipped.
void check_run_files(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs);

/// {"size": bytes, "xxh64": "<16 hex digits>"} of the whole file, or null for
/// "-" and anything but a regular file (a pipe cannot be read twice). IoError
/// when it cannot be read.
nlohmann::json file_fingerprint(const std::string& path);

}  // namespace plmkit::pipelines
