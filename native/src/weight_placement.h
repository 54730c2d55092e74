// weight_placement.h: where a model's bound weights live (the CPU's repacking buffer, the file mapping, host or device
// memory) and reading their bytes into place.
#pragma once

#include "model.h"
#include "weight_binding.h"

#include <vector>

namespace deberta {

// In this order, each placing what the previous ones left unplaced:
// The quantized layer projections into the CPU backend's repacking buffer, where ggml has one that takes them.
void place_repacked(deberta_model & m);
// On a GPU, the token embeddings into host memory (unless tied to the masked-LM decoder).
void place_host_embeddings(deberta_model & m);
// On the CPU, the tensors whose file bytes can be used as they are into the file mapping.
void map_tensors(deberta_model & m, const gguf_file & file, const std::vector<bound_tensor> & bound);
// The rest into one buffer of the model's device; then reads every tensor outside the mapping from the file.
void read_tensors(deberta_model & m, const gguf_file & file, const std::vector<bound_tensor> & bound);

} // namespace deberta
