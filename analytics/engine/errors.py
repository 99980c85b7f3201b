"""Errors raised by the analytics engine for input it cannot use."""


class EngineInputError(ValueError):
    """Input the engine cannot work with; the message names what is wrong and where."""
