#pragma once
// The parts of a property model's head (--head mlp+forest+...): which parts
// a head names, whether a head is valid, and its part weights.
#include <string>
#include <vector>

namespace plmkit::models {

/// The parts of `head`, in order ("mlp+forest" -> mlp, forest).
std::vector<std::string> head_parts(const std::string& head);
/// Whether `head` ("mlp+forest", ...) names `part`.
bool has_head_part(const std::string& head, const std::string& part);
/// Whether `head` is one or more of mlp, forest, gbm, mpnn, knn joined by '+',
/// none twice.
bool valid_head(const std::string& head);
/// Why `weights` cannot weigh the parts of `head` (one finite weight > 0
/// per part, in the order the head names them; empty means equal weights),
/// or "" when they can.
std::string head_weights_problem(const std::string& head, const std::vector<double>& weights);

}  // namespace plmkit::models
