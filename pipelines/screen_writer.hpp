#pragma once
// The files of a screening run (or of a merge): hits.csv (ranked), optional
// hits.sdf, rejects.tsv and summary.json, written under temporary names and
// renamed into place by commit(), so an interrupted or failed run leaves no
// half-written file, and no file that looks finished, behind.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace plmkit {
class AtomicFile;
}

namespace plmkit::pipelines {

class HitRanker;

class ScreenWriter {
  public:
    /// `hits` may be "-" (stdout); `sdf` and `rejects` may be "" (not written).
    /// `kept_columns` (--keep-cols) follow reject_columns() in the rejects header.
    ScreenWriter(const std::vector<std::string>& hit_columns, const std::string& hits,
                 const std::string& sdf, const std::string& rejects,
                 const std::vector<std::string>& kept_columns = {});
    ~ScreenWriter();
    ScreenWriter(const ScreenWriter&) = delete;
    ScreenWriter& operator=(const ScreenWriter&) = delete;

    /// Folder for temporary spool files (the hits file's folder).
    const std::string& spool_dir() const { return spool_dir_; }
    /// Appends one rejects.tsv line (without newline).
    void reject(const std::string& line);
    /// Writes the ranked hits; `cut` receives each line cut by --top.
    std::uint64_t write_hits(HitRanker& ranker, const std::function<void(const std::string&)>& cut);
    /// Closes every file, writes `summary` to `summary_path` (unless empty)
    /// and renames them all into place, the hits file last. When a rename
    /// fails, the files already renamed are removed again and IoError thrown.
    void commit(const std::string& summary_path, const nlohmann::json& summary);

  private:
    struct Out {
        std::unique_ptr<AtomicFile> atomic;
        std::FILE* file = nullptr;
        std::string name;  ///< for messages: the path, or "standard output"
    };
    Out open(const std::string& path);
    /// Closes the stream (throws IoError on a write error); the temporary
    /// file stays until commit() or destruction.
    void close(Out& out);

    std::string spool_dir_;
    Out hits_, sdf_, rejects_;
};

}  // namespace plmkit::pipelines
