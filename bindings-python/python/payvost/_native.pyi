# The native half of payvost (Rust, pyo3). Private: use the package's API.
from typing import Any, List, Optional, Tuple, final

from ._event import AnyEvent

__all__ = ["Verifier", "sign", "content_length", "joined_header_lines", "ERROR_CODES", "DEFAULT_TOLERANCE", "FACTS"]

ERROR_CODES: List[str]
#: The facts every door shares, as the core's JSON (error categories, tolerance, echo limit, ...).
FACTS: str
DEFAULT_TOLERANCE: int

@final
class Verifier:
    def __new__(cls, secret: Any, tolerance: Any) -> Verifier: ...
    def verify(self, payload: Any, sig_header: Any, now: Optional[Any] = None) -> Tuple[int, int]: ...
    def construct_event(self, payload: Any, sig_header: Any, now: Optional[Any] = None) -> AnyEvent: ...

def sign(payload: Any, secret: Any, timestamp: Optional[Any] = None) -> str: ...
def content_length(value: bytes) -> Optional[int]: ...
def joined_header_lines(lines: List[str]) -> Optional[str]: ...
