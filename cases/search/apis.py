"""API of cross-province search: GET /api/v1/search/?kind=&q=&purpose_case=&purpose= (issue 7).

The search itself, its purpose check, rate limit and audit are cases.search.services.search; this view only
reads the query string and shapes the answer. 400 names `purpose` when no purpose is stated, 429
(with Retry-After) when the user searched too often.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.search.services import SearchKind, SearchRateLimited, search
from core.api import ApiError, IdField, error_responses
from core.ids import MAX_ID
from organisation.apis import CaseDataAccess


class SearchQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SearchKind.choices, help_text=_("What the query is."))
    q = serializers.CharField(
        max_length=64, help_text=_("The identity number, name, phone, account or case number.")
    )
    purpose_case = IdField(
        required=False, allow_null=True, help_text=_("Id of a case of yours that the search serves.")
    )
    purpose = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        help_text=_("The reason for the search, at least 4 characters; required without purpose_case."),
    )


class SearchHitSerializer(serializers.Serializer):
    """One case found; which fields it has depends on `hit_class` (DESIGN.md, Visibility)."""

    id = serializers.IntegerField()
    hit_class = serializers.ChoiceField(
        choices=[("full", "full"), ("summary", "summary"), ("minimal", "minimal")],
        help_text=_(
            "full: a case you may see; summary: another normal case (number, name, offence, unit); "
            "minimal: an internal case (number and unit only)."
        ),
    )
    number = serializers.CharField()
    unit_code = serializers.CharField(help_text=_("Division code of the owning unit."))
    unit_name = serializers.CharField()
    name = serializers.CharField(required=False, help_text=_("full and summary hits."))
    offence = serializers.CharField(required=False, help_text=_("full and summary hits."))
    state = serializers.CharField(required=False, help_text=_("full hits."))
    state_label = serializers.CharField(required=False, help_text=_("full hits."))
    handling_code = serializers.CharField(required=False, help_text=_("full hits."))
    persons = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("full hits: names of the matching persons."),
    )
    url = serializers.CharField(required=False, help_text=_("full hits: the case page."))
    request_access_url = serializers.CharField(
        required=False, help_text=_("summary and minimal hits: the page to ask the owning unit for access.")
    )
    request_access_token = serializers.CharField(
        required=False,
        help_text=_(
            "summary and minimal hits: pass as `hit` to POST /api/v1/access-requests/; yours alone, "
            "valid for an hour."
        ),
    )


class SearchCountsSerializer(serializers.Serializer):
    full = serializers.IntegerField()
    summary = serializers.IntegerField()
    minimal = serializers.IntegerField()


class SearchResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    query = serializers.CharField(help_text=_("The query as normalised and searched."))
    truncated = serializers.BooleanField(
        help_text=_("More cases matched than the 50 shown; narrow the query.")
    )
    counts = SearchCountsSerializer()
    results = SearchHitSerializer(many=True)


class SearchApi(APIView):
    """Search the six regions' cases by identity number, name, phone, bank account or case number."""

    permission_classes = [CaseDataAccess]

    @extend_schema(
        operation_id="search",
        tags=["search"],
        # Plain parameters, not the serializer: its `kind` choices would become a shared enum
        # component whose name collides with other `kind` enums.
        parameters=[
            OpenApiParameter(
                "kind", str, required=True, enum=list(SearchKind.values), description=_("What the query is.")
            ),
            OpenApiParameter(
                "q",
                str,
                required=True,
                description=_("The identity number, name, phone, account or case number."),
            ),
            OpenApiParameter(
                "purpose_case",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                description=_("Id of a case of yours that the search serves."),
            ),
            OpenApiParameter(
                "purpose",
                str,
                description=_(
                    "The reason for the search, at least 4 characters; required without purpose_case."
                ),
            ),
        ],
        responses={200: SearchResultSerializer, **error_responses(400, 401, 403, 429)},
    )
    def get(self, request):
        data = SearchQuerySerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            result = search(
                by=request.user,
                kind=values["kind"],
                query=values["q"],
                purpose_case=values.get("purpose_case"),
                purpose_text=values["purpose"],
            )
        except SearchRateLimited as limited:
            raise ApiError(
                limited.message, code=limited.code, status_code=limited.status_code, retry_after=limited.wait
            ) from None
        return Response(
            {
                "kind": result.kind,
                "query": result.query,
                "truncated": result.truncated,
                "counts": result.counts,
                "results": result.hits,
            }
        )
