"""How the core reports progress without printing: a callable that the CLI supplies."""

from typing import Protocol


class Notify(Protocol):
    def __call__(self, message: str, *, waiting: bool = False) -> None:
        """Say what is happening. `waiting`: the command is held up (a pause before a retry,
        a switch to another server), which is worth a line even when stderr is not a terminal."""
