"""The smallest progressive script for an image: a search over spectral splits and
successive-approximation depths, in the spirit of mozjpeg's ``optimize_scans``
(``jcparam.c`` ``jpeg_search_progression``, ``jcmaster.c`` ``select_scans``).

Every candidate scan is coded (its tables, header and data: the bytes it adds to the
file, as mozjpeg measures them) and the cheapest combination kept:

* DC: one interleaved scan of all components, or luma alone with the chroma DC in one
  interleaved scan, or every component alone (mozjpeg's three ``dc_scan_opt_mode``
  choices), no successive approximation;
* AC, for each component on its own: a first pass at precision ``al`` (0 to
  :data:`MAX_AL_LUMA` for luma, :data:`MAX_AL_CHROMA` for chroma) over the whole band
  1-63 or split in two at one of :data:`SPLITS`, plus the refinement scans from ``al``
  down to 0.

mozjpeg explores the same family greedily (it picks the depth with the split at 8, then
the split at that depth, stopping early, and gives both chroma components the same
choice); here every member is costed and each component gets its own best, so the
result is never larger than mozjpeg's choice among the same candidates. It costs about
45 luma and 35 chroma scan codings. Scans are ordered as mozjpeg orders them: DC, the
first passes (luma, then chroma), then the refinements from the coarsest bit down.
"""

from jpegzoo.jpeg.progressive import Scan

#: Zigzag positions after which the AC band may be split (mozjpeg's frequency_split).
SPLITS = (2, 5, 8, 12, 18)
#: Deepest successive approximation tried for luma and for chroma (mozjpeg's Al_max).
MAX_AL_LUMA = 3
MAX_AL_CHROMA = 2


def search_script(coder):
    """The coded scans (list of :class:`~jpegzoo.jpeg.progressive.CodedScan`, in file
    order) of the smallest script found for ``coder``'s image
    (:class:`~jpegzoo.jpeg.progressive.ScanCoder`)."""
    num = len(coder.image.components)
    dc = _dc_scans(coder, num)
    first, refinements = [], []
    for comp in range(num):
        passes, refine = _ac_scans(coder, comp, MAX_AL_LUMA if comp == 0 else MAX_AL_CHROMA)
        first += passes
        refinements.append(refine)
    deepest = max(len(refine) for refine in refinements)
    later = [refine[al] for al in reversed(range(deepest)) for refine in refinements
             if al < len(refine)]
    return dc + first + later


def _dc_scans(coder, num):
    """The cheapest of mozjpeg's DC scan layouts (lists of component tuples)."""
    layouts = [[(0,)]] if num == 1 else [[(0, 1, 2)], [(0,), (1, 2)], [(0,), (1,), (2,)]]
    coded = {}
    for comps in {comps for layout in layouts for comps in layout}:
        coded[comps] = coder.code(Scan(comps, 0, 0, 0, 0))
    best = min(layouts, key=lambda layout: sum(coded[c].size for c in layout))
    return [coded[c] for c in best]


def _ac_scans(coder, comp, max_al):
    """(first-pass scans, refinement scans indexed by the bit they send) of the cheapest
    AC coding of component ``comp``."""

    def code(ss, se, ah, al):
        return coder.code(Scan((comp,), ss, se, ah, al))

    refinements = [code(1, 63, al + 1, al) for al in range(max_al)]
    bands = [((1, 63),)] + [((1, split), (split + 1, 63)) for split in SPLITS]
    best, best_cost = None, None
    for al in range(max_al + 1):
        refine_cost = sum(scan.size for scan in refinements[:al])
        for band in bands:
            passes = [code(ss, se, 0, al) for ss, se in band]
            cost = refine_cost + sum(scan.size for scan in passes)
            if best_cost is None or cost < best_cost:
                best, best_cost = (passes, refinements[:al]), cost
    return best
