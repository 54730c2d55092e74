#include "gguf_file.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>

namespace deberta {

namespace {

// Limits well above any real model, low enough that a corrupt count cannot exhaust memory.
constexpr uint64_t max_tensor_count = 1u << 20;
constexpr uint64_t max_kv_count = 1u << 20;
constexpr uint64_t max_string_bytes = 1u << 26;   // 64 MiB per string
constexpr uint32_t max_dims = 4;

// Sequential little-endian reader that never reads past the end of the file.
class reader {
public:
    reader(std::FILE * f, uint64_t size, const std::string & path) : f_(f), size_(size), path_(path) {}

    uint64_t position() const { return pos_; }
    uint64_t remaining() const { return size_ - pos_; }

    void read(void * dst, uint64_t n, const char * what) {
        if (n > remaining()) {
            throw gguf_error(path_ + ": truncated GGUF header (reading " + what + " at byte " +
                             std::to_string(pos_) + ")", false);
        }
        if (n != 0 && std::fread(dst, 1, n, f_) != n) {
            throw gguf_error(path_ + ": read error at byte " + std::to_string(pos_), true);
        }
        pos_ += n;
    }
    template <typename T> T scalar(const char * what) {
        T value;
        read(&value, sizeof(T), what);
        return value;
    }
    std::string string(const char * what) {
        const uint64_t n = scalar<uint64_t>(what);
        if (n > max_string_bytes || n > remaining()) {
            throw gguf_error(path_ + ": " + what + " has an invalid length " + std::to_string(n) +
                             " at byte " + std::to_string(pos_ - 8), false);
        }
        std::string s(n, '\0');
        read(s.data(), n, what);
        return s;
    }

private:
    std::FILE * f_;
    uint64_t size_;
    uint64_t pos_ = 0;
    const std::string & path_;
};

uint64_t scalar_size(gguf_value_type t) {
    switch (t) {
        case gguf_value_type::u8: case gguf_value_type::i8: case gguf_value_type::boolean: return 1;
        case gguf_value_type::u16: case gguf_value_type::i16: return 2;
        case gguf_value_type::u32: case gguf_value_type::i32: case gguf_value_type::f32: return 4;
        case gguf_value_type::u64: case gguf_value_type::i64: case gguf_value_type::f64: return 8;
        default: return 0;
    }
}

bool is_integer(gguf_value_type t) {
    return t != gguf_value_type::f32 && t != gguf_value_type::f64 && scalar_size(t) != 0;
}

// Reads one number of type t; integers into *integer, floats into *real.
void read_number(reader & r, gguf_value_type t, const std::string & key, const std::string & path,
                 int64_t * integer, double * real) {
    switch (t) {
        case gguf_value_type::u8: *integer = r.scalar<uint8_t>("value"); return;
        case gguf_value_type::i8: *integer = r.scalar<int8_t>("value"); return;
        case gguf_value_type::u16: *integer = r.scalar<uint16_t>("value"); return;
        case gguf_value_type::i16: *integer = r.scalar<int16_t>("value"); return;
        case gguf_value_type::u32: *integer = r.scalar<uint32_t>("value"); return;
        case gguf_value_type::i32: *integer = r.scalar<int32_t>("value"); return;
        case gguf_value_type::i64: *integer = r.scalar<int64_t>("value"); return;
        case gguf_value_type::u64: {
            const uint64_t v = r.scalar<uint64_t>("value");
            if (v > (uint64_t) std::numeric_limits<int64_t>::max()) {
                throw gguf_error(path + ": key '" + key + "' holds a uint64 too large to use", false);
            }
            *integer = (int64_t) v;
            return;
        }
        case gguf_value_type::boolean: {
            const uint8_t v = r.scalar<uint8_t>("value");
            if (v > 1) throw gguf_error(path + ": key '" + key + "' holds an invalid bool", false);
            *integer = v;
            return;
        }
        case gguf_value_type::f32: *real = r.scalar<float>("value"); return;
        case gguf_value_type::f64: *real = r.scalar<double>("value"); return;
        default: throw gguf_error(path + ": key '" + key + "' has an invalid value type", false);
    }
}

gguf_value read_value(reader & r, gguf_value_type type, const std::string & key, const std::string & path) {
    gguf_value v;
    v.type = type;
    if (type == gguf_value_type::string) {
        v.text = r.string("string value");
        return v;
    }
    if (type != gguf_value_type::array) {
        read_number(r, type, key, path, &v.integer, &v.real);
        return v;
    }
    const uint32_t element = r.scalar<uint32_t>("array type");
    if (element > (uint32_t) gguf_value_type::f64 || element == (uint32_t) gguf_value_type::array) {
        throw gguf_error(path + ": key '" + key + "' is an array of invalid type " + std::to_string(element), false);
    }
    v.element_type = (gguf_value_type) element;
    const uint64_t count = r.scalar<uint64_t>("array length");
    // Every element takes at least one byte (strings 8), so a count beyond the rest of the file is corrupt.
    const uint64_t min_bytes = v.element_type == gguf_value_type::string ? 8 : scalar_size(v.element_type);
    if (count > r.remaining() / min_bytes) {
        throw gguf_error(path + ": key '" + key + "' has an array length " + std::to_string(count) +
                         " beyond the end of the file", false);
    }
    if (v.element_type == gguf_value_type::string) {
        v.strings.reserve(count);
        for (uint64_t i = 0; i < count; ++i) v.strings.push_back(r.string("string array element"));
    } else if (v.element_type == gguf_value_type::u8 || v.element_type == gguf_value_type::i8) {
        v.bytes.resize(count);
        r.read(v.bytes.data(), count, "byte array");
    } else if (is_integer(v.element_type)) {
        v.integers.resize(count);
        double unused;
        for (uint64_t i = 0; i < count; ++i) read_number(r, v.element_type, key, path, &v.integers[i], &unused);
    } else {
        v.reals.resize(count);
        int64_t unused;
        for (uint64_t i = 0; i < count; ++i) read_number(r, v.element_type, key, path, &unused, &v.reals[i]);
    }
    return v;
}

} // namespace

const char * gguf_value_type_name(gguf_value_type type) {
    switch (type) {
        case gguf_value_type::u8: return "uint8";
        case gguf_value_type::i8: return "int8";
        case gguf_value_type::u16: return "uint16";
        case gguf_value_type::i16: return "int16";
        case gguf_value_type::u32: return "uint32";
        case gguf_value_type::i32: return "int32";
        case gguf_value_type::f32: return "float32";
        case gguf_value_type::boolean: return "bool";
        case gguf_value_type::string: return "string";
        case gguf_value_type::array: return "array";
        case gguf_value_type::u64: return "uint64";
        case gguf_value_type::i64: return "int64";
        case gguf_value_type::f64: return "float64";
    }
    return "unknown";
}

bool gguf_type_reads_as(gguf_value_type type, gguf_value_type wanted) {
    if (wanted == gguf_value_type::i64) return is_integer(type) && type != gguf_value_type::boolean;
    if (wanted == gguf_value_type::f64) return type == gguf_value_type::f32 || type == gguf_value_type::f64;
    return type == wanted;
}

std::string gguf_wanted_name(gguf_value_type wanted) {
    return wanted == gguf_value_type::i64 ? "an integer" : wanted == gguf_value_type::f64 ? "a float" : gguf_value_type_name(wanted);
}

gguf_file::gguf_file(const std::string & path) : path_(path), file_(std::fopen(path.c_str(), "rb")) {
    std::FILE * f = file_.get();
    if (!f) throw gguf_error(path + ": cannot open file (" + std::strerror(errno) + ")", true);
    std::error_code size_error;
    file_size_ = (uint64_t) std::filesystem::file_size(path, size_error);
    if (size_error) throw gguf_error(path + ": cannot determine the file size (" + size_error.message() + ")", true);

    reader r(f, file_size_, path_);
    char magic[4];
    r.read(magic, 4, "magic");
    if (std::memcmp(magic, "GGUF", 4) != 0) fail("not a GGUF file (bad magic)");
    version_ = r.scalar<uint32_t>("version");
    if (version_ != 2 && version_ != 3) fail("unsupported GGUF version " + std::to_string(version_));
    const uint64_t n_tensors = r.scalar<uint64_t>("tensor count");
    const uint64_t n_kv = r.scalar<uint64_t>("key-value count");
    if (n_tensors > max_tensor_count) fail("implausible tensor count " + std::to_string(n_tensors));
    if (n_kv > max_kv_count) fail("implausible key-value count " + std::to_string(n_kv));

    for (uint64_t i = 0; i < n_kv; ++i) {
        std::string key = r.string("key");
        const uint32_t type = r.scalar<uint32_t>("value type");
        if (type > (uint32_t) gguf_value_type::f64) {
            fail("key '" + key + "' has invalid value type " + std::to_string(type));
        }
        gguf_value value = read_value(r, (gguf_value_type) type, key, path_);
        if (!values_.emplace(key, std::move(value)).second) fail("duplicate key '" + key + "'");
    }

    if (const gguf_value * a = find("general.alignment")) {
        if (!is_integer(a->type) || a->integer <= 0 || (a->integer & (a->integer - 1)) != 0) {
            fail("general.alignment must be a positive power of two");
        }
        alignment_ = (uint64_t) a->integer;
    }

    tensors_.reserve(n_tensors);
    for (uint64_t i = 0; i < n_tensors; ++i) {
        gguf_tensor_info t;
        t.name = r.string("tensor name");
        t.n_dims = r.scalar<uint32_t>("tensor dimension count");
        if (t.n_dims == 0 || t.n_dims > max_dims) {
            fail("tensor '" + t.name + "' has " + std::to_string(t.n_dims) + " dimensions");
        }
        uint64_t elements = 1;
        for (uint32_t d = 0; d < t.n_dims; ++d) {
            const int64_t ne = r.scalar<int64_t>("tensor dimension");
            if (ne <= 0 || (uint64_t) ne > (uint64_t(1) << 40) / elements) {
                fail("tensor '" + t.name + "' has an invalid dimension " + std::to_string(ne));
            }
            t.ne[d] = ne;
            elements *= (uint64_t) ne;
        }
        t.type = (int32_t) r.scalar<uint32_t>("tensor type");
        t.offset = r.scalar<uint64_t>("tensor offset");
        const arch::tensor_type * traits = arch::find_type(t.type);
        if (!traits) fail("tensor '" + t.name + "' has unsupported type id " + std::to_string(t.type));
        if (t.ne[0] % traits->block_size != 0) {
            fail("tensor '" + t.name + "' has a row of " + std::to_string(t.ne[0]) + " elements, not a multiple of " +
                 traits->name + "'s block size " + std::to_string(traits->block_size));
        }
        t.nbytes = elements / traits->block_size * traits->block_bytes;
        if (t.offset % alignment_ != 0) fail("tensor '" + t.name + "' data offset is not aligned");
        if (!tensor_index_.emplace(t.name, tensors_.size()).second) fail("duplicate tensor '" + t.name + "'");
        tensors_.push_back(std::move(t));
    }

    data_offset_ = (r.position() + alignment_ - 1) / alignment_ * alignment_;
    for (auto & t : tensors_) {
        // Checked one subtraction at a time so that a huge offset cannot wrap around.
        if (data_offset_ > file_size_ || t.offset > file_size_ - data_offset_ ||
            t.nbytes > file_size_ - data_offset_ - t.offset) {
            fail("tensor '" + t.name + "' data lies beyond the end of the file (file truncated?)");
        }
        t.file_offset = data_offset_ + t.offset;
    }
    // Tensors must not share bytes: a writer never does that, and mapped weights would alias.
    std::vector<const gguf_tensor_info *> by_offset;
    for (const auto & t : tensors_) by_offset.push_back(&t);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const gguf_tensor_info * a, const gguf_tensor_info * b) { return a->offset < b->offset; });
    for (size_t i = 1; i < by_offset.size(); ++i) {
        const gguf_tensor_info * prev = by_offset[i - 1];
        if (by_offset[i]->offset < prev->offset + prev->nbytes) {
            fail("tensor '" + by_offset[i]->name + "' data overlaps tensor '" + prev->name + "'");
        }
    }
}

void gguf_file::read_at(uint64_t offset, void * dst, size_t n, const std::string & what) const {
    if (fseeko(file_.get(), (off_t) offset, SEEK_SET) != 0 || std::fread(dst, 1, n, file_.get()) != n) {
        throw gguf_error(path_ + ": cannot read " + what, true);
    }
}

void gguf_file::fail(const std::string & message) const {
    throw gguf_error(path_ + ": " + message, false);
}

const gguf_tensor_info * gguf_file::find_tensor(const std::string & name) const {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const gguf_value * gguf_file::find(const std::string & key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
}

const gguf_value & gguf_file::require(const std::string & key, gguf_value_type expected) const {
    const gguf_value * v = find(key);
    if (!v) fail("missing key '" + key + "'");
    if (!gguf_type_reads_as(v->type, expected)) {
        fail("key '" + key + "' has type " + gguf_value_type_name(v->type) + ", expected " + gguf_wanted_name(expected));
    }
    return *v;
}

std::string gguf_file::get_string(const std::string & key) const {
    return require(key, gguf_value_type::string).text;
}

std::string gguf_file::get_string(const std::string & key, const std::string & fallback) const {
    return has(key) ? get_string(key) : fallback;
}

int64_t gguf_file::get_int(const std::string & key, int64_t min, int64_t max) const {
    const int64_t v = require(key, gguf_value_type::i64).integer;
    if (v < min || v > max) {
        fail("key '" + key + "' = " + std::to_string(v) + " is outside [" + std::to_string(min) + ", " +
             std::to_string(max) + "]");
    }
    return v;
}

int64_t gguf_file::get_int(const std::string & key, int64_t min, int64_t max, int64_t fallback) const {
    return has(key) ? get_int(key, min, max) : fallback;
}

bool gguf_file::get_bool(const std::string & key) const {
    return require(key, gguf_value_type::boolean).integer != 0;
}

bool gguf_file::get_bool(const std::string & key, bool fallback) const {
    return has(key) ? get_bool(key) : fallback;
}

float gguf_file::get_float(const std::string & key) const {
    const double v = require(key, gguf_value_type::f64).real;
    if (!std::isfinite(v)) fail("key '" + key + "' is not a finite number");
    return (float) v;
}

float gguf_file::get_float(const std::string & key, float fallback) const {
    return has(key) ? get_float(key) : fallback;
}

std::vector<std::string> gguf_file::get_string_array(const std::string & key) const {
    const gguf_value * v = find(key);
    if (!v) return {};
    if (v->type != gguf_value_type::array || v->element_type != gguf_value_type::string) {
        fail("key '" + key + "' must be an array of strings");
    }
    return v->strings;
}

} // namespace deberta
