// plmkit slurm screen|embed ...: a Slurm job array of shards plus a merge job.
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <memory>
#include <string>

#include "apps/plmkit/command.hpp"
#include "apps/plmkit/list_options.hpp"
#include "apps/plmkit/stray_words.hpp"
#include "data/molecule_reader.hpp"
#include "pipelines/embed_job.hpp"
#include "pipelines/kept_columns.hpp"
#include "pipelines/run_files.hpp"
#include "pipelines/screen_config.hpp"
#include "pipelines/slurm_job.hpp"
#include "src/device.hpp"
#include "src/error.hpp"
#include "src/log.hpp"

namespace plmkit::cli {
namespace {

std::string self_binary() {
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0) throw IoError("cannot resolve /proc/self/exe: " + errno_message());
    return std::string(buf, static_cast<std::size_t>(n));
}

void print_plan(const pipelines::SlurmJobOptions& opt, const pipelines::SlurmJobPlan& plan) {
    using pipelines::shell_quote;
    if (opt.submit) {
        std::printf("array job %s: %s (%lld shards)\n", plan.array_job_id.c_str(),
                    plan.array_script.c_str(), static_cast<long long>(opt.array));
        std::printf("merge job %s: %s -> %s\n", plan.merge_job_id.c_str(),
                    plan.merge_script.c_str(), plan.output.c_str());
        std::printf("re-run a failed shard I: sbatch --array=I %s, then sbatch %s\n",
                    shell_quote(plan.array_script).c_str(), shell_quote(plan.merge_script).c_str());
        return;
    }
    std::printf("wrote %s\nwrote %s\nsubmit with:\n", plan.array_script.c_str(),
                plan.merge_script.c_str());
    std::printf("  jid=$(sbatch --parsable %s)\n", shell_quote(plan.array_script).c_str());
    std::printf("  sbatch --dependency=afterok:$jid --kill-on-invalid-dep=yes %s\n",
                shell_quote(plan.merge_script).c_str());
}

/// The value of option `name` of `cmd` when it was given, else "".
std::string given(const CLI::App* cmd, const std::string& name) {
    const CLI::Option* o = cmd->get_option_no_throw(name);
    return o && o->count() > 0 ? o->as<std::string>() : std::string();
}

/// Model directories load in every task: a missing one would fail there.
void check_score_models(const std::string& kind, const std::string& config) {
    struct stat st;
    for (const auto& m : pipelines::load_screen_config(config).score.models) {
        if (m.model == "default") continue;
        if (::stat((m.model + "/config.json").c_str(), &st) != 0)
            throw IoError("plmkit slurm " + kind + ": " + config + ": score.models '" + m.name +
                          "': no model at '" + m.model +
                          "' (no config.json; relative paths start at the config's folder)");
    }
}

/// The reader every screen task opens, with the same options: an unknown
/// format, a missing SMILES or id column, an SD file that is not one, or a
/// --keep-cols (output.keep_cols) column the input lacks fails here with the
/// screen's own message.
void check_screen_reader(const CLI::App* cmd, const std::string& input, const std::string& config) {
    data::MoleculeReaderOptions reader;
    if (const auto v = given(cmd, "--format"); !v.empty()) reader.format = v;
    if (const auto v = given(cmd, "--smiles-col"); !v.empty()) reader.smiles_col = v;
    reader.id_col = given(cmd, "--id-col");
    std::vector<std::string> kept;
    std::string option = "--keep-cols";
    if (const CLI::Option* o = cmd->get_option_no_throw("--keep-cols"); o && o->count() > 0) {
        for (const std::string& value : o->results())
            for (std::string& item : split_list_items(value))
                kept.push_back(std::move(item));
    } else if (!config.empty()) {
        kept = pipelines::load_screen_config(config).output.keep_cols;
        option = "output.keep_cols";
    }
    reader.keep_props = !kept.empty();
    data::MoleculeReader open_header(input, reader);
    // plmkit's own column names only rename a kept column: no clash to check.
    if (!kept.empty()) pipelines::KeptColumns(kept, open_header, {}, option);
}

/// What every embed task checks before it loads the weights (not the device:
/// a GPU node may have what this machine lacks).
void check_embed_inputs(const CLI::App* cmd, const std::string& input) {
    pipelines::EmbedOptions job;
    job.model_dir = given(cmd, "--model");
    job.input = input;
    job.output = given(cmd, "--output");
    job.shard = given(cmd, "--shard");
    if (const auto v = given(cmd, "--format"); !v.empty()) job.format = v;
    if (const auto v = given(cmd, "--seq-col"); !v.empty()) job.seq_col = v;
    job.id_col = given(cmd, "--id-col");
    // List options keep their raw text (list_options.hpp): split it here.
    if (const auto* o = cmd->get_option_no_throw("--include"); o && o->count() > 0)
        job.include = list_option_items(*o);
    if (const auto* o = cmd->get_option_no_throw("--layers"); o && o->count() > 0) {
        job.layers.clear();
        for (const auto& item : list_option_items(*o))
            job.layers.push_back(std::stoi(item));  // an integer: checked by the parser
    }
    if (const auto v = given(cmd, "--long"); !v.empty()) job.long_policy = v;
    if (const auto v = given(cmd, "--dtype"); !v.empty()) parse_compute_dtype(v);
    if (const auto v = given(cmd, "--device"); !v.empty()) parse_device(v);
    pipelines::check_embed_job(job);
}

/// What every array task would check first: the input can be opened (screen:
/// its format and columns; embed: its first record, FASTA or table columns), the config loads,
/// the model folders are there. Relative paths are relative to here, where
/// the jobs run.
void check_inputs(const CLI::App* cmd, const std::string& kind) {
    const std::string input = given(cmd, "--input");
    struct stat st;
    if (!input.empty() && input != "-" && ::stat(input.c_str(), &st) != 0)
        throw IoError("plmkit slurm " + kind + ": cannot open the input '" + input +
                      "': " + errno_message());
    if (input == "-")
        throw UsageError("plmkit slurm " + kind +
                         ": --input - (standard input) cannot be split over array tasks; give "
                         "a file");
    // A pipe (--input <(zcat lib.smi.gz)) or device yields its bytes once: not
    // to N tasks, nor again to a task's --resume.
    if (!input.empty() && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        throw UsageError("plmkit slurm " + kind + ": --input '" + input +
                         "' is a pipe or device, which every array task (and a requeued "
                         "task's --resume) would have to read again; give a regular file "
                         "(.gz is read directly)");
    const std::string config = kind == "screen" ? given(cmd, "--config") : std::string();
    if (!config.empty()) check_score_models(kind, config);
    std::vector<pipelines::NamedPath> outputs;
    for (const char* name : {"--output", "--rejects", "--summary", "--sdf"}) {
        const std::string path = given(cmd, name);
        if (path == "-")
            throw UsageError("plmkit slurm " + kind + ": " + name +
                             " - cannot be split over array tasks; give a file name");
        outputs.push_back({name, path});
    }
    // As the command itself would refuse them (names before the shard suffix,
    // so the merge job cannot write over the input either).
    pipelines::check_run_files({{"the input", input}, {"the config", config}}, outputs);
    if (kind == "screen") {
        check_screen_reader(cmd, input, config);
    } else {
        check_embed_inputs(cmd, input);
    }
}

/// The --threads passed on, as the command parsed it; -1 when not given.
int passed_threads(const CLI::App* cmd) {
    const CLI::Option* o = cmd->get_option_no_throw("--threads");
    return o && o->count() > 0 ? o->as<int>() : -1;
}

/// --threads N (N > 1) without --cpus-per-task: the tasks get the cluster's
/// default CPUs, often 1, and N threads would take turns on them.
void warn_threads_without_cpus(const pipelines::SlurmJobOptions& opt) {
    if (opt.threads <= 1 || opt.cpus_per_task > 0) return;
    const std::string t = std::to_string(opt.threads);
    log_warn("plmkit slurm " + opt.kind + ": --threads " + t +
             " without --cpus-per-task: each array task gets the cluster's default number of "
             "CPUs (often 1), and " +
             t + " threads would take turns on them; add --cpus-per-task " + t);
}

/// Parses the passed-on arguments with the real `plmkit <kind>` parser, then
/// runs check_inputs instead of the command, so an unknown option, a bad value, a
/// missing input or a broken config fails now instead of in N array tasks.
/// Returns the --threads passed on (-1: none).
int check_passed_args(const std::string& kind, const std::vector<std::string>& args,
                      std::int64_t array) {
    CLI::App check{"plmkit", "plmkit"};
    check.require_subcommand(1);
    check.fallthrough();
    check.add_flag("-v,--verbose");
    check.add_flag("-q,--quiet");
    for (auto& entry : command_registry())
        entry.add(check);
    // Runs once the whole line is parsed and checked, before the command's own
    // callback (which would run the job); the throw stops it there. The
    // command's callback must stay: it owns the values its options bind to.
    struct Parsed {
        int threads;
    };
    CLI::App* cmd = check.get_subcommand(kind);
    check.parse_complete_callback([cmd, kind] {
        check_inputs(cmd, kind);
        throw Parsed{passed_threads(cmd)};
    });
    std::vector<std::string> argv{kind, "--shard", "0/" + std::to_string(array)};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::vector<std::string> in_order = argv;
    std::reverse(argv.begin(), argv.end());  // CLI11 takes them last first
    try {
        check.parse(argv);
        throw Error("plmkit slurm " + kind + ": the arguments passed on were not checked");
    } catch (const Parsed& parsed) {
        return parsed.threads;
    } catch (const CLI::RequiredError& e) {
        std::string unknown = unknown_options(check);
        if (unknown.empty()) unknown = stray_words(check, in_order);
        throw UsageError("plmkit slurm " + kind + ": 'plmkit " + kind +
                         "' would refuse the arguments passed on: " +
                         (unknown.empty() ? "" : unknown + "; also ") + e.what());
    } catch (const CLI::ExtrasError& e) {
        // "--layers takes one value, so '1' after '--layers 0' was not read; ..."
        std::string unknown = unknown_options(check);
        if (unknown.empty()) unknown = stray_words(check, in_order);
        throw UsageError("plmkit slurm " + kind + ": 'plmkit " + kind +
                         "' would refuse the arguments passed on: " +
                         (unknown.empty() ? std::string(e.what()) : unknown));
    } catch (const CLI::ParseError& e) {
        throw UsageError("plmkit slurm " + kind + ": 'plmkit " + kind +
                         "' would refuse the arguments passed on: " + e.what());
    }
}

void add_kind(CLI::App* slurm, const std::string& kind) {
    auto opt = std::make_shared<pipelines::SlurmJobOptions>();
    opt->kind = kind;
    auto* cmd = slurm->add_subcommand(
        kind, "Array job running 'plmkit " + kind + " ... --shard I/N', then 'plmkit merge'");
    // Unknown options are the command's own: keep them here, in order, rather
    // than falling through to the parent (main sets fallthrough()).
    cmd->allow_extras();
    cmd->fallthrough(false);
    cmd->add_option("--array", opt->array, "Number of shards N (array tasks 0..N-1)")->required();
    cmd->add_option("--partition", opt->partition, "Slurm partition");
    cmd->add_option("--time", opt->time, "Time limit per task, e.g. 02:00:00");
    cmd->add_option("--mem", opt->mem, "Memory per task, e.g. 8G");
    cmd->add_option("--cpus-per-task", opt->cpus_per_task,
                    "CPUs per array task (without --threads the tasks get --threads 0: all of "
                    "them)");
    cmd->add_option("--gpus", opt->gpus, "GPUs per array task, e.g. 1 or a100:1");
    cmd->add_option("--workdir", opt->workdir,
                    "Folder for the job scripts and logs (default: <output>.slurm)");
    cmd->add_flag("--submit", opt->submit,
                  "Submit both jobs with sbatch and print their ids (default: only write)");
    const std::string example_out = kind == "screen" ? "hits.csv" : "emb.h5";
    const std::string example_shard =
        kind == "screen" ? "hits.shard-3-of-16.csv" : "emb.shard-3-of-16.h5";
    cmd->footer("Every other argument is passed to 'plmkit " + kind +
                "'. Array task I writes --output FILE as <stem>.shard-I-of-N.<ext> (" +
                example_out + " -> " + example_shard +
                "); the merge job joins the shards into FILE.\n"
                "Example:\n  plmkit slurm " +
                kind +
                (kind == "screen" ? " --input library.smi --output hits.csv"
                                  : " --model esm2_t33_650M_UR50D --input proteins.fasta "
                                    "--output emb.h5 --gpus 1") +
                " --array 16 --submit\nSee docs/slurm.md.");
    cmd->callback([opt, cmd] {
        opt->args = cmd->remaining();
        pipelines::plan_slurm_job(*opt);  // --output present, no --shard of its own
        opt->threads = check_passed_args(opt->kind, opt->args, opt->array);
        warn_threads_without_cpus(*opt);
        opt->plmkit_binary = self_binary();
        auto plan = pipelines::run_slurm_job(*opt);
        print_plan(*opt, plan);
    });
}

PLMKIT_COMMAND(60, [](CLI::App& app) {
    auto* slurm = app.add_subcommand(
        "slurm", "Split a screen or embed run into a Slurm job array plus a merge job");
    slurm->require_subcommand(1);
    add_kind(slurm, "screen");
    add_kind(slurm, "embed");
    slurm->footer(
        "Examples:\n"
        "  plmkit slurm screen --input library.smi --output hits.csv --array 16 --time 1:00:00\n"
        "  plmkit slurm embed --model esm2_t6_8M_UR50D --input proteins.fasta --output emb.h5 \\\n"
        "      --array 4 --gpus 1 --submit\n"
        "See docs/slurm.md.");
});

}  // namespace
}  // namespace plmkit::cli
