// plmkit: language models of biology for drug discovery.
// main() parses the command line, runs one subcommand, and is the only place
// that turns errors into messages and exit codes (see README "Exit codes").
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "apps/plmkit/command.hpp"
#include "apps/plmkit/option_hints.hpp"
#include "apps/plmkit/stray_words.hpp"
#include "pipelines/chemprop_names.hpp"
#include "src/blas_info.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/name_hints.hpp"
#include "src/runtime.hpp"
#include "src/version.hpp"

namespace plmkit::cli {

std::vector<CommandEntry>& command_registry() {
    static std::vector<CommandEntry> registry;
    return registry;
}

namespace {
GlobalOptions g_options;
}
const GlobalOptions& global_options() {
    return g_options;
}

namespace {

/// " (Chemprop's --data_path; here: --data)" for a Chemprop name, else
/// " (did you mean --lr? Hugging Face Trainer's learning_rate ...)" for a
/// Hugging Face / fair-esm name (option_hints.hpp), else " (did you mean
/// --batch-size?)" for the closest of the command's own long options
/// (`--batch_size`, `--epoch`), else "".
std::string unknown_option_hint(const CLI::App& cmd, const std::string& word) {
    const std::string chemprop = pipelines::chemprop_option_hint(cmd.get_name(), word);
    if (!chemprop.empty()) return " (" + chemprop + ")";
    const std::string python = option_hint(cmd, word);
    if (!python.empty()) return " (" + python + ")";
    if (word.rfind("--", 0) != 0) return "";
    std::string name = word.substr(0, word.find('='));
    std::replace(name.begin(), name.end(), '_', '-');
    std::vector<std::string> names;
    for (const CLI::Option* o : cmd.get_options())
        for (const std::string& l : o->get_lnames())
            names.push_back("--" + l);
    const std::string closest = closest_name(name, names);
    return closest.empty() ? "" : " (did you mean " + closest + "?)";
}

}  // namespace

std::string unknown_options(const CLI::App& app) {
    const CLI::App* cmd = &app;
    while (!cmd->get_subcommands().empty())
        cmd = cmd->get_subcommands().front();
    // `plmkit slurm embed` passes unknown options on to embed.
    if (cmd == &app || cmd->get_allow_extras()) return "";
    std::string list;
    // With fallthrough, what the command did not take may sit with the parent.
    for (const std::string& a : app.remaining(/*recurse=*/true)) {
        // Not "-" (standard input) nor a negative number (a value).
        if (a.size() < 2 || a[0] != '-' || a[1] == '.' ||
            std::isdigit(static_cast<unsigned char>(a[1])))
            continue;
        list += (list.empty() ? "'" : ", '") + a + "'" + unknown_option_hint(*cmd, a);
    }
    return list.empty() ? "" : "'plmkit " + cmd->get_name() + "' has no option " + list;
}

}  // namespace plmkit::cli

namespace {

int fail(plmkit::ExitCode code, const std::string& message) {
    std::fprintf(stderr, "plmkit: error: %s\n", message.c_str());
    return static_cast<int>(code);
}

/// The second line of a usage error: the --help of the command being parsed
/// ("Run 'plmkit vocab build --help' for its options."), else plmkit's own.
std::string help_hint(const CLI::App& app) {
    std::string path;
    for (const CLI::App* at = &app; !at->get_subcommands().empty();) {
        at = at->get_subcommands().front();
        path += " " + at->get_name();
    }
    return path.empty() ? "\nRun 'plmkit --help' for the commands."
                        : "\nRun 'plmkit" + path + " --help' for its options.";
}

std::string join_args(int argc, char** argv) {
    std::string s;
    for (int i = 0; i < argc; ++i) {
        if (i) s += ' ';
        std::string a = argv[i];
        bool plain = !a.empty() && a.find_first_of(" \t\"'$\\") == std::string::npos;
        s += plain ? a : "'" + a + "'";
    }
    return s;
}

void update_log_level() {
    int v = plmkit::cli::g_options.verbosity;
    auto level = v <= -1 ? plmkit::LogLevel::warn
                         : (v >= 1 ? plmkit::LogLevel::debug : plmkit::LogLevel::info);
    if (v <= -2) level = plmkit::LogLevel::quiet;
    plmkit::set_log_level(level);
}

/// The options of `plmkit` itself (version, -v, -q) and its help footer.
void add_global_options(CLI::App& app) {
    app.set_version_flag("-V,--version", std::string("plmkit ") + plmkit::version());
    app.require_subcommand(1);
    app.fallthrough();
    // add_flag_function gets the count: a callback flag runs once however
    // often it is given, so -qq was the same as -q.
    app.add_flag_function(
        "-v,--verbose",
        [](std::int64_t count) {
            plmkit::cli::g_options.verbosity += static_cast<int>(count);
            update_log_level();
        },
        "More messages on stderr (debug details)");
    app.add_flag_function(
        "-q,--quiet",
        [](std::int64_t count) {
            plmkit::cli::g_options.verbosity -= static_cast<int>(count);
            update_log_level();
        },
        "Fewer messages: warnings and errors only (-qq: errors only)");
    app.footer(
        "Examples:\n"
        "  plmkit doctor\n"
        "  plmkit tokenize --kind protein proteins.fasta\n"
        "  plmkit embed --model esm2_t6_8M_UR50D --input proteins.fasta --output emb.h5\n"
        "  plmkit screen --input library.smi --output hits.csv\n"
        "Run 'plmkit <command> --help' for the options of a command.");
}

/// Gives every command's --threads (doctor, embed, screen,
/// train, predict, evaluate, pretrain) one check that warns, once, when the
/// value is more than the cores this process may run on. A warning, not an
/// error: more threads than cores still runs, only slower.
void add_threads_warning(CLI::App& app) {
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        if (CLI::Option* opt = sub->get_option_no_throw("--threads")) {
            opt->check(CLI::Validator(
                [](std::string& value) {
                    char* end = nullptr;
                    const long n = std::strtol(value.c_str(), &end, 10);
                    // Not a number: CLI11's conversion reports it.
                    if (end != value.c_str() && *end == '\0' && n > 0 && n < (1L << 30))
                        plmkit::warn_if_threads_over_cores("--threads", static_cast<int>(n));
                    return std::string();
                },
                ""));
        }
        add_threads_warning(*sub);
    }
}

/// Parses the command line and runs the subcommand (its callback); the one
/// place where errors become a message on stderr and an exit code.
int run(CLI::App& app, int argc, char** argv) {
    using plmkit::ExitCode;
    const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::RequiredError& e) {
        std::string unknown = plmkit::cli::unknown_options(app);
        // `plmkit embed M in.fa out.h5` (extract.py's positionals): say so.
        if (unknown.empty()) unknown = plmkit::cli::stray_words(app, args);
        return fail(ExitCode::usage, (unknown.empty() ? "" : unknown + "; also ") +
                                         std::string(e.what()) + help_hint(app));
    } catch (const CLI::ExtrasError& e) {
        // "'plmkit embed' has no option '--outt'" rather than CLI11's "The
        // following arguments were not expected: y.h5 --outt".
        // "--layers takes one value, so '1' after '--layers 0' was not read;
        // give the items comma-separated: --layers 0,1" rather than "The
        // following argument was not expected: 1".
        std::string unknown = plmkit::cli::unknown_options(app);
        if (unknown.empty()) unknown = plmkit::cli::stray_words(app, args);
        return fail(ExitCode::usage,
                    (unknown.empty() ? std::string(e.what()) : unknown) + help_hint(app));
    } catch (const CLI::ParseError& e) {
        return fail(ExitCode::usage, std::string(e.what()) + help_hint(app));
    } catch (const plmkit::Error& e) {
        return fail(e.exit_code(), e.what());
    } catch (const std::bad_alloc&) {
        return fail(ExitCode::internal, "out of memory");
    } catch (const std::exception& e) {
        return fail(ExitCode::internal, std::string("internal error: ") + e.what());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    plmkit::use_fast_blas_kernels(argv);  // may re-execute the program, so first
    plmkit::tune_allocator();
    plmkit::install_signal_handlers();
    plmkit::cli::g_options.command_line = join_args(argc, argv);

    CLI::App app{"plmkit " + std::string(plmkit::version()) +
                     ": language models of biology for drug discovery.\n"
                     "Embed proteins with ESM-2, screen compound libraries with RDKit, "
                     "train property models.",
                 "plmkit"};
    add_global_options(app);
    auto& registry = plmkit::cli::command_registry();
    std::stable_sort(registry.begin(), registry.end(),
                     [](const auto& a, const auto& b) { return a.order < b.order; });
    for (auto& entry : registry)
        entry.add(app);
    add_threads_warning(app);
    return run(app, argc, argv);
}
