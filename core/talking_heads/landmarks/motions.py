"""Built-in procedural motions made from the source's own landmarks: the out-of-the-box driver.

    track = procedural_motion("talk", points, image_size=(w, h))   # (T, 68, 2) source pixels

Every motion is a few smooth curves (eased keyframes, raised-cosine bumps and low-frequency
sines) for head rotation, breathing and the expression units of `action_units`, applied to the
source's landmarks with the mean face's depth. Amplitudes at intensity 1: a nod tilts the head
about 10 degrees, a shake turns it about 15, a blink lasts 150 ms, talking opens the jaw in
syllables of 170-300 ms (about 4.3 per second) grouped into phrases. Every motion starts at rest
(frame 0 is the source itself) and ends there (so motions can follow one another), and is the
same for the same seed. `idle` loops: its frame T would equal frame 0, so it can repeat seamlessly.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from talking_heads.errors import InputError
from talking_heads.landmarks.action_units import UNITS, action_units
from talking_heads.landmarks.face_model import MEAN_FACE, rigid_centre
from talking_heads.landmarks.pose import HeadPose, lift, project, roll_conjugate, rotate_2d, rotation_matrix, similarity
from talking_heads.landmarks.topology import NUM_POINTS, RIGID
from talking_heads.landmarks.track import LandmarkTrack

MOTIONS: tuple[str, ...] = ("talk", "nod", "shake", "blink", "smile", "idle")

_BLINK_CLOSE, _BLINK_OPEN = 0.06, 0.09  # seconds: lids close fast and open a little slower


@dataclass
class _Curves:
    """Per-frame motion parameters at intensity 1; all zero is the source at rest."""

    t: np.ndarray  # (T,) seconds
    yaw: np.ndarray = field(init=False)  # (T,) radians, see `pose` for the signs
    pitch: np.ndarray = field(init=False)
    roll: np.ndarray = field(init=False)
    rise: np.ndarray = field(init=False)  # (T,) face units the head moves up
    growth: np.ndarray = field(init=False)  # (T,) relative size change
    weights: dict[str, np.ndarray] = field(init=False)  # expression unit -> (T,)

    def __post_init__(self) -> None:
        self.yaw, self.pitch, self.roll, self.rise, self.growth = (np.zeros_like(self.t) for _ in range(5))
        self.weights = {name: np.zeros_like(self.t) for name in UNITS}


def procedural_motion(name: str, source_points: np.ndarray, *, fps: float = 25.0, duration: float = 4.0,
                      intensity: float = 1.0, image_size: tuple[int, int], seed: int = 0) -> LandmarkTrack:
    """A built-in motion of the source's face, in source-image pixels (`image_size` is (W, H))."""
    if name not in _GENERATORS:
        raise InputError(f"unknown motion {name!r}: use one of {', '.join(MOTIONS)}")
    source = np.asarray(source_points, np.float64)
    if source.shape != (NUM_POINTS, 2) or not np.isfinite(source).all():
        raise InputError(f"source landmarks must be 68 finite (x, y) points, got an array of shape {source.shape}")
    if not (fps > 0 and duration > 0 and intensity >= 0):
        raise InputError(f"a motion needs a positive frame rate and duration and an intensity of 0 or more; "
                         f"got fps={fps}, duration={duration}, intensity={intensity}")
    frames = max(1, int(round(duration * fps)))
    curves = _Curves(np.arange(frames) / fps)
    _GENERATORS[name](curves, frames / fps, np.random.default_rng(seed))
    points = _animate(source, curves, intensity)
    return LandmarkTrack(points, np.ones(frames, bool), image_size, fps, f"motion:{name}")


def _animate(source: np.ndarray, curves: _Curves, intensity: float) -> np.ndarray:
    """Apply the curves to the source's landmarks -> (T, 68, 2) float32."""
    units = action_units(source)
    weights = {name: intensity * curve for name, curve in curves.weights.items()}
    weights["blink"] = np.clip(weights["blink"], 0.0, 1.0)  # lids cannot close further than shut
    offsets = sum(weights[name][:, None, None] * units[name] for name in UNITS)  # (T, 68, 2)
    to_face = similarity(MEAN_FACE[list(RIGID), :2], source[list(RIGID)])[0]  # face units -> source pixels
    rotation = rotation_matrix(intensity * curves.yaw, intensity * curves.pitch, intensity * curves.roll)
    rise = np.stack([np.zeros_like(curves.rise), -intensity * curves.rise], axis=-1)  # (T, 2) upright face units
    pose = HeadPose(roll_conjugate(rotation, float(np.angle(to_face))), 1 + intensity * curves.growth,
                    rotate_2d(rise[:, None], to_face)[:, 0])
    return project(lift(source), pose, rigid_centre(source), offsets).astype(np.float32)


# --- curve shapes -------------------------------------------------------------------------------

def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _bumps(t: np.ndarray, centres: np.ndarray, widths: np.ndarray | float, heights: np.ndarray | float = 1.0
           ) -> np.ndarray:
    """Sum of raised-cosine bumps, each `widths` seconds wide at its base. -> (T,)"""
    phase = (t[:, None] - np.asarray(centres)[None]) / np.asarray(widths)  # (T, N), bump where |phase| < 1/2
    shape = np.where(np.abs(phase) < 0.5, 0.5 + 0.5 * np.cos(2 * np.pi * phase), 0.0)
    return (shape * heights).sum(axis=1)


def _event_times(rng: np.random.Generator, first: float, last: float, gap: tuple[float, float]) -> np.ndarray:
    """Times from `first`, spaced by random gaps in `gap` seconds, up to `last`."""
    times, now = [], first
    while now <= last:
        times.append(now)
        now += rng.uniform(*gap)
    return np.array(times)


def _blinks(t: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Lid closure (0 open, 1 shut) of blinks starting at `starts`, 150 ms each. -> (T,)"""
    since = t[:, None] - np.asarray(starts)[None]  # (T, N)
    closing = np.sin(np.pi / 2 * np.clip(since / _BLINK_CLOSE, 0, 1)) ** 2
    opening = np.cos(np.pi / 2 * np.clip((since - _BLINK_CLOSE) / _BLINK_OPEN, 0, 1)) ** 2
    shut = np.where(since < _BLINK_CLOSE, closing, opening) * (since >= 0)
    return shut.max(axis=1, initial=0.0)


def _natural_blinks(curves: _Curves, duration: float, rng: np.random.Generator) -> None:
    """Blinks every 2-5 s, each over before the end (so loops stay seamless)."""
    starts = _event_times(rng, rng.uniform(0.6, 1.8), duration - _BLINK_CLOSE - _BLINK_OPEN - 0.05, (2.0, 5.0))
    curves.weights["blink"] = _blinks(curves.t, starts)


def _sway(t: np.ndarray, rng: np.random.Generator, degrees: float, frequencies: tuple[float, float]) -> np.ndarray:
    """Two low-frequency sines starting at zero, peak about `degrees`. -> (T,) radians"""
    signal = sum(rng.uniform(0.5, 1.0) * rng.choice([-1, 1]) * np.sin(2 * np.pi * f * t) for f in frequencies)
    return np.radians(degrees) * signal / 1.5


# --- the motions --------------------------------------------------------------------------------

def _talk(curves: _Curves, duration: float, rng: np.random.Generator) -> None:
    centres, widths, phrase_starts = [], [], []
    now = 0.3
    while now < duration - 0.6:
        phrase_starts.append(now)
        for _ in range(rng.integers(4, 10)):
            length = rng.uniform(0.17, 0.3)
            if now + length > duration - 0.3:
                break
            centres.append(now + length / 2)
            widths.append(1.15 * length)
            now += length
        now += rng.uniform(0.3, 0.7)  # a pause between phrases
    count = len(centres)
    opening = _bumps(curves.t, np.array(centres), np.array(widths), rng.uniform(0.3, 0.8, count))
    curves.weights["jaw_open"] = np.minimum(opening, 1.0)
    rounded = rng.uniform(0.0, 0.7, count) * (rng.random(count) < 0.3)
    curves.weights["pucker"] = _bumps(curves.t, np.array(centres), np.array(widths), rounded)
    curves.weights["brow_raise"] = _bumps(curves.t, np.array(phrase_starts) + 0.4, 0.8, rng.uniform(0.0, 0.5))
    curves.yaw = _sway(curves.t, rng, 3.0, (rng.uniform(0.15, 0.3), rng.uniform(0.35, 0.6)))
    curves.pitch = _sway(curves.t, rng, 1.5, (rng.uniform(0.2, 0.4), rng.uniform(0.5, 0.8)))
    curves.pitch += np.radians(2.0) * _bumps(curves.t, np.array(phrase_starts) + 0.5, 1.0)  # emphasis nods
    curves.roll = _sway(curves.t, rng, 1.5, (rng.uniform(0.1, 0.25), rng.uniform(0.3, 0.5)))
    settle = _smoothstep((duration - curves.t) / 0.6)  # the head comes back to rest at the end
    curves.yaw, curves.pitch, curves.roll = curves.yaw * settle, curves.pitch * settle, curves.roll * settle
    _natural_blinks(curves, duration, rng)


def _nod(curves: _Curves, duration: float, rng: np.random.Generator) -> None:
    count = max(1, int(round(duration / 1.8)))
    spacing = duration / count
    centres = (np.arange(count) + 0.5) * spacing
    depths = np.radians(10.0) * rng.uniform(0.85, 1.1, count)
    curves.pitch = _bumps(curves.t, centres, min(1.1, 0.9 * spacing), depths)


def _shake(curves: _Curves, duration: float, rng: np.random.Generator) -> None:
    cycles = max(1, int(round(duration * rng.uniform(0.9, 1.2))))
    envelope = _smoothstep(curves.t / 0.4) * _smoothstep((duration - curves.t) / 0.4)
    side = rng.choice([-1, 1]) * np.radians(15.0) * rng.uniform(0.9, 1.1)
    curves.yaw = side * envelope * np.sin(2 * np.pi * cycles * curves.t / duration)


def _blink(curves: _Curves, duration: float, rng: np.random.Generator) -> None:
    starts = _event_times(rng, rng.uniform(0.3, 0.7), duration - _BLINK_CLOSE - _BLINK_OPEN, (1.0, 2.5))
    curves.weights["blink"] = _blinks(curves.t, starts)


def _smile(curves: _Curves, duration: float, rng: np.random.Generator) -> None:
    ease = min(0.6, duration / 3)
    held = _smoothstep((curves.t - 0.2 * ease) / ease) * _smoothstep((duration - 0.1 * ease - curves.t) / ease)
    curves.weights["smile"] = held
    curves.roll = rng.choice([-1, 1]) * np.radians(2.0) * held  # a slight head tilt
    curves.pitch = np.radians(-1.5) * held  # and chin up


def _idle(curves: _Curves, duration: float, rng: np.random.Generator) -> None:
    """Whole numbers of cycles over the duration, so the motion loops."""
    slow = max(1, int(round(0.2 * duration))) / duration  # Hz
    faster = slow + max(1, int(round(0.15 * duration))) / duration
    curves.yaw = _sway(curves.t, rng, 1.5, (slow, faster))
    curves.pitch = _sway(curves.t, rng, 1.0, (slow, faster))
    curves.roll = _sway(curves.t, rng, 0.8, (slow, faster))
    breaths = max(1, int(round(duration / 4.0)))  # about 15 breaths a minute
    breath = 0.5 - 0.5 * np.cos(2 * np.pi * breaths * curves.t / duration)
    curves.rise, curves.growth = 0.006 * breath, 0.003 * breath
    _natural_blinks(curves, duration, rng)


_GENERATORS: dict[str, Callable[[_Curves, float, np.random.Generator], None]] = {
    "talk": _talk, "nod": _nod, "shake": _shake, "blink": _blink, "smile": _smile, "idle": _idle,
}
