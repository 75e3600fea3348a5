"""Walks over the code of the apps: every module imported, every subclass of a class found."""

import importlib
import pkgutil
from pathlib import Path

from django.urls import get_resolver

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "organisation", "documents", "cases", "jurisdiction", "bulletins", "meetings")


def import_everything():
    """Import every module of the apps, so that every form and filter set class exists."""
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in module.name or ".management" in module.name:
                continue
            importlib.import_module(module.name)
    get_resolver().url_patterns  # noqa: B018 (load the URLconf: every view module)


def subclasses(cls):
    """Yield every subclass of `cls`, at any depth."""
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def ours(cls) -> bool:
    """Tell whether the class is defined in one of the apps."""
    return cls.__module__.split(".")[0] in APPS
