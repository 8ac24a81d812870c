#include "pipelines/train_job.hpp"

#include <ATen/ATen.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/split_file.hpp"
#include "data/splits.hpp"
#include "models/property_model.hpp"
#include "models/torch_runtime.hpp"
#include "models/trainer.hpp"
#include "src/atomic_file.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/version.hpp"

namespace plmkit::pipelines {
namespace {

namespace fs = std::filesystem;
struct StopRun {};

void check_options(const TrainOptions& o) {
    if (o.data.empty()) throw UsageError("--data is required");
    if (o.output.empty()) throw UsageError("--output is required");
    if (o.target_cols.empty()) throw UsageError("at least one --target-col is required");
    if (o.task != "regression" && o.task != "classification")
        throw UsageError("--task must be regression or classification, got '" + o.task + "'");
    check_featurizer_name(o.featurizer.name);
    if (o.split_sizes.size() != 3)
        throw UsageError("--split-sizes needs three fractions (train,valid,test)");
    data::check_split_sizes({o.split_sizes[0], o.split_sizes[1], o.split_sizes[2]});
    if (o.epochs <= 0 || o.batch_size <= 0 || o.ensemble <= 0 || !(o.lr > 0))
        throw UsageError("--epochs, --batch-size, --ensemble and --lr must be > 0");
    if (o.split != "random" && o.split != "scaffold" && o.split.rfind("column:", 0) != 0 &&
        o.split.rfind("file:", 0) != 0)
        throw UsageError("--split must be random, scaffold, column:NAME or file:PATH, got '" +
                         o.split + "'");
    if (!o.resume && fs::exists(o.output + "/config.json"))
        throw UsageError("'" + o.output +
                         "' already holds a model; choose another --output or remove it");
}

std::vector<int> make_split(const TrainOptions& o, const MoleculeTable& t) {
    data::SplitSizes sizes{o.split_sizes[0], o.split_sizes[1], o.split_sizes[2]};
    if (o.split == "random") return data::random_split(t.size(), sizes, o.seed);
    if (o.split == "scaffold") return data::group_split(t.scaffolds, sizes, o.seed);
    if (o.split.rfind("column:", 0) == 0) return data::column_split(t.split_values);
    data::SplitFile file = data::read_split_file(o.split.substr(5));
    std::vector<int> sets(t.size(), data::kNoSet);
    for (std::size_t i = 0; i < t.size(); ++i)
        if (t.index[i] < file.sets.size()) sets[i] = file.sets[t.index[i]];
    return sets;
}

/// Rows of set `s` as tensors (features already normalized).
models::TrainTensors tensors(const MoleculeTable& t, const std::vector<std::size_t>& rows,
                             const std::vector<double>& mean, const std::vector<double>& sd) {
    const auto n = static_cast<std::int64_t>(rows.size());
    const auto d = static_cast<std::int64_t>(t.dim), nt = static_cast<std::int64_t>(t.num_targets);
    models::TrainTensors out;
    out.x = at::empty({n, d}, at::kFloat);
    out.y = at::zeros({n, nt}, at::kFloat);
    out.mask = at::zeros({n, nt}, at::kFloat);
    float *x = out.x.data_ptr<float>(), *y = out.y.data_ptr<float>(),
          *m = out.mask.data_ptr<float>();
    for (std::int64_t i = 0; i < n; ++i) {
        std::copy_n(&t.features[rows[i] * t.dim], t.dim, x + i * d);
        for (std::int64_t j = 0; j < nt; ++j) {
            double v = t.targets[rows[i] * t.num_targets + j];
            if (std::isnan(v)) continue;
            y[i * nt + j] = static_cast<float>(mean.empty() ? v : (v - mean[j]) / sd[j]);
            m[i * nt + j] = 1.f;
        }
    }
    return out;
}

void standardization(const MoleculeTable& t, const std::vector<std::size_t>& rows,
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

nlohmann::json evaluate_rows(const models::PropertyModel& model, const MoleculeTable& t,
                             const std::vector<std::size_t>& rows) {
    const std::size_t nt = t.num_targets;
    std::vector<float> x;
    std::vector<double> y;
    for (auto r : rows) {
        x.insert(x.end(), &t.features[r * t.dim], &t.features[(r + 1) * t.dim]);
        y.insert(y.end(), &t.targets[r * nt], &t.targets[(r + 1) * nt]);
    }
    std::vector<double> pred(rows.size() * nt);
    model.predict(x.data(), static_cast<std::int64_t>(rows.size()), pred.data(), nullptr);
    return evaluate_predictions(model.config().task, model.config().targets, y, pred);
}

void write_split_csv(const std::string& path, const MoleculeTable& t,
                     const std::vector<int>& sets) {
    CsvWriter w(path);
    w.header({"row_index", "id", "smiles", "split"});
    for (std::size_t i = 0; i < t.size(); ++i)
        w.row({std::to_string(t.index[i]), t.ids[i], t.smiles[i], data::split_name(sets[i])});
    w.close();
}

void write_json(const std::string& path, const nlohmann::json& j) {
    AtomicFile file(path);
    std::ofstream out(file.temp_path());
    out << j.dump(2) << '\n';
    out.close();
    if (!out) throw IoError("cannot write '" + path + "': " + errno_message());
    file.commit();
}

nlohmann::json training_json(const TrainOptions& o) {
    return {{"data", o.data},
            {"split", o.split},
            {"split_sizes", o.split_sizes},
            {"seed", o.seed},
            {"epochs", o.epochs},
            {"batch_size", o.batch_size},
            {"lr", o.lr},
            {"weight_decay", o.weight_decay},
            {"patience", o.patience},
            {"ensemble", o.ensemble},
            {"command_line", o.command_line}};
}

}  // namespace

namespace {

struct Prepared {
    MoleculeTable table;
    std::vector<int> sets;
    std::vector<std::size_t> rows[3];
    Featurizer featurizer;
    std::vector<double> mean, sd;  ///< target standardization (regression)
};

Prepared prepare(const TrainOptions& o) {
    Prepared p{MoleculeTable{}, {}, {}, Featurizer(o.featurizer), {}, {}};
    TableOptions to;
    to.input_col = o.input_col;
    to.id_col = o.id_col;
    to.target_cols = o.target_cols;
    to.task = o.task;
    to.scaffolds = o.split == "scaffold";
    if (o.split.rfind("column:", 0) == 0) to.split_col = o.split.substr(7);
    p.table = read_molecule_table(o.data, p.featurizer, to);
    p.sets = make_split(o, p.table);
    for (std::size_t i = 0; i < p.sets.size(); ++i)
        if (p.sets[i] >= 0) p.rows[p.sets[i]].push_back(i);
    if (p.rows[0].empty())
        throw InputError(o.data + ": no usable training molecules (" +
                         std::to_string(p.table.rejects.size()) + " rejected rows)");
    p.featurizer.fit(p.table.features, p.rows[0]);
    for (std::size_t i = 0; i < p.table.size(); ++i)
        p.featurizer.normalize(&p.table.features[i * p.table.dim]);
    if (o.task == "regression") standardization(p.table, p.rows[0], p.mean, p.sd);
    return p;
}

/// Trains member k (or resumes it); throws StopRun at stop_after_epochs.
models::Mlp train_member(const TrainOptions& o, const Prepared& p, int k, int& epochs_this_run,
                         nlohmann::json& member_info) {
    const std::uint64_t seed = o.seed + static_cast<std::uint64_t>(k);
    at::manual_seed(seed);
    models::MlpOptions mo;
    mo.input_dim = static_cast<std::int64_t>(p.table.dim);
    mo.hidden = o.hidden;
    mo.output_dim = static_cast<std::int64_t>(p.table.num_targets);
    mo.dropout = o.dropout;
    models::TrainerOptions to;
    to.task = o.task;
    to.epochs = o.epochs;
    to.batch_size = o.batch_size;
    to.lr = o.lr;
    to.weight_decay = o.weight_decay;
    to.patience = o.patience;
    to.seed = seed;
    to.label = o.ensemble > 1 ? "model " + std::to_string(k + 1) + "/" + std::to_string(o.ensemble)
                              : "model";
    models::Trainer trainer(models::Mlp(mo), to);
    const std::string ckpt = o.output + "/checkpoints/member_" + std::to_string(k) + ".pt";
    if (o.resume && fs::exists(ckpt)) {
        trainer.load_checkpoint(ckpt);
        log_info(to.label + ": resuming after epoch " + std::to_string(trainer.epochs_done()));
    }
    auto train = tensors(p.table, p.rows[0], p.mean, p.sd);
    auto valid = tensors(p.table, p.rows[1], p.mean, p.sd);
    trainer.fit(train, valid, [&](const models::Trainer& t) {
        t.save_checkpoint(ckpt);
        if (o.stop_after_epochs > 0 && ++epochs_this_run >= o.stop_after_epochs) throw StopRun{};
    });
    member_info = {
        {"seed", seed},
        {"epochs", trainer.epochs_done()},
        {"best_epoch", trainer.best_epoch()},
        {"stopped_early", trainer.stopped_early()},
        {"seconds_per_epoch", trainer.history().empty() ? 0.0 : trainer.history().back().seconds}};
    return trainer.model();
}

}  // namespace

TrainSummary run_train(const TrainOptions& o) {
    check_options(o);
    auto t0 = std::chrono::steady_clock::now();
    models::set_threads(o.threads);
    Prepared p = prepare(o);
    TrainSummary s;
    s.records = p.table.records;
    s.rejected = p.table.rejects.size();
    s.train = p.rows[0].size();
    s.valid = p.rows[1].size();
    s.test = p.rows[2].size();
    log_info("train: " + std::to_string(s.records) + " rows, " + std::to_string(s.rejected) +
             " rejected; split " + o.split + ": " + std::to_string(s.train) + " train, " +
             std::to_string(s.valid) + " valid, " + std::to_string(s.test) + " test; " +
             std::to_string(p.table.dim) + " features (" + o.featurizer.name + ")");
    std::error_code ec;
    fs::create_directories(o.output + "/checkpoints", ec);
    if (ec) throw IoError("cannot create '" + o.output + "/checkpoints': " + ec.message());
    std::vector<models::Mlp> members;
    nlohmann::json info = nlohmann::json::array();
    int epochs_this_run = 0;
    try {
        for (int k = 0; k < o.ensemble; ++k) {
            nlohmann::json mi;
            members.push_back(train_member(o, p, k, epochs_this_run, mi));
            info.push_back(mi);
        }
    } catch (const StopRun&) {
        log_info("train: stopped after " + std::to_string(epochs_this_run) +
                 " epochs as asked; continue with --resume");
        return s;
    }
    models::PropertyModelConfig c;
    c.task = o.task;
    c.targets = o.target_cols;
    c.input_col = o.input_col;
    c.featurizer = p.featurizer.to_json();
    c.target_mean = p.mean;
    c.target_std = p.sd;
    c.mlp = members[0]->options();
    c.training = training_json(o);
    models::PropertyModel model(c, members);
    nlohmann::json counts = {{"train", s.train}, {"valid", s.valid}, {"test", s.test}};
    s.metrics = {{"task", o.task}, {"targets", o.target_cols}, {"split", o.split},
                 {"seed", o.seed}, {"counts", counts},         {"rejected", s.rejected},
                 {"members", info}};
    if (!p.rows[1].empty()) s.metrics["valid"] = evaluate_rows(model, p.table, p.rows[1]);
    if (!p.rows[2].empty()) s.metrics["test"] = evaluate_rows(model, p.table, p.rows[2]);
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    s.metrics["seconds"] = s.seconds;
    model.save(o.output);
    write_json(o.output + "/metrics.json", s.metrics);
    write_split_csv(o.output + "/split.csv", p.table, p.sets);
    write_rejects(o.output + "/rejects.tsv", p.table.rejects);
    fs::remove_all(o.output + "/checkpoints", ec);
    s.completed = true;
    return s;
}

}  // namespace plmkit::pipelines
