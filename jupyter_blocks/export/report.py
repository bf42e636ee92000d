"""What a static export could not resolve, for the user and for ``--strict``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ExportReport:
    """What the export could not resolve (``--strict`` fails on any of it)."""

    broken: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    cycles: list[str] = field(default_factory=list)
    too_deep: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    limit: str = ""
    untrusted: bool = False

    @property
    def problems(self) -> list[str]:
        return (
            [f"block not found: {i}" for i in self.broken]
            + [f"deleted block: {i}" for i in self.deleted]
            + [f"cycle: {i}" for i in self.cycles]
            + [f"too deep: {i}" for i in self.too_deep]
            + [f"cannot show: {i}" for i in self.invalid]
            + ([self.limit] if self.limit else [])
        )
