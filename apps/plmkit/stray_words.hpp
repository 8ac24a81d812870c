#pragma once
// Words on a command line that no option took: `--layers 0 1 2` and
// `--include mean per_tok` (fair-esm extract.py's spelling of its list
// options: a second word after a one-value option) and positional arguments
// (`plmkit embed MODEL in.fa out.h5`, extract.py's order). CLI11 says only
// "The following arguments were not expected: 2 1" (in reverse order) or,
// for positionals, "--input is required"; stray_words() says which option
// the words followed and how to write them.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace plmkit::cli {

/// After a parse of `app` from `args` (argv without the program name) failed
/// with words left over: "'plmkit embed': --layers takes one value, ...",
/// naming each stray word with the option it followed (and for a list option
/// the comma-separated form), or the positional words of a command that has
/// none; "" when no word was left over (or the command passes extras on).
std::string stray_words(const CLI::App& app, const std::vector<std::string>& args);

}  // namespace plmkit::cli
