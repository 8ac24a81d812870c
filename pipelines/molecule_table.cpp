#include "pipelines/molecule_table.hpp"

#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>

#include "data/molecule_reader.hpp"
#include "models/metrics.hpp"
#include "pipelines/mol_parse.hpp"
#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "src/runtime.hpp"

namespace plmkit::pipelines {
namespace {

std::string clean(std::string s) {
    for (char& c : s)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return s;
}

std::string reject_line(const data::MoleculeRecord& r, const std::string& reason) {
    return std::to_string(r.index) + "\t" + clean(r.id) + "\t" + clean(r.smiles) + "\t" +
           clean(reason);
}

/// Parses a target value; "" -> NaN. Returns false (with `why`) when bad.
bool parse_target(const std::string& name, const std::string& text, const std::string& task,
                  double& value, std::string& why) {
    std::string t = text;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back())))
        t.pop_back();
    std::size_t b = t.find_first_not_of(" \t");
    t = b == std::string::npos ? "" : t.substr(b);
    if (t.empty() || t == "NA" || t == "NaN" || t == "nan") {
        value = std::nan("");
        return true;
    }
    char* end = nullptr;
    value = std::strtod(t.c_str(), &end);
    if (end == t.c_str() || *end != '\0' || !std::isfinite(value)) {
        why = "target '" + name + "' is not a number: '" + text + "'";
        return false;
    }
    if (task == "classification" && value != 0.0 && value != 1.0) {
        why = "classification target '" + name + "' must be 0 or 1, got '" + text + "'";
        return false;
    }
    return true;
}

std::string scaffold_of(const RDKit::ROMol& mol) {
    std::unique_ptr<RDKit::ROMol> core(RDKit::MurckoDecompose(mol));
    if (!core || core->getNumAtoms() == 0) return "";
    return RDKit::MolToSmiles(*core);
}

}  // namespace

std::string murcko_scaffold(const std::string& smiles) {
    auto parsed = parse_smiles(smiles);
    if (!parsed.mol) return smiles;
    return scaffold_of(*parsed.mol);
}

MoleculeTable read_molecule_table(const std::string& path, const Featurizer& featurizer,
                                  const TableOptions& options) {
    data::MoleculeReaderOptions ro;
    ro.smiles_col = options.input_col;
    ro.id_col = options.id_col;
    ro.target_cols = options.target_cols;
    ro.keep_props = !options.split_col.empty();
    data::MoleculeReader reader(path, ro);
    if (!options.split_col.empty()) {
        auto cols = reader.columns();
        if (std::find(cols.begin(), cols.end(), options.split_col) == cols.end())
            throw UsageError(path + ": no split column '" + options.split_col + "'");
    }
    MoleculeTable t;
    t.dim = featurizer.dim();
    t.num_targets = options.target_cols.size();
    data::MoleculeRecord r;
    std::vector<float> row(t.dim);
    std::vector<double> y(t.num_targets);
    while (reader.next(r)) {
        throw_if_interrupted();
        ++t.records;
        if (!r.error.empty()) {
            t.rejects.push_back(reject_line(r, r.error));
            continue;
        }
        std::string why;
        bool any = t.num_targets == 0;
        for (std::size_t j = 0; j < t.num_targets && why.empty(); ++j) {
            if (parse_target(r.targets[j].first, r.targets[j].second, options.task, y[j], why))
                any = any || !std::isnan(y[j]);
        }
        if (why.empty() && !any) why = "no target value (all target columns blank)";
        if (!why.empty()) {
            t.rejects.push_back(reject_line(r, why));
            continue;
        }
        auto parsed = r.smiles.empty() && !r.molblock.empty() ? parse_molblock(r.molblock)
                                                              : parse_smiles(r.smiles);
        if (!parsed.mol) {
            t.rejects.push_back(reject_line(r, "unparsable molecule: " + parsed.error));
            continue;
        }
        featurizer.featurize(*parsed.mol, row.data());
        t.index.push_back(r.index);
        t.ids.push_back(r.id);
        t.smiles.push_back(r.smiles);
        t.features.insert(t.features.end(), row.begin(), row.end());
        t.targets.insert(t.targets.end(), y.begin(), y.end());
        if (options.scaffolds) t.scaffolds.push_back(scaffold_of(*parsed.mol));
        if (!options.split_col.empty()) {
            std::string v;
            for (const auto& [k, val] : r.props)
                if (k == options.split_col) {
                    v = val;
                }
            t.split_values.push_back(v);
        }
    }
    return t;
}

nlohmann::json evaluate_predictions(const std::string& task,
                                    const std::vector<std::string>& targets,
                                    const std::vector<double>& y, const std::vector<double>& pred) {
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
            if (!std::isnan(v)) {
                sums[k].first += v;
                sums[k].second += 1;
            }
        }
        out[targets[j]] = jm;
    }
    nlohmann::json mean = nlohmann::json::object();
    for (const auto& [k, s] : sums)
        mean[k] = s.first / s.second;
    out["mean"] = mean;
    return out;
}

void write_rejects(const std::string& path, const std::vector<std::string>& rejects) {
    AtomicFile file(path);
    std::ofstream out(file.temp_path());
    out << "index\tid\tsmiles\treason\n";
    for (const auto& line : rejects)
        out << line << '\n';
    out.close();
    if (!out) throw IoError("cannot write '" + path + "': " + errno_message());
    file.commit();
}

}  // namespace plmkit::pipelines
