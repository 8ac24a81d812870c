#include "pipelines/screen_plan.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "data/default_model.hpp"
#include "data/sdf_record.hpp"
#include "models/class_prior.hpp"
#include "pipelines/descriptors.hpp"
#include "pipelines/element_filter.hpp"
#include "pipelines/mol_filters.hpp"
#include "pipelines/property_predictor.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/utf8.hpp"

namespace plmkit::pipelines {

namespace {
const char* const kStepNames[kScreenSteps] = {"read",       "parse",       "standardize",
                                              "dedupe",     "descriptors", "filter",
                                              "similarity", "score",       "top"};

/// `name` as an SD tag name: one line, without the '<' and '>' that
/// delimit it ('_' instead).
std::string sdf_tag_name(const std::string& name) {
    std::string s = one_line_utf8(name);
    for (auto& c : s)
        if (c == '<' || c == '>') c = '_';
    return s;
}

std::string format_value(double v, bool integer) {
    char buf[48];
    if (integer) {
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(std::llround(v)));
    } else {
        std::snprintf(buf, sizeof buf, "%.4f", v);
        if (std::string(buf) == "-0.0000") return "0.0000";
    }
    return buf;
}
}  // namespace

const char* step_name(ScreenStep step) {
    return kStepNames[static_cast<int>(step)];
}

ScreenStep step_from_name(const std::string& name) {
    for (int i = 0; i < kScreenSteps; ++i)
        if (name == kStepNames[i]) return static_cast<ScreenStep>(i);
    throw InputError("unknown screening step '" + name + "' in a rejects file");
}

ScreenPlan::ScreenPlan(ScreenConfig config, bool write_sdf)
    : config_(std::move(config)), write_sdf_(write_sdf) {
    value_names_ = descriptor_names();
    const auto& f = config_.filters;
    filters_ = std::make_unique<MolFilters>(f, value_names_);
    filters_on_ = !filters_->empty();
    if (f.elements_on) elements_ = std::make_unique<ElementFilter>(f.elements);
    for (const auto& s : config_.similarity) {
        MorganOptions mo;
        mo.radius = static_cast<unsigned>(s.radius);
        mo.nbits = static_cast<unsigned>(s.nbits);
        mo.counts = s.counts;
        references_.push_back(ReferenceSet::load(s.references, mo));
        value_names_.push_back("sim_" + s.name);
    }
    load_models();
    static const std::vector<std::string> ints = {
        "hbd", "hba", "rotb", "heavy_atoms", "rings", "aromatic_rings", "formal_charge"};
    hit_columns_ = {"id", "input_smiles", "smiles"};
    for (const auto& n : value_names_) {
        integer_column_.push_back(std::find(ints.begin(), ints.end(), n) != ints.end());
        hit_columns_.push_back(n);
        if (n.rfind("sim_", 0) == 0) hit_columns_.push_back("nearest_" + n.substr(4));
    }
    for (const auto& c : {"score", "flags", "record"})
        hit_columns_.push_back(c);
    // Without an expression the score is the first model's column: its first
    // target's when it has several (pred_<name>_<target>).
    if (config_.score.default_expression && !models_.empty() &&
        models_.front()->model().num_targets() > 1) {
        // The models' columns follow the descriptors' and similarities', in order.
        for (const auto& n : value_names_)
            if (n.rfind("pred_", 0) == 0) {
                config_.score.weights = {{n, 1.0}};
                break;
            }
    }
    for (const auto& [col, w] : config_.score.weights) {
        auto it = std::find(value_names_.begin(), value_names_.end(), col);
        if (it == value_names_.end()) {
            std::string list;
            for (const auto& n : value_names_)
                list += (list.empty() ? "" : ", ") + n;
            throw UsageError("score.expression: unknown column '" + col +
                             "' (expected one of: " + list + ")");
        }
        weights_.emplace_back(static_cast<std::size_t>(it - value_names_.begin()), w);
    }
}

ScreenPlan::~ScreenPlan() = default;

void ScreenPlan::add_kept_columns(const std::vector<std::string>& names) {
    hit_columns_.insert(hit_columns_.end(), names.begin(), names.end());
    kept_columns_ += names.size();
}

namespace {

/// A score model: a directory from plmkit train, or the built-in one.
std::unique_ptr<PropertyPredictor> open_score_model(const ModelScoreOptions& m) {
    FeaturizerRuntime rt;
    rt.threads = 1;  // the screen's workers are the parallelism
    if (m.model != data::kDefaultModelName) return std::make_unique<PropertyPredictor>(m.model, rt);
    const auto config = data::default_model_config();
    const auto weights = data::default_model_weights();
    return std::make_unique<PropertyPredictor>(
        models::PropertyModel::from_memory(
            std::string(reinterpret_cast<const char*>(config.data), config.size), weights.data,
            weights.size, "<built-in default model>"),
        rt);
}

std::string column_safe(std::string s) {
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return s;
}

}  // namespace

void ScreenPlan::load_models() {
    for (const auto& m : config_.score.models) {
        auto p = open_score_model(m);
        p->set_probabilities(
            models::parse_probabilities(m.probabilities, "score.models.probabilities"), m.model);
        if (const std::string note = probabilities_note(p->model()); !note.empty())
            log_info("screen: score.models '" + m.name + "': " + note);
        if (p->input_kind() != InputKind::molecule)
            throw UsageError("score.models '" + m.name + "': '" + m.model +
                             "' is a protein model; a screen scores molecules");
        const auto& c = p->model().config();
        const std::string targets = c.targets.size() > 1
                                        ? "targets '" + c.targets.front() + "' and " +
                                              std::to_string(c.targets.size() - 1) + " more"
                                        : "target '" + c.targets.front() + "'";
        if (c.task == "multiclass")
            throw UsageError("score.models '" + m.name + "': '" + m.model +
                             "' is a multi-class model (" + targets + ", " +
                             std::to_string(c.classes.size()) +
                             " classes); a screen scores with regression or binary "
                             "classification models (one value per target)");
        for (const auto& target : c.targets) {
            std::string col = "pred_" + m.name;
            if (c.targets.size() > 1) col += "_" + column_safe(target);
            value_names_.push_back(col);
            if (p->model().has_spread()) value_names_.push_back(col + "_std");
        }
        models_.push_back(std::move(p));
    }
}

bool ScreenPlan::predict(ScreenItem& item) const {
    if (models_.empty()) return true;
    // The SMILES without a CXSMILES extension (" |o1:1,3|"): models are
    // trained on plain canonical SMILES, and a SMILES tokenizer has no space.
    const std::string smiles = item.smiles.substr(0, item.smiles.find(' '));
    for (std::size_t k = 0; k < models_.size(); ++k) {
        const PropertyPredictor& p = *models_[k];
        const std::size_t t = p.model().num_targets();
        std::vector<double> mean(t), sd(t);
        std::string why =
            p.predict_molecule(*item.mol, smiles, mean.data(), sd.data(), &item.values);
        if (!why.empty()) {
            item.reject(ScreenStep::score, "model " + config_.score.models[k].name + ": " + why);
            return false;
        }
        for (std::size_t j = 0; j < t; ++j) {
            item.values.push_back(mean[j]);
            if (p.model().has_spread()) item.values.push_back(sd[j]);
        }
    }
    return true;
}

double ScreenPlan::score(const std::vector<double>& values) const {
    double s = 0;
    for (const auto& [i, w] : weights_)
        s += w * values.at(i);
    return s;
}

void ScreenPlan::format_hit(ScreenItem& item, const std::string& molblock) const {
    item.score_text = format_score(score(item.values));
    item.score = std::strtod(item.score_text.c_str(), nullptr);
    std::string flags;
    for (const auto& fl : item.flags)
        flags += (flags.empty() ? "" : ";") + one_line_utf8(fl);
    std::vector<std::string> fields = {one_line_utf8(item.id), one_line_utf8(item.input_smiles),
                                       item.smiles};
    std::size_t sim = 0;
    for (std::size_t i = 0; i < value_names_.size(); ++i) {
        fields.push_back(format_value(item.values[i], integer_column_[i]));
        if (value_names_[i].rfind("sim_", 0) == 0)
            fields.push_back(one_line_utf8(item.nearest[sim++]));
    }
    fields.push_back(item.score_text);
    fields.push_back(flags);
    fields.push_back(std::to_string(item.record));
    for (std::size_t k = 0; k < kept_columns_; ++k)
        fields.push_back(k < item.kept.size() ? one_line_utf8(item.kept[k]) : std::string());
    std::string row;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) row += hits_sep_;
        row += csv_escape(fields[i], hits_sep_);
    }
    item.csv_row = std::move(row);
    if (!write_sdf_) return;
    std::string sdf = molblock;
    if (!sdf.empty() && sdf.back() != '\n') sdf += '\n';
    for (std::size_t i = 0; i < fields.size(); ++i)
        sdf += "> <" + sdf_tag_name(hit_columns_[i]) + ">\n" + data::sdf_value_line(fields[i]) +
               "\n\n";
    sdf += "$$$$\n";
    item.sdf_block = std::move(sdf);
}

const std::vector<std::string>& reject_columns() {
    static const std::vector<std::string> c = {"id",     "input_smiles", "step",
                                               "reason", "record",       "smiles"};
    return c;
}

std::string reject_line(const std::string& id, const std::string& input_smiles, ScreenStep step,
                        const std::string& reason, std::uint64_t record, const std::string& smiles,
                        const std::vector<std::string>& kept) {
    std::string line;
    line += csv_escape(one_line_utf8(id), '\t') + '\t';
    line += csv_escape(one_line_utf8(input_smiles), '\t') + '\t';
    line += std::string(step_name(step)) + '\t';
    line += csv_escape(one_line_utf8(reason), '\t') + '\t';
    line += std::to_string(record) + '\t';
    line += csv_escape(one_line_utf8(smiles), '\t');
    for (const auto& v : kept)
        line += '\t' + csv_escape(one_line_utf8(v), '\t');
    return line;
}

std::string top_cut_reason(std::uint64_t top, const std::string& score_text) {
    return "below top " + std::to_string(top) + " (score " + score_text + ")";
}

std::string duplicate_reason(const std::string& first_id, std::uint64_t first_record) {
    return "duplicate of " + first_id + " (record " + std::to_string(first_record) + ")";
}

std::string format_score(double score) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", score);
    if (std::string(buf) == "-0.000000") return "0.000000";
    return buf;
}

}  // namespace plmkit::pipelines
