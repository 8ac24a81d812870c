#include "pipelines/rdkit_log_capture.hpp"

#include <RDGeneral/RDLog.h>

#include <mutex>
#include <ostream>
#include <streambuf>

namespace plmkit::pipelines {
namespace {

thread_local std::string t_captured;

/// Unbuffered: every character goes straight to the calling thread's string,
/// so concurrent writers from worker threads never share a put area.
class ThreadLocalBuf : public std::streambuf {
  protected:
    int_type overflow(int_type ch) override {
        if (ch != traits_type::eof()) t_captured.push_back(static_cast<char>(ch));
        return ch;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        t_captured.append(s, static_cast<std::size_t>(n));
        return n;
    }
};

ThreadLocalBuf g_buf;
std::ostream g_stream(&g_buf);

void redirect(const RDLogger& logger) {
    if (!logger) return;
    logger->ClearTee();
    logger->dp_dest = &g_stream;
    logger->df_owner = false;
}

std::string trim(std::string s) {
    auto b = s.find_first_not_of(" \t\r\n");
    auto e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

void capture_rdkit_logs() {
    static std::once_flag once;
    std::call_once(once, [] {
        RDLog::InitLogs();
        for (auto* l :
             {&rdAppLog, &rdDebugLog, &rdInfoLog, &rdErrorLog, &rdWarningLog, &rdStatusLog})
            redirect(*l);
        // Info/debug chatter (e.g. "Running Uncharger") is never a reason.
        boost::logging::disable_logs("rdApp.info");
        boost::logging::disable_logs("rdApp.debug");
    });
}

std::string take_rdkit_message() {
    std::string text;
    text.swap(t_captured);
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.size() > 11 && line[0] == '[' && line[9] == ']') line = line.substr(11);
        line = trim(line);
        if (line.empty()) continue;
        if (!out.empty()) out += "; ";
        out += line;
    }
    return out;
}

}  // namespace plmkit::pipelines
