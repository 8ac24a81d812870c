#include "pipelines/property_table.hpp"

#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>

#include "data/input_reader.hpp"
#include "models/class_groups.hpp"
#include "models/class_metrics.hpp"
#include "models/metrics.hpp"
#include "pipelines/metric_notes.hpp"
#include "pipelines/mol_parse.hpp"
#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "src/name_hints.hpp"
#include "src/runtime.hpp"
#include "src/utf8.hpp"

namespace plmkit::pipelines {
namespace {

/// Missing-value spellings (case-insensitive), as pandas reads them by
/// default: blank, NA, N/A, NaN, -NaN, null, None, #N/A.
bool is_missing(std::string t) {
    for (char& c : t)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return t.empty() || t == "na" || t == "n/a" || t == "nan" || t == "-nan" || t == "null" ||
           t == "none" || t == "#n/a";
}

/// Why a classification target must be 0/1, and what to do with classes.
constexpr const char* kBinaryHint =
    "classification is binary per target (0 or 1): for multi-class labels use --task multiclass "
    "(one column of class labels), or make one 0/1 column per class (one-vs-rest) and give each "
    "with --target-col";

/// `text` without the spaces and tabs around it.
std::string trimmed(const std::string& text) {
    const std::size_t b = text.find_first_not_of(" \t\r"), e = text.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : text.substr(b, e - b + 1);
}

/// True for a censored value: '<', '>', '<=', '>=', '\u2264' or '\u2265'
/// before a decimal number ("<5", "> 10", ">=0.1"), as lab data marks
/// results beyond an assay's range.
bool is_censored(const std::string& t) {
    std::size_t i = 0;
    if (t.rfind("\u2264", 0) == 0 || t.rfind("\u2265", 0) == 0)
        i = std::string("\u2264").size();
    else if (!t.empty() && (t[0] == '<' || t[0] == '>'))
        i = t.size() > 1 && t[1] == '=' ? 2 : 1;
    else
        return false;
    const std::string rest = trimmed(t.substr(i));
    if (rest.empty() || rest.find_first_not_of("0123456789+-.eE") != std::string::npos)
        return false;
    char* end = nullptr;
    std::strtod(rest.c_str(), &end);
    return end != rest.c_str() && *end == '\0';
}

/// Parses a target value; "" -> NaN. Returns false (with `why`) when bad.
bool parse_target(const std::string& name, const std::string& text, const std::string& task,
                  double& value, std::string& why) {
    std::string t = text;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back())))
        t.pop_back();
    std::size_t b = t.find_first_not_of(" \t");
    t = b == std::string::npos ? "" : t.substr(b);
    if (is_missing(t)) {
        value = std::nan("");
        return true;
    }
    if (task == "multiclass") {
        value = 0.0;  // a label: its class index comes later (class_labels.hpp)
        return true;
    }
    if (task == "classification") {
        // The --valid-col spellings: true/yes = 1, false/no = 0 (any case).
        std::string l = t;
        for (char& c : l)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (l == "true" || l == "yes" || l == "false" || l == "no") {
            value = l == "true" || l == "yes" ? 1.0 : 0.0;
            return true;
        }
    }
    // Decimal notation only: strtod alone would also take hexadecimal
    // ("0x10" = 16), "inf" and "infinity".
    const bool decimal = t.find_first_not_of("0123456789+-.eE") == std::string::npos;
    char* end = nullptr;
    value = decimal ? std::strtod(t.c_str(), &end) : 0.0;
    if (!decimal && task == "regression" && is_censored(t)) {
        why = "target '" + name + "' " + kCensoredReason + " '" + text +
              "' (a bound, not a measured value), which train and evaluate cannot use; "
              "replace it by a number (the bound itself, say) or leave it blank to mask it";
        return false;
    }
    if (!decimal || end == t.c_str() || *end != '\0' || !std::isfinite(value)) {
        why = "target '" + name + "' is not a number: '" + text + "'";
        if (task == "classification") why += std::string("; ") + kBinaryHint;
        return false;
    }
    return true;
}

/// A --valid-col value: true/1/yes or false/0/no (any case); blank and the
/// missing-value spellings of is_missing() = false.
/// Returns false for anything else.
bool parse_valid_flag(const std::string& text, bool& flag) {
    std::string t = text;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back())))
        t.pop_back();
    const std::size_t b = t.find_first_not_of(" \t");
    t = b == std::string::npos ? "" : t.substr(b);
    for (char& c : t)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    flag = t == "true" || t == "1" || t == "yes";
    // A missing-value spelling (NA, nan, null, None, #N/A) counts as blank.
    return flag || is_missing(t) || t == "false" || t == "0" || t == "no";
}

std::string scaffold_of(const RDKit::ROMol& mol) {
    std::unique_ptr<RDKit::ROMol> core(RDKit::MurckoDecompose(mol));
    if (!core || core->getNumAtoms() == 0) return "";
    return RDKit::MolToSmiles(*core);
}

/// A column the table reads must be named once in the header: which of two
/// 'set' columns is the split is a guess. (The reader checks the input, id
/// and target columns.)
void check_unique_columns(const std::string& path, const std::vector<std::string>& columns,
                          const TableOptions& o) {
    std::vector<std::string> used;
    for (const std::string* c : {&o.split_col, &o.valid_col})
        if (!c->empty()) used.push_back(*c);
    for (const auto& name : used)
        if (std::count(columns.begin(), columns.end(), name) > 1)
            throw InputError(path + ": the header names column '" + name +
                             "' more than once; rename the copies so that each is named once");
}

/// The header checks before any row is read: a FASTA file has no target
/// columns, and the split and --valid-col columns are there, once each.
void check_table_columns(const std::string& path, const data::InputReader& reader,
                         const TableOptions& options) {
    if (reader.is_fasta() && !options.target_cols.empty())
        throw UsageError(path + ": a FASTA file has no target columns; give a CSV/TSV with a " +
                         "sequence column and the target columns");
    const std::vector<std::string> cols = reader.columns();
    check_unique_columns(path, cols, options);
    const std::pair<const std::string*, const char*> named[] = {
        {&options.split_col, "--split column:"}, {&options.valid_col, "--valid-col "}};
    for (const auto& [col, flag] : named) {
        if (col->empty() || std::find(cols.begin(), cols.end(), *col) != cols.end()) continue;
        throw UsageError(path + ": no column '" + *col + "' for " + flag + *col +
                         " (columns: " + name_list(cols) + ")" + did_you_mean(*col, cols));
    }
    if (options.scaffolds && options.kind == InputKind::protein)
        throw UsageError("a scaffold split needs molecules; protein inputs have no scaffolds");
}

/// Parses the targets of `r` into `y`; returns why the row cannot be used
/// ("" when it can). A classification target other than 0/1 is an
/// InputError naming the line.
std::string row_targets(const std::string& path, const data::InputRow& r, const TableOptions& o,
                        std::vector<double>& y) {
    std::string why;
    bool any = y.empty() || !o.require_targets;
    for (std::size_t j = 0; j < y.size() && why.empty(); ++j) {
        if (!parse_target(r.targets[j].first, r.targets[j].second, o.task, y[j], why)) continue;
        // A number other than 0/1 is a class code or a measurement, not a
        // bad row: rejecting those rows would train on the 0/1 rows alone.
        if (o.task == "classification" && !std::isnan(y[j]) && y[j] != 0.0 && y[j] != 1.0)
            throw InputError(path + ": line " + std::to_string(r.line) + " (id '" + r.id +
                             "'): classification target '" + r.targets[j].first + "' holds '" +
                             r.targets[j].second + "'; " + kBinaryHint);
        any = any || !std::isnan(y[j]);
    }
    if (why.empty() && !any) why = "no target value (all target columns blank or NA)";
    return why;
}

/// Appends the Murcko scaffold of `r`'s molecule to `t`; returns why it
/// cannot ("" when it could).
std::string add_scaffold(PropertyTable& t, const data::InputRow& r) {
    auto parsed =
        r.input.find('\n') != std::string::npos ? parse_molblock(r.input) : parse_smiles(r.input);
    if (!parsed.mol) return "unparsable molecule: " + parsed.error;
    t.scaffolds.push_back(scaffold_of(*parsed.mol));
    return "";
}

/// The value of `r`'s column `name` ("" when it has none).
std::string prop_value(const data::InputRow& r, const std::string& name) {
    for (const auto& [k, v] : r.props)
        if (k == name) return v;
    return std::string();
}

/// Appends the usable row `r` (its targets `y`) to `t`, with its split and
/// --valid-col values when asked for.
void add_row(PropertyTable& t, const std::string& path, const data::InputRow& r,
             const std::vector<double>& y, const TableOptions& options) {
    t.index.push_back(r.index);
    t.lines.push_back(r.line);
    t.ids.push_back(r.id);
    t.inputs.push_back(r.input);
    t.targets.insert(t.targets.end(), y.begin(), y.end());
    for (std::size_t j = 0; options.task == "multiclass" && j < y.size(); ++j)
        t.labels.push_back(std::isnan(y[j]) ? std::string() : trimmed(r.targets[j].second));
    if (!options.split_col.empty()) t.split_values.push_back(prop_value(r, options.split_col));
    if (options.valid_col.empty()) return;
    const std::string v = prop_value(r, options.valid_col);
    bool flag = false;
    if (!parse_valid_flag(v, flag))
        throw InputError(path + ": line " + std::to_string(r.line) + " (id '" + r.id +
                         "'): --valid-col '" + options.valid_col + "' holds '" + v +
                         "'; expected true/false, 1/0, yes/no (any case) or blank "
                         "(= false)");
    t.valid_flags.push_back(flag ? "true" : "false");
}

/// Metrics (and "n") of a value, a NaN written as null.
nlohmann::json metrics_json(const std::map<std::string, double>& m, std::size_t n) {
    nlohmann::json jm = nlohmann::json::object();
    jm["n"] = n;
    for (const auto& [k, v] : m)
        jm[k] = std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
    return jm;
}

/// evaluate_predictions of a multiclass model: one target, its metrics also
/// under "mean" (the mean over one target).
nlohmann::json evaluate_classes(const std::vector<std::string>& targets,
                                const std::vector<double>& y, const std::vector<double>& prob,
                                std::size_t classes) {
    if (targets.size() != 1 || classes < 2)
        throw Error("evaluate_predictions: multiclass takes one target and 2 or more classes");
    std::size_t n = 0;
    for (double v : y)
        n += std::isnan(v) ? 0 : 1;
    const auto metrics = models::multiclass_metrics(y, prob, classes);
    nlohmann::json m = metrics_json(metrics, n);
    // A null says why (no labelled row, one class only); y stands in for the
    // predictions, which the multiclass reasons do not look at.
    const std::string note = null_metrics_note("multiclass", y, y, metrics);
    if (!note.empty()) m["note"] = note;
    nlohmann::json mean = m;
    mean.erase("n");
    return {{targets.front(), m}, {"mean", mean}};
}

/// The mean over targets of each metric where it is defined (null where
/// none), with a note when that leaves targets out; `sums` holds each
/// metric's sum and count.
nlohmann::json mean_of_targets(const std::map<std::string, std::pair<double, int>>& sums,
                               std::size_t nt) {
    nlohmann::json mean = nlohmann::json::object();
    std::map<std::string, int> defined;
    for (const auto& [k, s] : sums) {
        mean[k] = s.second > 0 ? nlohmann::json(s.first / s.second) : nlohmann::json(nullptr);
        defined[k] = s.second;
    }
    const std::string note = mean_note(defined, nt);
    if (!note.empty()) mean["note"] = note;
    return mean;
}

/// evaluate_predictions of a multiclass model of several targets: each
/// target's metrics on its own classes' probabilities, and their mean.
nlohmann::json evaluate_class_groups(const std::vector<std::string>& targets,
                                     const std::vector<double>& y, const std::vector<double>& prob,
                                     const std::vector<std::int64_t>& counts) {
    const std::size_t nt = targets.size(),
                      width = static_cast<std::size_t>(models::group_offset(counts, counts.size()));
    if (counts.size() != nt || width == 0 || prob.size() * nt != y.size() * width)
        throw Error("evaluate_predictions: multiclass needs a class count per target");
    const std::size_t n = y.size() / nt;
    nlohmann::json out = nlohmann::json::object();
    std::map<std::string, std::pair<double, int>> sums;
    for (std::size_t j = 0; j < nt; ++j) {
        const auto k = static_cast<std::size_t>(counts[j]);
        const auto b = static_cast<std::size_t>(models::group_offset(counts, j));
        std::vector<double> yj(n), pj(n * k);
        std::size_t labelled = 0;
        for (std::size_t i = 0; i < n; ++i) {
            yj[i] = y[i * nt + j];
            labelled += std::isnan(yj[i]) ? 0 : 1;
            std::copy_n(&prob[i * width + b], k, &pj[i * k]);
        }
        const auto metrics = models::multiclass_metrics(yj, pj, k);
        nlohmann::json m = metrics_json(metrics, labelled);
        const std::string note = null_metrics_note("multiclass", yj, yj, metrics);
        if (!note.empty()) m["note"] = note;
        out[targets[j]] = m;
        for (const auto& [key, v] : metrics) {
            sums[key].first += std::isnan(v) ? 0.0 : v;
            sums[key].second += std::isnan(v) ? 0 : 1;
        }
    }
    out["mean"] = mean_of_targets(sums, nt);
    return out;
}

}  // namespace

std::string murcko_scaffold(const std::string& smiles) {
    auto parsed = parse_smiles(smiles);
    if (!parsed.mol) return smiles;
    return scaffold_of(*parsed.mol);
}

std::string reject_line(std::uint64_t index, const std::string& id, const std::string& input,
                        const std::string& reason, std::uint64_t line) {
    const std::string shown = shown_smiles(input, line);
    // One line of valid UTF-8 per cell, as every plmkit rejects file.
    return std::to_string(index) + "\t" + one_line_utf8(id) + "\t" + one_line_utf8(shown) + "\t" +
           one_line_utf8(mol_block_reason(input, reason, line));
}

PropertyTable read_property_table(const std::string& path, const TableOptions& options) {
    data::InputReaderOptions ro;
    ro.protein = options.kind == InputKind::protein;
    ro.input_col = options.input_col;
    ro.id_col = options.id_col;
    ro.target_cols = options.target_cols;
    ro.target_hint = options.target_hint;
    ro.keep_props = !options.split_col.empty() || !options.valid_col.empty();
    ro.format = options.format;
    data::InputReader reader(path, ro);
    check_table_columns(path, reader, options);
    PropertyTable t;
    t.num_targets = options.target_cols.size();
    data::InputRow r;
    std::vector<double> y(t.num_targets);
    while (reader.next(r)) {
        throw_if_interrupted();
        ++t.records;
        std::string why = r.error.empty() ? row_targets(path, r, options, y) : r.error;
        if (why.empty() && options.scaffolds) why = add_scaffold(t, r);
        if (!why.empty()) {
            t.rejects.push_back(reject_line(r.index, r.id, r.input, why, r.line));
            continue;
        }
        add_row(t, path, r, y, options);
    }
    return t;
}

void featurize_table(PropertyTable& t, const PropertyFeaturizer& featurizer) {
    FeatureMatrix fm = featurizer.featurize(t.inputs);
    PropertyTable out;
    out.dim = fm.dim;
    out.num_targets = t.num_targets;
    out.records = t.records;
    out.rejects = std::move(t.rejects);
    const std::size_t nt = t.num_targets;
    out.features.reserve((fm.rows - fm.rejected()) * fm.dim);
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (!fm.ok(i)) {
            out.rejects.push_back(reject_line(t.index[i], t.ids[i], t.inputs[i], fm.errors[i],
                                              t.lines.empty() ? 0 : t.lines[i]));
            continue;
        }
        out.index.push_back(t.index[i]);
        if (!t.lines.empty()) out.lines.push_back(t.lines[i]);
        out.ids.push_back(std::move(t.ids[i]));
        out.inputs.push_back(std::move(t.inputs[i]));
        out.features.insert(out.features.end(), fm.row(i), fm.row(i) + fm.dim);
        out.targets.insert(out.targets.end(), t.targets.begin() + i * nt,
                           t.targets.begin() + (i + 1) * nt);
        if (!t.labels.empty())
            out.labels.insert(out.labels.end(), t.labels.begin() + i * nt,
                              t.labels.begin() + (i + 1) * nt);
        if (!t.scaffolds.empty()) out.scaffolds.push_back(std::move(t.scaffolds[i]));
        if (!t.split_values.empty()) out.split_values.push_back(std::move(t.split_values[i]));
        if (!t.valid_flags.empty()) out.valid_flags.push_back(std::move(t.valid_flags[i]));
        if (!fm.graphs.empty()) out.graphs.push_back(std::move(fm.graphs[i]));
    }
    // Rejects in input order (reading and featurizing found them separately).
    std::stable_sort(out.rejects.begin(), out.rejects.end(), [](const auto& a, const auto& b) {
        return std::stoull(a.substr(0, a.find('\t'))) < std::stoull(b.substr(0, b.find('\t')));
    });
    t = std::move(out);
}

nlohmann::json evaluate_predictions(const std::string& task,
                                    const std::vector<std::string>& targets,
                                    const std::vector<double>& y, const std::vector<double>& pred,
                                    std::size_t classes,
                                    const std::vector<std::int64_t>& class_counts) {
    if (task == "multiclass" && class_counts.size() > 1)
        return evaluate_class_groups(targets, y, pred, class_counts);
    if (task == "multiclass") return evaluate_classes(targets, y, pred, classes);
    const std::size_t nt = targets.size(), n = nt ? y.size() / nt : 0;
    nlohmann::json out = nlohmann::json::object();
    std::map<std::string, std::pair<double, int>> sums;
    for (std::size_t j = 0; j < nt; ++j) {
        std::vector<double> a(n), b(n);
        for (std::size_t i = 0; i < n; ++i) {
            a[i] = y[i * nt + j];
            b[i] = pred[i * nt + j];
        }
        auto m = models::task_metrics(task, a, b);
        nlohmann::json jm = nlohmann::json::object();
        std::size_t count = 0;
        for (double v : a)
            count += std::isnan(v) ? 0 : 1;
        jm["n"] = count;
        for (const auto& [k, v] : m) {
            jm[k] = std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
            sums[k].first += std::isnan(v) ? 0.0 : v;
            sums[k].second += std::isnan(v) ? 0 : 1;
        }
        // A null says why (one class only, no spread), in words.
        const std::string note = null_metrics_note(task, a, b, m);
        if (!note.empty()) jm["note"] = note;
        out[targets[j]] = jm;
    }
    // The mean of the targets where a metric is defined (null where none),
    // with a note when that leaves targets out.
    out["mean"] = mean_of_targets(sums, nt);
    return out;
}

void write_rejects(const std::string& path, const std::vector<std::string>& rejects,
                   const std::string& input_header, const std::string& more_header) {
    AtomicFile file(path);
    std::ofstream out(file.temp_path());
    out << "index\tid\t" << input_header << "\treason"
        << (more_header.empty() ? "" : "\t" + more_header) << '\n';
    for (const auto& line : rejects)
        out << line << '\n';
    out.close();
    if (!out) throw IoError("cannot write '" + path + "': " + errno_message());
    file.commit();
}

}  // namespace plmkit::pipelines
