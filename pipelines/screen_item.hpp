#pragma once
// One input record on its way through the screening steps (internal to
// screen_job / screen_worker; not part of the public API).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <GraphMol/ROMol.h>

#include "pipelines/screen_step.hpp"

namespace plmkit::pipelines {

struct ScreenItem {
    std::uint64_t record = 0;  ///< 0-based input record index
    std::uint64_t line = 0;    ///< 1-based file line where the record starts
    std::string id;
    std::string input_smiles;
    std::string molblock;  ///< SDF input: the mol block to parse
    /// --keep-cols: the record's values of the kept input columns (raw text).
    std::vector<std::string> kept;

    bool rejected = false;
    ScreenStep step = ScreenStep::read;  ///< when rejected: where
    std::string reason;                  ///< when rejected: why

    std::string smiles;                 ///< canonical SMILES after standardization
    std::unique_ptr<RDKit::ROMol> mol;  ///< re-parsed from `smiles`
    std::vector<double> values;         ///< descriptors, then one similarity per reference set
    std::vector<std::string> nearest;   ///< nearest reference id per reference set
    std::vector<std::string> flags;
    double score = 0;        ///< as written (rounded to the printed precision)
    std::string score_text;  ///< the score column's text
    std::string csv_row;     ///< the hits.csv line (no newline)
    std::string sdf_block;   ///< the hits.sdf record (with "$$$$\n"), when SDF is on

    void reject(ScreenStep s, std::string why) {
        rejected = true;
        step = s;
        reason = std::move(why);
        mol.reset();
    }
};

}  // namespace plmkit::pipelines
