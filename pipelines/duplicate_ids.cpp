#include "pipelines/duplicate_ids.hpp"

namespace plmkit::pipelines {

DuplicateIds::DuplicateIds(std::size_t max_ids) : seen_(max_ids) {}

void DuplicateIds::add(const std::string& id, std::uint64_t index, std::uint64_t line) {
    if (id.empty()) return;
    const auto r = seen_.insert(id);
    if (r == data::SeenIds::Result::not_checked && !capped_) {
        capped_ = true;
        capped_at_ = index;
    }
    if (r != data::SeenIds::Result::repeated) return;
    ++count_;
    if (listed_.size() < kListed) listed_.push_back({id, index, line});
}

std::string DuplicateIds::warning(const std::string& input, const std::string& what) const {
    if (count_ == 0) return "";
    std::string w = input + ": " + std::to_string(count_) +
                    (count_ == 1 ? " record repeats" : " records repeat") +
                    " the id of an earlier record: ";
    for (std::size_t i = 0; i < listed_.size(); ++i) {
        const Repeat& r = listed_[i];
        w += (i ? ", '" : "'") + r.id + "' (" +
             (r.line ? "line " + std::to_string(r.line) : "record " + std::to_string(r.index + 1)) +
             ")";
    }
    if (count_ > listed_.size()) w += ", ...";
    w += "; " + what;
    if (capped_)
        w += " (the check remembers " + std::to_string(seen_.size()) +
             " distinct ids: a repeat of an id first seen from record " +
             std::to_string(capped_at_ + 1) + " on is not counted)";
    return w;
}

}  // namespace plmkit::pipelines
