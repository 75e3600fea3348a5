"""What Django REST framework and drf-spectacular load by name from the settings.

The JSON parser with a depth limit (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]), the schema class
and its hook (DEFAULT_SCHEMA_CLASS, SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) and the token
authentication with its OpenAPI scheme (DEFAULT_AUTHENTICATION_CLASSES). They sit in config, the
one place besides the API adapters (`*/apis.py`, core/api.py) that imports DRF, each in a module of
its own: DRF imports them while it builds APIView and GenericAPIView, so none of them may import
rest_framework.views, core.api or an apis module (that would be an import cycle), and the parser
must not import drf_spectacular.openapi (which imports rest_framework.generics).
"""
