#include "pipelines/standardize.hpp"

#include <GraphMol/MolOps.h>
#include <GraphMol/MolStandardize/Charge.h>
#include <GraphMol/MolStandardize/Fragment.h>
#include <GraphMol/MolStandardize/Metal.h>
#include <GraphMol/MolStandardize/MolStandardize.h>
#include <GraphMol/MolStandardize/Normalize.h>
#include <GraphMol/MolStandardize/Tautomer.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include "pipelines/rdkit_log_capture.hpp"

namespace plmkit::pipelines {

namespace MS = RDKit::MolStandardize;

struct Standardizer::Impl {
    MS::CleanupParameters params;
    std::unique_ptr<MS::Normalizer> normalizer{MS::normalizerFromParams(params)};
    std::unique_ptr<MS::Reionizer> reionizer{MS::reionizerFromParams(params)};
    MS::MetalDisconnector metals;
    MS::LargestFragmentChooser largest{params};
    MS::Uncharger uncharger;
    std::unique_ptr<MS::TautomerEnumerator> tautomers;
};

Standardizer::Standardizer(const StandardizeOptions& options)
    : options_(options), impl_(std::make_unique<Impl>()) {
    capture_rdkit_logs();
    if (options_.tautomer) impl_->tautomers.reset(MS::tautomerEnumeratorFromParams(impl_->params));
    take_rdkit_message();
}

Standardizer::~Standardizer() = default;

namespace {
using MolPtr = std::unique_ptr<RDKit::ROMol>;

/// MolStandardize::cleanup with long-lived Normalizer/Reionizer objects
/// (RDKit's free function builds both from their SMARTS for every molecule).
MolPtr cleanup(const RDKit::ROMol& in, MS::MetalDisconnector& metals, MS::Normalizer& normalizer,
               MS::Reionizer& reionizer) {
    RDKit::RWMol m(in);
    // As RDKit's cleanup: removeHs, which would also re-sanitize; the input
    // is sanitized already, so that is needed only if hydrogens went away.
    const unsigned atoms = m.getNumAtoms();
    RDKit::MolOps::removeHs(m, /*implicitOnly=*/false, /*updateExplicitCount=*/false,
                            /*sanitize=*/false);
    if (m.getNumAtoms() != atoms) RDKit::MolOps::sanitizeMol(m);
    metals.disconnect(m);
    MolPtr normalized(normalizer.normalize(m));
    std::unique_ptr<RDKit::ROMol> reionized(reionizer.reionize(*normalized));
    RDKit::MolOps::assignStereochemistry(*reionized, /*cleanIt=*/true, /*force=*/true);
    return reionized;
}
}  // namespace

StandardizeResult Standardizer::run(const RDKit::ROMol& mol) {
    StandardizeResult r;
    take_rdkit_message();
    try {
        MolPtr cur;
        const RDKit::ROMol* src = &mol;
        auto step = [&](RDKit::ROMol* next) {
            cur.reset(next);
            src = cur.get();
        };
        if (options_.cleanup)
            step(cleanup(*src, impl_->metals, *impl_->normalizer, *impl_->reionizer).release());
        if (options_.largest_fragment) step(impl_->largest.choose(*src));
        if (options_.uncharge) step(impl_->uncharger.uncharge(*src));
        if (options_.tautomer) step(impl_->tautomers->canonicalize(*src));
        if (!cur) cur = std::make_unique<RDKit::ROMol>(mol);
        if (cur->getNumAtoms() == 0) {
            r.error = "no atoms left after standardization";
        } else {
            r.mol = std::move(cur);
        }
    } catch (const std::exception& e) {
        std::string log = take_rdkit_message();
        r.error = e.what();
        if (!log.empty()) r.error += " (" + log + ")";
    }
    take_rdkit_message();
    return r;
}

std::string canonical_smiles(const RDKit::ROMol& mol) {
    return RDKit::MolToSmiles(mol);
}

}  // namespace plmkit::pipelines
