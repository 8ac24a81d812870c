#include "data/seen_ids.hpp"

#include <utility>

#include "src/log.hpp"
#include "src/xxh64.hpp"

namespace plmkit::data {

SeenIds::SeenIds(std::size_t max_ids) : max_ids_(max_ids) {}

SeenIds::Result SeenIds::insert(std::string_view id) {
    Xxh64 h;
    h.update(id.data(), id.size());
    std::uint64_t fp = h.digest();
    if (fp == 0) fp = 1;  // 0 marks an empty slot
    if (!slots_.empty() && find(fp)) return Result::repeated;
    // A full table still finds repeats of the ids it holds; it adds no more.
    if (full()) return Result::not_checked;
    if (2 * (size_ + 1) > slots_.size()) grow();
    add(fp);
    return Result::first;
}

bool SeenIds::find(std::uint64_t fp) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = fp & mask; slots_[i] != 0; i = (i + 1) & mask)
        if (slots_[i] == fp) return true;
    return false;
}

void SeenIds::add(std::uint64_t fp) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = fp & mask;
    while (slots_[i] != 0)
        i = (i + 1) & mask;
    slots_[i] = fp;
    ++size_;
}

void SeenIds::grow() {
    std::vector<std::uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : 2 * old.size(), 0);
    for (std::uint64_t fp : old)
        if (fp != 0) {
            --size_;
            add(fp);
        }
}

DuplicateIdCheck::DuplicateIdCheck(std::string item, std::size_t max_ids)
    : item_(std::move(item)), seen_(max_ids) {}

void DuplicateIdCheck::note(const std::string& id, const std::string& where) {
    const auto result = seen_.insert(id);
    if (result == SeenIds::Result::not_checked) {
        if (!said_unchecked_)
            log_info(where + ": the duplicate-id check holds its cap of " +
                     std::to_string(seen_.size()) +
                     " distinct ids; a repeat of an id first seen from here on is not reported");
        said_unchecked_ = true;
    } else if (result == SeenIds::Result::repeated) {
        ++duplicates_;
        if (duplicates_ <= kMaxWarnings)
            log_warn(where + ": duplicate id '" + id + "' (" + item_ + " kept)" +
                     (duplicates_ == kMaxWarnings ? "; further duplicates are only counted" : ""));
    }
}

void DuplicateIdCheck::say_total(const std::string& path) const {
    if (duplicates_ > kMaxWarnings)
        log_warn(path + ": " + std::to_string(duplicates_) + " " + item_ +
                 "s have a duplicate id (all kept, in file order)");
}

}  // namespace plmkit::data
