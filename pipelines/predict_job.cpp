#include "pipelines/predict_job.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "data/input_reader.hpp"
#include "models/class_prior.hpp"
#include "models/torch_runtime.hpp"
#include "pipelines/class_labels.hpp"
#include "pipelines/duplicate_ids.hpp"
#include "pipelines/esm_featurizer.hpp"
#include "pipelines/eval_split.hpp"
#include "pipelines/kept_columns.hpp"
#include "pipelines/prediction_writer.hpp"
#include "pipelines/property_predictor.hpp"
#include "pipelines/property_table.hpp"
#include "pipelines/training_files.hpp"
#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/name_hints.hpp"
#include "src/output_names.hpp"
#include "src/progress.hpp"
#include "src/runtime.hpp"
#include "src/utf8.hpp"

namespace plmkit::pipelines {
namespace {

namespace fs = std::filesystem;

/// <output stem>.rejects.tsv; for stdout output, <input stem>.rejects.tsv in
/// the current directory (stems as src/output_names.hpp defines them).
std::string default_rejects(const std::string& output, const std::string& input) {
    if (output != "-") return companion_path(output, ".rejects.tsv");
    if (input == "-") return "stdin.rejects.tsv";
    return companion_path(fs::path(input).filename().string(), ".rejects.tsv");
}

/// "id 'x': reason" of a rejects line ("index \t id \t input \t reason").
std::string describe_reject(const std::string& line) {
    const auto a = line.find('\t'), b = line.find('\t', a + 1), c = line.rfind('\t');
    if (a == std::string::npos || b == std::string::npos) return line;
    return "record " + std::to_string(std::stoull(line.substr(0, a)) + 1) + " (id '" +
           line.substr(a + 1, b - a - 1) + "'): " + line.substr(c + 1);
}

/// The same file however it is spelled (relative, "./", a symlink).
std::string file_identity(const std::string& path) {
    std::error_code ec;
    fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
    return ec ? fs::path(path).lexically_normal().string() : p.string();
}

/// Refuses two of (option, path) naming the same file ("-" = a stream).
void check_distinct(const std::vector<std::pair<const char*, std::string>>& files) {
    for (std::size_t i = 0; i < files.size(); ++i)
        for (std::size_t j = i + 1; j < files.size(); ++j) {
            const auto& [a, pa] = files[i];
            const auto& [b, pb] = files[j];
            if (pa.empty() || pb.empty() || pa == "-" || pb == "-") continue;
            if (file_identity(pa) == file_identity(pb))
                throw UsageError(std::string(a) + " and " + b + " are the same file '" + pb +
                                 "'; give each its own");
        }
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// The extension of `path`'s file name, lower-case, ".gz" stripped ("" if none).
std::string extension(const std::string& path) {
    std::string name = lower(fs::path(path).filename().string());
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0)
        name.resize(name.size() - 3);
    const auto dot = name.rfind('.');
    return dot == std::string::npos ? "" : name.substr(dot + 1);
}

/// smi | sdf when `path` (or --format) holds molecules only, else "".
std::string molecule_only_format(const std::string& path, const std::string& format) {
    const std::string f = format == "auto" ? extension(path) : lower(format);
    if (f == "smi" || f == "smiles" || f == "ism") return "smi";
    if (f == "sdf" || f == "sd" || f == "mol") return "sdf";
    return "";
}

/// The input must be what the model takes: molecules or proteins.
void check_input_kind(const std::string& path, const std::string& format, InputKind kind) {
    const bool fasta = data::is_fasta_path(path, format);
    if (kind == InputKind::molecule && fasta)
        throw UsageError("the model takes molecules (SMILES/SDF), but '" + path +
                         "' is a FASTA file of protein sequences");
    if (format == "auto" && extension(path) == "txt")
        throw UsageError("cannot tell the format of '" + path +
                         "' (a .txt file may be a SMILES list or a table); use --format " +
                         (kind == InputKind::protein ? "csv|tsv|fasta" : "csv|tsv|smi|sdf"));
    if (kind != InputKind::protein) return;
    const std::string f = molecule_only_format(path, format);
    if (f.empty()) return;
    const std::string what = f == "sdf" ? "an SDF file of molecules" : "a SMILES file of molecules";
    throw UsageError(
        "the model reads protein sequences, but " +
        (format == "auto" ? path + " is " + what : "--format " + format + " reads " + what) +
        "; give FASTA or a CSV/TSV with a sequence column");
}

/// Opens the input with the model's own input column when the file has it,
/// else with the reader's default (smiles / sequence).
std::unique_ptr<data::InputReader> open_input(const PredictOptions& o, const PropertyPredictor& p,
                                              data::InputReaderOptions ro) {
    ro.protein = p.input_kind() == InputKind::protein;
    ro.id_col = o.id_col;
    ro.format = o.format;
    ro.input_col = o.input_col;
    if (!o.input_col.empty()) return std::make_unique<data::InputReader>(o.input, ro);
    ro.input_col = p.model().config().input_col;
    try {
        return std::make_unique<data::InputReader>(o.input, ro);
    } catch (const UsageError&) {
        ro.input_col.clear();
        return std::make_unique<data::InputReader>(o.input, ro);
    }
}

bool is_non_finite_reason(const std::string& why) {
    return why.rfind("the model's output is not finite", 0) == 0;
}

/// Says once per run that rows were rejected for a non-finite output: a
/// damaged model gives NaN for every row, which must not pass unnoticed.
void warn_non_finite(const std::string& command, const std::string& row, const std::string& why,
                     const std::string& rejects) {
    log_warn(command + ": " + row + ": " + why + "; such rows go to " + rejects + " (said once)");
}

/// Moves the rows of `t` whose prediction (`pred`, [n x outputs]) is not
/// finite to its rejects (in input order) and out of `pred`; returns how many.
std::size_t reject_non_finite(PropertyTable& t, std::vector<double>& pred,
                              const models::PropertyModel& model, const std::string& rejects) {
    const std::size_t nt = t.num_targets, no = model.num_outputs();
    std::size_t kept = 0, dropped = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const std::string why = non_finite_output(model, &pred[i * no], nullptr);
        if (!why.empty()) {
            if (dropped++ == 0)
                warn_non_finite(
                    "evaluate",
                    "record " + std::to_string(t.index[i] + 1) + " (id '" + t.ids[i] + "')", why,
                    rejects);
            t.rejects.push_back(reject_line(t.index[i], t.ids[i], t.inputs[i], why,
                                            t.lines.empty() ? 0 : t.lines[i]));
            continue;
        }
        if (kept != i) {
            t.index[kept] = t.index[i];
            if (!t.lines.empty()) t.lines[kept] = t.lines[i];
            t.ids[kept] = std::move(t.ids[i]);
            t.inputs[kept] = std::move(t.inputs[i]);
            std::copy_n(&t.targets[i * nt], nt, &t.targets[kept * nt]);
            std::copy_n(&pred[i * no], no, &pred[kept * no]);
        }
        ++kept;
    }
    if (dropped == 0) return 0;
    t.index.resize(kept);
    if (!t.lines.empty()) t.lines.resize(kept);
    t.ids.resize(kept);
    t.inputs.resize(kept);
    t.targets.resize(kept * nt);
    pred.resize(kept * no);
    t.features.clear();  // no longer row-aligned; evaluate is done with them
    t.graphs.clear();
    std::stable_sort(t.rejects.begin(), t.rejects.end(), [](const auto& a, const auto& b) {
        return std::stoull(a.substr(0, a.find('\t'))) < std::stoull(b.substr(0, b.find('\t')));
    });
    return dropped;
}

/// With an ESM-2 model (frozen or fine-tuned): counts the sequences longer
/// than the --truncate it was trained with; a count of none otherwise.
TruncationCount truncation_count(const PropertyPredictor& p) {
    const nlohmann::json d = p.featurizer().to_json();
    if (d.value("name", "") != "esm" || !d.contains("truncate")) return TruncationCount(0);
    return TruncationCount(d.at("truncate").get<std::size_t>());
}

/// The truncation warning of predict and evaluate: the limit is the model's.
void warn_truncated(const TruncationCount& count) {
    const std::string w = count.warning(" (the model's --truncate, set by plmkit train)");
    if (!w.empty()) log_warn(w);
}

/// Rows read and not yet predicted, with their --keep-cols values.
struct Chunk {
    std::vector<data::InputRow> rows;
    std::vector<std::vector<std::string>> kept;  ///< per row; empty without --keep-cols
    void clear() {
        rows.clear();
        kept.clear();
    }
};

/// Counts a rejected row, keeping the first reason and warning once about
/// a non-finite output.
void count_reject(PredictSummary& s, const data::InputRow& row, const std::string& why) {
    const std::string record =
        "record " + std::to_string(row.index + 1) + " (id '" + escape_invalid_utf8(row.id) + "')";
    if (s.rejected++ == 0) s.first_reject = record + ": " + why;
    if (is_non_finite_reason(why) && s.non_finite++ == 0)
        warn_non_finite("predict", record, why, s.rejects_path);
}

/// Predicts the readable rows of a chunk and writes every row, in input
/// order, to the output or the rejects; the predicted sequences go into
/// `truncated`.
void write_chunk(const Chunk& c, const PropertyPredictor& p, PredictionWriter& w, PredictSummary& s,
                 TruncationCount& truncated) {
    const auto& rows = c.rows;
    std::vector<std::string> inputs;
    std::vector<std::size_t> where(rows.size(), 0);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (!rows[i].error.empty()) continue;
        where[i] = inputs.size();
        inputs.push_back(rows[i].input);
    }
    Predictions pred = p.predict(inputs);
    const bool with_std = p.model().has_spread();
    const std::vector<std::string> none;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::vector<std::string>& kept = c.kept.empty() ? none : c.kept[i];
        const std::string& why = rows[i].error.empty() ? pred.errors[where[i]] : rows[i].error;
        if (!why.empty()) {
            count_reject(s, rows[i], why);
            w.reject(rows[i], why, kept);
            continue;
        }
        ++s.predicted;
        truncated.add(rows[i].input);
        const std::size_t k = where[i] * pred.targets;
        w.prediction(rows[i], &pred.mean[k], with_std ? &pred.std[k] : nullptr, kept);
    }
}

/// How evaluate reads its table: the model's input column and targets (or
/// --input-col, --target-col), labels for a multiclass model.
TableOptions evaluate_table_options(const EvaluateOptions& o, const PropertyPredictor& p) {
    const auto& config = p.model().config();
    TableOptions to;
    to.kind = p.input_kind();
    to.input_col = o.input_col.empty() ? config.input_col : o.input_col;
    to.id_col = o.id_col;
    to.target_cols = o.target_cols.empty() ? config.targets : o.target_cols;
    if (o.target_cols.empty())
        to.target_hint =
            "; it is the model's target: name the column that holds it with "
            "--target-col";
    if (to.target_cols.size() != config.targets.size())
        throw UsageError("the model predicts " + std::to_string(config.targets.size()) +
                         " targets (" + name_list(config.targets) + "), got " +
                         std::to_string(to.target_cols.size()) + " --target-col (" +
                         name_list(to.target_cols) +
                         "): give one --target-col per target, in the model's order, or leave "
                         "--target-col out when the table's columns have the model's names");
    to.task = config.task;
    to.format = o.format;
    return to;
}

/// After the run: no output for an input without data rows, or when every
/// record was rejected (the rejects stay).
void check_predicted(const PredictOptions& o, const PredictSummary& s) {
    if (s.records == 0) {
        // As train and evaluate: a header alone is no library to predict.
        std::error_code ec;
        if (o.output != "-") fs::remove(o.output, ec);
        throw InputError(o.input + ": no data rows to predict (no output written)");
    }
    if (s.predicted == 0) {
        // A header alone would look like a finished run; the rejects stay.
        std::error_code ec;
        if (o.output != "-") fs::remove(o.output, ec);
        throw InputError("no record of " + o.input + " could be predicted: all " +
                         std::to_string(s.records) + " were rejected (reasons in " +
                         s.rejects_path + "); the first, " + s.first_reject +
                         " (no output written)");
    }
}

/// Says once, after the run, how many records repeat an earlier id: the
/// output keeps them all, in input order, but a join on id would not.
void warn_duplicate_ids(const DuplicateIds& ids, const std::string& input) {
    const std::string w = ids.warning(
        input,
        "all are kept, in input order, so a join of the output on id would pair those rows "
        "with the wrong ones: make the ids unique or choose another --id-col");
    if (!w.empty()) log_warn("predict: " + w);
}

/// --keep-cols resolved against the input's header (null without it): a
/// kept column named as one of predict's own columns (ignoring case) is
/// written as input_<name>.
std::unique_ptr<KeptColumns> keep_columns(const PredictOptions& o, const data::InputReader& reader,
                                          const models::PropertyModel& model,
                                          const std::string& input_name) {
    if (o.keep_cols.empty() || !reader.table()) return nullptr;
    std::vector<std::string> taken = PredictionWriter::columns(model, input_name);
    for (const auto& c : PredictionWriter::reject_columns(input_name))
        taken.push_back(c);
    KeptColumnsOptions ko;
    ko.input_label = input_name == "sequence" ? "sequence" : "SMILES";
    ko.input_written_as = input_name;
    ko.records_verb = "read";
    return std::make_unique<KeptColumns>(o.keep_cols, *reader.table(), taken, ko);
}

/// Reads, predicts and writes every record, `o.chunk` at a time, then warns
/// about truncated sequences and repeated ids.
void predict_rows(data::InputReader& reader, const PropertyPredictor& p, PredictionWriter& w,
                  KeptColumns* kept, const PredictOptions& o, PredictSummary& s) {
    ProgressOptions po;
    po.label = "predict";
    po.item_name = p.input_kind() == InputKind::protein ? "sequences" : "molecules";
    po.enabled = o.progress;
    Progress progress(po);
    Chunk chunk;
    data::InputRow row;
    TruncationCount truncated = truncation_count(p);
    DuplicateIds ids;  // FASTA: the reader warns itself
    auto flush = [&] {
        write_chunk(chunk, p, w, s, truncated);
        progress.add(chunk.rows.size());
        chunk.clear();
    };
    while (reader.next(row)) {
        throw_if_interrupted();
        ++s.records;
        if (!reader.is_fasta()) ids.add(row.id, row.index, row.line);
        if (kept) {
            chunk.kept.emplace_back();
            kept->pick(row.props, chunk.kept.back());
            row.props.clear();  // the columns not kept
        }
        chunk.rows.push_back(std::move(row));
        if (chunk.rows.size() >= o.chunk) flush();
    }
    if (!chunk.rows.empty()) flush();
    progress.finish();
    s.truncate = truncated.truncate();
    s.truncated = truncated.longer();
    warn_truncated(truncated);
    warn_duplicate_ids(ids, o.input);
}

}  // namespace

PredictSummary run_predict(const PredictOptions& o) {
    if (o.model.empty() || o.input.empty() || o.output.empty())
        throw UsageError("predict needs --model, --input and --output");
    if (o.chunk == 0) throw UsageError("--chunk must be positive");
    check_keep_cols(o.keep_cols, "--keep-cols");
    if (!o.keep_cols.empty() && data::is_fasta_path(o.input, o.format))
        throw UsageError(o.input +
                         ": --keep-cols: a FASTA file has no columns to keep (a record is an id "
                         "and a sequence); give a CSV/TSV with a sequence column and the columns "
                         "to keep, or join the output back on id");
    const std::string rejects = o.rejects.empty() ? default_rejects(o.output, o.input) : o.rejects;
    check_distinct({{"--input", o.input}, {"--output", o.output}, {"--rejects", rejects}});
    auto t0 = std::chrono::steady_clock::now();
    models::set_threads(o.runtime.threads);
    PropertyPredictor predictor(o.model, o.runtime);
    predictor.set_probabilities(models::parse_probabilities(o.probabilities, "--probabilities"),
                                o.model);
    if (const std::string note = probabilities_note(predictor.model()); !note.empty())
        log_info("predict: " + note);
    check_input_kind(o.input, o.format, predictor.input_kind());
    data::InputReaderOptions ro;
    ro.keep_props = !o.keep_cols.empty();  // the kept columns come from the props
    auto reader = open_input(o, predictor, ro);
    PredictSummary s;
    s.rejects_path = rejects;
    const std::string input_name =
        predictor.input_kind() == InputKind::protein ? "sequence" : "smiles";
    const std::unique_ptr<KeptColumns> kept =
        keep_columns(o, *reader, predictor.model(), input_name);
    PredictionWriter w(o.output, s.rejects_path, predictor.model(), input_name,
                       molecule_only_format(o.input, o.format) == "sdf",
                       kept ? kept->outputs() : std::vector<std::string>{});
    predict_rows(*reader, predictor, w, kept.get(), o, s);
    if (kept) kept->warn_at_end();
    w.close();  // the rejects, then the output: a complete output always has its rejects
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    check_predicted(o, s);
    return s;
}

namespace {

/// Featurizes and predicts the rows of `t` (rows whose predictions are not
/// finite become rejects), warning about truncated sequences.
std::vector<double> predict_table(PropertyPredictor& predictor, PropertyTable& t,
                                  const std::string& rejects) {
    featurize_table(t, predictor.featurizer());
    std::vector<double> pred(t.size() * predictor.model().num_outputs());
    if (t.size() > 0) {
        if (predictor.shared_features()) {
            predictor.predict_raw(t.features.data(), t.size(), pred.data(), nullptr,
                                  t.graphs.empty() ? nullptr : &t.graphs);
        } else {
            // Fine-tuned members each run their own encoder; member 0's
            // features above only sorted out the rows it cannot encode (the
            // same for every member: one tokenization).
            pred = predictor.predict(t.inputs).mean;
        }
        reject_non_finite(t, pred, predictor.model(), rejects);
    }
    TruncationCount truncated = truncation_count(predictor);
    for (const auto& input : t.inputs)
        truncated.add(input);
    warn_truncated(truncated);
    return pred;
}

}  // namespace

nlohmann::json run_evaluate(const EvaluateOptions& o) {
    if (o.model.empty() || o.data.empty()) throw UsageError("evaluate needs --model and --data");
    const std::string rejects = o.rejects.empty() ? default_rejects(o.output, o.data) : o.rejects;
    check_distinct({{"--data", o.data}, {"--output", o.output}, {"--rejects", rejects}});
    if (o.output != "-" || !o.rejects.empty()) {
        // Written after the model runs: a missing folder is said now.
        const AtomicFile probe(rejects);
    }
    PropertyPredictor predictor(o.model, o.runtime);
    const models::Probabilities mode =
        models::parse_probabilities(o.probabilities, "--probabilities");
    predictor.set_probabilities(mode, o.model);
    if (const std::string note = probabilities_note(predictor.model()); !note.empty())
        log_info("evaluate: " + note);
    const auto& config = predictor.model().config();
    check_input_kind(o.data, o.format, predictor.input_kind());
    // --split-set: the rows of the model's split.csv (the data checked first).
    const EvalSplit split = load_eval_split(o.model, o.split_sets, config.training, o.data);
    const std::string note = split.empty() ? training_data_note(config.training, o.data) : "";
    if (!note.empty()) log_warn("evaluate: " + note);
    TableOptions to = evaluate_table_options(o, predictor);
    PropertyTable t = read_property_table(o.data, to);
    if (!split.empty()) keep_split_rows(t, split, o.data);
    if (config.task == "multiclass") {
        // A label the model has no class for cannot be scored: a reject.
        std::vector<std::vector<std::string>> classes;
        for (std::size_t j = 0; j < config.targets.size(); ++j)
            classes.push_back(config.target_classes(j));
        reject_rows(t, map_class_labels(t, classes, to.target_cols));
    }
    const std::vector<double> pred = predict_table(predictor, t, rejects);
    // With the JSON on stdout, the default file in the current directory is
    // written only when it has something to say.
    const bool write = !t.rejects.empty() || !o.rejects.empty() || o.output != "-";
    if (write)
        write_rejects(rejects, t.rejects,
                      predictor.input_kind() == InputKind::protein ? "sequence" : "smiles");
    if (t.size() == 0) {
        if (t.records == 0) throw InputError(o.data + ": no data rows to evaluate the model on");
        throw InputError("no row of " + o.data + " can be scored: all " +
                         std::to_string(t.records) + " records were rejected (reasons in " +
                         rejects + "); the first, " + describe_reject(t.rejects.front()));
    }
    nlohmann::json out = {
        {"model", o.model},
        {"data", o.data},
        {"task", config.task},
        {"targets", to.target_cols},
        {"probabilities", config.task == "regression"
                              ? nlohmann::json(nullptr)
                              : nlohmann::json(models::probabilities_name(mode))},
        {"n", t.size()},
        {"rejected", t.rejects.size()},
        {"rejects", write ? nlohmann::json(rejects) : nlohmann::json(nullptr)},
        {"classes", config.classes_json()},
        {"metrics", evaluate_predictions(config.task, config.targets, t.targets, pred,
                                         config.classes.size(), config.class_counts)}};
    if (!split.empty()) out["split"] = split.to_json();
    return out;
}

}  // namespace plmkit::pipelines
