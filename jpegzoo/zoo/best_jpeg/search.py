"""Finding the trade-off ``mu`` that meets a quality target, and the chroma subsampling.

A target is a score of the tune's metric that the decoded file must reach; every trial is
decoded (Pillow) and measured, never estimated. The score rises with ``mu``; the search
works on ``log mu`` against the score on its linear scale (:meth:`.tunes.Tune.linear`):
secant steps from the two latest trials, kept inside the bracket of the lowest ``mu``
known to reach the target and the highest known to miss it (bisection when a step leaves
it), until a reaching trial lies within the tune's tolerance of the target or the bracket
is narrower than :data:`MIN_BRACKET` (3 % in ``mu``: metrics move in small steps as
table entries change, below that the search only chases noise). The result is the
smallest file that reaches the target among the trials.

``auto`` subsampling: the search runs at 4:2:0; when 4:2:0's own error is a large enough
share of the found file's (:attr:`.tunes.Tune.min_chroma_share`), one 4:4:4 trial at the
found ``mu`` predicts, with the slope the search measured, the 4:4:4 size at the target;
when that is smaller, a 4:4:4 search starting there decides.
"""

import math

#: Range of ``mu`` (bits per unit weighted squared error).
MU_RANGE = (1e-5, 30.0)
MAX_TRIALS = 10
MIN_BRACKET = 0.03


def search_target(image, target, subsampling, mu0, restart_interval=0, log=None,
                  best_effort=False):
    """The smallest-file :class:`~.encoder.Trial` found whose score reaches ``target`` (in
    the metric's own units), starting at ``mu0``; when even the largest ``mu`` falls
    short, ValueError, or with ``best_effort`` the best-scoring trial. ``log``: a list the
    trials are appended to."""
    tune = image.tune
    goal = tune.linear(target)
    trials = [] if log is None else log
    lo, hi = None, None  # (log mu, linear score) missing / reaching the target
    x = math.log(min(max(mu0, MU_RANGE[0]), MU_RANGE[1]))
    for _ in range(MAX_TRIALS):
        trial = _logged(trials, x, subsampling)
        if trial is None:
            trial = image.trial(math.exp(x), subsampling, restart_interval)
            trials.append(trial)
        _keep_candidates(trials, tune, goal)
        value = tune.linear(trial.score)
        if value >= goal:
            hi = (x, value) if hi is None or x < hi[0] else hi
            if value - goal <= tune.tolerance:
                break
        else:
            lo = (x, value) if lo is None or x > lo[0] else lo
        if lo and hi and hi[0] - lo[0] < MIN_BRACKET:
            break
        x = _next(trials, tune, goal, lo, hi)
        if x is None:
            break
    kept = [t for t in trials if t.subsampling == subsampling and t.levels is not None]
    reaching = [t for t in kept if tune.linear(t.score) >= goal]
    if not reaching:
        best = max(kept, key=lambda t: t.score)
        if best_effort:
            return best
        raise ValueError(f"target {tune.metric} {target:g} is out of reach for this image "
                         f"(at most {best.score:.4g})")
    return min(reaching, key=lambda t: t.size)


def _logged(trials, x, subsampling):
    """The trial already made at ``log mu`` = ``x`` and ``subsampling`` (a search may
    start at a probe's ``mu``), or None."""
    return next((t for t in trials if t.subsampling == subsampling
                 and abs(math.log(t.mu) - x) < 1e-9), None)


def _keep_candidates(trials, tune, goal):
    """Drop the levels of trials that can no longer be the result (memory: a trial's
    levels take 4 bytes per coefficient): keep the smallest reaching the goal and the
    best-scoring one."""
    reaching = [t for t in trials if t.levels is not None and tune.linear(t.score) >= goal]
    keep = {id(max(trials, key=lambda t: t.score))}
    if reaching:
        keep.add(id(min(reaching, key=lambda t: t.size)))
    for t in trials:
        if id(t) not in keep:
            t.levels = None


def _next(trials, tune, goal, lo, hi):
    """The next ``log mu`` to try (None: nothing left to try)."""
    last = trials[-1]
    x1, y1 = math.log(last.mu), tune.linear(last.score)
    slope = tune.slope
    if len(trials) > 1:
        x0, y0 = math.log(trials[-2].mu), tune.linear(trials[-2].score)
        if abs(x1 - x0) > 1e-9 and (y1 - y0) / (x1 - x0) > 0:
            slope = (y1 - y0) / (x1 - x0)
    # aim a little above the goal: a trial just below it is wasted
    step = (goal + tune.tolerance / 2 - y1) / slope
    x = x1 + max(-3.0, min(3.0, step))
    low, high = math.log(MU_RANGE[0]), math.log(MU_RANGE[1])
    if lo is not None:
        low = lo[0]
    if hi is not None:
        high = hi[0]
    if not low < x < high:
        if lo is None and hi is not None and x <= low:
            x = low
        elif hi is None and lo is not None and x >= high:
            x = high
        else:
            x = (low + high) / 2
    if any(abs(x - math.log(t.mu)) < 1e-6 for t in trials):
        return None
    return x


def slope_per_log_size(trials, tune):
    """Linear score gained per unit of ``log bytes`` between the two trials of a search
    nearest each other in ``mu`` (None with fewer than two)."""
    if len(trials) < 2:
        return None
    ordered = sorted(trials, key=lambda t: t.mu)
    pairs = [(b, a) for a, b in zip(ordered, ordered[1:]) if b.size != a.size]
    if not pairs:
        return None
    b, a = min(pairs, key=lambda p: math.log(p[0].mu / p[1].mu))
    slope = (tune.linear(b.score) - tune.linear(a.score)) / math.log(b.size / a.size)
    return slope if slope > 0 else None


def predicted_size(trial, goal, slope, tune):
    """Bytes ``trial``'s encoder would need to reach linear score ``goal``."""
    return trial.size * math.exp((goal - tune.linear(trial.score)) / slope)
