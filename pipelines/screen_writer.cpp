#include "pipelines/screen_writer.hpp"

#include <filesystem>

#include "pipelines/hit_ranker.hpp"
#include "pipelines/screen_plan.hpp"
#include "src/atomic_file.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"

namespace plmkit::pipelines {

namespace {
void put(std::FILE* f, const std::string& s, const std::string& what) {
    if (!s.empty() && std::fwrite(s.data(), 1, s.size(), f) != s.size())
        throw IoError("cannot write '" + what + "': " + errno_message());
}

std::string header_line(const std::vector<std::string>& cols, char sep) {
    std::string line;
    for (std::size_t i = 0; i < cols.size(); ++i) {
        if (i) line += sep;
        line += csv_escape(cols[i], sep);
    }
    return line + "\n";
}
}  // namespace

ScreenWriter::ScreenWriter(const std::vector<std::string>& hit_columns, const std::string& hits,
                           const std::string& sdf, const std::string& rejects) {
    std::filesystem::path dir =
        hits == "-" ? std::filesystem::path(".") : std::filesystem::path(hits).parent_path();
    spool_dir_ = dir.empty() ? "." : dir.string();
    hits_ = open(hits);
    if (!sdf.empty()) sdf_ = open(sdf);
    if (!rejects.empty()) rejects_ = open(rejects);
    put(hits_.file, header_line(hit_columns, ','), hits);
    if (rejects_.file) put(rejects_.file, header_line(reject_columns(), '\t'), rejects);
}

ScreenWriter::~ScreenWriter() {
    close(hits_, false);
    close(sdf_, false);
    close(rejects_, false);
}

ScreenWriter::Out ScreenWriter::open(const std::string& path) {
    Out out;
    if (path == "-") {
        out.file = stdout;
        return out;
    }
    out.atomic = std::make_unique<AtomicFile>(path);
    out.file = std::fopen(out.atomic->temp_path().c_str(), "wb");
    if (!out.file) throw IoError("cannot write '" + path + "': " + errno_message());
    return out;
}

void ScreenWriter::close(Out& out, bool keep) {
    if (!out.file) return;
    if (out.file == stdout) {
        std::fflush(stdout);
    } else {
        bool ok = std::fclose(out.file) == 0;
        if (keep && !ok)
            throw IoError("cannot write '" + out.atomic->final_path() + "': " + errno_message());
        if (keep) out.atomic->commit();
    }
    out.file = nullptr;
    out.atomic.reset();
}

void ScreenWriter::reject(const std::string& line) {
    if (!rejects_.file) return;
    put(rejects_.file, line, "rejects");
    put(rejects_.file, "\n", "rejects");
}

std::uint64_t ScreenWriter::write_hits(HitRanker& ranker,
                                       const std::function<void(const std::string&)>& cut) {
    return ranker.finish(hits_.file, sdf_.file, cut);
}

void ScreenWriter::commit() {
    close(hits_, true);
    close(sdf_, true);
    close(rejects_, true);
}

void write_json_file(const std::string& path, const nlohmann::json& value) {
    AtomicFile file(path);
    std::FILE* f = std::fopen(file.temp_path().c_str(), "wb");
    if (!f) throw IoError("cannot write '" + path + "': " + errno_message());
    std::string text = value.dump(2) + "\n";
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) throw IoError("cannot write '" + path + "': " + errno_message());
    file.commit();
}

}  // namespace plmkit::pipelines
