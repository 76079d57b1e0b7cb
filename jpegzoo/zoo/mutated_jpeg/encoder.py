"""The mutated JPEG encoder: per block, rounding or the best of its mutations.

Source: H. Hamidi-Rad, "Mutated JPEG" -- instead of rounding each DCT coefficient to the
nearest level, try small mined *mutations* of the rounded block and keep, per block, the
candidate with the lowest ``rate + lambda * distortion``; the result is an ordinary baseline
JPEG. Departures from the paper (all measured in benchmarks/mutated_jpeg):

* rate is the exact bit count of each candidate under the tables the file is written with
  (``rate="exact"``, default), or the ``mutation_bitcount`` CNN (``rate="cnn"``); the paper
  used the CNN;
* distortion is the exact squared RGB error of the decoded pixels (inverse DCT, upsampling,
  colour conversion, rounding and clipping: :mod:`.distortion`), not a DCT-domain error;
* the DC prediction chain is solved exactly by dynamic programming (:mod:`.dc_path`);
* the mutations are applied around the levels of jpegzoo's trellis quantization
  (:mod:`jpegzoo.jpeg.trellis`, ``anchor="trellis"``, the default: the same objective,
  solved exactly per block in the DCT domain with the same lambda, code lengths and SSIM
  block weights), not only around rounding; trellis-style truncations (dropping the last
  non-zero AC levels) join them; with optimized Huffman tables the tables are
  re-estimated from the chosen levels and the choice is repeated;
* components are chosen in turn (Y, then Cb, Cr given Y) for ``rounds`` rounds.

Everything is vectorized over blocks with numpy; a 768x512 image takes a few seconds.
"""

from dataclasses import dataclass

import numpy as np

from jpegzoo.jpeg.baseline import fill_dummy_blocks, validate_pixels
from jpegzoo.jpeg.structure import ComponentLevels, JpegLevels, ceil_div, scan_order
from jpegzoo.jpeg.writer import scan_blocks, write_jpeg
from jpegzoo.layers.numerics.bit_counter import block_symbols, symbol_frequencies
from jpegzoo.layers.numerics.huffman import (
    MAX_CODE_LENGTH,
    STD_AC_TABLES,
    STD_DC_TABLES,
    optimal_table,
)
from jpegzoo.layers.numerics.standard import INVERSE_ZIGZAG, ZIGZAG, component_qtables
from jpegzoo.zoo.mutated_jpeg import candidates as cands
from jpegzoo.zoo.mutated_jpeg.dc_path import INFEASIBLE, best_dc_path, dc_bits
from jpegzoo.zoo.mutated_jpeg.distortion import DecodedImage
from jpegzoo.zoo.mutated_jpeg.reconstruction import (
    blocks_of,
    dequantized_samples,
    to_samples,
)

#: DC options per block: rounded DC - 1, rounded DC, rounded DC + 1.
DC_OPTIONS = 3
ANCHORS = ("trellis", "rounding")
#: Blocks whose candidates are scored at once (their candidates and bit counts take about
#: 100 KB per block).
CHUNK_BLOCKS = 1024
SUBSAMPLINGS = {"444": 1, "420": 2}


@dataclass
class ChoiceStats:
    """What the choice did, for one image: totals over all components.

    Attributes:
        rounding_cost, chosen_cost: ``bits + lambda * SSE`` of plain rounding and of the
            chosen levels under the cost tables of the last round (chosen <= rounding).
        rounding_bits, chosen_bits: their entropy-coded bits under those tables.
        changed_blocks: blocks whose levels differ from rounding.
        candidates: candidate blocks scored (after pruning).
    """

    rounding_cost: float = 0.0
    chosen_cost: float = 0.0
    rounding_bits: float = 0.0
    chosen_bits: float = 0.0
    changed_blocks: int = 0
    candidates: int = 0


@dataclass
class _Component:
    """One component being encoded: its blocks on the coded grid (zigzag order)."""

    index: int
    normalized: np.ndarray   # float32 [Hb, Wb, 64] coefficient / table
    qtable: np.ndarray       # int32 [64] zigzag
    rounded: np.ndarray      # int32 [Hb, Wb, 64]
    levels: np.ndarray       # int32 [Hb, Wb, 64], the current choice
    anchor: np.ndarray       # int32 [M, 64] levels the candidates are built around (chain)
    chain: np.ndarray        # int [M] flat block indices in scan order (real blocks only)
    restart: np.ndarray      # bool [M] predictor resets to 0 before this block
    table_class: int


class MutatedEncoder:
    """Encode pixels by choosing, per block, the cheapest of rounding, the trellis levels
    and their mutations.

    Args:
        mutations: ``{"luma": int8 [K, 64], "chroma": int8 [K, 64]}`` sign-normalized
            zigzag mutation vectors, best first (see :mod:`.candidates`).
        top_k: use the first ``top_k`` mutations of each set (None: all).
        trellis_depth: also try dropping the last 1..depth non-zero AC levels (0: off).
        rate: ``"exact"`` (bit counter) or ``"cnn"`` (the ``mutation_bitcount`` model; Annex K
            tables only).
        rounds: passes over the components (Y, Cb, Cr), each given the others' choice.
        distortion: ``"ssim"`` (squared RGB error weighted per 8x8 block by SSIM's
            sensitivity, :func:`.distortion.structure_weights`) or ``"sse"`` (plain).
        anchor: ``"trellis"`` (mutations and truncations around the trellis levels, which
            are candidates too) or ``"rounding"`` (around rounding only, the paper's).
    """

    def __init__(self, mutations, top_k=None, trellis_depth=3, rate="exact", rounds=1,
                 distortion="ssim", anchor="trellis"):
        if anchor not in ANCHORS:
            raise ValueError(f"unknown anchor {anchor!r}; use one of {ANCHORS}")
        self.anchor = anchor
        if rate not in ("exact", "cnn"):
            raise ValueError(f"unknown rate {rate!r}; use 'exact' or 'cnn'")
        if distortion not in ("ssim", "sse"):
            raise ValueError(f"unknown distortion {distortion!r}; use 'ssim' or 'sse'")
        self.distortion = distortion
        self.mutations = {key: np.asarray(value[:top_k], np.int8)
                          for key, value in mutations.items()}
        self.trellis_depth = int(trellis_depth)
        self.rate = rate
        self.rounds = int(rounds)
        if self.rounds < 1:
            raise ValueError(f"rounds must be at least 1, got {rounds}")
        self._cnn = None

    # -- public ---------------------------------------------------------------------------

    def encode_levels(self, image, qtables, lam, subsampling="444", optimize=False,
                      restart_interval=0):
        """Choose the levels of ``image`` (uint8 ``[H, W, 3|1]``); returns
        ``(JpegLevels, ChoiceStats)``. ``qtables`` natural-order ``[2, 64]``/``[3, 64]``;
        ``lam`` weighs SSE against bits."""
        if self.rate == "cnn" and optimize:
            raise ValueError("rate='cnn' models the Annex K tables; use optimize=False "
                             "(or rate='exact')")
        pixels = validate_pixels(image)
        factor = _chroma_factor(subsampling, pixels.shape[2])
        tables = component_qtables(np.asarray(qtables), pixels.shape[2])
        comps, layout = self._components(pixels, tables, factor, restart_interval)
        decoded = DecodedImage(pixels, [c.rounded for c in comps],
                               [c.qtable for c in comps], factor,
                               ssim_weighted=self.distortion == "ssim")
        for _ in range(self.rounds + (1 if optimize else 0)):
            # optimized tables are re-estimated from the current levels before each round
            lengths = self._cost_lengths(comps, optimize, layout)
            stats = ChoiceStats()
            for comp in comps:
                if self.anchor == "trellis":
                    comp.anchor = self._trellis_levels(comp, decoded, lam,
                                                       lengths[comp.table_class], layout)
                self._choose(comp, decoded, lam, lengths[comp.table_class], stats)
        return self._levels(comps, layout), stats

    def encode(self, image, qtables, lam, subsampling="444", optimize=False,
               restart_interval=0):
        """JPEG bytes of ``image`` (see :meth:`encode_levels`)."""
        levels, _ = self.encode_levels(image, qtables, lam, subsampling, optimize,
                                       restart_interval)
        return write_jpeg(levels, optimize=optimize, restart_interval=restart_interval)

    # -- set-up -----------------------------------------------------------------------------

    def _components(self, pixels, tables, factor, restart_interval):
        from jpegzoo.layers.jpeg_transform import compiled_transform  # imports TensorFlow

        subsampling = "444" if factor == 1 else "420"
        coefficients = compiled_transform(subsampling, pixels.shape[2])(
            pixels[None].astype(np.float32))
        grids = [coefficients["luma"].numpy()[0, :, :, 0]]
        if "chroma" in coefficients:
            chroma = coefficients["chroma"].numpy()[0]
            grids += [chroma[:, :, 0], chroma[:, :, 1]]
        layout = _layout(pixels, tables, factor, grids)
        order = scan_order(layout)
        interval = np.cumsum(scan_blocks(layout, restart_interval).interval_start)
        comps = []
        for index, grid in enumerate(grids):
            qtable = tables[index][ZIGZAG].astype(np.int32)
            normalized = (grid[..., ZIGZAG] / qtable).astype(np.float32)
            rounded = cands.clip_levels(cands.round_levels(normalized))
            mask = order.component == index
            flat, block_interval = order.flat_index[mask], interval[mask]
            real = _real_blocks(layout, index)[flat]
            flat, block_interval = flat[real], block_interval[real]
            restart = np.r_[True, block_interval[1:] != block_interval[:-1]]
            comps.append(_Component(index, normalized, qtable, rounded, rounded.copy(),
                                    rounded.reshape(-1, 64)[flat], flat, restart,
                                    layout.components[index].table_class))
        return comps, layout

    def _cost_lengths(self, comps, optimize, layout):
        """Per table class, (DC lengths [256], AC lengths [256]) the choice prices with."""
        if not optimize:
            return [(STD_DC_TABLES[k].lengths, STD_AC_TABLES[k].lengths) for k in (0, 1)]
        _store_levels(comps, layout)
        blocks = scan_blocks(layout)
        symbols = block_symbols(blocks.zigzag, blocks.dc_predictors)
        dc_freq, ac_freq = symbol_frequencies(symbols, blocks.table_ids, 2)
        return [(_priced(optimal_table(dc)), _priced(optimal_table(ac)))
                for dc, ac in zip(dc_freq, ac_freq)]

    @staticmethod
    def _levels(comps, layout):
        _store_levels(comps, layout)
        if len(comps) > 1:
            for index in range(len(comps)):
                fill_dummy_blocks(layout, index)
        return layout

    # -- the choice ---------------------------------------------------------------------------

    def _candidates(self, comp, blocks, part):
        """int32 [M, C, 64] for the blocks ``blocks`` (rows ``part`` of the component's
        chain): rounding, the current choice, the anchor (trellis levels), then the
        anchor's mutations and truncations."""
        rounded = comp.rounded.reshape(-1, 64)[blocks]
        anchor = comp.anchor[part]
        parts = [rounded[:, None], comp.levels.reshape(-1, 64)[blocks][:, None],
                 anchor[:, None]]
        key = "luma" if comp.table_class == 0 else "chroma"
        if len(self.mutations.get(key, ())):
            signs = cands.coefficient_signs(comp.normalized.reshape(-1, 64)[blocks])
            parts.append(cands.mutated(anchor, signs, self.mutations[key]))
        if self.trellis_depth:
            parts.append(cands.truncated(anchor, self.trellis_depth))
        return np.concatenate(parts, axis=1)

    def _trellis_levels(self, comp, decoded, lam, lengths, layout):
        """int32 [M, 64] zigzag: the trellis's levels of the component's chain for this
        choice's objective -- bits under ``lengths`` plus ``lam`` times the (SSIM-weighted)
        squared RGB error, to first order in the DCT domain. The DC stays rounded: the
        exact DC path of :meth:`_choose` decides it."""
        from jpegzoo.jpeg.trellis import TrellisOptions, rgb_error_gains, trellis_quantize

        side = decoded.footprint(comp.index)
        weights = blocks_of(decoded.weights, side).mean(axis=(2, 3)).reshape(-1)[comp.chain]
        # squared RGB error per squared coefficient error (libjpeg's scale: 8 x orthonormal)
        gain = rgb_error_gains(layout)[comp.index] / 64.0
        lambdas = lam * gain * weights
        coefficients = (comp.normalized.reshape(-1, 64)[comp.chain].astype(np.float64)
                        * comp.qtable)[:, INVERSE_ZIGZAG] * 8.0
        levels = trellis_quantize(coefficients, comp.qtable[INVERSE_ZIGZAG],
                                  ac_table=lengths[1], dc_table=lengths[0],
                                  restart=comp.restart, lambdas=lambdas,
                                  options=TrellisOptions(weighting="sse", dc=False))
        return cands.clip_levels(levels[:, ZIGZAG])

    def _ac_costs(self, comp, candidates, ac_lengths):
        if self.rate == "exact":
            return cands.ac_costs(candidates, ac_lengths)
        return self._cnn_ac_costs(comp, candidates)

    def _choose(self, comp, decoded, lam, lengths, stats):
        """Choose component ``comp``'s levels: per block and DC option the cheapest
        candidate (scored :data:`CHUNK_BLOCKS` blocks at a time), then the DC chain's
        best path (:func:`.dc_path.best_dc_path`) over all blocks."""
        dc_lengths, ac_lengths = lengths
        blocks = comp.chain
        m = blocks.size
        options = _Options(m)
        for part in _chunks(m):
            self._score(comp, decoded, lam, ac_lengths, blocks[part], options, part)
        rounded_dc = comp.rounded.reshape(-1, 64)[blocks, 0]
        values = rounded_dc[:, None] + np.arange(-1, 2)[None, :]
        choice, total = best_dc_path(options.costs, values, comp.restart, dc_lengths)
        flat_levels = comp.levels.reshape(-1, 64)
        picked = options.winners[np.arange(m), choice]
        for part in _chunks(m):  # the winners again, from their candidate index
            candidates = self._candidates(comp, blocks[part], part)
            new = candidates[np.arange(candidates.shape[0]), picked[part]]
            stats.changed_blocks += int((new != candidates[:, 0]).any(axis=1).sum())
            flat_levels[blocks[part]] = new
        decoded.update(comp.index, comp.levels)
        rounding_dc = _chain_dc_bits(rounded_dc, comp.restart, dc_lengths)
        stats.rounding_cost += float(options.rounding_cost.sum() + rounding_dc)
        stats.rounding_bits += float(options.rounding_ac.sum() + rounding_dc)
        stats.chosen_cost += total
        stats.chosen_bits += float(options.ac[np.arange(m), choice].sum() + _chain_dc_bits(
            flat_levels[blocks, 0], comp.restart, dc_lengths))
        stats.candidates += options.scored

    def _score(self, comp, decoded, lam, ac_lengths, blocks, options, part):
        """Score the candidates of ``blocks`` (rows ``part`` of ``options``): the cheapest
        candidate of each (block, DC option) into ``options``."""
        candidates = self._candidates(comp, blocks, part)
        c = candidates.shape[1]
        ac = self._ac_costs(comp, candidates, ac_lengths)
        dc_step = candidates[..., 0] - candidates[:, :1, 0]
        column = np.arange(c)[None, :]
        keep = (np.abs(dc_step) <= 1) & (
            (column < 3) | (ac < ac[:, :1]) | ((dc_step != 0) & (ac <= ac[:, :1])))
        block_of, cand_of = np.nonzero(keep)
        samples = to_samples(dequantized_samples(candidates[block_of, cand_of], comp.qtable))
        rows, cols = np.divmod(blocks[block_of], comp.levels.shape[1])
        sse = decoded.sse(comp.index, rows, cols, samples)
        cost = ac[block_of, cand_of] + lam * sse
        option = block_of * DC_OPTIONS + dc_step[block_of, cand_of] + 1
        best = _first_by(option, cost)  # the cheapest candidate of each (block, option)
        for table, value in ((options.costs, cost[best]), (options.winners, cand_of[best]),
                             (options.ac, ac[block_of[best], cand_of[best]])):
            table[part].reshape(-1)[option[best]] = value
        rounding = np.flatnonzero(cand_of == 0)  # one per block, in block order
        options.rounding_cost[part] = cost[rounding]
        options.rounding_ac[part] = ac[:, 0]
        options.scored += int(block_of.size)

    def _cnn_ac_costs(self, comp, candidates):
        """AC bits from the mutation_bitcount CNN: its prediction for the block with a zero
        DC difference, minus the Annex K bits of that zero difference."""
        if self._cnn is None:
            from jpegzoo import zoo

            self._cnn = zoo.load("mutation_bitcount")
        flat = candidates.reshape(-1, 64).copy()
        flat[:, 0] = 0
        component = np.full(flat.shape[0], comp.table_class, dtype=np.int32)
        bits = self._cnn.predict({"coefficients": flat, "component": component},
                                 batch_size=16384, verbose=0)["bits"].reshape(-1)
        zero_dc = STD_DC_TABLES[comp.table_class].lengths[0]
        return (np.maximum(bits, 0.0) - zero_dc).reshape(candidates.shape[:2])


class _Options:
    """Per block of a component and DC option (rounded DC - 1, + 0, + 1): the cost,
    candidate index and AC bits of its cheapest candidate (cost :data:`INFEASIBLE` where
    it has none); per block: rounding's cost and AC bits."""

    def __init__(self, blocks):
        self.costs = np.full((blocks, DC_OPTIONS), INFEASIBLE)
        self.winners = np.zeros((blocks, DC_OPTIONS), np.int64)
        self.ac = np.zeros((blocks, DC_OPTIONS))
        self.rounding_cost = np.empty(blocks)
        self.rounding_ac = np.empty(blocks)
        self.scored = 0


def _chunks(blocks):
    """Slices of ``range(blocks)`` of :data:`CHUNK_BLOCKS` blocks."""
    return [slice(start, min(start + CHUNK_BLOCKS, blocks))
            for start in range(0, blocks, CHUNK_BLOCKS)]


def _chroma_factor(subsampling, channels):
    if channels == 1:
        return 1
    key = str(subsampling).replace(":", "")
    if key not in SUBSAMPLINGS:
        raise ValueError(f"the mutated encoder supports subsampling 444 and 420, "
                         f"got {subsampling!r}")
    return SUBSAMPLINGS[key]


def _layout(pixels, tables, factor, grids):
    """An empty :class:`JpegLevels` with the image's components (levels filled later)."""
    height, width = pixels.shape[:2]
    zeros = [np.zeros(g.shape, dtype=np.int32) for g in grids]
    if len(grids) == 1:
        return JpegLevels(width, height, [ComponentLevels(zeros[0], tables[0], (1, 1), 0, 1)])
    luma = (factor, factor)
    return JpegLevels(width, height, [ComponentLevels(zeros[0], tables[0], luma, 0, 1),
                                      ComponentLevels(zeros[1], tables[1], (1, 1), 1, 2),
                                      ComponentLevels(zeros[2], tables[2], (1, 1), 1, 3)])


def _real_blocks(layout, index):
    """bool [rows * cols]: blocks inside component ``index``'s own area (the others are
    MCU padding that libjpeg codes as DC-only dummy blocks)."""
    rows, cols = layout.block_grid(index)
    real_rows, real_cols = (ceil_div(n, 8) for n in layout.component_size(index))
    r, c = np.divmod(np.arange(rows * cols), cols)
    return (r < real_rows) & (c < real_cols)


def _store_levels(comps, layout):
    """Write the components' current zigzag levels into ``layout`` (natural order)."""
    for comp in comps:
        layout.components[comp.index].levels = comp.levels[..., INVERSE_ZIGZAG]


def _chain_dc_bits(dc, restart, dc_lengths):
    """Total DC bits of a chain of DC levels (predictor 0 where ``restart``)."""
    dc = np.asarray(dc, dtype=np.int64)
    predictor = np.r_[0, dc[:-1]]
    predictor[restart] = 0
    return float(dc_bits(dc - predictor, dc_lengths).sum())


def _priced(table):
    """Code lengths of an optimized table, with a finite price for symbols it lacks (they
    would get a code if chosen; the longest code length is a conservative price)."""
    lengths = table.lengths.astype(np.float64)
    lengths[lengths == 0] = MAX_CODE_LENGTH
    return lengths


def _first_by(keys, costs):
    """Index of the lowest cost within each distinct key."""
    order = np.lexsort((costs, keys))
    first = np.r_[True, keys[order][1:] != keys[order][:-1]]
    return order[first]
