"""One-off: weights trained while the residual blocks were keras Conv1D -> DilatedConv1D (same
function and kernel shapes; the shipped weights went through this, max output change 3e-5)."""
import sys, keras
import jpegzoo.zoo.mutation_bitcount as mb

src, dst = sys.argv[1], sys.argv[2]
new = mb.build_mutation_bitcount()
Original = mb.DilatedConv1D
def conv1d(filters, dilation, activation=None, name=None):
    return keras.layers.Conv1D(filters, 3, padding="same", dilation_rate=dilation, activation=activation, name=name)
mb.DilatedConv1D = conv1d
Add = mb.AddPerBlock
class OldAdd(keras.layers.Layer):
    def __init__(self, name): super().__init__(name=name)
    def call(self, x, comp): return keras.layers.Add()([x, keras.layers.Reshape((1, x.shape[-1]))(comp)])
old = mb.build_mutation_bitcount()
mb.DilatedConv1D = Original
old.load_weights(src)
for b in new.layers:
    b.set_weights(old.get_layer(b.name).get_weights())
import numpy as np
x = {"coefficients": np.random.default_rng(0).integers(-20, 21, (256, 64)).astype(np.int32), "component": np.random.default_rng(1).integers(0, 2, 256).astype(np.int32)}
x["coefficients"][:, 30:] = 0
d = np.abs(np.asarray(old(x)["bits"]) - np.asarray(new(x)["bits"])).max()
print("max output difference", d)
assert d < 1e-3
new.save_weights(dst)
