#include "pipelines/run_files.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "src/error.hpp"

namespace plmkit::pipelines {

namespace fs = std::filesystem;

namespace {

/// Absolute, with `..` and symbolic links of the existing part resolved.
fs::path resolved(const std::string& p) {
    std::error_code ec;
    fs::path abs = fs::absolute(p, ec);
    if (ec) return fs::path(p).lexically_normal();
    fs::path r = fs::weakly_canonical(abs, ec);
    return ec ? abs.lexically_normal() : r;
}

bool exists(const std::string& p) {
    std::error_code ec;
    return fs::exists(p, ec);
}

}  // namespace

bool same_file(const std::string& a, const std::string& b) {
    if (a.empty() || b.empty() || a == "-" || b == "-") return false;
    bool ea = exists(a), eb = exists(b);
    if (ea != eb) return false;
    if (ea) {
        std::error_code ec;
        bool eq = fs::equivalent(a, b, ec);
        if (!ec) return eq;
    }
    return resolved(a) == resolved(b);
}

void check_run_files(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs) {
    auto skip = [](const NamedPath& p) { return p.path.empty() || p.path == "-"; };
    for (const auto& in : inputs) {
        std::error_code ec;
        if (!skip(in) && fs::is_directory(in.path, ec))
            throw IoError("cannot read '" + in.path + "' (" + in.option +
                          "): it is a folder, not a file");
    }
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        const auto& out = outputs[i];
        if (skip(out)) continue;
        fs::path dir = fs::path(out.path).parent_path();
        std::error_code ec;
        if (!dir.empty() && !fs::is_directory(dir, ec))
            throw IoError("cannot write '" + out.path + "' (" + out.option + "): folder '" +
                          dir.string() + "' does not exist");
        if (fs::is_directory(out.path, ec))
            throw IoError("cannot write '" + out.path + "' (" + out.option + "): it is a folder");
        for (const auto& in : inputs)
            if (!skip(in) && same_file(out.path, in.path))
                throw UsageError(out.option + " '" + out.path + "' would overwrite " + in.option +
                                 " '" + in.path + "'");
        for (std::size_t j = 0; j < i; ++j)
            if (!skip(outputs[j]) && same_file(out.path, outputs[j].path))
                throw UsageError(out.option + " and " + outputs[j].option + " are the same file '" +
                                 out.path + "'");
    }
}

nlohmann::json file_fingerprint(const std::string& path) {
    std::error_code ec;
    if (path == "-" || (fs::exists(path, ec) && !fs::is_regular_file(path, ec))) return nullptr;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!f) throw IoError("cannot open '" + path + "': " + errno_message());
    std::vector<unsigned char> buf(1 << 20);
    Xxh64 hash;
    std::uint64_t size = 0;
    for (;;) {
        std::size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
        hash.update(buf.data(), n);
        size += n;
        if (n < buf.size()) break;
    }
    if (std::ferror(f.get())) throw IoError("cannot read '" + path + "': " + errno_message());
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash.digest()));
    return {{"size", size}, {"xxh64", hex}};
}

}  // namespace plmkit::pipelines
