"""Executor profile: asyncio over the executor, through
``loop.run_in_executor()`` and ``asyncio.wrap_future()`` on its futures.

asyncio takes only instances of ``concurrent.futures.Future`` (SPEC.md,
"asyncio"): a future of another class is refused, which these tests report
as a failure saying so."""

import asyncio

import pytest

from spec_tests.executors import tasks
from spec_tests.executors.helpers import BOUND, Queued

# What asyncio says when it refuses a future (an AssertionError, or a
# TypeError under python -O, where wrap_future's assert is gone).
REFUSALS = ("concurrent.futures.Future is expected", "A future is required")


def run(coroutine_function, *args):
    """Run coroutine_function(*args) in a fresh event loop, bounded; a
    future that asyncio refuses fails the test saying so."""
    async def bounded():
        return await asyncio.wait_for(coroutine_function(*args), BOUND)
    loop = asyncio.new_event_loop()  # what asyncio.run() does, and 3.6 has no asyncio.run()
    try:
        return loop.run_until_complete(bounded())
    except (AssertionError, TypeError) as exc:
        if any(words in str(exc) for words in REFUSALS):
            pytest.fail("asyncio refused the executor's future: %s: %s" % (type(exc).__name__, exc),
                        pytrace=False)
        raise
    finally:
        loop.close()


@pytest.mark.clause("asyncio.run_in_executor/result")
def test_run_in_executor_returns_the_calls_result(pool):
    executor = pool()

    async def call():
        return await asyncio.get_event_loop().run_in_executor(executor, tasks.add, 1, 2)

    assert run(call) == 3


@pytest.mark.clause("asyncio.run_in_executor/exception")
def test_run_in_executor_raises_the_calls_exception(pool):
    """Across a process boundary the exception is a copy: same type and args."""
    executor = pool()

    async def call():
        with pytest.raises(ValueError) as caught:
            await asyncio.get_event_loop().run_in_executor(executor, tasks.fail, "boom")
        return caught.value

    error = run(call)
    assert type(error) is ValueError and error.args == ("boom",)


@pytest.mark.clause("asyncio.wrap_future/result")
def test_wrap_future_settles_as_the_executors_future(pool):
    executor = pool(2)

    async def wrapped():
        value = await asyncio.wrap_future(executor.submit(tasks.identity, "value"))
        with pytest.raises(ValueError, match="boom"):
            await asyncio.wrap_future(executor.submit(tasks.fail, "boom"))
        return value

    assert run(wrapped) == "value"


async def _cancel(future):
    """Cancel an asyncio future; return once its done callbacks have run
    (asyncio schedules them: one turn of the loop runs them)."""
    future.cancel()
    await asyncio.sleep(0)


@pytest.mark.clause("asyncio.wrap_future/cancel-queued")
def test_cancelling_the_wrapper_cancels_a_queued_call(pool):
    queued = Queued(pool, pool(1))
    future = queued.submit()

    async def cancel():
        await _cancel(asyncio.wrap_future(future))

    run(cancel)
    assert future.cancelled(), "cancelling the asyncio future left the queued call %r" % (future,)
    assert not queued.ran_after_release()


@pytest.mark.clause("asyncio.wrap_future/cancel-queued")
def test_cancelling_run_in_executor_cancels_a_queued_call(pool):
    queued = Queued(pool, pool(1))

    async def cancel():
        loop = asyncio.get_event_loop()
        future = queued.submit(lambda fn, *args: loop.run_in_executor(queued.executor, fn, *args))
        await _cancel(future)
        return future.cancelled()

    assert run(cancel)
    assert not queued.ran_after_release(), (
        "the call ran although its asyncio future was cancelled while it was queued")
