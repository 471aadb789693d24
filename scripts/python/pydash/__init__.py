"""A stand-in for the three pydash functions azure-ai-ml 1.4.0 uses (get, set_, omit).

Debian's python3-azure ships azure-ai-ml without its pydash dependency; the peer tests (`npm run test:peers`)
and `npm run goldens` put scripts/python on PYTHONPATH instead of installing anything. Paths are pydash's: "a.b[0].c" or a list of keys.
"""
import re

__all__ = ["get", "set_", "omit", "objects"]

_MISSING = object()


def _keys(path):
    if isinstance(path, (list, tuple)):
        return list(path)
    keys = []
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", str(path)):
        keys.append(int(part[1:-1]) if part.startswith("[") else part)
    return keys


def _child(obj, key):
    if isinstance(obj, dict):
        return obj.get(key, obj.get(str(key), _MISSING)) if key in obj or str(key) in obj else _MISSING
    if isinstance(obj, (list, tuple)):
        try:
            return obj[int(key)]
        except (ValueError, IndexError):
            return _MISSING
    return getattr(obj, str(key), _MISSING)


def get(obj, path, default=None):
    """The value at path, or default when any step is missing."""
    current = obj
    for key in _keys(path):
        current = _child(current, key)
        if current is _MISSING:
            return default
    return current


def set_(obj, path, value):
    """Sets the value at path, creating dicts (or lists for integer keys) on the way; returns obj."""
    keys = _keys(path)
    current = obj
    for index, key in enumerate(keys):
        last = index == len(keys) - 1
        if isinstance(current, list):
            key = int(key)
            while len(current) <= key:
                current.append(None)
            if last:
                current[key] = value
            else:
                if current[key] is None:
                    current[key] = [] if isinstance(keys[index + 1], int) else {}
                current = current[key]
        elif isinstance(current, dict):
            if last:
                current[key] = value
            else:
                if current.get(key) is None:
                    current[key] = [] if isinstance(keys[index + 1], int) else {}
                current = current[key]
        else:
            if last:
                setattr(current, key, value)
            else:
                current = getattr(current, key)
    return obj


def omit(obj, *paths):
    """A shallow copy of the dict without the given keys (pydash also accepts lists of keys)."""
    names = set()
    for path in paths:
        if isinstance(path, (list, tuple, set)):
            names.update(path)
        else:
            names.add(path)
    return {key: value for key, value in dict(obj).items() if key not in names}


from . import objects  # noqa: E402  (pydash.objects re-exports the same functions)
