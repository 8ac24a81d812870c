#include "models/head_parts.hpp"
#include "src/strings.hpp"

#include <cmath>

namespace plmkit::models {

std::vector<std::string> head_parts(const std::string& head) {
    std::vector<std::string> parts;
    std::size_t b = 0;
    while (true) {
        const std::size_t e = head.find('+', b);
        parts.push_back(head.substr(b, e == std::string::npos ? std::string::npos : e - b));
        if (e == std::string::npos) break;
        b = e + 1;
    }
    return parts;
}

bool has_head_part(const std::string& head, const std::string& part) {
    for (const auto& p : head_parts(head))
        if (p == part) return true;
    return false;
}

bool valid_head(const std::string& head) {
    const auto parts = head_parts(head);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (parts[i] != "mlp" && parts[i] != "forest" && parts[i] != "gbm" && parts[i] != "mpnn" &&
            parts[i] != "knn")
            return false;
        for (std::size_t j = 0; j < i; ++j)
            if (parts[j] == parts[i]) return false;
    }
    return true;
}

std::string head_weights_problem(const std::string& head, const std::vector<double>& weights) {
    if (weights.empty()) return "";
    const auto parts = head_parts(head);
    if (weights.size() != parts.size())
        return count_noun(weights.size(), "weight") + " for the " +
               count_noun(parts.size(), "part") + " of '" + head + "'";
    for (double w : weights)
        if (!std::isfinite(w) || w <= 0) return "a weight is not a finite number > 0";
    return "";
}

}  // namespace plmkit::models
