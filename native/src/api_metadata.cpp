// Metadata entry points of deberta.h: the GGUF's key-value pairs that a loaded model keeps (model.h), read by key.
#include "deberta.h"
#include "errors.h"
#include "gguf_file.h"
#include "model.h"

#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

using namespace deberta;

namespace {

const gguf_value & find_value(const deberta_model * model, const char * key) {
    DEBERTA_CHECK_ARG(model && key, "model and key must not be NULL");
    auto it = model->metadata.find(std::string_view(key));
    if (it == model->metadata.end()) fail(DEBERTA_STATUS_NOT_FOUND, std::string("metadata key '") + key + "' is missing");
    return it->second;
}

size_t array_length(const gguf_value & v) {
    return v.strings.size() + v.integers.size() + v.reals.size() + v.bytes.size(); // one of them holds the elements
}

std::string type_description(const gguf_value & v) {
    return v.type == gguf_value_type::array ? std::string("array of ") + gguf_value_type_name(v.element_type)
                                            : gguf_value_type_name(v.type);
}

[[noreturn]] void mismatch(const char * key, const gguf_value & v, const std::string & wanted) {
    fail(DEBERTA_STATUS_TYPE_MISMATCH,
         std::string("metadata key '") + key + "' has type " + type_description(v) + ", expected " + wanted);
}

const gguf_value & find_scalar(const deberta_model * model, const char * key, gguf_value_type wanted, const void * out) {
    DEBERTA_CHECK_ARG(out, "value must not be NULL");
    const gguf_value & v = find_value(model, key);
    if (!gguf_type_reads_as(v.type, wanted)) mismatch(key, v, gguf_wanted_name(wanted));
    return v;
}

// The array at key if its elements read as one of the wanted types; checks the caller's capacity (see deberta.h).
const gguf_value & find_array(const deberta_model * model, const char * key, const void * values, size_t capacity,
                              size_t * count, std::initializer_list<gguf_value_type> wanted, const char * wanted_name) {
    DEBERTA_CHECK_ARG(count, "count must not be NULL");
    const gguf_value & v = find_value(model, key);
    bool ok = false;
    for (gguf_value_type w : wanted) ok = ok || (v.type == gguf_value_type::array && gguf_type_reads_as(v.element_type, w));
    if (!ok) mismatch(key, v, wanted_name);
    const size_t n = array_length(v);
    *count = n;
    DEBERTA_CHECK_ARG((values == nullptr && capacity == 0) || (values != nullptr && capacity >= n),
                      std::string("metadata key '") + key + "' holds " + std::to_string(n) + " elements, capacity is " +
                          std::to_string(capacity));
    return v;
}

// A string for a C caller; one holding a NUL byte would arrive cut short, so it is refused instead.
const char * c_string(const std::string & s, const char * key) {
    if (std::memchr(s.data(), '\0', s.size())) {
        fail(DEBERTA_STATUS_UNSUPPORTED, std::string("metadata key '") + key + "' holds a string with a NUL byte, which a C string cannot carry");
    }
    return s.c_str();
}

} // namespace

extern "C" {

deberta_status deberta_model_meta_type(const deberta_model * model, const char * key, int32_t * type,
                                       int32_t * element_type, size_t * count) {
    return guarded([&] {
        DEBERTA_CHECK_ARG(type, "type must not be NULL");
        const gguf_value & v = find_value(model, key);
        const bool array = v.type == gguf_value_type::array;
        *type = (int32_t) v.type;
        if (element_type) *element_type = array ? (int32_t) v.element_type : -1;
        if (count) *count = array ? array_length(v) : 1;
    });
}

deberta_status deberta_model_meta_string(const deberta_model * model, const char * key, const char ** value) {
    return guarded([&] { *value = c_string(find_scalar(model, key, gguf_value_type::string, value).text, key); });
}

deberta_status deberta_model_meta_int(const deberta_model * model, const char * key, int64_t * value) {
    return guarded([&] { *value = find_scalar(model, key, gguf_value_type::i64, value).integer; });
}

deberta_status deberta_model_meta_float(const deberta_model * model, const char * key, double * value) {
    return guarded([&] { *value = find_scalar(model, key, gguf_value_type::f64, value).real; });
}

deberta_status deberta_model_meta_bool(const deberta_model * model, const char * key, int32_t * value) {
    return guarded([&] { *value = (int32_t) find_scalar(model, key, gguf_value_type::boolean, value).integer; });
}

deberta_status deberta_model_meta_strings(const deberta_model * model, const char * key, const char ** values,
                                          size_t capacity, size_t * count) {
    return guarded([&] {
        const gguf_value & v = find_array(model, key, values, capacity, count, {gguf_value_type::string}, "an array of strings");
        if (!values) return;
        for (size_t i = 0; i < v.strings.size(); ++i) values[i] = c_string(v.strings[i], key);
    });
}

deberta_status deberta_model_meta_ints(const deberta_model * model, const char * key, int64_t * values,
                                       size_t capacity, size_t * count) {
    return guarded([&] {
        const gguf_value & v = find_array(model, key, values, capacity, count,
                                          {gguf_value_type::i64, gguf_value_type::boolean}, "an array of integers");
        if (!values) return;
        if (!v.integers.empty()) std::memcpy(values, v.integers.data(), v.integers.size() * sizeof(int64_t));
        const bool signed_bytes = v.element_type == gguf_value_type::i8;
        for (size_t i = 0; i < v.bytes.size(); ++i) values[i] = signed_bytes ? (int64_t) (int8_t) v.bytes[i] : v.bytes[i];
    });
}

deberta_status deberta_model_meta_floats(const deberta_model * model, const char * key, float * values,
                                         size_t capacity, size_t * count) {
    return guarded([&] {
        const gguf_value & v = find_array(model, key, values, capacity, count, {gguf_value_type::f64}, "an array of floats");
        if (!values) return;
        for (size_t i = 0; i < v.reals.size(); ++i) values[i] = (float) v.reals[i];
    });
}

deberta_status deberta_model_meta_bytes(const deberta_model * model, const char * key, uint8_t * values,
                                        size_t capacity, size_t * count) {
    return guarded([&] {
        const gguf_value & v = find_array(model, key, values, capacity, count, {gguf_value_type::u8, gguf_value_type::i8},
                                          "an array of uint8 or int8");
        if (values && !v.bytes.empty()) std::memcpy(values, v.bytes.data(), v.bytes.size());
    });
}

}  // extern "C"
