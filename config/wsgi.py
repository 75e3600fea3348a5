import os

from django.core.wsgi import get_wsgi_application

from config.env import refuse_to_serve_if_incomplete

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
refuse_to_serve_if_incomplete()
application = get_wsgi_application()
