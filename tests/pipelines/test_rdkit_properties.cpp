// The rdkit2d featurizer computes work shared between descriptors once
// (pipelines/rdkit_properties.hpp, crippen_atoms, the shared inputs of
// extra_descriptors). Every value must equal, to the bit, what RDKit's own
// C++ functions give when each is called on its own, as the featurizer did
// before: checked on the 460 molecules of the descriptor golden set
// (hand-picked edge cases: charges, isotopes, explicit hydrogens, metals,
// Se without Gasteiger parameters, rings, stereo) plus a few added here.
#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/Descriptors/MQN.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/Descriptors/Property.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/PartialCharges/GasteigerCharges.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "pipelines/crippen_logp.hpp"
#include "pipelines/descriptor_extras.hpp"
#include "pipelines/featurizers.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/rdkit_properties.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;

namespace {

std::vector<std::string> golden_smiles() {
    std::istringstream in(
        test::read_file(test::source_path("tests/pipelines/data/descriptor_golden.csv")));
    std::string line;
    std::getline(in, line);
    std::vector<std::string> out;
    while (std::getline(in, line)) {
        const auto a = line.find(',');
        const auto b = line.find(',', a + 1);
        out.push_back(line.substr(a + 1, b - a - 1));
    }
    // Explicit and isotopic hydrogens in the graph (RDKit's Crippen path),
    // more than 150 atoms (likewise), a 3-ring (paths closing on themselves).
    out.push_back("[2H]C([2H])([2H])c1ccccc1O");
    out.push_back(std::string("CC(=O)O") + std::string(160, 'C'));
    out.push_back("C1CC1C(=O)N");
    return out;
}

bool same_bits(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

void check_same(const std::vector<double>& want, const std::vector<double>& got,
                const std::string& what) {
    REQUIRE(want.size() == got.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        INFO(what << "[" << i << "]: RDKit " << want[i] << ", shared " << got[i]);
        CHECK(same_bits(want[i], got[i]));
    }
}

}  // namespace

TEST_CASE("rdkit properties: shared work gives RDKit's values to the bit",
          "[pipelines][descriptors]") {
    const RDKit::Descriptors::Properties rdkit(
        RDKit::Descriptors::Properties::getAvailableProperties());
    int fast = 0, rdkit_path = 0;
    for (const auto& smiles : golden_smiles()) {
        INFO(smiles);
        auto parsed = pipelines::parse_smiles(smiles);
        REQUIRE(parsed.mol);
        // Separate copies: RDKit caches values on the molecule.
        RDKit::ROMol ref(*parsed.mol), mol(*parsed.mol);
        pipelines::CrippenAtoms crippen;
        const bool ok = pipelines::crippen_atoms(mol, crippen);
        (ok ? fast : rdkit_path) += 1;
        const pipelines::CrippenAtoms* shared = ok ? &crippen : nullptr;
        check_same(rdkit.computeProperties(ref), pipelines::rdkit_properties(mol, shared),
                   "Properties");
        std::vector<double> slogp, smr;
        pipelines::crippen_vsa(mol, shared, slogp, smr);
        check_same(RDKit::Descriptors::calcSlogP_VSA(ref), slogp, "SlogP_VSA");
        check_same(RDKit::Descriptors::calcSMR_VSA(ref), smr, "SMR_VSA");
        std::vector<double> charges(mol.getNumAtoms(), 0.0);
        RDKit::computeGasteigerCharges(mol, charges, 12, false);
        check_same(RDKit::Descriptors::calcPEOE_VSA(ref), pipelines::peoe_vsa(mol, charges),
                   "PEOE_VSA");
        if (ok) {
            double logp = 0, mr = 0;
            RDKit::Descriptors::calcCrippenDescriptors(ref, logp, mr, true, true);
            CHECK(same_bits(crippen.logp_with_hs, logp));
            CHECK(same_bits(crippen.mr_with_hs, mr));
            CHECK(same_bits(crippen.plmkit_logp, pipelines::crippen_logp(ref)));
            std::vector<double> lc(ref.getNumAtoms()), mc(ref.getNumAtoms());
            RDKit::Descriptors::getCrippenAtomContribs(ref, lc, mc, true);
            check_same(lc, crippen.logp, "logP contributions");
            check_same(mc, crippen.mr, "MR contributions");
        }
    }
    CHECK(fast > 400);
    CHECK(rdkit_path >= 2);
}

TEST_CASE("rdkit properties: the rdkit2d block equals RDKit's functions called one by one",
          "[pipelines][descriptors]") {
    pipelines::FeaturizerOptions o;
    o.name = "rdkit2d";
    const pipelines::Featurizer f(o);
    const RDKit::Descriptors::Properties rdkit(
        RDKit::Descriptors::Properties::getAvailableProperties());
    const std::size_t extras = pipelines::extra_descriptor_names().size();
    for (const auto& smiles : golden_smiles()) {
        INFO(smiles);
        auto parsed = pipelines::parse_smiles(smiles);
        REQUIRE(parsed.mol);
        std::vector<float> got(f.dim());
        f.featurize(*parsed.mol, got.data());
        // The reference: RDKit's lists in the featurizer's order on one copy
        // (as the featurizer called them before), then the extras without
        // shared inputs (each computing its own charges, Crippen typing,
        // BCUT2D and QED properties).
        RDKit::ROMol ref(*parsed.mol);
        std::vector<float> want;
        for (double v : rdkit.computeProperties(ref))
            want.push_back(static_cast<float>(v));
        for (unsigned v : RDKit::Descriptors::calcMQNs(ref))
            want.push_back(static_cast<float>(v));
        for (const auto& part :
             {RDKit::Descriptors::calcSlogP_VSA(ref), RDKit::Descriptors::calcSMR_VSA(ref),
              RDKit::Descriptors::calcPEOE_VSA(ref)})
            for (double v : part)
                want.push_back(static_cast<float>(v));
        const std::size_t counts = f.dim() - want.size() - extras;
        REQUIRE(counts == 16);  // 11 elements + 5 others
        want.insert(want.end(), got.begin() + static_cast<std::ptrdiff_t>(want.size()),
                    got.begin() + static_cast<std::ptrdiff_t>(want.size() + counts));
        std::vector<float> extra(extras);
        pipelines::extra_descriptors(ref, extra.data());
        want.insert(want.end(), extra.begin(), extra.end());
        REQUIRE(want.size() == got.size());
        for (std::size_t j = 0; j < got.size(); ++j) {
            INFO(f.descriptor_names()[j] << ": want " << want[j] << ", got " << got[j]);
            CHECK(std::memcmp(&want[j], &got[j], sizeof(float)) == 0);
        }
    }
}
