#include "pipelines/train_data.hpp"

#include <cmath>
#include <filesystem>
#include <string>
#include <utility>

#include "data/split_file.hpp"
#include "data/splits.hpp"
#include "models/property_model.hpp"
#include "pipelines/class_labels.hpp"
#include "pipelines/feature_cache.hpp"
#include "pipelines/train_checks.hpp"
#include "pipelines/train_resume.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/strings.hpp"

namespace plmkit::pipelines {
namespace {

namespace fs = std::filesystem;

/// A --valid-col flag as read_property_table stores it.
bool is_true(const std::string& v) {
    return v == "true";
}

std::vector<int> make_split(const TrainOptions& o, const PropertyTable& t) {
    data::SplitSizes sizes{o.split_sizes[0], o.split_sizes[1], o.split_sizes[2]};
    if (o.split == "random") return data::random_split(t.size(), sizes, o.seed);
    if (o.split == "scaffold") return data::group_split(t.scaffolds, sizes, o.seed);
    if (starts_with(o.split, "column:")) {
        std::vector<int> sets = column_sets(t, o.data, o.split.substr(7));
        for (std::size_t i = 0; i < t.valid_flags.size(); ++i)
            if (sets[i] == data::kTrain && is_true(t.valid_flags[i])) sets[i] = data::kValid;
        return sets;
    }
    const data::SplitFile file = data::read_split_file(o.split.substr(5));
    return data::split_file_sets(file, t.index, t.records);
}

void standardization(const PropertyTable& t, const std::vector<std::size_t>& rows,
                     std::vector<double>& mean, std::vector<double>& sd) {
    mean.assign(t.num_targets, 0.0);
    sd.assign(t.num_targets, 1.0);
    for (std::size_t j = 0; j < t.num_targets; ++j) {
        double s = 0, ss = 0, n = 0;
        for (auto r : rows) {
            double v = t.targets[r * t.num_targets + j];
            if (std::isnan(v)) continue;
            s += v;
            ss += v * v;
            n += 1;
        }
        if (n == 0) continue;
        mean[j] = s / n;
        double var = ss / n - mean[j] * mean[j];
        sd[j] = var > 1e-12 ? std::sqrt(var) : 1.0;
    }
}

TableOptions table_options(const TrainOptions& o, InputKind kind) {
    TableOptions to;
    to.kind = kind;
    to.input_col = o.input_col;
    to.id_col = o.id_col;
    to.target_cols = o.target_cols;
    to.task = o.task;
    to.scaffolds = o.split == "scaffold";
    if (starts_with(o.split, "column:")) to.split_col = o.split.substr(7);
    to.valid_col = o.valid_col;
    return to;
}

/// Stops the run on a problem of the data: the rejected rows (if any) go to
/// <output>/rejects.tsv first, so their reasons are not lost.
[[noreturn]] void fail_with_rejects(const TrainOptions& o, const TrainData& p,
                                    const std::string& message) {
    std::error_code ec;
    if (p.table.rejects.empty()) {
        fs::remove(o.output + "/rejects.tsv", ec);  // an earlier failed run's
        throw InputError(message);
    }
    fs::create_directories(o.output, ec);
    if (ec) throw IoError("cannot create '" + o.output + "': " + ec.message());
    const std::string path = o.output + "/rejects.tsv";
    write_rejects(path, p.table.rejects, p.kind == InputKind::protein ? "sequence" : "smiles");
    throw InputError(message + " [" + count_noun(p.table.rejects.size(), "rejected row") +
                     " with their reasons in '" + path + "']");
}

void assign_sets(const TrainOptions& o, TrainData& p) {
    p.sets = make_split(o, p.table);
    for (auto& r : p.rows)
        r.clear();
    for (std::size_t i = 0; i < p.sets.size(); ++i)
        if (p.sets[i] >= 0) p.rows[p.sets[i]].push_back(i);
    if (p.rows[0].empty())
        fail_with_rejects(o, p,
                          no_training_rows_message(o.data, p.table, o.split, o.split_sizes[0]));
}

std::string features_cache(const TrainOptions& o) {
    return o.output + "/checkpoints/features.bin";
}

/// Frozen features: featurized once (cached for --resume; true when
/// computed now, to be saved once the run has begun), then split.
bool prepare_features(const TrainOptions& o, TrainData& p) {
    const std::string cache = features_cache(o);
    const nlohmann::json desc = p.featurizer->to_json();
    models::PropertyModelConfig head;
    head.head = o.head;
    if (head.uses_mpnn()) p.featurizer->keep_graphs(true);  // graphs are not cached
    const bool fresh = head.uses_mpnn() || !(o.resume && load_features(cache, p.table, desc));
    if (fresh)
        featurize_table(p.table, *p.featurizer);
    else
        log_info("train: features of " + count_noun(p.table.size(), "row") + " from " + cache);
    assign_sets(o, p);
    return fresh;
}

/// Normalization of the frozen features, fitted on the training rows.
void normalize_features(TrainData& p) {
    FeatureMatrix raw;
    raw.rows = p.table.size();
    raw.dim = p.table.dim;
    raw.values = p.table.features;
    p.featurizer->fit(raw, p.rows[0]);
    for (std::size_t i = 0; i < p.table.size(); ++i)
        p.featurizer->normalize(&p.table.features[i * p.table.dim]);
}

/// Fine-tuning: token ids per row; rows the encoder cannot take are
/// rejected, in input order among the others. A vocabulary of its own
/// (smiles-lm from scratch) comes from the training rows, so the split is
/// made first; with a given encoder (esm, --lm-model) the rejects go before
/// the split, as frozen features do, so that a frozen and a fine-tuned run
/// with one seed split the same rows alike.
void prepare_tokens(const TrainOptions& o, TrainData& p) {
    const bool own_vocab = o.featurizer.name == "smiles-lm" && o.featurizer.lm_model.empty();
    std::vector<std::string> train_inputs;
    if (own_vocab) {
        assign_sets(o, p);
        for (std::size_t i : p.rows[0])
            train_inputs.push_back(p.table.inputs[i]);
    }
    p.encoder = std::make_unique<EncoderSpec>(EncoderSpec::create(
        o.featurizer, models::parse_finetune(o.finetune), train_inputs, o.scratch));
    p.table.dim = static_cast<std::size_t>(p.encoder->dim());
    p.tokens = std::make_shared<std::vector<std::vector<std::int32_t>>>();
    std::vector<std::string> reasons(p.table.size());
    for (std::size_t i = 0; i < p.table.size(); ++i) {
        std::vector<std::int32_t> ids;
        reasons[i] = p.encoder->encode(p.table.inputs[i], ids);
        if (reasons[i].empty()) p.tokens->push_back(std::move(ids));
    }
    const std::vector<char> keep = reject_rows(p.table, reasons);
    if (!own_vocab) {
        assign_sets(o, p);
        return;
    }
    std::vector<int> sets;
    for (std::size_t i = 0; i < keep.size(); ++i)
        if (keep[i]) sets.push_back(p.sets[i]);
    p.sets = std::move(sets);
    for (auto& r : p.rows)
        r.clear();
    for (std::size_t i = 0; i < p.sets.size(); ++i)
        if (p.sets[i] >= 0) p.rows[p.sets[i]].push_back(i);
}

/// multiclass: the targets become class indices; a valid or test row whose
/// label is not a class of the training rows goes to the rejects (a left-out
/// row keeps a missing target: it is not used).
void apply_classes(const TrainOptions& o, TrainData& p) {
    std::vector<std::vector<std::string>> classes;
    for (std::size_t j = 0; j < o.target_cols.size(); ++j) {
        classes.push_back(training_classes(p.table, p.rows[0], j));
        p.classes.insert(p.classes.end(), classes.back().begin(), classes.back().end());
        p.class_counts.push_back(static_cast<std::int64_t>(classes.back().size()));
    }
    std::vector<std::string> reasons = map_class_labels(p.table, classes, o.target_cols);
    bool any = false;
    for (std::size_t i = 0; i < reasons.size(); ++i) {
        if (p.sets[i] != data::kValid && p.sets[i] != data::kTest) reasons[i].clear();
        any = any || !reasons[i].empty();
    }
    if (!any) return;
    const std::vector<char> keep = reject_rows(p.table, reasons);
    std::vector<int> sets;
    auto tokens = std::make_shared<std::vector<std::vector<std::int32_t>>>();
    for (std::size_t i = 0; i < keep.size(); ++i) {
        if (!keep[i]) continue;
        sets.push_back(p.sets[i]);
        if (p.tokens) tokens->push_back(std::move((*p.tokens)[i]));
    }
    p.sets = std::move(sets);
    if (p.tokens) p.tokens = tokens;
    for (auto& r : p.rows)
        r.clear();
    for (std::size_t i = 0; i < p.sets.size(); ++i)
        if (p.sets[i] >= 0) p.rows[p.sets[i]].push_back(i);
}

}  // namespace

TrainData prepare_train_data(const TrainOptions& o) {
    TrainData p;
    const bool finetune = !models::parse_finetune(o.finetune).frozen;
    if (!finetune) p.featurizer = PropertyFeaturizer::create(o.featurizer);
    p.kind = finetune ? InputKind::molecule : p.featurizer->input_kind();
    if (finetune && o.featurizer.name == "esm") p.kind = InputKind::protein;
    p.table = read_property_table(o.data, table_options(o, p.kind));
    if (o.resume) check_resume(o);  // before the cached features are used
    bool save = false;
    if (finetune)
        prepare_tokens(o, p);
    else
        save = prepare_features(o, p);
    if (o.featurizer.name == "smiles-lm" && !o.featurizer.lm_model.empty()) {
        const std::string w =
            unknown_tokens_warning(o.featurizer.lm_model + "/vocab.txt", p.table.inputs);
        if (!w.empty()) log_warn(w);
    }
    if (o.featurizer.name == "esm") {
        const std::string w = truncation_warning(p.table.inputs, o.featurizer.truncate);
        if (!w.empty()) log_warn(w);
    }
    try {
        check_training_labels(p.table, p.rows[0], o.target_cols, o.task);
    } catch (const InputError& e) {
        fail_with_rejects(o, p, o.data + ": " + e.what());
    }
    const std::string binary = binary_regression_note(p.table, p.rows[0], o.target_cols, o.task);
    if (!binary.empty()) log_warn("train: " + binary);
    begin_run(o);
    // The cache holds every row read (what --resume reads again).
    if (save) save_features(features_cache(o), p.table, p.featurizer->to_json());
    if (o.task == "multiclass") apply_classes(o, p);
    if (!finetune) normalize_features(p);
    if (o.task == "regression") standardization(p.table, p.rows[0], p.mean, p.sd);
    return p;
}

}  // namespace plmkit::pipelines
