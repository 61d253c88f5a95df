"""Per-model flag help: each setting of a model, its default, and where the default comes from.

The "where" is the source comment beside the setting's field in the model's config dataclass
(house style: every default's comment cites its paper section or code), read from the source
with ``tokenize`` and ``ast``, so the help cannot drift from the code: the comment lines
directly above a field and the comment at the end of its line, joined. A subclass that declares
a field again gives it its own comment; where it has none, the base's comment stands only if the
default is the base's too (otherwise the base's comment would cite another value), else the
field shows "(no source comment)".

Used by ``tfgan-latent models --model=NAME``, ``tfgan-latent train --model=NAME --helpshort`` and
the flags' ``--helpfull`` texts.
"""
import ast
import dataclasses
import functools
import inspect
import io
import textwrap
import tokenize

__all__ = ["field_comments", "flag_value", "flags_table", "model_flags_help"]


def _own_field_comments(cls):
    """``{field: comment}`` of the fields declared in ``cls``'s own body ({} without source)."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):  # no source (a frozen install): no comments
        return {}
    lines = source.splitlines()
    comments = {}  # line number → (comment text, whether the line holds only the comment)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            row, col = tok.start
            comments[row] = (tok.string.lstrip("#").strip(), not lines[row - 1][:col].strip())
    result = {}
    for node in ast.parse(source).body[0].body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            block, row = [], node.lineno - 1
            while row in comments and comments[row][1]:
                block.insert(0, comments[row][0])
                row -= 1
            trailing = [comments[r][0] for r in range(node.lineno, node.end_lineno + 1)
                        if r in comments and not comments[r][1]]
            result[node.target.id] = " ".join(block + trailing)
    return result


@functools.lru_cache(maxsize=None)
def field_comments(cls):
    """``{field: source comment}`` of a config dataclass (module docstring: which declaration's)."""
    result, defaults = {}, {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        own = _own_field_comments(klass)
        fields = {f.name: f.default for f in dataclasses.fields(klass)}
        for name, comment in own.items():
            keep = not comment and name in result and defaults.get(name) == fields.get(name)
            result[name] = result[name] if keep else comment
            defaults[name] = fields.get(name)
    return result


def flag_value(value):
    """``value`` as it is written on the command line (``--name=<this>``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, str):
        return value if value else '""'
    return repr(value)


def flags_table(cls):
    """``  --flag=default  source`` lines, one per field of the config dataclass ``cls``."""
    comments = field_comments(cls)
    rows = [(f"--{f.name}={flag_value(f.default)}", comments.get(f.name, ""))
            for f in dataclasses.fields(cls)]
    width = min(max(len(flag) for flag, _ in rows), 36)
    return [f"  {flag:{width}s}  {comment or '(no source comment)'}" for flag, comment in rows]


def model_flags_help(name):
    """The flags of ``--model=name``: ``--flag=default  source`` per setting of its config."""
    from tfgan_latent.train import registry

    spec = registry.get_model_spec(name)
    cls = spec.config_cls
    return "\n".join([f"--model={name}: {spec.description}",
                      f"its {len(dataclasses.fields(cls))} flags (--flag=default, then the source "
                      f"of the default; {cls.__module__}.{cls.__name__}):", *flags_table(cls)])
