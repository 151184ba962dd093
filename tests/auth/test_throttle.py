from __future__ import annotations

from deskmate.auth.throttle import MemoryRateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_straddling_a_minute_boundary_is_still_limited() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(now=clock)
    clock.now = 1059.0  # three attempts at the end of one minute ...
    assert [limiter.hit("ip", limit=3) for _ in range(3)] == [True, True, True]
    clock.now = 1061.0  # ... and one at the start of the next: still within 60 s of the others
    assert limiter.hit("ip", limit=3) is False


def test_hits_age_out_after_the_window_and_keys_are_separate() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(now=clock)
    assert [limiter.hit("a", limit=1) for _ in range(2)] == [True, False]
    assert limiter.hit("b", limit=1) is True
    clock.now += 60.5
    assert limiter.hit("a", limit=1) is True
