#include "platform.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <io.h>
#else
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace deberta {

#if defined(_WIN32)

std::unique_ptr<mapped_file> mapped_file::open(std::FILE * file, uint64_t size) {
    // The C runtime owns the handle behind the FILE: it is not closed here.
    const HANDLE handle = (HANDLE) _get_osfhandle(_fileno(file));
    if (handle == INVALID_HANDLE_VALUE) return nullptr;
    HANDLE mapping = CreateFileMappingA(handle, nullptr, PAGE_WRITECOPY, 0, 0, nullptr);
    if (!mapping) return nullptr;
    void * addr = MapViewOfFile(mapping, FILE_MAP_COPY, 0, 0, (SIZE_T) size);
    CloseHandle(mapping);  // the view keeps the mapping alive
    if (!addr) return nullptr;
    return std::unique_ptr<mapped_file>(new mapped_file(addr, size));
}

mapped_file::~mapped_file() { UnmapViewOfFile(addr_); }

int physical_core_count() {
    DWORD bytes = 0;
    GetLogicalProcessorInformationEx(RelationProcessorCore, nullptr, &bytes);
    std::vector<char> buffer(bytes);
    auto * info = (SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX *) buffer.data();
    int cores = 0;
    if (bytes > 0 && GetLogicalProcessorInformationEx(RelationProcessorCore, info, &bytes)) {
        for (DWORD at = 0; at < bytes; ++cores)
            at += ((SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX *) (buffer.data() + at))->Size;
    }
    return cores > 0 ? cores : (int) std::max(1u, std::thread::hardware_concurrency());
}

double physical_memory_bytes() {
    MEMORYSTATUSEX status{};
    status.dwLength = sizeof(status);
    return GlobalMemoryStatusEx(&status) ? (double) status.ullTotalPhys : 0.0;
}

std::unique_ptr<host_pages> host_pages::allocate(size_t bytes) {
    void * addr = VirtualAlloc(nullptr, bytes, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    return addr ? std::unique_ptr<host_pages>(new host_pages(addr, bytes)) : nullptr;
}

host_pages::~host_pages() { VirtualFree(addr_, 0, MEM_RELEASE); }

void release_clean_pages(void *, size_t) {}

#else

std::unique_ptr<mapped_file> mapped_file::open(std::FILE * file, uint64_t size) {
    void * addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fileno(file), 0);
    if (addr == MAP_FAILED) return nullptr;
    return std::unique_ptr<mapped_file>(new mapped_file(addr, size));
}

mapped_file::~mapped_file() { ::munmap(addr_, size_); }

std::unique_ptr<host_pages> host_pages::allocate(size_t bytes) {
    void * addr = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (addr == MAP_FAILED) return nullptr;
#if defined(MADV_HUGEPAGE)
    ::madvise(addr, bytes, MADV_HUGEPAGE); // a kernel without transparent huge pages refuses: small pages
#endif
    return std::unique_ptr<host_pages>(new host_pages(addr, bytes));
}

host_pages::~host_pages() { ::munmap(addr_, size_); }

void release_clean_pages(void * data, size_t bytes) {
    const uintptr_t page = (uintptr_t) sysconf(_SC_PAGE_SIZE);
    const uintptr_t start = ((uintptr_t) data + page - 1) & ~(page - 1);
    const uintptr_t end = ((uintptr_t) data + bytes) & ~(page - 1);
    if (end > start) ::madvise((void *) start, end - start, MADV_DONTNEED);
}

int physical_core_count() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::set<std::pair<std::string, std::string>> cores;
    std::string line, physical;
    while (std::getline(cpuinfo, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
        if (line.rfind("physical id", 0) == 0) physical = value;
        else if (line.rfind("core id", 0) == 0) cores.emplace(physical, value);
    }
    if (!cores.empty()) return (int) cores.size();
    return (int) std::max(1u, std::thread::hardware_concurrency());
}

double physical_memory_bytes() {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? (double) pages * (double) page : 0.0;
}

#endif

} // namespace deberta
