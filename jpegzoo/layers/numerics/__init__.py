"""The exact numerics of JPEG and of range coding, in numpy (no Keras, no TensorFlow).

- :mod:`~jpegzoo.layers.numerics.standard`: IJG quantization tables, quality scaling,
  zigzag order, sampling factors;
- :mod:`~jpegzoo.layers.numerics.huffman`: Annex K tables and optimal tables;
- :mod:`~jpegzoo.layers.numerics.bit_counter`: the exact bits of a block's symbols;
- :mod:`~jpegzoo.layers.numerics.islow_dct`: libjpeg's integer (islow) DCT;
- :mod:`~jpegzoo.layers.numerics.range_coding`: integer probability tables and
  constriction's range coder for learned codecs' latents.
"""
