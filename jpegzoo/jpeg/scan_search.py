"""The smallest progressive script for an image: a search over spectral splits and
successive-approximation depths, in the spirit of mozjpeg's ``optimize_scans``
(``jcparam.c`` ``jpeg_search_progression``, ``jcmaster.c`` ``select_scans``).

The candidates are compared by the bytes their scans add to the file (Huffman tables,
headers and data, as mozjpeg measures them) and the smallest kept. Finding it does not
take coding them all: the gathering pass of each scan gives a lower bound of its bytes
(:meth:`~jpegzoo.jpeg.progressive.ScanCoder.cost`: its exact bits, without the 0x00
stuffed after each 0xFF), and candidates are coded in increasing order of that bound
until the bound of the next reaches the smallest size found (typically 2 or 3 of them).
The candidates:

* DC: one interleaved scan of all components, or luma alone with the chroma DC in one
  interleaved scan, or every component alone (mozjpeg's three ``dc_scan_opt_mode``
  choices), no successive approximation;
* AC, for each component on its own: a first pass at precision ``al`` (0 to
  :data:`MAX_AL_LUMA` for luma, :data:`MAX_AL_CHROMA` for chroma) over the whole band
  1-63 or split in two after one of :data:`SPLITS`, plus the refinement scans from ``al``
  down to 0.

mozjpeg explores the same family greedily (it picks the depth with the split after 8,
then the split at that depth, stopping early, and gives both chroma components the same
choice); here every member is considered and each component gets its own best, so the
result is never larger than mozjpeg's choice among the same candidates. It costs about 45
luma and 35 chroma gathering passes and a few emitting ones. Scans are ordered as mozjpeg
orders them: DC, the first passes (luma, then chroma), then the refinements from the
coarsest bit down.
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
    first, refinements = [], []
    for comp in range(num):
        passes, refine = _ac_scans(coder, comp, MAX_AL_LUMA if comp == 0 else MAX_AL_CHROMA)
        first += passes
        refinements.append(refine)
    deepest = max(len(refine) for refine in refinements)
    later = [refine[al] for al in reversed(range(deepest)) for refine in refinements
             if al < len(refine)]
    return [coder.code(scan) for scan in _dc_scans(coder, num) + first + later]


def _dc_scans(coder, num):
    """The smallest of mozjpeg's DC scan layouts, as a list of :class:`Scan`."""
    layouts = [[(0,)]] if num == 1 else [[(0, 1, 2)], [(0,), (1, 2)], [(0,), (1,), (2,)]]
    return _smallest(coder, [[Scan(comps, 0, 0, 0, 0) for comps in layout]
                             for layout in layouts])


def _ac_scans(coder, comp, max_al):
    """(first-pass scans, refinement scans indexed by the bit they send) of the smallest
    AC coding of component ``comp``."""
    refinements = [Scan((comp,), 1, 63, al + 1, al) for al in range(max_al)]
    bands = [((1, 63),)] + [((1, split), (split + 1, 63)) for split in SPLITS]
    options = [[Scan((comp,), ss, se, 0, al) for ss, se in band] + refinements[:al]
               for al in range(max_al + 1) for band in bands]
    best = _smallest(coder, options)
    passes = [scan for scan in best if scan.ah == 0]
    return passes, refinements[:len(best) - len(passes)]


def _smallest(coder, options):
    """The option (a list of :class:`Scan`) whose scans add the fewest bytes: options
    coded in increasing order of their lower bound until it reaches the best size
    (ties: the first in ``options``)."""
    bounds = [sum(coder.cost(scan) for scan in option) for option in options]
    best, best_size = None, None
    for index in sorted(range(len(options)), key=lambda i: (bounds[i], i)):
        if best_size is not None and bounds[index] >= best_size:
            break
        size = sum(coder.code(scan).size for scan in options[index])
        if best_size is None or size < best_size:
            best, best_size = options[index], size
    return best
