#pragma once
// Ranks hits by score (descending; ties to the lower record index) with
// memory independent of the library size: every hit row is spooled to an
// unlinked temporary file next to the output, and only a small index entry
// (24 bytes) per hit stays in memory, or with --top K a bounded heap of K.
// finish() writes the ranked rows, then streams the spool once more, in
// record order, to report the hits cut by --top.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace plmkit::pipelines {

struct RankedHit {
    double score = 0;
    std::uint64_t record = 0;
    std::string csv_row;    ///< hits.csv line, no newline
    std::string sdf_block;  ///< hits.sdf record or ""
    std::string cut_line;   ///< rejects.tsv line if cut by --top (no newline)
};

class HitRanker {
  public:
    /// top = 0 keeps every hit. The spool lives in `spool_dir` (unlinked at once).
    HitRanker(std::uint64_t top, const std::string& spool_dir);
    ~HitRanker();
    HitRanker(const HitRanker&) = delete;
    HitRanker& operator=(const HitRanker&) = delete;

    /// Hits may come in any order; records must be distinct.
    void add(const RankedHit& hit);
    std::uint64_t added() const { return added_; }

    /// Writes kept rows ranked to `csv` (and `sdf` when not null), each row
    /// followed by '\n'; calls `cut` with each cut line in record order.
    /// Returns the number of rows written. A failed write throws IoError
    /// naming `csv_name` or `sdf_name`.
    std::uint64_t finish(std::FILE* csv, const std::string& csv_name, std::FILE* sdf,
                         const std::string& sdf_name,
                         const std::function<void(const std::string&)>& cut);

    /// True when a ranks before b: higher score, then lower record.
    static bool better(double sa, std::uint64_t ra, double sb, std::uint64_t rb) {
        return sa > sb || (sa == sb && ra < rb);
    }

  private:
    struct Ref {
        double score;
        std::uint64_t record;
        std::uint64_t offset;
    };
    struct Worse {
        bool operator()(const Ref& a, const Ref& b) const {
            return better(a.score, a.record, b.score, b.record);
        }
    };
    void read_at(std::uint64_t offset, RankedHit& hit);

    std::uint64_t top_;
    std::FILE* spool_ = nullptr;
    std::uint64_t end_ = 0;
    std::uint64_t added_ = 0;
    std::vector<Ref> refs_;  ///< all hits, or a max-heap (by Worse) of the best `top_`
};

}  // namespace plmkit::pipelines
