"""Keras 3 layers of JPEG and of learned codecs, and the exact numerics they rest on.

The modules directly here are Keras layers: block DCT, colour, subsampling, zigzag,
quantization, the differentiable JPEG, rate estimators, GDN and learned entropy models.
:mod:`jpegzoo.layers.numerics` holds the numpy-only numerics (IJG tables and zigzag,
Huffman tables, the exact bit counter, libjpeg's integer DCT, range coding) that the JPEG
codec uses without Keras.

This subpackage imports nothing else of jpegzoo. Names are imported lazily (PEP 562), so
importing a numerics module never loads Keras.
"""

import importlib

_EXPORTS = {
    "numerics.bit_counter": ["BlockSymbols", "block_bits", "block_symbols", "dc_predictors",
                    "size_category", "symbol_bits", "symbol_costs", "symbol_frequencies"],
    "color": ["RGBToYCbCr", "YCbCrToRGB"],
    "dct": ["BlockDCT", "BlockIDCT", "crop_to", "dct_matrix", "pad_to_multiple"],
    "entropy_models": ["FactorizedEntropyModel", "GaussianConditional", "default_scale_table"],
    "gdn": ["GDN", "IGDN", "lower_bound"],
    "numerics.huffman": ["STD_AC_TABLES", "STD_DC_TABLES", "HuffmanTable", "optimal_table"],
    "islow_dct": ["islow_fdct", "islow_idct"],
    "jpeg_transform": ["JpegAnalysis", "JpegSynthesis", "compiled_analysis",
                       "compiled_transform", "mcu_size"],
    "quantization": ["Dequantize", "Quantize"],
    "numerics.range_coding": ["CodingTables", "categorical", "channel_indexes", "tables_from_pmf"],
    "rate_estimators": ["LogMagnitudeRate", "l1_level_proxy"],
    "numerics.standard": ["INVERSE_ZIGZAG", "STD_CHROMINANCE_QTABLE", "STD_LUMINANCE_QTABLE",
                          "ZIGZAG",
                 "chroma_factors", "component_qtables", "luma_sampling_factors", "quality_scaling",
                 "quality_to_qtables", "scale_qtable"],
    "subsampling": ["ChromaSubsample", "ChromaUpsample"],
    "zigzag": ["InverseZigzag", "Zigzag"],
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name):
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'jpegzoo.layers' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"jpegzoo.layers.{_MODULE_OF[name]}"), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
