"""Common random numbers: every draw keyed by (purpose, step, person), by construction.

A run's random numbers come from Philox4x32-10 (Salmon et al. 2011, *SC'11*), a
counter-based generator: the number a person gets for a purpose on a step is a fixed
function of the run's seed, the purpose's name, the step and the person's id (or a
tie's position), and of nothing else. Two consequences follow without bookkeeping:

* two regimes run with the same seed in the same society share their draws purpose by
  purpose: the same act is detected by the same source in both, the same people want
  the same opportunity on the same day, however differently they behaved before;
* adding a mechanism, a source or a behaviour adds purposes and moves no other draw.

Purposes are strings such as ``"act/jaywalk"`` or ``"detect/street_cameras/jaywalk"``
(the list is in docs/model.md); each is hashed with the run's root entropy into a
64-bit Philox key by NumPy's ``SeedSequence``. The 128-bit counter is
``(i // 4, step, 0, 0)``; its four 32-bit outputs serve ids ``4 (i // 4)`` to
``4 (i // 4) + 3``, so a dense draw costs N / 4 evaluations and a draw at a few ids
gives exactly the numbers a dense draw would give them. Uniforms are float32 in
[0, 1) with 24 random bits, as NumPy draws them.

Set-up draws (traits, the network) need normal and log-normal variates and whole
sequences; they use a PCG64 generator per purpose from the same hash
(:meth:`Keys.generator`).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint32(0x9E3779B9)
_W1 = np.uint32(0xBB67AE85)
_LO = np.uint64(0xFFFFFFFF)
_SCALE = np.float32(2.0**-24)


@njit(cache=True, inline="always")
def philox4x32(
    c0: np.uint32, c1: np.uint32, c2: np.uint32, c3: np.uint32, k0: np.uint32, k1: np.uint32
) -> tuple[np.uint32, np.uint32, np.uint32, np.uint32]:  # pragma: no cover - compiled
    """Philox4x32 with 10 rounds: the counter (c0..c3) encrypted under the key (k0, k1)."""
    x0, x1, x2, x3 = np.uint64(c0), np.uint64(c1), np.uint64(c2), np.uint64(c3)
    a, b = np.uint64(k0), np.uint64(k1)
    for r in range(10):
        p0 = _M0 * x0
        p1 = _M1 * x2
        y0 = ((p1 >> np.uint64(32)) ^ x1 ^ a) & _LO
        y1 = p1 & _LO
        y2 = ((p0 >> np.uint64(32)) ^ x3 ^ b) & _LO
        y3 = p0 & _LO
        x0, x1, x2, x3 = y0, y1, y2, y3
        if r < 9:
            a = (a + np.uint64(_W0)) & _LO
            b = (b + np.uint64(_W1)) & _LO
    return np.uint32(x0), np.uint32(x1), np.uint32(x2), np.uint32(x3)


@njit(cache=True, inline="always")
def word_float(word: np.uint32) -> np.float32:  # pragma: no cover - compiled
    """A Philox output word as the float32 uniform NumPy would make of it (24 bits)."""
    return np.float32(word >> np.uint32(8)) * _SCALE


SPAN = 4096
"""Uniforms a compiled pass draws at a time into a small buffer (:func:`fill`)."""


@njit(cache=True, inline="always")
def fill(
    k0: np.uint32, k1: np.uint32, step: np.uint32, start: int, buf: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Write the uniforms of ids ``start`` to ``start + len(buf) - 1`` into ``buf``.

    ``start`` is a multiple of 4. A pass that decides per person draws a span of ids
    at a time with this tight loop, which compiles to SIMD code (drawing inside a
    branching loop ran four times slower), and then reads the span from ``buf``
    ((SPAN,) float32, in the cache) instead of an (N,) array of draws. Ids past the
    last person are drawn too; the caller reads only its own.
    """
    for j in range(buf.shape[0] // 4):
        r0, r1, r2, r3 = philox4x32(
            np.uint32((start >> 2) + j), step, np.uint32(0), np.uint32(0), k0, k1
        )
        buf[4 * j] = word_float(r0)
        buf[4 * j + 1] = word_float(r1)
        buf[4 * j + 2] = word_float(r2)
        buf[4 * j + 3] = word_float(r3)


@njit(cache=True, inline="always")
def draw_one(
    k0: np.uint32, k1: np.uint32, step: np.uint32, i: np.uint64
) -> np.float32:  # pragma: no cover - compiled
    """The uniform of person ``i`` (a purpose's key, a step): what :func:`fill_at` writes."""
    r0, r1, r2, r3 = philox4x32(np.uint32(i >> 2), step, np.uint32(0), np.uint32(0), k0, k1)
    lane = i & 3
    word = r0 if lane == 0 else r1 if lane == 1 else r2 if lane == 2 else r3
    return word_float(word)


@njit(cache=True, inline="always")
def fill_at(
    k0: np.uint32, k1: np.uint32, step: np.uint32, ids: np.ndarray, m: int, out: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Write the uniforms of ``ids[:m]`` ((K,) int64, K >= m) into ``out[:m]``.

    The sparse counterpart of :func:`fill`, for the few people a pass draws for (those
    who acted): a tight loop, so the Philox rounds of several ids run side by side.
    """
    for j in range(m):
        out[j] = draw_one(k0, k1, step, ids[j])


@njit(cache=True, nogil=True)
def _at_steps(
    k0: np.uint32, k1: np.uint32, steps: np.ndarray, ids: np.ndarray, out: np.ndarray
) -> None:  # pragma: no cover
    for j in range(ids.shape[0]):
        out[j] = draw_one(k0, k1, np.uint32(steps[j]), np.uint64(ids[j]))


@njit(cache=True, nogil=True)
def _dense(
    k0: np.uint32, k1: np.uint32, step: np.uint32, out: np.ndarray
) -> None:  # pragma: no cover
    n = out.shape[0]
    for blk in range((n + 3) // 4):
        r0, r1, r2, r3 = philox4x32(np.uint32(blk), step, np.uint32(0), np.uint32(0), k0, k1)
        i = blk * 4
        out[i] = word_float(r0)
        if i + 1 < n:
            out[i + 1] = word_float(r1)
        if i + 2 < n:
            out[i + 2] = word_float(r2)
        if i + 3 < n:
            out[i + 3] = word_float(r3)


@njit(cache=True, nogil=True)
def _at(
    k0: np.uint32, k1: np.uint32, step: np.uint32, ids: np.ndarray, out: np.ndarray
) -> None:  # pragma: no cover
    fill_at(k0, k1, step, ids, ids.shape[0], out)


class Keys:
    """The run's random numbers, by purpose; built from the run's root seed.

    Args:
        root: the run's ``SeedSequence`` (or an int seed).
    """

    def __init__(self, root: int | np.random.SeedSequence) -> None:
        self.root = (
            root if isinstance(root, np.random.SeedSequence) else np.random.SeedSequence(root)
        )
        self._keys: dict[str, tuple[np.uint32, np.uint32]] = {}
        self._tables: dict[tuple[str, ...], NDArray[np.uint32]] = {}

    def _sequence(self, purpose: str) -> np.random.SeedSequence:
        """The root's entropy with the purpose's name as spawn key."""
        return np.random.SeedSequence(self.root.entropy, spawn_key=tuple(purpose.encode()))

    def key(self, purpose: str) -> tuple[np.uint32, np.uint32]:
        """The Philox key of ``purpose``: two uint32 words from the root and the name."""
        if purpose not in self._keys:
            k = self._sequence(purpose).generate_state(2, np.uint32)
            self._keys[purpose] = (np.uint32(k[0]), np.uint32(k[1]))
        return self._keys[purpose]

    def table(self, purposes: tuple[str, ...]) -> NDArray[np.uint32]:
        """(P, 2) uint32: the Philox key of each purpose, for a compiled pass (cached)."""
        found = self._tables.get(purposes)
        if found is None:
            found = np.array([self.key(p) for p in purposes], np.uint32).reshape(-1, 2)
            self._tables[purposes] = found
        return found

    def generator(self, purpose: str) -> np.random.Generator:
        """A PCG64 generator for a set-up purpose (traits, network), keyed like the rest."""
        return np.random.Generator(np.random.PCG64(self._sequence(purpose)))

    def uniform(self, purpose: str, step: int, n: int) -> NDArray[np.float32]:
        """(n,) float32 in [0, 1): element i is the draw of id i for ``purpose`` at ``step``."""
        out = np.empty(n, np.float32)
        if n:
            _dense(*self.key(purpose), np.uint32(step), out)
        return out

    def uniform_at(self, purpose: str, step: int, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        """(K,) float32: the draws of the ids ``ids`` ((K,) int64), as :meth:`uniform` gives them."""
        out = np.empty(ids.shape[0], np.float32)
        if ids.shape[0]:
            _at(*self.key(purpose), np.uint32(step), ids.astype(np.int64, copy=False), out)
        return out

    def uniform_at_steps(
        self, purpose: str, steps: NDArray[np.int64], ids: NDArray[np.int64]
    ) -> NDArray[np.float32]:
        """(M,) float32: the draw of ``ids[j]`` at ``steps[j]``, as :meth:`uniform_at` gives it."""
        out = np.empty(ids.shape[0], np.float32)
        if ids.shape[0]:
            k0, k1 = self.key(purpose)
            _at_steps(
                k0, k1, steps.astype(np.int64, copy=False), ids.astype(np.int64, copy=False), out
            )
        return out

    def below(
        self, purpose: str, step: int, p: NDArray[np.float32], bounds: NDArray[np.int64]
    ) -> NDArray[np.bool_]:
        """(N,) bool: whether each id's draw is under its group's probability.

        Args:
            purpose: the draw's purpose.
            step: the step.
            p: (G,) float32, the probability of group g.
            bounds: (G + 1,) int64, group g holds ids ``bounds[g]`` to ``bounds[g + 1] - 1``.
        """
        n = int(bounds[-1])
        if n == 0 or float(np.max(p, initial=0.0)) <= 0.0:
            return np.zeros(n, np.bool_)
        u = self.uniform(purpose, step, n)
        hit = np.empty(n, np.bool_)
        for g in range(p.shape[0]):
            a, z = int(bounds[g]), int(bounds[g + 1])
            np.less(u[a:z], p[g], out=hit[a:z])
        return hit


class StepDraws:
    """The draws of one step: :class:`Keys` with the step fixed.

    Phases take one of these instead of a generator; the slow references in
    ``tests/reference`` take the same object and ask for one person's number at a time,
    which is the same number by construction.
    """

    def __init__(self, keys: Keys, step: int) -> None:
        self.keys = keys
        self.step = step

    def dense(self, purpose: str, n: int) -> NDArray[np.float32]:
        """(n,) float32: every id's draw for ``purpose`` this step."""
        return self.keys.uniform(purpose, self.step, n)

    def at(self, purpose: str, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        """(K,) float32: the draws of ``ids`` for ``purpose`` this step."""
        return self.keys.uniform_at(purpose, self.step, ids)

    def below(
        self, purpose: str, p: NDArray[np.float32], bounds: NDArray[np.int64]
    ) -> NDArray[np.bool_]:
        """(N,) bool: each id's draw under its group's probability ``p`` ((G,) float32)."""
        return self.keys.below(purpose, self.step, p, bounds)

    def one(self, purpose: str, i: int) -> float:
        """One id's draw for ``purpose`` this step, as a Python float."""
        return float(self.at(purpose, np.array([i], np.int64))[0])
