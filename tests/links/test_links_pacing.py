"""The per-host gate: requests go out ``interval`` apart, written by the gate
when their time comes; a request that fails or is cancelled while it waits
never holds the others back."""

from __future__ import annotations

import asyncio

import pytest

from oopslint.http._pacing import Gate


def run(coro):
    return asyncio.run(coro)


async def _request(gate: Gate, name: str, sent: list[tuple[str, float]], *, fail: bool = False) -> None:
    loop = asyncio.get_running_loop()

    def write() -> None:
        if fail:
            raise ConnectionResetError("Connection lost")
        sent.append((name, loop.time()))

    async with gate:
        await gate.send(write)


def test_requests_go_out_interval_apart_in_order():
    async def scenario() -> list[tuple[str, float]]:
        gate, sent = Gate(limit=4, interval=0.03), []
        await asyncio.gather(*(_request(gate, f"r{n}", sent) for n in range(6)))
        return sent

    sent = run(scenario())
    assert [name for name, _ in sent] == [f"r{n}" for n in range(6)]
    gaps = [later - earlier for (_, earlier), (_, later) in zip(sent, sent[1:])]
    assert min(gaps) >= 0.03


def test_a_write_that_fails_raises_in_its_caller_and_the_next_request_still_goes_out():
    async def scenario() -> tuple[list[tuple[str, float]], list[BaseException | None]]:
        gate, sent = Gate(limit=4, interval=0.03), []
        outcomes = await asyncio.gather(
            _request(gate, "first", sent),
            _request(gate, "broken", sent, fail=True),
            _request(gate, "third", sent),
            return_exceptions=True,
        )
        return sent, outcomes

    sent, outcomes = run(scenario())
    assert [name for name, _ in sent] == ["first", "third"]
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], ConnectionResetError)
    assert sent[1][1] - sent[0][1] >= 0.03


def test_a_request_cancelled_while_it_waits_to_go_out_never_goes_out():
    async def scenario() -> list[tuple[str, float]]:
        gate, sent = Gate(limit=4, interval=0.1), []
        first = asyncio.ensure_future(_request(gate, "first", sent))
        waiting = asyncio.ensure_future(_request(gate, "cancelled", sent))
        last = asyncio.ensure_future(_request(gate, "last", sent))
        await asyncio.sleep(0.03)  # "cancelled" has its bytes ready and waits for its time
        waiting.cancel()
        await asyncio.gather(first, last)
        with pytest.raises(asyncio.CancelledError):
            await waiting
        return sent

    sent = run(scenario())
    assert [name for name, _ in sent] == ["first", "last"]
    assert sent[1][1] - sent[0][1] >= 0.1


def test_a_pause_holds_back_a_request_already_waiting_to_go_out():
    async def scenario() -> tuple[list[tuple[str, float]], float]:
        gate, sent = Gate(limit=4, interval=0.02), []
        await _request(gate, "first", sent)
        waiting = asyncio.ensure_future(_request(gate, "second", sent))
        await asyncio.sleep(0)
        paused_at = asyncio.get_running_loop().time()
        gate.pause(0.2)  # a 429 came back
        await waiting
        return sent, paused_at

    sent, paused_at = run(scenario())
    assert [name for name, _ in sent] == ["first", "second"]
    assert sent[1][1] >= paused_at + 0.2


def test_begin_keeps_the_interval_for_callers_that_write_themselves():
    async def scenario() -> list[float]:
        gate, starts = Gate(limit=4, interval=0.03), []
        loop = asyncio.get_running_loop()

        async def api_request() -> None:
            async with gate:
                await gate.begin()
                starts.append(loop.time())

        await asyncio.gather(*(api_request() for _ in range(4)))
        return starts

    starts = run(scenario())
    assert min(later - earlier for earlier, later in zip(starts, starts[1:])) >= 0.03
