"""Keras 3 layers and exact numerics of JPEG: block DCT, colour, subsampling, zigzag,
quantization, Huffman tables and the exact bit counter.

This subpackage imports nothing else of jpegzoo.
"""

from jpegzoo.layers.bit_counter import (BlockSymbols, block_bits, block_symbols,
                                        dc_predictors, size_category, symbol_bits,
                                        symbol_frequencies)
from jpegzoo.layers.color import RGBToYCbCr, YCbCrToRGB
from jpegzoo.layers.dct import BlockDCT, BlockIDCT, crop_to, dct_matrix, pad_to_multiple
from jpegzoo.layers.huffman import (STD_AC_TABLES, STD_DC_TABLES, HuffmanTable,
                                    optimal_table)
from jpegzoo.layers.jpeg_transform import (JpegAnalysis, JpegSynthesis, component_qtables,
                                           mcu_size)
from jpegzoo.layers.quantization import (STD_CHROMINANCE_QTABLE, STD_LUMINANCE_QTABLE,
                                         Dequantize, Quantize, quality_to_qtables)
from jpegzoo.layers.subsampling import (ChromaSubsample, ChromaUpsample, chroma_factors,
                                        luma_sampling_factors)
from jpegzoo.layers.zigzag import INVERSE_ZIGZAG, ZIGZAG, InverseZigzag, Zigzag

__all__ = [
    "BlockDCT", "BlockIDCT", "BlockSymbols", "ChromaSubsample", "ChromaUpsample",
    "Dequantize", "HuffmanTable", "INVERSE_ZIGZAG", "InverseZigzag", "JpegAnalysis",
    "JpegSynthesis", "Quantize", "RGBToYCbCr", "STD_AC_TABLES", "STD_CHROMINANCE_QTABLE",
    "STD_DC_TABLES", "STD_LUMINANCE_QTABLE", "YCbCrToRGB", "ZIGZAG", "Zigzag", "block_bits",
    "block_symbols", "chroma_factors", "component_qtables", "crop_to", "dc_predictors",
    "dct_matrix", "luma_sampling_factors", "mcu_size", "optimal_table", "pad_to_multiple",
    "quality_to_qtables", "size_category", "symbol_bits", "symbol_frequencies",
]
