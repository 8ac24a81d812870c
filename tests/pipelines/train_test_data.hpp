#pragma once
// Helpers of the train/predict tests on real data in ../shared/data: read a
// CSV, the ESOL targets by row, the mean predictor's RMSE on a run's test
// rows, and a data file cut down to one set of a run's split.csv.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "pipelines/train_job.hpp"
#include "src/csv.hpp"
#include "tests/test_support.hpp"

namespace plmkit::test {

inline std::vector<std::vector<std::string>> read_csv(const std::string& path, char sep = ',') {
    std::istringstream in(read_file(path));
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line))
        rows.push_back(split_csv_line(line, sep));
    return rows;
}

inline const char* esol_csv() {
    static const std::string path = shared_path("data/esol/delaney-processed.csv");
    return path.c_str();
}

/// A small, fast ESOL model: 12 descriptors, one hidden layer.
inline pipelines::TrainOptions esol_options(const std::string& out) {
    pipelines::TrainOptions o;
    o.data = esol_csv();
    o.target_cols = {"measured log solubility in mols per litre"};
    o.output = out;
    o.featurizer.name = "basic";
    o.hidden = {32};
    o.dropout = 0.0;
    o.epochs = 40;
    o.patience = 0;
    o.batch_size = 64;
    o.lr = 3e-3;
    o.threads = 1;
    o.featurizer.runtime.threads = 1;
    return o;
}

/// A training run and where it wrote its model.
struct TrainRun {
    std::string out;
    pipelines::TrainSummary summary;
};
/// Trains options(temp_path(name)); a test keeps it in a function-local
/// static to train once per test binary.
template <typename MakeOptions>
TrainRun train_run(const std::string& name, MakeOptions options) {
    TrainRun r;
    r.out = temp_path(name);
    r.summary = pipelines::run_train(options(r.out));
    return r;
}

/// A run stopped by o.stop_after_epochs, the same run resumed in place,
/// and an uninterrupted run of the same options into `whole_out`.
struct ResumeRuns {
    pipelines::TrainSummary first, resumed, whole;
    std::set<std::string> checkpoints;  ///< files in checkpoints/ after the first
};
inline ResumeRuns resume_runs(const pipelines::TrainOptions& o, const std::string& whole_out) {
    ResumeRuns r;
    r.first = pipelines::run_train(o);
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(o.output + "/checkpoints", ec))
        r.checkpoints.insert(f.path().filename().string());
    auto resume = o;
    resume.resume = true;
    resume.stop_after_epochs = 0;
    r.resumed = pipelines::run_train(resume);
    auto whole = o;
    whole.output = whole_out;
    whole.stop_after_epochs = 0;
    r.whole = pipelines::run_train(whole);
    return r;
}

/// Measured ESOL values by data row index (the last-but-one column).
inline std::map<std::uint64_t, double> esol_values() {
    auto rows = read_csv(esol_csv());
    std::map<std::uint64_t, double> y;
    for (std::size_t i = 1; i < rows.size(); ++i)
        y[i - 1] = std::stod(rows[i][rows[i].size() - 2]);
    return y;
}

/// RMSE on the test rows of `split_csv` (row_index,id,input,split) of the
/// mean of the training rows' values `y`; `test_count` gets the test rows.
inline double mean_predictor_rmse(const std::string& split_csv,
                                  const std::map<std::uint64_t, double>& y,
                                  std::size_t* test_count = nullptr) {
    auto split = read_csv(split_csv);
    double sum = 0;
    int n_train = 0;
    std::vector<double> test_y;
    for (std::size_t i = 1; i < split.size(); ++i) {
        const double v = y.at(std::stoull(split[i][0]));
        if (split[i][3] == "train") sum += v, ++n_train;
        if (split[i][3] == "test") test_y.push_back(v);
    }
    const double mean = sum / n_train;
    double se = 0;
    for (double v : test_y)
        se += (v - mean) * (v - mean);
    if (test_count) *test_count = test_y.size();
    return std::sqrt(se / static_cast<double>(test_y.size()));
}

/// Writes the rows of `data_csv` that `split_csv` puts in `set` to `out`
/// (same header); returns how many.
inline std::size_t write_set_csv(const std::string& data_csv, const std::string& split_csv,
                                 const std::string& set, const std::string& out) {
    auto split = read_csv(split_csv);
    std::set<std::uint64_t> keep;
    for (std::size_t i = 1; i < split.size(); ++i)
        if (split[i][3] == set) keep.insert(std::stoull(split[i][0]));
    auto data = read_csv(data_csv);
    CsvWriter w(out);
    w.header(data[0]);
    for (std::size_t i = 1; i < data.size(); ++i)
        if (keep.count(i - 1)) w.row(data[i]);
    w.close();
    return keep.size();
}

}  // namespace plmkit::test
