#include "pipelines/duplicate_inputs.hpp"

#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <cmath>
#include <unordered_map>

#include "data/splits.hpp"
#include "pipelines/mol_parse.hpp"
#include "src/log.hpp"
#include "src/strings.hpp"

namespace plmkit::pipelines {

namespace {

constexpr std::size_t kExamples = 3;

/// Whether rows a and b hold different values on a target both label.
bool values_differ(const std::vector<double>& targets, std::size_t nt, std::size_t a,
                   std::size_t b) {
    for (std::size_t k = 0; k < nt; ++k) {
        const double x = targets[a * nt + k], y = targets[b * nt + k];
        if (!std::isnan(x) && !std::isnan(y) && x != y) return true;
    }
    return false;
}

}  // namespace

nlohmann::json DuplicateInputs::to_json() const {
    return {
        {"rows", repeats}, {"held_out_in_train", held_out_in_train}, {"conflicting", conflicting}};
}

DuplicateInputs find_duplicate_inputs(const std::vector<std::string>& keys,
                                      const std::vector<int>& sets,
                                      const std::vector<double>& targets, std::size_t num_targets) {
    DuplicateInputs d;
    std::unordered_map<std::string, std::size_t> first;  // key -> its first row
    std::unordered_map<std::size_t, bool> in_train;      // first row -> a copy is a training row
    std::vector<std::size_t> group(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const auto [it, fresh] = first.emplace(keys[i], i);
        group[i] = it->second;
        if (sets[i] == data::kTrain) in_train[it->second] = true;
        if (fresh) continue;
        ++d.repeats;
        if (values_differ(targets, num_targets, i, it->second)) ++d.conflicting;
        if (d.examples.size() < kExamples) d.examples.emplace_back(i, it->second);
    }
    for (std::size_t i = 0; i < keys.size(); ++i)
        if ((sets[i] == data::kValid || sets[i] == data::kTest) && in_train.count(group[i]))
            ++d.held_out_in_train;
    return d;
}

std::string canonical_molecule_key(const std::string& input) {
    if (input.find('\n') != std::string::npos) return shown_smiles(input);  // an SDF mol block
    const ParseResult parsed = parse_smiles(input);
    return parsed.mol ? RDKit::MolToSmiles(*parsed.mol) : input;
}

std::string duplicate_inputs_warning(const DuplicateInputs& d, const PropertyTable& t,
                                     bool molecules) {
    if (d.repeats == 0) return "";
    const std::string what = molecules ? "molecule (the same canonical SMILES)" : "sequence";
    std::string w = count_noun(d.repeats, "row") + (d.repeats == 1 ? " repeats" : " repeat") +
                    " the " + what + " of an earlier row:";
    for (std::size_t k = 0; k < d.examples.size(); ++k) {
        const auto [row, copy] = d.examples[k];
        w += std::string(k ? "," : "") + " row " + std::to_string(t.index[row]) + " ('" +
             t.ids[row] + "') of row " + std::to_string(t.index[copy]) + " ('" + t.ids[copy] + "')";
    }
    if (d.repeats > d.examples.size()) w += ", ...";
    if (d.held_out_in_train > 0)
        w += "; " + std::to_string(d.held_out_in_train) +
             " valid or test rows hold an input that is also a training row's, so their metrics "
             "(and early stopping) score inputs the model trained on: merge or remove the "
             "copies" +
             (molecules ? std::string(", or use --split scaffold (a molecule's copies share "
                                      "its scaffold, so one set)")
                        : std::string());
    if (d.conflicting > 0)
        w += "; " + std::to_string(d.conflicting) +
             " of the repeats have another value than the first copy";
    return w;
}

nlohmann::json check_duplicate_inputs(const PropertyTable& t, const std::vector<int>& sets,
                                      bool molecules) {
    std::vector<std::string> keys;
    keys.reserve(t.size());
    for (const auto& input : t.inputs)
        keys.push_back(molecules ? canonical_molecule_key(input) : input);
    const DuplicateInputs d = find_duplicate_inputs(keys, sets, t.targets, t.num_targets);
    const std::string w = duplicate_inputs_warning(d, t, molecules);
    if (!w.empty()) log_warn("train: " + w);
    return d.to_json();
}

}  // namespace plmkit::pipelines
