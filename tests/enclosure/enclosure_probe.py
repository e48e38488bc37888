"""Measuring rendered enclosure meshes: ray casts, point containment and plane sections.

Only numpy and trimesh's pure-numpy parts are used (no rtree/embree), so the checks run on a
bare test install.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import trimesh

from tests.ci import skip_or_fail  # noqa: F401 - the enclosure tests import it from here

REPO = Path(__file__).resolve().parents[2]
# (board, ring LEDs): every ring on the default board, and the Pi 3/4 option once.
CONFIGS = [("zero2w", 12), ("zero2w", 16), ("zero2w", 24), ("pi4", 24)]
CONFIG_IDS = [f"{board}-ring{ring}" for board, ring in CONFIGS]


def load_render_module() -> ModuleType:
    """Import enclosure/render.py by path (enclosure/ is not an installed package)."""
    name = "emberwake_enclosure_render"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "enclosure" / "render.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class Probe:
    """Ray queries against one triangle mesh."""

    def __init__(self, mesh: trimesh.Trimesh) -> None:
        self.mesh = mesh
        triangles = np.asarray(mesh.triangles, dtype=float)
        self._v0 = triangles[:, 0]
        self._e1 = triangles[:, 1] - self._v0
        self._e2 = triangles[:, 2] - self._v0

    def distances(self, origin: Any, direction: Any) -> np.ndarray:
        """Sorted distances along the ray to every surface crossing (Moller-Trumbore)."""
        o = np.asarray(origin, dtype=float)
        d = np.asarray(direction, dtype=float)
        d = d / np.linalg.norm(d)
        p = np.cross(d, self._e2)
        det = np.einsum("ij,ij->i", self._e1, p)
        usable = np.abs(det) > 1e-12
        inv = np.where(usable, 1.0 / np.where(usable, det, 1.0), 0.0)
        s = o - self._v0
        u = np.einsum("ij,ij->i", s, p) * inv
        q = np.cross(s, self._e1)
        v = (q @ d) * inv
        t = np.einsum("ij,ij->i", self._e2, q) * inv
        hit = usable & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 1e-9)
        found = np.sort(t[hit])
        # A ray through a shared edge meets both triangles; count that crossing once.
        return found[np.concatenate(([True], np.diff(found) > 1e-7))] if found.size else found

    def first_hit(self, origin: Any, direction: Any) -> float | None:
        """Distance to the first surface along the ray, or None."""
        found = self.distances(origin, direction)
        return float(found[0]) if found.size else None

    def contains(self, points: Any) -> np.ndarray:
        """Inside test by crossing parity along a direction unlikely to graze an edge."""
        direction = np.array([0.8123, 0.4711, 0.3437])
        return np.array([self.distances(p, direction).size % 2 == 1 for p in np.atleast_2d(points)])


@dataclass
class Part:
    """A rendered part: its mesh in print orientation, the model's dimensions, and probes."""

    name: str
    mesh: trimesh.Trimesh
    dims: dict[str, Any]
    assembled: trimesh.Trimesh = field(init=False)
    probe: Probe = field(init=False)

    def __post_init__(self) -> None:
        self.assembled = self.mesh.copy()
        self.assembled.apply_transform(assembly_transform(self.name, self.dims))
        self.probe = Probe(self.assembled)


def assembly_transform(part: str, dims: dict[str, Any]) -> np.ndarray:
    """4x4 matrix from a part's print orientation to the assembled frame."""
    matrix = np.eye(4)
    if part == "ring_holder":
        matrix[2, 3] = dims["deck_bottom_z_mm"]
    elif part == "diffuser":
        # Printed upside down: a half turn about X, lifted to the lamp's top.
        matrix[1, 1] = matrix[2, 2] = -1.0
        matrix[2, 3] = dims["diffuser_top_z_mm"]
    return matrix


def section_segments(mesh: trimesh.Trimesh, z: float) -> np.ndarray:
    """Segments (n, 2, 2) in XY where the horizontal plane at height z cuts the mesh."""
    segments = trimesh.intersections.mesh_plane(mesh, plane_normal=[0, 0, 1], plane_origin=[0, 0, z])
    return np.asarray(segments)[:, :, :2]


def radial_extent(segments: np.ndarray) -> tuple[float, float]:
    """Closest and farthest distance of the section segments from the Z axis."""
    a, b = segments[:, 0], segments[:, 1]
    ab = b - a
    length2 = np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-18)
    t = np.clip(-np.einsum("ij,ij->i", a, ab) / length2, 0.0, 1.0)
    closest = a + t[:, None] * ab
    return float(np.linalg.norm(closest, axis=1).min()), float(np.linalg.norm(segments, axis=2).max())


def polar(radius: float, angle_deg: float, z: float) -> np.ndarray:
    """Point at a radius and angle around the Z axis."""
    a = np.radians(angle_deg)
    return np.array([radius * np.cos(a), radius * np.sin(a), z])


def overhang_centroids(mesh: trimesh.Trimesh, limit_deg: float = 46.0) -> np.ndarray:
    """Centroids of faces hanging more than limit_deg from vertical, bed contact excluded."""
    downward = mesh.face_normals[:, 2] < -np.sin(np.radians(limit_deg))
    off_bed = mesh.triangles_center[:, 2] > 1e-3
    # Slivers from the CSG kernel smaller than a nozzle's footprint cannot sag.
    real = mesh.area_faces > 0.05
    return mesh.triangles_center[downward & off_bed & real]


def body_count(mesh: trimesh.Trimesh) -> int:
    """Number of separate pieces (vertex-connected face groups), without scipy."""
    parent = np.arange(len(mesh.vertices))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in mesh.edges_unique:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
    used = np.unique(mesh.faces)
    return len({root(i) for i in used})
