#include "dynlib.h"

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace deberta::dynlib {

#if defined(_WIN32)

void * open(const std::string & path) {
    // Dependencies (ggml-base.dll) resolve from the module's own folder first.
    return (void *) LoadLibraryExA(path.c_str(), nullptr, LOAD_WITH_ALTERED_SEARCH_PATH);
}

void * open_loaded(const std::string & path) {
    HMODULE module = nullptr;
    return GetModuleHandleExA(0, path.c_str(), &module) ? (void *) module : nullptr;
}

void * symbol(void * handle, const char * name) { return (void *) GetProcAddress((HMODULE) handle, name); }
void close(void * handle) { FreeLibrary((HMODULE) handle); }
std::string error() { return "Windows error " + std::to_string(GetLastError()); }

std::string module_dir(const void * address) {
    HMODULE module = nullptr;
    if (!GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            (LPCSTR) address, &module))
        return "";
    char path[MAX_PATH * 4];
    DWORD n = GetModuleFileNameA(module, path, sizeof(path));
    if (n == 0 || n >= sizeof(path)) return "";
    std::string s(path, n);
    auto slash = s.find_last_of("\\/");
    return slash == std::string::npos ? "" : s.substr(0, slash);
}

std::string backend_file(const std::string & name) { return "ggml-" + name + ".dll"; }

#else

void * open(const std::string & path) { return dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL); }
void * open_loaded(const std::string & path) { return dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD); }
void * symbol(void * handle, const char * name) { return dlsym(handle, name); }
void close(void * handle) { dlclose(handle); }

std::string error() {
    const char * e = dlerror();
    return e ? e : "unknown dynamic loader error";
}

std::string module_dir(const void * address) {
    Dl_info info{};
    if (!dladdr(address, &info) || !info.dli_fname) return "";
    std::string s(info.dli_fname);
    auto slash = s.find_last_of('/');
    return slash == std::string::npos ? "." : s.substr(0, slash);
}

// ggml names its loadable backends .so on macOS too.
std::string backend_file(const std::string & name) { return "libggml-" + name + ".so"; }

#endif

} // namespace deberta::dynlib
