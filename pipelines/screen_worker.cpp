#include "pipelines/screen_worker.hpp"

#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <time.h>

#include <chrono>

#include "data/sdf_record.hpp"
#include "pipelines/catalog_matcher.hpp"
#include "pipelines/descriptors.hpp"
#include "pipelines/element_filter.hpp"
#include "pipelines/mol_filters.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/rdkit_log_capture.hpp"
#include "pipelines/screen_plan.hpp"
#include "pipelines/standardize.hpp"

namespace plmkit::pipelines {

namespace {
/// CPU time of the calling thread in seconds (unaffected by other processes
/// competing for the cores).
double thread_cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// Adds the thread CPU time since construction (or the last lap) to seconds[step].
class StepTimer {
  public:
    explicit StepTimer(std::array<double, kScreenSteps>& s) : s_(s), t_(thread_cpu_seconds()) {}
    void lap(ScreenStep step) {
        double now = thread_cpu_seconds();
        s_[static_cast<int>(step)] += now - t_;
        t_ = now;
    }

  private:
    std::array<double, kScreenSteps>& s_;
    double t_;
};

std::string what(const std::exception& e) {
    std::string log = take_rdkit_message();
    return log.empty() ? e.what() : std::string(e.what()) + " (" + log + ")";
}

/// The filter step: false (and the item rejected) when a rule fails; a
/// filter that throws rejects the item with the error as its reason.
bool passes_filters(const ScreenPlan& plan, ScreenItem& item, const AtomLabelCounts& labels,
                    StepTimer& timer) {
    FilterVerdict v;
    try {
        v = plan.filters().check(*item.mol, item.values, labels);
    } catch (const std::exception& e) {
        v.rule = "error";
        v.reason = "error: " + what(e);
    }
    timer.lap(ScreenStep::filter);
    if (!v.passed()) {
        item.reject(ScreenStep::filter, v.reason);
        return false;
    }
    item.flags = std::move(v.flags);
    return true;
}

/// The filter step's `elements` rule, which looks at the input record as well
/// as the standardized molecule: it runs before dedupe, so that a record it
/// rejects (a copper salt) is never the first of a duplicate that passes
/// (the sodium salt of the same acid). False (and the item rejected) when it fails.
bool passes_elements(const ScreenPlan& plan, const RDKit::ROMol& input, ScreenItem& item,
                     StepTimer& timer) {
    const ElementFilter* elements = plan.element_filter();
    if (!elements) return true;
    std::string reason = elements->check(input, *item.mol);
    timer.lap(ScreenStep::filter);
    if (reason.empty()) return true;
    item.reject(ScreenStep::filter, std::move(reason));
    return false;
}

/// The similarity step: appends each reference set's nearest similarity and
/// id; false (and the item rejected) below a set's minimum.
bool passes_similarity(const ScreenPlan& plan, ScreenItem& item, StepTimer& timer) {
    const auto& sims = plan.config().similarity;
    for (std::size_t i = 0; i < sims.size(); ++i) {
        const auto& ref = plan.references()[i];
        auto hit = ref.nearest(morgan_fingerprint(*item.mol, ref.options()));
        item.values.push_back(hit.similarity);
        item.nearest.push_back(hit.id);
        if (sims[i].min && hit.similarity < *sims[i].min) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "sim_%s %.4f < %.4f (nearest %s)", sims[i].name.c_str(),
                          hit.similarity, *sims[i].min, hit.id.c_str());
            item.reject(ScreenStep::similarity, buf);
            timer.lap(ScreenStep::similarity);
            return false;
        }
    }
    if (!sims.empty()) timer.lap(ScreenStep::similarity);
    return true;
}

/// Why a record whose standardized molecule has a canonical SMILES that
/// RDKit cannot parse (`error`) is rejected, with the step to blame.
std::string unreadable_reason(Standardizer* standardizer, const RDKit::ROMol& input,
                              const ScreenItem& item, const std::string& error) {
    std::string reason = "standardization turned '" + item.input_smiles + "' into '" + item.smiles +
                         "', which RDKit cannot read back (" + error + ")";
    std::string step = standardizer ? standardizer->unreadable_step(input) : std::string();
    return step.empty() ? reason : reason + ": " + step;
}

/// Rejects a record that standardization could not turn into a molecule:
/// with the filter's `elements` rules on the input record alone when one
/// fails (a metal complex such as ferrocene written as ions gets the metal
/// reason), else with `reason` at the standardize step.
void reject_unstandardized(const ScreenPlan& plan, const RDKit::ROMol& input, ScreenItem& item,
                           std::string reason, StepTimer& timer) {
    timer.lap(ScreenStep::standardize);
    const ElementFilter* elements = plan.element_filter();
    std::string by_elements = elements ? elements->check_input(input) : std::string();
    if (!by_elements.empty()) {
        item.reject(ScreenStep::filter, std::move(by_elements));
        timer.lap(ScreenStep::filter);
        return;
    }
    item.reject(ScreenStep::standardize, std::move(reason));
}
}  // namespace

ScreenWorker::ScreenWorker(const ScreenPlan& plan) : plan_(plan) {
    if (plan_.config().standardize.enabled)
        standardizer_ = std::make_unique<Standardizer>(plan_.config().standardize);
}

ScreenWorker::~ScreenWorker() = default;

void ScreenWorker::prepare(ScreenItem& item) {
    if (item.rejected) return;  // the reader's error
    StepTimer timer(seconds_);
    ParseResult parsed = item.molblock.empty() ? parse_smiles(item.input_smiles)
                                               : parse_molblock(item.molblock, item.line);
    if (!parsed.mol) {
        item.reject(ScreenStep::parse, parsed.error);
        timer.lap(ScreenStep::parse);
        return;
    }
    if (item.input_smiles.empty()) item.input_smiles = rdkit_smiles(*parsed.mol);  // SDF
    item.molblock.clear();
    timer.lap(ScreenStep::parse);

    const std::unique_ptr<RDKit::ROMol> input = std::move(parsed.mol);
    std::unique_ptr<RDKit::ROMol> standardized;
    if (standardizer_) {
        StandardizeResult st = standardizer_->run(*input);
        if (!st.mol) {
            reject_unstandardized(plan_, *input, item, std::move(st.error), timer);
            return;
        }
        standardized = std::move(st.mol);
    }
    // Everything downstream works on the molecule re-read from its canonical
    // SMILES, so equal keys give equal values (and shard merges are exact).
    item.smiles = canonical_smiles(standardized ? *standardized : *input);
    ParseResult again = parse_smiles(item.smiles);
    if (!again.mol) {
        std::string reason = unreadable_reason(standardizer_.get(), *input, item, again.error);
        reject_unstandardized(plan_, *input, item, std::move(reason), timer);
        return;
    }
    item.mol = std::move(again.mol);
    timer.lap(ScreenStep::standardize);
    passes_elements(plan_, *input, item, timer);
}

void ScreenWorker::evaluate(ScreenItem& item) {
    if (item.rejected) return;
    StepTimer timer(seconds_);
    const auto& mol = *item.mol;
    // Atom labels and pattern fingerprint, shared by QED's alerts and the catalogs.
    const AtomLabelCounts labels(mol);
    try {
        // The catalogs make the pattern fingerprint anyway: QED's alerts use it too.
        const bool share_fp = plan_.filters_enabled() && plan_.filters().uses_pattern_fp();
        item.values =
            descriptor_row(share_fp ? compute_descriptors(mol, labels) : compute_descriptors(mol));
    } catch (const std::exception& e) {
        item.reject(ScreenStep::descriptors, what(e));
        return;
    }
    timer.lap(ScreenStep::descriptors);

    if (plan_.filters_enabled() && !passes_filters(plan_, item, labels, timer)) return;
    if (!passes_similarity(plan_, item, timer)) return;

    if (!plan_.predict(item)) {
        timer.lap(ScreenStep::score);
        return;
    }

    std::string molblock;
    if (plan_.write_sdf()) {
        item.mol->setProp("_Name", data::sdf_title_line(item.id));
        molblock = RDKit::MolToMolBlock(*item.mol);
    }
    plan_.format_hit(item, molblock);
    item.mol.reset();
    timer.lap(ScreenStep::score);
}

}  // namespace plmkit::pipelines
