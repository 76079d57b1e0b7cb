"""Mining mutation sets from real blocks (the "Mutated JPEG" paper's offline search).

For each quality and component (luma, chroma):

1. *Search.* On a sample of real 8x8 blocks from training photos, start from plain rounding
   and run coordinate descent on ``J = bits + lambda * w * SSE``, coarse to fine: the coarse
   stage moves whole coefficients to zero (or drops the tail of the scan from a position),
   the fine stage moves single coefficients one level up or down. Each block takes its
   best improving move per step until none improves or the total change reaches the L1
   bound. The change from rounding, sign-normalized (see :mod:`.candidates`), is the
   block's mutation. Bits are exact (Annex K tables, the DC coded against the block to its
   left); ``SSE`` is the DCT-domain error (equal to the pixel error before rounding and
   clipping) scaled by the RGB gain of the component and ``w`` is the SSIM weight of
   :func:`.distortion.structure_weights`. Several lambdas are searched so the set serves a
   range of operating points.
2. *Dedupe and merge.* Identical mutations are counted once with their frequency; counts
   are merged over lambdas and shards; the most frequent ``pool_size`` form the pool.
3. *Filter by wins.* On held-out blocks every pool mutation competes with rounding (the
   encoder's choice); mutations are ranked by how often they win and the top ``set_size``
   with at least one win are kept.

Jobs (quality, component, stage) run in parallel processes, each writing its result to
``work_dir`` (``.npz``); a rerun skips finished jobs, so mining resumes after interruption.
Everything is seeded: the same seed gives the same sets.
"""

import os
from dataclasses import dataclass

import numpy as np

from jpegzoo.layers.numerics.huffman import STD_AC_TABLES, STD_DC_TABLES
from jpegzoo.layers.numerics.standard import ZIGZAG, quality_to_qtables
from jpegzoo.zoo.mutated_jpeg import candidates as cands
from jpegzoo.zoo.mutated_jpeg.dc_path import dc_bits
from jpegzoo.zoo.mutated_jpeg.distortion import edge_padded, structure_weights
from jpegzoo.zoo.mutated_jpeg.operating_points import lambda_for

#: RGB squared-error gain of a unit error in each YCbCr component (JFIF matrix):
#: Y -> 1 + 1 + 1, Cb -> 0.344^2 + 1.772^2, Cr -> 1.402^2 + 0.714^2 (chroma: their mean).
COMPONENT_GAIN = {"luma": 3.0, "chroma": 0.5 * (0.34414**2 + 1.772**2 + 1.402**2 + 0.71414**2)}
QUALITIES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95)


@dataclass
class MiningConfig:
    """Budget and search settings (recorded in the card of the mined sets).

    Attributes:
        blocks_per_image: blocks sampled per image and component for each stage.
        l1_bound: largest total change (sum of |steps|) of a mutation.
        lambda_factors: mu values; lambda = mu / (3 * mean luma step^2) as in the encoder.
        pool_size: mutations kept after dedupe/merge for the win filter.
        set_size: mutations shipped per quality and component.
        seed: seeds block sampling.
    """

    blocks_per_image: int = 1000
    l1_bound: int = 6
    lambda_factors: tuple = (40.0, 80.0, 160.0)
    pool_size: int = 512
    set_size: int = 64
    seed: int = 0


# -- block samples ---------------------------------------------------------------------------

def image_coefficients(image):
    """Float DCT coefficients of one RGB image at 4:4:4 (libjpeg colour conversion):
    ``{"luma": [N, 64], "chroma": [N, 2, 64]}`` zigzag, plus ``"weight"`` [N] (SSIM block
    weights) and ``"left"`` [N] (index of the block to the left, -1 at a row start)."""
    from jpegzoo.layers.jpeg_transform import compiled_transform  # imports TensorFlow

    pixels = np.asarray(image)
    coefficients = compiled_transform("444", 3)(pixels[None].astype(np.float32))
    luma = coefficients["luma"].numpy()[0, :, :, 0]
    chroma = coefficients["chroma"].numpy()[0]
    rows, cols = luma.shape[:2]
    padded = edge_padded(pixels, rows * 8, cols * 8).astype(np.int32)
    weight = structure_weights(padded)[::8, ::8].reshape(-1)
    left = np.arange(rows * cols) - 1
    left[::cols] = -1
    return {"luma": luma.reshape(-1, 64)[:, ZIGZAG],
            "chroma": chroma.reshape(-1, 2, 64)[..., ZIGZAG], "weight": weight, "left": left}


def sample_blocks(coefficient_sets, component, per_image, rng):
    """Sampled blocks of one component from several images: (coef [N, 64], left-neighbour
    coef [N, 64] (zeros at a row start), weight [N])."""
    coefs, lefts, weights = [], [], []
    for data in coefficient_sets:
        blocks = data[component]
        if component == "chroma":  # Cb and Cr share tables: sample both
            which = rng.integers(0, 2, size=blocks.shape[0])
            blocks = blocks[np.arange(blocks.shape[0]), which]
        pick = rng.choice(blocks.shape[0], size=min(per_image, blocks.shape[0]), replace=False)
        left = data["left"][pick]
        neighbour = np.where(left[:, None] >= 0, blocks[np.maximum(left, 0)], 0.0)
        coefs.append(blocks[pick])
        lefts.append(neighbour)
        weights.append(data["weight"][pick])
    return np.concatenate(coefs), np.concatenate(lefts), np.concatenate(weights)


# -- the block cost --------------------------------------------------------------------------

class BlockCost:
    """``J = bits + lambda * gain * w * sum(((level - u) * q)^2)`` of candidate blocks.

    Args:
        normalized: float [N, 64] coefficient / table (zigzag) of the blocks.
        predictor: int [N] rounded DC of the block each DC is coded against.
        weight: float [N] SSIM weights; qtable: [64] zigzag; component: 'luma'/'chroma'.
    """

    def __init__(self, normalized, predictor, weight, qtable, component, lam):
        table_class = 0 if component == "luma" else 1
        self.u = normalized
        self.predictor = predictor
        self.scale = lam * COMPONENT_GAIN[component] * weight[:, None] * qtable.astype(
            np.float64)[None, :] ** 2  # [N, 64]
        self.ac_lengths = STD_AC_TABLES[table_class].lengths
        self.dc_lengths = STD_DC_TABLES[table_class].lengths

    def __call__(self, levels, rows):
        """Cost float [P] of candidate blocks ``levels`` [P, 64] of blocks ``rows`` [P]."""
        ac = cands.ac_costs(levels, self.ac_lengths)
        dc = dc_bits(levels[:, 0].astype(np.int64) - self.predictor[rows], self.dc_lengths)
        error = (levels - self.u[rows]) ** 2 * self.scale[rows]
        return ac + dc + error.sum(axis=1)


# -- stage 1: coordinate descent -------------------------------------------------------------

def _moves(levels, stage):
    """Candidate single moves of blocks [N, 64]: [N, M, 64] and a validity mask [N, M]."""
    n = levels.shape[0]
    if stage == "coarse":
        zeroed = np.repeat(levels[:, None, :], 63, axis=1)
        zeroed[:, np.arange(63), np.arange(1, 64)] = 0        # one AC coefficient to 0
        tails = np.repeat(levels[:, None, :], 63, axis=1)
        tails[np.tril(np.ones((63, 64), bool), k=0)[::-1, ::-1][None].repeat(n, 0)] = 0
        moved = np.concatenate([zeroed, tails], axis=1)
    else:
        step = np.zeros((128, 64), dtype=np.int32)
        step[np.arange(64), np.arange(64)] = 1
        step[64 + np.arange(64), np.arange(64)] = -1
        moved = cands.clip_levels(levels[:, None, :] + step[None])
    valid = (moved != levels[:, None, :]).any(axis=2)
    return moved, valid


def coordinate_descent(cost, rounded, l1_bound):
    """Greedy coarse-to-fine descent from ``rounded`` [N, 64]; returns the final levels."""
    levels = rounded.copy()
    current = cost(levels, np.arange(levels.shape[0]))
    for stage in ("coarse", "fine"):
        active = np.arange(levels.shape[0])
        while active.size:
            moved, valid = _moves(levels[active], stage)
            n, m = valid.shape
            distance = np.abs(moved - rounded[active][:, None, :]).sum(axis=2)
            valid &= distance <= l1_bound
            rows = np.repeat(active, m)
            trial = np.where(valid.reshape(-1), cost(moved.reshape(-1, 64), rows), np.inf)
            trial = trial.reshape(n, m)
            best = np.argmin(trial, axis=1)
            gain = current[active] - trial[np.arange(n), best]
            improved = gain > 1e-9
            winners = active[improved]
            levels[winners] = moved[np.flatnonzero(improved), best[improved]]
            current[winners] = trial[np.flatnonzero(improved), best[improved]]
            active = winners
    return levels


def normalized_mutations(final, rounded, signs):
    """Sign-normalized changes (int8 [N, 64]) of the blocks that changed."""
    change = (final - rounded) * signs
    return change[(change != 0).any(axis=1)].astype(np.int8)


def count_unique(vectors, weights=None):
    """Distinct rows of int8 [N, 64] and their (weighted) counts, most frequent first
    (ties broken by the vectors' bytes, so the order is deterministic)."""
    if vectors.shape[0] == 0:
        return vectors.reshape(0, 64), np.zeros(0, np.int64)
    unique, inverse = np.unique(vectors, axis=0, return_inverse=True)
    counts = np.bincount(inverse.reshape(-1), weights=weights,
                         minlength=unique.shape[0]).astype(np.int64)
    order = np.lexsort((np.arange(unique.shape[0]), -counts))
    return unique[order], counts[order]


def _prepared(blocks, left, weight, quality, component, lam):
    tables = quality_to_qtables(quality)
    qtable = tables[0 if component == "luma" else 1][ZIGZAG]
    normalized = blocks / qtable
    rounded = cands.clip_levels(cands.round_levels(normalized))
    predictor = cands.round_levels(left[:, 0] / qtable[0])
    cost = BlockCost(normalized, predictor, weight, qtable, component, lam)
    return normalized, rounded, cost


def search_counts(blocks, left, weight, quality, component, config):
    """Stage 1 for one (quality, component): every distinct mutation the search finds on
    these blocks, with its count over the lambdas (int8 [P, 64], int64 [P], most frequent
    first). Blocks are searched independently, so the counts of a union of block sets are
    the sums of each set's (what a sharded miner merges)."""
    tables = quality_to_qtables(quality)
    found = []
    for mu in config.lambda_factors:
        normalized, rounded, cost = _prepared(blocks, left, weight, quality, component,
                                              lambda_for(tables, mu))
        final = coordinate_descent(cost, rounded, config.l1_bound)
        found.append(normalized_mutations(final, rounded,
                                          cands.coefficient_signs(normalized)))
    return count_unique(np.concatenate(found))


def search_job(blocks, left, weight, quality, component, config):
    """Stage 1+2 for one (quality, component): (pool int8 [P, 64], counts [P])."""
    pool, counts = search_counts(blocks, left, weight, quality, component, config)
    return pool[:config.pool_size], counts[:config.pool_size]


def filter_wins(blocks, left, weight, quality, component, pool, config):
    """Stage 3's tally: on how many (block, lambda) pairs each pool mutation beats rounding
    and the other mutations, int64 [P] (per block independent, so shards add up)."""
    tables = quality_to_qtables(quality)
    wins = np.zeros(pool.shape[0], dtype=np.int64)
    for mu in config.lambda_factors:
        normalized, rounded, cost = _prepared(blocks, left, weight, quality, component,
                                              lambda_for(tables, mu))
        signs = cands.coefficient_signs(normalized)
        n = rounded.shape[0]
        best = cost(rounded, np.arange(n))
        winner = np.full(n, -1)
        for start in range(0, pool.shape[0], 64):
            part = pool[start:start + 64]
            trial = cands.mutated(rounded, signs, part)  # [N, k, 64]
            rows = np.repeat(np.arange(n), part.shape[0])
            value = cost(trial.reshape(-1, 64), rows).reshape(n, part.shape[0])
            j = np.argmin(value, axis=1)
            better = value[np.arange(n), j] < best - 1e-9
            best[better] = value[better, j[better]]
            winner[better] = start + j[better]
        wins += np.bincount(winner[winner >= 0], minlength=pool.shape[0])
    return wins


def select_set(pool, wins, set_size):
    """The shipped set: the ``set_size`` pool mutations with the most wins (at least one;
    ties: pool order), and their wins."""
    order = np.lexsort((np.arange(pool.shape[0]), -wins))
    keep = order[wins[order] > 0][:set_size]
    return pool[keep], wins[keep]


def filter_job(blocks, left, weight, quality, component, pool, config):
    """Stage 3: wins of each pool mutation against rounding and each other on held-out
    blocks, over the lambdas; returns (set int8 [K, 64], wins [K])."""
    wins = filter_wins(blocks, left, weight, quality, component, pool, config)
    return select_set(pool, wins, config.set_size)


# -- orchestration -----------------------------------------------------------------------------

def _job_path(work_dir, stage, quality, component):
    return os.path.join(work_dir, "jobs", f"{stage}_q{quality}_{component}.npz")


def _run_job(args):
    """One job in a worker process; writes its .npz atomically. Returns its path."""
    stage, quality, component, sample_file, config, work_dir = args
    path = _job_path(work_dir, stage, quality, component)
    if os.path.exists(path):
        return path
    with np.load(sample_file) as samples:
        key = f"{component}_{'search' if stage == 'search' else 'filter'}"
        blocks, left, weight = (samples[f"{key}_{part}"] for part in ("coef", "left", "weight"))
    if stage == "search":
        vectors, counts = search_job(blocks, left, weight, quality, component, config)
    else:
        with np.load(_job_path(work_dir, "search", quality, component)) as pooled:
            pool = pooled["vectors"]
        vectors, counts = filter_job(blocks, left, weight, quality, component, pool, config)
    temporary = path + ".tmp.npz"
    np.savez(temporary, vectors=vectors, counts=counts)
    os.replace(temporary, path)
    return path


def prepare_samples(image_paths, work_dir, config, progress=True):
    """Sample blocks from the photos once (search and filter halves of the images) and save
    them in ``work_dir/samples.npz``; reused when present."""
    from tqdm.auto import tqdm

    from jpegzoo.imageio import read_image

    path = os.path.join(work_dir, "samples.npz")
    if os.path.exists(path):
        return path
    rng = np.random.default_rng(config.seed)
    paths = sorted(image_paths)
    data = [image_coefficients(read_image(p)) for p in tqdm(paths, desc="transforming",
                                                              disable=not progress)]
    halves = {"search": data[0::2], "filter": data[1::2]}
    arrays = {}
    for component in ("luma", "chroma"):
        for stage, sets in halves.items():
            coef, left, weight = sample_blocks(sets, component, config.blocks_per_image, rng)
            arrays.update({f"{component}_{stage}_coef": coef, f"{component}_{stage}_left": left,
                           f"{component}_{stage}_weight": weight})
    os.makedirs(work_dir, exist_ok=True)
    temporary = path + ".tmp.npz"
    np.savez(temporary, **arrays)
    os.replace(temporary, path)
    return path


def mine(image_paths, work_dir, output, qualities=QUALITIES, config=MiningConfig(),
         processes=None, progress=True):
    """Mine mutation sets for ``qualities`` from the photos at ``image_paths`` and write
    them to ``output`` (see :mod:`.mutation_sets`). Resumable through ``work_dir``."""
    from multiprocessing import get_context

    from tqdm.auto import tqdm

    from jpegzoo.zoo.mutated_jpeg import mutation_sets

    os.makedirs(os.path.join(work_dir, "jobs"), exist_ok=True)
    sample_file = prepare_samples(image_paths, work_dir, config, progress)
    processes = processes or os.cpu_count() or 1
    with get_context("spawn").Pool(processes) as pool:
        for stage in ("search", "filter"):
            jobs = [(stage, q, c, sample_file, config, work_dir)
                    for q in qualities for c in ("luma", "chroma")]
            for _ in tqdm(pool.imap_unordered(_run_job, jobs), total=len(jobs),
                          desc=f"mining: {stage}", disable=not progress):
                pass
    sets, wins = {}, {}
    for quality in qualities:
        for component in ("luma", "chroma"):
            with np.load(_job_path(work_dir, "filter", quality, component)) as result:
                sets[(quality, component)] = result["vectors"]
                wins[(quality, component)] = result["counts"]
    mutation_sets.save(output, sets, wins)
    return sets, wins
