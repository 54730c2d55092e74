#include "errors.h"

#include <cstdio>
#include <mutex>

namespace deberta {

namespace {
thread_local std::string t_last_error;

std::mutex g_log_mutex;
deberta_log_callback g_log_callback = nullptr;
void * g_log_user_data = nullptr;
}  // namespace

void fail(deberta_status status, const std::string & message) { throw Error(status, message); }

void set_last_error(const std::string & message) { t_last_error = message; }
void clear_last_error() { t_last_error.clear(); }

void log(deberta_log_level level, const std::string & message) {
    std::lock_guard<std::mutex> lock(g_log_mutex);
    if (g_log_callback) {
        g_log_callback(level, message.c_str(), g_log_user_data);
    } else if (level >= DEBERTA_LOG_WARN) {
        std::fprintf(stderr, "deberta: %s\n", message.c_str());
    }
}

}  // namespace deberta

extern "C" {

const char * deberta_last_error(void) { return deberta::t_last_error.c_str(); }

void deberta_log_set(deberta_log_callback callback, void * user_data) {
    std::lock_guard<std::mutex> lock(deberta::g_log_mutex);
    deberta::g_log_callback = callback;
    deberta::g_log_user_data = user_data;
}

}  // extern "C"
