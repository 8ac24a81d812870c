#pragma once
// `plmkit evaluate --split-set test` (or train, valid, none, several): score
// only the rows of the training file that the model's saved split
// (MODEL_DIR/split.csv: row_index, id, smiles|sequence, split) put in those
// sets, matched by row_index. The data must be the file the model was
// trained on: the same size and XXH64 as config.json's training.data_file;
// for a model without that record (trained before it existed, or from a
// pipe), each selected row's id and input must match split.csv instead.
#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "pipelines/property_table.hpp"

namespace plmkit::pipelines {

struct EvalSplit {
    std::vector<std::string> sets;  ///< as split.csv names them (train, valid, test, none)
    std::string path;               ///< MODEL_DIR/split.csv
    /// row_index -> (id, input as split.csv shows it) of the selected rows.
    std::map<std::uint64_t, std::pair<std::string, std::string>> rows;
    bool hashed = false;  ///< the data matched training.data_file's size and XXH64
    bool empty() const { return sets.empty(); }
    /// {"sets", "rows" (split.csv's rows in them), "file", "data_check"}.
    nlohmann::json to_json() const;
};

/// The sets `names` selects: train (training), valid (val, validation, dev),
/// test and none (invalid, exclude), any case, each once. UsageError for
/// another name.
std::vector<std::string> parse_split_sets(const std::vector<std::string>& names);

/// The rows of `model_dir`'s split.csv in `names`' sets, after checking that
/// `data` is the training file (config.json's `training`). Empty when
/// `names` is. UsageError when the model has no split.csv or `data` is
/// another file (size or hash differ); InputError when split.csv is malformed
/// or puts no row in those sets.
EvalSplit load_eval_split(const std::string& model_dir, const std::vector<std::string>& names,
                          const nlohmann::json& training, const std::string& data);

/// Keeps the rows (and rejects) of `t`, read from `data`, that `split`
/// selects; t.records becomes the number selected. Without the hash match,
/// UsageError when a selected row is not in `data` or its id or input differ
/// from split.csv's (then a note says the rows were checked instead).
void keep_split_rows(PropertyTable& t, const EvalSplit& split, const std::string& data);

}  // namespace plmkit::pipelines
