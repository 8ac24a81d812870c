#include "pipelines/descriptors.hpp"

#include "pipelines/catalog_matcher.hpp"
#include "pipelines/crippen_logp.hpp"
#include "pipelines/qed.hpp"

#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>

namespace plmkit::pipelines {

namespace {

DescriptorValues descriptors(const RDKit::ROMol& mol, const AtomLabelCounts* labels) {
    namespace D = RDKit::Descriptors;
    DescriptorValues v;
    v.mw = D::calcAMW(mol);
    v.clogp = crippen_logp(mol);  // == calcCrippenDescriptors(mol, ..., includeHs = true)
    v.tpsa = D::calcTPSA(mol, true, false);
    v.hbd = static_cast<int>(D::calcNumHBD(mol));
    v.hba = static_cast<int>(D::calcNumHBA(mol));
    v.rotb = static_cast<int>(D::calcNumRotatableBonds(mol, D::Strict));
    v.heavy_atoms = static_cast<int>(mol.getNumHeavyAtoms());
    v.rings = static_cast<int>(D::calcNumRings(mol));
    v.aromatic_rings = static_cast<int>(D::calcNumAromaticRings(mol));
    v.fsp3 = D::calcFractionCSP3(mol);
    if (has_hydrogen_atoms(mol)) {
        v.qed = qed(mol);  // QED works on a RemoveHs copy
    } else {
        // QED.properties on this molecule: reuse the shared descriptors.
        QedProperties props;
        props.mw = v.mw;
        props.alogp = v.clogp;
        props.hbd = v.hbd;
        props.psa = v.tpsa;
        props.rotb = v.rotb;
        const ExplicitBitVect* fp = nullptr;
        try {
            if (labels) fp = &labels->pattern_fp(mol);
        } catch (...) {  // left to the catalogs, which report it as before
        }
        qed_structure_counts(mol, props, fp);
        v.qed = qed_from_properties(props, qed_weights_mean());
    }
    v.formal_charge = RDKit::MolOps::getFormalCharge(mol);
    return v;
}

}  // namespace

DescriptorValues compute_descriptors(const RDKit::ROMol& mol) {
    return descriptors(mol, nullptr);
}

DescriptorValues compute_descriptors(const RDKit::ROMol& mol, const AtomLabelCounts& labels) {
    return descriptors(mol, &labels);
}

const std::vector<std::string>& descriptor_names() {
    static const std::vector<std::string> names{
        "mw",          "clogp", "tpsa",           "hbd",  "hba", "rotb",
        "heavy_atoms", "rings", "aromatic_rings", "fsp3", "qed", "formal_charge"};
    return names;
}

std::vector<double> descriptor_row(const DescriptorValues& v) {
    return {v.mw,
            v.clogp,
            v.tpsa,
            static_cast<double>(v.hbd),
            static_cast<double>(v.hba),
            static_cast<double>(v.rotb),
            static_cast<double>(v.heavy_atoms),
            static_cast<double>(v.rings),
            static_cast<double>(v.aromatic_rings),
            v.fsp3,
            v.qed,
            static_cast<double>(v.formal_charge)};
}

}  // namespace plmkit::pipelines
