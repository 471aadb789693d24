"""The three pydash functions azure-ai-ml 1.4.0 uses (get, set_, omit), for `npm run goldens` only.

Debian's python3-azure ships azure-ai-ml without its pydash dependency; these follow pydash's
documented behaviour for the calls azure-ai-ml makes (dotted paths over dicts, lists and objects).
"""
from . import objects
from .objects import get, omit, set_

__all__ = ["get", "set_", "omit", "objects"]
