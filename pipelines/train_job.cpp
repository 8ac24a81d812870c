#include "pipelines/train_job.hpp"

#include <ATen/ATen.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "data/split_file.hpp"
#include "data/splits.hpp"
#include "models/encoder_head.hpp"
#include "models/esm2_config.hpp"
#include "models/property_model.hpp"
#include "models/smiles_encoder.hpp"
#include "models/torch_runtime.hpp"
#include "models/trainer.hpp"
#include "pipelines/encoder_spec.hpp"
#include "pipelines/feature_cache.hpp"
#include "pipelines/mol_graph_builder.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/property_predictor.hpp"
#include "pipelines/property_table.hpp"
#include "pipelines/train_checks.hpp"
#include "pipelines/train_options_check.hpp"
#include "pipelines/train_resume.hpp"
#include "pipelines/tree_parts.hpp"
#include "src/atomic_file.hpp"
#include "src/csv.hpp"
#include "src/device.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/version.hpp"

namespace plmkit::pipelines {
namespace {

namespace fs = std::filesystem;
struct StopRun {};

bool starts_with(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

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

/// The knn part on the rows of `t` (x, y, mask).
std::shared_ptr<const models::NearestNeighbours> fit_knn(const models::TrainTensors& t,
                                                         std::size_t dim,
                                                         const models::KnnOptions& o) {
    return std::make_shared<const models::NearestNeighbours>(models::NearestNeighbours::fit(
        t.x.data_ptr<float>(), t.y.data_ptr<float>(), t.mask.data_ptr<float>(), t.size(),
        static_cast<std::int64_t>(dim), t.y.size(1), o));
}

/// Rows of a set as tensors (features already normalized).
models::TrainTensors tensors(const PropertyTable& t, const std::vector<std::size_t>& rows,
                             const std::vector<double>& mean, const std::vector<double>& sd) {
    const auto n = static_cast<std::int64_t>(rows.size());
    const auto d = static_cast<std::int64_t>(t.dim), nt = static_cast<std::int64_t>(t.num_targets);
    models::TrainTensors out;
    const bool features = !t.features.empty();  // fine-tuning has token ids instead
    if (features) out.x = at::empty({n, d}, at::kFloat);
    if (!t.graphs.empty()) {
        auto graphs = std::make_shared<std::vector<models::MolGraph>>();
        for (std::size_t r : rows)
            graphs->push_back(t.graphs[r]);
        out.graphs = graphs;
    }
    out.y = at::zeros({n, nt}, at::kFloat);
    out.mask = at::zeros({n, nt}, at::kFloat);
    float *y = out.y.data_ptr<float>(), *m = out.mask.data_ptr<float>();
    for (std::int64_t i = 0; i < n; ++i) {
        if (features)
            std::copy_n(&t.features[rows[i] * t.dim], t.dim, out.x.data_ptr<float>() + i * d);
        for (std::int64_t j = 0; j < nt; ++j) {
            double v = t.targets[rows[i] * t.num_targets + j];
            if (std::isnan(v)) continue;
            y[i * nt + j] = static_cast<float>(mean.empty() ? v : (v - mean[j]) / sd[j]);
            m[i * nt + j] = 1.f;
        }
    }
    return out;
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

nlohmann::json evaluate_rows(const models::PropertyModel& model, const PropertyTable& t,
                             const std::vector<std::size_t>& rows) {
    const std::size_t nt = t.num_targets;
    std::vector<float> x;
    std::vector<double> y;
    std::vector<const models::MolGraph*> graphs;
    for (auto r : rows) {
        x.insert(x.end(), &t.features[r * t.dim], &t.features[(r + 1) * t.dim]);
        y.insert(y.end(), &t.targets[r * nt], &t.targets[(r + 1) * nt]);
        if (!t.graphs.empty()) graphs.push_back(&t.graphs[r]);
    }
    std::vector<double> pred(rows.size() * nt);
    model.predict(x.data(), static_cast<std::int64_t>(rows.size()), pred.data(), nullptr,
                  t.graphs.empty() ? nullptr : &graphs);
    return evaluate_predictions(model.config().task, model.config().targets, y, pred);
}

void write_split_csv(const std::string& path, const PropertyTable& t, const std::vector<int>& sets,
                     const char* header) {
    CsvWriter w(path);
    w.header({"row_index", "id", header, "split"});
    for (std::size_t i = 0; i < t.size(); ++i)
        w.row({std::to_string(t.index[i]), t.ids[i], shown_smiles(t.inputs[i]),
               data::split_name(sets[i])});
    w.close();
}

}  // namespace

namespace {

models::BoostOptions gbm_options(const TrainOptions& o) {
    models::BoostOptions b = o.gbm;
    b.seed = o.seed;
    return b;
}

}  // namespace

nlohmann::json training_json(const TrainOptions& o) {
    const auto& f = o.featurizer;
    nlohmann::json feat = {{"name", f.name},
                           {"morgan_radius", f.chem.morgan_radius},
                           {"morgan_bits", f.chem.morgan_bits},
                           {"morgan_counts", f.chem.morgan_counts},
                           {"lm_model", f.lm_model},
                           {"esm_model", f.esm_model},
                           {"esm_layer", f.esm_layer},
                           {"esm_pooling", f.esm_pooling},
                           {"truncate", f.truncate}};
    // Only when on, so checkpoints of runs made before the flag still resume.
    if (f.standardize) feat["standardize"] = true;
    // The dtype of frozen ESM-2 features (the cache holds them); likewise
    // only when not the default fp32.
    if (f.name == "esm" && f.runtime.dtype != ComputeDType::f32)
        feat["dtype"] = to_string(f.runtime.dtype);
    nlohmann::json j = {{"data", o.data},
                        {"input_col", o.input_col},
                        {"id_col", o.id_col},
                        {"targets", o.target_cols},
                        {"task", o.task},
                        {"featurizer", feat},
                        {"split", o.split},
                        {"valid_col", o.valid_col},
                        {"split_sizes", o.split_sizes},
                        {"seed", o.seed},
                        {"epochs", o.epochs},
                        {"batch_size", o.batch_size},
                        {"lr", o.lr},
                        {"weight_decay", o.weight_decay},
                        {"patience", o.patience},
                        {"hidden", o.hidden},
                        {"dropout", o.dropout},
                        {"ensemble", o.ensemble},
                        {"head", o.head},
                        {"head_weights", o.head_weights},
                        {"forest",
                         {{"trees", o.forest.trees},
                          {"max_features", o.forest.max_features},
                          {"min_samples_leaf", o.forest.min_samples_leaf},
                          {"max_depth", o.forest.max_depth}}},
                        {"gbm", models::boost_options_json(gbm_options(o))},
                        {"finetune", o.finetune},
                        {"scratch_encoder",
                         {{"hidden", o.scratch.hidden},
                          {"layers", o.scratch.layers},
                          {"heads", o.scratch.heads},
                          {"ffn", o.scratch.ffn}}}};
    if (models::has_head_part(o.head, "knn")) j["knn"] = {{"k", o.knn.k}};
    if (models::has_head_part(o.head, "mpnn"))
        j["mpnn"] = {{"hidden", o.mpnn.hidden},     {"depth", o.mpnn.depth},
                     {"dropout", o.mpnn.dropout},   {"ffn_hidden", o.mpnn.ffn_hidden},
                     {"features", o.mpnn.features}, {"ensemble", o.mpnn.ensemble},
                     {"epochs", o.mpnn.epochs}};
    return j;
}

namespace {

struct Prepared {
    PropertyTable table;
    std::unique_ptr<PropertyFeaturizer> featurizer;                  ///< frozen features
    std::unique_ptr<EncoderSpec> encoder;                            ///< fine-tuning
    std::shared_ptr<std::vector<std::vector<std::int32_t>>> tokens;  ///< per row (fine-tuning)
    std::vector<int> sets;
    std::vector<std::size_t> rows[3];
    std::vector<double> mean, sd;  ///< target standardization (regression)
    InputKind kind = InputKind::molecule;
};

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
[[noreturn]] void fail_with_rejects(const TrainOptions& o, const Prepared& p,
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
    throw InputError(message + " [" + std::to_string(p.table.rejects.size()) +
                     " rejected rows with their reasons in '" + path + "']");
}

void assign_sets(const TrainOptions& o, Prepared& p) {
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
bool prepare_features(const TrainOptions& o, Prepared& p) {
    const std::string cache = features_cache(o);
    const nlohmann::json desc = p.featurizer->to_json();
    models::PropertyModelConfig head;
    head.head = o.head;
    if (head.uses_mpnn()) p.featurizer->keep_graphs(true);  // graphs are not cached
    const bool fresh = head.uses_mpnn() || !(o.resume && load_features(cache, p.table, desc));
    if (fresh)
        featurize_table(p.table, *p.featurizer);
    else
        log_info("train: features of " + std::to_string(p.table.size()) + " rows from " + cache);
    assign_sets(o, p);
    return fresh;
}

/// Normalization of the frozen features, fitted on the training rows.
void normalize_features(Prepared& p) {
    FeatureMatrix raw;
    raw.rows = p.table.size();
    raw.dim = p.table.dim;
    raw.values = p.table.features;
    p.featurizer->fit(raw, p.rows[0]);
    for (std::size_t i = 0; i < p.table.size(); ++i)
        p.featurizer->normalize(&p.table.features[i * p.table.dim]);
}

/// Fine-tuning: token ids per row; rows the encoder cannot take are
/// rejected (the split is made first: a from-scratch vocabulary comes from
/// the training rows only).
void prepare_tokens(const TrainOptions& o, Prepared& p) {
    assign_sets(o, p);
    std::vector<std::string> train_inputs;
    for (std::size_t i : p.rows[0])
        train_inputs.push_back(p.table.inputs[i]);
    p.encoder = std::make_unique<EncoderSpec>(EncoderSpec::create(
        o.featurizer, models::parse_finetune(o.finetune), train_inputs, o.scratch));
    PropertyTable kept;
    kept.num_targets = p.table.num_targets;
    kept.records = p.table.records;
    kept.rejects = std::move(p.table.rejects);
    kept.dim = static_cast<std::size_t>(p.encoder->dim());
    std::vector<int> sets;
    p.tokens = std::make_shared<std::vector<std::vector<std::int32_t>>>();
    const std::size_t nt = p.table.num_targets;
    for (std::size_t i = 0; i < p.table.size(); ++i) {
        std::vector<std::int32_t> ids;
        std::string why = p.encoder->encode(p.table.inputs[i], ids);
        if (!why.empty()) {
            kept.rejects.push_back(reject_line(p.table.index[i], p.table.ids[i], p.table.inputs[i],
                                               why, p.table.lines.empty() ? 0 : p.table.lines[i]));
            continue;
        }
        p.tokens->push_back(std::move(ids));
        kept.index.push_back(p.table.index[i]);
        if (!p.table.lines.empty()) kept.lines.push_back(p.table.lines[i]);
        kept.ids.push_back(p.table.ids[i]);
        kept.inputs.push_back(p.table.inputs[i]);
        kept.targets.insert(kept.targets.end(), p.table.targets.begin() + i * nt,
                            p.table.targets.begin() + (i + 1) * nt);
        sets.push_back(p.sets[i]);
    }
    p.table = std::move(kept);
    p.sets = std::move(sets);
    for (auto& r : p.rows)
        r.clear();
    for (std::size_t i = 0; i < p.sets.size(); ++i)
        if (p.sets[i] >= 0) p.rows[p.sets[i]].push_back(i);
}

/// Reads, featurizes and splits the data, checks that it can train a model,
/// and only then begins the run in <output>/checkpoints (so a run refused
/// for its data leaves no checkpoints behind).
Prepared prepare(const TrainOptions& o) {
    Prepared p;
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
    begin_run(o);
    if (save) save_features(features_cache(o), p.table, p.featurizer->to_json());
    if (!finetune) normalize_features(p);
    if (o.task == "regression") standardization(p.table, p.rows[0], p.mean, p.sd);
    return p;
}

struct Member {
    models::Mlp head{nullptr};
    models::MpnnNet net{nullptr};                 ///< a D-MPNN member
    models::PropertyModel::EncoderState encoder;  ///< fine-tuned parameters (fine-tuning)
    nlohmann::json info;
};

/// Rows of a set with their token ids (fine-tuning).
models::TrainTensors token_tensors(const Prepared& p, const std::vector<std::size_t>& rows) {
    models::TrainTensors t = tensors(p.table, rows, p.mean, p.sd);
    auto ids = std::make_shared<std::vector<std::vector<std::int32_t>>>();
    for (std::size_t r : rows)
        ids->push_back((*p.tokens)[r]);
    t.tokens = ids;
    return t;
}

/// The networks of the D-MPNN part.
int mpnn_count(const TrainOptions& o) {
    return o.mpnn.ensemble > 0 ? o.mpnn.ensemble : o.ensemble;
}

/// A new D-MPNN network for the table's graphs and features.
models::MpnnNet new_mpnn(const TrainOptions& o, const Prepared& p) {
    models::DmpnnOptions e;
    e.atom_dim = kAtomFeatures;
    e.bond_dim = kBondFeatures;
    e.hidden = o.mpnn.hidden;
    e.depth = o.mpnn.depth;
    e.dropout = o.mpnn.dropout;
    models::MlpOptions f;
    f.input_dim = e.hidden + (o.mpnn.features ? static_cast<std::int64_t>(p.table.dim) : 0);
    f.hidden = o.mpnn.ffn_hidden;
    f.output_dim = static_cast<std::int64_t>(p.table.num_targets);
    f.dropout = o.mpnn.dropout;
    return models::MpnnNet(e, f);
}

/// Training time across an interrupted run and the --resume runs that
/// continue it: each checkpoint records the seconds so far in
/// checkpoints/elapsed.json, which a resumed run starts from.
struct RunClock {
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    double before = 0;  ///< seconds of the earlier runs, up to their last checkpoint

    double seconds() const {
        return before +
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    static std::string path(const TrainOptions& o) {
        return o.output + "/checkpoints/elapsed.json";
    }
    /// With --resume: the earlier runs' seconds (0 for checkpoints without
    /// the file, made before it was written).
    void resume(const TrainOptions& o) {
        if (o.resume && fs::exists(path(o))) before = read_json_file(path(o)).value("seconds", 0.0);
    }
    void save(const TrainOptions& o) const { write_json_file(path(o), {{"seconds", seconds()}}); }
};

/// Trains member k (or resumes it), an MLP head or, with `mpnn`, D-MPNN k;
/// throws StopRun at stop_after_epochs.
Member train_member(const TrainOptions& o, const Prepared& p, int k, int& epochs_this_run,
                    const RunClock& clock, bool mpnn = false) {
    const std::uint64_t seed = o.seed + static_cast<std::uint64_t>(k);
    at::manual_seed(seed);
    models::MlpOptions mo;
    mo.input_dim = static_cast<std::int64_t>(p.table.dim);
    mo.hidden = o.hidden;
    mo.output_dim = static_cast<std::int64_t>(p.table.num_targets);
    mo.dropout = o.dropout;
    models::TrainerOptions to;
    to.task = o.task;
    to.epochs = mpnn ? o.mpnn.epochs : o.epochs;
    to.batch_size = o.batch_size;
    to.lr = o.lr;
    to.weight_decay = o.weight_decay;
    to.patience = o.patience;
    to.seed = seed;
    to.target_scale = p.sd;  // regression: the epoch lines in target units
    const int count = mpnn ? mpnn_count(o) : o.ensemble;
    to.label = std::string(mpnn ? "D-MPNN" : "model") +
               (count > 1 ? " " + std::to_string(k + 1) + "/" + std::to_string(count) : "");
    std::shared_ptr<models::EncoderHead> tuned;
    std::shared_ptr<models::MpnnTrainable> net;
    std::shared_ptr<models::Trainable> model;
    if (mpnn) {
        net = std::make_shared<models::MpnnTrainable>(new_mpnn(o, p));
        model = net;
    } else if (p.encoder) {
        tuned = std::make_shared<models::EncoderHead>(p.encoder->build(), models::Mlp(mo));
        model = tuned;
    } else {
        model = std::make_shared<models::MlpTrainable>(models::Mlp(mo));
    }
    models::Trainer trainer(model, to);
    const std::string ckpt =
        o.output + "/checkpoints/" + (mpnn ? "mpnn_" : "member_") + std::to_string(k) + ".pt";
    if (o.resume && fs::exists(ckpt)) {
        trainer.load_checkpoint(ckpt);
        log_info(to.label + ": resuming after epoch " + std::to_string(trainer.epochs_done()));
    }
    auto train =
        p.encoder ? token_tensors(p, p.rows[0]) : tensors(p.table, p.rows[0], p.mean, p.sd);
    auto valid =
        p.encoder ? token_tensors(p, p.rows[1]) : tensors(p.table, p.rows[1], p.mean, p.sd);
    trainer.fit(train, valid, [&](const models::Trainer& t) {
        t.save_checkpoint(ckpt);
        clock.save(o);
        if (o.stop_after_epochs > 0 && ++epochs_this_run >= o.stop_after_epochs) throw StopRun{};
    });
    const auto& h = trainer.history();
    double seconds = 0;
    for (const auto& e : h)
        seconds += e.seconds;
    Member m;
    m.info = {{"seed", seed},
              {"epochs", trainer.epochs_done()},
              {"best_epoch", trainer.best_epoch()},
              {"stopped_early", trainer.stopped_early()},
              {"seconds_per_epoch", h.empty() ? 0.0 : seconds / h.size()}};
    if (net) {
        m.net = net->net();
    } else if (tuned) {
        m.head = tuned->head();
        for (const auto& [name, t] : tuned->encoder()->trainable())
            m.encoder.emplace_back(name, t.detach().to(at::kCPU).clone());
    } else {
        m.head = trainer.model();
    }
    return m;
}

/// Model files next to config.json that the featurizer needs: a copy of
/// the smiles-lm encoder, so the model directory is self-contained.
nlohmann::json bundle_featurizer(const PropertyFeaturizer& f, const std::string& out) {
    nlohmann::json desc = f.to_json();
    if (f.name() != "smiles-lm") return desc;
    const fs::path dst = fs::path(out) / "smiles_lm";
    std::error_code ec;
    fs::remove_all(dst, ec);
    fs::copy(desc.at("model_dir").get<std::string>(), dst, fs::copy_options::recursive, ec);
    if (ec)
        throw IoError("cannot copy the SMILES encoder into '" + dst.string() +
                      "': " + ec.message());
    desc["model_dir"] = "smiles_lm";
    return desc;
}

}  // namespace

namespace {

/// A share that --split-sizes asks for but that the random or scaffold
/// split rounds to no row at all (0.004 of 200 rows) is said, with the
/// fraction: without it, the set is silently missing.
void warn_empty_sets(const TrainOptions& o, const Prepared& p) {
    if (o.split != "random" && o.split != "scaffold") return;
    const char* names[] = {"train", "valid", "test"};
    for (int k : {1, 2}) {
        if (!(o.split_sizes[k] > 0) || !p.rows[k].empty()) continue;
        char fraction[32];
        std::snprintf(fraction, sizeof fraction, "%g", o.split_sizes[k]);
        log_warn(std::string("train: --split-sizes gives ") + names[k] + " " + fraction + " of " +
                 std::to_string(p.table.size()) + " rows, which the " + o.split +
                 " split rounds to 0 rows: there is no " + names[k] + " set" +
                 (k == 2 ? " (no test metrics)" : ""));
    }
}

/// Metrics of the model on rows of the table: from the cached features, or
/// (fine-tuned encoders) by featurizing the rows' inputs again.
nlohmann::json evaluate_set(const models::PropertyModel& model, const Prepared& p,
                            const std::vector<std::size_t>& rows, const TrainOptions& o) {
    if (!p.encoder) return evaluate_rows(model, p.table, rows);
    FeaturizerRuntime rt = o.featurizer.runtime;  // the training device
    rt.base_dir = o.output;
    PropertyPredictor predictor(model, rt);
    std::vector<std::string> inputs;
    std::vector<double> y;
    const std::size_t nt = p.table.num_targets;
    for (std::size_t r : rows) {
        inputs.push_back(p.table.inputs[r]);
        y.insert(y.end(), &p.table.targets[r * nt], &p.table.targets[(r + 1) * nt]);
    }
    Predictions pred = predictor.predict(inputs);
    return evaluate_predictions(model.config().task, model.config().targets, y, pred.mean);
}

}  // namespace

TrainSummary run_train(const TrainOptions& o) {
    check_train_options(o);
    RunClock clock;
    models::set_threads(o.threads);
    Prepared p = prepare(o);
    clock.resume(o);  // prepare() checked that the checkpoints belong to this run
    TrainSummary s;
    s.records = p.table.records;
    s.rejected = p.table.rejects.size();
    s.train = p.rows[0].size();
    s.valid = p.rows[1].size();
    s.test = p.rows[2].size();
    s.left_out = p.table.size() - s.train - s.valid - s.test;
    s.features = p.table.dim;
    if (p.kind == InputKind::molecule)
        for (const auto& input : p.table.inputs)
            if (input.find('.') != std::string::npos && input.find('\n') == std::string::npos)
                ++s.multi_fragment;  // a SMILES of several fragments: a salt or solvate
    log_info("train: " + std::to_string(s.records) + " rows, " + std::to_string(s.rejected) +
             " rejected; split " + o.split + ": " + std::to_string(s.train) + " train, " +
             std::to_string(s.valid) + " valid, " + std::to_string(s.test) + " test" +
             (s.left_out ? ", " + std::to_string(s.left_out) + " left out by the split" : "") +
             "; " + std::to_string(p.table.dim) + " features (" +
             (p.featurizer ? p.featurizer->name() : o.featurizer.name) +
             (p.encoder ? ", fine-tuned " + o.finetune : std::string()) + ")");
    warn_empty_sets(o, p);
    models::PropertyModelConfig parts;
    parts.head = o.head;
    if (s.valid == 0 && (parts.uses_mlp() || parts.uses_mpnn() || parts.uses_gbm()))
        log_warn("train: no validation rows (split " + o.split +
                 (starts_with(o.split, "column:") && o.valid_col.empty()
                      ? std::string(" without --valid-col")
                      : std::string()) +
                 "): early stopping and best-epoch selection are off, so --patience is "
                 "ignored and each network keeps its last epoch" +
                 (parts.uses_gbm() ? std::string(" (boosting: all --gbm-rounds)") : "") +
                 "; metrics.json has no validation metrics");
    if (s.multi_fragment > 0 && !o.featurizer.standardize && o.featurizer.name != "smiles-lm")
        log_info("train: " + std::to_string(s.multi_fragment) +
                 " molecules are several fragments (salts, solvents); --standardize "
                 "featurizes their parent molecule, as plmkit screen sees it");
    std::vector<models::Mlp> heads;
    std::vector<models::MpnnNet> nets;
    std::vector<models::PropertyModel::EncoderState> encoders;
    nlohmann::json info = nlohmann::json::array();
    int epochs_this_run = 0;
    models::PropertyModelConfig c;
    c.head = o.head;
    c.part_weights = o.head_weights;
    const bool use_mlp = c.uses_mlp();
    // An MLP head on fixed features takes steps too small to share between
    // threads: LibTorch's fork/join per op costs more than it saves
    // (Lipophilicity, 2 cores: 0.6 s per epoch on one thread, 1.4-1.7 s on
    // two). Featurization (done above) and the forest use --threads;
    // fine-tuned encoders keep it too.
    if (!p.encoder) models::set_threads(1);
    try {
        for (int k = 0; use_mlp && k < o.ensemble; ++k) {
            Member m = train_member(o, p, k, epochs_this_run, clock);
            heads.push_back(m.head);
            if (p.encoder) encoders.push_back(std::move(m.encoder));
            info.push_back(m.info);
        }
        for (int k = 0; c.uses_mpnn() && k < mpnn_count(o); ++k) {
            Member m = train_member(o, p, k, epochs_this_run, clock, true);
            nets.push_back(m.net);
            m.info["kind"] = "mpnn";
            info.push_back(m.info);
        }
    } catch (const StopRun&) {
        s.seconds = clock.seconds();
        char took[32];
        std::snprintf(took, sizeof took, "%.1f", s.seconds);
        log_info("train: stopped after " + std::to_string(epochs_this_run) + " epochs as asked (" +
                 took + " s of training so far); continue with --resume");
        return s;
    }
    FittedTrees trees;
    if (c.uses_forest() || c.uses_gbm()) {
        models::set_threads(o.threads);
        TreeFitOptions to;
        to.task = o.task;
        to.forest = c.uses_forest();
        to.gbm = c.uses_gbm();
        to.forest_options = o.forest;
        to.forest_options.seed = o.seed;
        to.gbm_options = gbm_options(o);
        trees = fit_trees(tensors(p.table, p.rows[0], p.mean, p.sd),
                          tensors(p.table, p.rows[1], p.mean, p.sd),
                          static_cast<std::int64_t>(p.table.dim), to);
    }
    // knn keeps the train and valid rows as neighbours; the valid rows are
    // scored by neighbours from the train rows only, so that figure stays
    // out-of-sample like the other parts'.
    std::shared_ptr<const models::NearestNeighbours> knn, knn_train;
    if (c.uses_knn()) {
        models::set_threads(o.threads);
        models::KnnOptions ko = o.knn;
        ko.begin = 0;
        ko.end = static_cast<std::int64_t>(o.featurizer.chem.morgan_bits);
        std::vector<std::size_t> kept = p.rows[0];
        kept.insert(kept.end(), p.rows[1].begin(), p.rows[1].end());
        knn = fit_knn(tensors(p.table, kept, p.mean, p.sd), p.table.dim, ko);
        knn_train = p.rows[1].empty()
                        ? knn
                        : fit_knn(tensors(p.table, p.rows[0], p.mean, p.sd), p.table.dim, ko);
        log_info("train: nearest neighbours (k = " + std::to_string(ko.k) + ") among " +
                 std::to_string(kept.size()) + " train and valid rows");
    }
    const char* header = p.kind == InputKind::protein ? "sequence" : "smiles";
    c.task = o.task;
    c.targets = o.target_cols;
    c.input_col = o.input_col.empty() ? header : o.input_col;
    if (p.encoder) {
        p.encoder->save_base(o.output);
        c.featurizer = p.encoder->to_json();
    } else {
        c.featurizer = bundle_featurizer(*p.featurizer, o.output);
    }
    c.target_mean = p.mean;
    c.target_std = p.sd;
    c.head = o.head;
    c.part_weights = o.head_weights;
    if (use_mlp) {
        c.mlp = heads[0]->options();
    } else {
        c.mlp.input_dim = static_cast<std::int64_t>(p.table.dim);
        c.mlp.output_dim = static_cast<std::int64_t>(p.table.num_targets);
        c.mlp.hidden.clear();
        c.mlp.dropout = 0;
    }
    c.forest = o.forest;
    c.forest.seed = o.seed;
    c.gbm = gbm_options(o);
    c.training = training_json(o);
    c.training["command_line"] = o.command_line;
    std::shared_ptr<const models::MpnnEnsemble> mpnn;
    if (!nets.empty()) {
        models::MpnnOptions mo;
        mo.encoder = nets[0]->encoder()->options();
        mo.ffn = nets[0]->ffn()->options();
        mo.graph_features = kGraphFeatures;
        mpnn = std::make_shared<const models::MpnnEnsemble>(mo, nets);
    }
    models::PropertyModel model(c, heads, std::move(encoders), trees.forest, trees.gbm, mpnn, knn);
    nlohmann::json counts = {
        {"train", s.train}, {"valid", s.valid}, {"test", s.test}, {"left_out", s.left_out}};
    s.metrics = {{"task", o.task},
                 {"targets", o.target_cols},
                 {"split", o.split},
                 {"seed", o.seed},
                 {"counts", counts},
                 {"rejected", s.rejected},
                 {"multi_fragment", s.multi_fragment},
                 {"members", info}};
    if (trees.forest) s.metrics["forest"] = trees.forest_info;
    if (trees.gbm) s.metrics["gbm"] = trees.gbm_info;
    if (knn) s.metrics["knn"] = {{"k", o.knn.k}, {"rows", knn->size()}};
    if (!p.rows[1].empty()) {
        if (knn != knn_train) {
            const models::PropertyModel scored(c, heads, {}, trees.forest, trees.gbm, mpnn,
                                               knn_train);
            s.metrics["valid"] = evaluate_set(scored, p, p.rows[1], o);
        } else {
            s.metrics["valid"] = evaluate_set(model, p, p.rows[1], o);
        }
    }
    if (!p.rows[2].empty()) s.metrics["test"] = evaluate_set(model, p, p.rows[2], o);
    s.seconds = clock.seconds();  // with --resume, the interrupted runs' seconds included
    s.metrics["seconds"] = s.seconds;
    write_json_file(o.output + "/metrics.json", s.metrics);
    write_split_csv(o.output + "/split.csv", p.table, p.sets, header);
    write_rejects(o.output + "/rejects.tsv", p.table.rejects, header);
    model.save(o.output);  // config.json last: its presence marks a complete model
    std::error_code ec;
    fs::remove_all(o.output + "/checkpoints", ec);
    s.completed = true;
    return s;
}

}  // namespace plmkit::pipelines
