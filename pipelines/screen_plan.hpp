#pragma once
// A screening configuration resolved once before a run: filters built, reference
// sets loaded, score weights bound to columns, the output columns fixed. Shared
// read-only by every worker thread. Also the one place that formats rows, so
// a single run and `plmkit merge` write byte-identical text.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pipelines/morgan.hpp"
#include "pipelines/screen_config.hpp"
#include "pipelines/screen_item.hpp"

namespace plmkit::pipelines {

class ElementFilter;
class MolFilters;
class PropertyPredictor;

class ScreenPlan {
  public:
    /// Throws UsageError for unknown score columns, catalogs, bad SMARTS;
    /// IoError/InputError for unreadable reference sets.
    ScreenPlan(ScreenConfig config, bool write_sdf);
    ~ScreenPlan();
    ScreenPlan(const ScreenPlan&) = delete;
    ScreenPlan& operator=(const ScreenPlan&) = delete;

    const ScreenConfig& config() const { return config_; }
    const MolFilters& filters() const { return *filters_; }
    bool filters_enabled() const { return filters_on_; }
    /// The filter step's `elements` rule (null when off); it runs right
    /// after standardization, as it also looks at the input record.
    const ElementFilter* element_filter() const { return elements_.get(); }
    const std::vector<ReferenceSet>& references() const { return references_; }
    bool write_sdf() const { return write_sdf_; }

    /// Numeric columns: descriptor_names(), sim_<name> per reference set,
    /// then pred_<name>[_std] per score model.
    const std::vector<std::string>& value_names() const { return value_names_; }
    /// hits.csv header: id, input_smiles, smiles, values (with nearest_<name>
    /// after each sim_<name>), score, flags, record, then the kept columns.
    const std::vector<std::string>& hit_columns() const { return hit_columns_; }
    /// Appends the output names of the --keep-cols columns (whose values
    /// come in ScreenItem::kept) to hit_columns(). Before any format_hit.
    void add_kept_columns(const std::vector<std::string>& names);
    /// The hits table's field separator: ',' (the default), or '\t' for an
    /// output named .tsv (csv_separator_for). Before any format_hit.
    void set_hits_separator(char sep) { hits_sep_ = sep; }

    /// Appends the score models' predictions to item.values; false (item
    /// rejected at the score step) when a model cannot featurize it.
    /// Thread-safe.
    bool predict(ScreenItem& item) const;
    /// Weighted sum of the item's values.
    double score(const std::vector<double>& values) const;
    /// Fills score, score_text, csv_row (and sdf_block's tags given the mol block).
    void format_hit(ScreenItem& item, const std::string& molblock) const;

  private:
    void load_models();

    ScreenConfig config_;
    std::vector<std::unique_ptr<PropertyPredictor>> models_;
    bool write_sdf_ = false;
    bool filters_on_ = false;
    std::unique_ptr<MolFilters> filters_;
    std::unique_ptr<ElementFilter> elements_;
    std::vector<ReferenceSet> references_;
    std::vector<std::string> value_names_;
    std::vector<std::string> hit_columns_;
    char hits_sep_ = ',';
    std::size_t kept_columns_ = 0;  ///< the last ones of hit_columns_
    std::vector<bool> integer_column_;
    std::vector<std::pair<std::size_t, double>> weights_;
};

/// rejects.tsv columns: id, input_smiles, step, reason, record, smiles
/// (then the kept columns, as ScreenWriter writes the header).
const std::vector<std::string>& reject_columns();
/// One rejects.tsv line (no newline); free text is kept on one line. `kept`:
/// the values of the --keep-cols columns, written after the others.
std::string reject_line(const std::string& id, const std::string& input_smiles, ScreenStep step,
                        const std::string& reason, std::uint64_t record, const std::string& smiles,
                        const std::vector<std::string>& kept = {});
/// The reason of a hit cut by --top.
std::string top_cut_reason(std::uint64_t top, const std::string& score_text);
/// The reason of a duplicate.
std::string duplicate_reason(const std::string& first_id, std::uint64_t first_record);
/// Score text as written in hits.csv ("%.6f") and the value ranked on.
std::string format_score(double score);

}  // namespace plmkit::pipelines
