#include "pipelines/pretrain_protein.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>

#include <ATen/ATen.h>
#include <torch/types.h>  // before clip_grad.h, which uses torch::Tensor without including it

#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>

#include "data/input_reader.hpp"
#include "models/esm2_loader.hpp"
#include "models/esm2_mlm.hpp"
#include "models/esm2_saver.hpp"
#include "models/torch_runtime.hpp"
#include "pipelines/epoch_progress.hpp"
#include "pipelines/pretrain_history.hpp"
#include "pipelines/pretrain_masking.hpp"
#include "pipelines/pretrain_resume.hpp"
#include "pipelines/property_table.hpp"
#include "pipelines/train_checks.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/runtime.hpp"
#include "src/safetensors.hpp"
#include "src/strings.hpp"
#include "src/version.hpp"
#include "tokenizers/batching.hpp"

namespace plmkit::pipelines {

void mask_residues(std::int64_t* ids, std::int64_t first, std::int64_t residues,
                   std::int64_t offset, double p, std::int64_t mask_id, std::mt19937_64& rng,
                   std::vector<std::int64_t>& positions, std::vector<std::int64_t>& labels) {
    BertMasking m;
    m.p = p;
    m.mask_id = mask_id;
    m.random_first = kFirstStandardAa;
    m.random_last = kLastStandardAa;
    bert_mask(ids, first, residues, offset, m, rng, positions, labels);
}

namespace {

using Residues = std::vector<std::int32_t>;  ///< residue ids, no <cls>/<eos>

/// ESM-2's training crop: 1024 tokens with <cls> and <eos>.
constexpr std::size_t kEsmTrainingCrop = 1022;
constexpr std::size_t kSkipsShown = 5;

/// A masked batch: tokens [B,T] after masking, flat positions and labels.
struct ProteinBatch {
    at::Tensor tokens, positions, labels;
    std::int64_t masked = 0;
    std::uint64_t tokens_used = 0;  ///< non-pad tokens (<cls> window <eos>)
};

/// One row of a batch: a sequence and the start of its window.
struct Window {
    const Residues* seq = nullptr;
    std::size_t start = 0;
};

ProteinBatch make_batch(const std::vector<Window>& rows, std::size_t crop, double p,
                        const models::Esm2Config& c, std::mt19937_64& rng) {
    std::size_t longest = 0;
    for (const Window& w : rows)
        longest = std::max(longest, std::min(w.seq->size(), crop));
    const auto B = static_cast<std::int64_t>(rows.size());
    const auto T = static_cast<std::int64_t>(longest + 2);
    std::vector<std::int64_t> ids(static_cast<std::size_t>(B * T), c.pad_token_id);
    std::vector<std::int64_t> positions, labels;
    ProteinBatch out;
    for (std::int64_t b = 0; b < B; ++b) {
        const Window& w = rows[static_cast<std::size_t>(b)];
        const std::size_t len = std::min(w.seq->size(), crop);
        std::int64_t* row = ids.data() + b * T;
        row[0] = tokenizers::EsmTokenizer::kCls;
        for (std::size_t i = 0; i < len; ++i)
            row[i + 1] = (*w.seq)[w.start + i];
        row[len + 1] = tokenizers::EsmTokenizer::kEos;
        mask_residues(row, 1, static_cast<std::int64_t>(len), b * T, p, c.mask_token_id, rng,
                      positions, labels);
        out.tokens_used += len + 2;
    }
    out.tokens = at::from_blob(ids.data(), {B, T}, at::kLong).clone();
    out.masked = static_cast<std::int64_t>(positions.size());
    out.positions = at::from_blob(positions.data(), {out.masked}, at::kLong).clone();
    out.labels = at::from_blob(labels.data(), {out.masked}, at::kLong).clone();
    return out;
}

void check_protein_options(const PretrainOptions& o) {
    if (o.esm_model.empty())
        throw UsageError(
            "--kind protein needs --esm-model, the Hugging Face ESM-2 directory to "
            "continue from");
    check_shared_options(o);
    if (o.epochs < 0) throw UsageError("--epochs must be >= 0 (0: score and copy the input)");
    if (o.long_policy != "crop" && o.long_policy != "skip")
        throw UsageError("--long '" + o.long_policy + "': expected crop or skip");
    if (o.save_dtype != "input" && o.save_dtype != "float32")
        throw UsageError("--save-dtype '" + o.save_dtype + "': expected input or float32");
}

/// The crop length: --crop, or ESM-2's 1022 within the model's positions.
std::size_t resolve_crop(const PretrainOptions& o, const models::Esm2Config& c) {
    const auto most =
        static_cast<std::size_t>(std::max<std::int64_t>(c.max_position_embeddings - 2, 1));
    if (o.crop == 0) return std::min(kEsmTrainingCrop, most);
    if (o.crop > most)
        throw UsageError("--crop " + std::to_string(o.crop) + " is more than the " +
                         std::to_string(most) + " residues the model's " +
                         std::to_string(c.max_position_embeddings) +
                         " max_position_embeddings hold with <cls> and <eos>");
    return o.crop;
}

class ProteinPretrainRun {
  public:
    ProteinPretrainRun(const PretrainOptions& o, PretrainResult& r) : o_(o), r_(r) {}
    void run();
    /// The epoch that `output` holds (-1: nothing written yet).
    int saved_epoch() const { return saved_ ? r_.best_epoch : -1; }
    /// The last epoch checkpointed in <output>/checkpoints (-1: none).
    int checkpointed_epoch() const { return ckpt_ ? ckpt_->epoch() : -1; }
    /// The steps of the next epoch in that checkpoint (0: none).
    std::int64_t checkpointed_batch() const { return ckpt_ ? ckpt_->batch() : 0; }

  private:
    std::vector<Residues> read();
    void consider(const data::InputRow& row, std::vector<Residues>& out);
    void skip(const data::InputRow& row, const std::string& why);
    void check_read(std::size_t usable) const;
    void split(std::vector<Residues> seqs);
    std::vector<std::vector<Window>> batches(const std::vector<Residues>& seqs,
                                             std::mt19937_64& rng, bool shuffle) const;
    /// Trains `epoch` from `at` (its batches done before a resume; updated
    /// as it goes, for --checkpoint-every); the epoch's train loss.
    double train_epoch(int epoch, torch::optim::AdamW& opt, EpochPosition& at);
    void validate(PretrainEpoch& e);
    double lr_at(std::int64_t step) const { return pretrain_lr(o_, step, total_steps_); }
    /// The options that define the run (--resume compares them), without
    /// the data's path (its fingerprint is compared instead).
    nlohmann::json run_options() const;
    PretrainProgress progress(const EpochPosition& within = {}) const;
    /// Loads the model, resolves the crop, checks a --resume.
    void load_model();
    /// With --resume: the checkpoint's weights, optimizer and epochs; the
    /// first epoch to train (0: the input model is still to be scored), and
    /// `within` it where a mid-epoch checkpoint was.
    int resume_from(EpochPosition& within);
    void save(const PretrainEpoch& e);
    void log_epoch(const PretrainEpoch& e) const;
    /// Records `e`; saves it when it is the best so far. False: diverged, stop.
    bool finish_epoch(PretrainEpoch& e);

    const PretrainOptions& o_;
    PretrainResult& r_;
    models::LoadedEsm2 loaded_;
    std::unique_ptr<models::Esm2MaskedLM> model_;
    std::string esm_prefix_ = "esm.";
    std::size_t crop_ = kEsmTrainingCrop;
    std::vector<Residues> train_, valid_;
    std::vector<ProteinBatch> valid_batches_;
    std::int64_t step_ = 0, total_steps_ = 1;
    bool saved_ = false;
    bool stopped_ = false;  ///< --stop-after-epochs reached
    std::unique_ptr<PretrainCheckpoint> ckpt_;
    nlohmann::json data_file_;  ///< size and xxh64 of --data
};

void ProteinPretrainRun::skip(const data::InputRow& row, const std::string& why) {
    ++r_.skipped;
    const std::string where = o_.data + ":" + std::to_string(row.line) + ": ";
    if (r_.skip_reasons.size() < kSkipsShown)
        r_.skip_reasons.push_back(why.rfind(where, 0) == 0 ? why : where + why);
    r_.rejects.push_back(reject_line(row.index + 1, row.id, row.input, why) + "\t" +
                         std::to_string(row.line));
}

void ProteinPretrainRun::consider(const data::InputRow& row, std::vector<Residues>& out) {
    if (!row.error.empty()) return skip(row, row.error);
    tokenizers::EsmEncoding enc = loaded_.tokenizer.encode(row.input);
    if (!enc.ok) return skip(row, enc.reason);
    const auto mask = static_cast<std::int32_t>(loaded_.config.mask_token_id);
    if (std::find(enc.ids.begin(), enc.ids.end(), mask) != enc.ids.end())
        return skip(row, "contains <mask>: pre-training data must be whole sequences");
    if (enc.residues > crop_) {
        if (o_.long_policy == "skip")
            return skip(row, "longer than " + std::to_string(crop_) + " residues (" +
                                 std::to_string(enc.residues) + "; --long skip)");
        ++r_.cropped;
    }
    out.emplace_back(enc.ids.begin() + 1, enc.ids.end() - 1);  // without <cls>/<eos>
}

std::vector<Residues> ProteinPretrainRun::read() {
    data::InputReaderOptions ro;
    ro.protein = true;
    ro.input_col = o_.seq_col;
    ro.column_option = "--seq-col";
    data::InputReader reader(o_.data, ro);
    std::vector<Residues> seqs;
    data::InputRow row;
    while ((o_.max_records == 0 || r_.records < o_.max_records) && reader.next(row)) {
        throw_if_interrupted();
        ++r_.records;
        consider(row, seqs);
    }
    return seqs;
}

void ProteinPretrainRun::check_read(std::size_t usable) const {
    for (const auto& why : r_.skip_reasons)
        log_warn("skipped " + why);
    if (usable < 2)
        throw UsageError(
            o_.data + ": " + count_noun(usable, "usable sequence") + " of " +
            count_noun(r_.records, "record") + ", pre-training needs at least 2" +
            (r_.skip_reasons.empty() ? std::string() : "; skipped: " + r_.skip_reasons.front()));
    if (r_.skipped)
        log_warn(std::to_string(r_.skipped) + " of " + std::to_string(r_.records) +
                 " records skipped" +
                 (r_.skipped > kSkipsShown
                      ? " (the first " + std::to_string(kSkipsShown) + " named above)"
                      : std::string()) +
                 ", each with its reason in " + o_.output + "/rejects.tsv");
}

void ProteinPretrainRun::split(std::vector<Residues> seqs) {
    const std::size_t n = seqs.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(o_.seed);
    std::shuffle(order.begin(), order.end(), rng);
    const auto n_valid = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::llround(o_.valid_fraction * static_cast<double>(n))));
    if (n_valid >= n)
        throw UsageError("--valid-fraction " + std::to_string(o_.valid_fraction).substr(0, 5) +
                         " of " + std::to_string(n) +
                         " usable sequences leaves none for training; lower it or give more data");
    for (std::size_t k = 0; k < n; ++k)
        (k < n_valid ? valid_ : train_).push_back(std::move(seqs[order[k]]));
    r_.train_size = train_.size();
    r_.valid_size = valid_.size();
    r_.vocab_size = static_cast<std::size_t>(loaded_.config.vocab_size);
    // Validation windows and masks are drawn once: every epoch (and the
    // input checkpoint, epoch 0) scores the same task. A draw that chose no
    // residue at all (a tiny validation set) is drawn again.
    std::mt19937_64 vrng(o_.seed ^ 0x9e3779b97f4a7c15ULL);
    for (int draw = 0; draw < kValidDraws && r_.valid_masked == 0; ++draw) {
        for (const auto& rows : batches(valid_, vrng, false)) {
            ProteinBatch b = make_batch(rows, crop_, o_.mask_prob, loaded_.config, vrng);
            if (b.masked > 0) valid_batches_.push_back(b), r_.valid_masked += b.masked;
        }
    }
    check_valid_masked(o_, r_, "sequences", "residue");
}

/// Batches of windows over `seqs` (a random window of each sequence longer
/// than the crop), in a shuffled order when `shuffle`.
std::vector<std::vector<Window>> ProteinPretrainRun::batches(const std::vector<Residues>& seqs,
                                                             std::mt19937_64& rng,
                                                             bool shuffle) const {
    std::vector<std::size_t> order(seqs.size());
    std::iota(order.begin(), order.end(), 0);
    if (shuffle) std::shuffle(order.begin(), order.end(), rng);
    std::vector<Window> windows;
    for (std::size_t i : order) {
        std::size_t start = 0;
        if (seqs[i].size() > crop_)
            start = std::uniform_int_distribution<std::size_t>(0, seqs[i].size() - crop_)(rng);
        windows.push_back({&seqs[i], start});
    }
    std::vector<std::vector<Window>> out;
    if (o_.max_tokens > 0) {
        std::vector<std::size_t> lengths;
        for (const Window& w : windows)
            lengths.push_back(std::min(w.seq->size(), crop_) + 2);
        for (const auto& group : tokenizers::token_budget_batches(lengths, {o_.max_tokens, 0})) {
            out.emplace_back();
            for (std::size_t k : group)
                out.back().push_back(windows[k]);
        }
        if (shuffle) std::shuffle(out.begin(), out.end(), rng);
        return out;
    }
    for (std::size_t k = 0; k < windows.size(); ++k) {
        if (k % static_cast<std::size_t>(o_.batch_size) == 0) out.emplace_back();
        out.back().push_back(windows[k]);
    }
    return out;
}

double ProteinPretrainRun::train_epoch(int epoch, torch::optim::AdamW& opt, EpochPosition& at) {
    const auto t0 = std::chrono::steady_clock::now();
    const double seconds_before = at.seconds;
    std::mt19937_64 rng(o_.seed * 104729ULL + static_cast<std::uint64_t>(epoch));
    const auto all = batches(train_, rng, true);
    const auto first = std::min(static_cast<std::size_t>(at.batch), all.size());
    for (std::size_t k = 0; k < first; ++k)  // the masks drawn before
        make_batch(all[k], crop_, o_.mask_prob, loaded_.config, rng);
    EpochProgress shown(
        {epoch, o_.epochs, all.size() - first, "residues", o_.progress, o_.log_every});
    for (std::size_t k = first; k < all.size(); ++k) {
        throw_if_interrupted();
        ProteinBatch b = make_batch(all[k], crop_, o_.mask_prob, loaded_.config, rng);
        const double lr = lr_at(step_++);
        if (b.masked == 0) continue;
        for (auto& g : opt.param_groups())
            static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
        opt.zero_grad();
        at::Tensor loss = model_->loss(b.tokens, b.positions, b.labels);
        loss.backward();
        if (o_.clip_norm > 0) torch::nn::utils::clip_grad_norm_(model_->parameters(), o_.clip_norm);
        opt.step();
        const double l = loss.item<double>();
        at.loss_sum += l * static_cast<double>(b.masked);
        at.masked += b.masked;
        shown.step(b.tokens_used, l, static_cast<std::uint64_t>(b.masked));
        at.batch = static_cast<std::int64_t>(k + 1);
        if (ckpt_->due(at.batch, all.size())) {
            at.seconds = seconds_before + seconds_since(t0);
            ckpt_->write(o_.output, progress(at), r_.history);
        }
        ckpt_->step_done();
    }
    shown.done();
    return at.masked ? at.loss_sum / static_cast<double>(at.masked) : 0.0;
}

void ProteinPretrainRun::validate(PretrainEpoch& e) {
    at::NoGradGuard no_grad;
    double loss_sum = 0;
    std::int64_t correct = 0, masked = 0;
    for (const ProteinBatch& b : valid_batches_) {
        throw_if_interrupted();
        std::int64_t c = 0;
        loss_sum += model_->loss(b.tokens, b.positions, b.labels, &c).item<double>() *
                    static_cast<double>(b.masked);
        correct += c;
        masked += b.masked;
    }
    e.valid_loss = masked ? loss_sum / static_cast<double>(masked) : 0.0;
    e.valid_accuracy = masked ? static_cast<double>(correct) / static_cast<double>(masked) : 0.0;
}

nlohmann::json ProteinPretrainRun::run_options() const {
    nlohmann::json j = shared_training_options(o_);
    j["kind"] = o_.kind;
    j["seq_col"] = o_.seq_col;
    j["crop"] = crop_;
    j["long"] = o_.long_policy;
    j["save_dtype"] = o_.save_dtype;
    return j;
}

PretrainProgress ProteinPretrainRun::progress(const EpochPosition& within) const {
    PretrainProgress p = pretrain_progress(r_, step_, saved_);
    p.within = within;
    return p;
}

void ProteinPretrainRun::save(const PretrainEpoch& e) {
    r_.best_epoch = e.epoch;
    r_.best_valid_loss = e.valid_loss;
    saved_ = true;
    nlohmann::json options = run_options();
    options.erase("kind");
    options["data"] = o_.data;
    const nlohmann::json provenance = {{"base_model", o_.esm_model},
                                       {"base_model_hash", loaded_.weights_hash},
                                       {"data_file", data_file_},
                                       {"plmkit_version", version()},
                                       {"epoch", e.epoch},
                                       {"valid_loss", e.valid_loss},
                                       {"valid_perplexity", std::exp(e.valid_loss)},
                                       {"valid_accuracy", e.valid_accuracy},
                                       {"train_size", r_.train_size},
                                       {"valid_size", r_.valid_size},
                                       {"options", options}};
    // Replaces DIR with the model, its rejects and this epoch's checkpoint.
    models::Esm2SaveOptions so;
    so.float32 = o_.save_dtype == "float32";
    so.before_commit = [&](const std::string& tmp) {
        write_rejects(tmp + "/rejects.tsv", r_.rejects, "sequence", "line");
        write_pretrain_history(tmp, r_.history);
        ckpt_->write(tmp, progress(), r_.history);
    };
    models::save_esm2_checkpoint(o_.esm_model, o_.output, model_->checkpoint_tensors(esm_prefix_),
                                 provenance, so);
}

void ProteinPretrainRun::log_epoch(const PretrainEpoch& e) const {
    if (!o_.log_epochs) return;
    char buf[320];
    if (e.epoch == 0) {
        std::snprintf(buf, sizeof buf,
                      "pretrain epoch 0 (the input model): valid loss %.4f (perplexity %.3f), "
                      "valid masked acc %.4f%s",
                      e.valid_loss, std::exp(e.valid_loss), e.valid_accuracy,
                      e.saved ? " (saved)" : "");
    } else {
        std::snprintf(buf, sizeof buf,
                      "pretrain epoch %d/%d: train loss %.4f, valid loss %.4f (perplexity "
                      "%.3f), valid masked acc %.4f, lr %.2e, %.1fs%s",
                      e.epoch, o_.epochs, e.train_loss, e.valid_loss, std::exp(e.valid_loss),
                      e.valid_accuracy, e.lr, e.seconds, e.saved ? " (saved)" : "");
    }
    log_info(buf);
}

bool ProteinPretrainRun::finish_epoch(PretrainEpoch& e) {
    if (!std::isfinite(e.train_loss) || !std::isfinite(e.valid_loss)) {
        char lr[32];
        std::snprintf(lr, sizeof lr, "%g", o_.lr);
        log_warn("pretrain epoch " + std::to_string(e.epoch) +
                 ": the loss is not finite (NaN/inf): training diverged; stopping, " + o_.output +
                 " keeps epoch " + std::to_string(r_.best_epoch) + "; a lower --lr than " + lr +
                 " may help");
        return false;
    }
    e.saved = !saved_ || e.valid_loss < r_.best_valid_loss;
    r_.history.push_back(e);
    if (e.saved) {
        save(e);
    } else {
        write_pretrain_history(o_.output, r_.history);
        ckpt_->write(o_.output, progress(), r_.history);
    }
    log_epoch(e);
    if (e.epoch > 0) stopped_ = ckpt_->epoch_done() && e.epoch < o_.epochs;
    return true;
}

void ProteinPretrainRun::load_model() {
    crop_ = resolve_crop(o_, models::check_esm2_dir(o_.esm_model));
    data_file_ = resume_fingerprint(o_.data);
    ckpt_ = std::make_unique<PretrainCheckpoint>(
        o_, run_options(),
        nlohmann::json{{"data_file", data_file_},
                       {"esm_model_files", encoder_fingerprint(o_.esm_model)}});
    ckpt_->check();
    loaded_ = models::load_esm2(o_.esm_model, {});
    if (!SafetensorsCheckpoint(o_.esm_model).contains("esm.embeddings.word_embeddings.weight"))
        esm_prefix_.clear();
    model_ = std::make_unique<models::Esm2MaskedLM>(loaded_.model);
}

int ProteinPretrainRun::resume_from(EpochPosition& within) {
    PretrainProgress p;
    if (!ckpt_->load(p, r_.history)) return 0;
    step_ = p.step;
    r_.best_epoch = p.best_epoch;
    r_.best_valid_loss = p.best_valid_loss;
    saved_ = p.saved;
    within = p.within;
    log_resuming(o_, p);
    return p.epoch + 1;
}

void ProteinPretrainRun::run() {
    load_model();
    std::vector<Residues> seqs = read();
    check_read(seqs.size());
    split(std::move(seqs));
    torch::optim::AdamW opt(model_->parameters(),
                            torch::optim::AdamWOptions(o_.lr).weight_decay(o_.weight_decay));
    ckpt_->attach(model_->parameters(), opt);
    std::mt19937_64 count_rng(0);
    total_steps_ = static_cast<std::int64_t>(batches(train_, count_rng, false).size()) * o_.epochs;
    log_info("pretrain: " + std::to_string(r_.train_size) + " training / " +
             std::to_string(r_.valid_size) + " validation sequences (" +
             std::to_string(r_.cropped) + " longer than " + std::to_string(crop_) +
             " residues, cropped to a random window), " + std::to_string(r_.valid_masked) +
             " masked validation residues, " + std::to_string(total_steps_) + " steps");
    EpochPosition within;
    const int first = resume_from(within);
    if (first == 0) {
        PretrainEpoch start;
        validate(start);
        if (!std::isfinite(start.valid_loss))
            throw ModelError("'" + o_.esm_model +
                             "': the masked-LM loss of the input model is not finite (NaN/inf) "
                             "on the validation sequences; its weights are unusable");
        finish_epoch(start);
    }
    for (int epoch = std::max(first, 1); epoch <= o_.epochs; ++epoch, within = {}) {
        const auto t0 = std::chrono::steady_clock::now();
        const double seconds_before = within.seconds;
        PretrainEpoch e;
        e.epoch = epoch;
        e.train_loss = train_epoch(epoch, opt, within);
        e.lr = lr_at(std::max<std::int64_t>(step_ - 1, 0));
        validate(e);
        e.seconds = seconds_before + seconds_since(t0);
        if (!finish_epoch(e)) break;
        if (stopped_) {
            log_stopped(o_, epoch);
            r_.completed = false;
            return;  // the checkpoint stays for --resume
        }
    }
    ckpt_->remove();  // complete: DIR is the model alone
}

}  // namespace

PretrainResult run_pretrain_protein(const PretrainOptions& options) {
    check_protein_options(options);
    if (options.threads > 0) models::set_threads(options.threads);
    PretrainResult result;
    ProteinPretrainRun run(options, result);
    try {
        run.run();
    } catch (const Interrupted&) {
        if (run.saved_epoch() >= 0)
            log_warn(options.output + " holds " +
                     (run.saved_epoch() == 0 ? std::string("the input model (epoch 0)")
                                             : "epoch " + std::to_string(run.saved_epoch()) +
                                                   " of " + std::to_string(options.epochs)) +
                     ", the best so far (valid loss " + std::to_string(result.best_valid_loss) +
                     "), a usable ESM-2 checkpoint");
        log_resume_note(options, run.checkpointed_epoch(), run.checkpointed_batch());
        throw;
    }
    return result;
}

}  // namespace plmkit::pipelines
