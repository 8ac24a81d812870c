#include "src/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace plmkit {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::info)};
std::mutex g_mutex;

void emit(const char* prefix, const std::string& message) {
    std::lock_guard<std::mutex> lock(g_mutex);
    std::fprintf(stderr, "plmkit: %s%s\n", prefix, message.c_str());
    std::fflush(stderr);
}
}  // namespace

void set_log_level(LogLevel level) {
    g_level = static_cast<int>(level);
}
LogLevel log_level() {
    return static_cast<LogLevel>(g_level.load());
}

void log_warn(const std::string& message) {
    if (g_level >= static_cast<int>(LogLevel::warn)) emit("warning: ", message);
}
void log_info(const std::string& message) {
    if (g_level >= static_cast<int>(LogLevel::info)) emit("", message);
}
void log_debug(const std::string& message) {
    if (g_level >= static_cast<int>(LogLevel::debug)) emit("debug: ", message);
}

}  // namespace plmkit
