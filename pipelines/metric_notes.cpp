#include "pipelines/metric_notes.hpp"
#include "src/strings.hpp"

#include <cmath>

namespace plmkit::pipelines {
namespace {

std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

/// Why the metrics of a target with these labelled pairs are undefined.
std::string reason(const std::string& task, const std::vector<double>& t,
                   const std::vector<double>& p) {
    const std::string rows = count_noun(t.size(), "labelled row");
    if (t.empty()) return "no labelled row";
    if (task == "classification") {
        std::size_t pos = 0;
        for (double v : t)
            pos += v > 0.5 ? 1 : 0;
        if (pos == 0 || pos == t.size())
            return "all " + rows + " are class " + (pos == 0 ? "0" : "1") +
                   " (a ranking metric needs both classes)";
    }
    if (t.size() < 2) return "only " + rows;
    if (task == "multiclass") {
        for (double v : t)
            if (v != t.front()) return "undefined for these " + rows;
        return "all " + rows + " are one class (a ranking metric needs two)";
    }
    auto constant = [](const std::vector<double>& v) {
        for (double x : v)
            if (x != v.front()) return false;
        return true;
    };
    if (constant(t)) return "all " + rows + " have the same value (no spread to explain)";
    if (constant(p)) return "the predictions of all " + rows + " are the same (no ranking)";
    return "undefined for these " + rows;
}

}  // namespace

std::string null_metrics_note(const std::string& task, const std::vector<double>& y_true,
                              const std::vector<double>& y_pred,
                              const std::map<std::string, double>& metrics) {
    std::vector<std::string> nulls;
    for (const auto& [name, value] : metrics)
        if (std::isnan(value)) nulls.push_back(name);
    if (nulls.empty()) return "";
    std::vector<double> t, p;
    for (std::size_t i = 0; i < y_true.size() && i < y_pred.size(); ++i) {
        if (std::isnan(y_true[i]) || std::isnan(y_pred[i])) continue;
        t.push_back(y_true[i]);
        p.push_back(y_pred[i]);
    }
    return join(nulls) + (nulls.size() == 1 ? " is" : " are") + " null: " + reason(task, t, p);
}

std::string mean_note(const std::map<std::string, int>& defined, std::size_t targets) {
    std::map<int, std::vector<std::string>> by_count;
    for (const auto& [name, count] : defined)
        if (static_cast<std::size_t>(count) < targets) by_count[count].push_back(name);
    std::string out;
    for (const auto& [count, names] : by_count) {
        if (!out.empty()) out += "; ";
        out += join(names) + ": " +
               (count == 0 ? "null for every target"
                           : "mean of the " + std::to_string(count) + " of " +
                                 std::to_string(targets) + " targets where defined");
    }
    return out;
}

}  // namespace plmkit::pipelines
