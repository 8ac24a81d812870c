#include "pipelines/hit_ranker.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "src/error.hpp"

namespace plmkit::pipelines {

namespace {
struct SpoolHeader {
    std::uint64_t record;
    double score;
    std::uint32_t csv_len, sdf_len, cut_len, pad;
};

const char* const kSpool = "the hit spool file";

void write_all(std::FILE* f, const void* data, std::size_t n, const std::string& what) {
    if (n && std::fwrite(data, 1, n, f) != n)
        throw IoError("cannot write " + what + ": " + errno_message());
}
}  // namespace

HitRanker::HitRanker(std::uint64_t top, const std::string& spool_dir) : top_(top) {
    std::string dir = spool_dir.empty() ? "." : spool_dir;
    std::string path = dir + "/.plmkit-hits-spool-" + std::to_string(::getpid()) + "-" +
                       std::to_string(reinterpret_cast<std::uintptr_t>(this));
    spool_ = std::fopen(path.c_str(), "w+b");
    if (!spool_)
        throw IoError("cannot create a temporary file in '" + dir + "': " + errno_message());
    ::unlink(path.c_str());
}

HitRanker::~HitRanker() {
    if (spool_) std::fclose(spool_);
}

void HitRanker::add(const RankedHit& hit) {
    SpoolHeader h{hit.record,
                  hit.score,
                  static_cast<std::uint32_t>(hit.csv_row.size()),
                  static_cast<std::uint32_t>(hit.sdf_block.size()),
                  static_cast<std::uint32_t>(hit.cut_line.size()),
                  0};
    Ref ref{hit.score, hit.record, end_};
    write_all(spool_, &h, sizeof h, kSpool);
    write_all(spool_, hit.csv_row.data(), hit.csv_row.size(), kSpool);
    write_all(spool_, hit.sdf_block.data(), hit.sdf_block.size(), kSpool);
    write_all(spool_, hit.cut_line.data(), hit.cut_line.size(), kSpool);
    end_ += sizeof h + h.csv_len + h.sdf_len + h.cut_len;
    ++added_;
    if (top_ == 0) {
        refs_.push_back(ref);
    } else if (refs_.size() < top_) {
        refs_.push_back(ref);
        std::push_heap(refs_.begin(), refs_.end(), Worse{});
    } else if (better(ref.score, ref.record, refs_.front().score, refs_.front().record)) {
        std::pop_heap(refs_.begin(), refs_.end(), Worse{});
        refs_.back() = ref;
        std::push_heap(refs_.begin(), refs_.end(), Worse{});
    }
}

void HitRanker::read_at(std::uint64_t offset, RankedHit& hit) {
    SpoolHeader h;
    int fd = ::fileno(spool_);
    auto pread_all = [&](void* buf, std::size_t n, std::uint64_t at) {
        std::size_t got = 0;
        while (got < n) {
            auto r =
                ::pread(fd, static_cast<char*>(buf) + got, n - got, static_cast<off_t>(at + got));
            if (r <= 0) throw IoError("cannot read the hit spool file: " + errno_message());
            got += static_cast<std::size_t>(r);
        }
    };
    pread_all(&h, sizeof h, offset);
    hit.record = h.record;
    hit.score = h.score;
    hit.csv_row.resize(h.csv_len);
    hit.sdf_block.resize(h.sdf_len);
    hit.cut_line.resize(h.cut_len);
    offset += sizeof h;
    pread_all(hit.csv_row.data(), h.csv_len, offset);
    pread_all(hit.sdf_block.data(), h.sdf_len, offset + h.csv_len);
    pread_all(hit.cut_line.data(), h.cut_len, offset + h.csv_len + h.sdf_len);
}

std::uint64_t HitRanker::finish(std::FILE* csv, const std::string& csv_name, std::FILE* sdf,
                                const std::string& sdf_name,
                                const std::function<void(const std::string&)>& cut) {
    const std::string csv_what = "'" + csv_name + "'";
    const std::string sdf_what = "'" + sdf_name + "'";
    if (std::fflush(spool_) != 0) throw IoError("cannot write the hit spool file");
    std::sort(refs_.begin(), refs_.end(), Worse{});
    RankedHit hit;
    for (const auto& r : refs_) {
        read_at(r.offset, hit);
        write_all(csv, hit.csv_row.data(), hit.csv_row.size(), csv_what);
        write_all(csv, "\n", 1, csv_what);
        if (sdf) write_all(sdf, hit.sdf_block.data(), hit.sdf_block.size(), sdf_what);
    }
    if (top_ > 0 && added_ > refs_.size()) {
        const Ref worst = refs_.back();
        std::uint64_t offset = 0;
        while (offset < end_) {
            read_at(offset, hit);
            offset += sizeof(SpoolHeader) + hit.csv_row.size() + hit.sdf_block.size() +
                      hit.cut_line.size();
            bool kept = hit.record == worst.record ||
                        better(hit.score, hit.record, worst.score, worst.record);
            if (!kept) cut(hit.cut_line);
        }
    }
    return refs_.size();
}

}  // namespace plmkit::pipelines
