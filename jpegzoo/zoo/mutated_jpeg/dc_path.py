"""Exact DC prediction in rate-distortion choices: a shortest path over DC options.

Baseline JPEG codes each block's DC as the difference from the previous block of the same
component (0 after a restart marker), so a block's best candidate depends on the choice
made for the block before it. Each block offers a few DC *options* (its rounded DC plus or
minus a step); for each option the cheapest candidate's cost ``R_ac + lambda * D`` is known,
and the DC difference bits link consecutive blocks. Dynamic programming (Viterbi) over the
chain finds the exact minimum of the total cost.
"""

import numpy as np

from jpegzoo.layers.numerics.bit_counter import size_category

INFEASIBLE = 1e30


def dc_bits(differences, dc_lengths):
    """Bits of DC differences: code length of the size category plus the size itself."""
    size = size_category(differences)
    return np.asarray(dc_lengths, dtype=np.float64)[size] + size


def best_dc_path(option_costs, option_values, restart, dc_lengths):
    """Choose one DC option per block minimizing the chain's total cost.

    Args:
        option_costs: float [N, O] cost of each block's best candidate with each DC
            option (``>= INFEASIBLE`` where the option has no candidate).
        option_values: int [N, O] the DC level of each option.
        restart: bool [N], True where the predictor resets to 0 (chain start, restarts).
        dc_lengths: ``[256]`` DC code lengths of the component's table.
    Returns:
        (choice int [N], total cost float).
    """
    n, options = option_costs.shape
    lengths = np.asarray(dc_lengths, dtype=np.float64)
    values = np.asarray(option_values, dtype=np.int64)
    back = np.zeros((n, options), dtype=np.int64)
    # DC bits to each option from predictor 0 (restarts) and from every previous option.
    from_zero = dc_bits(values, lengths)
    links = np.zeros((n, options, options))
    links[1:] = dc_bits(values[1:, None, :] - values[:-1, :, None], lengths)
    total = option_costs[0] + from_zero[0]
    for i in range(1, n):
        if restart[i]:
            best = int(np.argmin(total))
            back[i] = best
            total = option_costs[i] + from_zero[i] + total[best]
        else:
            through = total[:, None] + links[i]
            back[i] = np.argmin(through, axis=0)
            total = option_costs[i] + through[back[i], np.arange(options)]
    choice = np.empty(n, dtype=np.int64)
    choice[-1] = int(np.argmin(total))
    best_total = float(total[choice[-1]])
    for i in range(n - 1, 0, -1):
        choice[i - 1] = back[i, choice[i]]
    return choice, best_total
