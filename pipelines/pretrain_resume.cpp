#include "pipelines/pretrain_resume.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <system_error>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "pipelines/train_checks.hpp"
#include "pipelines/train_resume.hpp"
#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "src/json_file.hpp"
#include "src/log.hpp"

namespace plmkit::pipelines {

namespace fs = std::filesystem;

namespace {

constexpr int kHistoryColumns = 7;

std::string checkpoints_dir(const std::string& dir) {
    return dir + "/checkpoints";
}

at::Tensor history_tensor(const std::vector<PretrainEpoch>& history) {
    std::vector<double> h;
    for (const PretrainEpoch& e : history)
        h.insert(h.end(), {static_cast<double>(e.epoch), e.train_loss, e.valid_loss,
                           e.valid_accuracy, e.lr, e.seconds, e.saved ? 1.0 : 0.0});
    return at::tensor(h, at::kDouble).reshape({-1, kHistoryColumns});
}

std::vector<PretrainEpoch> history_from(const at::Tensor& t) {
    std::vector<PretrainEpoch> out;
    const at::Tensor h = t.contiguous();
    for (std::int64_t i = 0; i < h.size(0); ++i) {
        const double* r = h[i].data_ptr<double>();
        PretrainEpoch e;
        e.epoch = static_cast<int>(r[0]);
        e.train_loss = r[1], e.valid_loss = r[2], e.valid_accuracy = r[3], e.lr = r[4];
        e.seconds = r[5], e.saved = r[6] != 0;
        out.push_back(e);
    }
    return out;
}

}  // namespace

PretrainCheckpoint::PretrainCheckpoint(const PretrainOptions& o, nlohmann::json run_options,
                                       nlohmann::json files)
    : o_(o), options_(with_valid_utf8(std::move(run_options))), files_(std::move(files)) {}

nlohmann::json PretrainCheckpoint::record() const {
    nlohmann::json j = files_;
    j["options"] = options_;
    return j;
}

void PretrainCheckpoint::check() const {
    if (!o_.resume) return;
    const nlohmann::json before = read_json_file(checkpoints_dir(o_.output) + "/options.json");
    refuse_changed_option(before.value("options", nlohmann::json::object()), options_);
    check_unchanged(before.value("data_file", nlohmann::json()), files_.at("data_file"), "--data",
                    o_.data);
    if (files_.contains("esm_model_files"))
        check_encoder_unchanged(before.value("esm_model_files", nlohmann::json()),
                                files_.at("esm_model_files"), "--esm-model", o_.esm_model);
}

void PretrainCheckpoint::attach(std::vector<at::Tensor> params,
                                torch::optim::Optimizer& optimizer) {
    params_ = std::move(params);
    optimizer_ = &optimizer;
}

void PretrainCheckpoint::write(const std::string& dir, const PretrainProgress& p,
                               const std::vector<PretrainEpoch>& history) {
    const std::string ckpt = checkpoints_dir(dir);
    std::error_code ec;
    fs::create_directories(ckpt, ec);
    if (ec) throw IoError("cannot create '" + ckpt + "': " + ec.message());
    write_json_file(ckpt + "/options.json", record());
    torch::serialize::OutputArchive archive, weights, optim;
    for (std::size_t i = 0; i < params_.size(); ++i)
        weights.write(std::to_string(i), params_[i].detach());
    archive.write("weights", weights);
    optimizer_->save(optim);
    archive.write("optimizer", optim);
    archive.write("progress", at::tensor({static_cast<double>(p.epoch),
                                          static_cast<double>(p.best_epoch), p.best_valid_loss,
                                          p.saved ? 1.0 : 0.0, static_cast<double>(params_.size())},
                                         at::kDouble));
    // The step as an integer: a double holds it exactly, but say what it is.
    archive.write("step", at::tensor({p.step}, at::kLong));
    archive.write("within_epoch",
                  at::tensor({static_cast<double>(p.within.batch), p.within.loss_sum,
                              static_cast<double>(p.within.masked), p.within.seconds},
                             at::kDouble));
    archive.write("history", history_tensor(history));
    {
        at::Generator gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(gen.mutex());
        archive.write("cpu_generator", gen.get_state());
    }
    AtomicFile file(ckpt + "/state.pt");
    archive.save_to(file.temp_path());
    file.commit();
    epoch_ = p.epoch;
    batch_ = p.within.batch;
}

bool PretrainCheckpoint::load(PretrainProgress& p, std::vector<PretrainEpoch>& history) {
    const std::string path = checkpoints_dir(o_.output) + "/state.pt";
    if (!o_.resume || !fs::exists(path)) return false;
    try {
        torch::serialize::InputArchive archive, weights, optim;
        archive.load_from(path);
        at::Tensor progress, step, hist, rng;
        archive.read("progress", progress);
        archive.read("step", step);
        archive.read("history", hist);
        archive.read("cpu_generator", rng);
        const double* s = progress.data_ptr<double>();
        if (static_cast<std::size_t>(s[4]) != params_.size())
            throw ModelError("it has " + std::to_string(static_cast<std::size_t>(s[4])) +
                             " weight tensors, the model " + std::to_string(params_.size()));
        archive.read("weights", weights);
        at::NoGradGuard no_grad;
        for (std::size_t i = 0; i < params_.size(); ++i) {
            at::Tensor t;
            weights.read(std::to_string(i), t);
            if (t.sizes() != params_[i].sizes())
                throw ModelError("weight " + std::to_string(i) + " has another shape");
            params_[i].copy_(t);
        }
        archive.read("optimizer", optim);
        optimizer_->load(optim);
        at::Generator gen = at::detail::getDefaultCPUGenerator();
        {
            std::lock_guard<std::mutex> lock(gen.mutex());
            gen.set_state(rng);
        }
        p.epoch = static_cast<int>(s[0]);
        p.best_epoch = static_cast<int>(s[1]);
        p.best_valid_loss = s[2];
        p.saved = s[3] != 0;
        p.step = step.item<std::int64_t>();
        history = history_from(hist);
        at::Tensor within;  // absent from checkpoints of epochs' ends only
        if (archive.try_read("within_epoch", within)) {
            const double* w = within.data_ptr<double>();
            p.within.batch = static_cast<std::int64_t>(w[0]);
            p.within.loss_sum = w[1];
            p.within.masked = static_cast<std::int64_t>(w[2]);
            p.within.seconds = w[3];
        }
    } catch (const c10::Error& e) {
        throw ModelError("checkpoint '" + path +
                         "' does not fit this run: " + e.what_without_backtrace());
    } catch (const ModelError& e) {
        throw ModelError("checkpoint '" + path + "' does not fit this run: " + e.what());
    }
    epoch_ = p.epoch;
    batch_ = p.within.batch;
    return true;
}

namespace {

/// The test hooks: SIGKILL when `variable` is `count`, SIGINT when it is
/// "count:INT".
void kill_hook(const char* variable, std::int64_t count) {
    if (const char* k = std::getenv(variable)) {
        const std::string after = std::to_string(count);
        if (after == k) std::raise(SIGKILL);
        if (after + ":INT" == k) std::raise(SIGINT);
    }
}

}  // namespace

bool PretrainCheckpoint::epoch_done() {
    ++epochs_here_;
    kill_hook("PLMKIT_TEST_KILL_AFTER_EPOCHS", epochs_here_);
    return o_.stop_after_epochs > 0 && epochs_here_ >= o_.stop_after_epochs;
}

bool PretrainCheckpoint::due(std::int64_t batch, std::size_t batches) const {
    return o_.checkpoint_every > 0 && batch % o_.checkpoint_every == 0 &&
           batch < static_cast<std::int64_t>(batches);
}

void PretrainCheckpoint::step_done() {
    kill_hook("PLMKIT_TEST_KILL_AFTER_STEPS", ++steps_here_);
}

void PretrainCheckpoint::remove() const {
    std::error_code ec;
    fs::remove_all(checkpoints_dir(o_.output), ec);
    if (ec)
        log_warn("cannot remove '" + checkpoints_dir(o_.output) + "' (" + ec.message() +
                 "): the run is complete, it can be removed");
}

void check_pretrain_output(const PretrainOptions& o) {
    const std::string options = checkpoints_dir(o.output) + "/options.json";
    std::error_code ec;
    if (!o.resume) {
        if (fs::exists(options, ec))
            throw UsageError("--output '" + o.output +
                             "' holds an interrupted pretrain run (checkpoints/): continue it "
                             "with the same command and --resume, or choose a new LM_DIR or "
                             "remove it");
        check_new_output(o.output);
        return;
    }
    if (fs::exists(options, ec)) return;
    throw UsageError(
        "--resume: '" + o.output + "' holds no interrupted pretrain run (no " +
        (fs::exists(o.output + "/config.json", ec)
             ? std::string("checkpoints/options.json: its run completed, nothing to resume)")
             : std::string("checkpoints/options.json: it stopped before its first "
                           "checkpoint, or never ran there); run the same command without "
                           "--resume to start it")));
}

namespace {

/// "epoch N of M", or "step K of epoch N+1 of M" after a mid-epoch checkpoint.
std::string position(const PretrainOptions& o, int epoch, std::int64_t batch) {
    return (batch > 0 ? "step " + std::to_string(batch) + " of epoch " + std::to_string(epoch + 1)
                      : "epoch " + std::to_string(epoch)) +
           " of " + std::to_string(o.epochs);
}

}  // namespace

void log_resume_note(const PretrainOptions& o, int epoch, std::int64_t batch) {
    std::error_code ec;
    if (o.output.empty() || !fs::exists(checkpoints_dir(o.output) + "/options.json", ec)) return;
    log_info("pretrain: interrupted; '" + checkpoints_dir(o.output) +
             "' keeps the work done so far" +
             (epoch >= 0 ? " (" + position(o, epoch, batch) + ")" : std::string()) +
             ": the same command with --resume continues from it");
}

void log_resuming(const PretrainOptions& o, const PretrainProgress& p) {
    log_info("pretrain: resuming after " + position(o, p.epoch, p.within.batch) +
             (p.saved ? " (best epoch " + std::to_string(p.best_epoch) + ", valid loss " +
                            std::to_string(p.best_valid_loss) + ")"
                      : std::string(" (no epoch finished yet)")));
}

void log_stopped(const PretrainOptions& o, int epoch) {
    log_info("pretrain: stopped after " + std::to_string(o.stop_after_epochs) +
             (o.stop_after_epochs == 1 ? " epoch" : " epochs") + " as asked (epoch " +
             std::to_string(epoch) + " of " + std::to_string(o.epochs) + "); '" +
             checkpoints_dir(o.output) + "' keeps the run: the same command with --resume " +
             "continues it");
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

PretrainProgress pretrain_progress(const PretrainResult& r, std::int64_t step, bool saved) {
    PretrainProgress p;
    p.epoch = r.history.empty() ? -1 : r.history.back().epoch;
    p.step = step;
    p.best_epoch = r.best_epoch;
    p.best_valid_loss = r.best_valid_loss;
    p.saved = saved;
    return p;
}

nlohmann::json shared_training_options(const PretrainOptions& o) {
    return {{"epochs", o.epochs},
            {"batch_size", o.batch_size},
            {"max_tokens", o.max_tokens},
            {"lr", o.lr},
            {"weight_decay", o.weight_decay},
            {"warmup_fraction", o.warmup_fraction},
            {"clip_norm", o.clip_norm},
            {"mask_prob", o.mask_prob},
            {"valid_fraction", o.valid_fraction},
            {"max_records", o.max_records},
            {"seed", o.seed}};
}

}  // namespace plmkit::pipelines
