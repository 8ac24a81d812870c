#pragma once
// Each subcommand lives in its own cmd_<name>.cpp and registers itself with
// PLMKIT_COMMAND: flags -> Options struct -> one library call.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace plmkit::cli {

/// Adds a subcommand to `app`. Its callback runs the command; errors are
/// thrown as plmkit::Error and handled once in main().
using CommandFactory = std::function<void(CLI::App& app)>;

struct CommandEntry {
    int order;  ///< position in `plmkit --help`
    CommandFactory add;
};

std::vector<CommandEntry>& command_registry();

struct CommandRegistrar {
    CommandRegistrar(int order, CommandFactory add) {
        command_registry().push_back({order, std::move(add)});
    }
};

/// Options every subcommand shares (set by main before the callback runs).
struct GlobalOptions {
    int verbosity = 0;  ///< -v count minus -q count
    int threads = 0;    ///< 0 = all available cores
    std::string command_line;
};
const GlobalOptions& global_options();

/// After a CLI::RequiredError from parsing `app`: "'plmkit embed' has no
/// option '-o'" when the command line also held options the command does not
/// have (CLI11 reports a missing required option first, so `embed -o x.h5`
/// was told only "--output is required"); "" otherwise.
std::string unknown_options(const CLI::App& app);

}  // namespace plmkit::cli

#define PLMKIT_CONCAT_INNER(a, b) a##b
#define PLMKIT_CONCAT(a, b) PLMKIT_CONCAT_INNER(a, b)
/// PLMKIT_COMMAND(order, [](CLI::App& app) { ... });
#define PLMKIT_COMMAND(order, factory)                                                       \
    static const ::plmkit::cli::CommandRegistrar PLMKIT_CONCAT(plmkit_cmd_, __LINE__)(order, \
                                                                                      factory)
