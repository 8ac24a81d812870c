#include "pipelines/kept_columns.hpp"

#include <algorithm>
#include <cctype>

#include "src/error.hpp"
#include "src/log.hpp"
#include "src/name_hints.hpp"
#include "src/utf8.hpp"

namespace plmkit::pipelines {

namespace {

constexpr std::size_t kMaxTagNames = 1000;

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool same_ignoring_case(const std::string& a, const std::string& b) {
    return a.size() == b.size() && lower(a) == lower(b);
}

/// Index of `name` in `names`: the exact spelling first, then ignoring case
/// (as the reader matches --smiles-col and --id-col); -1 when absent.
int find_name(const std::vector<std::string>& names, const std::string& name) {
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return static_cast<int>(i);
    for (std::size_t i = 0; i < names.size(); ++i)
        if (same_ignoring_case(names[i], name)) return static_cast<int>(i);
    return -1;
}

/// Index of `name` among `props`, trying `hint` (its place in the last
/// record) first; -1 when absent.
int find_prop(const std::vector<std::pair<std::string, std::string>>& props,
              const std::string& name, std::size_t hint) {
    if (hint < props.size() && props[hint].first == name) return static_cast<int>(hint);
    for (std::size_t i = 0; i < props.size(); ++i)
        if (props[i].first == name) return static_cast<int>(i);
    for (std::size_t i = 0; i < props.size(); ++i)
        if (same_ignoring_case(props[i].first, name)) return static_cast<int>(i);
    return -1;
}

}  // namespace

void check_keep_cols(const std::vector<std::string>& names, const std::string& where) {
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i].empty())
            throw UsageError("'" + where + "': item " + std::to_string(i + 1) +
                             " is empty (a leading, trailing or doubled comma?)");
        if (names[i] == "all" && names.size() > 1)
            throw UsageError("'" + where +
                             "': 'all' keeps every input column; give it alone, not with "
                             "other names");
        for (std::size_t j = 0; j < i; ++j)
            if (names[j] == names[i])
                throw UsageError("'" + where + "': '" + names[i] + "' is named twice");
    }
}

KeptColumns::KeptColumns(const std::vector<std::string>& requested,
                         const data::MoleculeReader& reader, const std::vector<std::string>& taken,
                         const std::string& option)
    : KeptColumns(requested, reader, taken, KeptColumnsOptions{option, "SMILES", "input_smiles"}) {}

KeptColumns::KeptColumns(const std::vector<std::string>& requested,
                         const data::MoleculeReader& reader, const std::vector<std::string>& taken,
                         const KeptColumnsOptions& options)
    : path_(reader.path()), option_(options.option), names_(options) {
    if (requested.empty()) return;
    sdf_ = reader.format() == "sdf";
    all_ = requested.size() == 1 && requested.front() == "all";
    if (sdf_)
        resolve_sdf(requested, reader);
    else
        resolve_table(requested, reader);
    name_outputs(taken);
    hint_.assign(inputs_.size(), 0);
    found_.assign(inputs_.size(), 0);
}

void KeptColumns::resolve_table(const std::vector<std::string>& requested,
                                const data::MoleculeReader& reader) {
    const std::vector<std::string> columns = reader.columns();
    if (columns.empty())
        throw UsageError(path_ + ": " + option_ +
                         ": a SMILES file without a header line has no column names; add one "
                         "('smiles id vendor_id ...') or use a CSV/TSV file");
    const std::string smiles = reader.smiles_column(), id = reader.id_column();
    if (all_) {
        for (const auto& c : columns)
            if (c != smiles && c != id) inputs_.push_back(c);
    } else {
        for (const auto& name : requested) {
            const int i = find_name(columns, name);
            if (i < 0)
                throw UsageError(path_ + ": " + option_ + ": no column '" + name + "' (columns: " +
                                 name_list(columns) + ")" + did_you_mean(name, columns));
            const std::string& c = columns[static_cast<std::size_t>(i)];
            if (c == smiles || c == id)
                throw UsageError(path_ + ": " + option_ + ": '" + c + "' is the " +
                                 (c == smiles ? names_.input_label + " column, written as " +
                                                    names_.input_written_as
                                              : std::string("id column, written as id")) +
                                 " already; leave it out");
            if (std::find(inputs_.begin(), inputs_.end(), c) != inputs_.end())
                throw UsageError(path_ + ": " + option_ + ": column '" + c +
                                 "' is named twice (names match ignoring case)");
            inputs_.push_back(c);
        }
    }
    for (const auto& c : inputs_)
        if (std::count(columns.begin(), columns.end(), c) > 1)
            throw InputError(path_ + ": the header names column '" + c + "' more than once; " +
                             option_ + " cannot tell which to keep (rename the copies)");
}

void KeptColumns::resolve_sdf(const std::vector<std::string>& requested,
                              const data::MoleculeReader& reader) {
    const std::vector<std::string> tags = reader.columns();  // of the first record
    const std::string id = reader.id_column();
    for (const auto& t : tags)
        if (tags_seen_.size() < kMaxTagNames) tags_seen_.insert(t);
    auto is_id = [&](const std::string& t) { return !id.empty() && same_ignoring_case(t, id); };
    if (all_) {
        for (const auto& t : tags)
            if (!is_id(t) && std::find(inputs_.begin(), inputs_.end(), t) == inputs_.end())
                inputs_.push_back(t);
        return;
    }
    for (const auto& name : requested) {
        const int i = find_name(tags, name);
        const std::string t = i < 0 ? name : tags[static_cast<std::size_t>(i)];
        if (is_id(t))
            throw UsageError(path_ + ": " + option_ + ": SD tag '" + t +
                             "' is the id tag (--id-col), written as id already; leave it out");
        if (std::find(inputs_.begin(), inputs_.end(), t) != inputs_.end())
            throw UsageError(path_ + ": " + option_ + ": SD tag '" + t +
                             "' is named twice (names match ignoring case)");
        if (i < 0)
            log_warn(path_ + ": " + option_ + ": SD tag '" + name +
                     "' is not in the first record (tags: " + name_list(tags) + ")" +
                     did_you_mean(name, tags) + "; records without it get an empty cell");
        inputs_.push_back(t);
    }
}

void KeptColumns::name_outputs(const std::vector<std::string>& taken) {
    auto is_taken = [&](const std::string& name) {
        return std::any_of(taken.begin(), taken.end(),
                           [&](const std::string& t) { return same_ignoring_case(t, name); });
    };
    for (const auto& in : inputs_) {
        // One line of UTF-8, as every value plmkit writes.
        std::string out = one_line_utf8(in);
        if (is_taken(out)) {
            out = "input_" + out;
            if (is_taken(out))
                throw UsageError(path_ + ": " + option_ + ": column '" + in +
                                 "' clashes with plmkit's column '" + in + "' and 'input_" + in +
                                 "' with another of its columns; rename it in the input");
            log_info(option_ + ": input column '" + in + "' is written as '" + out +
                     "' (plmkit writes a column '" + in + "' of its own)");
        }
        if (std::find(outputs_.begin(), outputs_.end(), out) != outputs_.end())
            throw UsageError(path_ + ": " + option_ +
                             ": two kept columns would both be written as '" + out +
                             "'; rename one in the input");
        outputs_.push_back(out);
    }
}

void KeptColumns::pick(std::vector<std::pair<std::string, std::string>>& props,
                       std::vector<std::string>& values) {
    values.assign(inputs_.size(), std::string());
    if (inputs_.empty()) return;
    ++picked_;
    for (std::size_t k = 0; k < inputs_.size(); ++k) {
        const int i = find_prop(props, inputs_[k], hint_[k]);
        if (i < 0) continue;
        hint_[k] = static_cast<std::size_t>(i);
        ++found_[k];
        values[k] = std::move(props[static_cast<std::size_t>(i)].second);
    }
    if (!sdf_) return;
    for (const auto& [tag, value] : props) {
        if (tags_seen_.size() >= kMaxTagNames || tags_seen_.count(tag)) continue;
        tags_seen_.insert(tag);
        if (all_ && not_kept_.size() < 20) not_kept_.push_back(tag);
    }
}

void KeptColumns::warn_at_end() const {
    if (!sdf_) return;
    const std::vector<std::string> seen(tags_seen_.begin(), tags_seen_.end());
    for (std::size_t k = 0; k < inputs_.size(); ++k)
        if (picked_ > 0 && found_[k] == 0)
            log_warn(path_ + ": " + option_ + ": SD tag '" + inputs_[k] + "' is in none of the " +
                     std::to_string(picked_) + " records " + names_.records_verb +
                     ", so its column '" + outputs_[k] + "' is empty (tags seen: " +
                     name_list(seen) + ")" + did_you_mean(inputs_[k], seen));
    if (!not_kept_.empty())
        log_warn(path_ + ": " + option_ +
                 ": 'all' kept the SD tags of the first record; these tags first appear in "
                 "later records and were not kept: " +
                 name_list(not_kept_) + " (name them in " + option_ + " to keep them)");
}

nlohmann::json KeptColumns::json() const {
    nlohmann::json list = nlohmann::json::array();
    for (std::size_t k = 0; k < inputs_.size(); ++k)
        list.push_back({{"column", inputs_[k]}, {"as", outputs_[k]}});
    return list;
}

}  // namespace plmkit::pipelines
