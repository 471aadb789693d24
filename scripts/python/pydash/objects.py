"""pydash.objects: the same get, set_ and omit (azure-ai-ml imports set_ from here)."""
from . import get, omit, set_

__all__ = ["get", "set_", "omit"]
