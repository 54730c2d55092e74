// weight_binding.h: binds the tensors of arch.h's table that a model's hyperparameters call for to its weights,
// checking each against the shape the table gives before any ggml call.
#pragma once

#include "model.h"

#include <vector>

namespace deberta {

// A weight and the file tensor it is read from.
struct bound_tensor {
    ggml_tensor * tensor;
    const gguf_tensor_info * info;
};

// Creates m.w's tensors in m.ctx_weights (no data yet), in the table's order; throws gguf_error naming a missing
// tensor or a wrong shape. Returns the tensors to read from the file; the aliases (share_att_key's position
// projections, a decoder tied to the word embeddings) are not among them.
std::vector<bound_tensor> bind_weights(deberta_model & m, const gguf_file & file);

} // namespace deberta
