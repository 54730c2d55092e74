// dynlib.h: the few dynamic-loader calls libdeberta needs, on POSIX (dlopen) and Windows (LoadLibrary).
#pragma once

#include <string>

namespace deberta::dynlib {

// Opens a shared library; nullptr on failure (error() says why).
void * open(const std::string & path);
// Returns the library's handle only if it is already loaded (takes a reference; close it).
void * open_loaded(const std::string & path);
void * symbol(void * handle, const char * name);
void close(void * handle);
std::string error();

// Folder of the loaded module that contains address ("" when unknown).
std::string module_dir(const void * address);

// Platform spelling of a loadable backend module: "libggml-<name>.so" / "ggml-<name>.dll".
std::string backend_file(const std::string & name);

} // namespace deberta::dynlib
