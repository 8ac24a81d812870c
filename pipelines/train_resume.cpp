#include "pipelines/train_resume.hpp"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "pipelines/train_checks.hpp"
#include "pipelines/train_options_check.hpp"
#include "src/atomic_file.hpp"
#include "src/error.hpp"

namespace plmkit::pipelines {

namespace fs = std::filesystem;

/// The first option that differs, by its dotted name ("seed",
/// "featurizer.esm_pooling"): plain values before groups, so a changed
/// --seed is named as such rather than as the group that copies it ("gbm").
/// Throws the --resume UsageError.
void refuse_changed_option(const nlohmann::json& before, const nlohmann::json& now,
                           const std::string& prefix) {
    for (const bool groups : {false, true})
        for (auto it = now.begin(); it != now.end(); ++it) {
            const nlohmann::json was = before.value(it.key(), nlohmann::json());
            if (it.value().is_object() != groups || was == it.value()) continue;
            if (groups && was.is_object())
                refuse_changed_option(was, it.value(), prefix + it.key() + ".");
            throw UsageError("--resume: option '" + prefix + it.key() + "' was " + was.dump() +
                             " in the interrupted run, now " + it.value().dump());
        }
}

// The interrupted run must have had the same options and read the same data
// (and split file) and encoder: cached features and checkpoints belong to
// its rows and its encoder's weights.
void check_resume(const TrainOptions& o) {
    nlohmann::json before = read_json_file(o.output + "/checkpoints/options.json");
    // As options.json was written: a non-UTF-8 byte as \xHH.
    const nlohmann::json now = with_valid_utf8(training_json(o));
    // Runs made before --class-weights weighted classes as balanced does.
    if (now.contains("class_weights") && !before.contains("class_weights"))
        before["class_weights"] = "balanced";
    // Runs made before --grad-accum and --warmup-epochs had their defaults.
    if (!before.contains("grad_accum")) before["grad_accum"] = 1;
    if (!before.contains("warmup_epochs")) before["warmup_epochs"] = 2.0;
    refuse_changed_option(before, now);
    // Recorded only when given, so a dropped --encoder-lr is not a key of now.
    if (before.contains("encoder_lr") && !now.contains("encoder_lr"))
        throw UsageError("--resume: option 'encoder_lr' was " + before["encoder_lr"].dump() +
                         " in the interrupted run, now not given (--lr)");
    check_unchanged(before.value("data_file", nlohmann::json()), resume_fingerprint(o.data),
                    "--data", o.data);
    const std::string split = train_split_file(o);
    if (!split.empty())
        check_unchanged(before.value("split_file", nlohmann::json()), resume_fingerprint(split),
                        "--split file:", split);
    const auto [flag, dir] = train_encoder_dir(o);
    if (!dir.empty())
        check_encoder_unchanged(before.value("encoder_files", nlohmann::json()),
                                encoder_fingerprint(dir), flag, dir);
}

/// Creates <output>/checkpoints with the run's options and the fingerprints
/// of its files; a new run first removes an older run's checkpoints.
void begin_run(const TrainOptions& o) {
    const std::string dir = o.output + "/checkpoints";
    std::error_code ec;
    if (!o.resume) fs::remove_all(dir, ec);
    fs::create_directories(dir, ec);
    if (ec) throw IoError("cannot create '" + dir + "': " + ec.message());
    if (o.resume) return;
    nlohmann::json now = training_json(o);
    now["data_file"] = resume_fingerprint(o.data);
    const std::string split = train_split_file(o);
    if (!split.empty()) now["split_file"] = resume_fingerprint(split);
    const std::string encoder = train_encoder_dir(o).second;
    if (!encoder.empty()) now["encoder_files"] = encoder_fingerprint(encoder);
    write_json_file(dir + "/options.json", now);
}

}  // namespace plmkit::pipelines
