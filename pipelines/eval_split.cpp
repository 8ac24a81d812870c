#include "pipelines/eval_split.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "data/splits.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/run_files.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/line_reader.hpp"
#include "src/log.hpp"
#include "src/utf8.hpp"

namespace plmkit::pipelines {
namespace {

namespace fs = std::filesystem;

/// "'test'", "'valid', 'test'".
std::string set_list(const std::vector<std::string>& sets) {
    std::string out;
    for (const auto& s : sets)
        out += (out.empty() ? "'" : ", '") + s + "'";
    return out;
}

bool parse_row_index(const std::string& text, std::uint64_t& out) {
    if (text.empty() || text.size() > 18) return false;
    out = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        out = out * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return true;
}

/// Whether `data` is the training file by config.json's record: true when
/// its size and XXH64 match, false when there is nothing to compare (no
/// record, or `data` is a stream); UsageError when they differ.
bool data_matches_record(const nlohmann::json& training, const std::string& data) {
    if (!training.is_object() || data == "-") return false;
    const auto it = training.find("data_file");
    if (it == training.end() || !it->is_object() || !it->contains("size") || !it->contains("xxh64"))
        return false;
    const nlohmann::json fp = file_fingerprint(data);  // null for a pipe
    if (!fp.is_object()) return false;
    if (fp.at("size") == it->at("size") && fp.at("xxh64") == it->at("xxh64")) return true;
    throw UsageError("--split-set: " + data +
                     " is not the file the model was trained on (config.json's "
                     "training.data_file: " +
                     it->value("path", "?") + ", " + it->at("size").dump() + " bytes, XXH64 " +
                     it->at("xxh64").get<std::string>() + "; " + data + ": " +
                     fp.at("size").dump() + " bytes, XXH64 " + fp.at("xxh64").get<std::string>() +
                     "); split.csv's row_index values are rows of that file: give it as --data, "
                     "or leave --split-set out to score every row of " +
                     data);
}

/// The next record of split.csv (a quoted field may hold a line break).
bool next_record(LineReader& reader, std::string& line, std::vector<std::string>& fields) {
    if (!reader.next(line)) return false;
    std::string more;
    while (!split_csv_line(line, ',', fields)) {
        if (!reader.next(more))
            throw InputError(reader.where() + ": a quoted field does not end before the file does");
        line += "\n" + more;
    }
    return true;
}

/// Reads the rows of split.csv in `sets` into `out.rows`.
void read_split_rows(EvalSplit& out) {
    LineReader reader(out.path);
    std::string line;
    std::vector<std::string> fields;
    if (!next_record(reader, line, fields) || fields.size() != 4 || fields[0] != "row_index" ||
        fields[3] != "split")
        throw InputError(out.path +
                         ":1: expected the header row_index,id,smiles,split (or sequence) that "
                         "plmkit train writes");
    while (next_record(reader, line, fields)) {
        if (line.empty()) continue;
        if (fields.size() != 4)
            throw InputError(reader.where() + ": expected 4 fields, found " +
                             std::to_string(fields.size()));
        std::uint64_t row = 0;
        int set = data::kNoSet;
        if (!parse_row_index(fields[0], row))
            throw InputError(reader.where() + ": row_index '" + fields[0] +
                             "' is not a non-negative integer");
        if (!data::parse_split_name(fields[3], set))
            throw InputError(reader.where() + ": unknown split '" + fields[3] + "', " +
                             data::kSplitNamesExpected);
        const std::string name = data::split_name(set);
        if (std::find(out.sets.begin(), out.sets.end(), name) == out.sets.end()) continue;
        if (!out.rows.emplace(row, std::make_pair(fields[1], fields[2])).second)
            throw InputError(reader.where() + ": row_index " + fields[0] + " listed twice");
    }
    if (out.rows.empty())
        throw InputError(out.path + " puts no row in " + set_list(out.sets) +
                         ": nothing to evaluate");
}

/// Without the hash: every selected row must be a row of `data` with
/// split.csv's id and input.
void check_rows(const PropertyTable& t, const EvalSplit& split, const std::string& data) {
    const std::string where = "--split-set: " + data + " does not look like the file the model " +
                              "was trained on (config.json records no size and XXH64 of it, so " +
                              "the rows were compared with " + split.path + "): ";
    const std::uint64_t last = split.rows.rbegin()->first;
    if (last >= t.records)
        throw UsageError(where + "its row_index " + std::to_string(last) + " is past the end of " +
                         data + " (" + std::to_string(t.records) + " data rows)");
    for (std::size_t i = 0; i < t.size(); ++i) {
        const auto& [id, input] = split.rows.at(t.index[i]);
        const std::string shown = shown_smiles(t.inputs[i]);
        // split.csv writes a byte that is not UTF-8 as \xHH (before that
        // change, as it was).
        auto same = [](const std::string& written, const std::string& text) {
            return written == text || written == escape_invalid_utf8(text);
        };
        if (!same(id, t.ids[i]) || !same(input, shown))
            throw UsageError(where + "data row " + std::to_string(t.index[i]) + " (line " +
                             std::to_string(t.lines.empty() ? 0 : t.lines[i]) + ") has id '" +
                             t.ids[i] + "' and input '" + shown + "', split.csv has '" + id +
                             "' and '" + input + "'; give the training file as --data");
    }
    log_info(
        "evaluate: config.json records no size and XXH64 of the training file (a model "
        "trained before plmkit recorded them, or from a pipe): checked instead that the " +
        std::to_string(t.size()) + " selected rows of " + data +
        " have split.csv's ids and inputs");
}

}  // namespace

nlohmann::json EvalSplit::to_json() const {
    return {{"sets", sets},
            {"rows", rows.size()},
            {"file", path},
            {"data_check", hashed ? "size and XXH64 of config.json's training.data_file"
                                  : "ids and inputs of the selected rows (config.json records "
                                    "no hash of the training file)"}};
}

std::vector<std::string> parse_split_sets(const std::vector<std::string>& names) {
    std::vector<std::string> sets;
    for (const auto& n : names) {
        int set = data::kNoSet;
        if (!data::parse_split_name(n, set))
            throw UsageError("--split-set: unknown set '" + n +
                             "'; expected train (training), valid (val, validation, dev), "
                             "test or none, as split.csv names them");
        const std::string name = data::split_name(set);
        if (std::find(sets.begin(), sets.end(), name) == sets.end()) sets.push_back(name);
    }
    return sets;
}

EvalSplit load_eval_split(const std::string& model_dir, const std::vector<std::string>& names,
                          const nlohmann::json& training, const std::string& data) {
    EvalSplit out;
    if (names.empty()) return out;
    out.sets = parse_split_sets(names);
    out.path = (fs::path(model_dir) / "split.csv").string();
    std::error_code ec;
    if (!fs::is_regular_file(out.path, ec))
        throw UsageError("--split-set: " + model_dir +
                         " has no split.csv (the set of each training row, which plmkit train "
                         "writes there); without it the held-out rows are unknown");
    out.hashed = data_matches_record(training, data);
    read_split_rows(out);
    return out;
}

void keep_split_rows(PropertyTable& t, const EvalSplit& split, const std::string& data) {
    const std::size_t nt = t.num_targets;
    const bool labels = !t.labels.empty();
    std::size_t kept = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (split.rows.count(t.index[i]) == 0) continue;
        if (kept == i) {  // a self-move would empty the strings
            ++kept;
            continue;
        }
        t.index[kept] = t.index[i];
        if (!t.lines.empty()) t.lines[kept] = t.lines[i];
        t.ids[kept] = std::move(t.ids[i]);
        t.inputs[kept] = std::move(t.inputs[i]);
        std::copy_n(t.targets.begin() + i * nt, nt, t.targets.begin() + kept * nt);
        if (labels)
            std::move(t.labels.begin() + i * nt, t.labels.begin() + (i + 1) * nt,
                      t.labels.begin() + kept * nt);
        ++kept;
    }
    t.index.resize(kept);
    if (!t.lines.empty()) t.lines.resize(kept);
    t.ids.resize(kept);
    t.inputs.resize(kept);
    t.targets.resize(kept * nt);
    if (labels) t.labels.resize(kept * nt);
    if (!split.hashed) check_rows(t, split, data);
    // Rejects of the selected rows only ("index \t ..." lines).
    t.rejects.erase(std::remove_if(t.rejects.begin(), t.rejects.end(),
                                   [&](const std::string& line) {
                                       return split.rows.count(std::stoull(
                                                  line.substr(0, line.find('\t')))) == 0;
                                   }),
                    t.rejects.end());
    t.records = split.rows.size();
}

}  // namespace plmkit::pipelines
