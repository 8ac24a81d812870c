#pragma once
// Helpers shared by the tests: paths to fixtures and data, temporary files,
// running the plmkit binary.
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace plmkit::test {

/// `../shared/<rel>` (PLMKIT_SHARED env var overrides the folder).
std::string shared_path(const std::string& rel);
/// `<repo>/<rel>`.
std::string source_path(const std::string& rel);
/// A fresh path under the build's tests/tmp folder (file not created).
std::string temp_path(const std::string& name);
/// A fresh, empty folder at temp_path(name); returns its path.
std::string fresh_dir(const std::string& name);
/// temp_path(name) with nothing there (for a command that makes the folder).
std::string fresh_path(const std::string& name);
/// What `make()` returns, made once per run of the test binary for each
/// `key`: later calls with the same key get the first result without calling
/// `make` (a model folder trained once and only read by the test cases and
/// SECTIONs that share it; Catch2 runs a TEST_CASE's body once per SECTION).
/// A `make` that throws (a failed REQUIRE) is called again next time.
std::string built_once(const std::string& key, const std::function<std::string()>& make);
/// The esm2_tiny fixture model folder (random weights, fair-esm outputs):
/// shared_path("fixtures/esm2_tiny/model").
std::string esm2_tiny_model();

/// Whether a file (or folder) exists at `path`.
bool file_exists(const std::string& path);
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
/// Writes `text` to temp_path(name) and returns that path.
std::string write_temp(const std::string& name, const std::string& text);

struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};
/// A fresh copy of the ESM-2 fixture model folder (config.json, vocab.txt,
/// model.safetensors byte for byte, writable) at temp_path(name).
std::string copy_fixture_model(const std::string& name);
/// Trains a 5-tree forest on ESM-2 features (`esm_dir`, default the fixture
/// model) of the first 20 FLIP GB1 rows into temp_path(name); returns the
/// model folder (and in `data`, when given, the training CSV's path). Throws
/// std::runtime_error with plmkit's stderr on failure.
std::string train_tiny_esm_forest(const std::string& name, const std::string& esm_dir = "",
                                  std::string* data = nullptr);
/// A fresh FIFO at temp_path(name), and whether `path` is one (not followed).
std::string make_fifo(const std::string& name);
bool is_fifo(const std::string& path);
/// The path of the built `plmkit` binary (for tests that need a shell).
std::string plmkit_bin();
/// Whether util-linux script(1) is there to give a command a terminal.
bool have_script();
/// Runs `shell_cmd` (sh syntax) under script(1), so its stderr is a terminal
/// (progress lines are drawn); returns the exit status and, in `text`, what
/// it wrote to the terminal.
int run_in_terminal(const std::string& shell_cmd, std::string& text);
/// The lines of `text` without their line ends ("a\nb\n" -> {"a", "b"}).
std::vector<std::string> split_lines(const std::string& text);
/// Runs `plmkit train` with `args` and `--output temp_path(name)`; returns
/// the model folder. Throws std::runtime_error with plmkit's stderr on
/// failure.
std::string train_model(const std::string& name, const std::vector<std::string>& args);
/// The fields of one line split at `sep` (no quoting); a trailing `sep` ends
/// with an empty field, as in CSV.
std::vector<std::string> split_fields(const std::string& line, char sep);
/// `args` followed by `more` (a command line with a few options added).
std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more);
/// Runs the built `plmkit` binary with `args` (no shell), capturing
/// stdout/stderr; `stdin_text` is fed to standard input.
RunResult run_plmkit(const std::vector<std::string>& args, const std::string& stdin_text = "");

/// Sets environment variables for one scope (a plmkit child inherits them);
/// a nullopt value removes the variable. The previous values come back at the
/// end of the scope.
class ScopedEnv {
  public:
    explicit ScopedEnv(std::vector<std::pair<std::string, std::optional<std::string>>> vars);
    ~ScopedEnv();
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    std::vector<std::pair<std::string, std::optional<std::string>>> old_;
};

/// Writes `text` over the file at `path` for one scope; the file's old bytes
/// come back at the end of the scope (a SECTION that changes a file of a
/// fixture made once, see built_once).
class ScopedFile {
  public:
    ScopedFile(std::string path, const std::string& text);
    ~ScopedFile();
    ScopedFile(const ScopedFile&) = delete;
    ScopedFile& operator=(const ScopedFile&) = delete;

  private:
    std::string path_, old_;
};

}  // namespace plmkit::test
