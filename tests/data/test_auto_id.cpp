// The id column found without --id-col (data::auto_id_columns): protein
// tables also know protein id names (DeepLoc's protein_id), molecule tables
// keep the picks they had (BACE's CID aside), checked on every table in shared/data.
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "data/molecule_reader.hpp"
#include "tests/test_support.hpp"

using plmkit::data::MoleculeReader;
using plmkit::data::MoleculeReaderOptions;
using plmkit::test::shared_path;
using plmkit::test::write_temp;

namespace {

/// The id column the reader picks for `path` with its input column `col`.
std::string picked(const std::string& path, const std::string& col, bool protein) {
    MoleculeReaderOptions o;
    o.smiles_col = col;
    o.protein_ids = protein;
    return MoleculeReader(path, o).id_column();
}

}  // namespace

TEST_CASE("auto id: molecule tables in shared/data keep their id columns", "[reader][auto_id]") {
    // The picks before protein names existed (docs/data-formats.md's table),
    // but BACE's, whose CID became a recognised name later.
    CHECK(picked(shared_path("data/esol/delaney-processed.csv"), "smiles", false) == "Compound ID");
    CHECK(picked(shared_path("data/tox21/tox21.csv"), "smiles", false) == "mol_id");
    CHECK(picked(shared_path("data/bbbp/BBBP.csv"), "smiles", false) == "name");
    CHECK(picked(shared_path("data/chembl30_subset/chembl30_subset_90k.csv"), "smiles", false) ==
          "chembl_id");
    // BACE's CID (BACE_1 ... BACE_1513, unique by pandas) was "<file-stem>:<n>".
    CHECK(picked(shared_path("data/bace/bace.csv"), "mol", false) == "CID");
    CHECK(picked(shared_path("data/bace/bace_slim.csv"), "mol", false) == "CID");
    CHECK(picked(shared_path("data/lipophilicity/Lipophilicity.csv"), "smiles", false).empty());
    CHECK(picked(shared_path("data/davis/davis_ligands.csv"), "smiles", false).empty());
    // Davis pairs: the molecules must not take the protein's id.
    CHECK(picked(shared_path("data/davis/davis_affinity.csv"), "smiles", false).empty());
}

TEST_CASE("auto id: protein tables find protein id names", "[reader][auto_id]") {
    // DeepLoc and Davis' proteins were "<file-stem>:<n>".
    CHECK(picked(shared_path("data/deeploc/deeploc_localization.csv"), "sequence", false).empty());
    CHECK(picked(shared_path("data/deeploc/deeploc_localization.csv"), "sequence", true) ==
          "protein_id");
    CHECK(picked(shared_path("data/davis/davis_proteins.csv"), "sequence", true) == "protein_id");
    CHECK(picked(shared_path("data/flip_gb1/sampled.csv"), "sequence", true).empty());
    // The names after the molecule ones, in their order; any case.
    CHECK(picked(write_temp("auto_id_a.csv", "name,accession,sequence\nx,P1,MK\n"), "sequence",
                 true) == "name");
    CHECK(picked(write_temp("auto_id_b.csv", "uniprot_id,Protein_ID,sequence\nP1,p,MK\n"),
                 "sequence", true) == "Protein_ID");
    CHECK(picked(write_temp("auto_id_c.tsv", "Entry\tEntry Name\tSequence\nP1\tX_HUMAN\tMK\n"),
                 "sequence", true) == "Entry");
    CHECK(picked(write_temp("auto_id_d.csv", "seq_id,sequence\ns1,MK\n"), "sequence", true) ==
          "seq_id");
    // A molecule table does not look for them.
    CHECK(
        picked(write_temp("auto_id_e.csv", "accession,smiles\nP1,CCO\n"), "smiles", false).empty());
}

TEST_CASE("auto id: CID in any case, after the other molecule names", "[reader][auto_id]") {
    CHECK(picked(write_temp("auto_id_cid_a.csv", "smiles,cid\nCCO,c1\n"), "smiles", false) ==
          "cid");
    CHECK(picked(write_temp("auto_id_cid_b.csv", "CID,mol_id,smiles\nc1,m1,CCO\n"), "smiles",
                 false) == "mol_id");
    CHECK(
        picked(write_temp("auto_id_cid_c.csv", "smiles,CIDs\nCCO,c1\n"), "smiles", false).empty());
}
