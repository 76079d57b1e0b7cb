"""The fixed-point constants of libjpeg's accurate integer DCT (``jfdctint.c`` and
``jidctint.c``): ``FIX(x) = round(x * 2^CONST_BITS)``; the row pass keeps ``PASS1_BITS``
more bits. Shared by the Keras-ops DCT of :mod:`jpegzoo.layers.islow_dct` and the compiled
encoder kernels of :mod:`jpegzoo.jpeg.forward_kernels`."""

CONST_BITS = 13
PASS1_BITS = 2
FIX_0_298631336 = 2446
FIX_0_390180644 = 3196
FIX_0_541196100 = 4433
FIX_0_765366865 = 6270
FIX_0_899976223 = 7373
FIX_1_175875602 = 9633
FIX_1_501321110 = 12299
FIX_1_847759065 = 15137
FIX_1_961570560 = 16069
FIX_2_053119869 = 16819
FIX_2_562915447 = 20995
FIX_3_072711026 = 25172
