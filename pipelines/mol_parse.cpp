#include "pipelines/mol_parse.hpp"

#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SanitException.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <cctype>

#include "pipelines/rdkit_log_capture.hpp"

namespace plmkit::pipelines {
namespace {

/// Sanitizes `mol` in place; on failure returns "<operation>: <RDKit's message>".
std::string sanitize(RDKit::RWMol& mol) {
    unsigned int failed = 0;
    try {
        RDKit::MolOps::sanitizeMol(mol, failed, RDKit::MolOps::SANITIZE_ALL);
        return {};
    } catch (const RDKit::KekulizeException& e) {
        return std::string("kekulization failed: ") + e.what();
    } catch (const RDKit::AtomValenceException& e) {
        return std::string("valence error: ") + e.what();
    } catch (const RDKit::MolSanitizeException& e) {
        return std::string("sanitization failed: ") + e.what();
    } catch (const std::exception& e) {
        return std::string("sanitization failed: ") + e.what();
    }
}

ParseResult finish(RDKit::RWMol* raw, const std::string& what_failed, bool remove_hs) {
    ParseResult r;
    std::unique_ptr<RDKit::RWMol> mol(raw);
    std::string log = take_rdkit_message();
    if (!mol) {
        r.error = log.empty() ? what_failed : log;
        return r;
    }
    if (mol->getNumAtoms() == 0) {
        r.error = "empty molecule (no atoms)";
        return r;
    }
    if (const unsigned heavy = mol->getNumHeavyAtoms(); heavy > kMaxHeavyAtoms) {
        r.error = "too many atoms: " + std::to_string(heavy) + " heavy atoms, the limit is " +
                  std::to_string(kMaxHeavyAtoms) +
                  " (larger molecules overflow the stack in RDKit's recursive code)";
        return r;
    }
    r.error = sanitize(*mol);
    take_rdkit_message();  // warnings that did not stop sanitization
    if (!r.error.empty()) return r;
    if (remove_hs) {
        // removeHs re-sanitizes unless told not to, which doubled the cost of
        // every parse; the molecule is already sanitized, so sanitize again
        // only when hydrogens were removed (the graph changed).
        const unsigned atoms = mol->getNumAtoms();
        try {
            RDKit::MolOps::removeHs(*mol, /*implicitOnly=*/false, /*updateExplicitCount=*/false,
                                    /*sanitize=*/false);
        } catch (const std::exception& e) {
            r.error = std::string("removing explicit hydrogens failed: ") + e.what();
            return r;
        }
        if (mol->getNumAtoms() != atoms) {
            r.error = sanitize(*mol);
            take_rdkit_message();
            if (!r.error.empty()) {
                r.error = "after removing explicit hydrogens, " + r.error;
                return r;
            }
        }
    }
    // As RDKit's parsers do after sanitizing: perceive stereo (CIP labels,
    // E/Z from the bond directions, possible stereo centers flagged for the
    // stereo-center descriptors). Without it the standardizer's
    // normalizations rebuilt the molecule and dropped double-bond stereo.
    try {
        RDKit::MolOps::assignStereochemistry(*mol, /*cleanIt=*/true, /*force=*/true,
                                             /*flagPossibleStereoCenters=*/true);
    } catch (const std::exception& e) {
        take_rdkit_message();
        r.error = std::string("stereochemistry perception failed: ") + e.what();
        return r;
    }
    r.mol = std::move(mol);
    return r;
}

/// RDKit counts "on line K" from the mol block's title line; add the file line
/// (or, without such a phrase, the line where the record starts).
std::string with_file_line(const std::string& error, std::uint64_t first_line) {
    static const std::string kOnLine = "on line ";
    auto at = error.rfind(kOnLine);
    if (at != std::string::npos) {
        std::size_t b = at + kOnLine.size(), e = b;
        while (e < error.size() && std::isdigit(static_cast<unsigned char>(error[e])))
            ++e;
        if (e > b && e - b < 10) {
            const std::uint64_t k = std::stoull(error.substr(b, e - b));
            return error.substr(0, e) + " of the mol block (file line " +
                   std::to_string(first_line + k - 1) + ")" + error.substr(e);
        }
    }
    return error + " (record at file line " + std::to_string(first_line) + ")";
}

/// The step-by-step parse above names what fails, but its order differs from
/// RDKit's own for a mol block: the parser perceives double-bond stereo
/// before sanitizing, so with explicit hydrogens (3D docking output) an
/// imine's N-H defined E/Z and was kept ('[H]/N=C/C' for Python's 'CC=N').
/// A block that parses is read again as RDKit Python reads it
/// (MolFromMolBlock / SDMolSupplier: sanitize, remove Hs, then perceive).
void as_rdkit_reads_it(const std::string& molblock, ParseResult& r) {
    try {
        std::unique_ptr<RDKit::RWMol> mol(
            RDKit::MolBlockToMol(molblock, /*sanitize=*/true, /*removeHs=*/true));
        if (mol && mol->getNumAtoms() > 0) r.mol = std::move(mol);
    } catch (const std::exception&) {
        // Keep the step-by-step result.
    }
    take_rdkit_message();
}

}  // namespace

ParseResult parse_smiles(const std::string& smiles) {
    capture_rdkit_logs();
    take_rdkit_message();
    if (smiles.find_first_not_of(" \t") == std::string::npos) return {nullptr, "empty SMILES"};
    RDKit::SmilesParserParams params;
    params.sanitize = false;
    params.removeHs = false;
    params.parseName = false;
    params.strictCXSMILES = false;
    RDKit::RWMol* mol = nullptr;
    try {
        mol = RDKit::SmilesToMol(smiles, params);
    } catch (const std::exception& e) {
        take_rdkit_message();
        return {nullptr, std::string("SMILES parse error: ") + e.what()};
    }
    return finish(mol, "SMILES parse error", true);
}

ParseResult parse_molblock(const std::string& molblock, std::uint64_t first_line) {
    capture_rdkit_logs();
    take_rdkit_message();
    RDKit::RWMol* mol = nullptr;
    ParseResult r;
    try {
        mol = RDKit::MolBlockToMol(molblock, /*sanitize=*/false, /*removeHs=*/false);
        r = finish(mol, "mol block parse error", true);
    } catch (const std::exception& e) {
        take_rdkit_message();
        r = {nullptr, std::string("mol block parse error: ") + e.what()};
    }
    if (!r.mol && first_line > 0) r.error = with_file_line(r.error, first_line);
    if (r.mol) as_rdkit_reads_it(molblock, r);
    return r;
}

std::string mol_block_reason(const std::string& input, const std::string& reason,
                             std::uint64_t first_line) {
    if (first_line == 0 || input.find('\n') == std::string::npos ||
        reason.find("mol block parse error") == std::string::npos ||
        reason.find("on line ") == std::string::npos ||
        reason.find(" of the mol block (file line ") != std::string::npos)
        return reason;
    return with_file_line(reason, first_line);
}

std::string shown_smiles(const std::string& input, std::uint64_t first_line) {
    if (input.find('\n') == std::string::npos) return input;
    ParseResult parsed = parse_molblock(input, first_line);
    if (parsed.mol) return RDKit::MolToSmiles(*parsed.mol);
    return first_line ? "(mol block at line " + std::to_string(first_line) + ")" : "(mol block)";
}

}  // namespace plmkit::pipelines
