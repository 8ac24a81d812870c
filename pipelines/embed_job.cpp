#include "pipelines/embed_job.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>

#include "data/sequence_reader.hpp"
#include "models/esm2_loader.hpp"
#include "models/torch_runtime.hpp"
#include "pipelines/embed_checkpoint.hpp"
#include "pipelines/embed_merge.hpp"
#include "pipelines/embed_options.hpp"
#include "pipelines/embedding_file.hpp"
#include "pipelines/esm2_embedder.hpp"
#include "pipelines/shard.hpp"
#include "src/atomic_file.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/line_reader.hpp"
#include "src/log.hpp"
#include "src/progress.hpp"
#include "src/runtime.hpp"
#include "src/strings.hpp"
#include "tokenizers/batching.hpp"

namespace plmkit::pipelines {
namespace {

/// A window ends at --checkpoint-every sequences or this many bytes of held
/// outputs, whichever comes first: enough to length-sort well, small enough to
/// keep memory flat.
constexpr std::size_t kWindowBytes = std::size_t{256} << 20;

struct WindowItem {
    std::string id;
    std::int64_t record_index = 0;  ///< 0-based input record number (/record_index)
    std::vector<std::int32_t> ids;
    std::size_t residues = 0;         ///< embedded (after --truncate)
    std::int64_t input_residues = 0;  ///< in the record (/original_lengths)
};

/// What a window's part is written with.
struct PartSpec {
    EmbeddingFileLayout layout;
    std::vector<Hdf5Attribute> attributes;  ///< provenance
};

/// One run: reads, rejects, batches, embeds and writes, window by window;
/// each window is one checkpoint part.
class EmbedRun {
  public:
    EmbedRun(const EmbedOptions& opt, const Shard& shard, models::LoadedEsm2& loaded, Device device,
             EmbedCheckpoint& checkpoint, PartSpec spec)
        : opt_(opt),
          shard_(shard),
          content_(spec.layout.content),
          tokenizer_(loaded.tokenizer),
          embedder_(loaded.model, spec.layout.content, device),
          checkpoint_(checkpoint),
          spec_(std::move(spec)),
          hidden_(static_cast<std::size_t>(loaded.config.hidden_size)),
          progress_(progress_options(opt, shard, checkpoint.done().read)) {}

    EmbedSummary run() {
        const EmbedPartCounts done = checkpoint_.done();
        add_counts(summary_, done);
        summary_.resumed_sequences = done.accepted;
        summary_.resumed_residues = done.residues;
        data::SequenceReader reader(opt_.input, embed_reader_options(opt_));
        data::SequenceRecord rec;
        while (reader.next(rec)) {
            // Records of finished parts are read again (the duplicate-id
            // check needs them), not embedded.
            if (rec.index < done.records_end || !shard_.contains(rec.index)) continue;
            ++part_counts_.read;
            part_counts_.records_end = rec.index + 1;
            consider(rec, reader.path());
            if (window_.size() >= opt_.checkpoint_every || window_bytes_ >= kWindowBytes) {
                flush_window();
                log_batch_progress();
            }
            throw_if_interrupted();
        }
        // The last part (none when the finished parts hold every record; an
        // empty one for an input without records, so that the output exists).
        if (part_counts_.read > 0 || checkpoint_.parts() == 0) flush_window();
        // An empty file (a failed upstream step, a wrong path) is not an
        // error, but an output without sequences should not pass unnoticed.
        if (reader.records() == 0)
            log_warn(reader.path() + ": " + reader.no_records_reason() +
                     ": the output holds no sequences");
        progress_.finish();
        summary_.seconds = progress_.elapsed_seconds();
        return summary_;
    }

  private:
    /// `done`: records of the checkpoints, left out of the total and the rate.
    static ProgressOptions progress_options(const EmbedOptions& opt, const Shard& shard,
                                            std::uint64_t done) {
        ProgressOptions p;
        p.label = "embedding";
        p.item_name = "sequences";
        p.unit_name = "residues";
        p.enabled = opt.progress;
        // The records of a regular file (not standard input nor a pipe, whose
        // records the count would use up), counted first as screen does, give
        // the line (and the log lines of a batch job) its total, percentage
        // and ETA. Rejected records count as done, so the line ends at 100%.
        if (opt.progress && is_rereadable_file(opt.input))
            p.total_items = shard.records_of(data::count_sequence_records(
                                opt.input, embed_reader_options(opt))) -
                            done;
        return p;
    }

    static void add_counts(EmbedSummary& s, const EmbedPartCounts& c) {
        s.read += c.read;
        s.accepted += c.accepted;
        s.truncated += c.truncated;
        s.rejected += c.rejected;
        s.residues += c.residues;
    }

    /// Where stderr is not a terminal (a Slurm log), no progress line is
    /// drawn: a plain line after the first finished window and then at most
    /// one a minute tells the log how far the run is, and its ETA.
    void log_batch_progress() {
        if (!opt_.progress || progress_.drawing()) return;
        auto now = std::chrono::steady_clock::now();
        if (logged_progress_ && now - last_progress_log_ < std::chrono::seconds(60)) return;
        logged_progress_ = true;
        last_progress_log_ = now;
        log_info(progress_.status() + " (" + count_noun(checkpoint_.parts(), "checkpoint part") +
                 " in " + EmbedCheckpoint::dir_for(opt_.output) + ")");
    }

    /// The part of the current window, created at its first record.
    EmbedPart& part() {
        if (!part_)
            part_ = std::make_unique<EmbedPart>(checkpoint_.part_path(checkpoint_.parts()),
                                                spec_.layout, spec_.attributes);
        return *part_;
    }

    void reject(const data::SequenceRecord& rec, const std::string& reason) {
        part().rejects().row({rec.id, std::to_string(rec.line), reason});
        ++part_counts_.rejected;
        progress_.add(1);
    }

    void consider(data::SequenceRecord& rec, const std::string& path) {
        if (!rec.error.empty()) return reject(rec, rec.error);
        tokenizers::EsmEncodeOptions eo;
        eo.truncate = opt_.truncate;
        tokenizers::EsmEncoding enc = tokenizer_.encode(rec.sequence, eo);
        if (!enc.ok) return reject(rec, enc.reason);
        if (enc.truncated) {
            std::string what = std::to_string(enc.original_residues) +
                               " residues, longer than --truncate " + std::to_string(opt_.truncate);
            if (opt_.long_policy == "skip")
                return reject(rec, "longer than " + std::to_string(opt_.truncate) + " residues (" +
                                       std::to_string(enc.original_residues) + ")");
            if (opt_.long_policy == "error")
                throw InputError(path + ":" + std::to_string(rec.line) + ": record '" + rec.id +
                                 "' has " + what + " (--long error; use --long truncate or skip)");
            ++part_counts_.truncated;
        }
        if (enc.residues > kTrainedResidues && !warned_untrained_length_) {
            warned_untrained_length_ = true;
            log_warn(
                path + ":" + std::to_string(rec.line) + ": record '" + rec.id + "' has " +
                std::to_string(enc.residues) + " residues, more than the " +
                std::to_string(kTrainedResidues) +
                " ESM-2 was trained on (1024 positions with <cls> and <eos>); with --truncate " +
                std::to_string(opt_.truncate) +
                " it is embedded whole, which fair-esm's extract.py cuts at 1022 by default; "
                "embeddings past that length are untested (later such records are not named; "
                "/lengths holds every length)");
        }
        window_bytes_ += held_bytes(enc.residues);
        window_.push_back({std::move(rec.id), static_cast<std::int64_t>(rec.index),
                           std::move(enc.ids), enc.residues,
                           static_cast<std::int64_t>(enc.original_residues)});
    }

    /// Bytes of outputs a sequence of `len` residues holds until its window is written.
    std::size_t held_bytes(std::size_t len) const {
        std::size_t layers = content_.layers.size();
        std::size_t per_res = (content_.per_tok ? hidden_ * layers : 0) +
                              (content_.logits ? 33 : 0) + (content_.contacts ? len : 0) + 1;
        return 4 * (len * per_res + 2 * hidden_ * layers) + 4 * len;
    }

    /// Embeds the window, writes it to its part and commits the part (also
    /// a part of rejects only, or an empty one for an input without records).
    void flush_window() {
        if (!window_.empty()) embed_window();
        // A signal's handler has removed the part's temporary files by now.
        throw_if_interrupted();
        part().commit(part_counts_);
        checkpoint_.commit_part(part_counts_);
        add_counts(summary_, part_counts_);
        part_.reset();
        part_counts_ = {};
        window_.clear();
        window_bytes_ = 0;
    }

    void embed_window() {
        std::vector<std::size_t> lengths;
        for (const auto& w : window_)
            lengths.push_back(w.ids.size());
        tokenizers::TokenBudgetOptions bo;
        bo.max_tokens = opt_.max_tokens;
        std::vector<SequenceEmbedding> results(window_.size());
        for (const auto& batch : tokenizers::token_budget_batches(lengths, bo)) {
            std::vector<const std::vector<std::int32_t>*> rows;
            std::uint64_t residues = 0;
            for (std::size_t i : batch) {
                rows.push_back(&window_[i].ids);
                residues += window_[i].residues;
            }
            auto out = embedder_.embed(rows);
            for (std::size_t j = 0; j < batch.size(); ++j)
                results[batch[j]] = std::move(out[j]);
            progress_.add(batch.size(), residues);
            part_counts_.residues += residues;
            throw_if_interrupted();
        }
        std::vector<std::string> ids;
        std::vector<std::int64_t> record_index, original_lengths;
        for (auto& w : window_) {
            ids.push_back(std::move(w.id));
            record_index.push_back(w.record_index);
            original_lengths.push_back(w.input_residues);
        }
        part().file().append(ids, results, record_index, original_lengths);
        part_counts_.accepted += window_.size();
    }

    const EmbedOptions& opt_;
    Shard shard_;
    EmbedContent content_;
    const tokenizers::EsmTokenizer& tokenizer_;
    Esm2Embedder embedder_;
    EmbedCheckpoint& checkpoint_;
    PartSpec spec_;
    std::size_t hidden_;
    Progress progress_;
    EmbedSummary summary_;
    std::unique_ptr<EmbedPart> part_;
    EmbedPartCounts part_counts_;
    std::vector<WindowItem> window_;
    std::size_t window_bytes_ = 0;
    bool logged_progress_ = false;
    bool warned_untrained_length_ = false;
    /// Residues per sequence in ESM-2's training crops (1024 tokens less <cls>, <eos>).
    static constexpr std::size_t kTrainedResidues = 1022;
    std::chrono::steady_clock::time_point last_progress_log_;
};

std::string fixed(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

void log_summary(const EmbedSummary& s, const EmbedOptions& opt) {
    // The rate of this run: the checkpoints' residues took the interrupted one's time.
    double rate =
        s.seconds > 0 ? static_cast<double>(s.residues - s.resumed_residues) / s.seconds : 0.0;
    std::string msg = "embedded " + count_noun(s.accepted, "sequence") + " (" +
                      std::to_string(s.truncated) + " truncated), " + std::to_string(s.rejected) +
                      " rejected -> " + opt.output + " in " + fixed(s.seconds, 1) + "s (" +
                      human_count(rate) + " residues/s)";
    if (s.resumed_sequences > 0)
        msg += "; " + std::to_string(s.resumed_sequences) +
               " of the sequences came from the checkpoints of the interrupted run";
    if (s.truncated > 0) msg += "; the truncated ones have /original_lengths > /lengths";
    if (s.rejected > 0) msg += "; rejects in " + rejects_path_for(opt.output);
    log_info(msg);
    // A batch job's only sign that its input was wrong for the model.
    if (s.accepted == 0 && s.rejected > 0)
        log_warn("every one of the " + std::to_string(s.rejected) +
                 " input records was rejected: the output holds no embeddings; the reasons are "
                 "in " +
                 rejects_path_for(opt.output));
}

/// A failed or interrupted run (Ctrl-C, SIGTERM, a full disk, --long error)
/// keeps its finished parts: say where, and how to go on from them.
void warn_kept_parts(const EmbedCheckpoint& checkpoint) {
    if (checkpoint.parts() == 0) return;
    const EmbedPartCounts done = checkpoint.done();
    const std::string dir = EmbedCheckpoint::dir_for(checkpoint.output());
    log_warn(dir + " keeps " + count_noun(checkpoint.parts(), "finished checkpoint part") +
             " of this run (" + count_noun(done.read, "record") +
             " done): run the same command with --resume to continue with input record " +
             std::to_string(done.records_end + 1) + " (after changing the input or the options, " +
             "delete " + dir + " instead: --resume refuses a run that differs)");
}

/// The join reads and compresses the whole output once more: for per_tok of
/// a large model many minutes after the progress line reached 100%, so say so.
void log_join(const EmbedCheckpoint& checkpoint) {
    if (checkpoint.parts() < 2) return;
    std::uintmax_t bytes = 0;
    std::error_code ec;
    for (const auto& path : checkpoint.part_paths()) {
        const std::uintmax_t size = std::filesystem::file_size(path, ec);
        if (!ec) bytes += size;
    }
    log_info("joining the " + std::to_string(checkpoint.parts()) + " checkpoint parts in " +
             EmbedCheckpoint::dir_for(checkpoint.output()) + " (" +
             fixed(static_cast<double>(bytes) / 1e6, 1) + " MB) into " + checkpoint.output());
}

}  // namespace

void check_embed_job(const EmbedOptions& opt) {
    check_embed_options(opt);
    check_hdf5_output_name(opt.output, "--output");
    parse_embed_include(opt.include);
    parse_shard(opt.shard);
    {
        // The first record, as the run reads it: a file that is not FASTA, or a
        // table without the columns, fails here.
        data::SequenceReader probe(opt.input, embed_reader_options(opt));
        data::SequenceRecord rec;
        probe.next(rec);
    }
    const models::Esm2Config config = models::check_esm2_dir(opt.model_dir);
    resolve_embed_layers(opt.layers, static_cast<int>(config.num_layers));
}

EmbedSummary run_embed(const EmbedOptions& given) {
    // A shard writes its own file: "-o emb.h5 --shard 1/4" writes
    // emb.shard-1-of-4.h5, so that N shards of one command line never
    // overwrite each other's outputs.
    EmbedOptions opt = given;
    Shard shard = parse_shard(opt.shard);
    opt.output = shard_output_path(opt.output, shard, "--output");
    if (opt.output != given.output)
        log_info("--shard " + shard.to_string() + ": this shard writes " + opt.output);
    check_embed_options(opt);
    // After the check that it is not the input (the graver mistake), and
    // named as given (without the shard tag).
    check_hdf5_output_name(given.output, "--output");
    EmbedContent content = parse_embed_include(opt.include);
    // A missing input fails before the model loads. A pipe is not opened to
    // check it: a named FIFO's writer would lose its only reader and stop.
    std::string id_column = opt.id_col.empty() ? "auto" : opt.id_col;
    if (is_rereadable_file(opt.input) || !std::filesystem::exists(opt.input)) {
        data::SequenceReader probe(opt.input, embed_reader_options(opt));
        if (opt.id_col.empty()) id_column = probe.id_column();
    }
    EmbedCheckpoint checkpoint(opt.output);
    checkpoint.open(opt.resume);

    Device device = models::resolve_device(opt.device);
    models::set_threads(opt.threads);
    models::LoadedEsm2 loaded = models::load_esm2(opt.model_dir, {opt.dtype, device});
    content.layers = resolve_embed_layers(opt.layers, static_cast<int>(loaded.config.num_layers));
    check_embed_heads(content, loaded.model, opt.model_dir);

    PartSpec spec;
    spec.layout.content = content;
    spec.layout.hidden_size = static_cast<std::size_t>(loaded.config.hidden_size);
    spec.layout.vocab_size = static_cast<std::size_t>(loaded.config.vocab_size);
    spec.attributes = embed_provenance(opt, loaded, content, device, shard);
    add_embed_table_attributes(spec.attributes, opt, id_column);
    checkpoint.start(embed_fingerprint(spec.attributes, opt));
    EmbedSummary summary;
    try {
        EmbedRun job(opt, shard, loaded, device, checkpoint, std::move(spec));
        summary = job.run();
        log_join(checkpoint);
        join_embed_parts(checkpoint.part_paths(), opt.output, opt.command_line);
    } catch (...) {
        // Standard input or a pipe cannot be read again: its checkpoints are no use.
        if (!is_rereadable_file(opt.input))
            checkpoint.remove();
        else
            warn_kept_parts(checkpoint);
        throw;
    }
    checkpoint.remove();
    log_summary(summary, opt);
    return summary;
}

}  // namespace plmkit::pipelines
