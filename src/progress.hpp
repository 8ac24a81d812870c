#pragma once
// A progress line on stderr for long runs: items/s, units/s (e.g. residues),
// percentage and ETA when the total is known. Drawn only when stderr is a
// terminal (or when forced); a batch job can log status() lines instead.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

namespace plmkit {

struct ProgressOptions {
    std::string label = "processing";
    std::string item_name = "records";  ///< e.g. "sequences", "molecules"
    std::string unit_name;              ///< optional second rate, e.g. "residues"
    std::uint64_t total_items = 0;      ///< 0 = unknown
    bool enabled = true;                ///< false: never draw
    bool force = false;                 ///< draw even when stderr is not a terminal
    bool item_rate = true;              ///< show items/s (off: only units/s)
};

class Progress {
  public:
    explicit Progress(ProgressOptions options);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void add(std::uint64_t items, std::uint64_t units = 0);
    /// Draws the final line (if drawing) and ends it with a newline.
    void finish();

    /// Erases the drawn line (when drawing) instead of finish()'s final line.
    void clear();
    /// Text appended to the line, e.g. "loss 2.8412" (shown at the next draw).
    void set_note(std::string note) { note_ = std::move(note); }

    /// True when the line is drawn (a terminal, or forced, and not -q).
    bool drawing() const { return active_; }
    /// The line's text without terminal control characters, e.g. "embedding:
    /// 8.2k/60.0k (14%) sequences, 1.7k sequences/s, 58.6k residues/s, ETA 30s",
    /// for a log line of a run whose stderr is a file (a batch job).
    std::string status() const;

    std::uint64_t items() const { return items_; }
    std::uint64_t units() const { return units_; }
    double elapsed_seconds() const;

  private:
    void draw(bool final_line);
    std::string status_text(bool final_line) const;

    ProgressOptions options_;
    bool active_ = false;
    bool finished_ = false;
    std::uint64_t items_ = 0;
    std::uint64_t units_ = 0;
    std::string note_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_;
};

/// "1.2k", "3.4M": short human-readable counts.
std::string human_count(double value);
/// "1h02m", "3m05s", "12s".
std::string human_duration(double seconds);

}  // namespace plmkit
