// gguf_file.h: our own validating GGUF (v2/v3) reader. ggml's gguf_* API aborts on a type mismatch
// and does not check the data section of a truncated file, so model loading never uses it.
#pragma once

#include "arch.h"

#include "errors.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace deberta {

// A malformed file (DEBERTA_STATUS_INVALID_MODEL) or a failed read (DEBERTA_STATUS_IO_ERROR).
struct gguf_error : Error {
    gguf_error(const std::string & message, bool io_failure)
        : Error(io_failure ? DEBERTA_STATUS_IO_ERROR : DEBERTA_STATUS_INVALID_MODEL, message) {}
};

enum class gguf_value_type : uint32_t {
    u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7,
    string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};

const char * gguf_value_type_name(gguf_value_type type);

// One metadata value. Numbers are kept widened (integers exactly, floats as double); arrays keep their
// element type and either numbers or strings.
struct gguf_value {
    gguf_value_type type = gguf_value_type::u8;
    gguf_value_type element_type = gguf_value_type::u8; // arrays only
    int64_t integer = 0;     // integer types and bool; u64 above INT64_MAX is rejected at parse time
    double real = 0;         // f32/f64
    std::string text;        // string
    std::vector<int64_t> integers;      // arrays of bool and of the integer types wider than a byte
    std::vector<uint8_t> bytes;         // arrays of uint8/int8, as stored (a tokenizer's charsmap: one read, 1x memory)
    std::vector<double> reals;          // arrays of f32/f64
    std::vector<std::string> strings;   // arrays of strings
};

// Whether a value of type `type` reads as `wanted`: i64 stands for every integer type (bool excluded), f64 for both
// float types, any other type for itself.
bool gguf_type_reads_as(gguf_value_type type, gguf_value_type wanted);
// `wanted` as a message names it: "an integer", "a float", "string", ...
std::string gguf_wanted_name(gguf_value_type wanted);

// The key-value pairs of a file; a loaded model keeps them (deberta_model_meta_*). std::less<> finds C strings.
using gguf_metadata = std::map<std::string, gguf_value, std::less<>>;

struct gguf_tensor_info {
    std::string name;
    uint32_t n_dims = 0;
    int64_t ne[4] = {1, 1, 1, 1};
    int32_t type = 0;        // ggml type id
    uint64_t offset = 0;     // relative to the data section
    uint64_t file_offset = 0;
    uint64_t nbytes = 0;
};

class gguf_file {
public:
    // Opens the file and parses and validates the header; throws gguf_error naming the path and the problem. The file
    // stays open until this object is destroyed, so a load maps and reads the file it parsed (one open in all).
    explicit gguf_file(const std::string & path);

    const std::string & path() const { return path_; }
    uint32_t version() const { return version_; }
    uint64_t file_size() const { return file_size_; }
    uint64_t data_offset() const { return data_offset_; }
    uint64_t alignment() const { return alignment_; }

    const std::vector<gguf_tensor_info> & tensors() const { return tensors_; }
    const gguf_tensor_info * find_tensor(const std::string & name) const;

    bool has(const std::string & key) const { return values_.count(key) != 0; }
    const gguf_value * find(const std::string & key) const;

    // Typed getters: throw gguf_error when the key is missing (no default) or holds another type.
    // Integer getters accept every integer type whose value fits.
    std::string get_string(const std::string & key) const;
    std::string get_string(const std::string & key, const std::string & fallback) const;
    int64_t get_int(const std::string & key, int64_t min, int64_t max) const;
    int64_t get_int(const std::string & key, int64_t min, int64_t max, int64_t fallback) const;
    bool get_bool(const std::string & key) const;
    bool get_bool(const std::string & key, bool fallback) const;
    float get_float(const std::string & key) const;
    float get_float(const std::string & key, float fallback) const;
    std::vector<std::string> get_string_array(const std::string & key) const; // empty when missing

    // The open file, for mapping it (mapped_file::open).
    std::FILE * stream() const { return file_.get(); }
    // Reads n bytes at offset; a short read throws gguf_error (DEBERTA_STATUS_IO_ERROR) "cannot read <what>".
    void read_at(uint64_t offset, void * dst, size_t n, const std::string & what) const;
    // Hands the key-value pairs over (a model keeps them); the getters above find nothing afterwards.
    gguf_metadata take_metadata() { return std::move(values_); }

private:
    struct file_closer {
        void operator()(std::FILE * f) const { if (f) std::fclose(f); }
    };
    [[noreturn]] void fail(const std::string & message) const;
    const gguf_value & require(const std::string & key, gguf_value_type expected) const;

    std::string path_;
    std::unique_ptr<std::FILE, file_closer> file_;
    uint32_t version_ = 0;
    uint64_t file_size_ = 0;
    uint64_t data_offset_ = 0;
    uint64_t alignment_ = 32;
    gguf_metadata values_;
    std::vector<gguf_tensor_info> tensors_;
    std::map<std::string, size_t> tensor_index_;
};

} // namespace deberta
