// Error and log plumbing shared by every C entry point.
#pragma once

#include "deberta.h"

#include <stdexcept>
#include <string>

namespace deberta {

// Thrown inside the library; turned into a status + last-error message at the C boundary.
class Error : public std::runtime_error {
  public:
    Error(deberta_status status, const std::string & message) : std::runtime_error(message), status_(status) {}
    deberta_status status() const { return status_; }

  private:
    deberta_status status_;
};

[[noreturn]] void fail(deberta_status status, const std::string & message);
inline void require(bool condition, deberta_status status, const std::string & message) {
    if (!condition) fail(status, message);
}
#define DEBERTA_CHECK_ARG(cond, msg) ::deberta::require((cond), DEBERTA_STATUS_INVALID_ARGUMENT, (msg))

void set_last_error(const std::string & message);
void clear_last_error();

void log(deberta_log_level level, const std::string & message);

// Ensures ggml's ABI was checked and backends are ready; throws Error otherwise.
void ensure_initialized();

// Runs body, mapping every exception to a status and the calling thread's last error.
// ggml's abort callback throws on the calling thread, so an assert in ggml code reached from here
// also ends as an error (a safety net: inputs are validated before ggml is called).
template <typename F> deberta_status guarded(F && body) {
    try {
        clear_last_error();
        body();
        return DEBERTA_STATUS_OK;
    } catch (const Error & e) {
        set_last_error(e.what());
        return e.status();
    } catch (const std::bad_alloc &) {
        set_last_error("out of memory");
        return DEBERTA_STATUS_OUT_OF_MEMORY;
    } catch (const std::exception & e) {
        set_last_error(std::string("internal error: ") + e.what());
        return DEBERTA_STATUS_INTERNAL_ERROR;
    } catch (...) {
        set_last_error("internal error: unknown exception");
        return DEBERTA_STATUS_INTERNAL_ERROR;
    }
}

}  // namespace deberta
