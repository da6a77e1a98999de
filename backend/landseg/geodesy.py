"""How big things are on the ground, in any CRS: scales, pixel sizes, areas and tolerances.

A CRS is *metric* over an extent when its units, times their length in metres, are ground
metres there within :data:`METRIC_TOLERANCE` (UTM zones, national grids): LandSeg then measures
in the plane, as GIS do, and its figures stay what they always were. Elsewhere (Web Mercator,
geographic CRSs, a grid used far from its centre) every size is measured on the CRS's ellipsoid
with pyproj. Nothing else in LandSeg converts degrees or CRS units to metres.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from landseg.errors import InvalidParameterError
from landseg.messages import Message

METRIC_TOLERANCE = 0.002  # linear scale within 0.2 % of 1: planar measures hold within 0.4 %
GRID_TOLERANCE = 0.02  # scale more than 2 % off 1 anywhere: segment on a local metric grid


@dataclass(frozen=True)
class Scale:
    """Ground metres per CRS unit at some points: along x, along y, and m² per unit²."""

    x: np.ndarray
    y: np.ndarray
    areal: np.ndarray


def map_crs(crs: str | CRS) -> CRS:
    """A projected or geographic CRS from what a user typed (EPSG code, WKT, PROJ)."""
    try:
        parsed = CRS.from_user_input(crs)
    except CRSError:
        raise InvalidParameterError(Message("geodesy.crs_unknown", crs=crs)) from None
    if not (parsed.is_projected or parsed.is_geographic):
        raise InvalidParameterError(Message("geodesy.crs_kind", crs=crs))
    return parsed


def _geodetic(crs: CRS) -> CRS:
    """The CRS's geographic base; an engineering or local CRS has none and is refused."""
    geodetic = crs.geodetic_crs
    if geodetic is None or not (crs.is_projected or crs.is_geographic):
        raise InvalidParameterError(Message("geodesy.no_scale", name=crs.name))
    return geodetic


@functools.lru_cache(maxsize=32)
def _to_lonlat(crs: CRS) -> Transformer:
    return Transformer.from_crs(crs, _geodetic(crs), always_xy=True)


def unit_metres(crs: CRS) -> float:
    """The length of one unit of a projected CRS's axes in metres (0.3048 for feet)."""
    return crs.axis_info[0].unit_conversion_factor


def scale_at(crs: CRS, x, y) -> Scale:
    """Ground scale of ``crs`` at the points (``x``, ``y``), from geodesics on its ellipsoid.

    The local Jacobian of the map → ground (east, north) mapping is measured by central
    differences one metre (or 1e-5 degree) wide, so rotation and shear are accounted for.
    """
    x, y = np.atleast_1d(np.asarray(x, dtype=float)), np.atleast_1d(np.asarray(y, dtype=float))
    step = 1e-5 if crs.is_geographic else 1.0 / unit_metres(crs)
    n, half = len(x), step / 2
    lon, lat = _to_lonlat(crs).transform(
        np.concatenate([x - half, x + half, x, x]), np.concatenate([y, y, y - half, y + half])
    )
    geod = _geodetic(crs).get_geod()
    az_x, d_x = _inverse(geod, lon[:n], lat[:n], lon[n : 2 * n], lat[n : 2 * n])
    az_y, d_y = _inverse(geod, lon[2 * n : 3 * n], lat[2 * n : 3 * n], lon[3 * n :], lat[3 * n :])
    az_x, az_y = np.radians(az_x), np.radians(az_y)
    east_x, north_x = d_x * np.sin(az_x), d_x * np.cos(az_x)
    east_y, north_y = d_y * np.sin(az_y), d_y * np.cos(az_y)
    areal = np.abs(east_x * north_y - north_x * east_y) / step**2
    return Scale(d_x / step, d_y / step, areal)


def _inverse(geod, lon0, lat0, lon1, lat1) -> tuple[np.ndarray, np.ndarray]:
    """Azimuths (degrees) and lengths (m) of the geodesics between point arrays."""
    azimuth, _, length = geod.inv(
        *(np.asarray(v, dtype=float).tolist() for v in (lon0, lat0, lon1, lat1))
    )
    return np.asarray(azimuth, dtype=float), np.asarray(length, dtype=float)


def _sample_points(bounds) -> tuple[np.ndarray, np.ndarray]:
    """The corners, edge midpoints and centre of ``bounds`` (left, bottom, right, top)."""
    left, bottom, right, top = bounds
    xs, ys = np.meshgrid([left, (left + right) / 2, right], [bottom, (bottom + top) / 2, top])
    return xs.ravel(), ys.ravel()


def scale_range(crs: CRS, bounds) -> tuple[float, float]:
    """The smallest and largest ratio of ground metres to nominal metres over ``bounds``.

    For a geographic CRS the nominal metre is undefined, and the range is (0, inf).
    """
    if crs.is_geographic:
        return 0.0, float("inf")
    scale = scale_at(crs, *_sample_points(bounds))
    ratios = np.concatenate([scale.x, scale.y]) / unit_metres(crs)
    return float(ratios.min()), float(ratios.max())


def is_metric(crs: CRS, bounds) -> bool:
    """Whether the CRS's (unit-converted) coordinates are ground metres over ``bounds``."""
    low, high = scale_range(crs, bounds)
    return low >= 1 - METRIC_TOLERANCE and high <= 1 + METRIC_TOLERANCE


def needs_metric_grid(crs: CRS, bounds) -> bool:
    """Whether a raster must be read on a local metric grid: geographic, or its scale more
    than :data:`GRID_TOLERANCE` off 1 somewhere (Web Mercator away from the equator)."""
    _geodetic(crs)
    low, high = scale_range(crs, bounds)
    return low < 1 - GRID_TOLERANCE or high > 1 + GRID_TOLERANCE


def pixel_size_m(crs: CRS, transform: Affine, bounds) -> tuple[float, float]:
    """Ground width and height of a pixel of the grid ``transform`` at the centre of
    ``bounds`` (the part of the raster that is processed).

    In a CRS metric over ``bounds`` this is the nominal size (``|a|``, ``|e|`` times the
    unit's length), so figures recorded before stay exactly what they were.
    """
    if not crs.is_geographic and is_metric(crs, bounds):
        metres = unit_metres(crs)
        return abs(transform.a) * metres, abs(transform.e) * metres
    left, bottom, right, top = bounds
    x, y = (left + right) / 2, (bottom + top) / 2
    span = 16  # pixels: long enough that rounding in the coordinates does not matter
    lon, lat = _to_lonlat(crs).transform(
        np.array([x, x + transform.a * span, x + transform.b * span]),
        np.array([y, y + transform.d * span, y + transform.e * span]),
    )
    _, lengths = _inverse(_geodetic(crs).get_geod(), lon[[0, 0]], lat[[0, 0]], lon[1:], lat[1:])
    return float(lengths[0]) / span, float(lengths[1]) / span


def raster_pixel_size_m(src, bounds=None) -> tuple[float, float]:
    """Ground width and height of an open raster's pixels at the centre of ``bounds``
    (default: the raster's)."""
    if src.crs is None:
        raise InvalidParameterError(Message("geodesy.no_crs", name=src.name))
    return pixel_size_m(CRS.from_user_input(src.crs), src.transform, bounds or src.bounds)


def areas_m2(geometries: np.ndarray, crs: CRS) -> np.ndarray:
    """Ground areas in m²: planar in a metric CRS, geodesic in a geographic one, and planar
    times the local areal scale at each geometry's centre elsewhere (exact for polygons small
    against the Earth, as land-cover polygons are)."""
    geometries = np.asarray(geometries, dtype=object)
    if not len(geometries):
        return np.empty(0)
    if crs.is_geographic:
        geod = _geodetic(crs).get_geod()
        return np.array([abs(geod.geometry_area_perimeter(g)[0]) for g in geometries])
    planar = shapely.area(geometries)
    bounds = shapely.total_bounds(geometries)
    if not np.isfinite(bounds).all() or is_metric(crs, bounds):
        return planar * unit_metres(crs) ** 2
    centres = shapely.get_coordinates(shapely.centroid(shapely.envelope(geometries)))
    if len(centres) != len(geometries):  # empty geometries have no centre
        centres = np.array([_centre_or_origin(g) for g in geometries])
    return planar * scale_at(crs, centres[:, 0], centres[:, 1]).areal


def _centre_or_origin(geometry) -> tuple[float, float]:
    if shapely.is_empty(geometry):
        return 0.0, 0.0
    centre = shapely.centroid(shapely.envelope(geometry))
    return centre.x, centre.y


def metres_per_unit(crs: CRS, x: float, y: float) -> float:
    """Ground metres in one unit of ``crs`` near (``x``, ``y``) (mean of both axes): what a
    tolerance in metres is divided by to be applied in the CRS's units."""
    if not crs.is_geographic and is_metric(crs, (x, y, x, y)):
        return unit_metres(crs)
    scale = scale_at(crs, x, y)
    return float((scale.x[0] + scale.y[0]) / 2)


def units_spanning(metres: float, crs: CRS, x: float, y: float) -> tuple[float, float]:
    """The steps along x and along y, in the CRS's units, that span ``metres`` on the ground
    at (``x``, ``y``)."""
    if not crs.is_geographic and is_metric(crs, (x, y, x, y)):
        step = metres / unit_metres(crs)
        return step, step
    scale = scale_at(crs, x, y)
    return metres / float(scale.x[0]), metres / float(scale.y[0])


def utm_code(crs: CRS, bounds) -> str:
    """The WGS 84 UTM zone at the centre of ``bounds``, as "EPSG:326NN" (north) or "327NN"."""
    west, south, east, north = _lonlat_bounds(crs, bounds)
    return _utm_zone((west + east) / 2, (south + north) / 2)[0]


def _utm_zone(lon: float, lat: float) -> tuple[str, float]:
    """The UTM zone's EPSG code and central meridian at (``lon``, ``lat``)."""
    zone = min(int((lon + 180) // 6) + 1, 60)
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}", zone * 6 - 183.0


def local_metric_crs(crs: CRS, bounds) -> CRS:
    """The UTM zone to segment ``bounds`` of a non-metric raster on (true scale within 0.1 %
    inside the zone, and within :data:`GRID_TOLERANCE` a few degrees beyond it).

    Raises:
        InvalidParameterError: The extent crosses the antimeridian, reaches the polar
            regions, or is too wide for one zone to hold within :data:`GRID_TOLERANCE`.
    """
    west, south, east, north = _lonlat_bounds(crs, bounds)
    if north > 84 or south < -80:
        raise InvalidParameterError(Message("geodesy.polar"))
    code, meridian = _utm_zone((west + east) / 2, (south + north) / 2)
    widest = np.radians(max(east - meridian, meridian - west))
    nearest_equator = 0.0 if south * north <= 0 else min(abs(south), abs(north))
    if (widest * np.cos(np.radians(nearest_equator))) ** 2 / 2 > GRID_TOLERANCE:
        span = f"{east - west:.1f}"
        raise InvalidParameterError(Message("geodesy.too_wide", span=span))
    return CRS.from_user_input(code)


def _lonlat_bounds(crs: CRS, bounds) -> tuple[float, float, float, float]:
    """West, south, east, north of ``bounds``; refuses an extent across the antimeridian."""
    left, bottom, right, top = bounds
    xs = np.concatenate([np.linspace(left, right, 21), np.full(21, right)])
    ys = np.concatenate([np.full(21, bottom), np.linspace(bottom, top, 21)])
    xs = np.concatenate([xs, np.linspace(left, right, 21), np.full(21, left)])
    ys = np.concatenate([ys, np.full(21, top), np.linspace(bottom, top, 21)])
    try:
        lon, lat = _to_lonlat(crs).transform(xs, ys, errcheck=True)
    except ProjError:
        lon = lat = np.array([np.inf])
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        extent = ", ".join(f"{b:.6g}" for b in bounds)
        raise InvalidParameterError(Message("geodesy.outside_crs", extent=extent))
    west, east = float(lon.min()), float(lon.max())
    if west < -180 or east > 180 or (east - west > 180):
        raise InvalidParameterError(Message("geodesy.antimeridian"))
    return west, float(lat.min()), east, float(lat.max())
