#include "pipelines/train_job.hpp"

#include <ATen/ATen.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "models/encoder_head.hpp"
#include "models/esm2_config.hpp"
#include "models/property_model.hpp"
#include "models/smiles_encoder.hpp"
#include "models/torch_runtime.hpp"
#include "models/trainer.hpp"
#include "pipelines/class_weights.hpp"
#include "pipelines/duplicate_inputs.hpp"
#include "pipelines/encoder_spec.hpp"
#include "pipelines/mol_graph_builder.hpp"
#include "pipelines/property_predictor.hpp"
#include "pipelines/property_table.hpp"
#include "pipelines/train_checks.hpp"
#include "pipelines/train_data.hpp"
#include "pipelines/train_model_dir.hpp"
#include "pipelines/train_options_check.hpp"
#include "pipelines/train_resume.hpp"
#include "pipelines/training_files.hpp"
#include "pipelines/tree_parts.hpp"
#include "src/atomic_file.hpp"
#include "src/device.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/strings.hpp"
#include "src/version.hpp"

namespace plmkit::pipelines {
namespace {

namespace fs = std::filesystem;
struct StopRun {};

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
    std::vector<double> pred(rows.size() * model.num_outputs());
    model.predict(x.data(), static_cast<std::int64_t>(rows.size()), pred.data(), nullptr,
                  t.graphs.empty() ? nullptr : &graphs);
    return evaluate_predictions(model.config().task, model.config().targets, y, pred,
                                model.config().classes.size(), model.config().class_counts);
}

}  // namespace

namespace {

struct Member {
    models::Mlp head{nullptr};
    models::MpnnNet net{nullptr};                 ///< a D-MPNN member
    models::PropertyModel::EncoderState encoder;  ///< fine-tuned parameters (fine-tuning)
    nlohmann::json info;
};

/// Rows of a set with their token ids (fine-tuning).
models::TrainTensors token_tensors(const TrainData& p, const std::vector<std::size_t>& rows) {
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
models::MpnnNet new_mpnn(const TrainOptions& o, const TrainData& p) {
    models::DmpnnOptions e;
    e.atom_dim = kAtomFeatures;
    e.bond_dim = kBondFeatures;
    e.hidden = o.mpnn.hidden;
    e.depth = o.mpnn.depth;
    e.dropout = o.mpnn.dropout;
    models::MlpOptions f;
    f.input_dim = e.hidden + (o.mpnn.features ? static_cast<std::int64_t>(p.table.dim) : 0);
    f.hidden = o.mpnn.ffn_hidden;
    f.output_dim = static_cast<std::int64_t>(p.outputs());  // multiclass: one logit a class
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

/// The trainer's options for member k (or, with `mpnn`, D-MPNN k), whose
/// seed is --seed + k; the label names it in the epoch lines.
models::TrainerOptions trainer_options(const TrainOptions& o, const TrainData& p, int k,
                                       bool mpnn) {
    models::TrainerOptions to;
    to.task = o.task;
    to.class_counts = p.class_counts;  // multiclass: a softmax per target
    to.epochs = mpnn ? o.mpnn.epochs : o.epochs;
    to.batch_size = o.batch_size;
    to.grad_accum = o.grad_accum;
    to.warmup_epochs = o.warmup_epochs;
    to.progress = o.progress;
    to.lr = o.lr;
    to.encoder_lr = o.encoder_lr;
    to.weight_decay = o.weight_decay;
    to.patience = o.patience;
    to.seed = o.seed + static_cast<std::uint64_t>(k);
    to.balance_classes = class_weights_used(o) != "none";
    to.target_scale = p.sd;  // regression: the epoch lines in target units
    const int count = mpnn ? mpnn_count(o) : o.ensemble;
    to.label = std::string(mpnn ? "D-MPNN" : "model") +
               (count > 1 ? " " + std::to_string(k + 1) + "/" + std::to_string(count) : "");
    return to;
}

/// Trains member k (or resumes it), an MLP head or, with `mpnn`, D-MPNN k;
/// throws StopRun at stop_after_epochs.
Member train_member(const TrainOptions& o, const TrainData& p, int k, int& epochs_this_run,
                    const RunClock& clock, bool mpnn = false) {
    const std::uint64_t seed = o.seed + static_cast<std::uint64_t>(k);
    at::manual_seed(seed);
    models::MlpOptions mo;
    mo.input_dim = static_cast<std::int64_t>(p.table.dim);
    mo.hidden = o.hidden;
    mo.output_dim = static_cast<std::int64_t>(p.outputs());
    mo.dropout = o.dropout;
    const models::TrainerOptions to = trainer_options(o, p, k, mpnn);
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

}  // namespace

namespace {

/// A validation or test set of fewer rows than this is warned about.
constexpr std::size_t kFewRows = 10;

/// Whether the head has parts whose epochs (or rounds) are chosen on the
/// validation rows.
bool stops_early(const TrainOptions& o) {
    models::PropertyModelConfig parts;
    parts.head = o.head;
    return parts.uses_mlp() || parts.uses_mpnn() || parts.uses_gbm();
}

/// A validation or test set of 1-9 rows is said: with 20 rows and the
/// default 0.8,0.1,0.1, test metrics come from 2 molecules (a Spearman of
/// -1.0) and early stopping picks its epoch on 2.
void warn_small_sets(const TrainOptions& o, const TrainData& p) {
    for (int k : {1, 2}) {
        const std::size_t n = p.rows[static_cast<std::size_t>(k)].size();
        if (n == 0 || n >= kFewRows) continue;
        const std::string rows = std::to_string(n) + (n == 1 ? " row" : " rows");
        log_warn(std::string("train: the ") + (k == 1 ? "validation" : "test") + " set (split " +
                 o.split + ") has only " + rows + ": " +
                 (k == 1 && stops_early(o)
                      ? "early stopping and the best epoch are chosen on " + rows
                      : "its metrics in metrics.json rest on " + rows +
                            " and can be far from the model's accuracy") +
                 "; with more data, or a larger share in --split-sizes, they mean more");
    }
}

/// A share that --split-sizes asks for but that the random or scaffold
/// split rounds to no row at all (0.004 of 200 rows) is said, with the
/// fraction: without it, the set is silently missing.
void warn_empty_sets(const TrainOptions& o, const TrainData& p) {
    warn_small_sets(o, p);
    if (o.split != "random" && o.split != "scaffold") return;
    const char* names[] = {"train", "valid", "test"};
    for (int k : {1, 2}) {
        if (!(o.split_sizes[k] > 0) || !p.rows[k].empty()) continue;
        char fraction[32];
        std::snprintf(fraction, sizeof fraction, "%g", o.split_sizes[k]);
        log_warn(std::string("train: --split-sizes gives ") + names[k] + " " + fraction + " of " +
                 count_noun(p.table.size(), "row") + ", which the " + o.split +
                 " split rounds to 0 rows: there is no " + names[k] + " set" +
                 (k == 2 ? " (no test metrics)" : ""));
    }
}

/// Metrics of the model on rows of the table: from the cached features, or
/// (fine-tuned encoders) by featurizing the rows' inputs again.
nlohmann::json evaluate_set(const models::PropertyModel& model, const TrainData& p,
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
    return evaluate_predictions(model.config().task, model.config().targets, y, pred.mean,
                                model.config().classes.size(), model.config().class_counts);
}

}  // namespace

namespace {

/// The summary's counts of rows: read, rejected, in each set, left out.
TrainSummary count_rows(const TrainData& p) {
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
    return s;
}

/// The line that says what the run trains on, then the warnings about its
/// sets (empty shares, no validation rows) and the hint about salts.
void log_data(const TrainOptions& o, const TrainData& p, const TrainSummary& s) {
    log_info("train: " + count_noun(s.records, "row") + ", " + std::to_string(s.rejected) +
             " rejected; split " + o.split + ": " + std::to_string(s.train) + " train, " +
             std::to_string(s.valid) + " valid, " + std::to_string(s.test) + " test" +
             (s.left_out ? ", " + std::to_string(s.left_out) + " left out by the split" : "") +
             "; " + std::to_string(p.table.dim) + " features (" +
             (p.featurizer ? p.featurizer->name() : o.featurizer.name) +
             (p.encoder ? ", fine-tuned " + o.finetune : std::string()) + ")");
    warn_empty_sets(o, p);
    const std::string censored =
        censored_targets_warning(p.table.rejects, o.output + "/rejects.tsv");
    if (!censored.empty()) log_warn("train: " + censored);
    if (s.valid == 0 && stops_early(o))
        log_warn("train: no validation rows (split " + o.split +
                 (starts_with(o.split, "column:") && o.valid_col.empty()
                      ? std::string(" without --valid-col")
                      : std::string()) +
                 "): early stopping and best-epoch selection are off, so --patience is "
                 "ignored and each network keeps its last epoch" +
                 (models::has_head_part(o.head, "gbm")
                      ? std::string(" (boosting: all --gbm-rounds)")
                      : "") +
                 "; metrics.json has no validation metrics");
    if (s.multi_fragment > 0 && !o.featurizer.standardize && o.featurizer.name != "smiles-lm")
        log_info("train: " + count_noun(s.multi_fragment, "molecule") +
                 (s.multi_fragment == 1 ? " is" : " are") +
                 " several fragments (salts, solvents); --standardize "
                 "featurizes their parent molecule, as plmkit screen sees it");
}

/// The parts of the model as they are trained or fitted.
struct Parts {
    std::vector<models::Mlp> heads;
    std::vector<models::MpnnNet> nets;
    std::vector<models::PropertyModel::EncoderState> encoders;
    nlohmann::json info = nlohmann::json::array();  ///< per network, metrics.json "members"
    FittedTrees trees;
    /// knn keeps the train and valid rows as neighbours; the valid rows are
    /// scored by knn_train, with neighbours from the train rows only.
    std::shared_ptr<const models::NearestNeighbours> knn, knn_train;
    std::shared_ptr<const models::MpnnEnsemble> mpnn;
};

/// The MLP heads, then the D-MPNN networks (each resumed from its
/// checkpoint with --resume); throws StopRun at stop_after_epochs.
void train_networks(const TrainOptions& o, const TrainData& p, const models::PropertyModelConfig& c,
                    const RunClock& clock, Parts& parts, int& epochs_this_run) {
    for (int k = 0; c.uses_mlp() && k < o.ensemble; ++k) {
        Member m = train_member(o, p, k, epochs_this_run, clock);
        parts.heads.push_back(m.head);
        if (p.encoder) parts.encoders.push_back(std::move(m.encoder));
        parts.info.push_back(m.info);
    }
    for (int k = 0; c.uses_mpnn() && k < mpnn_count(o); ++k) {
        Member m = train_member(o, p, k, epochs_this_run, clock, true);
        parts.nets.push_back(m.net);
        m.info["kind"] = "mpnn";
        parts.info.push_back(m.info);
    }
}

/// The summary of a run stopped at stop_after_epochs (not completed).
TrainSummary stopped_run(TrainSummary s, const RunClock& clock, int epochs_this_run) {
    s.seconds = clock.seconds();
    char took[32];
    std::snprintf(took, sizeof took, "%.1f", s.seconds);
    log_info("train: stopped after " + count_noun(epochs_this_run, "epoch") + " as asked (" + took +
             " s of training so far); continue with --resume");
    return s;
}

/// The forest and gradient-boosting parts (when --head has them).
void fit_tree_parts(const TrainOptions& o, const TrainData& p, const models::PropertyModelConfig& c,
                    Parts& parts) {
    if (!c.uses_forest() && !c.uses_gbm()) return;
    models::set_threads(o.threads);
    TreeFitOptions to;
    to.task = o.task;
    to.forest = c.uses_forest();
    to.gbm = c.uses_gbm();
    to.forest_options = o.forest;
    to.forest_options.seed = o.seed;
    to.gbm_options = boost_options(o);
    to.classes = static_cast<std::int64_t>(p.classes.size());
    parts.trees = fit_trees(tensors(p.table, p.rows[0], p.mean, p.sd),
                            tensors(p.table, p.rows[1], p.mean, p.sd),
                            static_cast<std::int64_t>(p.table.dim), to);
}

/// The knn part (when --head has it): neighbours among the train and valid
/// rows, and among the train rows only to score the valid rows, so that
/// figure stays out-of-sample like the other parts'.
void fit_knn_part(const TrainOptions& o, const TrainData& p, const models::PropertyModelConfig& c,
                  Parts& parts) {
    if (!c.uses_knn()) return;
    models::set_threads(o.threads);
    models::KnnOptions ko = o.knn;
    ko.begin = 0;
    ko.end = static_cast<std::int64_t>(o.featurizer.chem.morgan_bits);
    std::vector<std::size_t> kept = p.rows[0];
    kept.insert(kept.end(), p.rows[1].begin(), p.rows[1].end());
    const auto dim = static_cast<std::int64_t>(p.table.dim);
    const auto classes = static_cast<std::int64_t>(p.classes.size());
    parts.knn = fit_knn(tensors(p.table, kept, p.mean, p.sd), dim, ko, classes);
    parts.knn_train = p.rows[1].empty()
                          ? parts.knn
                          : fit_knn(tensors(p.table, p.rows[0], p.mean, p.sd), dim, ko, classes);
    log_info("train: nearest neighbours (k = " + std::to_string(ko.k) + ") among " +
             std::to_string(kept.size()) + " train and valid rows");
}

/// Fills in the model's config (config.json); writes the encoder files the
/// featurizer needs into the model directory.
void complete_config(const TrainOptions& o, const TrainData& p, const Parts& parts,
                     const char* header, models::PropertyModelConfig& c) {
    c.task = o.task;
    c.targets = o.target_cols;
    c.classes = p.classes;
    c.class_counts = p.class_counts;
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
    if (c.uses_mlp()) {
        c.mlp = parts.heads[0]->options();
    } else {
        c.mlp.input_dim = static_cast<std::int64_t>(p.table.dim);
        c.mlp.output_dim = static_cast<std::int64_t>(p.outputs());
        c.mlp.hidden.clear();
        c.mlp.dropout = 0;
    }
    c.forest = o.forest;
    c.forest.seed = o.seed;
    c.gbm = boost_options(o);
    c.training = training_json(o);
    c.class_prior = training_class_prior(o, p.table, p.rows[0], p.class_counts);
    c.training["command_line"] = o.command_line;
    add_training_files(c.training, o.data, train_split_file(o));
}

/// The D-MPNN part from its trained networks (none without them).
std::shared_ptr<const models::MpnnEnsemble> mpnn_ensemble(
    const std::vector<models::MpnnNet>& nets) {
    if (nets.empty()) return nullptr;
    models::MpnnOptions mo;
    mo.encoder = nets[0]->encoder()->options();
    mo.ffn = nets[0]->ffn()->options();
    mo.graph_features = kGraphFeatures;
    return std::make_shared<const models::MpnnEnsemble>(mo, nets);
}

/// metrics.json: the run's counts and parts, and the valid and test sets'
/// metrics (without the seconds, added last).
nlohmann::json run_metrics(const TrainOptions& o, const TrainData& p, const TrainSummary& s,
                           const models::PropertyModelConfig& c, const Parts& parts,
                           const models::PropertyModel& model) {
    nlohmann::json counts = {
        {"train", s.train}, {"valid", s.valid}, {"test", s.test}, {"left_out", s.left_out}};
    nlohmann::json m = {{"task", o.task},
                        {"targets", o.target_cols},
                        {"split", o.split},
                        {"seed", o.seed},
                        {"counts", counts},
                        {"rejected", s.rejected},
                        {"multi_fragment", s.multi_fragment},
                        {"duplicates", s.duplicates},
                        {"members", parts.info}};
    if (!p.classes.empty()) m["classes"] = c.classes_json();
    if (parts.trees.forest) m["forest"] = parts.trees.forest_info;
    if (parts.trees.gbm) m["gbm"] = parts.trees.gbm_info;
    if (parts.knn) m["knn"] = {{"k", o.knn.k}, {"rows", parts.knn->size()}};
    if (!p.rows[1].empty()) {
        if (parts.knn != parts.knn_train) {
            const models::PropertyModel scored(c, parts.heads, {}, parts.trees.forest,
                                               parts.trees.gbm, parts.mpnn, parts.knn_train);
            m["valid"] = evaluate_set(scored, p, p.rows[1], o);
        } else {
            m["valid"] = evaluate_set(model, p, p.rows[1], o);
        }
    }
    if (!p.rows[2].empty()) m["test"] = evaluate_set(model, p, p.rows[2], o);
    return m;
}

/// The run, without the note after an interruption.
TrainSummary train_run(const TrainOptions& o) {
    check_train_options(o);
    RunClock clock;
    models::set_threads(o.threads);
    TrainData p = prepare_train_data(o);
    clock.resume(o);  // prepare_train_data() checked that the checkpoints belong to this run
    TrainSummary s = count_rows(p);
    log_data(o, p, s);
    s.duplicates = check_duplicate_inputs(p.table, p.sets, p.kind == InputKind::molecule);
    log_class_weights(o, p.table, p.rows[0]);
    Parts parts;
    int epochs_this_run = 0;
    models::PropertyModelConfig c;
    c.head = o.head;
    c.part_weights = o.head_weights;
    // An MLP head on fixed features takes steps too small to share between
    // threads: LibTorch's fork/join per op costs more than it saves
    // (Lipophilicity, 2 cores: 0.6 s per epoch on one thread, 1.4-1.7 s on
    // two). Featurization (done above) and the forest use --threads;
    // fine-tuned encoders keep it too.
    if (!p.encoder) models::set_threads(1);
    try {
        train_networks(o, p, c, clock, parts, epochs_this_run);
    } catch (const StopRun&) {
        return stopped_run(std::move(s), clock, epochs_this_run);
    }
    fit_tree_parts(o, p, c, parts);
    fit_knn_part(o, p, c, parts);
    const char* header = p.kind == InputKind::protein ? "sequence" : "smiles";
    complete_config(o, p, parts, header, c);
    parts.mpnn = mpnn_ensemble(parts.nets);
    models::PropertyModel model(c, parts.heads, std::move(parts.encoders), parts.trees.forest,
                                parts.trees.gbm, parts.mpnn, parts.knn);
    s.metrics = run_metrics(o, p, s, c, parts, model);
    s.seconds = clock.seconds();  // with --resume, the interrupted runs' seconds included
    s.metrics["seconds"] = s.seconds;
    write_model_dir(o, p, model, s.metrics, header);
    s.completed = true;
    return s;
}

}  // namespace

TrainSummary run_train(const TrainOptions& o) {
    try {
        return train_run(o);
    } catch (const Interrupted&) {
        // Ctrl-C or a batch system's SIGTERM: say how to continue.
        std::error_code ec;
        if (!o.output.empty() && fs::is_directory(o.output + "/checkpoints", ec))
            log_info("train: interrupted; '" + o.output +
                     "/checkpoints' keeps the work done so far: the same command with --resume "
                     "continues from it");
        throw;
    }
}

}  // namespace plmkit::pipelines
