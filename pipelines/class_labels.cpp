#include "pipelines/class_labels.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

#include "src/error.hpp"

namespace plmkit::pipelines {
namespace {

/// Whether `s` is a decimal number (the labels then sort by value).
bool decimal_value(const std::string& s, double& value) {
    if (s.empty() || s.find_first_not_of("0123456789+-.eE") != std::string::npos) return false;
    char* end = nullptr;
    value = std::strtod(s.c_str(), &end);
    return end != s.c_str() && *end == '\0' && std::isfinite(value);
}

std::string class_list(const std::vector<std::string>& classes) {
    std::string out;
    for (const auto& c : classes)
        out += (out.empty() ? "" : ", ") + c;
    return out;
}

}  // namespace

std::vector<std::string> training_classes(const PropertyTable& t,
                                          const std::vector<std::size_t>& rows, std::size_t j) {
    std::set<std::string> seen;
    for (std::size_t r : rows) {
        const std::string& label = t.labels.at(r * t.num_targets + j);
        if (!label.empty()) seen.insert(label);
    }
    std::vector<std::string> classes(seen.begin(), seen.end());
    std::vector<double> values(classes.size());
    bool numeric = true;
    for (std::size_t i = 0; i < classes.size() && numeric; ++i)
        numeric = decimal_value(classes[i], values[i]);
    if (!numeric) return classes;  // std::set: byte order
    std::vector<std::size_t> order(classes.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    // Equal values ("1" and "1.0") keep their byte order.
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    std::vector<std::string> sorted;
    for (std::size_t i : order)
        sorted.push_back(classes[i]);
    return sorted;
}

std::vector<std::string> map_class_labels(PropertyTable& t, const std::vector<std::string>& classes,
                                          const std::string& target) {
    if (t.num_targets != 1 || t.labels.size() != t.size())
        throw Error("map_class_labels: a table of one multiclass target expected");
    return map_class_labels(t, std::vector<std::vector<std::string>>{classes}, {target});
}

std::vector<std::string> map_class_labels(PropertyTable& t,
                                          const std::vector<std::vector<std::string>>& classes,
                                          const std::vector<std::string>& targets) {
    const std::size_t nt = t.num_targets;
    if (nt == 0 || classes.size() != nt || targets.size() != nt || t.labels.size() != t.size() * nt)
        throw Error("map_class_labels: a table of " + std::to_string(classes.size()) +
                    " multiclass targets expected");
    std::vector<std::string> reasons(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
        for (std::size_t j = 0; j < nt; ++j) {
            const std::string& label = t.labels[i * nt + j];
            double& value = t.targets[i * nt + j];
            value = std::nan("");
            if (label.empty()) continue;
            const auto& cj = classes[j];
            const auto it = std::find(cj.begin(), cj.end(), label);
            if (it != cj.end()) {
                value = static_cast<double>(it - cj.begin());
                continue;
            }
            if (reasons[i].empty())
                reasons[i] = "target '" + targets[j] + "' has label '" + label +
                             "', which is not a class of the model (trained on the " +
                             std::to_string(cj.size()) + " classes " + class_list(cj) + ")";
        }
    }
    return reasons;
}

std::vector<char> reject_rows(PropertyTable& t, const std::vector<std::string>& reasons) {
    const std::size_t n = t.size(), nt = t.num_targets, d = t.dim;
    std::vector<char> keep(n, 1);
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!reasons[i].empty()) {
            keep[i] = 0;
            t.rejects.push_back(reject_line(t.index[i], t.ids[i], t.inputs[i], reasons[i],
                                            t.lines.empty() ? 0 : t.lines[i]));
            continue;
        }
        if (k != i) {
            t.index[k] = t.index[i];
            if (!t.lines.empty()) t.lines[k] = t.lines[i];
            t.ids[k] = std::move(t.ids[i]);
            t.inputs[k] = std::move(t.inputs[i]);
            if (!t.features.empty()) std::copy_n(&t.features[i * d], d, &t.features[k * d]);
            std::copy_n(&t.targets[i * nt], nt, &t.targets[k * nt]);
            for (std::size_t j = 0; j < nt && !t.labels.empty(); ++j)
                t.labels[k * nt + j] = std::move(t.labels[i * nt + j]);
            if (!t.scaffolds.empty()) t.scaffolds[k] = std::move(t.scaffolds[i]);
            if (!t.split_values.empty()) t.split_values[k] = std::move(t.split_values[i]);
            if (!t.valid_flags.empty()) t.valid_flags[k] = std::move(t.valid_flags[i]);
            if (!t.graphs.empty()) t.graphs[k] = std::move(t.graphs[i]);
        }
        ++k;
    }
    if (k == n) return keep;
    t.index.resize(k);
    if (!t.lines.empty()) t.lines.resize(k);
    t.ids.resize(k);
    t.inputs.resize(k);
    if (!t.features.empty()) t.features.resize(k * d);
    t.targets.resize(k * nt);
    if (!t.labels.empty()) t.labels.resize(k * nt);
    if (!t.scaffolds.empty()) t.scaffolds.resize(k);
    if (!t.split_values.empty()) t.split_values.resize(k);
    if (!t.valid_flags.empty()) t.valid_flags.resize(k);
    if (!t.graphs.empty()) t.graphs.resize(k);
    std::stable_sort(t.rejects.begin(), t.rejects.end(), [](const auto& a, const auto& b) {
        return std::stoull(a.substr(0, a.find('\t'))) < std::stoull(b.substr(0, b.find('\t')));
    });
    return keep;
}

std::vector<std::string> class_columns(const std::string& target,
                                       const std::vector<std::string>& classes) {
    std::vector<std::string> names;
    for (const auto& c : classes) {
        std::string safe = c;
        for (char& ch : safe)
            if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '.') ch = '_';
        const std::string base = target + "_prob_" + safe;
        std::string name = base;
        for (int k = 2; std::find(names.begin(), names.end(), name) != names.end(); ++k)
            name = base + "_" + std::to_string(k);
        names.push_back(name);
    }
    return names;
}

}  // namespace plmkit::pipelines
