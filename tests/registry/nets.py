"""Network containers (``nets``) and training loops (``trainer``): not forward/backward operations.

They wrap the registered layer and loss functions, so the parity cases of ``layers.py``/``losses.py``
already cover their arithmetic; what is left is checked as whole networks and whole training runs.
"""

_NETS = ("tests/test_nets.py (NumPy Sequential.backward == torch autograd through the torch.nn twin "
         "with copied weights)")
_RUNS = "tests/test_training_parity.py (NumPy and torch loops follow the same loss curve, rtol 1e-10)"

EXEMPT = {
    "Module": f"base class of the NumPy layers (twin: torch.nn.Module itself); tested in {_NETS}",
    "Linear": f"layer object calling affine_forward/affine_backward; init and gradients tested in {_NETS}",
    "ReLU": f"layer object calling relu_forward/relu_backward; tested in {_NETS}",
    "LeakyReLU": f"layer object calling leaky_relu_forward/backward; tested in {_NETS}",
    "Sigmoid": f"layer object calling sigmoid_forward/sigmoid_backward; tested in {_NETS}",
    "Tanh": f"layer object calling tanh_forward/tanh_backward; tested in {_NETS}",
    "Dropout": f"layer object calling dropout_inverted_forward/backward; masks and scaling tested in {_NETS}",
    "Flatten": f"layer object calling flatten_forward/flatten_backward; tested in {_NETS}",
    "Sequential": f"container; tested in {_NETS} and {_RUNS}",
    "mlp": f"builds a Sequential; tested in {_NETS} and {_RUNS}",
    "sgd_update": f"in-place p -= lr * grad on a whole net; tested in {_RUNS}",
    "loss_and_accuracy": f"metrics of the training loop; tested in {_RUNS}",
    "evaluate": f"metrics in eval mode; tested in tests/test_nets.py and {_RUNS}",
    "train": f"the training loop; tested in {_RUNS} and tests/test_nets.py (shuffling, progress, validation)",
}
