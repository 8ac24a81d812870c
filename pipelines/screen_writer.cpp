#include "pipelines/screen_writer.hpp"

#include <filesystem>

#include "pipelines/hit_ranker.hpp"
#include "pipelines/screen_plan.hpp"
#include "src/atomic_file.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/json_file.hpp"

namespace plmkit::pipelines {

namespace {
void put(std::FILE* f, const std::string& s, const std::string& what) {
    if (!s.empty() && std::fwrite(s.data(), 1, s.size(), f) != s.size())
        throw IoError("cannot write '" + what + "': " + errno_message());
}

/// Writes `text` to `temp` (a temporary file for `path`).
void write_text(const std::string& temp, const std::string& text, const std::string& path) {
    std::FILE* f = std::fopen(temp.c_str(), "wb");
    if (!f) throw IoError("cannot write '" + path + "': " + errno_message());
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) throw IoError("cannot write '" + path + "': " + errno_message());
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
                           const std::string& sdf, const std::string& rejects,
                           const std::vector<std::string>& kept_columns) {
    std::filesystem::path dir =
        hits == "-" ? std::filesystem::path(".") : std::filesystem::path(hits).parent_path();
    spool_dir_ = dir.empty() ? "." : dir.string();
    hits_ = open(hits);
    if (!sdf.empty()) sdf_ = open(sdf);
    if (!rejects.empty()) rejects_ = open(rejects);
    put(hits_.file, header_line(hit_columns, csv_separator_for(hits)), hits_.name);
    std::vector<std::string> reject_header = reject_columns();
    reject_header.insert(reject_header.end(), kept_columns.begin(), kept_columns.end());
    if (rejects_.file) put(rejects_.file, header_line(reject_header, '\t'), rejects);
}

ScreenWriter::~ScreenWriter() {
    for (Out* out : {&hits_, &sdf_, &rejects_}) {
        if (out->file && out->file != stdout) std::fclose(out->file);
        out->file = nullptr;
        out->atomic.reset();  // removes the temporary file
    }
}

ScreenWriter::Out ScreenWriter::open(const std::string& path) {
    Out out;
    out.name = path == "-" ? "standard output" : path;
    if (path == "-") {
        out.file = stdout;
        return out;
    }
    out.atomic = std::make_unique<AtomicFile>(path);
    out.file = std::fopen(out.atomic->temp_path().c_str(), "wb");
    if (!out.file) throw IoError("cannot write '" + path + "': " + errno_message());
    return out;
}

void ScreenWriter::close(Out& out) {
    if (!out.file) return;
    std::FILE* f = out.file;
    out.file = nullptr;
    bool ok = f == stdout ? std::fflush(f) == 0 : std::fclose(f) == 0;
    if (!ok)
        throw IoError("cannot write '" + (out.atomic ? out.atomic->final_path() : "stdout") +
                      "': " + errno_message());
}

void ScreenWriter::reject(const std::string& line) {
    if (!rejects_.file) return;
    put(rejects_.file, line, "rejects");
    put(rejects_.file, "\n", "rejects");
}

std::uint64_t ScreenWriter::write_hits(HitRanker& ranker,
                                       const std::function<void(const std::string&)>& cut) {
    return ranker.finish(hits_.file, hits_.name, sdf_.file, sdf_.name, cut);
}

void ScreenWriter::commit(const std::string& summary_path, const nlohmann::json& summary) {
    close(hits_);
    close(sdf_);
    close(rejects_);
    std::unique_ptr<AtomicFile> summary_file;
    if (!summary_path.empty()) {
        summary_file = std::make_unique<AtomicFile>(summary_path);
        write_text(summary_file->temp_path(), json_text(summary) + "\n", summary_path);
    }
    // The hits file last: until it is in place nothing looks finished.
    std::vector<std::string> done;
    for (AtomicFile* f :
         {rejects_.atomic.get(), sdf_.atomic.get(), summary_file.get(), hits_.atomic.get()}) {
        if (!f) continue;
        try {
            f->commit();
        } catch (...) {
            for (const auto& path : done)
                std::remove(path.c_str());
            throw;
        }
        done.push_back(f->final_path());
    }
}

}  // namespace plmkit::pipelines
