"""The exact numerics of JPEG and of range coding, in numpy (no Keras, no TensorFlow;
libjpeg's integer DCT on Keras tensors is :mod:`jpegzoo.layers.islow_dct`).

- :mod:`~jpegzoo.layers.numerics.standard`: IJG quantization tables, quality scaling,
  zigzag order, sampling factors;
- :mod:`~jpegzoo.layers.numerics.huffman`: Annex K tables and optimal tables;
- :mod:`~jpegzoo.layers.numerics.bit_counter`: the exact bits of a block's symbols;
- :mod:`~jpegzoo.layers.numerics.range_coding`: integer probability tables and
  constriction's range coder for learned codecs' latents.
"""
