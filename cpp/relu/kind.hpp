// The ReLU-network matrix kinds, shared by the 1D and 2D code (exported to Python as _core.ReluKind).
#pragma once

namespace nnla::relu {

enum class Kind : int { kMass = 0, kHeaviside = 1, kGaussNewton = 2 };

}  // namespace nnla::relu
