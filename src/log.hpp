#pragma once
// Messages for people go to stderr; data goes to stdout or files.
#include <string>

namespace plmkit {

enum class LogLevel : int { quiet = 0, warn = 1, info = 2, debug = 3 };

void set_log_level(LogLevel level);
LogLevel log_level();

void log_warn(const std::string& message);   ///< "plmkit: warning: ..."
void log_info(const std::string& message);   ///< "plmkit: ..."
void log_debug(const std::string& message);  ///< "plmkit: debug: ..."

}  // namespace plmkit
