// platform.h: the operating-system calls libdeberta makes beside ggml (file mapping, core and memory counts),
// for POSIX and Windows.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace deberta {

// A private memory map of a whole file: writable copy on write (where no memory of their own could be had, packing
// rearranges mapped weights in place), the file is never written.
class mapped_file {
public:
    // Maps the first size bytes of an open file (it may be closed afterwards); nullptr when the file cannot be
    // mapped (the caller reads it instead).
    static std::unique_ptr<mapped_file> open(std::FILE * file, uint64_t size);
    ~mapped_file();
    mapped_file(const mapped_file &) = delete;
    mapped_file & operator=(const mapped_file &) = delete;
    uint8_t * data() const { return (uint8_t *) addr_; }

private:
    mapped_file(void * addr, uint64_t size) : addr_(addr), size_(size) {}
    void * addr_;
    uint64_t size_;
};

// Anonymous memory for data built at load, in huge pages where the OS offers them (a few faults for hundreds of MB).
class host_pages {
public:
    // nullptr when the OS refuses.
    static std::unique_ptr<host_pages> allocate(size_t bytes);
    ~host_pages();
    host_pages(const host_pages &) = delete;
    host_pages & operator=(const host_pages &) = delete;
    uint8_t * data() const { return (uint8_t *) addr_; }

private:
    host_pages(void * addr, size_t size) : addr_(addr), size_(size) {}
    void * addr_;
    size_t size_;
};

// Lets the OS drop the pages lying wholly inside [data, data + bytes) of a private file mapping, which must not have
// been written: a later read brings them back from the file. Where the OS offers no such call, nothing.
void release_clean_pages(void * data, size_t bytes);

// Physical cores (Linux: distinct core ids in /proc/cpuinfo; Windows: processor cores), else the hardware thread count.
int physical_core_count();

// Installed memory in bytes; 0 when unknown.
double physical_memory_bytes();

} // namespace deberta
