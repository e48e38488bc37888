"""Colour science: sRGB <-> linear light, CIE L* <-> luminance, blackbody colour, OKLab.

Conventions, everywhere in Emberwake:
- "linear RGB" is linear-light Rec.709/sRGB primaries, each channel 0.0-1.0 of an LED's full duty.
- luminance Y is relative: 1.0 is every channel at full duty (a white-balanced ring at full power).
- L* is CIE 1976 lightness, 0-100, of that relative luminance.
Functions take floats or numpy arrays; arrays of colours have the channel as the last axis.
"""

from __future__ import annotations

import functools
import importlib.resources

import numpy as np

KELVIN_MIN = 1000.0
KELVIN_MAX = 6500.0

# Rec.709 luminance weights of linear R, G, B.
LUMA_WEIGHTS = np.array([0.2126, 0.7152, 0.0722])

_XYZ_TO_LINEAR_SRGB = np.array([
    [3.2404542, -1.5371385, -0.4985314],
    [-0.9692660, 1.8760108, 0.0415560],
    [0.0556434, -0.2040259, 1.0572252],
])
_LINEAR_SRGB_TO_XYZ = np.array([
    [0.4124564, 0.3575761, 0.1804375],
    [0.2126729, 0.7151522, 0.0721750],
    [0.0193339, 0.1191920, 0.9503041],
])
# Björn Ottosson's OKLab matrices (2020).
_RGB_TO_LMS = np.array([
    [0.4122214708, 0.5363325363, 0.0514459929],
    [0.2119034982, 0.6806995451, 0.1073969566],
    [0.0883024619, 0.2817188376, 0.6299787005],
])
_LMS_TO_LAB = np.array([
    [0.2104542553, 0.7936177850, -0.0040720468],
    [1.9779984951, -2.4285922050, 0.4505937099],
    [0.0259040371, 0.7827717662, -0.8086757660],
])
_LAB_TO_LMS = np.array([
    [1.0, 0.3963377774, 0.2158037573],
    [1.0, -0.1055613458, -0.0638541728],
    [1.0, -0.0894841775, -1.2914855480],
])
_LMS_TO_RGB = np.array([
    [4.0767416621, -3.3077115913, 0.2309699292],
    [-1.2684380046, 2.6097574011, -0.3413193965],
    [-0.0041960863, -0.7034186147, 1.7076372661],
])

_LSTAR_EPSILON = 216.0 / 24389.0  # CIE: below this luminance L* is linear in Y
_LSTAR_KAPPA = 24389.0 / 27.0

_OBSERVER_FILE = "cie1931_2deg.csv"  # the CIE 1931 2-degree colour-matching functions, tabulated
_OBSERVER_COLUMNS = "wavelength_nm,x_bar,y_bar,z_bar"


def srgb_to_linear(encoded):
    """sRGB-encoded 0-1 -> linear light 0-1 (IEC 61966-2-1 transfer function)."""
    c = np.asarray(encoded, dtype=float)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear):
    """Linear light 0-1 -> sRGB-encoded 0-1."""
    c = np.clip(np.asarray(linear, dtype=float), 0.0, None)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055)


def srgb_codes(linear_rgb) -> np.ndarray:
    """Linear RGB 0-1 -> sRGB uint8, clipped: the colour a flat swatch of that light shows on a screen."""
    return np.clip(linear_to_srgb(np.clip(linear_rgb, 0.0, 1.0)) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def lstar_to_luminance(lstar):
    """CIE L* (0-100) -> relative luminance Y (0-1)."""
    if isinstance(lstar, (int, float)):  # the per-frame path: plain floats are ~20x faster than numpy here
        cube = ((lstar + 16.0) / 116.0) ** 3
        return cube if cube > _LSTAR_EPSILON else lstar / _LSTAR_KAPPA
    lightness = np.asarray(lstar, dtype=float)
    cube = ((lightness + 16.0) / 116.0) ** 3
    luminance = np.where(cube > _LSTAR_EPSILON, cube, lightness / _LSTAR_KAPPA)
    return float(luminance) if luminance.ndim == 0 else luminance


def luminance_to_lstar(luminance):
    """Relative luminance Y (0-1) -> CIE L* (0-100)."""
    y = np.clip(np.asarray(luminance, dtype=float), 0.0, None)
    lstar = np.where(y > _LSTAR_EPSILON, 116.0 * np.cbrt(y) - 16.0, y * _LSTAR_KAPPA)
    return float(lstar) if lstar.ndim == 0 else lstar


def luminance(rgb):
    """Relative luminance of linear RGB (last axis = channels)."""
    return np.asarray(rgb, dtype=float) @ LUMA_WEIGHTS


def linear_rgb_to_oklab(rgb):
    """Linear RGB -> OKLab (L about 0-1, a and b about -0.4..0.4)."""
    lms = np.asarray(rgb, dtype=float) @ _RGB_TO_LMS.T
    return np.cbrt(lms) @ _LMS_TO_LAB.T


def oklab_to_linear_rgb(lab):
    """OKLab -> linear RGB (may fall outside 0-1 for colours outside the sRGB gamut)."""
    lms = (np.asarray(lab, dtype=float) @ _LAB_TO_LMS.T) ** 3
    return lms @ _LMS_TO_RGB.T


@functools.cache
def _cie_1931_observer() -> tuple[np.ndarray, np.ndarray]:
    """Wavelengths (nm, 360-830 in 5 nm steps) and the CIE 1931 2-degree colour-matching functions
    there (columns x, y, z bar), from sequences/cie1931_2deg.csv.

    The tabulated functions themselves: an analytic fit of them put the blackbody colours up to
    0.003 in uv off the Planckian locus (a visible tint) and their CCT 1-3% off.
    """
    text = importlib.resources.files("sequences").joinpath(_OBSERVER_FILE).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if lines[0].replace(" ", "") != _OBSERVER_COLUMNS:
        raise ValueError(f"{_OBSERVER_FILE}: header is {lines[0]!r}, not {_OBSERVER_COLUMNS!r}")
    table = np.loadtxt(lines[1:], delimiter=",", ndmin=2)
    return table[:, 0], table[:, 1:]


def _blackbody_xyz(kelvin: np.ndarray) -> np.ndarray:
    """CIE XYZ (arbitrary scale) of blackbodies: Planck's law summed against the tabulated observer."""
    wavelength_nm, observer = _cie_1931_observer()
    wavelength_m = wavelength_nm * 1e-9
    second_radiation_constant_m_k = 1.4387769e-2
    with np.errstate(over="ignore"):
        radiance = wavelength_m ** -5 / np.expm1(
            second_radiation_constant_m_k / (wavelength_m * np.asarray(kelvin, dtype=float)[..., None]))
    return radiance @ observer


@functools.cache
def _planckian_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kelvin grid (1000-20000 K), its linear RGB (max channel 1) and its CIE 1960 uv.

    Steps of at most 5 mired: linear interpolation between them stays within 1e-5 in uv of the locus.
    """
    kelvin = np.concatenate([np.arange(1000.0, 6500.0, 5.0), np.arange(6500.0, 20001.0, 50.0)])
    xyz = _blackbody_xyz(kelvin)
    rgb = np.clip(xyz @ _XYZ_TO_LINEAR_SRGB.T, 0.0, None)
    rgb /= rgb.max(axis=-1, keepdims=True)
    return kelvin, rgb, _xyz_to_uv(xyz)


def _xyz_to_uv(xyz: np.ndarray) -> np.ndarray:
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    denominator = np.maximum(x + 15.0 * y + 3.0 * z, 1e-12)
    return np.stack([4.0 * x / denominator, 6.0 * y / denominator], axis=-1)


def kelvin_to_linear_rgb(kelvin: float) -> tuple[float, float, float]:
    """Colour of a blackbody at 1000-6500 K as linear RGB, brightest channel 1.0.

    Below about 1900 K the Planckian locus leaves the sRGB gamut (blue would be negative);
    that channel is clipped at zero, which is what the LEDs can show. Red to green stays the
    blackbody's, so the colour sits on the gamut's red-green edge, a little less deep than the
    blackbody: its correlated colour temperature reads up to 2.3% high (at 1000 K).
    """
    kelvin_grid, rgb_grid, _ = _planckian_table()
    k = min(max(float(kelvin), KELVIN_MIN), KELVIN_MAX)
    r, g, b = (float(np.interp(k, kelvin_grid, rgb_grid[:, channel])) for channel in range(3))
    brightest = max(r, g, b)
    return (r / brightest, g / brightest, b / brightest)


def correlated_colour_temperature(rgb) -> np.ndarray | float:
    """Nearest blackbody temperature (K, 1000-20000) of linear RGB, by distance in CIE 1960 uv.

    The point is projected onto the locus between the nearest tabulated temperatures, so the
    result moves smoothly with the colour. Channels may be negative (colours outside the sRGB
    gamut, such as blackbodies below about 1900 K). Black has no colour temperature: nan.
    """
    kelvin_grid, _, uv_grid = _planckian_table()
    colours = np.asarray(rgb, dtype=float)
    xyz = colours @ _LINEAR_SRGB_TO_XYZ.T
    uv = _xyz_to_uv(xyz)
    distance = ((uv[..., None, :] - uv_grid) ** 2).sum(axis=-1)
    nearest = np.argmin(distance, axis=-1)
    # Project onto the segment towards the neighbour on the point's side along the locus (not the
    # nearer neighbour: where the grid's step changes, at 6500 K, that can be the wrong side).
    below, above = np.maximum(nearest - 1, 0), np.minimum(nearest + 1, len(kelvin_grid) - 1)
    toward_above = ((uv - uv_grid[nearest]) * (uv_grid[above] - uv_grid[below])).sum(axis=-1) >= 0.0
    other = np.where(toward_above, above, below)
    segment = uv_grid[other] - uv_grid[nearest]
    length_sq = np.maximum((segment ** 2).sum(axis=-1), 1e-30)
    share = np.clip(((uv - uv_grid[nearest]) * segment).sum(axis=-1) / length_sq, 0.0, 1.0)
    cct = kelvin_grid[nearest] + share * (kelvin_grid[other] - kelvin_grid[nearest])
    cct = np.where(xyz[..., 1] > 1e-9, cct, np.nan)
    return float(cct) if cct.ndim == 0 else cct


def hex_to_linear_rgb(hex_colour: str) -> tuple[float, float, float]:
    """'#rrggbb' (sRGB) -> linear RGB 0-1. Raises ValueError on anything else."""
    text = hex_colour.strip()
    if len(text) != 7 or text[0] != "#":
        raise ValueError(f"colour {hex_colour!r} is not of the form '#rrggbb'")
    try:
        encoded = [int(text[i:i + 2], 16) / 255.0 for i in (1, 3, 5)]
    except ValueError:
        raise ValueError(f"colour {hex_colour!r} is not of the form '#rrggbb'") from None
    return tuple(float(c) for c in srgb_to_linear(encoded))
