import os

from django.core.asgi import get_asgi_application

from config.env import refuse_to_serve_if_incomplete

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
refuse_to_serve_if_incomplete()
application = get_asgi_application()
