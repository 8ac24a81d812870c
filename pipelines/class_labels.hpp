#pragma once
// Class labels of a multi-class target (--task multiclass, docs/train.md):
// the classes a model learns (the sorted distinct labels of the training
// rows), mapping a table's label text to class indices with a reason for a
// label outside them, and the names of predict's probability columns.
#include <string>
#include <vector>

#include "pipelines/property_table.hpp"

namespace plmkit::pipelines {

/// The distinct labels of target column `j` among `rows` of `t` (its
/// PropertyTable::labels; "" = missing, skipped), sorted: by value when
/// every label is a decimal number ("2" before "10"), else by byte order.
std::vector<std::string> training_classes(const PropertyTable& t,
                                          const std::vector<std::size_t>& rows, std::size_t j = 0);

/// Sets t.targets from t.labels (one target): a label's class index, NaN for
/// a missing one. Returns per row "" or, for a label not among `classes`,
/// the reason ("target 'location' has label 'X', which is not a class of
/// the model (trained on the classes A, B, C)"); such a row's target is NaN.
std::vector<std::string> map_class_labels(PropertyTable& t, const std::vector<std::string>& classes,
                                          const std::string& target);

/// The same for a table of several multiclass targets: target j's label
/// maps to its index among classes[j]; a row's reason names the first
/// target whose label is not among its classes (that target is NaN).
std::vector<std::string> map_class_labels(PropertyTable& t,
                                          const std::vector<std::vector<std::string>>& classes,
                                          const std::vector<std::string>& targets);

/// Moves the rows with a reason (`reasons`, one per row; "" = keep) to
/// t.rejects (kept in input order) and out of every per-row column. Returns
/// which rows were kept (1) or dropped (0).
std::vector<char> reject_rows(PropertyTable& t, const std::vector<std::string>& reasons);

/// predict's probability columns: `<target>_prob_<class>`, the class with
/// every character other than a letter, digit, '-' or '.' made '_'; two
/// classes that would get the same name get a suffix _2, _3, ... (by class
/// order) so that every column is distinct.
std::vector<std::string> class_columns(const std::string& target,
                                       const std::vector<std::string>& classes);

}  // namespace plmkit::pipelines
