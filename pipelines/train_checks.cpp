#include "pipelines/train_checks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "data/splits.hpp"
#include "pipelines/class_labels.hpp"
#include "pipelines/esm_featurizer.hpp"
#include "pipelines/run_files.hpp"
#include "src/error.hpp"
#include "src/strings.hpp"
#include "tokenizers/smiles_tokenizer.hpp"
#include "tokenizers/vocab.hpp"

namespace plmkit::pipelines {

namespace fs = std::filesystem;

namespace {
std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

/// "size 10 bytes then, 12 now" or "same size, content hash differs".
std::string how_changed(const nlohmann::json& before, const nlohmann::json& now) {
    const std::string size_then = before.value("size", nlohmann::json()).dump(),
                      size_now = now.value("size", nlohmann::json()).dump();
    return size_then != size_now ? "size " + size_then + " bytes then, " + size_now + " now"
                                 : std::string("same size, content hash differs");
}
}  // namespace

/// Numeric options that LibTorch or the featurizers would otherwise take
/// (and fail on with a stack trace, or silently misuse).
void check_train_numbers(const TrainOptions& o) {
    auto in_unit = [](double v) { return v >= 0 && v < 1; };
    if (!in_unit(o.dropout)) throw UsageError("--dropout must be in [0, 1), got " + num(o.dropout));
    if (!(o.weight_decay >= 0) || !std::isfinite(o.weight_decay))
        throw UsageError("--weight-decay must be >= 0, got " + num(o.weight_decay));
    if (!std::isfinite(o.lr)) throw UsageError("--lr must be a finite number");
    if (!(o.encoder_lr >= 0) || !std::isfinite(o.encoder_lr))
        throw UsageError("--encoder-lr must be > 0, got " + num(o.encoder_lr));
    if (o.patience < 0)
        throw UsageError("--patience must be >= 0 (0 = off), got " + std::to_string(o.patience));
    if (o.grad_accum < 1)
        throw UsageError("--grad-accum must be >= 1 (1 = a step per batch), got " +
                         std::to_string(o.grad_accum));
    if (!(o.warmup_epochs >= 0) || !std::isfinite(o.warmup_epochs))
        throw UsageError("--warmup-epochs must be a number of epochs >= 0 (0 = no warm-up), got " +
                         num(o.warmup_epochs));
    if (o.stop_after_epochs < 0)
        throw UsageError("--stop-after-epochs must be >= 0, got " +
                         std::to_string(o.stop_after_epochs));
    if (o.threads < 0)
        throw UsageError("--threads must be >= 0 (0 = all cores), got " +
                         std::to_string(o.threads));
    const auto& f = o.featurizer;
    if (f.chem.morgan_bits < 1) throw UsageError("--morgan-size must be >= 1, got 0");
    if (f.chem.morgan_radius > 10)
        throw UsageError("--morgan-radius must be 0..10, got " +
                         std::to_string(f.chem.morgan_radius));
    if (f.truncate < 1) throw UsageError("--truncate must be >= 1, got 0");
    if (f.runtime.max_tokens < 1) throw UsageError("--max-tokens must be >= 1, got 0");
    const auto& sc = o.scratch;
    if (sc.hidden < 1 || sc.layers < 1 || sc.heads < 1 || sc.ffn < 1)
        throw UsageError("--lm-hidden, --lm-layers, --lm-heads and --lm-ffn must be >= 1");
    for (std::size_t i = 0; i < o.target_cols.size(); ++i)
        for (std::size_t k = 0; k < i; ++k)
            if (o.target_cols[i] == o.target_cols[k])
                throw UsageError("--target-col '" + o.target_cols[i] +
                                 "' is given twice; name each target once");
}

void check_output_dir(const std::string& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return;
    if (!fs::is_directory(dir, ec))
        throw UsageError("--output '" + dir + "' is a file, expected a model directory");
    // What train writes; anything else means the directory is someone's.
    static const std::set<std::string> ours = {"checkpoints",  "rejects.tsv",       "split.csv",
                                               "metrics.json", "model.safetensors", "smiles_lm"};
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (!ours.count(name))
            throw UsageError("--output '" + dir +
                             "' is not empty and holds no plmkit train run ('" + name +
                             "' is there); choose a new or empty directory");
    }
    if (ec) throw IoError("cannot list '" + dir + "': " + ec.message());
}

nlohmann::json resume_fingerprint(const std::string& path) {
    if (path == "-") return {{"stdin", true}};  // read once: nothing to hash
    return file_fingerprint(path);
}

void check_unchanged(const nlohmann::json& before, const nlohmann::json& now,
                     const std::string& flag, const std::string& path) {
    if (now.contains("stdin"))
        throw UsageError("--resume cannot check that " + flag +
                         " read from standard input is the interrupted run's; give it as a "
                         "file, or start again without --resume");
    if (before.is_null())
        throw UsageError("--resume: the interrupted run recorded no fingerprint of " + flag + " '" +
                         path + "'; start again without --resume");
    if (before == now) return;
    throw UsageError(flag + " '" + path + "' changed since the interrupted run (" +
                     how_changed(before, now) + "); start again without --resume");
}

nlohmann::json encoder_fingerprint(const std::string& dir) {
    nlohmann::json files = nlohmann::json::object();
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_regular_file(ec)) continue;
        if (name == "config.json" || name == "vocab.txt" || ends_with(name, ".safetensors") ||
            ends_with(name, ".index.json"))
            files[name] = file_fingerprint(entry.path().string());
    }
    return files;
}

void check_encoder_unchanged(const nlohmann::json& before, const nlohmann::json& now,
                             const std::string& flag, const std::string& dir) {
    const std::string head = flag + " '" + dir + "' changed since the interrupted run: ";
    const std::string tail =
        "; the cached features or checkpoints belong to the old encoder, start again without "
        "--resume";
    if (!before.is_object())
        throw UsageError("--resume: the interrupted run recorded no fingerprint of " + flag + " '" +
                         dir + "'; start again without --resume");
    for (auto it = before.begin(); it != before.end(); ++it) {
        const auto found = now.find(it.key());
        if (found == now.end()) throw UsageError(head + "'" + it.key() + "' is gone" + tail);
        if (*found != it.value())
            throw UsageError(head + "'" + it.key() + "' differs (" +
                             how_changed(it.value(), *found) + ")" + tail);
    }
    for (auto it = now.begin(); it != now.end(); ++it)
        if (!before.contains(it.key())) throw UsageError(head + "'" + it.key() + "' is new" + tail);
}

std::vector<int> column_sets(const PropertyTable& t, const std::string& path,
                             const std::string& column) {
    std::vector<int> sets(t.size(), data::kNoSet);
    std::size_t bad = 0, first = 0;
    for (std::size_t i = 0; i < t.size(); ++i)
        if (!data::parse_split_name(t.split_values[i], sets[i]) && bad++ == 0) first = i;
    if (bad == 0) return sets;
    throw InputError(path + ": data row " + std::to_string(t.index[first]) + " (id '" +
                     t.ids[first] + "'): unknown split '" + t.split_values[first] +
                     "' in column '" + column + "', " + data::kSplitNamesExpected +
                     (bad > 1 ? " (" + std::to_string(bad) + " rows have such values)" : ""));
}

void check_training_labels(const PropertyTable& t, const std::vector<std::size_t>& rows,
                           const std::vector<std::string>& targets, const std::string& task) {
    const std::size_t nt = t.num_targets;
    for (std::size_t j = 0; j < nt; ++j) {
        std::size_t n = 0, ones = 0;
        for (std::size_t r : rows) {
            const double v = t.targets[r * nt + j];
            if (std::isnan(v)) continue;
            ++n;
            ones += v == 1.0 ? 1 : 0;
        }
        const std::string name = j < targets.size() ? targets[j] : std::to_string(j);
        if (n == 0)
            throw InputError("target '" + name + "' has no labelled training rows (of " +
                             std::to_string(rows.size()) +
                             " training rows, every value is blank or missing)");
        if (task == "multiclass") {
            const std::vector<std::string> classes = training_classes(t, rows, j);
            if (classes.size() < 2)
                throw InputError("target '" + name + "' has only one class ('" + classes.front() +
                                 "') among the " + std::to_string(n) +
                                 " labelled training rows; a multi-class classifier needs at "
                                 "least 2 classes");
        }
        if (task == "classification" && (ones == 0 || ones == n))
            throw InputError("target '" + name + "' has only class " + (ones ? "1" : "0") +
                             " among the " + std::to_string(n) +
                             " labelled training rows; a classifier needs both 0 and 1");
    }
}

std::string binary_regression_note(const PropertyTable& t, const std::vector<std::size_t>& rows,
                                   const std::vector<std::string>& targets,
                                   const std::string& task) {
    if (task != "regression") return "";
    const std::size_t nt = t.num_targets;
    std::vector<std::string> binary;
    for (std::size_t j = 0; j < nt; ++j) {
        std::size_t zeros = 0, ones = 0, other = 0;
        for (std::size_t r : rows) {
            const double v = t.targets[r * nt + j];
            if (std::isnan(v)) continue;
            zeros += v == 0.0;
            ones += v == 1.0;
            other += v != 0.0 && v != 1.0;
        }
        if (other == 0 && zeros > 0 && ones > 0)
            binary.push_back(j < targets.size() ? targets[j] : std::to_string(j));
    }
    if (binary.empty() || binary.size() < nt) return "";
    std::string names = "'" + binary.front() + "'";
    if (binary.size() == 2) names += " and '" + binary.back() + "'";
    if (binary.size() > 2) names += " and the other " + std::to_string(binary.size() - 1);
    return "every labelled training value of target" + std::string(nt > 1 ? "s " : " ") + names +
           " is 0 or 1, but the task is regression (the default --task): the model predicts "
           "values scored by rmse, not probabilities scored by roc_auc; for a classifier give "
           "--task classification";
}

namespace {

/// The first three rejects' rows and reasons ("row 0: why; row 1: ..."); a
/// hint after "; " that all three share is given once, at the end, rather
/// than three times.
std::string first_reasons(const std::vector<std::string>& rejects) {
    std::vector<std::string> rows, heads, tails;
    for (std::size_t k = 0; k < rejects.size() && k < 3; ++k) {
        const std::string& line = rejects[k];  // index \t id \t input \t reason
        const std::string why = line.substr(line.rfind('\t') + 1);
        const std::size_t cut = why.find("; ");
        rows.push_back(line.substr(0, line.find('\t')));
        heads.push_back(why.substr(0, cut));
        tails.push_back(cut == std::string::npos ? std::string() : why.substr(cut));
    }
    const bool shared = !tails.empty() && !tails[0].empty() &&
                        std::count(tails.begin(), tails.end(), tails[0]) ==
                            static_cast<std::ptrdiff_t>(tails.size());
    std::string m;
    for (std::size_t k = 0; k < rows.size(); ++k)
        m += (k ? "; row " : "row ") + rows[k] + ": " + heads[k] + (shared ? "" : tails[k]);
    return shared ? m + tails[0] : m;
}

}  // namespace

std::string no_training_rows_message(const std::string& data, const PropertyTable& t,
                                     const std::string& split, double train_fraction) {
    const std::size_t rejected = t.rejects.size();
    if (t.size() == 0 && rejected == 0) return data + ": no data rows";
    if (t.size() == 0) {
        return data + ": no usable rows: all " + std::to_string(rejected) +
               " rows rejected, e.g. " + first_reasons(t.rejects);
    }
    const std::string usable = "the data has " + count_noun(t.size(), "usable row") + " (" +
                               std::to_string(rejected) + " rejected)";
    if (split == "random" || split == "scaffold") {
        if (train_fraction <= 0)
            return data + ": the split leaves no training rows: --split-sizes gives train 0";
        return data + ": the split leaves no training rows: " + usable + ", too few for " +
               "--split-sizes train " + std::to_string(train_fraction).substr(0, 4);
    }
    return data + ": the split (" + split + ") puts none of the " + std::to_string(t.size()) +
           " usable rows in train";
}

std::string unknown_tokens_warning(const std::string& vocab_path,
                                   const std::vector<std::string>& smiles) {
    const tokenizers::Vocab vocab = tokenizers::Vocab::load(vocab_path);
    std::size_t rows = 0;
    std::string first;
    std::vector<std::string_view> tokens;
    for (const auto& s : smiles) {
        if (!tokenizers::SmilesTokenizer::tokenize(s, tokens)) continue;
        for (const auto& t : tokens) {
            if (vocab.contains(t)) continue;
            if (rows++ == 0) first = "'" + std::string(t) + "' in '" + s + "'";
            break;
        }
    }
    if (rows == 0) return "";
    return "smiles-lm: " + std::to_string(rows) + " of " + std::to_string(smiles.size()) +
           " SMILES hold tokens the encoder's vocabulary ('" + vocab_path +
           "') lacks, read as <unk> (the first, " + first +
           "); an encoder pre-trained on a library with this chemistry knows them";
}

std::string truncation_warning(const std::vector<std::string>& sequences, std::size_t truncate) {
    TruncationCount count(truncate);
    for (const auto& s : sequences)
        count.add(s);
    return count.warning();
}

std::string censored_targets_warning(const std::vector<std::string>& rejects,
                                     const std::string& path) {
    const std::string marker = std::string(kCensoredReason) + " '";
    std::size_t count = 0;
    std::string first;
    for (const auto& line : rejects) {  // index \t id \t input \t reason
        const std::size_t at = line.find(marker, line.rfind('\t'));
        if (at == std::string::npos) continue;
        if (++count > 3) continue;
        const std::size_t b = at + marker.size(), e = line.find("' (a bound", b);
        first += (count > 1 ? ", row " : "row ") + line.substr(0, line.find('\t')) + " '" +
                 line.substr(b, e == std::string::npos ? std::string::npos : e - b) + "'";
    }
    if (count == 0) return "";
    return std::to_string(count) + (count == 1 ? " row has" : " rows have") +
           " a censored target value (" + first + (count > 3 ? ", ..." : "") + ") and " +
           (count == 1 ? "is" : "are") + " rejected (reasons in '" + path +
           "'): the model never sees the compounds beyond the assay's range (often the "
           "inactive ones) and the metrics leave them out; to keep them, replace each bound by "
           "a number (the bound itself is a common choice) or blank the target to mask it";
}

}  // namespace plmkit::pipelines
