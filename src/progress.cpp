#include "src/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include "src/log.hpp"

namespace plmkit {

std::string human_count(double value) {
    char buf[32];
    if (value >= 1e9) {
        std::snprintf(buf, sizeof buf, "%.1fG", value / 1e9);
    } else if (value >= 1e6) {
        std::snprintf(buf, sizeof buf, "%.1fM", value / 1e6);
    } else if (value >= 1e4) {
        std::snprintf(buf, sizeof buf, "%.1fk", value / 1e3);
    } else {
        std::snprintf(buf, sizeof buf, "%.0f", value);
    }
    return buf;
}

std::string human_duration(double seconds) {
    if (seconds < 0) seconds = 0;
    auto s = static_cast<long long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600) {
        std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
    } else if (s >= 60) {
        std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
    } else {
        std::snprintf(buf, sizeof buf, "%llds", s);
    }
    return buf;
}

Progress::Progress(ProgressOptions options) : options_(std::move(options)) {
    start_ = last_draw_ = std::chrono::steady_clock::now();
    active_ = options_.enabled && log_level() >= LogLevel::info &&
              (options_.force || ::isatty(STDERR_FILENO) == 1);
}

Progress::~Progress() {
    if (active_ && !finished_) std::fputc('\n', stderr);
}

double Progress::elapsed_seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::add(std::uint64_t items, std::uint64_t units) {
    items_ += items;
    units_ += units;
    if (!active_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(200)) return;
    last_draw_ = now;
    draw(false);
}

void Progress::finish() {
    if (finished_) return;
    if (active_) draw(true);
    finished_ = true;
}

void Progress::clear() {
    if (finished_) return;
    if (active_) {
        std::fputs("\r\033[K", stderr);
        std::fflush(stderr);
    }
    finished_ = true;
}

std::string Progress::status_text(bool final_line) const {
    double t = elapsed_seconds();
    double rate = t > 0 ? items_ / t : 0.0;
    std::string line = options_.label + ": " + human_count(items_);
    if (options_.total_items) {
        line += "/" + human_count(options_.total_items);
        char pct[16];
        std::snprintf(pct, sizeof pct, " (%.0f%%)", 100.0 * items_ / options_.total_items);
        line += pct;
    }
    line += " " + options_.item_name;
    if (options_.item_rate) line += ", " + human_count(rate) + " " + options_.item_name + "/s";
    if (!options_.unit_name.empty()) {
        line += ", " + human_count(t > 0 ? units_ / t : 0.0) + " " + options_.unit_name + "/s";
    }
    if (options_.total_items && rate > 0 && !final_line) {
        double left = (static_cast<double>(options_.total_items) - items_) / rate;
        line += ", ETA " + human_duration(left);
    }
    if (final_line) line += ", " + human_duration(t);
    return note_.empty() ? line : line + ", " + note_;
}

std::string Progress::status() const {
    return status_text(false);
}

void Progress::draw(bool final_line) {
    std::string line = "\r\033[K" + status_text(final_line) + (final_line ? "\n" : "");
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
}

}  // namespace plmkit
