#include "models/property_model.hpp"

#include "models/class_groups.hpp"
#include "models/module_tensors.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "src/json_file.hpp"
#include "src/safetensors.hpp"
#include "src/strings.hpp"
#include "src/version.hpp"

namespace plmkit::models {
namespace {

void write_text(const std::string& path, const std::string& text) {
    AtomicFile file(path);
    std::ofstream out(file.temp_path(), std::ios::binary);
    out << text;
    out.close();
    if (!out) throw IoError("cannot write '" + path + "': " + errno_message());
    file.commit();
}

}  // namespace

double PropertyModelConfig::part_weight(const std::string& part) const {
    if (part_weights.empty()) return 1.0;
    const auto parts = head_parts(head);
    for (std::size_t i = 0; i < parts.size() && i < part_weights.size(); ++i)
        if (parts[i] == part) return part_weights[i];
    return 0.0;
}

nlohmann::json boost_options_json(const BoostOptions& o) {
    return {{"rounds", o.rounds},
            {"learning_rate", o.learning_rate},
            {"max_leaves", o.max_leaves},
            {"max_depth", o.max_depth},
            {"min_samples_leaf", o.min_samples_leaf},
            {"l2", o.l2},
            {"subsample", o.subsample},
            {"colsample", o.colsample},
            {"max_bins", o.max_bins},
            {"patience", o.patience},
            {"seed", o.seed}};
}

nlohmann::json PropertyModelConfig::model_json() const {
    nlohmann::json m = {{"type", head},           {"input_dim", mlp.input_dim},
                        {"hidden", mlp.hidden},   {"output_dim", mlp.output_dim},
                        {"dropout", mlp.dropout}, {"input_dropout", mlp.input_dropout},
                        {"activation", "relu"}};
    if (!part_weights.empty()) m["weights"] = part_weights;
    if (uses_forest())
        m["forest"] = {{"trees", forest.trees},
                       {"max_features", forest.max_features},
                       {"min_samples_leaf", forest.min_samples_leaf},
                       {"max_depth", forest.max_depth},
                       {"seed", forest.seed}};
    if (uses_gbm()) m["gbm"] = boost_options_json(gbm);
    if (uses_mpnn()) m["mpnn"] = mpnn_options_json(mpnn, mpnn_members);
    if (uses_knn()) m["knn"] = {{"k", knn.k}, {"columns", {knn.begin, knn.end}}};
    return m;
}

std::size_t PropertyModelConfig::class_offset(std::size_t j) const {
    if (class_counts.empty()) return 0;
    return static_cast<std::size_t>(group_offset(class_counts, j));
}

std::vector<std::string> PropertyModelConfig::target_classes(std::size_t j) const {
    if (class_counts.size() <= 1) return classes;
    const auto b = classes.begin() + static_cast<std::ptrdiff_t>(class_offset(j));
    return std::vector<std::string>(b, b + class_counts.at(j));
}

nlohmann::json PropertyModelConfig::classes_json() const {
    if (task != "multiclass" || targets.empty()) return nullptr;
    if (targets.size() == 1) return {{targets.front(), classes}};
    nlohmann::json j = nlohmann::json::object();
    for (std::size_t t = 0; t < targets.size(); ++t)
        j[targets[t]] = target_classes(t);
    return j;
}

namespace {

/// A multi-class model: per target its classes (at least 2, none twice)
/// one output each, no target standardization; with several targets, only
/// the mlp and mpnn parts. Throws ModelError naming `where`.
void check_multiclass(PropertyModelConfig& c, const nlohmann::json& j, const std::string& where) {
    if (c.targets.empty()) throw ModelError(where + ": a multiclass model has no target");
    if (c.targets.size() > 1 && (c.uses_forest() || c.uses_gbm() || c.uses_knn()))
        throw ModelError(where +
                         ": a multiclass model of several targets has only mlp and mpnn "
                         "parts, this one is '" +
                         c.head + "'");
    const auto it = j.find("classes");
    c.classes.clear();
    c.class_counts.clear();
    for (const auto& target : c.targets) {
        if (it == j.end() || !it->is_object() || !it->contains(target))
            throw ModelError(where + ": a multiclass model needs \"classes\": {\"" + target +
                             "\": [...]}");
        std::vector<std::string> classes = it->at(target).get<std::vector<std::string>>();
        std::vector<std::string> sorted = classes;
        std::sort(sorted.begin(), sorted.end());
        if (classes.size() < 2 || std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
            throw ModelError(where + ": classes of '" + target +
                             "' must be at least 2 distinct labels, got " + it->at(target).dump());
        c.class_counts.push_back(static_cast<std::int64_t>(classes.size()));
        c.classes.insert(c.classes.end(), classes.begin(), classes.end());
    }
    if (static_cast<std::int64_t>(c.classes.size()) != c.mlp.output_dim)
        throw ModelError(where + ": " + count_noun(c.classes.size(), "class", "classes") +
                         " but the model has " + count_noun(c.mlp.output_dim, "output"));
    if (!c.target_mean.empty())
        throw ModelError(where + ": a multiclass model has no target_normalization");
}

}  // namespace

nlohmann::json PropertyModelConfig::to_json(std::size_t ensemble) const {
    nlohmann::json j = {{"format", kPropertyModelFormat},
                        {"format_version", kPropertyModelVersion},
                        {"plmkit_version", plmkit_version.empty() ? version() : plmkit_version},
                        {"task", task},
                        {"targets", targets},
                        {"input_col", input_col},
                        {"featurizer", featurizer},
                        {"target_normalization", {{"mean", target_mean}, {"std", target_std}}},
                        {"model", model_json()},
                        {"ensemble", ensemble},
                        {"member_encoders", member_encoders},
                        {"training", training}};
    if (task == "multiclass") j["classes"] = classes_json();  // only then: older files unchanged
    if (class_prior) j["class_prior"] = class_prior->to_json(task);
    return j;
}

namespace {

/// Throws ModelError unless `j` is a property model config of this format
/// version (or of none: files written before format_version).
void check_format(const nlohmann::json& j, const std::string& where) {
    if (j.value("format", std::string()) != kPropertyModelFormat)
        throw ModelError(where + ": not a plmkit property model (\"format\" is not \"" +
                         kPropertyModelFormat + "\")");
    const auto version = j.find("format_version");
    if (version != j.end() &&
        (!version->is_number_integer() || version->get<std::int64_t>() != kPropertyModelVersion))
        throw ModelError(where + ": format_version " + version->dump() + ", this build reads " +
                         std::to_string(kPropertyModelVersion) +
                         " (a model from another plmkit version?)");
}

/// config.json "model"."gbm" into `o`.
void read_gbm(BoostOptions& o, const nlohmann::json& g) {
    o.rounds = g.at("rounds").get<int>();
    o.learning_rate = g.at("learning_rate").get<double>();
    o.max_leaves = g.at("max_leaves").get<int>();
    o.max_depth = g.value("max_depth", 0);
    o.min_samples_leaf = g.at("min_samples_leaf").get<int>();
    o.l2 = g.at("l2").get<double>();
    o.subsample = g.at("subsample").get<double>();
    o.colsample = g.at("colsample").get<double>();
    o.max_bins = g.value("max_bins", 255);
    o.patience = g.value("patience", 0);
    o.seed = g.value("seed", std::uint64_t{0});
}

/// config.json "model"."forest" into `o`.
void read_forest(ForestOptions& o, const nlohmann::json& f) {
    o.trees = f.at("trees").get<int>();
    o.max_features = f.value("max_features", std::string("auto"));
    o.min_samples_leaf = f.value("min_samples_leaf", 1);
    o.max_depth = f.value("max_depth", 0);
    o.seed = f.value("seed", std::uint64_t{0});
}

/// config.json "model"."knn" into `o`.
void read_knn(KnnOptions& o, const nlohmann::json& k, const std::string& where) {
    o.k = k.at("k").get<int>();
    const auto columns = k.at("columns").get<std::vector<std::int64_t>>();
    if (columns.size() != 2) throw ModelError(where + ": model knn columns must be [begin, end]");
    o.begin = columns[0];
    o.end = columns[1];
}

/// config.json "model" into `c`: the MLP's sizes, the head, its part
/// weights and each part's options.
void read_model(PropertyModelConfig& c, const nlohmann::json& m, const std::string& where) {
    c.mlp.input_dim = m.at("input_dim").get<std::int64_t>();
    c.mlp.hidden = m.at("hidden").get<std::vector<std::int64_t>>();
    c.mlp.output_dim = m.at("output_dim").get<std::int64_t>();
    c.mlp.dropout = m.value("dropout", 0.0);
    c.mlp.input_dropout = m.value("input_dropout", 0.0);
    c.head = m.value("type", std::string("mlp"));
    if (!valid_head(c.head))
        throw ModelError(where + ": model type '" + c.head +
                         "' is not mlp, forest, gbm, mpnn, knn or a '+' of them");
    if (m.contains("weights")) {
        c.part_weights = m.at("weights").get<std::vector<double>>();
        const std::string why = head_weights_problem(c.head, c.part_weights);
        if (!why.empty()) throw ModelError(where + ": model weights: " + why);
    }
    if (c.uses_gbm()) read_gbm(c.gbm, m.at("gbm"));
    if (c.uses_forest()) read_forest(c.forest, m.at("forest"));
    if (c.uses_knn()) read_knn(c.knn, m.at("knn"), where);
    if (c.uses_mpnn()) {
        c.mpnn = mpnn_options_from_json(m.at("mpnn"), where, &c.mpnn_members);
        c.mpnn.ffn.output_dim = c.mlp.output_dim;
    }
}

/// A regression or classification model: one output and at most one
/// mean and std per target. Throws ModelError naming `where`.
void check_targets(const PropertyModelConfig& c, const std::string& where) {
    if (c.targets.empty() || static_cast<std::int64_t>(c.targets.size()) != c.mlp.output_dim)
        throw ModelError(where + ": " + count_noun(c.targets.size(), "target") +
                         " but the model has " + count_noun(c.mlp.output_dim, "output"));
    if (!c.target_mean.empty() &&
        (c.target_mean.size() != c.targets.size() || c.target_std.size() != c.targets.size()))
        throw ModelError(where + ": target_normalization needs one mean and std per target");
}

}  // namespace

PropertyModelConfig PropertyModelConfig::from_json(const nlohmann::json& j,
                                                   const std::string& where) {
    check_format(j, where);
    try {
        PropertyModelConfig c;
        c.plmkit_version = j.at("plmkit_version").get<std::string>();
        c.task = j.at("task").get<std::string>();
        c.targets = j.at("targets").get<std::vector<std::string>>();
        c.input_col = j.at("input_col").get<std::string>();
        c.featurizer = j.at("featurizer");
        c.target_mean = j.at("target_normalization").at("mean").get<std::vector<double>>();
        c.target_std = j.at("target_normalization").at("std").get<std::vector<double>>();
        read_model(c, j.at("model"), where);
        c.training = j.value("training", nlohmann::json::object());
        c.member_encoders = j.value("member_encoders", false);
        if (c.task != "regression" && c.task != "classification" && c.task != "multiclass")
            throw ModelError(where + ": task '" + c.task +
                             "' is not regression, classification or multiclass");
        if (j.contains("class_prior"))
            c.class_prior = ClassPrior::from_json(j.at("class_prior"), c.task,
                                                  static_cast<std::size_t>(c.mlp.output_dim), where,
                                                  c.task == "multiclass" ? c.targets.size() : 1);
        if (c.task == "multiclass")
            check_multiclass(c, j, where);
        else
            check_targets(c, where);
        return c;
    } catch (const nlohmann::json::exception& e) {
        throw ModelError(where + ": " + e.what());
    }
}

namespace {

/// A multiclass model's classes: 2 or more, a count per target (one target:
/// all the classes, filled in when empty) adding up to them; with several
/// targets, no tree or neighbour parts (`trees`). Throws ModelError.
void check_class_counts(PropertyModelConfig& c, bool trees) {
    if (c.classes.size() < 2)
        throw ModelError("a multiclass property model needs 2 or more classes");
    if (c.class_counts.empty()) c.class_counts = {static_cast<std::int64_t>(c.classes.size())};
    if (c.class_counts.size() != c.targets.size() ||
        group_offset(c.class_counts, c.class_counts.size()) !=
            static_cast<std::int64_t>(c.classes.size()))
        throw ModelError(
            "a multiclass property model needs a class count per target, adding "
            "up to its classes");
    if (c.targets.size() > 1 && trees)
        throw ModelError("a multiclass model of several targets has only mlp and mpnn parts");
}

}  // namespace

PropertyModel::PropertyModel(PropertyModelConfig config, std::vector<Mlp> members,
                             std::vector<EncoderState> encoders,
                             std::shared_ptr<const Forest> forest,
                             std::shared_ptr<const BoostedTrees> gbm,
                             std::shared_ptr<const MpnnEnsemble> mpnn,
                             std::shared_ptr<const NearestNeighbours> knn)
    : config_(std::move(config)),
      members_(std::move(members)),
      encoders_(std::move(encoders)),
      forest_(std::move(forest)),
      gbm_(std::move(gbm)),
      mpnn_(std::move(mpnn)),
      knn_(std::move(knn)) {
    const std::string why = head_weights_problem(config_.head, config_.part_weights);
    if (!why.empty()) throw ModelError("model weights: " + why);
    const bool multiclass = config_.task == "multiclass";
    if (multiclass) check_class_counts(config_, forest_ || gbm_ || knn_);
    const bool wants_mlp = config_.uses_mlp();
    if (wants_mlp && members_.empty())
        throw ModelError("a property model with an MLP head needs at least one member");
    if (!wants_mlp && !members_.empty())
        throw ModelError("a tree-only property model has no MLP members");
    if (config_.uses_forest() != (forest_ != nullptr) || config_.uses_gbm() != (gbm_ != nullptr))
        throw ModelError("model type '" + config_.head + "' and the tree models do not agree");
    if (forest_ && (forest_->input_dim() != config_.mlp.input_dim ||
                    forest_->num_outputs() != config_.mlp.output_dim ||
                    forest_->num_classes() != (multiclass ? config_.mlp.output_dim : 0)))
        throw ModelError("the forest's input or output size or classes differ from the model's");
    if (gbm_ && (gbm_->input_dim() != config_.mlp.input_dim ||
                 gbm_->num_outputs() != config_.mlp.output_dim ||
                 gbm_->num_classes() != (multiclass ? config_.mlp.output_dim : 0) ||
                 gbm_->classification() != (config_.task == "classification")))
        throw ModelError(
            "the boosted trees' input size, output size or task differs from the model's");
    if ((forest_ || gbm_) && !encoders_.empty())
        throw ModelError("a tree model needs fixed features, not fine-tuned encoders");
    if (config_.uses_knn() != (knn_ != nullptr))
        throw ModelError("model type '" + config_.head + "' and the neighbours do not agree");
    if (knn_) {
        if (knn_->input_dim() != config_.mlp.input_dim ||
            knn_->num_targets() != config_.mlp.output_dim)
            throw ModelError("the neighbours' input or output size differs from the model's");
        if (multiclass && !knn_->one_hot())
            throw ModelError("a multiclass model's neighbours have one class label a row");
        if (!encoders_.empty())
            throw ModelError("neighbours need fixed features, not fine-tuned encoders");
        config_.knn = knn_->options();
    }
    if (config_.uses_mpnn() != (mpnn_ != nullptr))
        throw ModelError("model type '" + config_.head + "' and the D-MPNNs do not agree");
    if (mpnn_) {
        if (!encoders_.empty())
            throw ModelError("D-MPNNs cannot be combined with fine-tuned encoders");
        const auto& mo = mpnn_->options();
        if (mo.ffn.output_dim != config_.mlp.output_dim ||
            (mo.feature_dim() != 0 && mo.feature_dim() != config_.mlp.input_dim))
            throw ModelError("the D-MPNNs' feature or output size differs from the model's");
        config_.mpnn = mo;
        config_.mpnn_members = mpnn_->size();
    }
    config_.member_encoders = !encoders_.empty();
    if (!encoders_.empty() && encoders_.size() != members_.size())
        throw ModelError("a property model needs one encoder state per member");
    for (auto& m : members_)
        m->eval();
}

namespace {

/// Members of an ensemble from `file`, every tensor checked by name, shape
/// and dtype, and nothing left over.
std::vector<Mlp> read_members(const PropertyModelConfig& config, std::size_t k,
                              const SafetensorsFile& file,
                              std::vector<PropertyModel::EncoderState>* encoders,
                              std::size_t other_tensors) {
    std::vector<Mlp> members;
    std::size_t expected = other_tensors;
    for (std::size_t m = 0; m < k; ++m) {
        Mlp mlp(config.mlp);
        expected += read_parameters(*mlp, file, "members." + std::to_string(m) + ".");
        members.push_back(mlp);
    }
    if (encoders) {
        encoders->assign(k, {});
        for (const auto& name : file.names()) {
            for (std::size_t m = 0; m < k; ++m) {
                const std::string prefix = "members." + std::to_string(m) + ".encoder.";
                if (name.rfind(prefix, 0) != 0) continue;
                const TensorView& v = file.get(name);
                if (v.dtype != StoredDType::f32)
                    throw ModelError(file.path() + ": tensor '" + name + "' is " +
                                     to_string(v.dtype) + ", expected F32");
                at::Tensor t = at::empty(v.shape, at::kFloat);
                std::memcpy(t.data_ptr<float>(), v.data, v.nbytes);
                (*encoders)[m].emplace_back(name.substr(prefix.size()), t);
                ++expected;
            }
        }
    }
    if (file.names().size() != expected)
        throw ModelError(file.path() + ": holds " + count_noun(file.names().size(), "tensor") +
                         ", expected " + std::to_string(expected) + " for " +
                         count_noun(k, "ensemble member") +
                         (other_tensors ? " and the other parts" : ""));
    return members;
}

/// Refuses weights that are not finite: a damaged file (a flipped byte)
/// would otherwise give NaN predictions that look like a finished run. Every
/// floating-point tensor a property model stores (weights, tree thresholds
/// and leaf values, neighbours' values and labels) is finite.
void check_finite(const SafetensorsFile& file) {
    for (const auto& name : file.names()) {
        const TensorView& v = file.get(name);
        bool ok = true;
        if (v.dtype == StoredDType::f32) {
            const auto* bytes = static_cast<const unsigned char*>(v.data);
            for (std::size_t i = 0; ok && i < v.nbytes / sizeof(float); ++i) {
                float x;  // copied: the tensor's offset need not be aligned
                std::memcpy(&x, bytes + i * sizeof(float), sizeof x);
                ok = std::isfinite(x);
            }
        } else if (v.dtype == StoredDType::f64) {
            const auto* bytes = static_cast<const unsigned char*>(v.data);
            for (std::size_t i = 0; ok && i < v.nbytes / sizeof(double); ++i) {
                double x;
                std::memcpy(&x, bytes + i * sizeof(double), sizeof x);
                ok = std::isfinite(x);
            }
        }
        if (!ok)
            throw ModelError(file.path() + " holds NaN/inf weights: tensor '" + name +
                             "' (a damaged file? train the model again or restore it)");
    }
}

nlohmann::json parse_config(const std::string& text, const std::string& where) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw ModelError(where + ": invalid JSON: " + e.what());
    }
}

}  // namespace

PropertyModel PropertyModel::from_file(const nlohmann::json& j, PropertyModelConfig config,
                                       const SafetensorsFile& file) {
    check_finite(file);
    std::vector<EncoderState> encoders;
    std::shared_ptr<const Forest> forest;
    std::shared_ptr<const BoostedTrees> gbm;
    const auto targets = static_cast<std::int64_t>(config.targets.size());
    // A multi-class model's forest has K values a leaf, its boosted trees K
    // trees a round, its neighbours K one-hot targets.
    const auto classes = static_cast<std::int64_t>(config.classes.size());
    std::size_t tree_tensors = 0;
    if (config.uses_forest()) {
        forest = std::make_shared<const Forest>(
            Forest::from_tensors(file, config.mlp.input_dim, targets, classes));
        tree_tensors = Forest::tensor_count(targets);
    }
    if (config.uses_gbm()) {
        gbm = std::make_shared<const BoostedTrees>(
            BoostedTrees::from_tensors(file, config.mlp.input_dim, targets, config.task, classes));
        tree_tensors += BoostedTrees::tensor_count(targets, classes);
    }
    std::shared_ptr<const MpnnEnsemble> mpnn;
    if (config.uses_mpnn()) {
        mpnn = std::make_shared<const MpnnEnsemble>(
            MpnnEnsemble::from_tensors(file, config.mpnn, config.mpnn_members));
        tree_tensors += mpnn->tensor_count();
    }
    std::shared_ptr<const NearestNeighbours> knn;
    if (config.uses_knn()) {
        knn = std::make_shared<const NearestNeighbours>(NearestNeighbours::from_tensors(
            file, config.mlp.input_dim, static_cast<std::int64_t>(config.num_outputs()),
            config.knn));
        tree_tensors += NearestNeighbours::tensor_count();
    }
    const std::size_t k = j.value("ensemble", config.uses_mlp() ? 1 : 0);
    auto members =
        read_members(config, k, file, config.member_encoders ? &encoders : nullptr, tree_tensors);
    return PropertyModel(std::move(config), std::move(members), std::move(encoders),
                         std::move(forest), std::move(gbm), std::move(mpnn), std::move(knn));
}

PropertyModel PropertyModel::load(const std::string& dir) {
    const std::string config_path = dir + "/config.json";
    std::ifstream in(config_path);
    if (!in) {
        const std::string why = errno_message();
        std::error_code ec;
        // A directory without config.json is not a model (train writes it last).
        if (!std::filesystem::is_directory(dir, ec) || std::filesystem::exists(config_path, ec))
            throw IoError("cannot open model config '" + config_path + "': " + why);
        if (std::filesystem::is_directory(dir + "/checkpoints", ec))
            throw ModelError(dir +
                             " has no config.json: it is an unfinished plmkit train run "
                             "(it has checkpoints/; finish it with plmkit train --resume)");
        throw ModelError(dir + " is not a model directory: it has no config.json");
    }
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json j = parse_config(text.str(), config_path);
    PropertyModelConfig config = PropertyModelConfig::from_json(j, config_path);
    std::unique_ptr<SafetensorsFile> file;
    try {
        file = std::make_unique<SafetensorsFile>(dir + "/model.safetensors");
    } catch (const IoError& e) {
        // config.json without its weights: a model directory, incomplete.
        throw ModelError(dir + ": the model directory is incomplete: " + e.what());
    }
    return from_file(j, std::move(config), *file);
}

PropertyModel PropertyModel::from_memory(const std::string& config_json, const void* weights,
                                         std::size_t size, const std::string& name) {
    nlohmann::json j = parse_config(config_json, name + "/config.json");
    PropertyModelConfig config = PropertyModelConfig::from_json(j, name + "/config.json");
    SafetensorsFile file(name + "/model.safetensors", weights, size);
    return from_file(j, std::move(config), file);
}

void PropertyModel::save(const std::string& dir) const {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw IoError("cannot create model directory '" + dir + "': " + ec.message());
    std::vector<at::Tensor> keep;
    std::vector<TensorView> views;
    for (std::size_t m = 0; m < members_.size(); ++m) {
        for (const auto& p : members_[m]->named_parameters()) {
            at::Tensor t = p.value().detach().to(at::kFloat).contiguous();
            keep.push_back(t);
            TensorView v;
            v.name = "members." + std::to_string(m) + "." + p.key();
            v.dtype = StoredDType::f32;
            v.shape.assign(t.sizes().begin(), t.sizes().end());
            v.data = t.data_ptr<float>();
            v.nbytes = static_cast<std::size_t>(t.numel()) * sizeof(float);
            views.push_back(v);
        }
    }
    for (std::size_t m = 0; m < encoders_.size(); ++m) {
        for (const auto& [name, value] : encoders_[m]) {
            at::Tensor t = value.detach().to(at::kCPU, at::kFloat).contiguous();
            keep.push_back(t);
            TensorView v;
            v.name = "members." + std::to_string(m) + ".encoder." + name;
            v.dtype = StoredDType::f32;
            v.shape.assign(t.sizes().begin(), t.sizes().end());
            v.data = t.data_ptr<float>();
            v.nbytes = static_cast<std::size_t>(t.numel()) * sizeof(float);
            views.push_back(v);
        }
    }
    std::vector<std::vector<char>> forest_data;
    if (forest_) forest_->to_tensors(views, forest_data);
    if (gbm_) gbm_->to_tensors(views, forest_data);
    if (mpnn_) mpnn_->to_tensors(views, keep);
    if (knn_) knn_->to_tensors(views, forest_data);
    AtomicFile weights(dir + "/model.safetensors");
    write_safetensors(weights.temp_path(), views, {{"format", "pt"}});
    weights.commit();
    write_text(dir + "/config.json", json_text(config_.to_json(members_.size())) + "\n");
}

}  // namespace plmkit::models
