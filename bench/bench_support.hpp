#pragma once
// Helpers shared by the bench_* programs: reading a SMILES column and the
// process's CPU clock.
#include <time.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "src/csv.hpp"

namespace plmkit::bench {

/// The "smiles" column of the CSV at `path` (at most `n` rows); `program`
/// names the caller in the message when the file cannot be read or has no
/// such column (the bench then exits 1).
inline std::vector<std::string> read_smiles(
    const std::string& path, const char* program,
    std::size_t n = std::numeric_limits<std::size_t>::max()) {
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "%s: cannot open %s\n", program, path.c_str());
        std::exit(1);
    }
    std::string line;
    std::getline(in, line);
    const auto header = split_csv_line(line, ',');
    std::size_t col = 0;
    while (col < header.size() && header[col] != "smiles")
        ++col;
    if (col == header.size()) {
        std::fprintf(stderr, "%s: %s has no smiles column\n", program, path.c_str());
        std::exit(1);
    }
    std::vector<std::string> out;
    while (out.size() < n && std::getline(in, line)) {
        const auto f = split_csv_line(line, ',');
        if (col < f.size()) out.push_back(f[col]);
    }
    return out;
}

/// CPU seconds used by this process so far (all threads).
inline double process_cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace plmkit::bench
