#include "pipelines/slurm_job.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "pipelines/shard.hpp"
#include "src/atomic_file.hpp"
#include "src/error.hpp"

namespace plmkit::pipelines {
namespace fs = std::filesystem;
namespace {

/// Flags whose value is a file the command writes: each shard writes its own
/// copy (shard_path) and the merge job writes the original name.
struct OutputFlag {
    std::vector<std::string> names;  ///< e.g. {"--output", "-o"}
    bool main = false;               ///< the output the merge command takes as --output
};

std::vector<OutputFlag> output_flags(const std::string& kind) {
    if (kind == "screen")
        return {{{"--output", "-o"}, true},
                {{"--rejects"}, false},
                {{"--summary"}, false},
                {{"--sdf"}, false}};
    return {{{"--output", "-o"}, true}};
}

struct FoundOutput {
    std::size_t arg = 0;  ///< index into args of the value
    std::string prefix;   ///< "--output=" or "-o" when given in one piece, else ""
    std::string flag;     ///< canonical flag name (first of names)
    bool main = false;
};

/// Whether `arg` is option `name` in one of the spellings CLI11 reads:
/// `--output X`, `--output=X`, `-o X`, `-oX` (the value attached to a short
/// name). For the attached spellings `inline_prefix` is what precedes the value.
bool matches(const std::string& arg, const std::string& name, std::string* inline_prefix) {
    if (arg == name) return true;
    const bool is_long = name.size() > 2;
    const std::string prefix = is_long ? name + "=" : name;
    if (arg.size() > prefix.size() && arg.compare(0, prefix.size(), prefix) == 0) {
        *inline_prefix = prefix;
        return true;
    }
    return false;
}

std::vector<FoundOutput> find_outputs(const SlurmJobOptions& o) {
    std::vector<FoundOutput> found;
    const auto flags = output_flags(o.kind);
    for (std::size_t i = 0; i < o.args.size(); ++i) {
        const std::string& a = o.args[i];
        if (a == "--shard" || a.rfind("--shard=", 0) == 0)
            throw UsageError("plmkit slurm " + o.kind +
                             ": do not pass --shard; each array task gets its own");
        for (const auto& f : flags)
            for (const auto& name : f.names) {
                std::string prefix;
                if (!matches(a, name, &prefix)) continue;
                if (prefix.empty() && i + 1 >= o.args.size())
                    throw UsageError("plmkit slurm " + o.kind + ": " + name + " needs a value");
                found.push_back({prefix.empty() ? i + 1 : i, prefix, f.names[0], f.main});
                if (prefix.empty()) ++i;
            }
    }
    return found;
}

std::string value_of(const SlurmJobOptions& o, const FoundOutput& f) {
    return o.args[f.arg].substr(f.prefix.size());
}

std::string absolute(const std::string& path, const std::string& cwd) {
    fs::path p(path);
    return (p.is_absolute() ? p : fs::path(cwd) / p).lexically_normal().string();
}

std::string current_dir() {
    std::error_code ec;
    auto p = fs::current_path(ec);
    if (ec) throw IoError("cannot read the current folder: " + ec.message());
    return p.string();
}

// sbatch reads an "#SBATCH" line as words (src/sbatch/opt.c, _get_argument):
// whitespace separates them, " and ' quote (older versions: only "), a
// backslash escapes the next character, an unquoted # starts a comment, and
// the line ends at a newline. Values plmkit writes there must survive that.

/// How `c` is named in an error message.
std::string describe_char(char c) {
    switch (c) {
        case '\n':
            return "a newline";
        case '\r':
            return "a carriage return";
        case '\t':
            return "a tab";
        case ' ':
            return "a space";
        case '"':
            return "a double quote (\")";
        case '\'':
            return "a single quote (')";
        case '\\':
            return "a backslash (\\)";
        case '#':
            return "a # (sbatch reads the rest of the line as a comment)";
        default:
            break;
    }
    char hex[8];
    std::snprintf(hex, sizeof(hex), "0x%02x", static_cast<unsigned char>(c));
    return std::string("a control character (") + hex + ")";
}

bool is_control(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}

/// `text` with each control character written as an escape (\n, \x07): for
/// a "# ..." comment line, where a newline in an argument would end the
/// comment and the rest would run as a command before `set -e` (and end the
/// #SBATCH lines sbatch reads), and for error messages.
std::string visible(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (is_control(c)) {
            char hex[8];
            std::snprintf(hex, sizeof(hex), "\\x%02x", static_cast<unsigned char>(c));
            out += hex;
        } else {
            out += c;
        }
    }
    return out;
}

/// UsageError unless `value` of `option` (--partition, --time, ...) can stand
/// bare on an #SBATCH line: none of these values has a space, a quote, a
/// backslash, a # or a control character, and one that did would be split
/// or cut by sbatch ("--time '1:00 --wrap=x'" would add an option).
void check_directive_value(const std::string& kind, const std::string& option,
                           const std::string& value) {
    for (char c : value)
        if (is_control(c) || c == ' ' || c == '"' || c == '\'' || c == '\\' || c == '#')
            throw UsageError("plmkit slurm " + kind + ": " + option + " '" + visible(value) +
                             "' holds " + describe_char(c) +
                             ", which an #SBATCH line cannot carry in this value");
}

/// UsageError unless the folder `dir` can be written on an #SBATCH --output
/// line: in double quotes it may hold spaces, ' and #, but not a double quote,
/// a backslash or a control character (a newline would end the line).
void check_directive_path(const std::string& kind, const std::string& dir) {
    for (char c : dir)
        if (is_control(c) || c == '"' || c == '\\')
            throw UsageError("plmkit slurm " + kind + ": the job folder '" + visible(dir) +
                             "' holds " + describe_char(c) +
                             ", which an #SBATCH --output line cannot carry (the logs go "
                             "there); choose another --workdir");
}

/// The value of "#SBATCH --output=" for the file `pattern` (which may use
/// Slurm's %j, %A, %a) in the folder `dir`: '%' in the folder doubled (Slurm
/// would expand it), the whole in double quotes when it holds a space, a '
/// or a #. check_directive_path has refused what cannot be written.
std::string directive_path(const std::string& dir, const std::string& pattern) {
    std::string v;
    for (char c : dir)
        v += c == '%' ? std::string("%%") : std::string(1, c);
    v += "/" + pattern;
    if (v.find_first_of(" '#") == std::string::npos) return v;
    return "\"" + v + "\"";
}

/// "#SBATCH" lines for the resources both scripts share.
std::string common_directives(const SlurmJobOptions& o) {
    std::string s;
    if (!o.partition.empty()) s += "#SBATCH --partition=" + o.partition + "\n";
    if (!o.time.empty()) s += "#SBATCH --time=" + o.time + "\n";
    return s;
}

std::string join_quoted(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv) {
        if (!s.empty()) s += " ";
        s += shell_quote(a);
    }
    return s;
}

void write_script(const std::string& path, const std::string& text) {
    AtomicFile file(path);
    {
        std::ofstream out(file.temp_path(), std::ios::binary);
        out << text;
        out.close();
        if (!out) throw IoError(path + ": cannot write the job script: " + errno_message());
    }
    if (::chmod(file.temp_path().c_str(), 0755) != 0)
        throw IoError(path + ": chmod: " + errno_message());
    file.commit();
}

/// Runs `argv` through the shell, returns its stdout; IoError with its
/// stderr on failure (warnings on stderr never mix with the job id).
std::string run_capture(const std::vector<std::string>& argv) {
    char err_path[] = "/tmp/plmkit-sbatch-XXXXXX";
    int fd = ::mkstemp(err_path);
    if (fd < 0) throw IoError("cannot create a temporary file: " + errno_message());
    ::close(fd);
    std::string cmd = join_quoted(argv) + " 2>" + shell_quote(err_path);
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) {
        ::unlink(err_path);
        throw IoError("cannot run " + argv[0] + ": " + errno_message());
    }
    std::string out;
    std::array<char, 4096> buf;
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0)
        out.append(buf.data(), n);
    int status = ::pclose(p);
    std::ifstream err_in(err_path);
    std::string err((std::istreambuf_iterator<char>(err_in)), std::istreambuf_iterator<char>());
    ::unlink(err_path);
    if (status != 0) {
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        throw IoError(join_quoted(argv) + " failed (exit " + std::to_string(code) +
                      "): " + (err.empty() ? out : err));
    }
    return out;
}

/// The job id printed by `sbatch --parsable` ("123" or "123;cluster").
std::string parse_job_id(const std::string& out, const std::string& script) {
    std::string id;
    for (char c : out) {
        if (c == ';' || c == '\n' || c == '\r') break;
        id += c;
    }
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
        throw IoError("sbatch " + script + ": expected a job id, got '" + out + "'");
    return id;
}

/// UsageError for more threads than --cpus-per-task: each task would run
/// them on fewer CPUs.
void check_threads(const SlurmJobOptions& o) {
    if (o.cpus_per_task <= 0 || o.threads <= o.cpus_per_task) return;
    const std::string t = std::to_string(o.threads), c = std::to_string(o.cpus_per_task);
    throw UsageError("plmkit slurm " + o.kind + ": --threads " + t +
                     " is more than --cpus-per-task " + c + ": each array task would run " + t +
                     " threads on the " + c +
                     " CPUs Slurm gives it, which is slower, not faster; pass --threads " + c +
                     ", leave --threads out (each task then uses the CPUs it is given) or ask "
                     "for --cpus-per-task " +
                     t);
}

}  // namespace

std::string shell_quote(const std::string& s) {
    if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789_-+=.,/:@%") == std::string::npos)
        return s;
    std::string q = "'";
    for (char c : s)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

SlurmJobPlan plan_slurm_job(const SlurmJobOptions& o) {
    if (o.kind != "screen" && o.kind != "embed")
        throw UsageError("plmkit slurm: unknown job kind '" + o.kind +
                         "', expected screen or embed");
    if (o.array < 1)
        throw UsageError("plmkit slurm " + o.kind + ": --array must be at least 1, got " +
                         std::to_string(o.array));
    if (o.cpus_per_task < 0)
        throw UsageError("plmkit slurm " + o.kind + ": --cpus-per-task must be >= 0");
    check_threads(o);
    auto found = find_outputs(o);
    SlurmJobPlan plan;
    std::vector<std::string> extra;
    for (const auto& f : found) {
        if (f.main) {
            if (!plan.output.empty())
                throw UsageError("plmkit slurm " + o.kind + ": --output given twice");
            plan.output = value_of(o, f);
        } else {
            extra.push_back(f.flag);
            extra.push_back(value_of(o, f));
        }
    }
    if (plan.output.empty())
        throw UsageError("plmkit slurm " + o.kind +
                         ": --output FILE is required (each shard writes its own file, "
                         "<stem>.shard-I-of-N.<ext>: hits.csv -> hits.shard-0-of-4.csv)");
    for (const auto& f : found)
        if (value_of(o, f) == "-")
            throw UsageError("plmkit slurm " + o.kind + ": " + f.flag +
                             " - (standard output) cannot be split over array tasks: each "
                             "task writes its own shard file; give a file name");
    for (const auto& f : found)
        if (auto named = shard_in_name(value_of(o, f)))
            throw UsageError("plmkit slurm " + o.kind + ": " + f.flag + " " + value_of(o, f) +
                             " names shard " + named->to_string() +
                             "; give the merged file's name: each task adds its own "
                             ".shard-I-of-N");
    for (std::int64_t i = 0; i < o.array; ++i)
        plan.shard_outputs.push_back(shard_path(plan.output, Shard{i, o.array}));
    check_directive_value(o.kind, "--partition", o.partition);
    check_directive_value(o.kind, "--time", o.time);
    check_directive_value(o.kind, "--mem", o.mem);
    check_directive_value(o.kind, "--gpus", o.gpus);
    std::string cwd = o.cwd.empty() ? current_dir() : o.cwd;
    std::string workdir = absolute(o.workdir.empty() ? plan.output + ".slurm" : o.workdir, cwd);
    check_directive_path(o.kind, workdir + "/logs");
    plan.array_script = workdir + "/" + o.kind + "-array.sh";
    plan.merge_script = workdir + "/" + o.kind + "-merge.sh";
    plan.merge_command = {o.plmkit_binary, "merge", "--kind", o.kind, "--output", plan.output};
    plan.merge_command.insert(plan.merge_command.end(), extra.begin(), extra.end());
    plan.merge_command.insert(plan.merge_command.end(), plan.shard_outputs.begin(),
                              plan.shard_outputs.end());
    return plan;
}

namespace {

/// `path` of shard "$I" of N as a shell word: hits.shard-${I}-of-4.csv.
std::string shard_word(const std::string& path, std::int64_t count) {
    const std::string mark = "\x01";
    std::string templ = shard_path(path, mark, count);
    auto at = templ.find(mark);
    std::string before = templ.substr(0, at), after = templ.substr(at + mark.size());
    auto piece = [](const std::string& s) { return s.empty() ? s : shell_quote(s); };
    return piece(before) + "\"${I}\"" + piece(after);
}

std::string header_comment(const SlurmJobOptions& o, const std::string& what) {
    std::vector<std::string> original{"plmkit", o.kind};
    original.insert(original.end(), o.args.begin(), o.args.end());
    return "#!/bin/bash\n"
           "# " +
           what +
           "\n"
           "# Generated by `plmkit slurm " +
           o.kind + " --array " + std::to_string(o.array) + "` for:\n#   " +
           visible(join_quoted(original)) + "\n";
}

/// The array task's command line (a shell line): the command's own
/// arguments with the outputs of shard "$I", then --threads 0 where the
/// task's CPUs are asked for, --shard and --resume.
std::string task_command(const SlurmJobOptions& o) {
    const std::string n = std::to_string(o.array);
    // Each shard writes its own outputs (atomically: renamed into place only
    // when complete) and takes records index % N == I.
    std::vector<std::string> words{shell_quote(o.plmkit_binary), shell_quote(o.kind)};
    auto found = find_outputs(o);
    std::size_t next = 0;
    for (std::size_t i = 0; i < o.args.size(); ++i) {
        if (next < found.size() && found[next].arg == i) {
            const auto& f = found[next++];
            std::string path = o.args[i].substr(f.prefix.size());
            words.push_back((f.prefix.empty() ? "" : shell_quote(f.prefix)) +
                            shard_word(path, o.array));
        } else {
            words.push_back(shell_quote(o.args[i]));
        }
    }
    // Without --threads, screen would use 1 thread of the task's CPUs: 0
    // takes all of them (SLURM_CPUS_PER_TASK, runtime.hpp's available_cores).
    if (o.threads < 0 && o.cpus_per_task > 0) {
        words.push_back("--threads");
        words.push_back("0");
    }
    words.push_back("--shard");
    words.push_back("\"${I}/" + n + "\"");
    // A task killed at its time limit (or preempted) keeps its checkpoint
    // (embed: its finished windows; screen: its done chunks); a re-run of the
    // task or a requeue goes on from it, and a first run without one starts
    // at the first record (docs/embed.md, docs/screen.md).
    const bool has_resume = std::any_of(o.args.begin(), o.args.end(), [](const std::string& a) {
        return a == "--resume" || a.rfind("--resume=", 0) == 0;
    });
    if (!has_resume) words.push_back("--resume");
    std::string line;
    for (const auto& w : words)
        line += (line.empty() ? "" : " ") + w;
    return line;
}

}  // namespace

std::string slurm_array_script(const SlurmJobOptions& o, const SlurmJobPlan& plan) {
    const std::string n = std::to_string(o.array);
    const std::string last = std::to_string(o.array - 1);
    std::string logs = fs::path(plan.array_script).parent_path().string() + "/logs";
    std::string s = header_comment(o, "Array job: shard I of " + n + " runs as array task I.");
    s += "# Submit:            sbatch " + shell_quote(plan.array_script) +
         "\n"
         "# Re-run shard I:    sbatch --array=I " +
         shell_quote(plan.array_script) + "   (I in 0-" + last + "; then sbatch " +
         shell_quote(plan.merge_script) + ")\n";
    if (o.threads < 0 && o.cpus_per_task > 0)
        s += "# Threads:           --threads 0, all the CPUs Slurm gives the task "
             "(SLURM_CPUS_PER_TASK, set by --cpus-per-task)\n";
    s += "#SBATCH --job-name=plmkit-" + o.kind + "\n";
    s += "#SBATCH --array=0-" + last + "\n";
    s += "#SBATCH --output=" + directive_path(logs, o.kind + "-%A_%a.log") + "\n";
    s += common_directives(o);
    if (!o.mem.empty()) s += "#SBATCH --mem=" + o.mem + "\n";
    if (o.cpus_per_task > 0)
        s += "#SBATCH --cpus-per-task=" + std::to_string(o.cpus_per_task) + "\n";
    if (!o.gpus.empty()) s += "#SBATCH --gpus=" + o.gpus + "\n";
    s += "set -euo pipefail\n";
    s += "cd " + shell_quote(o.cwd.empty() ? current_dir() : o.cwd) + "\n";
    s += "I=${SLURM_ARRAY_TASK_ID:?submit with sbatch --array=0-" + last + "}\n";
    s += "if [ \"$I\" -ge " + n + " ]; then echo \"array task $I: only shards 0-" + last +
         " exist\" >&2; exit 2; fi\n";
    s += "exec " + task_command(o) + "\n";
    return s;
}

std::string slurm_merge_script(const SlurmJobOptions& o, const SlurmJobPlan& plan) {
    std::string logs = fs::path(plan.merge_script).parent_path().string() + "/logs";
    std::string s = header_comment(o, "Merge job: joins the " + std::to_string(o.array) +
                                          " shards into the output of a single run.");
    s += "# Runs after every array task succeeded (sbatch --dependency=afterok:<array job>).\n";
    s += "#SBATCH --job-name=plmkit-" + o.kind + "-merge\n";
    s += "#SBATCH --output=" + directive_path(logs, o.kind + "-merge-%j.log") + "\n";
    s += common_directives(o);
    if (!o.mem.empty()) s += "#SBATCH --mem=" + o.mem + "\n";
    s += "set -euo pipefail\n";
    s += "cd " + shell_quote(o.cwd.empty() ? current_dir() : o.cwd) + "\n";
    s += "exec " + join_quoted(plan.merge_command) + "\n";
    return s;
}

SlurmJobPlan run_slurm_job(const SlurmJobOptions& o) {
    SlurmJobPlan plan = plan_slurm_job(o);
    std::string logs = fs::path(plan.array_script).parent_path().string() + "/logs";
    std::error_code ec;
    fs::create_directories(logs, ec);
    if (ec) throw IoError(logs + ": cannot create the job folder: " + ec.message());
    write_script(plan.array_script, slurm_array_script(o, plan));
    write_script(plan.merge_script, slurm_merge_script(o, plan));
    if (!o.submit) return plan;
    plan.array_job_id =
        parse_job_id(run_capture({o.sbatch, "--parsable", plan.array_script}), plan.array_script);
    plan.merge_job_id = parse_job_id(
        run_capture({o.sbatch, "--parsable", "--dependency=afterok:" + plan.array_job_id,
                     "--kill-on-invalid-dep=yes", plan.merge_script}),
        plan.merge_script);
    return plan;
}

}  // namespace plmkit::pipelines
