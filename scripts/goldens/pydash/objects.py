"""pydash.objects.get / set_ / omit for dotted paths ("a.b.0.c")."""

_MISSING = object()


def _tokens(path):
    if isinstance(path, (list, tuple)):
        return list(path)
    return str(path).split(".") if path != "" else []


def _child(obj, key):
    if isinstance(obj, dict):
        return obj.get(key, _MISSING)
    if isinstance(obj, (list, tuple)):
        try:
            return obj[int(key)]
        except (ValueError, IndexError):
            return _MISSING
    return getattr(obj, str(key), _MISSING)


def get(obj, path, default=None):
    """The value at `path`, or `default` where any step is missing."""
    current = obj
    for key in _tokens(path):
        if current is None:
            return default
        current = _child(current, key)
        if current is _MISSING:
            return default
    return current


def set_(obj, path, value):
    """Sets the value at `path`, creating dicts for missing levels; returns obj."""
    keys = _tokens(path)
    current = obj
    for key in keys[:-1]:
        nxt = _child(current, key)
        if nxt is _MISSING or nxt is None:
            nxt = {}
            if isinstance(current, dict):
                current[key] = nxt
            else:
                setattr(current, key, nxt)
        current = nxt
    if isinstance(current, dict):
        current[keys[-1]] = value
    elif isinstance(current, list):
        current[int(keys[-1])] = value
    else:
        setattr(current, keys[-1], value)
    return obj


def omit(obj, *paths):
    """A shallow copy of the dict without the given top-level keys."""
    keys = set()
    for p in paths:
        keys.update(p if isinstance(p, (list, tuple, set)) else [p])
    return {k: v for k, v in dict(obj).items() if k not in keys}
