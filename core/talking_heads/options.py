"""One definition per option: the options of a job or a configuration are the fields of a
dataclass, each declared once with its type, default, help and limits:

    @dataclass
    class Job(Options):
        fps: float | None = option(None, help="output frame rate; default: the driver's", above=0, at_most=240)

Everything else is derived from that declaration:

    add_arguments(parser, Job)   argparse options: flags, defaults, help, the same checks
    from_args(Job, args)         the job from parsed arguments; with `base=saved` (and add_arguments(...,
                                 only_given=True)) `saved` changed by the flags the user gave: a resumed run
    Job.from_dict(data)          the strict reader of JSON (worker jobs, saved configurations)
    from_keys(Job, table)        the strict reader of flat keys named like the flags (a shot list)
    job.to_dict()                JSON values that from_dict reads back to an equal object
    check(job)                   every field's type and limits, for objects made in Python

Unknown keys, missing required keys, wrong types, NaN or infinite numbers and values outside the
limits are `InputError`s that name the option. Nested dataclass fields are read from nested
objects; with `flatten=True` their fields are also top-level flags and keys.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import MISSING, dataclass, field
from pathlib import Path, PurePath
from typing import Any, TypeVar

from talking_heads.errors import InputError

T = TypeVar("T")


@dataclass(frozen=True)
class Spec:
    """What a field declares beyond its type and default."""

    help: str = ""
    flag: str | None = None  # long flag and shot-list key when it differs from the field name ("batch")
    short: str | None = None  # a short flag ("-o")
    negative: str | None = None  # flag that sets a bool option to False (default: "no-FLAG")
    choices: tuple | None = None
    at_least: float | None = None
    above: float | None = None
    at_most: float | None = None
    parse: Callable[[str], Any] | None = None  # text -> value, for flags and text in a shot list
    check: Callable[[Any], str | None] | None = None  # value -> what is wrong with it, or None
    metavar: str | None = None
    positional: bool = False
    cli: bool = True  # False: not a command-line flag nor a shot-list key
    flatten: bool = False  # a nested dataclass whose fields are top-level flags and keys


def option(default: Any = MISSING, *, default_factory: Any = MISSING, **spec: Any) -> Any:
    """A dataclass field with its option declaration (see Spec)."""
    return field(default=default, default_factory=default_factory, metadata={"option": Spec(**spec)})


def spec_of(item: dataclasses.Field) -> Spec:
    return item.metadata.get("option", Spec())


class Options:
    """Mixin of option dataclasses: `to_dict()` and the strict `from_dict()`."""

    def to_dict(self) -> dict:
        return to_dict(self)

    @classmethod
    def from_dict(cls: type[T], data: Any) -> T:
        return from_dict(cls, data)


# -- reading values ------------------------------------------------------------------------------


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def describe(hint: Any) -> str:
    """A type in words, for error messages."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join("null" if a is type(None) else describe(a) for a in args)
    if origin is list:
        return f"a list of {describe(args[0]).removeprefix('a ').removeprefix('an ')}s"
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a list of {describe(args[0]).removeprefix('a ').removeprefix('an ')}s"
        return f"a list of {len(args)} {describe(args[0]).removeprefix('a ').removeprefix('an ')}s"
    if dataclasses.is_dataclass(hint):
        return "an object"
    return {bool: "true or false", int: "a whole number", float: "a number", str: "a text",
            Path: "a path"}.get(hint, getattr(hint, "__name__", str(hint)))


def convert(value: Any, hint: Any, spec: Spec, label: str, *, lenient: bool = False) -> Any:
    """`value` as the type `hint`, checked against the spec's limits; InputError naming `label`.
    `lenient` (shot lists, written by hand): a single value where a list is expected is a list
    of one, and text is read by the spec's `parse`."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        others = [a for a in args if a is not type(None)]
        if len(others) == 1:
            return convert(value, others[0], spec, label, lenient=lenient)
        raise TypeError(f"unsupported option type {hint}")  # a declaration error, not a user error
    if isinstance(value, str) and spec.parse is not None and hint is not str:
        try:
            value = spec.parse(value)
        except (ValueError, argparse.ArgumentTypeError) as error:
            raise InputError(f"{label}: {error}") from None
    result = _convert_type(value, hint, spec, label, lenient)
    _check_limits(result, spec, label)
    return result


def _wrong(label: str, hint: Any, value: Any) -> InputError:
    shown = "null" if value is None else repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return InputError(f"{label} must be {describe(hint)}, got {shown}")


def _convert_type(value: Any, hint: Any, spec: Spec, label: str, lenient: bool) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise _wrong(label, hint, value)
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(label, hint, value)
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong(label, hint, value)
        if not math.isfinite(value):
            raise InputError(f"{label} must be a finite number, got {value}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise _wrong(label, hint, value)
        return value
    if hint is Path:
        if not isinstance(value, (str, PurePath)) or not str(value) or "\0" in str(value):
            raise _wrong(label, hint, value)
        return Path(value)
    if dataclasses.is_dataclass(hint):
        if isinstance(value, hint):
            check(value, prefix=f"{label}.")
            return value
        if not isinstance(value, dict):
            raise _wrong(label, hint, value)
        return _from_dict(hint, value, f"{label}.")
    if origin is list or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        if lenient and not isinstance(value, (list, tuple)):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise _wrong(label, hint, value)
        items = [convert(item, args[0], Spec(), f"{label}[{i}]") for i, item in enumerate(value)]
        return items if origin is list else tuple(items)
    if origin is tuple:
        if not isinstance(value, (list, tuple)) or len(value) != len(args):
            raise _wrong(label, hint, value)
        return tuple(convert(item, a, Spec(), f"{label}[{i}]") for i, (item, a) in enumerate(zip(value, args)))
    raise TypeError(f"unsupported option type {hint}")


def _check_limits(value: Any, spec: Spec, label: str) -> None:
    if value is None:
        return
    if spec.choices is not None and value not in spec.choices:
        raise InputError(f"{label} must be one of {', '.join(map(str, spec.choices))}, got {value!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if spec.at_least is not None and value < spec.at_least:
            raise InputError(f"{label} must be at least {spec.at_least:g}, got {value:g}")
        if spec.above is not None and value <= spec.above:
            raise InputError(f"{label} must be above {spec.above:g}, got {value:g}")
        if spec.at_most is not None and value > spec.at_most:
            raise InputError(f"{label} must be at most {spec.at_most:g}, got {value:g}")
    if spec.check is not None and (problem := spec.check(value)):
        raise InputError(f"{label}: {problem}")


# -- whole objects -------------------------------------------------------------------------------


def from_dict(cls: type[T], data: Any) -> T:
    """The strict reader: `data` (parsed JSON) as a `cls`; InputError naming the field on any problem."""
    return _from_dict(cls, data, "")


def _from_dict(cls: type[T], data: Any, prefix: str) -> T:
    if not isinstance(data, dict):
        raise InputError(f"{prefix.rstrip('.') or cls.__name__} must be an object, got {type(data).__name__}")
    fields = {item.name: item for item in dataclasses.fields(cls) if item.init}
    unknown = sorted(str(key) for key in data if key not in fields)
    if unknown:
        raise InputError(f"unknown option{'s' if len(unknown) > 1 else ''} {', '.join(prefix + k for k in unknown)}; "
                         f"known: {', '.join(fields)}")
    hints = _hints(cls)
    values = {}
    for name, item in fields.items():
        if name in data:
            values[name] = convert(data[name], hints[name], spec_of(item), prefix + name)
        elif item.default is MISSING and item.default_factory is MISSING:
            raise InputError(f"{prefix}{name} is missing: {spec_of(item).help or describe(hints[name])}")
    return _construct(cls, values)


def _construct(cls: type[T], values: dict) -> T:
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:  # a __post_init__'s own check
        raise InputError(f"{cls.__name__}: {error}") from None


def check(obj: Any, prefix: str = "") -> None:
    """Every field of an option dataclass made in Python: type and limits (InputError naming it)."""
    hints = _hints(type(obj))
    for item in dataclasses.fields(obj):
        convert(getattr(obj, item.name), hints[item.name], spec_of(item), prefix + item.name)


def to_dict(obj: Any) -> Any:
    """JSON values of an option dataclass (nested ones included); `from_dict` reads them back."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {item.name: to_dict(getattr(obj, item.name)) for item in dataclasses.fields(obj)}
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, (list, tuple)):
        return [to_dict(item) for item in obj]
    if isinstance(obj, dict):
        return {key: to_dict(value) for key, value in obj.items()}
    return obj


# -- flags and flat keys -------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    """One command-line option / shot-list key of a field, nested ones flattened."""

    path: tuple[str, ...]  # field names from the outer dataclass down
    hint: Any
    spec: Spec
    default: Any  # MISSING when required

    @property
    def name(self) -> str:
        """The flag without dashes ("head-motion")."""
        return self.spec.flag or self.path[-1].replace("_", "-")

    @property
    def key(self) -> str:
        """The shot-list key and argparse dest ("head_motion")."""
        return self.name.replace("-", "_")

    @property
    def negative_key(self) -> str | None:
        if _base(self.hint) is not bool:
            return None
        return (self.spec.negative or f"no-{self.name}").replace("-", "_")


def _base(hint: Any) -> Any:
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        return next(a for a in args if a is not type(None))
    return hint


def flags(cls: type, path: tuple[str, ...] = ()) -> Iterator[Flag]:
    """The command-line options of `cls`, in declaration order; nested `flatten` fields expanded."""
    hints = _hints(cls)
    for item in dataclasses.fields(cls):
        spec = spec_of(item)
        if not spec.cli or not item.init:
            continue
        if spec.flatten:
            yield from flags(hints[item.name], path + (item.name,))
            continue
        default = item.default if item.default_factory is MISSING else item.default_factory()
        yield Flag(path + (item.name,), hints[item.name], spec, default)


def _nest(values: dict[tuple[str, ...], Any]) -> dict:
    nested: dict = {}
    for path, value in values.items():
        target = nested
        for name in path[:-1]:
            target = target.setdefault(name, {})
        target[path[-1]] = value
    return nested


def from_keys(cls: type[T], table: dict, *, where: str = "") -> T:
    """A `cls` from flat keys named like its flags (`head_motion`, `batch`, `no_follow_scale`),
    as in a shot list; text is read as on the command line. InputError naming the key."""
    by_key = {flag.key: flag for flag in flags(cls)}
    negatives = {flag.negative_key: flag for flag in flags(cls) if flag.negative_key}
    unknown = sorted(str(key) for key in table if key not in by_key and key not in negatives)
    if unknown:
        raise InputError(f"{where}unknown option{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                         f"known: {', '.join(by_key)}")
    values: dict[tuple[str, ...], Any] = {}
    for key, value in table.items():
        flag = by_key.get(key) or negatives[key]
        converted = convert(value, flag.hint, flag.spec, f"{where}{key}", lenient=True)
        values[flag.path] = converted if key in by_key else not converted
    missing = [flag.key for flag in by_key.values() if flag.default is MISSING and flag.path not in values]
    if missing:
        raise InputError(f"{where}missing {', '.join(missing)}")
    return _construct_nested(cls, _nest(values))


def _construct_nested(cls: type[T], values: dict, base: Any = None) -> T:
    """A `cls` from nested field values; fields not in `values` are `base`'s (None: the defaults)."""
    hints = _hints(cls)
    for name, value in list(values.items()):
        if isinstance(value, dict) and dataclasses.is_dataclass(hints[name]):
            values[name] = _construct_nested(hints[name], value, None if base is None else getattr(base, name))
    if base is not None:
        values = {**{item.name: getattr(base, item.name) for item in dataclasses.fields(base) if item.init}, **values}
    return _construct(cls, values)


def add_arguments(parser: argparse.ArgumentParser, cls: type, *, exclude: tuple[str, ...] = (),
                  only_given: bool = False) -> None:
    """argparse options of `cls`'s fields (their keys in `exclude` left out), checked as from_dict checks.
    `only_given`: a flag the user did not give is absent from the parsed arguments rather than set to
    its default (its help still names the default), so that `from_args(..., base=...)` keeps base's value."""
    for flag in flags(cls):
        if flag.key not in exclude:
            _add_argument(parser, flag, only_given)


def _add_argument(parser: argparse.ArgumentParser, flag: Flag, only_given: bool) -> None:
    base, spec = _base(flag.hint), flag.spec
    required = flag.default is MISSING
    default = argparse.SUPPRESS if only_given else None if required else flag.default
    shown = "" if required or flag.default is None or isinstance(flag.default, bool) or "default" in spec.help \
        else f" (default: {to_dict(flag.default)})"
    names = ([spec.short] if spec.short else []) + [f"--{flag.name}"]
    if base is bool:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(*names, dest=flag.key, action="store_true", default=default,
                           help=spec.help + ("" if flag.default is not True else " (default)"))
        group.add_argument(f"--{flag.negative_key.replace('_', '-')}", dest=flag.key, action="store_false",
                           default=default,
                           help=argparse.SUPPRESS if flag.default is False else f"the opposite of --{flag.name}")
        return
    is_list = typing.get_origin(base) is list
    item_hint = typing.get_args(base)[0] if is_list else flag.hint
    kwargs: dict[str, Any] = dict(type=_argument_type(item_hint, spec, f"--{flag.name}"), help=spec.help + shown,
                                  metavar=spec.metavar, nargs="+" if is_list else None, choices=spec.choices)
    if spec.positional:
        parser.add_argument(flag.key, **kwargs)
        return
    parser.add_argument(*names, dest=flag.key, required=required, default=default, **kwargs)


def _argument_type(hint: Any, spec: Spec, label: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        base = _base(hint)
        try:
            value = text if spec.parse is not None or base is str else base(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {describe(base)}, got {text!r}") from None
        try:
            return convert(value, hint, spec, label)
        except InputError as error:
            raise argparse.ArgumentTypeError(str(error).removeprefix(f"{label}: ").removeprefix(f"{label} ")) from None

    parse.__name__ = describe(_base(hint))  # argparse names the type in its messages
    return parse


def from_args(cls: type[T], args: argparse.Namespace, *, base: T | None = None, **values: Any) -> T:
    """A `cls` from parsed arguments (those add_arguments added) and `values` given by field name;
    the fields that neither sets are `base`'s (None: the declared defaults)."""
    given = vars(args)
    flat = {flag.path: given[flag.key] for flag in flags(cls) if flag.key in given and flag.path[0] not in values}
    nested = _nest(flat)
    nested.update(values)
    return _construct_nested(cls, nested, base)
