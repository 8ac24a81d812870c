// plmkit merge: combine the outputs of sharded runs (--shard I/N) into the
// outputs one run over the whole input would have written. One function per
// kind of output; `--kind auto` picks it from the inputs.
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "apps/plmkit/command.hpp"
#include "pipelines/embed_merge.hpp"
#include "pipelines/screen_merge.hpp"
#include "src/error.hpp"

namespace plmkit::cli {
namespace {

struct MergeCliOptions {
    std::string kind = "auto";
    std::vector<std::string> inputs;
    std::string output;
    std::string sdf, rejects, summary;
};

void merge_screen_outputs(const MergeCliOptions& o) {
    pipelines::ScreenMergeOptions m;
    m.inputs = o.inputs;
    m.output = o.output;
    m.sdf = o.sdf;
    m.rejects = o.rejects;
    m.summary = o.summary;
    pipelines::merge_screen(m);
}

/// --kind embed: HDF5 files of 'plmkit embed --shard I/N' (docs/slurm.md).
void merge_embed_outputs(const MergeCliOptions& o) {
    if (!o.sdf.empty() || !o.rejects.empty() || !o.summary.empty())
        throw UsageError(
            "merge --kind embed: --sdf, --rejects and --summary are for screen outputs; the "
            "merged rejects go to <output>.rejects.tsv");
    pipelines::EmbedMergeOptions m;
    m.inputs = o.inputs;
    m.output = o.output;
    m.command_line = global_options().command_line;
    pipelines::merge_embeddings(m);
}

bool is_hdf5_name(const std::string& path) {
    auto ends = [&](const std::string& ext) {
        return path.size() >= ext.size() &&
               path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
    };
    return ends(".h5") || ends(".hdf5");
}

/// The kind of the inputs: "screen" (hits CSV or screen summary.json), ...
std::string detect_kind(const MergeCliOptions& o) {
    for (const auto& path : o.inputs) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            throw IoError("cannot open '" + path + "': no such file");
    }
    if (o.kind != "auto") return o.kind;
    if (pipelines::is_screen_output(o.inputs.front())) return "screen";
    if (is_hdf5_name(o.inputs.front())) return "embed";
    throw UsageError("merge: cannot tell the kind of '" + o.inputs.front() +
                     "'; pass --kind screen or --kind embed");
}

void run_merge(const MergeCliOptions& o) {
    // Hits on stdout: a closed pipe (| head) is a write error that removes
    // the temporary files, not a silent kill that leaves them behind.
    if (o.output == "-") std::signal(SIGPIPE, SIG_IGN);
    std::string kind = detect_kind(o);
    if (kind == "screen") return merge_screen_outputs(o);
    if (kind == "embed") return merge_embed_outputs(o);
    throw UsageError("merge: unknown --kind '" + kind + "' (expected screen or embed)");
}

PLMKIT_COMMAND(40, [](CLI::App& app) {
    auto o = std::make_shared<MergeCliOptions>();
    auto* cmd = app.add_subcommand(
        "merge", "Combine the outputs of sharded runs (--shard I/N) into one run's outputs");
    cmd->add_option("inputs", o->inputs,
                    "Shard outputs in shard order: hits CSVs (or summary JSONs) of "
                    "'plmkit screen --shard I/N', or .h5 files of 'plmkit embed --shard I/N'")
        ->required();
    cmd->add_option("--kind", o->kind, "What to merge: auto|screen|embed")->capture_default_str();
    cmd->add_option("-o,--output", o->output,
                    "Merged hits CSV ('-' = stdout), or with embed shards the merged HDF5 file "
                    "(its rejects go to <output>.rejects.tsv)")
        ->required();
    cmd->add_option("--sdf", o->sdf, "Merged hits SDF (the shards must have written SDF)");
    cmd->add_option("--rejects", o->rejects,
                    "Merged rejects TSV (default: <output stem>.rejects.tsv)");
    cmd->add_option("--summary", o->summary,
                    "Merged summary JSON (default: <output stem>.summary.json); shard summaries "
                    "are looked up as <summary stem>.shard-I-of-N.json, then <hits "
                    "stem>.summary.json");
    cmd->footer(
        "Examples:\n"
        "  for i in 0 1 2 3; do plmkit screen -i lib.smi --shard $i/4 --top 100 \\\n"
        "      -o hits.shard-$i-of-4.csv; done\n"
        "  plmkit merge --kind screen -o hits.csv hits.shard-{0,1,2,3}-of-4.csv\n"
        "  plmkit merge --kind embed -o emb.h5 emb.shard-{0,1,2}-of-3.h5\n"
        "The merged files equal those of one run over the whole input (duplicates across\n"
        "shards are found again; --top is applied again).");
    cmd->callback([o] { run_merge(*o); });
});

}  // namespace
}  // namespace plmkit::cli
