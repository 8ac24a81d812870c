// plmkit screen: stream a compound library through the screening pipeline.
#include <csignal>
#include <memory>

#include "apps/plmkit/command.hpp"
#include "apps/plmkit/list_options.hpp"
#include "apps/plmkit/number_checks.hpp"
#include "pipelines/screen_job.hpp"
#include "pipelines/shard.hpp"
#include "src/error.hpp"

namespace plmkit::cli {
namespace {

struct ScreenCliOptions {
    pipelines::ScreenOptions job;
    std::string shard;
    long long top = -1;
    std::vector<std::string> keep_cols;
    CLI::Option* keep_cols_option = nullptr;
};

/// The library to read and the pipeline to run it through.
void add_library_flags(CLI::App* cmd, pipelines::ScreenOptions& j) {
    cmd->add_option("-i,--input", j.input,
                    "Library: .smi/.csv/.tsv/.sdf, optionally .gz ('-' = stdin)")
        ->required();
    cmd->add_option("--format", j.reader.format, "Input format: auto|smi|csv|tsv|sdf")
        ->capture_default_str();
    cmd->add_option(
           "--smiles-col", j.reader.smiles_col,
           "SMILES column (CSV/TSV; a .smi first line with a field of this name is its header)")
        ->capture_default_str();
    cmd->add_option("--id-col", j.reader.id_col,
                    "Id column or SD tag (default: id, name, chembl_id, ... or the SD title)");
    cmd->add_option("-c,--config", j.config_path,
                    "Pipeline YAML (default: the built-in pipeline, see docs/screen.md)");
}

/// The input columns carried into the outputs.
void add_keep_cols_flag(CLI::App* cmd, ScreenCliOptions& o) {
    o.keep_cols_option = add_list_option(
        cmd, "--keep-cols", o.keep_cols,
        "Input columns / SD tags to copy into hits.csv, hits.sdf and rejects.tsv after "
        "plmkit's columns (COL[,COL...], or 'all': every column but the SMILES and id; a name "
        "plmkit writes itself, e.g. mw, becomes input_mw); overrides output.keep_cols");
}

/// The hits, rejects and summary files.
void add_output_flags(CLI::App* cmd, pipelines::ScreenOptions& j) {
    cmd->add_option("-o,--output", j.output, "Hits CSV, ranked by score ('-' = stdout)")
        ->capture_default_str();
    cmd->add_option("--sdf", j.sdf, "Also write the hits as SDF with the values as SD tags");
    cmd->add_option(
        "--rejects", j.rejects,
        "Rejects TSV: id, input_smiles, step, reason (default: <output stem>.rejects.tsv)");
    cmd->add_option("--summary", j.summary,
                    "Counts and timing JSON (default: <output stem>.summary.json)");
}

/// Threads, chunking, the --top cut and the shard of the library to process.
void add_run_flags(CLI::App* cmd, ScreenCliOptions& o) {
    cmd->add_option("-t,--threads", o.job.threads, "Worker threads (0 = all available cores)")
        ->capture_default_str();
    cmd->add_option("--chunk", o.job.chunk, "Records per processing chunk")->capture_default_str();
    cmd->add_option("--top", o.top, "Keep the K best hits (the rest go to the rejects)")
        ->check(cli::at_least(0));
    cmd->add_option("--shard", o.shard,
                    "Process records with index % N == I ('I/N'; 'auto/N': I = "
                    "SLURM_ARRAY_TASK_ID; 'auto': I and N from the Slurm array); the shard's "
                    "files get its tag (-o hits.csv: hits.shard-I-of-N.csv); combine shards "
                    "with 'plmkit merge'");
    cmd->add_flag("--resume", o.job.resume,
                  "Continue the interrupted run of this same command from its checkpoint in "
                  "<output>.partial/ (kept after every chunk; same options and input, else "
                  "refused); without a checkpoint, start at the first record, so a job script "
                  "can always pass it (see docs/screen.md)");
}

/// Not an option: models are a pipeline step, in the config. A user who
/// tries --model (as in predict) learns where they go instead of reading
/// CLI11's "arguments were not expected". Added before every other option,
/// the help flag included (taken off and put back), so that its hidden group
/// "" is not the last of the command's groups: CLI11 2.1's help ends each
/// group but the last with a blank line, which gave two before "Examples:".
void add_model_redirect(CLI::App* cmd) {
    const CLI::Option* help = cmd->get_help_ptr();
    const std::string help_flag = help ? help->get_name(false, true) : std::string();
    const std::string help_text = help ? help->get_description() : std::string();
    cmd->set_help_flag();
    cmd->add_option_function<std::string>(
           "--model",
           [](const std::string& dir) {
               throw UsageError(
                   "screen has no --model: property models are listed in the --config YAML, "
                   "under score.models (score: {models: [{name: tox, model: " +
                   dir +
                   "}]}; a relative path starts at the config's folder), and each target's "
                   "prediction becomes a column pred_<name>[_<target>] that score.expression "
                   "can rank by; see docs/screen.md, section 'score'. For predictions alone, "
                   "use plmkit predict --model " +
                   dir);
           })
        ->group("");
    if (!help_flag.empty()) cmd->set_help_flag(help_flag, help_text);
}

void run_screen_cli(const ScreenCliOptions& o) {
    auto job = o.job;
    job.shard = pipelines::parse_shard(o.shard);
    if (o.top >= 0) job.top = static_cast<std::uint64_t>(o.top);
    if (o.keep_cols_option && o.keep_cols_option->count() > 0) job.keep_cols = o.keep_cols;
    // Hits on stdout: a closed pipe (| head) is a write error that removes
    // the temporary files, not a silent kill that leaves them behind.
    if (job.output == "-") std::signal(SIGPIPE, SIG_IGN);
    pipelines::run_screen(job);
}

PLMKIT_COMMAND(30, [](CLI::App& app) {
    auto o = std::make_shared<ScreenCliOptions>();
    auto* cmd = app.add_subcommand(
        "screen",
        "Screen a compound library: parse, standardize, dedupe, filter, score, rank (RDKit)");
    add_model_redirect(cmd);  // first: see there
    add_library_flags(cmd, o->job);
    add_output_flags(cmd, o->job);
    add_keep_cols_flag(cmd, *o);
    add_run_flags(cmd, *o);
    cmd->add_flag(
        "--no-progress", [o](std::int64_t) { o->job.progress = false; },
        "Never draw the progress line");
    cmd->footer(
        "Examples:\n"
        "  plmkit screen -i library.smi -o hits.csv\n"
        "  plmkit screen -i chembl.csv --smiles-col smiles --id-col chembl_id \\\n"
        "      --config examples/screen.yaml -o hits.csv --sdf hits.sdf --top 1000 -t 8\n"
        "  plmkit screen -i vendor.csv --keep-cols catalog_id,price_usd,plate,well -o hits.csv\n"
        "  plmkit screen -i lib.smi.gz -o hits.csv --shard 0/4 --top 1000   "
        "(hits.shard-0-of-4.csv)\n"
        "  plmkit merge --kind screen -o hits.csv hits.shard-{0,1,2,3}-of-4.csv\n"
        "  plmkit screen -i lib.smi.gz -o hits.csv --resume   (after a kill: continue;\n"
        "      with no checkpoint: a fresh run)\n"
        "Every input record ends in the hits or the rejects; summary.json states\n"
        "records_read = hits + rejected + filtered + duplicates + cut_by_top.");
    refuse_empty_values(cmd);
    cmd->callback([o] { run_screen_cli(*o); });
});

}  // namespace
}  // namespace plmkit::cli
