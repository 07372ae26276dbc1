"""The public representation of each record: what readers download (and what the API serves).

Built for readers, not from the admin's import columns: stable English snake_case keys whatever
the page language, typed values (numbers, booleans, ISO dates), names in Russian, English and
Kazakh, related records as {slug, name, url} (countries as {code, name}), parties with their
regions, and every record's quotes with their sources. Nothing staff-only: no publication flag,
no staff notes. Serialize querysets from `registry.public`, which carry only published relations.
"""

from rest_framework import serializers

from . import citing, models


class SiteRequest:
    """What the serializers ask of a request, for links written outside one (a dump, a download
    written apart from its request): the site's address in front of each path."""

    def __init__(self, site_url):
        self.site_url = site_url.rstrip("/")

    def build_absolute_uri(self, path):
        return self.site_url + path


def absolute(serializer, path):
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


class ChoiceLabelField(serializers.CharField):
    """The label of a choice in the reader's language (the record's get_<field>_display()).

    As `source="get_…_display"`, DRF would inspect the method's signature on every row to learn it
    may call it (a tenth of a download's time); given the record itself, it calls it directly.
    """

    def __init__(self, choice_field, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)
        self.choice_field = choice_field

    def to_representation(self, record):
        return getattr(record, f"get_{self.choice_field}_display")()


class LinkSerializer(serializers.Serializer):
    """Another public record, by its code, its name in the page language and its page."""

    slug = serializers.CharField()
    name = serializers.CharField(source="display_name")
    url = serializers.SerializerMethodField()

    def get_url(self, record) -> str:
        return absolute(self, record.get_absolute_url())


class CountryRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class RegionRefSerializer(serializers.Serializer):
    name = serializers.CharField(source="label")
    country_code = serializers.CharField(source="country.code")


class FieldRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CitationSerializer(serializers.Serializer):
    quote = serializers.CharField()
    note = serializers.CharField()
    source_title = serializers.CharField(source="source.title")
    source_publisher = serializers.CharField(source="source.publisher")
    source_published_on = serializers.DateField(source="source.published_on")
    source_url = serializers.SerializerMethodField(help_text="The source's page in the registry.")
    source_original_url = serializers.CharField(source="source.url")

    def get_source_url(self, citation) -> str:
        return absolute(self, citation.source.get_absolute_url())


class PartySerializer(serializers.Serializer):
    """An institution from the registry, or a group named in words with its country and regions."""

    name = serializers.CharField(source="display_name")
    institution = LinkSerializer(allow_null=True)
    description = serializers.CharField()
    country = CountryRefSerializer(allow_null=True)
    regions = RegionRefSerializer(many=True)
    role = serializers.CharField()


class StatusStepSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_label = ChoiceLabelField("status")
    date = serializers.DateField()
    date_meaning = serializers.CharField(help_text="happened_on, or reported_on: the state as of that date.")
    source = LinkSerializer(allow_null=True)
    note = serializers.CharField()


class PublicRecordSerializer(serializers.ModelSerializer):
    """What every public record has: its code, page, quotes and real timestamps."""

    url = serializers.SerializerMethodField()
    citations = CitationSerializer(many=True, read_only=True)
    how_to_cite = serializers.SerializerMethodField(
        help_text="Registry name, record title, permanent URL, date accessed and the data licence."
    )

    def get_field_names(self, declared_fields, info):
        return [*super().get_field_names(declared_fields, info), "how_to_cite"]

    def get_url(self, record) -> str:
        return absolute(self, record.get_absolute_url())

    def get_how_to_cite(self, record) -> str:
        return citing.how_to_cite(record, self.get_url(record), self.context.get("accessed"))


class CountrySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = models.Country
        fields = ["code", "name", "name_ru", "name_en"]


class RegionSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="label", read_only=True)
    name_ru = serializers.CharField(source="name", read_only=True)
    kind_label = ChoiceLabelField("kind")
    country = CountryRefSerializer(read_only=True)

    class Meta:
        model = models.Region
        fields = ["name", "name_ru", "name_en", "kind", "kind_label", "country"]


class FieldOfStudySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = models.FieldOfStudy
        fields = ["code", "name", "name_ru", "name_en"]


class InstitutionSerializer(PublicRecordSerializer):
    official_name = serializers.CharField(source="name")
    name = serializers.CharField(source="display_name")
    acronyms = serializers.ListField(source="acronym_list", child=serializers.CharField())
    aliases = serializers.SerializerMethodField()
    kind_label = ChoiceLabelField("kind")
    country = CountryRefSerializer()
    region = RegionRefSerializer(allow_null=True)
    # Empty when unknown, so no pattern in the schema.
    ror_id = serializers.CharField(
        help_text="ROR id, e.g. 010pmpe69 (https://ror.org/010pmpe69); empty if none."
    )
    wikidata_id = serializers.CharField(help_text="Wikidata item, e.g. Q13164; empty if none.")
    reference_fields = serializers.SerializerMethodField(
        help_text="Fields from general knowledge (справочные данные), not from the cited sources."
    )

    class Meta:
        model = models.Institution
        fields = [
            "slug",
            "url",
            "name",
            "official_name",
            "name_ru",
            "name_en",
            "name_kk",
            "acronyms",
            "aliases",
            "kind",
            "kind_label",
            "country",
            "region",
            "city",
            "website",
            "ror_id",
            "wikidata_id",
            "founded_year",
            "is_active",
            "reference_fields",
            "citations",
            "created_at",
            "updated_at",
        ]

    def get_aliases(self, institution) -> list[str]:
        return [line.strip() for line in institution.aliases.splitlines() if line.strip()]

    def get_reference_fields(self, institution) -> list[str]:
        return [name for name in models.Institution.REFERENCE_FIELDS if getattr(institution, name)]


class BranchSerializer(PublicRecordSerializer):
    name = serializers.CharField(source="display_name")
    name_ru = serializers.CharField(source="name")
    institution = LinkSerializer()
    country = CountryRefSerializer()
    region = RegionRefSerializer(allow_null=True)
    status_label = ChoiceLabelField("status")
    fields = FieldRefSerializer(many=True)

    class Meta:
        model = models.Branch
        fields = [
            "slug",
            "url",
            "name",
            "name_ru",
            "name_en",
            "name_is_descriptive",
            "institution",
            "country",
            "region",
            "city",
            "status",
            "status_label",
            "opened_year",
            "fields",
            "citations",
            "created_at",
            "updated_at",
        ]


class UndertakingSerializer(PublicRecordSerializer):
    title = serializers.CharField(source="display_name")
    title_ru = serializers.CharField(source="title")
    kind_label = ChoiceLabelField("kind")
    status_label = ChoiceLabelField("status")
    fields = FieldRefSerializer(many=True)
    fields_wording = serializers.CharField(
        help_text="The source's own words; the ISCED-F fields are assigned by the registry."
    )
    status_history = StatusStepSerializer(source="status_steps", many=True)

    #: Shared by agreements and programmes, in this order, around each one's own fields.
    head = ["slug", "url", "title", "title_ru", "title_en", "kind", "kind_label", "status", "status_label"]
    tail = ["fields", "fields_wording", "status_history", "citations", "created_at", "updated_at"]


class AgreementSerializer(UndertakingSerializer):
    parties = PartySerializer(many=True)

    class Meta:
        model = models.Agreement
        fields = [
            *UndertakingSerializer.head,
            "agreed_on",
            "signed_on",
            "valid_from",
            "valid_until",
            "parties",
            *UndertakingSerializer.tail,
        ]


class ProgrammeSerializer(UndertakingSerializer):
    participants = PartySerializer(many=True)
    modelled_on = LinkSerializer(allow_null=True)
    target_countries = CountryRefSerializer(many=True)
    target_regions = RegionRefSerializer(many=True)

    class Meta:
        model = models.Programme
        fields = [
            *UndertakingSerializer.head,
            "proposed_by",
            "proposed_at",
            "proposed_on",
            "modelled_on",
            "target_countries",
            "target_regions",
            "aim",
            "participants",
            *UndertakingSerializer.tail,
        ]


class IndicatorSerializer(PublicRecordSerializer):
    title = serializers.CharField(source="display_name")
    title_ru = serializers.CharField(source="title")
    value = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False, allow_null=True)
    countries = CountryRefSerializer(many=True)
    regions = RegionRefSerializer(many=True)
    institution_kinds = serializers.ListField(source="kind_list", child=serializers.CharField())

    class Meta:
        model = models.Indicator
        fields = [
            "slug",
            "url",
            "title",
            "title_ru",
            "title_en",
            "value",
            "is_approximate",
            "unit",
            "statement",
            "as_of",
            "countries",
            "regions",
            "institution_kinds",
            "citations",
            "created_at",
            "updated_at",
        ]


class SourceSerializer(PublicRecordSerializer):
    original_url = serializers.CharField(source="url")

    class Meta:
        model = models.Source
        fields = [
            "slug",
            "url",
            "publisher",
            "title",
            "published_on",
            "place",
            "language",
            "original_url",
            "text",
            "created_at",
            "updated_at",
        ]


#: The serializer of each model with public pages.
SERIALIZERS = {
    models.Institution: InstitutionSerializer,
    models.Branch: BranchSerializer,
    models.Agreement: AgreementSerializer,
    models.Programme: ProgrammeSerializer,
    models.Indicator: IndicatorSerializer,
    models.Source: SourceSerializer,
    models.Country: CountrySerializer,
    models.Region: RegionSerializer,
    models.FieldOfStudy: FieldOfStudySerializer,
}
