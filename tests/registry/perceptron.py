"""Chapter 1's perceptron and two-layer XOR network: trainers, not forward/backward operations."""

EXEMPT = {
    "perceptron_fit": "a sequential trainer; tests/test_perceptron.py checks it against sklearn.linear_model.Perceptron",
    "perceptron_predict": "a threshold; tests/test_perceptron.py checks NumPy == torch on random data",
    "two_layer_fit": "a trainer; tests/test_perceptron.py checks NumPy (hand backward) == torch (autograd) loss curves",
    "two_layer_predict": "tests/test_perceptron.py checks NumPy == torch",
}
