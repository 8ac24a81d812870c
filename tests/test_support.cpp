#include "tests/test_support.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace plmkit::test {

std::string shared_path(const std::string& rel) {
    const char* env = std::getenv("PLMKIT_SHARED");
    std::string base = env && *env ? env : PLMKIT_SHARED_DIR;
    return base + "/" + rel;
}

std::string source_path(const std::string& rel) {
    return std::string(PLMKIT_SOURCE_DIR) + "/" + rel;
}

std::string write_temp(const std::string& name, const std::string& text) {
    std::string p = temp_path(name);
    write_file(p, text);
    return p;
}

bool file_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

std::string temp_path(const std::string& name) {
    static std::atomic<int> counter{0};
    return std::string(PLMKIT_TEST_TMP) + "/" + std::to_string(::getpid()) + "-" +
           std::to_string(counter++) + "-" + name;
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

std::string fresh_dir(const std::string& name) {
    namespace fs = std::filesystem;
    const std::string dir = temp_path(name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string fresh_path(const std::string& name) {
    const std::string path = temp_path(name);
    std::filesystem::remove_all(path);
    return path;
}

std::string built_once(const std::string& key, const std::function<std::string()>& make) {
    static std::map<std::string, std::string> built;
    const auto it = built.find(key);
    if (it != built.end()) return it->second;
    std::string made = make();
    built.emplace(key, made);
    return made;
}

std::string esm2_tiny_model() {
    return shared_path("fixtures/esm2_tiny/model");
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

std::string train_model(const std::string& name, const std::vector<std::string>& args) {
    const std::string dir = temp_path(name);
    std::vector<std::string> all = {"train"};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"--output", dir});
    auto r = run_plmkit(all);
    if (r.exit_code != 0) throw std::runtime_error("training the test model failed: " + r.err);
    return dir;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("test: cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("test: cannot write " + path);
    out << text;
}

std::string copy_fixture_model(const std::string& name) {
    namespace fs = std::filesystem;
    const std::string model = esm2_tiny_model();
    std::string dir = temp_path(name);
    fs::create_directories(dir);
    for (const char* f : {"config.json", "vocab.txt", "model.safetensors"}) {
        fs::copy_file(model + "/" + f, dir + "/" + f, fs::copy_options::overwrite_existing);
        fs::permissions(dir + "/" + f, fs::perms::owner_write, fs::perm_options::add);
    }
    return dir;
}

std::string train_tiny_esm_forest(const std::string& name, const std::string& esm_dir,
                                  std::string* data_path) {
    std::ifstream in(shared_path("data/flip_gb1/sampled.csv"));
    std::string text, line;
    for (int i = 0; i < 21 && std::getline(in, line); ++i)
        text += line + "\n";
    const std::string data = write_temp(name + "_gb1.csv", text);
    const std::string model = temp_path(name);
    auto r = run_plmkit({"train", "--data", data, "--target-col", "target", "--featurizer", "esm",
                         "--esm-model", esm_dir.empty() ? esm2_tiny_model() : esm_dir, "--head",
                         "forest", "--trees", "5", "--threads", "1", "--output", model});
    if (r.exit_code != 0) throw std::runtime_error("test: plmkit train failed: " + r.err);
    if (data_path) *data_path = data;
    return model;
}

std::string make_fifo(const std::string& name) {
    auto path = temp_path(name);
    ::unlink(path.c_str());
    if (::mkfifo(path.c_str(), 0600) != 0) throw std::runtime_error("test: mkfifo failed");
    return path;
}

bool is_fifo(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}

bool have_script() {
    return ::access("/usr/bin/script", X_OK) == 0;
}

int run_in_terminal(const std::string& shell_cmd, std::string& text) {
    std::string quoted = "'";
    for (char c : shell_cmd)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    quoted += "'";
    const std::string cmd = "/usr/bin/script -qec " + quoted + " /dev/null 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) throw std::runtime_error("test: popen failed");
    text.clear();
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;)
        text.append(buf, n);
    int status = ::pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string plmkit_bin() {
    return PLMKIT_BIN;
}

std::vector<std::string> split_fields(const std::string& line, char sep) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string f; std::getline(in, f, sep);)
        out.push_back(f);
    if (!line.empty() && line.back() == sep) out.emplace_back();
    return out;
}

RunResult run_plmkit(const std::vector<std::string>& args, const std::string& stdin_text) {
    std::string out_path = temp_path("stdout");
    std::string err_path = temp_path("stderr");
    std::string in_path = temp_path("stdin");
    write_file(in_path, stdin_text);
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("test: fork failed");
    if (pid == 0) {
        int in = ::open(in_path.c_str(), O_RDONLY);
        int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        std::vector<char*> argv;
        std::string bin = PLMKIT_BIN;
        argv.push_back(bin.data());
        std::vector<std::string> copy = args;
        for (auto& a : copy)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(bin.c_str(), argv.data());
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    std::remove(out_path.c_str());
    std::remove(err_path.c_str());
    std::remove(in_path.c_str());
    return r;
}

ScopedEnv::ScopedEnv(std::vector<std::pair<std::string, std::optional<std::string>>> vars) {
    for (auto& [name, value] : vars) {
        const char* old = std::getenv(name.c_str());
        old_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
        if (value)
            ::setenv(name.c_str(), value->c_str(), 1);
        else
            ::unsetenv(name.c_str());
    }
}

ScopedEnv::~ScopedEnv() {
    for (auto it = old_.rbegin(); it != old_.rend(); ++it) {
        if (it->second)
            ::setenv(it->first.c_str(), it->second->c_str(), 1);
        else
            ::unsetenv(it->first.c_str());
    }
}

ScopedFile::ScopedFile(std::string path, const std::string& text)
    : path_(std::move(path)), old_(read_file(path_)) {
    write_file(path_, text);
}

ScopedFile::~ScopedFile() {
    write_file(path_, old_);
}

}  // namespace plmkit::test
