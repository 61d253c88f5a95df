"""Argument and input-shape checks shared by layers, nets and models: errors name the argument and the range."""
import math
import numbers


def int_pair(value, name, minimum=1):
    """``value`` (an int or a pair of ints, each >= ``minimum``) as a tuple of two ints."""
    pair = value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        pair = (value, value)
    try:
        pair = tuple(pair)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= minimum for v in pair
    ):
        raise ValueError(
            f"`{name}` must be an int >= {minimum} or a pair of such ints, got {value!r}."
        )
    return tuple(int(v) for v in pair)


def check_rank(layer, input_shape, ranks, what):
    """Raises if ``len(input_shape)`` is not in ``ranks``; ``what`` describes the expected input."""
    if len(input_shape) not in ranks:
        raise ValueError(
            f"{type(layer).__name__} expects {what}, got an input of shape {tuple(input_shape)}."
        )


def positive_int(name, value):
    """``value`` if it is an int >= 1 (bools refused), else a ValueError naming ``name``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"`{name}` must be a positive int, got {value!r}.")
    return int(value)


def positive_ints(name, values):
    """A sequence of positive ints (e.g. hidden layer widths) as a tuple."""
    try:
        items = tuple(values)
    except TypeError:
        items = None
    if items is None or isinstance(values, str) or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in items
    ):
        raise ValueError(f"`{name}` must be a sequence of positive ints, got {values!r}.")
    return tuple(int(v) for v in items)


def non_negative(name, value):
    """``value`` as a float if it is a finite number >= 0 (e.g. a penalty weight)."""
    if (not isinstance(value, numbers.Real) or isinstance(value, bool)
            or not math.isfinite(value) or value < 0):
        raise ValueError(f"`{name}` must be a finite number >= 0, got {value!r}.")
    return float(value)


def finite(name, value):
    """``value`` as a float if it is a finite number."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"`{name}` must be a finite number, got {value!r}.")
    return float(value)
