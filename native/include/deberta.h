/*
 * deberta.h: the public C API of libdeberta, DeBERTa-v2/v3 inference on ggml.
 *
 * Conventions
 *  - Opaque handles; every object comes from a load or create call and is released by its free call.
 *  - Every function that can fail returns deberta_status; on failure deberta_last_error() returns a
 *    message for the calling thread. No function aborts or throws into the host.
 *  - Params structs come from *_default_params(); change only the fields you need.
 *  - A model is immutable after loading and may be shared by threads. A context is used by one
 *    thread at a time (deberta_context_cancel excepted).
 */
#ifndef DEBERTA_H
#define DEBERTA_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && defined(DEBERTA_BUILD)
#define DEBERTA_API __declspec(dllexport)
#elif defined(_WIN32)
#define DEBERTA_API __declspec(dllimport)
#else
#define DEBERTA_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define DEBERTA_ABI_VERSION 1

typedef enum deberta_status {
    DEBERTA_STATUS_OK = 0,
    DEBERTA_STATUS_INVALID_ARGUMENT = 1,
    DEBERTA_STATUS_IO_ERROR = 2,
    DEBERTA_STATUS_INVALID_MODEL = 3,
    DEBERTA_STATUS_UNSUPPORTED = 4,
    DEBERTA_STATUS_OUT_OF_MEMORY = 5,
    DEBERTA_STATUS_BACKEND_ERROR = 6,
    DEBERTA_STATUS_CANCELLED = 7,
    DEBERTA_STATUS_ABI_MISMATCH = 8,
    DEBERTA_STATUS_INTERNAL_ERROR = 9,
    DEBERTA_STATUS_NOT_FOUND = 10,     /* a metadata key the model's file does not have */
    DEBERTA_STATUS_TYPE_MISMATCH = 11, /* a metadata value read as a type it does not have */
} deberta_status;

typedef enum deberta_log_level {
    DEBERTA_LOG_DEBUG = 0,
    DEBERTA_LOG_INFO = 1,
    DEBERTA_LOG_WARN = 2,
    DEBERTA_LOG_ERROR = 3,
} deberta_log_level;

/* What the model computes on top of the encoder. */
typedef enum deberta_head {
    DEBERTA_HEAD_NONE = 0,                    /* DebertaV2Model: hidden states only */
    DEBERTA_HEAD_SEQUENCE_CLASSIFICATION = 1, /* pooler + classifier: logits [B, labels] */
    DEBERTA_HEAD_TOKEN_CLASSIFICATION = 2,    /* logits [B, T, labels] */
    DEBERTA_HEAD_QUESTION_ANSWERING = 3,      /* start_logits, end_logits [B, T] */
    DEBERTA_HEAD_MULTIPLE_CHOICE = 4,         /* inputs [B, C, T], logits [B, C] */
    DEBERTA_HEAD_MASKED_LM = 5,               /* logits [B, T, vocab] */
} deberta_head;

/* Where a model runs. BEST picks the first GPU ggml offers, else the CPU (deberta_model_device_reason says
   which and why). CUDA, VULKAN and METAL take the first GPU of that backend; a backend that is not installed
   (its runtime package adds libggml-<name> beside libggml-base) is a DEBERTA_STATUS_BACKEND_ERROR that names
   the package, or says why an installed one did not load. */
typedef enum deberta_device {
    DEBERTA_DEVICE_CPU = 0,
    DEBERTA_DEVICE_BEST = 1,
    DEBERTA_DEVICE_CUDA = 2,
    DEBERTA_DEVICE_VULKAN = 3,
    DEBERTA_DEVICE_METAL = 4,
} deberta_device;

/* The outputs of an evaluation (the fields of deberta_outputs). */
typedef enum deberta_output {
    DEBERTA_OUTPUT_LAST_HIDDEN_STATE = 0,
    DEBERTA_OUTPUT_HIDDEN_STATES = 1,
    DEBERTA_OUTPUT_LOGITS = 2,
    DEBERTA_OUTPUT_START_LOGITS = 3,
    DEBERTA_OUTPUT_END_LOGITS = 4,
} deberta_output;

/* Tensor storage types; the values are ggml's own type ids. */
typedef enum deberta_type {
    DEBERTA_TYPE_F32 = 0,
    DEBERTA_TYPE_F16 = 1,
    DEBERTA_TYPE_Q4_0 = 2,
    DEBERTA_TYPE_Q4_1 = 3,
    DEBERTA_TYPE_Q5_0 = 6,
    DEBERTA_TYPE_Q5_1 = 7,
    DEBERTA_TYPE_Q8_0 = 8,
    DEBERTA_TYPE_Q4_K = 12,
    DEBERTA_TYPE_Q5_K = 13,
    DEBERTA_TYPE_Q6_K = 14,
    DEBERTA_TYPE_BF16 = 30,
} deberta_type;

typedef void (*deberta_log_callback)(deberta_log_level level, const char * message, void * user_data);

/* ---- library ------------------------------------------------------------------------------ */

/* Version of this library, e.g. "0.1.0". */
DEBERTA_API const char * deberta_version(void);
/* The last error message of the calling thread ("" when none). Valid until the next call that fails. */
DEBERTA_API const char * deberta_last_error(void);
/* Routes log lines (ours and ggml's) to callback; NULL restores the default (stderr, warnings and up). */
DEBERTA_API void deberta_log_set(deberta_log_callback callback, void * user_data);

/* Checks the ggml ABI (version, commit, tensor overhead) and registers backends. Idempotent; every
   other entry point calls it, so calling it is only needed to get the check's error early. */
DEBERTA_API deberta_status deberta_init(void);
DEBERTA_API const char * deberta_ggml_version(void);
DEBERTA_API const char * deberta_ggml_commit(void);
/* The ggml CPU variant loaded (e.g. "zen4", "haswell", "armv8.2_1"; the <name> of libggml-cpu-<name>), or
   "unknown". The best-scoring variant for this processor is loaded unless DEBERTA_CPU_VARIANT names one. */
DEBERTA_API const char * deberta_cpu_variant(void);
/* Why that variant was chosen, e.g. "highest ggml score (...)" or "forced by DEBERTA_CPU_VARIANT". */
DEBERTA_API const char * deberta_cpu_variant_reason(void);
/* The CPU features the loaded variant was built with, space separated (e.g. "AVX512 AVX512_VNNI AVX512_BF16"). */
DEBERTA_API const char * deberta_cpu_features(void);

/* ggml devices (CPU, GPUs, accelerators) available to this process. */
DEBERTA_API int32_t deberta_device_count(void);
/* Name and description of device index; NULL when index is out of range. */
DEBERTA_API const char * deberta_device_name(int32_t index);
DEBERTA_API const char * deberta_device_description(int32_t index);
/* Free and total memory of device index in bytes (for the CPU: the host's). */
DEBERTA_API deberta_status deberta_device_memory(int32_t index, uint64_t * free_bytes, uint64_t * total_bytes);

/* Size and field offsets of the public structs, for layout tests of bindings. name is "struct" for
   sizeof(struct) or "struct.field" for offsetof; returns -1 for an unknown name. */
DEBERTA_API int64_t deberta_abi_layout(const char * name);

/* Self-test: out[m x n] = a[m x k] * b[n x k]^T, row-major, computed by a ggml graph on the CPU
   backend with n_threads threads. */
DEBERTA_API deberta_status deberta_selftest_matmul(
        const float * a, const float * b, float * out, int32_t m, int32_t n, int32_t k, int32_t n_threads);

/* Self-test of the weight products: out[m x n] = x[m x k] * w[n x k]^T, row-major, where w holds n rows of type
   (F32, F16, BF16 or Q8_0, as deberta_quantize writes them), on the CPU backend with n_threads threads: through
   ggml's mul_mat when own_kernels is 0, through libdeberta's own kernels when 1 (the widest this processor runs:
   AVX-512, else AVX2) or 2 (at most their AVX2 forms; DEBERTA_STATUS_UNSUPPORTED where this processor, type or
   shape has none). */
DEBERTA_API deberta_status deberta_selftest_weight_product(int32_t type, const void * w, size_t w_size, const float * x,
        float * out, int32_t m, int32_t n, int32_t k, int32_t n_threads, int32_t own_kernels);

/* ---- tensor types (used by the converter) ------------------------------------------------- */

/* Name of a type ("q8_0"), NULL when the type is not one of deberta_type. */
DEBERTA_API const char * deberta_type_name(int32_t type);
/* llama.cpp's general.file_type of a file whose weights are mostly type; -1 for an unknown type. */
DEBERTA_API int32_t deberta_type_file_type(int32_t type);
/* Elements per block (1 for F32/F16/BF16), 0 for an unknown type. */
DEBERTA_API int64_t deberta_type_block_size(int32_t type);
/* Bytes of one row of n_per_row elements, 0 when the type is unknown or n_per_row is not a multiple of
   the block size. */
DEBERTA_API size_t deberta_type_row_size(int32_t type, int64_t n_per_row);
/* Converts n_rows x n_per_row floats to type with ggml's own quantizer. dst must hold
   n_rows * deberta_type_row_size(type, n_per_row) bytes; *written receives the bytes written. */
DEBERTA_API deberta_status deberta_quantize(int32_t type, const float * src, void * dst, int64_t n_rows,
        int64_t n_per_row, size_t dst_size, size_t * written);
/* Converts n elements of type (n a multiple of the block size) back to floats. */
DEBERTA_API deberta_status deberta_dequantize(int32_t type, const void * src, size_t src_size, float * dst, int64_t n);

/* ---- model -------------------------------------------------------------------------------- */

typedef struct deberta_model deberta_model;

typedef struct deberta_model_params {
    int32_t device;   /* deberta_device; default DEBERTA_DEVICE_CPU */
    int32_t use_mmap; /* map the file instead of reading it, where the backend allows; default 1 */
} deberta_model_params;

typedef struct deberta_model_info {
    int32_t head;                    /* deberta_head */
    int32_t vocab_size;              /* rows of the word embedding */
    int32_t hidden_size;
    int32_t embedding_size;
    int32_t num_hidden_layers;
    int32_t num_attention_heads;
    int32_t intermediate_size;
    int32_t max_position_embeddings;
    int32_t type_vocab_size;
    int32_t num_labels;              /* outputs of the classifier; 0 without one */
    int32_t relative_attention;      /* 0/1 */
    int32_t position_buckets;        /* <= 0: none */
    int32_t max_relative_positions;  /* as used (after the config's -1 default is resolved) */
    int32_t position_biased_input;   /* 0/1 */
    int32_t max_sequence_length;     /* the longest sequence eval accepts */
    float layer_norm_eps;
} deberta_model_info;

DEBERTA_API deberta_model_params deberta_model_default_params(void);
/* Loads a GGUF written by the converter. On failure *model is NULL. */
DEBERTA_API deberta_status deberta_model_load(const char * path, const deberta_model_params * params,
        deberta_model ** model);
DEBERTA_API void deberta_model_free(deberta_model * model);
DEBERTA_API deberta_status deberta_model_get_info(const deberta_model * model, deberta_model_info * info);
/* Label of classifier output index (from the GGUF), NULL when out of range. Owned by the model. */
DEBERTA_API const char * deberta_model_label(const deberta_model * model, int32_t index);
/* Bytes of weights held in backend buffers. */
DEBERTA_API size_t deberta_model_weights_size(const deberta_model * model);
/* Weight matrices multiplied by libdeberta's own CPU kernels (AVX-512 VNNI, BF16, FMA for F32 and F16; or AVX2)
   instead of ggml's mul_mat: chosen at load for weights in host memory on a processor with the instructions; 0
   elsewhere and with the environment variable DEBERTA_KERNELS=ggml (DEBERTA_KERNELS=avx2: the AVX2 kernels only).
   -1 when model is NULL. */
DEBERTA_API int64_t deberta_model_own_kernel_weights(const deberta_model * model);
/* Name of the device the model runs on (ggml's: "CPU", "CUDA0", "Vulkan0", "MTL0"). */
DEBERTA_API const char * deberta_model_device(const deberta_model * model);
/* Why the model runs there: "requested", or for DEBERTA_DEVICE_BEST which GPU it took or why none
   (e.g. "best: no GPU backend is installed, running on the CPU"). Owned by the model. */
DEBERTA_API const char * deberta_model_device_reason(const deberta_model * model);
/* Floats that output (deberta_output) holds for an eval of n_batch x n_choices x n_tokens inputs; 0 when this
   model has no such output (logits without a head or with the QA head, start/end logits without the QA head)
   or an argument is invalid. */
DEBERTA_API size_t deberta_model_output_size(const deberta_model * model, int32_t output, int32_t n_batch,
        int32_t n_choices, int32_t n_tokens);

/* ---- model format (the loader's own table; the converter's copies are tested against it) ---------------- */

/* The value of the GGUF key deberta-v2.head for a deberta_head ("masked_lm"); NULL for an unknown head. */
DEBERTA_API const char * deberta_head_name(int32_t head);
/* The index-th metadata key of the format ("deberta-v2.block_count"); NULL past the last. */
DEBERTA_API const char * deberta_gguf_key(int32_t index);
/* The index-th tensor name of the format, "%d" standing for the layer in per-layer names ("token_embd.weight",
   "blk.%d.attn_q.weight"); NULL past the last. Which tensors a file holds, and their shapes, follow from its
   metadata (docs/gguf.md). */
DEBERTA_API const char * deberta_tensor_name(int32_t index);

/* ---- model metadata ---------------------------------------------------------------------------- */
/* The key-value pairs of the model's GGUF, kept from the load's one parse of the file, so a host reads its
   tokenizer (the tokenizer.* keys of docs/gguf.md: pieces, scores and token types are the arrays
   tokenizer.ggml.tokens, tokenizer.ggml.scores and tokenizer.ggml.token_type) and names without opening the file
   again. A key the file does not have is DEBERTA_STATUS_NOT_FOUND; a value read as a type it does not have is
   DEBERTA_STATUS_TYPE_MISMATCH; deberta_last_error() names the key and both types. Strings are UTF-8, owned by
   the model; one holding a NUL byte is DEBERTA_STATUS_UNSUPPORTED rather than cut short. */

/* GGUF's value types (the file format's numbers). */
typedef enum deberta_meta_type {
    DEBERTA_META_TYPE_UINT8 = 0,
    DEBERTA_META_TYPE_INT8 = 1,
    DEBERTA_META_TYPE_UINT16 = 2,
    DEBERTA_META_TYPE_INT16 = 3,
    DEBERTA_META_TYPE_UINT32 = 4,
    DEBERTA_META_TYPE_INT32 = 5,
    DEBERTA_META_TYPE_FLOAT32 = 6,
    DEBERTA_META_TYPE_BOOL = 7,
    DEBERTA_META_TYPE_STRING = 8,
    DEBERTA_META_TYPE_ARRAY = 9,
    DEBERTA_META_TYPE_UINT64 = 10,
    DEBERTA_META_TYPE_INT64 = 11,
    DEBERTA_META_TYPE_FLOAT64 = 12,
} deberta_meta_type;

/* The type (deberta_meta_type) of key's value; for an array also its element type and length, for a scalar -1
   and 1. element_type and count may be NULL. */
DEBERTA_API deberta_status deberta_model_meta_type(const deberta_model * model, const char * key, int32_t * type,
        int32_t * element_type, size_t * count);
/* A string value. */
DEBERTA_API deberta_status deberta_model_meta_string(const deberta_model * model, const char * key, const char ** value);
/* A value of any integer type (bool excluded). */
DEBERTA_API deberta_status deberta_model_meta_int(const deberta_model * model, const char * key, int64_t * value);
/* A float32 or float64 value. */
DEBERTA_API deberta_status deberta_model_meta_float(const deberta_model * model, const char * key, double * value);
/* A bool value, 0 or 1. */
DEBERTA_API deberta_status deberta_model_meta_bool(const deberta_model * model, const char * key, int32_t * value);

/* Arrays. *count receives the array's length; values receives the elements when capacity is at least that.
   values NULL with capacity 0 only asks for the length; any other capacity below it is
   DEBERTA_STATUS_INVALID_ARGUMENT, so an array is never cut short. */
/* An array of strings, as pointers owned by the model. */
DEBERTA_API deberta_status deberta_model_meta_strings(const deberta_model * model, const char * key,
        const char ** values, size_t capacity, size_t * count);
/* An array of any integer type or of bools. */
DEBERTA_API deberta_status deberta_model_meta_ints(const deberta_model * model, const char * key,
        int64_t * values, size_t capacity, size_t * count);
/* An array of float32 or float64, as float32. */
DEBERTA_API deberta_status deberta_model_meta_floats(const deberta_model * model, const char * key,
        float * values, size_t capacity, size_t * count);
/* An array of uint8 or int8, as bytes (e.g. tokenizer.ggml.precompiled_charsmap). */
DEBERTA_API deberta_status deberta_model_meta_bytes(const deberta_model * model, const char * key,
        uint8_t * values, size_t capacity, size_t * count);

/* ---- inference context ---------------------------------------------------------------------- */

typedef struct deberta_context deberta_context;

typedef struct deberta_context_params {
    int32_t n_threads;   /* most CPU threads an eval uses (see deberta_context_threads); <= 0: deberta_default_threads() */
    int32_t max_batch;   /* largest B * C eval accepts; default 8 */
    int32_t max_tokens;  /* largest T eval accepts; default 512 (capped by the model's limit) */
} deberta_context_params;

/* One evaluation. Arrays are row-major int32 [n_batch, n_choices, n_tokens] (n_choices is 1 except
   for multiple choice). token_type_ids may be NULL (all 0). Padding is on the right. */
typedef struct deberta_batch {
    const int32_t * input_ids;
    const int32_t * attention_mask;
    const int32_t * token_type_ids;
    int32_t n_batch;
    int32_t n_choices;
    int32_t n_tokens;
} deberta_batch;

/* Caller-owned output buffers; NULL skips an output. Sizes are in floats and are checked.
   last_hidden_state [B*C, T, H]; hidden_states [L+1, B*C, T, H]; logits per head (see deberta_head);
   start_logits/end_logits [B, T]. */
typedef struct deberta_outputs {
    float * last_hidden_state;
    size_t last_hidden_state_size;
    float * hidden_states;
    size_t hidden_states_size;
    float * logits;
    size_t logits_size;
    float * start_logits;
    size_t start_logits_size;
    float * end_logits;
    size_t end_logits_size;
} deberta_outputs;

DEBERTA_API deberta_context_params deberta_context_default_params(void);
/* The thread count n_threads <= 0 stands for: the machine's physical cores whatever the process's affinity or CPU
   quota (Linux: the distinct (physical id, core id) pairs of /proc/cpuinfo; Windows: the processor cores), else
   the hardware threads. */
DEBERTA_API int32_t deberta_default_threads(void);
DEBERTA_API deberta_status deberta_context_create(deberta_model * model, const deberta_context_params * params,
        deberta_context ** context);
DEBERTA_API void deberta_context_free(deberta_context * context);
/* Bytes of compute buffers the context holds now. */
DEBERTA_API size_t deberta_context_memory(const deberta_context * context);
DEBERTA_API deberta_status deberta_context_eval(deberta_context * context, const deberta_batch * batch,
        deberta_outputs * outputs);
/* CPU threads an eval of n_sequences (B * C) sequences of n_tokens tokens runs on: n_threads, or fewer when
   the work per graph node is small, where waking the other threads at each node's barrier costs more than
   they save. 0 for invalid arguments. */
DEBERTA_API int32_t deberta_context_threads(const deberta_context * context, int32_t n_sequences, int32_t n_tokens);
/* Asks a running deberta_context_eval to stop (it returns DEBERTA_STATUS_CANCELLED); safe from any
   thread. The request is cleared when the next eval starts. */
DEBERTA_API void deberta_context_cancel(deberta_context * context);

#ifdef __cplusplus
}
#endif

#endif /* DEBERTA_H */
