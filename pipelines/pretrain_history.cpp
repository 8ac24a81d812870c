#include "pipelines/pretrain_history.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>

#include "src/atomic_file.hpp"
#include "src/error.hpp"

namespace plmkit::pipelines {
namespace {

/// 10 significant digits.
std::string number(double x) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.10g", x);
    return buf;
}

}  // namespace

std::string pretrain_history_tsv(const std::vector<PretrainEpoch>& history) {
    std::string out =
        "epoch\ttrain_loss\tvalid_loss\tvalid_perplexity\tvalid_accuracy\tlr\tsaved\n";
    for (const PretrainEpoch& e : history) {
        const bool trained = e.epoch > 0;
        out += std::to_string(e.epoch) + '\t' + (trained ? number(e.train_loss) : "") + '\t' +
               number(e.valid_loss) + '\t' + number(std::exp(e.valid_loss)) + '\t' +
               number(e.valid_accuracy) + '\t' + (trained ? number(e.lr) : "") + '\t' +
               (e.saved ? "1" : "0") + '\n';
    }
    return out;
}

void write_pretrain_history(const std::string& dir, const std::vector<PretrainEpoch>& history) {
    const std::string path = dir + "/history.tsv";
    AtomicFile file(path);
    std::ofstream out(file.temp_path());
    out << pretrain_history_tsv(history);
    out.close();
    if (!out) throw IoError("cannot write '" + path + "': " + errno_message());
    file.commit();
}

}  // namespace plmkit::pipelines
