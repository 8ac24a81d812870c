#pragma once
// The screening pipeline's configuration: one struct per step, read from YAML
// (`plmkit screen --config pipeline.yaml`, documented in docs/screen.md).
// Defaults are the documented default pipeline: parse, standardize, dedupe,
// allowed elements, Lipinski (<= 1 violation), Veber, PAINS A/B/C,
// descriptors, QED, rank by the built-in solubility model.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace plmkit::pipelines {

struct StandardizeOptions {
    bool enabled = true;
    bool cleanup = true;           ///< RemoveHs, disconnect metals, normalize, reionize
    bool largest_fragment = true;  ///< keep the largest fragment (strips salts, solvents)
    bool uncharge = true;          ///< neutralize acids and bases (Uncharger)
    bool tautomer = false;         ///< canonical tautomer (slow: enumerates tautomers)
};

struct DedupeOptions {
    bool enabled = true;
    std::string key = "smiles";  ///< canonical SMILES of the standardized molecule
};

/// [min, max] of one descriptor; an absent bound is open.
struct RangeRule {
    std::string property;  ///< a descriptor name (mw, clogp, ...) or formal_charge
    std::optional<double> min;
    std::optional<double> max;
};

struct SmartsRule {
    std::string name;
    std::string smarts;
};

struct FilterOptions {
    /// The `elements` rule (pipelines/element_filter.hpp): dummy atoms, an
    /// element outside `elements` after standardization, or a ChEMBL-excluded
    /// metal anywhere in the input record reject. `filters.elements: false`
    /// switches it off.
    bool elements_on = true;
    /// Allowed elements (GuacaMol's ChEMBL set, docs/chem.md); empty = any
    /// element (`elements: any`: only dummy atoms reject).
    std::vector<std::string> elements = {"H", "B", "C",  "N",  "O",  "F", "Si",
                                         "P", "S", "Cl", "Se", "Br", "I"};
    std::vector<RangeRule> ranges;
    bool lipinski = true;
    int lipinski_max_violations = 1;
    bool veber = true;  ///< rotatable bonds <= 10 and TPSA <= 140
    /// FilterCatalog sets that reject: PAINS_A, PAINS_B, PAINS_C, PAINS, BRENK, NIH, ZINC.
    std::vector<std::string> catalogs = {"PAINS_A", "PAINS_B", "PAINS_C"};
    /// FilterCatalog sets that only add a flag to the hit.
    std::vector<std::string> flag_catalogs;
    std::vector<SmartsRule> include_smarts;  ///< a molecule must match at least one
    std::vector<SmartsRule> exclude_smarts;  ///< a match rejects
    std::vector<SmartsRule> flag_smarts;     ///< a match adds a flag
};

struct SimilarityOptions {
    std::string name = "ref";  ///< column names sim_<name>, nearest_<name>
    std::string references;    ///< SMILES/CSV/SDF file of reference actives
    int radius = 2;
    int nbits = 2048;
    bool counts = false;
    std::optional<double> min;  ///< reject molecules below this max Tanimoto
};

/// A property model (from `plmkit train`) predicted for every molecule that
/// passes the filters: column pred_<name> (one target) or
/// pred_<name>_<target> (several), plus pred_<name>..._std with an ensemble.
struct ModelScoreOptions {
    std::string name = "model";
    std::string model;  ///< model directory, or "default": the built-in ESOL model
    /// Classifiers: as-trained | prior (models/class_prior.hpp,
    /// PropertyModel::set_probabilities).
    std::string probabilities = "as-trained";
};

/// The default score: the built-in model's predicted aqueous solubility
/// (ESOL, log10 mol/L; data/default_model.hpp). A `score:` section in the
/// config replaces it: models listed there (none if absent) and an
/// expression (default: the first model's column, or qed without models).
struct ScoreOptions {
    std::vector<ModelScoreOptions> models = {{"logs", "default"}};
    /// score = sum of weight * column; columns are descriptors, sim_<name>
    /// or pred_<name>.
    std::vector<std::pair<std::string, double>> weights = {{"pred_logs", 1.0}};
    /// No `expression` was written: `weights` is the first model's column
    /// (for a model with several targets, the plan takes its first target's).
    bool default_expression = true;
};

/// What the outputs carry besides plmkit's own columns.
struct OutputOptions {
    /// Input columns / SD tags copied into hits.csv, hits.sdf and
    /// rejects.tsv, after plmkit's columns; {"all"}: every input column but
    /// the SMILES and id columns (`output.keep_cols`, `--keep-cols`).
    std::vector<std::string> keep_cols;
};

struct ScreenConfig {
    StandardizeOptions standardize;
    DedupeOptions dedupe;
    FilterOptions filters;
    std::vector<SimilarityOptions> similarity;
    ScoreOptions score;
    std::uint64_t top = 0;  ///< 0 = keep every hit
    OutputOptions output;
};

/// Parses YAML text; `source` names the file in error messages. Unknown keys
/// and bad values throw UsageError naming the key.
ScreenConfig parse_screen_config(const std::string& yaml_text, const std::string& source);
/// Reads and parses a YAML file (IoError when unreadable).
ScreenConfig load_screen_config(const std::string& path);
/// The effective configuration, as written into summary.json (with an
/// "output" object only when output.keep_cols is set).
nlohmann::json screen_config_json(const ScreenConfig& config);

}  // namespace plmkit::pipelines
