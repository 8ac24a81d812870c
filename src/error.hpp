#pragma once
// Errors thrown by the plmkit library. `main` catches them once, prints
// `plmkit: error: <what>` to stderr and returns exit_code().
#include <stdexcept>
#include <string>

namespace plmkit {

/// Process exit codes, documented in the README ("Exit codes").
enum class ExitCode : int {
    ok = 0,
    internal = 1,      ///< a bug or an unexpected failure inside plmkit
    usage = 2,         ///< bad command line or configuration
    input = 3,         ///< an input file is malformed (names file and line)
    io = 4,            ///< a file cannot be opened, read or written
    model = 5,         ///< a model directory or checkpoint is invalid
    interrupted = 130  ///< stopped by SIGINT/SIGTERM; no partial output kept
};

class Error : public std::runtime_error {
  public:
    explicit Error(const std::string& what) : std::runtime_error(what) {}
    virtual ExitCode exit_code() const { return ExitCode::internal; }
};

/// Bad command line, option value or pipeline configuration.
class UsageError : public Error {
  public:
    using Error::Error;
    ExitCode exit_code() const override { return ExitCode::usage; }
};

/// Malformed input data that stops a run (a bad record in a batch goes to
/// the rejects output instead and never throws).
class InputError : public Error {
  public:
    using Error::Error;
    ExitCode exit_code() const override { return ExitCode::input; }
};

/// A file that cannot be opened, read or written.
class IoError : public Error {
  public:
    using Error::Error;
    ExitCode exit_code() const override { return ExitCode::io; }
};

/// An invalid model directory, checkpoint or tensor.
class ModelError : public Error {
  public:
    using Error::Error;
    ExitCode exit_code() const override { return ExitCode::model; }
};

/// The run was interrupted by a signal.
class Interrupted : public Error {
  public:
    Interrupted() : Error("interrupted") {}
    ExitCode exit_code() const override { return ExitCode::interrupted; }
};

/// `strerror(errno)` as a std::string, for messages.
std::string errno_message();

}  // namespace plmkit
