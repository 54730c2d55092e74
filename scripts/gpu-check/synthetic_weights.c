/* synthetic_weights.c: writes the model.safetensors (F32) of the synthetic deberta-v3-base checkpoint on a machine
 * without dotnet, from tensors.txt ("<hf name> <dim0> [<dim1>]" per line, written by scripts/gpu-check-bundle.sh).
 * The weights of a base model are too large to carry (docs/gpu.md); these follow the value ranges of
 * bench/DebertaGgml.Bench/SyntheticCheckpoint.cs (LayerNorm gains U(0.6, 1.4), biases 0.05 N(0,1), embeddings
 * 0.5 N(0,1), linear weights N(0, 1/in_features)), with another generator, so only the ranges match, not the values.
 * Usage: synthetic_weights tensors.txt model.safetensors */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char name[256]; long long shape[2]; int dims; } tensor;

static uint64_t state = 0x9E3779B97F4A7C15ULL;
static double uniform(void) { /* SplitMix64 */
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (double) ((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}
static double gaussian(void) { return sqrt(-2.0 * log(1.0 - uniform())) * cos(6.283185307179586 * uniform()); }

static int ends_with(const char * s, const char * suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int main(int argc, char ** argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s tensors.txt model.safetensors\n", argv[0]); return 2; }
    FILE * list = fopen(argv[1], "r");
    if (!list) { perror(argv[1]); return 1; }
    tensor * t = calloc(1024, sizeof(tensor));
    int n = 0;
    char line[512];
    while (n < 1024 && fgets(line, sizeof line, list)) {
        t[n].dims = sscanf(line, "%255s %lld %lld", t[n].name, &t[n].shape[0], &t[n].shape[1]) - 1;
        if (t[n].dims >= 1) n++;
    }
    fclose(list);

    /* Header: {"name":{"dtype":"F32","shape":[..],"data_offsets":[begin,end]},...} padded with spaces to 8 bytes. */
    size_t cap = 1 << 20, len = 0;
    char * header = malloc(cap);
    long long offset = 0;
    len += (size_t) snprintf(header + len, cap - len, "{");
    for (int i = 0; i < n; i++) {
        long long count = t[i].shape[0] * (t[i].dims == 2 ? t[i].shape[1] : 1);
        char shape[64];
        if (t[i].dims == 2) snprintf(shape, sizeof shape, "[%lld,%lld]", t[i].shape[0], t[i].shape[1]);
        else snprintf(shape, sizeof shape, "[%lld]", t[i].shape[0]);
        len += (size_t) snprintf(header + len, cap - len, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":%s,\"data_offsets\":[%lld,%lld]}",
                                 i ? "," : "", t[i].name, shape, offset, offset + 4 * count);
        offset += 4 * count;
    }
    len += (size_t) snprintf(header + len, cap - len, "}");
    while (len % 8) header[len++] = ' ';

    FILE * out = fopen(argv[2], "wb");
    if (!out) { perror(argv[2]); return 1; }
    uint64_t header_size = len; /* little-endian on x86-64 */
    fwrite(&header_size, 8, 1, out);
    fwrite(header, 1, len, out);
    float * row = malloc(sizeof(float) * 65536);
    for (int i = 0; i < n; i++) {
        const char * name = t[i].name;
        long long count = t[i].shape[0] * (t[i].dims == 2 ? t[i].shape[1] : 1);
        double std = t[i].dims == 2 ? 1.0 / sqrt((double) t[i].shape[1]) : 1.0;
        for (long long done = 0; done < count;) {
            int chunk = (int) (count - done < 65536 ? count - done : 65536);
            for (int k = 0; k < chunk; k++) {
                double v;
                if (ends_with(name, "LayerNorm.weight")) v = 0.6 + 0.8 * uniform();
                else if (ends_with(name, ".bias")) v = 0.05 * gaussian();
                else if (strstr(name, "embeddings")) v = 0.5 * gaussian();
                else v = std * gaussian();
                row[k] = (float) v;
            }
            if (fwrite(row, sizeof(float), (size_t) chunk, out) != (size_t) chunk) { perror(argv[2]); return 1; }
            done += chunk;
        }
    }
    if (fclose(out) != 0) { perror(argv[2]); return 1; }
    fprintf(stderr, "wrote %d tensors, %.1f MiB, to %s\n", n, (double) offset / 1048576.0, argv[2]);
    return 0;
}
