#include "pipelines/pretrain_job.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>

#include <ATen/ATen.h>
#include <torch/types.h>  // before clip_grad.h, which uses torch::Tensor without including it

#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>

#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <filesystem>

#include "data/molecule_reader.hpp"
#include "models/smiles_encoder.hpp"
#include "models/torch_runtime.hpp"
#include "pipelines/epoch_progress.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/pretrain_history.hpp"
#include "pipelines/pretrain_masking.hpp"
#include "pipelines/pretrain_protein.hpp"
#include "pipelines/pretrain_resume.hpp"
#include "pipelines/property_table.hpp"
#include "pipelines/smiles_lm_featurizer.hpp"
#include "pipelines/train_checks.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/runtime.hpp"
#include "src/strings.hpp"
#include "src/version.hpp"
#include "tokenizers/batching.hpp"
#include "tokenizers/smiles_tokenizer.hpp"

namespace plmkit::pipelines {
namespace {

using Ids = std::vector<std::int32_t>;
using Rows = std::vector<const Ids*>;

/// One batch with its masked positions: `input` [B,T] after masking,
/// `positions` flat indices into B*T, `labels` the original ids there.
struct MaskedBatch {
    at::Tensor input, positions, labels;
    std::int64_t masked() const { return positions.defined() ? positions.numel() : 0; }
};

MaskedBatch mask_batch(const Rows& rows, double p, std::int64_t vocab_size, std::mt19937_64& rng) {
    std::vector<Ids> seqs;
    seqs.reserve(rows.size());
    for (const Ids* r : rows)
        seqs.push_back(*r);
    tokenizers::PaddedBatch pb = tokenizers::pad_batch(seqs, tokenizers::Vocab::kPad);
    std::vector<std::int64_t> positions, labels;
    bert_mask_rows(pb, smiles_masking(p, vocab_size), rng, positions, labels);
    MaskedBatch out;
    const auto B = static_cast<std::int64_t>(pb.batch), T = static_cast<std::int64_t>(pb.max_len);
    out.input = at::from_blob(pb.ids.data(), {B, T}, at::kLong).clone();
    const auto m = static_cast<std::int64_t>(positions.size());
    out.positions = at::from_blob(positions.data(), {m}, at::kLong).clone();
    out.labels = at::from_blob(labels.data(), {m}, at::kLong).clone();
    return out;
}

/// Mean cross-entropy over the masked positions, and the number correct.
at::Tensor batch_loss(models::SmilesEncoder& model, const MaskedBatch& batch,
                      std::int64_t* correct) {
    at::Tensor hidden = model->forward(batch.input);
    at::Tensor sel = hidden.reshape({-1, hidden.size(2)}).index_select(0, batch.positions);
    at::Tensor logits = model->mlm_logits(sel);
    if (correct) *correct = logits.argmax(-1).eq(batch.labels).sum().item<std::int64_t>();
    return at::nll_loss(at::log_softmax(logits, -1), batch.labels);
}

constexpr std::size_t kSkipsShown = 5;  ///< skipped records named on stderr

struct Corpus {
    std::vector<std::vector<std::string>> tokens;
};

Corpus read_corpus(const PretrainOptions& o, PretrainResult& result) {
    data::MoleculeReaderOptions ro;
    ro.smiles_col = o.smiles_col;
    ro.keep_props = false;
    data::MoleculeReader reader(o.data, ro);
    Corpus corpus;
    data::MoleculeRecord rec;
    const bool sdf = reader.format() == "sdf";
    auto skip = [&](const std::string& why) {
        ++result.skipped;
        // The reader's own errors may begin with the place already.
        const std::string where = reader.path() + ":" + std::to_string(rec.line) + ": ";
        if (result.skip_reasons.size() < kSkipsShown)
            result.skip_reasons.push_back(why.rfind(where, 0) == 0 ? why : where + why);
        // An unparsed SD record by its line; a table's empty SMILES as it is.
        const bool block = sdf && rec.smiles.empty();
        result.rejects.push_back(
            reject_line(rec.index, rec.id,
                        block ? "(mol block at line " + std::to_string(rec.line) + ")" : rec.smiles,
                        why) +
            "\t" + std::to_string(rec.line));
    };
    while ((o.max_records == 0 || result.records < o.max_records) && reader.next(rec)) {
        throw_if_interrupted();
        ++result.records;
        if (!rec.error.empty()) {
            skip(rec.error);
            continue;
        }
        if (rec.smiles.empty() && !rec.molblock.empty()) {  // SDF: RDKit's canonical SMILES
            ParseResult parsed = parse_molblock(rec.molblock);
            if (!parsed.mol) {
                skip("unparsable mol block: " + parsed.error);
                continue;
            }
            rec.smiles = RDKit::MolToSmiles(*parsed.mol);
        }
        tokenizers::SmilesTokenization t = tokenizers::SmilesTokenizer::tokenize(rec.smiles);
        if (!t.ok) {
            skip(t.reason);
        } else if (static_cast<std::int64_t>(t.tokens.size()) + 2 > o.max_len) {
            skip(std::to_string(t.tokens.size()) + " tokens, more than --max-len - 2");
        } else if (std::string why = sdf ? "" : smiles_parse_error(rec.smiles); !why.empty()) {
            // As the smiles-lm featurizer: train and predict reject what RDKit
            // cannot parse, so the encoder never learns from it either.
            skip(why);
        } else {
            corpus.tokens.push_back(std::move(t.tokens));
        }
    }
    return corpus;
}

void check_options(const PretrainOptions& o) {
    if (o.kind != "smiles")
        throw UsageError("--kind must be smiles or protein, got '" + o.kind + "'");
    check_shared_options(o);
    if (o.epochs < 1) throw UsageError("--epochs must be at least 1");
    if (!(o.dropout >= 0 && o.dropout < 1))
        throw UsageError("--dropout must be in [0, 1), got " + std::to_string(o.dropout));
    if (o.hidden < 1 || o.heads < 1 || o.hidden % o.heads != 0)
        throw UsageError("--hidden must be a positive multiple of --heads, got " +
                         std::to_string(o.hidden) + " and " + std::to_string(o.heads));
    if (o.layers < 1 || o.ffn < 1)
        throw UsageError("--layers and --ffn must be >= 1, got " + std::to_string(o.layers) +
                         " and " + std::to_string(o.ffn));
    if (o.max_len < 3)
        throw UsageError("--max-len must be at least 3 (<cls>, a token, <eos>), got " +
                         std::to_string(o.max_len));
}

class PretrainRun {
  public:
    PretrainRun(const PretrainOptions& o, PretrainResult& r)
        : o_(o),
          r_(r),
          data_file_(resume_fingerprint(o.data)),
          ckpt_(o, run_options(), {{"data_file", data_file_}}) {}
    void run();
    /// The last epoch checkpointed in <output>/checkpoints (-1: none).
    int checkpointed_epoch() const { return ckpt_.epoch(); }
    /// The steps of the next epoch in that checkpoint (0: none).
    std::int64_t checkpointed_batch() const { return ckpt_.batch(); }

  private:
    /// Logs the skipped records; UsageError for fewer than 2 usable SMILES.
    void check_corpus(const Corpus& corpus) const;
    void prepare(const Corpus& corpus);
    /// The encoder for the vocabulary, initialized from the seed.
    void build_model();
    /// Writes LM_DIR for `e`, the best epoch so far.
    void save(const PretrainEpoch& e);
    nlohmann::json options_json() const;
    /// What --resume compares: the training options and the model sizes.
    nlohmann::json run_options() const;
    PretrainProgress progress(const EpochPosition& within = {}) const;
    /// With --resume: the checkpoint's weights, optimizer and epochs; the
    /// first epoch to train, and `within` it where a mid-epoch checkpoint was.
    int resume_from(EpochPosition& within);
    /// Records epoch `e` and writes it (the model when it is the best so
    /// far) with its checkpoint. False: the loss diverged, stop.
    bool finish_epoch(PretrainEpoch& e);
    std::vector<Rows> epoch_batches(int epoch) const;
    /// Trains `epoch` from `at` (its batches done before a resume; updated
    /// as it goes, for --checkpoint-every); the epoch's train loss.
    double train_epoch(int epoch, torch::optim::AdamW& opt, EpochPosition& at);
    void validate(double* loss, double* accuracy);
    /// A non-finite loss at `epoch`: a warning when an epoch was saved (it
    /// stays in LM_DIR and training stops), else UsageError (no encoder).
    void stop_diverged(int epoch) const;
    double lr_at(std::int64_t step) const { return pretrain_lr(o_, step, total_steps_); }

    const PretrainOptions& o_;
    PretrainResult& r_;
    nlohmann::json data_file_;  ///< size and xxh64 of --data
    PretrainCheckpoint ckpt_;
    tokenizers::Vocab vocab_;
    std::vector<Ids> train_, valid_;
    std::vector<MaskedBatch> valid_batches_;
    models::SmilesEncoder model_{nullptr};
    std::int64_t step_ = 0, total_steps_ = 1;
    bool stopped_ = false;  ///< --stop-after-epochs reached
};

void PretrainRun::prepare(const Corpus& corpus) {
    const std::size_t n = corpus.tokens.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(o_.seed);
    std::shuffle(order.begin(), order.end(), rng);
    const auto n_valid = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::llround(o_.valid_fraction * static_cast<double>(n))));
    if (n_valid >= n)
        throw UsageError("--valid-fraction " + std::to_string(o_.valid_fraction).substr(0, 5) +
                         " of " + std::to_string(n) +
                         " usable SMILES leaves none for training; lower it or give more data");
    tokenizers::VocabBuilder builder;
    std::vector<std::string_view> views;
    auto as_views = [&](std::size_t i) -> const std::vector<std::string_view>& {
        views.assign(corpus.tokens[i].begin(), corpus.tokens[i].end());
        return views;
    };
    for (std::size_t k = n_valid; k < n; ++k)
        builder.add(as_views(order[k]));
    vocab_ = builder.build({o_.min_frequency, 0});
    Ids ids;
    for (std::size_t k = 0; k < n; ++k) {
        vocab_.encode(as_views(order[k]), ids, true);
        (k < n_valid ? valid_ : train_).push_back(ids);
    }
    r_.train_size = train_.size();
    r_.valid_size = valid_.size();
    r_.vocab_size = vocab_.size();
    // Validation masks are drawn once: every epoch scores the same task. A
    // draw that chose no token at all (a tiny validation set) is drawn again.
    std::mt19937_64 vrng(o_.seed ^ 0x9e3779b97f4a7c15ULL);
    for (int draw = 0; draw < kValidDraws && r_.valid_masked == 0; ++draw) {
        Rows rows;
        for (std::size_t i = 0; i < valid_.size(); ++i) {
            rows.push_back(&valid_[i]);
            if (rows.size() == static_cast<std::size_t>(o_.batch_size) || i + 1 == valid_.size()) {
                MaskedBatch b = mask_batch(rows, o_.mask_prob, vocab_.size(), vrng);
                if (b.masked() > 0) valid_batches_.push_back(b), r_.valid_masked += b.masked();
                rows.clear();
            }
        }
    }
    check_valid_masked(o_, r_, "SMILES", "token");
}

std::vector<Rows> PretrainRun::epoch_batches(int epoch) const {
    std::mt19937_64 rng(o_.seed * 1000003ULL + static_cast<std::uint64_t>(epoch));
    std::vector<std::size_t> order(train_.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<Rows> batches;
    if (o_.max_tokens > 0) {
        std::vector<std::size_t> lengths;
        for (std::size_t i : order)
            lengths.push_back(train_[i].size());
        for (const auto& group : tokenizers::token_budget_batches(lengths, {o_.max_tokens, 0})) {
            batches.emplace_back();
            for (std::size_t k : group)
                batches.back().push_back(&train_[order[k]]);
        }
        std::shuffle(batches.begin(), batches.end(), rng);
    } else {
        for (std::size_t k = 0; k < order.size(); ++k) {
            if (k % static_cast<std::size_t>(o_.batch_size) == 0) batches.emplace_back();
            batches.back().push_back(&train_[order[k]]);
        }
    }
    return batches;
}

double PretrainRun::train_epoch(int epoch, torch::optim::AdamW& opt, EpochPosition& at) {
    const auto t0 = std::chrono::steady_clock::now();
    const double seconds_before = at.seconds;
    model_->train();
    // Dropout; resumed within the epoch, the generator's state is the checkpoint's.
    if (at.batch == 0) at::manual_seed(o_.seed * 7919ULL + static_cast<std::uint64_t>(epoch));
    std::mt19937_64 rng(o_.seed * 104729ULL + static_cast<std::uint64_t>(epoch));  // masks
    const std::vector<Rows> batches = epoch_batches(epoch);
    const auto first = std::min(static_cast<std::size_t>(at.batch), batches.size());
    for (std::size_t k = 0; k < first; ++k)  // the masks drawn before
        mask_batch(batches[k], o_.mask_prob, vocab_.size(), rng);
    EpochProgress shown(
        {epoch, o_.epochs, batches.size() - first, "tokens", o_.progress, o_.log_every});
    for (std::size_t k = first; k < batches.size(); ++k) {
        throw_if_interrupted();
        MaskedBatch b = mask_batch(batches[k], o_.mask_prob, vocab_.size(), rng);
        if (b.masked() == 0) continue;
        const double lr = lr_at(step_++);
        for (auto& g : opt.param_groups())
            static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
        opt.zero_grad();
        at::Tensor loss = batch_loss(model_, b, nullptr);
        loss.backward();
        if (o_.clip_norm > 0) torch::nn::utils::clip_grad_norm_(model_->parameters(), o_.clip_norm);
        opt.step();
        at.loss_sum += loss.item<double>() * static_cast<double>(b.masked());
        at.masked += b.masked();
        shown.step(static_cast<std::uint64_t>(
                       b.input.ne(tokenizers::Vocab::kPad).sum().item<std::int64_t>()),
                   loss.item<double>(), static_cast<std::uint64_t>(b.masked()));
        at.batch = static_cast<std::int64_t>(k + 1);
        if (ckpt_.due(at.batch, batches.size())) {
            at.seconds = seconds_before + seconds_since(t0);
            ckpt_.write(o_.output, progress(at), r_.history);
        }
        ckpt_.step_done();
    }
    shown.done();
    return at.masked ? at.loss_sum / static_cast<double>(at.masked) : 0.0;
}

void PretrainRun::validate(double* loss, double* accuracy) {
    model_->eval();
    at::NoGradGuard no_grad;
    double loss_sum = 0;
    std::int64_t correct = 0, masked = 0;
    for (const MaskedBatch& b : valid_batches_) {
        std::int64_t c = 0;
        loss_sum += batch_loss(model_, b, &c).item<double>() * static_cast<double>(b.masked());
        correct += c;
        masked += b.masked();
    }
    *loss = masked ? loss_sum / static_cast<double>(masked) : 0.0;
    *accuracy = masked ? static_cast<double>(correct) / static_cast<double>(masked) : 0.0;
}

void PretrainRun::stop_diverged(int epoch) const {
    const std::string what = "pretrain epoch " + std::to_string(epoch) +
                             ": the loss is not finite (NaN/inf): training diverged";
    char lr[32];
    std::snprintf(lr, sizeof lr, "%g", o_.lr);
    const std::string advice = "a lower --lr than " + std::string(lr) + " may help";
    if (r_.best_epoch == 0) {
        ckpt_.remove();  // no encoder: LM_DIR is left as it was, absent or empty
        throw UsageError(what + " before any usable epoch, so no encoder was written; " + advice);
    }
    log_warn(what + "; stopping, " + o_.output + " keeps epoch " + std::to_string(r_.best_epoch) +
             "; " + advice);
}

char* fmt(char* buf, std::size_t n, const PretrainEpoch& e, int epochs) {
    std::snprintf(buf, n,
                  "pretrain epoch %d/%d: train loss %.4f, valid loss %.4f (perplexity %.3f), "
                  "valid masked acc %.4f, lr %.2e, %.1fs%s",
                  e.epoch, epochs, e.train_loss, e.valid_loss, std::exp(e.valid_loss),
                  e.valid_accuracy, e.lr, e.seconds, e.saved ? " (saved)" : "");
    return buf;
}

void PretrainRun::check_corpus(const Corpus& corpus) const {
    for (const auto& why : r_.skip_reasons)
        log_warn("skipped " + why);
    if (corpus.tokens.size() < 2)
        throw UsageError(
            o_.data + ": " + std::to_string(corpus.tokens.size()) + " usable SMILES of " +
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

void PretrainRun::build_model() {
    models::SmilesEncoderConfig c;
    c.vocab_size = static_cast<std::int64_t>(vocab_.size());
    c.hidden = o_.hidden, c.layers = o_.layers, c.heads = o_.heads, c.ffn = o_.ffn;
    c.max_len = o_.max_len, c.dropout = o_.dropout;
    c.validate();
    at::manual_seed(o_.seed);
    model_ = models::SmilesEncoder(c);
}

/// The training options, so that the run can be repeated from its config.json
/// (the model sizes are the config's own keys).
nlohmann::json PretrainRun::options_json() const {
    nlohmann::json j = shared_training_options(o_);
    j["smiles_col"] = o_.smiles_col;
    j["min_freq"] = o_.min_frequency;
    return j;
}

nlohmann::json PretrainRun::run_options() const {
    nlohmann::json j = options_json();
    j["kind"] = o_.kind;
    for (const auto& [key, value] : {std::pair<const char*, std::int64_t>{"hidden", o_.hidden},
                                     {"layers", o_.layers},
                                     {"heads", o_.heads},
                                     {"ffn", o_.ffn},
                                     {"max_len", o_.max_len}})
        j[key] = value;
    j["dropout"] = o_.dropout;
    return j;
}

PretrainProgress PretrainRun::progress(const EpochPosition& within) const {
    PretrainProgress p = pretrain_progress(r_, step_, r_.best_epoch > 0);
    p.epoch = std::max(p.epoch, 0);  // within epoch 1: resumed in epoch 0 + 1
    p.within = within;
    return p;
}

int PretrainRun::resume_from(EpochPosition& within) {
    PretrainProgress p;
    if (!ckpt_.load(p, r_.history)) return 1;
    step_ = p.step;
    r_.best_epoch = p.best_epoch;
    r_.best_valid_loss = p.best_valid_loss;
    within = p.within;
    log_resuming(o_, p);
    return p.epoch + 1;
}

void PretrainRun::save(const PretrainEpoch& e) {
    r_.best_epoch = e.epoch;
    r_.best_valid_loss = e.valid_loss;
    nlohmann::json extra = {{"data", o_.data},
                            {"data_file", data_file_},
                            {"plmkit_version", version()},
                            {"epoch", e.epoch},
                            {"valid_loss", e.valid_loss},
                            {"valid_perplexity", std::exp(e.valid_loss)},
                            {"valid_accuracy", e.valid_accuracy},
                            {"train_size", r_.train_size},
                            {"valid_size", r_.valid_size},
                            {"mask_prob", o_.mask_prob},
                            {"seed", o_.seed},
                            {"options", options_json()}};
    // Replaces LM_DIR with the model, its rejects and this epoch's checkpoint.
    models::save_smiles_encoder(model_, vocab_, o_.output, extra, [&](const std::string& tmp) {
        write_rejects(tmp + "/rejects.tsv", r_.rejects, "smiles", "line");
        write_pretrain_history(tmp, r_.history);
        ckpt_.write(tmp, progress(), r_.history);
    });
}

bool PretrainRun::finish_epoch(PretrainEpoch& e) {
    if (!std::isfinite(e.train_loss) || !std::isfinite(e.valid_loss)) {
        stop_diverged(e.epoch);  // throws when no epoch was saved
        return false;
    }
    e.saved = r_.best_epoch == 0 || e.valid_loss < r_.best_valid_loss;
    r_.history.push_back(e);
    if (e.saved) {
        save(e);
    } else {
        write_pretrain_history(o_.output, r_.history);
        ckpt_.write(o_.output, progress(), r_.history);
    }
    char buf[256];
    if (o_.log_epochs) log_info(fmt(buf, sizeof buf, e, o_.epochs));
    stopped_ = ckpt_.epoch_done() && e.epoch < o_.epochs;
    return true;
}

void PretrainRun::run() {
    ckpt_.check();
    Corpus corpus = read_corpus(o_, r_);
    check_corpus(corpus);
    prepare(corpus);
    corpus = {};
    build_model();
    torch::optim::AdamW opt(model_->parameters(),
                            torch::optim::AdamWOptions(o_.lr).weight_decay(o_.weight_decay));
    ckpt_.attach(model_->parameters(), opt);
    total_steps_ = static_cast<std::int64_t>(epoch_batches(1).size()) * o_.epochs;
    log_info("pretrain: " + std::to_string(r_.train_size) + " training / " +
             std::to_string(r_.valid_size) + " validation SMILES, vocabulary " +
             std::to_string(r_.vocab_size) + " tokens, " + std::to_string(total_steps_) + " steps");
    EpochPosition within;
    for (int epoch = resume_from(within); epoch <= o_.epochs; ++epoch, within = {}) {
        const auto t0 = std::chrono::steady_clock::now();
        const double seconds_before = within.seconds;
        PretrainEpoch e;
        e.epoch = epoch;
        e.train_loss = train_epoch(epoch, opt, within);
        e.lr = lr_at(std::max<std::int64_t>(step_ - 1, 0));
        validate(&e.valid_loss, &e.valid_accuracy);
        e.seconds = seconds_before + seconds_since(t0);
        if (!finish_epoch(e)) break;
        if (stopped_) {
            log_stopped(o_, epoch);
            r_.completed = false;
            return;  // the checkpoint stays for --resume
        }
    }
    ckpt_.remove();  // complete: LM_DIR is the model alone
}

}  // namespace

void check_new_output(const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(dir, ec)) return;
    if (!fs::is_directory(dir, ec))
        throw UsageError("--output '" + dir + "' is a file, expected a new LM_DIR");
    for (const auto& entry : fs::directory_iterator(dir, ec))
        throw UsageError("--output '" + dir + "' already exists and is not empty ('" +
                         entry.path().filename().string() +
                         "' is there); choose a new LM_DIR or remove it");
}

void check_shared_options(const PretrainOptions& o) {
    if (o.data.empty()) throw UsageError("--data is required");
    if (o.output.empty()) throw UsageError("--output is required");
    check_pretrain_output(o);
    if (o.batch_size < 1) throw UsageError("--batch-size must be at least 1");
    if (!(o.mask_prob > 0 && o.mask_prob < 1))
        throw UsageError("--mask-prob must be in (0, 1), got " + std::to_string(o.mask_prob));
    if (!(o.valid_fraction > 0 && o.valid_fraction < 1))
        throw UsageError("--valid-fraction must be in (0, 1), got " +
                         std::to_string(o.valid_fraction));
    if (!(o.lr > 0) || !std::isfinite(o.lr)) throw UsageError("--lr must be positive");
    if (!(o.weight_decay >= 0) || !std::isfinite(o.weight_decay))
        throw UsageError("--weight-decay must be >= 0, got " + std::to_string(o.weight_decay));
    if (o.threads < 0)
        throw UsageError("--threads must be >= 0 (0 = all cores), got " +
                         std::to_string(o.threads));
    if (!(o.log_every >= 0))
        throw UsageError("--log-every must be >= 0 seconds (0 = after every step), got " +
                         std::to_string(o.log_every));
    if (o.stop_after_epochs < 0)
        throw UsageError("--stop-after-epochs must be >= 1, got " +
                         std::to_string(o.stop_after_epochs));
    if (o.checkpoint_every < 0)
        throw UsageError("--checkpoint-every must be >= 0 steps (0 = at epochs' ends only), got " +
                         std::to_string(o.checkpoint_every));
}

void check_valid_masked(const PretrainOptions& o, const PretrainResult& r, const std::string& items,
                        const std::string& unit) {
    if (r.valid_masked > 0) return;
    char p[32];
    std::snprintf(p, sizeof p, "%g", o.mask_prob);
    throw UsageError("--mask-prob " + std::string(p) + " chose no " + unit + " of the " +
                     std::to_string(r.valid_size) + " validation " + items + " in " +
                     std::to_string(kValidDraws) +
                     " draws: there is no validation loss to pick the best epoch by; raise "
                     "--valid-fraction (or --mask-prob), or give more data");
}

double pretrain_lr(const PretrainOptions& o, std::int64_t step, std::int64_t total_steps) {
    const double warm = std::max(1.0, o.warmup_fraction * static_cast<double>(total_steps));
    const double s = static_cast<double>(step);
    if (s < warm) return o.lr * (s + 1) / warm;
    const double rest = std::max(1.0, static_cast<double>(total_steps) - warm);
    return o.lr * (0.1 + 0.9 * std::max(0.0, 1.0 - (s - warm) / rest));
}

PretrainResult run_pretrain(const PretrainOptions& options) {
    if (options.kind == "protein") return run_pretrain_protein(options);
    check_options(options);
    if (options.threads > 0) models::set_threads(options.threads);
    PretrainResult result;
    PretrainRun run(options, result);
    try {
        run.run();
    } catch (const Interrupted&) {
        // Ctrl-C or SIGTERM: LM_DIR keeps the best epoch so far; say which,
        // and how to go on.
        if (result.best_epoch > 0)
            log_warn(options.output + " holds epoch " + std::to_string(result.best_epoch) + " of " +
                     std::to_string(options.epochs) + ", the best so far (valid loss " +
                     std::to_string(result.best_valid_loss) + "), usable as an encoder");
        log_resume_note(options, run.checkpointed_epoch(), run.checkpointed_batch());
        throw;
    }
    return result;
}

}  // namespace plmkit::pipelines
