#include "pipelines/chemprop_names.hpp"

#include <cctype>
#include <cstddef>
#include <map>
#include <utility>
#include <vector>

namespace plmkit::pipelines {
namespace {

/// "--Data_Path=x" -> "data-path": no dashes in front, no value, lower case,
/// '_' as '-' (Chemprop v1 writes --data_path, v2 --data-path).
std::string option_key(const std::string& option) {
    std::size_t start = 0;
    while (start < option.size() && option[start] == '-')
        ++start;
    std::string key =
        option.substr(start, option.find('=') == std::string::npos ? std::string::npos
                                                                   : option.find('=') - start);
    for (char& c : key)
        c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return key;
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

using Table = std::map<std::string, std::string>;

/// Options `train` has no counterpart of, and what to do instead.
Table train_missing() {
    return {
        {"num-folds",
         "plmkit trains one split a run: run train once per --seed, or python3 "
         "bench/moleculenet.py --cv K"},
        {"num-replicates",
         "plmkit trains one split a run: run train once per --seed, or python3 "
         "bench/moleculenet.py --cv K"},
        {"separate-val-path",
         "put all rows in one file with a split column (train, valid, "
         "test) and give --split column:NAME"},
        {"separate-test-path",
         "put all rows in one file with a split column (train, valid, "
         "test) and give --split column:NAME"},
        {"metric",
         "metrics.json has every metric; early stopping uses rmse (regression), "
         "roc_auc (classification) or cross-entropy (multiclass)"},
        {"metrics",
         "metrics.json has every metric; early stopping uses rmse (regression), "
         "roc_auc (classification) or cross-entropy (multiclass)"},
        {"extra-metrics",
         "metrics.json has every metric: rmse, mae, r2, spearman; roc_auc, "
         "pr_auc, accuracy, mcc, log_loss, brier"},
    };
}

/// Options `train` names otherwise; the text follows "Chemprop's NAME; ".
const Table& train_table() {
    static const Table t = [] {
        Table named = {
            {"i", "here: --data"},
            {"data-path", "here: --data"},
            {"s", "here: --input-col"},
            {"smiles-columns", "here: --input-col"},
            {"smiles-column", "here: --input-col"},
            {"target-columns",
             "here: --target-col, once per target or with several names after it"},
            {"t", "here: --task regression|classification|multiclass"},
            {"dataset-type", "here: --task regression|classification|multiclass"},
            {"task-type", "here: --task regression|classification|multiclass"},
            {"save-dir", "here: --output"},
            {"split-type",
             "here: --split random|scaffold|column:NAME|file:PATH; scaffold_balanced is --split "
             "scaffold"},
            {"splits-column", "here: --split column:NAME"},
            {"splits-file", "here: --split file:PATH, a CSV of row_index,scaffold_split"},
            {"ensemble-size", "here: --ensemble, or --mpnn-ensemble for the D-MPNN part"},
            {"features-generator",
             "here: --featurizer; rdkit_2d_normalized is rdkit2d, "
             "morgan_count is morgan, morgan is morgan with --morgan bits"},
            {"features-generators",
             "here: --featurizer; rdkit_2d_normalized is rdkit2d, "
             "morgan_count is morgan, morgan is morgan with --morgan bits"},
            {"features-only", "here: --head mlp, an MLP on the --featurizer features"},
            {"init-lr", "here: --lr, the peak of a 2-epoch warm-up and cosine decay"},
            {"max-lr", "here: --lr, the peak of a 2-epoch warm-up and cosine decay"},
            {"final-lr", "here: --lr, the peak of a 2-epoch warm-up and cosine decay"},
            {"hidden-size", "here: --mpnn-hidden, with --head mpnn"},
            {"message-hidden-dim", "here: --mpnn-hidden, with --head mpnn"},
            {"depth", "here: --mpnn-depth, with --head mpnn"},
            {"ffn-hidden-size", "here: --mpnn-ffn, its hidden sizes, e.g. 300,300"},
            {"ffn-hidden-dim", "here: --mpnn-ffn, its hidden sizes, e.g. 300,300"},
            {"ffn-num-layers", "here: --mpnn-ffn, its hidden sizes, e.g. 300,300"},
            {"class-balance", "here: --class-weights balanced, the default"},
            {"data-seed", "here: --seed"},
            {"pytorch-seed", "here: --seed"},
            {"num-workers", "here: --threads"},
            {"gpu", "here: --device; only ESM-2 runs on a GPU"},
            {"accelerator", "here: --device; only ESM-2 runs on a GPU"},
        };
        named.merge(train_missing());
        return named;
    }();
    return t;
}

/// Options of `predict` (and, with --data for the input, `evaluate`).
const Table& predict_table(bool evaluate) {
    static const auto make = [](const std::string& input) {
        return Table{
            {"test-path", "here: " + input},
            {"data-path", "here: " + input},
            {"checkpoint-dir",
             "here: --model, the directory plmkit train wrote, all its "
             "ensemble members"},
            {"checkpoint-path", "here: --model, the directory plmkit train wrote"},
            {"model-path", "here: --model, the directory plmkit train wrote"},
            {"model-paths", "here: --model, the directory plmkit train wrote"},
            {"preds-path", "here: --output"},
            {"s", "here: --input-col"},
            {"smiles-columns", "here: --input-col"},
            {"smiles-column", "here: --input-col"},
            {"features-generator", "the model's featurizer, from its config.json, is used"},
            {"features-generators", "the model's featurizer, from its config.json, is used"},
            {"featurizer", "the model's featurizer, from its config.json, is used"},
            {"num-workers", "here: --threads"},
            {"gpu", "here: --device"},
        };
    };
    static const Table predict = [] {
        Table t = make("--input");
        t["drop-extra-columns"] =
            "the output has id, smiles and the predictions; --keep-cols "
            "copies input columns";
        t["individual-ensemble-predictions"] =
            "<target>_std columns give the ensemble members' spread";
        t["uncertainty-method"] = "<target>_std columns give the ensemble members' spread";
        return t;
    }();
    static const Table eval = [] {
        Table t = make("--data");
        t["i"] = "here: --data";
        t["target-columns"] = "here: --target-col, once per target in the model's order";
        t["metric"] = "evaluate writes every metric of the task";
        t["metrics"] = "evaluate writes every metric of the task";
        return t;
    }();
    return evaluate ? eval : predict;
}

}  // namespace

std::string chemprop_option_hint(const std::string& command, const std::string& option) {
    const Table* table = command == "train"      ? &train_table()
                         : command == "predict"  ? &predict_table(false)
                         : command == "evaluate" ? &predict_table(true)
                                                 : nullptr;
    if (!table) return "";
    const std::string key = option_key(option);
    auto it = table->find(key);
    if (it == table->end()) return "";
    const std::size_t eq = option.find('=');
    return "Chemprop's " + (eq == std::string::npos ? option : option.substr(0, eq)) + "; " +
           it->second;
}

std::string chemprop_featurizer_hint(const std::string& name) {
    static const std::vector<std::pair<std::string, std::string>> known = {
        {"rdkit-2d-normalized", "rdkit2d, standardized with training-set statistics,"},
        {"rdkit-2d", "rdkit2d"},
        {"v1-rdkit-2d-normalized", "rdkit2d"},
        {"v1-rdkit-2d", "rdkit2d"},
        {"morgan-count", "morgan (log(1 + count))"},
        {"morgan-binary", "morgan with --morgan bits"},
        {"morgan-bits", "morgan with --morgan bits"},
    };
    const std::string key = option_key(name);
    for (const auto& [chemprop, here] : known)
        if (key == chemprop) return "Chemprop's " + name + " is " + here + " here";
    return "";
}

std::string chemprop_split_hint(const std::string& split) {
    const std::string key = option_key(lower(split));
    if (key == "scaffold-balanced")
        return "Chemprop's scaffold_balanced is --split scaffold here (Bemis-Murcko scaffold "
               "groups, balanced as in Chemprop)";
    if (key == "cv" || key == "cv-no-test" || key == "crossval")
        return "plmkit trains one split a run: run train once per --seed, or python3 "
               "bench/moleculenet.py --cv K for cross-validation";
    if (key == "predetermined" || key == "index-predetermined")
        return "give the split as a file, --split file:PATH (row_index,scaffold_split), or as a "
               "column, --split column:NAME";
    return "";
}

}  // namespace plmkit::pipelines
