"""The OpenAPI schema generator class, REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"], and its hook.

A module of its own because DRF imports it while loading its settings: it must not import
core.apis (whose views read the setting at import) nor be imported by core.api (which DRF loads
as the pagination class while drf_spectacular.openapi is still being imported).
"""

from drf_spectacular import openapi


class AutoSchema(openapi.AutoSchema):
    """Name a view's nested serializers after the view, so that every view may have its own
    InputSerializer and OutputSerializer: TokenObtainApi.OutputSerializer becomes TokenObtainOutput.
    """

    def get_serializer_name(self, serializer, direction):
        outer, _, inner = type(serializer).__qualname__.rpartition(".")
        if outer and "<locals>" not in outer:
            view_name = outer.rpartition(".")[2]
            return view_name.removesuffix("Api").removesuffix("View") + inner
        return super().get_serializer_name(serializer, direction)


def bound_path_ids(result, generator, request, public):
    """Give every integer path parameter the bounds of an id column.

    Django answers a lookup beyond a column's range as "no row" (a 404), so the bounds are what the
    API does; saying them keeps clients and the fuzzer to ids that can exist.
    """
    from core.ids import MAX_ID

    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.setdefault("minimum", 1)
                    schema.setdefault("maximum", MAX_ID)
    return result
