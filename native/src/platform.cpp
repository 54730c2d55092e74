#include "platform.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace deberta {

#if defined(_WIN32)

std::unique_ptr<mapped_file> mapped_file::open(const std::string & path, uint64_t size) {
    // The same (ANSI) path interpretation as the fopen that read the header.
    HANDLE file = CreateFileA(path.c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL, nullptr);
    if (file == INVALID_HANDLE_VALUE) return nullptr;
    HANDLE mapping = CreateFileMappingA(file, nullptr, PAGE_READONLY, 0, 0, nullptr);
    CloseHandle(file);
    if (!mapping) return nullptr;
    void * addr = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, (SIZE_T) size);
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

#else

std::unique_ptr<mapped_file> mapped_file::open(const std::string & path, uint64_t size) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) return nullptr;
    void * addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (addr == MAP_FAILED) return nullptr;
    return std::unique_ptr<mapped_file>(new mapped_file(addr, size));
}

mapped_file::~mapped_file() { ::munmap(addr_, size_); }

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
